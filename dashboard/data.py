"""Cached wrappers around the data layer, keyed on scope, filters and as-of."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from catalogue import i18n
from data_access import campaigns, cases, config, dataset, district, explore, geo, network, overview, quality, reference, subsidies
from data_access.coverage import Coverage
from data_access.engine import get_engine
from data_access.rules import CaseRules, load_rules
from data_access.types import Filters, Period, Scope, Span

TTL = 300


def engine() -> Engine:
    return get_engine(config.database_url())


@st.cache_resource
def rules() -> CaseRules:
    return load_rules(config.rules_file())


# The database check every script run makes is answered from memory for this long: a database that goes away
# shows its banner within these seconds (sooner when a page's query fails, see recheck_health).
HEALTH_SECONDS = 5


@st.cache_resource(ttl=HEALTH_SECONDS, show_spinner=False)
def _health(url: str) -> dataset.Health:
    return dataset.health_check(get_engine(url))


def health() -> dataset.Health:
    return _health(config.database_url())


def recheck_health() -> None:
    """Ask the database again at the next health(), after a query found it gone."""
    _health.clear()


@st.cache_data(ttl=TTL, show_spinner=False)
def dataset_info() -> dataset.DatasetInfo:
    return dataset.read_dataset_info(engine())


@st.cache_data(ttl=TTL, show_spinner=False)
def district_info() -> district.District | None:
    """The district the database was initialised for (None before init)."""
    return district.read_district(engine())


def district_name(lang: str) -> str:
    """The district's name for titles and sentences; empty when the database names none."""
    try:
        found = district_info()
    except Exception:  # no database or no table yet: titles go without a name
        return ""
    if found is None:
        return ""
    return found.name_en if lang == "en" else found.name_zh


i18n.set_district_name(district_name)


def before_data(period: Period) -> bool:
    """Whether the period begins before the data's first month: there is nothing to compare with."""
    try:
        first = dataset_info().first_month
    except Exception:  # no database or no table yet
        return False
    return first is not None and period.start < first


def year_before_span(span: Span) -> Span | None:
    """The same span of the same period last year, where it is compared: not for a year, whose previous period
    is the year before already, nor when last year's period began before the data (then None)."""
    period = span.period
    if period.kind == "year" or before_data(period.year_before()):
        return None
    return span.year_before()


def comparison_spans(span: Span) -> list[Span]:
    """What a period's figures are set against: the same span of the previous period, then of the same period
    last year where it is compared."""
    last = year_before_span(span)
    return [span.matching(span.period.previous())] + ([last] if last else [])


def campaign_phases(period: Period, as_of: datetime) -> list:
    """The district's campaign phases in the period that had begun by the as-of moment (data_access.campaigns)."""
    found = district_info()
    return campaigns.phases_in(found.id if found else None, period.start, period.end, as_of.date())


@st.cache_data(ttl=TTL, show_spinner=False)
def table_counts() -> dict[str, int]:
    return dataset.table_counts(engine())


@st.cache_data(ttl=TTL, show_spinner=False)
def empty_tables(names: tuple[str, ...]) -> tuple[str, ...]:
    return dataset.empty_tables(engine(), names)


@st.cache_data(ttl=TTL, show_spinner=False)
def streets(scope: Scope) -> pd.DataFrame:
    return reference.list_streets(engine(), scope)


