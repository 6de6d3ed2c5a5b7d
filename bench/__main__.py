"""python -m bench [--scales 1,10] [--repeat 7]: time each page's data calls against a baseline.

Databases are built once per scale and kept under var/bench/. Figures are medians, printed as a
table and written to bench/RESULTS.md; the baseline is a trivial query on the same database in
the same run, so the ratios compare across machines better than the milliseconds do.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text

from data_access import cases, dataset, overview, reference, subsidies
from data_access.config import PROJECT_ROOT
from data_access.engine import make_engine
from data_access.rules import load_rules
from data_access.types import Filters, Period, Scope, add_months
from sample_data import DEFAULT_AS_OF, build_database
from sample_data.build import holds_data

BENCH_DIR = PROJECT_ROOT / "var" / "bench"
RESULTS = Path(__file__).with_name("RESULTS.md")


def page_calls(engine, rules):
    scope, filters, as_of = Scope.district(), Filters(Period.parse("2022Q2")), DEFAULT_AS_OF
    month = date(as_of.year, as_of.month, 1)
    return {
        "baseline (SELECT 1)": lambda: _select_one(engine),
        "overview": lambda: (
            overview.key_figures(engine, scope, filters, as_of, rules),
            subsidies.payments_by_month(engine, scope, filters, add_months(month, -11), add_months(month, 1)),
        ),
        "map": lambda: (reference.list_streets(engine, scope), reference.list_stations(engine, scope, filters)),
        "cases": lambda: cases.open_cases(engine, scope, filters, as_of, rules, 100),
        "subsidies": lambda: (
            overview.subsidy_figures(engine, scope, filters),
            subsidies.payments_by_month(engine, scope, filters),
            subsidies.standards(engine),
            subsidies.grants_in(engine, filters.period),
        ),
        "explore": lambda: (
            reference.list_communities(engine, scope, filters),
            reference.list_staff(engine, scope, filters, as_of),
            reference.list_social_orgs(engine, scope, filters, as_of),
        ),
        "data": lambda: dataset.table_counts(engine),
    }


def _select_one(engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1")).scalar()


def median_ms(call, repeat: int) -> float:
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",")]
    rules = load_rules()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)

    results: dict[str, dict[int, float]] = {}
    builds: dict[int, float] = {}
    for scale in scales:
        engine = make_engine(f"sqlite:///{BENCH_DIR / f'scale{scale}.db'}")
        if not holds_data(engine):
            started = time.perf_counter()
            build_database(engine, scale=scale)
            builds[scale] = time.perf_counter() - started
        for name, call in page_calls(engine, rules).items():
            results.setdefault(name, {})[scale] = median_ms(call, args.repeat)
        engine.dispose()

    header = "| data calls (SQLite) | " + " | ".join(f"scale {s}: ms (× baseline)" for s in scales) + " |"
    lines = [header, "|" + "---|" * (len(scales) + 1)]
    for name, by_scale in results.items():
        base = results["baseline (SELECT 1)"]
        cells = [f"{by_scale[s]:.1f} ({by_scale[s] / base[s]:.0f}×)" for s in scales]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    machine = f"{platform.node()} · {platform.machine()} · Python {platform.python_version()} · {time.strftime('%Y-%m-%d')}"
    built = "; ".join(f"scale {s} built in {t:.1f} s" for s, t in builds.items()) or "databases reused from var/bench/"
    report = "\n".join(["# Benchmark", "", f"Machine: {machine}", f"Median of {args.repeat} runs; {built}.", "", *lines, ""])
    print(report)
    RESULTS.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
