"""python -m bench [--scales 1,10,100] [--sections calls,queue,browser,load,proxy,websocket] [--backends sqlite,postgresql]

Times each page's data calls (the page's own ``load`` functions in views/) against baselines, on SQLite and
(when TEST_DATABASE_URL is set) on PostgreSQL; each page's full render in Chromium against an empty page; the server's peak memory;
a load test of simultaneous sessions on the case queue; and the case queue opened by 10 and 30 browsers at once
through nginx (the reference deployment, deploy/loopback.py) on one and on two app processes; and, without a
browser (bench/load.py), each page's warm re-run in server CPU and a page opened by 1 to 30 signed-in websocket
sessions at once, warm and cold, on one and on two processes behind nginx. Databases are built once per backend
and scale and kept (see bench/databases.py). Figures are medians, printed as tables and written
to bench/RESULTS.md. Baselines run on the same database in the same run, so the ratios compare
across machines better than the milliseconds do: a trivial query for the page loads, "load the
whole cases table into pandas and filter there" for the case queue, an empty page for renders.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy import text

from bench import browser as browser_bench
from bench import load as load_bench
from bench.databases import BENCH_DIR, ensure_built, postgres_url, sqlite_engine, sqlite_path
from dashboard import context
from data_access import cases
from data_access.cases import CaseFilters
from data_access.engine import get_engine, make_engine
from data_access.explore import ExploreQuery
from data_access.rules import load_rules
from data_access.types import Filters, Period, Scope
from data_access.users import User
from sample_data import DEFAULT_AS_OF
from views import admin as admin_view
from views import cases as cases_view
from views import data as data_view
from views import explore as explore_view
from views import map as map_view
from views import overview as overview_view
from views import subsidies as subsidies_view

SECTIONS = ("calls", "queue", "browser", "load", "proxy", "websocket")
RESULTS = Path(__file__).with_name("RESULTS.md")
VIEWER = User("bench", "admin")  # sees the whole district and may open every page


def page_loads() -> dict[str, Callable[[], object]]:
    """Each page's own ``load`` functions as the page opens (for 2022Q2, the district, in Chinese), read from the
    database every time: the data caches are emptied before each run. The database is DATABASE_URL's."""
    ctx = context.context_for(VIEWER, Filters(Period.parse("2022Q2")))
    year = replace(ctx, filters=Filters(Period.parse("2022")))

    def cold(load: Callable[[], object]) -> Callable[[], object]:
        def call():
            st.cache_data.clear()
            return load()
        return call

    def cases_page():
        cases_view.load_choices(ctx)
        return cases_view.load(ctx, ctx.filters, CaseFilters())

    def subsidies_page(by: str = "category"):
        return subsidies_view.load_window(ctx, subsidies_view.load(ctx, by).window)

    def explore_page():
        explore_view.load_choices(year)
        return explore_view.load(year, ExploreQuery("payments", "community", "month", "median", "amount"))

    def admin_page():
        admin_view.load(ctx)
        return admin_view.load_trail()

    return {
        "overview": cold(lambda: overview_view.load(ctx)),
        "map": cold(lambda: map_view.load(ctx)),
        "cases": cold(cases_page),
        "subsidies": cold(subsidies_page),
        "subsidies, trend by street": cold(lambda: subsidies_page("street")),
        "explore": cold(explore_page),
        "data": cold(lambda: data_view.load(ctx)),
        "admin": cold(admin_page),
    }


QUEUE_FILTERS = CaseFilters(risks=("critical", "high"), crisis_types=("self_harm", "suicidal_ideation", "abuse"))


def queue_calls(engine, rules):
    """The case queue in SQL against the same question answered in pandas over the whole table."""
    scope, filters, as_of = Scope.district(), Filters(Period.parse("2022Q2")), DEFAULT_AS_OF

    def pandas_baseline():
        with engine.connect() as conn:
            frame = pd.read_sql(text("SELECT * FROM cases"), conn)
        reported = pd.to_datetime(frame["reported_at"])
        closed = pd.to_datetime(frame["closed_at"])
        chosen = frame[(reported <= as_of) & (closed.isna() | (closed > as_of))
                       & frame["risk_level"].isin(QUEUE_FILTERS.risks)
                       & frame["crisis_type"].isin(QUEUE_FILTERS.crisis_types)]
        return chosen.sort_values(["risk_level", "reported_at"]).head(50)

    return {
        "baseline: whole table in pandas": pandas_baseline,
        "queue: one page of 50, filtered": lambda: cases.case_queue(
            engine, scope, filters, QUEUE_FILTERS, as_of, rules, page=1, page_size=50),
        "needs-action matrix": lambda: cases.needs_action_matrix(engine, scope, filters, QUEUE_FILTERS, as_of, rules),
    }


@contextmanager
def serving_database(url: str) -> Iterator[None]:
    """The app's data calls (dashboard.data) read the database at ``url`` while this lasts."""
    before = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    st.cache_data.clear()
    try:
        yield
    finally:
        get_engine(url).dispose()
        st.cache_data.clear()
        if before is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = before


