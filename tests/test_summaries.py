"""The summary tables on SQLite and PostgreSQL: equal to the raw aggregates after the sample build and
after every import that changes what they count, unchanged by a failed import, filled by their migration;
and the figures read from them equal to the figures read from the rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from alembic import command
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from data_access import importer, migrate, overview, quality, schema, subsidies, summaries
from data_access.importer import writing
from data_access.subsidies import _years_before
from data_access.types import Filters, Period, Scope, Span, add_months, months_between
from sample_data import DEFAULT_AS_OF, build_database
from tests.files import CASE_HEADER, GOOD_CASE, PAY_HEADER, TODAY, child, children_file, csv_bytes, fake_id
from tests.harness import BACKENDS, engine_for, mark_real


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request, tmp_path_factory) -> Engine:
    """A sample database per backend marked real, so that it takes imports."""
    engine = engine_for(request.param, tmp_path_factory, "summaries_test")
    build_database(engine)
    mark_real(engine)
    yield engine
    engine.dispose()


def stored(engine: Engine) -> dict[str, list[tuple]]:
    """Every summary table's rows in key order."""
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in schema.SUMMARY_TABLES}


def rebuilt(engine: Engine) -> dict[str, list[tuple]]:
    """The summaries as a rebuild from the rows makes them now (rolled back)."""
    with engine.connect() as conn:
        transaction = conn.begin()
        summaries.refresh_summaries(conn)
        found = {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                 for t in schema.SUMMARY_TABLES}
        transaction.rollback()
    return found


def assert_current(engine: Engine) -> None:
    assert stored(engine) == rebuilt(engine)
    assert_equal_to_rows(engine)


def _month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def assert_equal_to_rows(engine: Engine) -> None:
    """The payment and register summaries against the same aggregates counted here, row by row, in Python."""
    P, CH = schema.subsidy_payments, schema.children
    with engine.connect() as conn:
        payments = conn.execute(select(P.c.month, P.c.street_id, P.c.category, P.c.child_id, P.c.amount)).all()
        children = {row.id: row for row in conn.execute(select(CH))}
        coverage = conn.execute(select(schema.summary_coverage)).one()
    found = stored(engine)
    # Payments per month, street and category.
    groups = defaultdict(lambda: [0, set(), 0, 0])
    for month, street, category, child_id, amount in payments:
        group = groups[(month, street, category)]
        group[0] += 1
        group[1].add(child_id)
        group[2] += amount
        kid, end = children.get(child_id), _month_end(month)
        group[3] += (kid is None or kid.category is None or kid.registered_on is None or kid.registered_on > end
                     or (kid.exited_on is not None and kid.exited_on <= end))
    expected = [(m, s, c, n, len(kids), amount, off) for (m, s, c), (n, kids, amount, off) in sorted(groups.items())]
    assert [(*row[:5], round(float(row[5]), 2), row[6]) for row in found["summary_payments"]] == \
        [(*row[:5], round(float(row[5]), 2), row[6]) for row in expected]
    # Distinct children over every kept window, per street and for the district.
    windows = defaultdict(set)
    for month, street, _category, child_id, _amount in payments:
        starts = [(month, 1)]
        quarter = date(month.year, month.month - (month.month - 1) % 3, 1)
        starts += [(quarter, n) for n in (2, 3) if add_months(quarter, n) > month]
        starts += [(date(month.year, 1, 1), n) for n in range(4, 13) if month.month <= n]
        for start, n in starts:
            windows[(start, n, street)].add(child_id)
            windows[(start, n, schema.ALL_STREETS)].add(child_id)
    assert found["summary_payment_children"] == sorted((s, n, k, len(kids)) for (s, n, k), kids in windows.items())
    # The register at each month's end over the months covered.
    register = defaultdict(lambda: [0, 0])
    for month in months_between(coverage.first_month, coverage.end_month):
        end = _month_end(month)
        for kid in children.values():
            if (kid.category is not None and kid.registered_on is not None and kid.registered_on <= end
                    and (kid.exited_on is None or kid.exited_on > end)):
                counts = register[(month, kid.street_id, kid.category)]
                counts[0] += 1
                counts[1] += kid.birth_date > _years_before(end, 18)
    assert found["summary_register"] == sorted((m, s, c, on, young) for (m, s, c), (on, young) in register.items())
    # Cases reported per month, street and risk level.
    with engine.connect() as conn:
        reported = conn.execute(select(schema.cases.c.reported_at, schema.cases.c.street_id,
                                       schema.cases.c.risk_level)).all()
    cases = defaultdict(int)
    for at, street, risk in reported:
        cases[(date(at.year, at.month, 1), street, risk)] += 1
    assert found["summary_cases"] == sorted((m, s, r, n) for (m, s, r), n in cases.items())
    assert coverage.first_month == min(k.registered_on for k in children.values() if k.category and k.registered_on
                                       ).replace(day=1)
    assert coverage.end_month > add_months(date.today(), 12)


