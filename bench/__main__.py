"""python -m bench [--scales 1,10,100] [--repeat 7]: time each page's data calls against baselines.

Databases are built once per scale and kept under var/bench/. Figures are medians, printed as
tables and written to bench/RESULTS.md. Baselines run on the same database in the same run, so
the ratios compare across machines better than the milliseconds do: a trivial query for the
page calls, and "load the whole cases table into pandas and filter there" for the case queue.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from data_access import cases, dataset, explore, network, overview, reference, subsidies
from data_access.cases import CaseFilters
from data_access.config import PROJECT_ROOT
from data_access.engine import make_engine
from data_access.explore import ExploreQuery
from data_access.rules import load_rules
from data_access.types import Filters, Period, Scope, add_months
from sample_data import DEFAULT_AS_OF, build_database
from sample_data.build import SAMPLE_VERSION

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
        "map": lambda: (
            network.street_figures(engine, scope, filters, as_of, rules),
            network.community_figures(engine, scope, filters, as_of, rules),
            network.station_points(engine, scope, filters, as_of),
            network.ring_stations(engine, scope, as_of),
            network.coverage_figures(engine, scope, filters, as_of, rules, 1500.0),
            reference.list_social_orgs(engine, scope, filters, as_of),
        ),
        "cases": lambda: (
            cases.needs_action_matrix(engine, scope, filters, CaseFilters(), as_of, rules),
            cases.case_queue(engine, scope, filters, CaseFilters(), as_of, rules, page=1, page_size=50),
            cases.workload_by_staff(engine, scope, filters, as_of, rules),
            cases.response_bands(engine, scope, filters, CaseFilters(), as_of, rules),
            cases.close_times(engine, scope, filters, CaseFilters(), as_of, rules),
            cases.stage_funnel(engine, scope, filters, CaseFilters(), as_of, rules),
        ),
        "subsidies": lambda: (
            overview.key_figures(engine, scope, filters, as_of, rules),
            subsidies.payments_by_month(engine, scope, filters, date(2021, 1, 1), add_months(month, 1)),
            subsidies.payments_by_month(engine, scope, filters, date(2021, 1, 1), add_months(month, 1), by="street"),
            subsidies.standards_by_month(engine, date(2021, 1, 1), add_months(month, 1)),
            subsidies.quarter_table(engine, scope, filters, date(2021, 1, 1), as_of.date()),
            subsidies.reconciliation_summary(engine, scope, filters),
            subsidies.reconciliation(engine, scope, filters),
            subsidies.grants_in(engine, scope, filters.period),
        ),
        "explore": lambda: (
            reference.list_streets(engine, scope),
            reference.list_communities(engine, scope, filters),
            explore.aggregate(engine, scope, Filters(Period.parse("2022")), as_of, ExploreQuery(
                "payments", "community", "month", "median", "amount")),
        ),
        "data": lambda: dataset.table_counts(engine),
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


def sample_version(engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT value FROM dataset_info WHERE key = 'version'")).scalar()
    except SQLAlchemyError:
        return None


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",")]
    rules = load_rules()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)

    results: dict[str, dict[int, float]] = {}
    queue: dict[str, dict[int, float]] = {}
    builds: dict[int, float] = {}
    for scale in scales:
        engine = make_engine(f"sqlite:///{BENCH_DIR / f'scale{scale}.db'}")
        if sample_version(engine) != SAMPLE_VERSION:
            started = time.perf_counter()
            build_database(engine, scale=scale, replace=True)
            builds[scale] = time.perf_counter() - started
        for name, call in page_calls(engine, rules).items():
            results.setdefault(name, {})[scale] = median_ms(call, args.repeat)
        for name, call in queue_calls(engine, rules).items():
            queue.setdefault(name, {})[scale] = median_ms(call, args.repeat)
        engine.dispose()

    lines = table("data calls (SQLite)", results, scales, "baseline (SELECT 1)", "ms (× baseline)")
    lines += [""] + table("case queue (SQLite)", queue, scales, "baseline: whole table in pandas", "ms (baseline ÷ this)",
                          speedup=True)
    machine = f"{platform.node()} · {platform.machine()} · Python {platform.python_version()} · {time.strftime('%Y-%m-%d')}"
    built = "; ".join(f"scale {s} built in {t:.1f} s" for s, t in builds.items()) or "databases reused from var/bench/"
    report = "\n".join(["# Benchmark", "", f"Machine: {machine}", f"Median of {args.repeat} runs; {built}.", "", *lines, ""])
    print(report)
    RESULTS.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