def _select_one(engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1")).scalar()


def table(title: str, figures: dict, scales: list[int], baseline: str, unit: str, speedup: bool = False) -> list[str]:
    lines = [f"| {title} | " + " | ".join(f"scale {s}: {unit}" for s in scales) + " |", "|" + "---|" * (len(scales) + 1)]
    base = figures[baseline]
    for name, by_scale in figures.items():
        ratios = [base[s] / by_scale[s] if speedup else by_scale[s] / base[s] for s in scales]
        cells = [f"{by_scale[s]:.1f} ({r:.1f}×)" for s, r in zip(scales, ratios)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def median_ms(call, repeat: int) -> float:
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def machine() -> str:
    memory = ""
    try:
        total_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                        if line.startswith("MemTotal:"))
        memory = f" · {total_kb / 1024 / 1024:.1f} GiB memory"
    except (OSError, StopIteration):
        pass
    return (f"{platform.platform()} · {os.cpu_count()} CPUs{memory} · Python {platform.python_version()} · "
            f"{time.strftime('%Y-%m-%d %H:%M %Z')} · load average {os.getloadavg()[0]:.1f} at the start")


def data_calls(backend: str, scales: list[int], repeat: int, sections: set[str], rules) -> tuple[list[str], list[str]]:
    """The page-load and case-queue tables for one backend; the second list notes builds."""
    results: dict[str, dict[int, float]] = {}
    queue: dict[str, dict[int, float]] = {}
    notes = []
    for scale in scales:
        url = (f"sqlite:///{sqlite_path(scale)}" if backend == "sqlite"
               else postgres_url(os.environ["TEST_DATABASE_URL"], scale))
        engine = make_engine(url)
        built = ensure_built(engine, scale)
        if built is not None:
            notes.append(f"{backend} scale {scale} built in {built:.1f} s")
        if "calls" in sections:
            results.setdefault("baseline (SELECT 1)", {})[scale] = median_ms(lambda: _select_one(engine), repeat)
            with serving_database(url):
                for name, call in page_loads().items():
                    results.setdefault(name, {})[scale] = median_ms(call, repeat)
        if "queue" in sections:
            for name, call in queue_calls(engine, rules).items():
                queue.setdefault(name, {})[scale] = median_ms(call, repeat)
        engine.dispose()
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
    lines = []
    if results:
        lines += table(f"page loads ({label})", results, scales, "baseline (SELECT 1)", "ms (× baseline)") + [""]
    if queue:
        lines += table(f"case queue ({label})", queue, scales, "baseline: whole table in pandas",
                       "ms (baseline ÷ this)", speedup=True) + [""]
    return lines, notes


def renders(scales: list[int], repeat: int) -> list[str]:
    """First visit and re-visit of every page in Chromium per scale (SQLite), and the server's peak memory."""
    found = {}
    for scale in scales:
        ensure_built(sqlite_engine(scale), scale)
        found[scale] = browser_bench.render_times(sqlite_path(scale).parent, BENCH_DIR / f"server-scale{scale}.log",
                                                  list(browser_bench.PAGES), repeat)
    header = " | ".join(f"scale {s}: first visit ms | scale {s}: re-visit ms (× floor)" for s in scales)
    lines = [f"| page render in Chromium (SQLite) | {header} |", "|" + "---|" * (2 * len(scales) + 1)]
    for name in browser_bench.PAGES:
        cells = []
        for scale in scales:
            r = found[scale]
            floor = r.revisit[browser_bench.FLOOR]
            cells += [f"{r.first[name]:.0f}", f"{r.revisit[name]:.0f} ({r.revisit[name] / floor:.1f}×)"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    memory = [f"{found[s].peak_memory_mb:.0f}" if found[s].peak_memory_mb else "—" for s in scales]
    lines.append("| server peak memory (VmHWM, MiB) | " + " | ".join(f"{m} | " for m in memory) + "|")
    return lines + [""]


def load(scale: int, sessions: int, rounds: int) -> tuple[list[str], bool]:
    ensure_built(sqlite_engine(scale), scale)
    result = browser_bench.load_test(sqlite_path(scale).parent, BENCH_DIR / "server-load.log", sessions, rounds)
    p50, p95 = result.percentile(0.5), result.percentile(0.95)
    working = browser_bench.Load(sessions, [step for step in result.steps if step[0] != "open"])
    by_step = {}
    for name, ms in result.steps:
        by_step.setdefault(name, []).append(ms)
    lines = [
        f"| load test (SQLite, scale {scale}) | value |", "|---|---|",
        f"| simultaneous sessions (one Chromium, one context each) | {sessions} |",
        f"| steps per session | 1 + {rounds} × (filter via the matrix, open a case, export CSV) |",
        f"| steps completed | {len(result.steps)} of {sessions * (1 + 3 * rounds)} |",
        f"| errors | {len(result.errors)} |",
        f"| step time median / 95th percentile, ms | {p50 or 0:.0f} / {p95 or 0:.0f} |",
        f"| the same without the opening visits, ms | {working.percentile(0.5) or 0:.0f} / "
        f"{working.percentile(0.95) or 0:.0f} |",
        *(f"| {name}: median / max, ms | {statistics.median(t):.0f} / {max(t):.0f} |" for name, t in by_step.items()),
        f"| server peak memory (VmHWM, MiB) | {result.peak_memory_mb or 0:.0f} |",
    ]
    lines += [f"- {error}" for error in result.errors[:10]]
    return lines + [""], not result.errors


def proxy(scale: int, session_counts: list[int]) -> tuple[list[str], bool]:
    """The case queue opened by many browsers at once through nginx, on one and on two app processes."""
    ensure_built(sqlite_engine(scale), scale)
    url = f"sqlite:///{sqlite_path(scale)}"
    found = [r for n in (1, 2) for r in browser_bench.proxy_load(url, BENCH_DIR / f"proxy-{n}", n, session_counts)]
    lines = [f"| through nginx (TLS), case queue opened at once (SQLite, scale {scale}) | app processes | sessions | "
             "pages finished | median ms | 95th percentile ms | wall s | machine CPU busy s | app CPU s per process | "
             "app memory per process after, MiB (peak) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in found:
        cpu = " + ".join(f"{u.cpu_seconds:.1f}" for u in r.use)
        memory = " + ".join(f"{u.rss_mb:.0f} ({u.peak_mb:.0f})" for u in r.use)
        lines.append(f"| | {r.processes} | {r.sessions} | {len(r.times)} of {r.sessions} | {r.percentile(0.5) or 0:.0f} | "
                     f"{r.percentile(0.95) or 0:.0f} | {r.wall_seconds:.1f} | {r.machine_busy_seconds:.0f} | {cpu} | {memory} |")
    lines += [f"- {r.processes} process(es), {r.sessions} sessions: {error}" for r in found for error in r.errors[:5]]
    return lines + [""], not any(r.errors for r in found)


def websocket(scale: int, session_counts: list[int], repeat: int) -> tuple[list[str], bool]:
    """Every page's warm re-run, then the case queue opened by many signed-in sessions at once, on one and two
    processes behind nginx (bench/load.py)."""
    ensure_built(sqlite_engine(scale), scale)
    found = load_bench.measure(sqlite_path(scale), BENCH_DIR / "websocket", [1, 2], session_counts,
                               pages=list(load_bench.PAGES), repeat=repeat)
    return load_bench.report(found, scale), not any(r.errors for r in found.rounds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scales", default="1,10,100", help="comma-separated sample scales (default 1,10,100)")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated, any of {', '.join(SECTIONS)} (default all)")
    parser.add_argument("--backends", default=None,
                        help="sqlite, postgresql or both (default: sqlite, and postgresql when TEST_DATABASE_URL is set)")
    parser.add_argument("--repeat", type=int, default=7, help="runs per data call; the median is reported")
    parser.add_argument("--render-repeat", type=int, default=3, help="re-visits per page; the median is reported")
    parser.add_argument("--load-scale", type=int, default=10)
    parser.add_argument("--load-sessions", type=int, default=10)
    parser.add_argument("--load-rounds", type=int, default=3)
    parser.add_argument("--proxy-sessions", default="10,30",
                        help="comma-separated counts of browsers opening the queue at once through nginx")
    parser.add_argument("--websocket-scale", type=int, default=100)
    parser.add_argument("--websocket-sessions", default="1,5,10,30",
                        help="comma-separated counts of websocket sessions opening the queue at once")
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    sections = {s.strip() for s in args.sections.split(",") if s.strip()}
    unknown = sections - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    backends = (args.backends.split(",") if args.backends
                else ["sqlite", *(["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])])
    if "postgresql" in backends and not os.environ.get("TEST_DATABASE_URL"):
        parser.error("--backends postgresql needs TEST_DATABASE_URL=postgresql+psycopg://...")
    rules = load_rules()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    started_on = machine()  # the load average before the run, not the one the run itself causes

    lines: list[str] = []
    notes: list[str] = []
    ok = True
    if sections & {"calls", "queue"}:
        for backend in backends:
            found, built = data_calls(backend, scales, args.repeat, sections, rules)
            lines += found
            notes += built
    if "browser" in sections:
        lines += renders(scales, args.render_repeat)
    if "load" in sections:
        found, ok = load(args.load_scale, args.load_sessions, args.load_rounds)
        lines += found
    if "proxy" in sections:
        found, proxied = proxy(args.load_scale, [int(n) for n in args.proxy_sessions.split(",") if n.strip()])
        lines += found
        ok = ok and proxied
    if "websocket" in sections:
        found, answered = websocket(args.websocket_scale,
                                    [int(n) for n in args.websocket_sessions.split(",") if n.strip()], args.repeat)
        lines += found
        ok = ok and answered
    runs = (f"Data calls: median of {args.repeat} runs. Renders: first visit once, re-visit median of "
            f"{args.render_repeat}.")
    report = "\n".join(["# Benchmark", "", f"Machine: {started_on}", "", runs + (" " + "; ".join(notes) + "." if notes else ""),
                        f"Command: python -m bench {' '.join(argv if argv is not None else os.sys.argv[1:])}".rstrip(),
                        "", *lines])
    print(report)
    RESULTS.write_text(report, encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