def test_the_sample_build_fills_the_summaries_as_the_rows_count(engine):
    assert stored(engine)["summary_payments"] and stored(engine)["summary_register"]
    assert_current(engine)


def run(engine: Engine, kind: str, content: bytes, name: str, **options) -> importer.ImportResult:
    return importer.run_import(engine, kind, content, name, today=TODAY, **options)


def registered(engine: Engine, street: str, day: date) -> int:
    return sum(overview.children_by_category(engine, Scope.street(street), Filters(), day).values())


def test_a_children_import_refreshes_the_register_and_a_reimport_changes_nothing(engine):
    before = registered(engine, "futian", date(2022, 5, 31))
    content = children_file(child("FT91000001", 身份证号=fake_id("2010-01-01", "101")))
    assert run(engine, "children", content, "children.csv").inserted == 1
    assert registered(engine, "futian", date(2022, 5, 31)) == before + 1
    assert_current(engine)
    after = stored(engine)
    again = run(engine, "children", content, "children.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    assert stored(engine) == after


def test_a_payments_import_refreshes_the_payments(engine):
    scope, filters = Scope.district(), Filters(Period.parse("2022-06"))
    before = overview.subsidy_figures(engine, scope, filters)
    content = csv_bytes([PAY_HEADER, ["P-S1", "FT00000001", "2022-06", "1000", "2022-06-12"]])
    assert run(engine, "payments", content, "payments.csv").inserted == 1
    after = overview.subsidy_figures(engine, scope, filters)
    assert (after.person_times, after.amount) == (before.person_times + 1, before.amount + 1000)
    assert_current(engine)
    changed = csv_bytes([PAY_HEADER, ["P-S1", "FT00000001", "2022-05", "900", "2022-06-12"]])
    assert run(engine, "payments", changed, "payments.csv").updated == 1
    assert overview.subsidy_figures(engine, scope, filters).person_times == before.person_times
    assert_current(engine)


def test_a_cases_import_refreshes_the_cases(engine):
    scope, after_june = Scope.street("meilin"), datetime(2022, 7, 1)
    before = overview.cases_by_month(engine, scope, Filters(), date(2022, 6, 1), date(2022, 7, 1), after_june)
    assert run(engine, "cases", csv_bytes([CASE_HEADER, GOOD_CASE]), "cases.csv").inserted == 1
    after = overview.cases_by_month(engine, scope, Filters(), date(2022, 6, 1), date(2022, 7, 1), after_june)
    assert after["cases"].sum() == before["cases"].sum() + 1
    assert_current(engine)


def test_a_skip_bad_import_summarises_the_good_rows(engine):
    good = child("FT91000002", 身份证号=fake_id("2011-01-01", "102"), 出生日期="2011-01-01")
    bad = child("FT91000003", 身份证号=fake_id("2011-01-01", "103"), 出生日期="2011-01-01", 街道="亚特兰蒂斯")
    result = run(engine, "children", children_file(good, bad), "mixed.csv", mode="skip-bad")
    assert (result.inserted, result.rejected) == (1, 1)
    assert_current(engine)


def test_a_failed_import_leaves_the_summaries_unchanged(engine, monkeypatch):
    before = stored(engine)
    bad = child("FT91000004", 身份证号=fake_id("2012-01-01", "104"), 出生日期="2012-01-01", 街道="亚特兰蒂斯")
    good = child("FT91000005", 身份证号=fake_id("2012-01-01", "105"), 出生日期="2012-01-01")
    assert not run(engine, "children", children_file(good, bad), "all.csv").written
    assert stored(engine) == before

    def rebuild_then_fail(conn, kinds=None, months=None):
        summaries.refresh_summaries(conn, kinds, months)
        raise IntegrityError("INSERT", {}, Exception("refused"))

    monkeypatch.setattr(writing, "refresh_summaries", rebuild_then_fail)
    result = run(engine, "children", children_file(good), "good.csv")
    assert not result.written and [p.key for p in result.problems] == ["file.write_failed"]
    assert stored(engine) == before


def test_the_migration_fills_the_summaries_from_the_rows(engine):
    expected = stored(engine)
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0010")
    migrate.upgrade(engine)
    assert stored(engine) == expected
    assert migrate.differences(engine) == []


def calls(engine: Engine, scope: Scope, filters: Filters, as_of: datetime, rules) -> dict:
    return {
        "payments by month": lambda: subsidies.payments_by_month(engine, scope, filters, date(2021, 1, 1), date(2022, 7, 1)),
        "payments by street": lambda: subsidies.payments_by_month(engine, scope, filters, date(2021, 1, 1),
                                                                  date(2022, 7, 1), by="street"),
        "quarters": lambda: subsidies.quarter_table(engine, scope, filters, date(2021, 1, 1), as_of.date(), as_of),
        "reconciliation": lambda: subsidies.reconciliation_summary(engine, scope, filters),
        "reconciliation since 2021": lambda: subsidies.reconciliation_summary(engine, scope, filters, date(2021, 1, 1),
                                                                              date(2022, 7, 1)),
        "subsidy figures": lambda: overview.subsidy_figures(engine, scope, filters),
        "subsidy figures so far": lambda: overview.subsidy_figures(engine, scope, filters, Span.of(filters.period, as_of)),
        "register": lambda: overview.children_by_category(engine, scope, filters, date(2022, 3, 31)),
        "quality": lambda: quality.quality_counts(engine, scope, filters, as_of, rules),
        "cases by month": lambda: overview.cases_by_month(engine, scope, filters, date(2021, 7, 1), date(2022, 8, 1),
                                                          as_of),
    }


@pytest.mark.parametrize("scope", [Scope.district(), Scope.street("futian"), Scope(streets=frozenset({"futian", "fubao"}))],
                         ids=["district", "street", "two streets"])
@pytest.mark.parametrize("period", ["2022Q2", "2022", "2022-05", "2021Q4"])
def test_figures_from_the_summaries_equal_those_from_the_rows(engine, rules, monkeypatch, scope, period):
    for as_of in (DEFAULT_AS_OF, datetime(2022, 5, 15, 12)):
        for street in (None, "futian"):
            filters = Filters(Period.parse(period), street_id=street)
            summarised = {name: call() for name, call in calls(engine, scope, filters, as_of, rules).items()}
            with monkeypatch.context() as raw:
                for module in (overview, quality, subsidies):
                    raw.setattr(module, "summary_streets", lambda _scope, _filters: None)
                counted = {name: call() for name, call in calls(engine, scope, filters, as_of, rules).items()}
            for name, value in counted.items():
                if isinstance(value, pd.DataFrame):
                    pd.testing.assert_frame_equal(summarised[name], value, obj=name)
                else:
                    assert summarised[name] == value, name


def test_a_file_born_after_the_moment_is_counted_from_the_rows(engine, rules, monkeypatch):
    """A birth date after as-of is a gap the summary cannot know in advance: the count is then read raw."""
    content = children_file(child("FT91000006", 身份证号=fake_id("2022-06-01", "106"), 出生日期="2022-06-01",
                                  登记日期="2022-06-10"))
    assert run(engine, "children", content, "baby.csv").inserted == 1
    with engine.connect() as conn:
        latest = conn.execute(select(schema.summary_quality.c.latest_birth)
                              .where(schema.summary_quality.c.street_id == schema.ALL_STREETS)).scalar()
    assert latest >= date(2022, 6, 1)
    early = datetime(2022, 5, 1)
    counts = quality.quality_counts(engine, Scope.district(), Filters(), early, rules)
    monkeypatch.setattr(quality, "summary_streets", lambda _scope, _filters: None)
    assert counts == quality.quality_counts(engine, Scope.district(), Filters(), early, rules)
    assert counts.incomplete > quality.quality_counts(engine, Scope.district(), Filters(), DEFAULT_AS_OF, rules).incomplete


def test_the_command_rebuilds_every_summary(engine, capsys):
    if engine.dialect.name == "postgresql":
        pytest.skip("the command takes a database URL; the PostgreSQL fixture's schema is set per connection")
    url = engine.url.render_as_string(hide_password=False)
    expected = stored(engine)
    with engine.begin() as conn:
        for table in schema.SUMMARY_TABLES:
            conn.execute(table.delete())
    assert summaries.main(["--database-url", url]) == 0
    assert "payments, register, quality, cases" in capsys.readouterr().out
    assert stored(engine) == expected
