"""The key figures of the overview: network, children in difficulty, cases, subsidies, training.

Stock figures (the register, open and overdue cases, staff in post) are read at a moment; flows
(cases reported, first responses, payments) over a span of a period. ``key_figures`` reads both for the
chosen period and for the one before it, so every card can show its change: stocks against the
previous period's end, flows against the same span of the previous period while the chosen one runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import Date, Engine, case, distinct, func, literal, or_, select

from data_access import schema, vocab
from data_access.cases import (
    CaseFilters, ResponseFigures, deadline_before, deadline_passed_then, open_at,
    response_within_limits, unindexed,
)
from data_access.parallel import together
from data_access.rules import CaseRules
from data_access.scoping import scope_conditions, staff_conditions, summary_streets, summed_streets
from data_access.subsidies import payment_scope, union_parts
from data_access.summaries import register_covers, window_kept
from data_access.training import attended_this_year
from data_access.types import Filters, Period, Scope, Span, add_months, months_between


@dataclass(frozen=True)
class NetworkFigures:
    streets: int
    streets_with_station: int
    street_stations: int
    supervisors: int
    communities: int
    communities_with_director: int
    directors: int
    organisations: dict[str, int]
    rescue_rooms: int
    planned_beds: int

    @property
    def organisations_total(self) -> int:
        return sum(self.organisations.values())


@dataclass(frozen=True)
class CaseFigures:
    open_by_risk: dict[str, int]
    overdue: int
    reported_in_period: int
    response: ResponseFigures

    @property
    def open_total(self) -> int:
        return sum(self.open_by_risk.values())

    @property
    def median_response_hours(self) -> float | None:
        return self.response.median_hours


@dataclass(frozen=True)
class SubsidyFigures:
    person_times: int
    children: int
    amount: Decimal


@dataclass(frozen=True)
class TrainingFigures:
    """Staff in post on ``day`` and those who attended a session since 1 January, per role; ``sessions``
    held since 1 January."""

    in_post: dict[str, int]
    trained: dict[str, int]
    day: date | None = None
    sessions: int = 0

    @property
    def in_post_total(self) -> int:
        return sum(self.in_post.values())

    @property
    def trained_total(self) -> int:
        return sum(self.trained.values())

    @property
    def rate(self) -> float | None:
        return self.trained_total / self.in_post_total if self.in_post_total else None


@dataclass(frozen=True)
class PeriodFigures:
    """The figures of one period: the register at its end, cases, payments and training."""

    moment: datetime
    span: Span
    children_by_category: dict[str, int]
    cases: CaseFigures
    subsidies: SubsidyFigures
    training: TrainingFigures

    @property
    def children_total(self) -> int:
        return sum(self.children_by_category.values())


@dataclass(frozen=True)
class KeyFigures:
    network: NetworkFigures
    current: PeriodFigures
    previous: PeriodFigures
    # "Trained this year" counts from 1 January: it is compared with the same day a year before.
    training_year_before: TrainingFigures | None = None
    # The same period a year before (see year_before_figures); for a year it is ``previous``.
    year_before: PeriodFigures | None = None


def in_post(table, day: date):
    return [table.c.started_on <= day, or_(table.c.ended_on.is_(None), table.c.ended_on > day)]


def network_figures(engine: Engine, scope: Scope, filters: Filters, as_of: datetime) -> NetworkFigures:
    S, C, st, sf, so = schema.streets, schema.communities, schema.stations, schema.staff, schema.social_orgs
    day = as_of.date()
    # Streets, stations, supervisors and organisations belong to a street: a community-bound viewer
    # sees those of the community's street.
    by_street = scope.street_level
    street_scope = scope_conditions(by_street, filters, S.c.id)
    open_station = [st.c.kind == "street_station", st.c.status == "open", st.c.opened_on <= day]
    with engine.connect() as conn:
        streets = conn.execute(select(func.count()).select_from(S).where(*street_scope)).scalar_one()
        stations_row = conn.execute(
            select(func.count(), func.count(distinct(st.c.street_id)))
            .where(*open_station, *scope_conditions(by_street, filters, st.c.street_id))
        ).one()
        supervisors = conn.execute(
            select(func.count()).where(
                schema.staff.c.role == "supervisor", *in_post(sf, day),
                *scope_conditions(by_street, filters, sf.c.street_id),
            )
        ).scalar_one()
        communities = conn.execute(
            select(func.count()).select_from(C).where(*scope_conditions(scope, filters, C.c.street_id, C.c.id))
        ).scalar_one()
        directors_row = conn.execute(
            select(func.count(), func.count(distinct(sf.c.community_id))).where(
                sf.c.role == "director", *in_post(sf, day),
                *scope_conditions(scope, filters, sf.c.street_id, sf.c.community_id),
            )
        ).one()
        orgs = dict(
            conn.execute(
                select(so.c.category, func.count())
                .where(so.c.registered_on <= day, *scope_conditions(by_street, filters, so.c.street_id))
                .group_by(so.c.category)
            ).all()
        )
        rescue_rooms = conn.execute(
            select(func.count()).where(st.c.kind == "rescue_room", st.c.status == "open", st.c.opened_on <= day)
        ).scalar_one()
        planned_beds = conn.execute(
            select(func.coalesce(func.sum(st.c.beds), 0)).where(st.c.status == "planned")
        ).scalar_one()
    return NetworkFigures(
        streets=streets,
        streets_with_station=stations_row[1],
        street_stations=stations_row[0],
        supervisors=supervisors,
        communities=communities,
        communities_with_director=directors_row[1],
        directors=directors_row[0],
        organisations={category: orgs.get(category, 0) for category in vocab.ORG_CATEGORIES},
        rescue_rooms=rescue_rooms,
        planned_beds=int(planned_beds),
    )


def children_by_category(engine: Engine, scope: Scope, filters: Filters, day: date) -> dict[str, int]:
    """Children on the register of children in difficulty at the end of ``day``."""
    ch = schema.children
    summarised = _children_by_category_summary(engine, scope, filters, day)
    if summarised is not None:
        return summarised
    query = (
        select(ch.c.category, func.count())
        .where(
            ch.c.category.is_not(None),
            ch.c.registered_on <= day,
            or_(ch.c.exited_on.is_(None), ch.c.exited_on > day),
            *scope_conditions(scope, filters, ch.c.street_id, ch.c.community_id),
        )
        .group_by(ch.c.category)
    )
    with engine.connect() as conn:
        found = dict(conn.execute(query).all())
    return {category: found.get(category, 0) for category in vocab.CHILD_CATEGORIES}


def _children_by_category_summary(engine: Engine, scope: Scope, filters: Filters, day: date) -> dict[str, int] | None:
    """children_by_category from summary_register when ``day`` is a month's last day it holds, else None."""
    keys = summary_streets(scope, filters)
    month = date(day.year, day.month, 1)
    if keys is None or add_months(month, 1) - timedelta(days=1) != day:
        return None
    SR = schema.summary_register
    with engine.connect() as conn:
        if not register_covers(conn, month, add_months(month, 1)):
            return None
        found = dict(conn.execute(
            select(SR.c.category, func.sum(SR.c.on_register))
            .where(SR.c.month == month, *summed_streets(keys, SR.c.street_id))
            .group_by(SR.c.category)
        ).all())
    return {category: int(found.get(category) or 0) for category in vocab.CHILD_CATEGORIES}


