"""The coverage map's figures: per street, per community, stations with their staff, and coverage.

Counts are grouped in SQL and joined to the street or community rows in one statement each.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine, Select, and_, case, distinct, func, or_, select

from data_access import schema
from data_access.cases import deadline_before, open_at, unindexed
from data_access.coverage import Coverage, compute_coverage
from data_access.overview import in_post
from data_access.rules import CaseRules
from data_access.scoping import scope_conditions
from data_access.types import Filters, Scope

S, C, K, E = schema.streets, schema.communities, schema.cases, schema.case_events
ST, SF, CH = schema.stations, schema.staff, schema.children

# Days since the last home visit, as (upper bound, band); "none" when no visit is recorded.
VISIT_BANDS = ((30, "le_30"), (60, "le_60"), (90, "le_90"), (None, "gt_90"))


def _counted(key, value, *conditions) -> Select:
    return select(key.label("key"), value.label("n")).where(*conditions).group_by(key)


def _case_counts(key, rules: CaseRules, as_of: datetime, *conditions) -> Select:
    """Open and overdue cases per ``key`` in one pass over the open cases."""
    grouped = unindexed(key)
    return (
        select(grouped.label("key"), func.count().label("open_cases"),
               func.sum(case((deadline_before(rules, as_of, as_of), 1), else_=0)).label("overdue_cases"))
        .where(open_at(as_of), *conditions)
        .group_by(grouped)
    )


def _children_counts(key, filters: Filters, as_of: datetime, *conditions) -> Select:
    return _counted(unindexed(key), func.count(), *_registered(filters.period.register_day(as_of)), *conditions)


def _registered(day: date) -> list:
    return [CH.c.category.is_not(None), CH.c.registered_on <= day,
            or_(CH.c.exited_on.is_(None), CH.c.exited_on > day)]


def street_figures(engine: Engine, scope: Scope, filters: Filters, as_of: datetime, rules: CaseRules) -> pd.DataFrame:
    """One row per street: geometry, communities and those with an active director, the supervisor,
    registered children in difficulty, open and overdue crisis cases, and the two rates derived from them."""
    day = as_of.date()
    counts = {
        "communities": _counted(C.c.street_id, func.count(), *scope_conditions(scope, filters, C.c.street_id, C.c.id)),
        "communities_with_director": _counted(
            SF.c.street_id, func.count(distinct(SF.c.community_id)), SF.c.role == "director", *in_post(SF, day),
            *scope_conditions(scope, filters, SF.c.street_id, SF.c.community_id)),
        "children": _children_counts(CH.c.street_id, filters, as_of,
                                     *scope_conditions(scope, filters, CH.c.street_id, CH.c.community_id)),
    }
    supervisor = _counted(SF.c.street_id, func.min(SF.c.name), SF.c.role == "supervisor", *in_post(SF, day),
                          *scope_conditions(scope.street_level, filters, SF.c.street_id)).subquery("supervisor")
    subqueries = {name: query.subquery(name) for name, query in counts.items()}
    case_counts = _case_counts(K.c.street_id, rules, as_of,
                               *scope_conditions(scope, filters, K.c.street_id, K.c.community_id)).subquery("cases")
    joined = S.outerjoin(supervisor, supervisor.c.key == S.c.id).outerjoin(case_counts, case_counts.c.key == S.c.id)
    for sub in subqueries.values():
        joined = joined.outerjoin(sub, sub.c.key == S.c.id)
    query = (
        select(
            S.c.id, S.c.name_zh, S.c.name_en, S.c.lat, S.c.lon, S.c.geometry, S.c.geometry_crs, S.c.geometry_source,
            supervisor.c.n.label("supervisor"),
            *(func.coalesce(sub.c.n, 0).label(name) for name, sub in subqueries.items()),
            *(func.coalesce(case_counts.c[name], 0).label(name) for name in ("open_cases", "overdue_cases")),
        )
        .select_from(joined)
        .where(*scope_conditions(scope.street_level, filters, S.c.id))
        .order_by(S.c.sort_order)
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    frame["cases_per_100"] = [open_ / children * 100 if children else None
                              for open_, children in zip(frame["open_cases"], frame["children"])]
    frame["director_share"] = [with_ / total if total else None
                               for with_, total in zip(frame["communities_with_director"], frame["communities"])]
    return frame


def community_figures(engine: Engine, scope: Scope, filters: Filters, as_of: datetime,
                      rules: CaseRules) -> pd.DataFrame:
    """One row per community: position, active director, registered children in difficulty, open and
    overdue crisis cases, and the last home visit (newest home_visit event of its cases at or before as-of)."""
    day = as_of.date()
    directors = select(
        SF.c.community_id.label("key"), func.count().label("n"), func.min(SF.c.name).label("name"),
    ).where(
        SF.c.role == "director", *in_post(SF, day), *scope_conditions(scope, filters, SF.c.street_id, SF.c.community_id)
    ).group_by(SF.c.community_id).subquery("directors")
    case_scope = scope_conditions(scope, filters, K.c.street_id, K.c.community_id)
    children = _children_counts(CH.c.community_id, filters, as_of,
                                *scope_conditions(scope, filters, CH.c.street_id, CH.c.community_id)).subquery("children")
    case_counts = _case_counts(K.c.community_id, rules, as_of, *case_scope).subquery("cases")
    # The newest home visit per community, found by reading the visits backwards from as-of until one
    # of the community's cases turns up: a few index steps each, where grouping every visit by
    # community reads all of them (0.5 s at scale 100). Served by ix_case_events_kind_time_case; the
    # community key is unindexed so that SQLite does not walk the community's cases and all their events.
    last_visit = (
        select(E.c.occurred_at)
        .select_from(E.join(K, E.c.case_id == K.c.id))
        .where(unindexed(K.c.community_id) == C.c.id, E.c.kind == "home_visit", E.c.occurred_at <= as_of, *case_scope)
        .order_by(E.c.occurred_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    joined = C.join(S, C.c.street_id == S.c.id).outerjoin(directors, directors.c.key == C.c.id)
    joined = joined.outerjoin(children, children.c.key == C.c.id).outerjoin(case_counts, case_counts.c.key == C.c.id)
    query = (
        select(
            C.c.id, C.c.street_id, C.c.name_zh, C.c.name_en, C.c.lat, C.c.lon,
            S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"),
            directors.c.name.label("director"), func.coalesce(directors.c.n, 0).label("directors"),
            func.coalesce(children.c.n, 0).label("children"),
            *(func.coalesce(case_counts.c[name], 0).label(name) for name in ("open_cases", "overdue_cases")),
            last_visit.label("last_home_visit"),
        )
        .select_from(joined)
        .where(*scope_conditions(scope, filters, C.c.street_id, C.c.id))
        .order_by(S.c.sort_order, C.c.code)
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    frame["last_home_visit"] = pd.to_datetime(frame["last_home_visit"])
    frame["has_director"] = frame["directors"] > 0
    frame["days_since_visit"] = [(as_of - when).days if pd.notna(when) else None for when in frame["last_home_visit"]]
    frame["visit_band"] = [visit_band(days) for days in frame["days_since_visit"]]
    return frame


def visit_band(days: float | None) -> str:
    if days is None or pd.isna(days):
        return "none"
    for limit, band in VISIT_BANDS:
        if limit is None or days <= limit:
            return band
    return VISIT_BANDS[-1][1]


def station_points(engine: Engine, scope: Scope, filters: Filters, as_of: datetime) -> pd.DataFrame:
    """Stations open or planned at as-of, with the number of staff in post at each.

    District-level stations (no street) are shown to every scope, as in reference.list_stations.
    """
    day = as_of.date()
    staff = _counted(SF.c.station_id, func.count(), SF.c.station_id.is_not(None), *in_post(SF, day)).subquery("staff")
    conditions = [or_(ST.c.status == "planned", and_(ST.c.status == "open", ST.c.opened_on <= day))]
    in_scope = scope_conditions(scope.street_level, filters, ST.c.street_id)
    if in_scope:
        conditions.append(or_(ST.c.street_id.is_(None), and_(*in_scope)))
    query = (
        select(ST, S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"),
               func.coalesce(staff.c.n, 0).label("staff"))
        .select_from(ST.outerjoin(S, ST.c.street_id == S.c.id).outerjoin(staff, staff.c.key == ST.c.id))
        .where(*conditions)
        .order_by(ST.c.id)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def ring_stations(engine: Engine, scope: Scope, as_of: datetime) -> pd.DataFrame:
    """Street stations open at as-of whose rings count for coverage.

    The viewer's scope limits them; the street filter does not, so a community near a street's edge
    counts as reached by the neighbouring street's station, and the streets add up to the district.
    """
    query = (
        select(ST.c.id, ST.c.street_id, ST.c.name_zh, ST.c.name_en, ST.c.lat, ST.c.lon)
        .where(ST.c.kind == "street_station", ST.c.status == "open", ST.c.opened_on <= as_of.date(),
               *scope_conditions(scope.street_level, None, ST.c.street_id))
        .order_by(ST.c.id)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def coverage_figures(engine: Engine, scope: Scope, filters: Filters, as_of: datetime, rules: CaseRules,
                     radius_m: float) -> Coverage:
    """Communities (with their children in difficulty and directors) within ``radius_m`` of a street station."""
    communities = community_figures(engine, scope, filters, as_of, rules)
    return compute_coverage(communities, ring_stations(engine, scope, as_of), radius_m)
