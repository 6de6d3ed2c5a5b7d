"""python -m bench.summaries [--scales 100,1000] [--backends sqlite,postgresql] [--repeat 5]

Each page's own data load (bench.__main__.page_loads) read as the pages read them, from the summary tables
where the scope allows, and again with the summaries switched off (every figure counted from the rows,
as before the summaries existed), on the same database in the same run. Prints a table per backend:
median ms per page, and the slowest single calls of each page with the summaries.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import time

from bench.__main__ import median_ms, page_loads, serving_database
from bench.databases import ensure_built, postgres_url, sqlite_path
from data_access import cases, dataset, explore, network, overview, quality, reference, subsidies
from data_access.engine import make_engine

READERS = (overview, quality, subsidies)  # the modules that read the summaries
TIMED = (cases, dataset, explore, network, overview, quality, reference, subsidies)


class Rows:
    """While active, every figure is counted from the rows (no summary answers)."""

    def __enter__(self):
        self.saved = {module: module.summary_streets for module in READERS}
        for module in READERS:
            module.summary_streets = lambda _scope, _filters: None

    def __exit__(self, *_exc):
        for module, reader in self.saved.items():
            module.summary_streets = reader


class CallTimes:
    """While active, the time of every public data call of TIMED, by name."""

    def __enter__(self):
        self.times, self.saved = {}, []
        for module in TIMED:
            for name, value in vars(module).copy().items():
                if (callable(value) and getattr(value, "__module__", None) == module.__name__
                        and not name.startswith("_") and not isinstance(value, type)):
                    self.saved.append((module, name, value))
                    setattr(module, name, self._timed(f"{module.__name__.rsplit('.', 1)[-1]}.{name}", value))
        return self

    def _timed(self, name, call):
        @functools.wraps(call)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.times.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return timed

    def __exit__(self, *_exc):
        for module, name, value in self.saved:
            setattr(module, name, value)


def measure(url: str, repeat: int) -> dict[str, tuple[float, float, list[tuple[str, float]]]]:
    """Per page: median ms with the summaries, from the rows, and the slowest calls with the summaries."""
    found = {}
    with serving_database(url):
        for page, call in page_loads().items():
            found[page] = timed_both_ways(call, repeat)
    return found


def timed_both_ways(call, repeat: int) -> tuple[float, float, list[tuple[str, float]]]:
    with CallTimes() as calls:
            summarised = median_ms(call, repeat)
    slowest = sorted(((name, statistics.median(t)) for name, t in calls.times.items()), key=lambda x: -x[1])
    with Rows():
        rows = median_ms(call, repeat)
    return summarised, rows, slowest[:3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.summaries")
    parser.add_argument("--scales", default="100")
    parser.add_argument("--backends", default=None, help="default: sqlite, and postgresql when TEST_DATABASE_URL is set")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    backends = (args.backends.split(",") if args.backends
                else ["sqlite", *(["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])])
    for backend in backends:
        for scale in [int(s) for s in args.scales.split(",") if s.strip()]:
            url = (f"sqlite:///{sqlite_path(scale)}" if backend == "sqlite"
                   else postgres_url(os.environ["TEST_DATABASE_URL"], scale))
            engine = make_engine(url)
            built = ensure_built(engine, scale)
            label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
            note = f" (built in {built:.0f} s)" if built is not None else ""
            print(f"\n| {label}, scale {scale}{note}: page | with summaries, ms | from the rows, ms | slowest calls with summaries, ms |")
            print("|---|---|---|---|")
            for page, (summarised, rows, slowest) in measure(url, args.repeat).items():
                calls = ", ".join(f"{name} {ms:.0f}" for name, ms in slowest)
                print(f"| {page} | {summarised:.0f} | {rows:.0f} | {calls} |", flush=True)
            engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