def case_figures(engine: Engine, scope: Scope, filters: Filters, span: Span, moment: datetime,
                 rules: CaseRules, past: bool = False) -> CaseFigures:
    """Cases open and overdue at ``moment``; reported in ``span`` and their median first response by its end.

    ``past``: ``moment`` is before the data's as-of, so overdue is replayed from the case events.
    """
    K = schema.cases
    where = scope_conditions(scope, filters, K.c.street_id, K.c.community_id)
    # Open and overdue in one pass over the open cases.
    late = case((deadline_passed_then(rules, moment) if past else deadline_before(rules, moment, moment), 1), else_=0)
    with engine.connect() as conn:
        open_late = {risk: (count, int(overdue)) for risk, count, overdue in conn.execute(
            select(K.c.risk_level, func.count(), func.sum(late)).where(open_at(moment), *where).group_by(K.c.risk_level)
        )}
        reported = conn.execute(
            select(func.count()).where(
                K.c.reported_at >= span.start, K.c.reported_at < span.period.end, K.c.reported_at <= span.until,
                *where,
            )
        ).scalar_one()
    in_span = replace(filters, period=span.period)
    response = response_within_limits(engine, scope, in_span, CaseFilters(), span.until, rules)
    return CaseFigures(
        open_by_risk={rule.level: open_late.get(rule.level, (0, 0))[0] for rule in rules.risks},
        overdue=sum(overdue for _, overdue in open_late.values()),
        reported_in_period=reported,
        response=response,
    )


