"""Each page's ``load`` called directly, without Streamlit running: on the sample (SQLite and PostgreSQL) it returns
what the data layer answers for the same question, and on a database with nothing in it, empty values the layout
can draw. The benchmark times these same functions."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
import streamlit as st

from bench import __main__ as bench
from catalogue.i18n import t
from dashboard import context, data
from data_access import migrate, overview, subsidies
from data_access.cases import CaseFilters
from data_access.explore import ExploreError, ExploreQuery
from data_access.types import Filters, Period
from data_access.users import User
from tests.harness import database_url
from views import admin as admin_view
from views import cases as cases_view
from views import data as data_view
from views import explore as explore_view
from views import map as map_view
from views import overview as overview_view
from views import subsidies as subsidies_view

LEADER = User("leader", "leader")
Q2 = Filters(Period.parse("2022Q2"))


def serve(monkeypatch, engine) -> None:
    """The app's data calls read ``engine``'s database, from empty caches."""
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    monkeypatch.setenv("DATABASE_URL", database_url(engine))
    st.cache_data.clear()


@pytest.fixture
def ctx(sample_engine, monkeypatch) -> context.ViewContext:
    serve(monkeypatch, sample_engine)
    yield context.context_for(LEADER, Q2)
    st.cache_data.clear()


@pytest.fixture
def empty_ctx(empty_engine, monkeypatch) -> context.ViewContext:
    migrate.upgrade(empty_engine)
    serve(monkeypatch, empty_engine)
    yield context.context_for(LEADER, Q2)
    st.cache_data.clear()


def test_the_context_is_the_sidebars_for_the_same_choices(ctx, as_of):
    assert (ctx.as_of, ctx.synthetic, ctx.period.code, ctx.scope.streets) == (as_of, True, "2022Q2", None)
    assert ctx.street_name == ctx.scope_name == t("filter.all_streets", "zh")
    street = context.context_for(User("s", "supervisor", street_id="fubao"), Filters(Period.parse("2022Q2"), "fubao"),
                                 "en")
    assert (street.street_name, street.scope_name, street.scope.streets) == ("Fubao", "Fubao Street",
                                                                            frozenset({"fubao"}))


def test_the_overview_loads_the_figures_the_data_layer_answers(ctx, sample_engine, rules):
    loaded = overview_view.load(ctx)
    assert loaded.figures == overview.key_figures(sample_engine, ctx.scope, ctx.filters, ctx.as_of, rules)
    assert (loaded.first, loaded.end) == (date(2021, 7, 1), date(2022, 7, 1))  # the twelve months to June 2022
    assert len(loaded.ranked) == len(loaded.street_figures) == 10
    assert not loaded.reported.empty and not loaded.paid.empty
    assert loaded.found


def test_the_map_loads_the_district_and_the_organisations_only_when_shown(ctx):
    loaded = map_view.load(ctx)
    assert len(loaded.streets) == 10 and not loaded.stations.empty and not loaded.ring_stations.empty
    assert loaded.official is None and loaded.boundary_error is None
    assert loaded.orgs is None
    assert 0 < loaded.coverage.communities_covered <= loaded.coverage.communities_total
    assert sum(loaded.reach.values()) == loaded.coverage.communities_covered
    assert not map_view.load(ctx, layers=("streets", "orgs")).orgs.empty


def test_the_case_queue_loads_the_last_page_for_a_page_past_it(ctx):
    choices = cases_view.load_choices(ctx)
    assert not choices.communities.empty and not choices.holders.empty
    first = cases_view.load(ctx, ctx.filters, CaseFilters())
    assert first.queue.total > 0 and first.queue.page == 1
    assert int(first.matrix.to_numpy().sum()) > 0
    assert not first.workload.empty and not first.funnel.empty
    assert len(first.earlier) == len(first.spans) >= 1
    past = cases_view.load(ctx, ctx.filters, CaseFilters(), page=10_000)
    assert past.queue.page == past.queue.pages == first.queue.pages


def test_the_subsidies_load_the_period_and_reconcile_only_months_that_are_over(ctx, sample_engine):
    loaded = subsidies_view.load(ctx)
    assert loaded.figures == data.subsidy_figures(ctx.scope, ctx.filters, loaded.span)
    assert loaded.figures.person_times > 0 and loaded.registered is None
    assert loaded.window == (date(2022, 4, 1), date(2022, 7, 1))
    assert "category" in loaded.trend.columns
    assert "street" in subsidies_view.load(ctx, "street").trend.columns
    window = subsidies_view.load_window(ctx, loaded.window)
    assert (window.start, window.end) == loaded.window  # June is over on the as-of day, the 30th
    expected = subsidies.reconciliation_summary(sample_engine, ctx.scope, ctx.filters, *loaded.window)
    assert window.summary.equals(expected)
    ahead = subsidies_view.load_window(ctx, (date(2022, 7, 1), date(2022, 8, 1)))
    assert ahead.summary is None and ahead.lists is None


def test_explore_loads_the_aggregate_asked_for_and_refuses_an_unknown_name(ctx):
    choices = explore_view.load_choices(ctx)
    assert len(choices.streets) == 10
    frame = explore_view.load(ctx, ExploreQuery("cases", "street"))
    assert len(frame) == 10 and frame.iloc[:, -1].sum() > 0
    with pytest.raises(ExploreError):
        explore_view.load(ctx, ExploreQuery("cases", "no_such_dimension"))


def test_the_data_and_admin_pages_load_counts_and_the_audit_trail(ctx):
    loaded = data_view.load(ctx)
    assert loaded.tables["children"] > 0 and loaded.quality.children > 0
    admin = admin_view.load(ctx)
    assert "username" in admin.accounts.columns and "recipient" in admin.subscriptions.columns
    assert admin_view.load_trail().chain.ok


@pytest.mark.parametrize("empty_engine", ["sqlite", "postgresql"], indirect=True)
def test_every_load_gives_empty_values_on_an_empty_database(empty_ctx):
    ctx = empty_ctx
    found = overview_view.load(ctx)
    assert found.figures.current.children_total == 0 and found.reported.empty and found.ranked.empty
    assert map_view.load(ctx).streets.empty
    queue = cases_view.load(ctx, ctx.filters, CaseFilters())
    assert queue.queue.total == 0 and queue.workload.empty
    paid = subsidies_view.load(ctx)
    assert paid.trend.empty and paid.figures.person_times == 0
    assert explore_view.load(ctx, ExploreQuery()).empty
    counts = data_view.load(ctx)
    assert counts.tables["children"] == counts.tables["cases"] == counts.quality.children == 0
    assert admin_view.load(ctx).accounts.empty


def test_the_benchmark_times_every_pages_own_load(ctx):
    pages = {path.stem for path in Path(__file__).resolve().parent.parent.joinpath("views").glob("*.py")}
    calls = bench.page_loads()
    assert {name.split(",")[0] for name in calls} == pages - {"blank"}
    for call in calls.values():
        assert call() is not None