@st.cache_data(ttl=TTL, show_spinner=False)
def communities(scope: Scope, filters: Filters) -> pd.DataFrame:
    return reference.list_communities(engine(), scope, filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def social_orgs(scope: Scope, filters: Filters, as_of: datetime) -> pd.DataFrame:
    return reference.list_social_orgs(engine(), scope, filters, as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def key_figures(scope: Scope, filters: Filters, as_of: datetime) -> overview.KeyFigures:
    return overview.key_figures(engine(), scope, filters, as_of, rules())


@st.cache_data(ttl=TTL, show_spinner=False)
def subsidy_figures(scope: Scope, filters: Filters, span: Span | None = None) -> overview.SubsidyFigures:
    return overview.subsidy_figures(engine(), scope, filters, span)


@st.cache_data(ttl=TTL, show_spinner=False)
def children_by_category(scope: Scope, filters: Filters, as_of: datetime) -> dict[str, int]:
    """The register at the period's last day (or the as-of day, if earlier)."""
    return overview.children_by_category(engine(), scope, filters, filters.period.register_day(as_of))


@st.cache_data(ttl=TTL, show_spinner=False)
def street_pressure(scope: Scope, filters: Filters, as_of: datetime) -> pd.DataFrame:
    return overview.street_pressure(engine(), scope, filters, as_of, rules())


@st.cache_data(ttl=TTL, show_spinner=False)
def cases_by_month(scope: Scope, filters: Filters, start: date, end: date, as_of: datetime) -> pd.DataFrame:
    return overview.cases_by_month(engine(), scope, filters, start, end, as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def case_indicators(scope: Scope, filters: Filters, case_filters: cases.CaseFilters, as_of: datetime,
                    earlier: list[tuple[Period, datetime]]) -> cases.Indicators:
    return cases.indicators(engine(), scope, filters, case_filters, as_of, rules(), earlier)


@st.cache_data(ttl=TTL, show_spinner=False)
def case_queue(scope: Scope, filters: Filters, case_filters: cases.CaseFilters, as_of: datetime, page: int,
               page_size: int) -> cases.QueuePage:
    return cases.case_queue(engine(), scope, filters, case_filters, as_of, rules(), page, page_size)


@st.cache_data(ttl=TTL, show_spinner=False)
def case_holders(scope: Scope, filters: Filters, as_of: datetime) -> pd.DataFrame:
    return cases.case_holders(engine(), scope, filters, as_of)


def case_detail(scope: Scope, case_no: str, as_of: datetime, reveal: bool = False) -> cases.CaseDetail | None:
    """Not cached: every look at a case reads it fresh."""
    return cases.case_detail(engine(), scope, case_no, as_of, rules(), reveal)


@st.cache_data(ttl=TTL, show_spinner=False)
def workload_by_staff(scope: Scope, filters: Filters, as_of: datetime) -> pd.DataFrame:
    return cases.workload_by_staff(engine(), scope, filters, as_of, rules())


@st.cache_data(ttl=TTL, show_spinner=False)
def payments_by_month(scope: Scope, filters: Filters, start: date | None = None, end: date | None = None,
                      by: str = "category") -> pd.DataFrame:
    return subsidies.payments_by_month(engine(), scope, filters, start, end, by)



@st.cache_data(ttl=TTL, show_spinner=False)
def grants(scope: Scope, period: Period) -> pd.DataFrame:
    return subsidies.grants_in(engine(), scope, period)



@st.cache_data(ttl=TTL, show_spinner=False)
def standards_by_month(start: date, end: date) -> pd.DataFrame:
    return subsidies.standards_by_month(engine(), start, end)


@st.cache_data(ttl=TTL, show_spinner=False)
def standard_changes(start: date, end: date) -> pd.DataFrame:
    return subsidies.standard_changes(engine(), start, end)


@st.cache_data(ttl=TTL, show_spinner=False)
def grants_between(scope: Scope, start: date, end: date) -> pd.DataFrame:
    return subsidies.grants_in(engine(), scope, start=start, end=end)


@st.cache_data(ttl=TTL, show_spinner=False)
def quarter_table(scope: Scope, filters: Filters, first: date, as_of: datetime) -> pd.DataFrame:
    return subsidies.quarter_table(engine(), scope, filters, first, as_of.date(), as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def reconciliation_summary(scope: Scope, filters: Filters, start: date, end: date) -> pd.DataFrame:
    return subsidies.reconciliation_summary(engine(), scope, filters, start, end)


@st.cache_data(ttl=TTL, show_spinner=False)
def reconciliation(scope: Scope, filters: Filters, start: date, end: date) -> dict[str, pd.DataFrame]:
    return subsidies.reconciliation(engine(), scope, filters, start, end)


@st.cache_data(ttl=TTL, show_spinner=False)
def street_figures(scope: Scope, filters: Filters, as_of: datetime) -> pd.DataFrame:
    return network.street_figures(engine(), scope, filters, as_of, rules())


@st.cache_data(ttl=TTL, show_spinner=False)
def community_figures(scope: Scope, filters: Filters, as_of: datetime) -> pd.DataFrame:
    return network.community_figures(engine(), scope, filters, as_of, rules())


@st.cache_data(ttl=TTL, show_spinner=False)
def station_points(scope: Scope, filters: Filters, as_of: datetime) -> pd.DataFrame:
    return network.station_points(engine(), scope, filters, as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def ring_stations(scope: Scope, as_of: datetime) -> pd.DataFrame:
    return network.ring_stations(engine(), scope, as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def coverage(scope: Scope, filters: Filters, as_of: datetime, radius_km: float) -> Coverage:
    return network.coverage_figures(engine(), scope, filters, as_of, rules(), radius_km * 1000)


@st.cache_data(ttl=TTL, show_spinner=False)
def official_boundaries(path: str, crs: str, modified: float, streets: tuple[geo.StreetName, ...]) -> geo.Boundaries:
    """The configured boundary file, read again when it changes (``modified``). Raises geo.BoundaryError."""
    found = district_info()
    return geo.read_boundary_file(Path(path), crs, streets, found.bbox if found else geo.DISTRICT_BBOX)


def boundaries(path: Path, crs: str, streets: tuple[geo.StreetName, ...]) -> geo.Boundaries:
    try:
        modified = path.stat().st_mtime
    except OSError:
        modified = 0.0
    return official_boundaries(str(path), crs, modified, streets)


# --- data quality ---------------------------------------------------------------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def quality_counts(scope: Scope, filters: Filters, as_of: datetime) -> quality.QualityCounts:
    return quality.quality_counts(engine(), scope, filters, as_of, rules())


@st.cache_data(ttl=TTL, show_spinner=False)
def quality_rows(check: str, scope: Scope, filters: Filters, as_of: datetime) -> pd.DataFrame:
    """The rows behind one check of quality.REGISTRY (an unknown check raises ValueError)."""
    return quality.find_check(check).rows(engine(), scope, filters, as_of, rules())


# --- explore ---------------------------------------------------------------------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def explore_aggregate(scope: Scope, filters: Filters, as_of: datetime, query: explore.ExploreQuery) -> pd.DataFrame:
    """One aggregate of the Explore page. Raises explore.ExploreError for a name outside the allow-lists."""
    return explore.aggregate(engine(), scope, filters, as_of, query)