def subsidy_figures(engine: Engine, scope: Scope, filters: Filters, span: Span | None = None) -> SubsidyFigures:
    """Payments for the months of ``span`` (default: every month of the filtered period)."""
    P = schema.subsidy_payments
    start, end = (span.period.start, span.months_end) if span else (filters.period.start, filters.period.end)
    summarised = _subsidy_figures_summary(engine, scope, filters, start, end)
    if summarised is not None:
        return summarised
    query = select(func.count(), func.count(distinct(P.c.child_id)), func.coalesce(func.sum(P.c.amount), 0)).where(
        P.c.month >= start, P.c.month < end, *payment_scope(scope, filters)
    )
    with engine.connect() as conn:
        count, children, amount = conn.execute(query).one()
    return SubsidyFigures(count, children, Decimal(str(amount)).quantize(Decimal("0.01")))


def _subsidy_figures_summary(engine: Engine, scope: Scope, filters: Filters, start: date,
                             end: date) -> SubsidyFigures | None:
    """subsidy_figures from the payment summaries for one street or the whole district and a window whose
    distinct children they keep (summaries.window_kept), else None."""
    keys = summary_streets(scope, filters)
    months = len(months_between(start, end))
    if keys is None or len(keys) != 1 or start.day != 1 or (months and not window_kept(start, months)):
        return None
    SP, SPC = schema.summary_payments, schema.summary_payment_children
    with engine.connect() as conn:
        count, amount = conn.execute(
            select(func.coalesce(func.sum(SP.c.person_times), 0), func.coalesce(func.sum(SP.c.amount), 0))
            .where(SP.c.month >= start, SP.c.month < end, *summed_streets(keys, SP.c.street_id))
        ).one()
        children = conn.execute(select(SPC.c.children).where(
            SPC.c.start_month == start, SPC.c.months == months, SPC.c.street_id == keys[0])).scalar() or 0
    return SubsidyFigures(int(count), children, Decimal(str(amount)).quantize(Decimal("0.01")))


def training_figures(engine: Engine, scope: Scope, filters: Filters, day: date) -> TrainingFigures:
    """Staff in post on ``day`` per role, and those who attended a session between 1 January of that year
    and ``day``."""
    sf = schema.staff
    trained = case((attended_this_year(sf.c.id, day), 1), else_=0)
    query = (
        select(sf.c.role, func.count(), func.coalesce(func.sum(trained), 0))
        .where(*in_post(sf, day), *staff_conditions(scope, filters, sf))
        .group_by(sf.c.role)
    )
    TS = schema.training_sessions
    with engine.connect() as conn:
        rows = {role: (count, done) for role, count, done in conn.execute(query)}
        sessions = conn.execute(select(func.count()).where(TS.c.held_on >= date(day.year, 1, 1),
                                                           TS.c.held_on <= day)).scalar_one()
    return TrainingFigures(
        in_post={role: rows.get(role, (0, 0))[0] for role in vocab.STAFF_ROLES},
        trained={role: int(rows.get(role, (0, 0))[1]) for role in vocab.STAFF_ROLES},
        day=day,
        sessions=sessions,
    )


def period_figures(engine: Engine, scope: Scope, filters: Filters, span: Span, moment: datetime,
                   rules: CaseRules, past: bool = False) -> PeriodFigures:
    """Every figure of a span; the register and the staff are read on the period's last day (at most ``moment``)."""
    day = span.period.register_day(moment)
    return PeriodFigures(
        moment=moment,
        span=span,
        children_by_category=children_by_category(engine, scope, filters, day),
        cases=case_figures(engine, scope, filters, span, moment, rules, past),
        subsidies=subsidy_figures(engine, scope, filters, span),
        training=training_figures(engine, scope, filters, day),
    )


def key_figures(engine: Engine, scope: Scope, filters: Filters, as_of: datetime, rules: CaseRules) -> KeyFigures:
    """The chosen period's figures (cases as of ``as_of``) and the previous period's: its stocks at its end,
    its flows over the same span as the chosen period's (``Span.matching``)."""
    span = Span.of(filters.period, as_of)
    previous = span.matching(filters.period.previous())
    previous_end = min(datetime.combine(previous.period.end, datetime.min.time()), as_of)
    day = filters.period.register_day(as_of)
    year_before = Period("year", day.year).same_moment(datetime.combine(day, datetime.min.time()),
                                                       Period("year", day.year - 1)).date()
    network, current, earlier, trained_before, last_year = together(
        engine,
        lambda: network_figures(engine, scope, filters, as_of),
        lambda: period_figures(engine, scope, filters, span, as_of, rules),
        lambda: period_figures(engine, scope, filters, previous, previous_end, rules, past=previous_end < as_of),
        lambda: training_figures(engine, scope, filters, year_before),
        lambda: None if filters.period.kind == "year" else year_before_figures(engine, scope, filters, span, as_of,
                                                                              rules),
    )
    return KeyFigures(network=network, current=current, previous=earlier, training_year_before=trained_before,
                      year_before=earlier if last_year is None else last_year)


def year_before_figures(engine: Engine, scope: Scope, filters: Filters, span: Span, as_of: datetime,
                        rules: CaseRules) -> PeriodFigures:
    """The figures of the same period a year before, over the same span as ``span``: flows up to the same
    moment (payments over the same complete months), stocks at that moment, or at the period's end once over."""
    earlier = span.year_before()
    moment = min(earlier.until, as_of)
    return period_figures(engine, scope, replace(filters, period=earlier.period), earlier, moment, rules,
                          past=moment < as_of)


def cases_by_month(engine: Engine, scope: Scope, filters: Filters, start: date, end: date,
                   as_of: datetime) -> pd.DataFrame:
    """Cases reported per month and risk level, for the months from ``start``'s up to ``end`` (exclusive)."""
    K = schema.cases
    keys = summary_streets(scope, filters)
    # One part per month with its bounds as constants: the reported-at index then counts alone, with no
    # date arithmetic per case (at scale 100, 11 ms against 44 for a year). A month over by as_of is read
    # from summary_cases when the scope is by street.
    parts = [
        _cases_in_month_summary(keys, month) if keys is not None and add_months(month, 1) <= as_of.date() else
        select(literal(month, Date).label("month"), K.c.risk_level, func.count().label("cases"))
        .where(K.c.reported_at >= month, K.c.reported_at < add_months(month, 1), K.c.reported_at <= as_of,
               *scope_conditions(scope, filters, K.c.street_id, K.c.community_id))
        .group_by(K.c.risk_level)
        for month in months_between(start, end)
    ]
    if not parts:
        return pd.DataFrame(columns=["month", "risk_level", "cases"])
    with engine.connect() as conn:
        frame = pd.read_sql(union_parts(parts), conn)
    frame["month"] = pd.to_datetime(frame["month"])
    return frame.sort_values(["month", "risk_level"], ignore_index=True)


def _cases_in_month_summary(keys: list[str], month: date):
    """One month's part of cases_by_month from summary_cases."""
    SC = schema.summary_cases
    return (select(literal(month, Date).label("month"), SC.c.risk_level, func.sum(SC.c.reported).label("cases"))
            .where(SC.c.month == month, *summed_streets(keys, SC.c.street_id))
            .group_by(SC.c.risk_level))


def street_pressure(engine: Engine, scope: Scope, filters: Filters, as_of: datetime, rules: CaseRules) -> pd.DataFrame:
    """Streets ranked by pressure: overdue cases first, then open critical cases, then all open cases."""
    S, K = schema.streets, schema.cases
    late = case((deadline_before(rules, as_of, as_of), 1), else_=0)
    critical = case((K.c.risk_level == "critical", 1), else_=0)
    street = unindexed(K.c.street_id)
    counts = (
        select(street.label("key"), func.count().label("open_cases"),
               func.sum(late).label("overdue_cases"), func.sum(critical).label("critical_cases"))
        .where(open_at(as_of), *scope_conditions(scope, filters, K.c.street_id, K.c.community_id))
        .group_by(street)
        .subquery("counts")
    )
    query = (
        select(S.c.id.label("street_id"), S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"),
               *(func.coalesce(counts.c[name], 0).label(name) for name in ("open_cases", "overdue_cases", "critical_cases")))
        .select_from(S.outerjoin(counts, counts.c.key == S.c.id))
        .where(*scope_conditions(scope.street_level, filters, S.c.id))
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    for name in ("open_cases", "overdue_cases", "critical_cases"):
        frame[name] = frame[name].astype(int)
    return frame.sort_values(["overdue_cases", "critical_cases", "open_cases", "street_id"],
                             ascending=[False, False, False, True], ignore_index=True)
