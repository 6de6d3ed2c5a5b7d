"""The key figures of the overview: network, children in difficulty, cases, subsidies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, distinct, func, or_, select

from data_access import schema, vocab
from data_access.cases import open_at, overdue
from data_access.rules import CaseRules
from data_access.scoping import scope_conditions
from data_access.subsidies import payment_scope
from data_access.types import Filters, Period, Scope


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

    @property
    def open_total(self) -> int:
        return sum(self.open_by_risk.values())


@dataclass(frozen=True)
class SubsidyFigures:
    person_times: int
    children: int
    amount: Decimal


@dataclass(frozen=True)
class KeyFigures:
    network: NetworkFigures
    children_by_category: dict[str, int]
    cases: CaseFigures
    subsidies: SubsidyFigures
    subsidies_previous: SubsidyFigures


def in_post(table, day: date):
    return [table.c.started_on <= day, or_(table.c.ended_on.is_(None), table.c.ended_on > day)]


def network_figures(engine: Engine, scope: Scope, filters: Filters, as_of: datetime) -> NetworkFigures:
    S, C, st, sf, so = schema.streets, schema.communities, schema.stations, schema.staff, schema.social_orgs
    day = as_of.date()
    # Streets, stations, supervisors and organisations belong to a street: a community-bound viewer
    # sees those of the community's street.
    by_street = Scope(streets=scope.streets)
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


def case_figures(engine: Engine, scope: Scope, filters: Filters, as_of: datetime, rules: CaseRules) -> CaseFigures:
    K = schema.cases
    where = scope_conditions(scope, filters, K.c.street_id, K.c.community_id)
    period = filters.period
    with engine.connect() as conn:
        by_risk = dict(
            conn.execute(select(K.c.risk_level, func.count()).where(open_at(as_of), *where).group_by(K.c.risk_level)).all()
        )
        late = conn.execute(select(func.count()).where(overdue(rules, as_of), *where)).scalar_one()
        reported = conn.execute(
            select(func.count()).where(
                K.c.reported_at >= period.start, K.c.reported_at < period.end, K.c.reported_at <= as_of, *where
            )
        ).scalar_one()
    return CaseFigures(
        open_by_risk={rule.level: by_risk.get(rule.level, 0) for rule in rules.risks},
        overdue=late,
        reported_in_period=reported,
    )


def subsidy_figures(engine: Engine, scope: Scope, filters: Filters, period: Period | None = None) -> SubsidyFigures:
    """Payments for the months of ``period`` (default: the filtered period)."""
    P = schema.subsidy_payments
    period = period or filters.period
    query = select(func.count(), func.count(distinct(P.c.child_id)), func.coalesce(func.sum(P.c.amount), 0)).where(
        P.c.month >= period.start, P.c.month < period.end, *payment_scope(scope, filters)
    )
    with engine.connect() as conn:
        count, children, amount = conn.execute(query).one()
    return SubsidyFigures(count, children, Decimal(str(amount)).quantize(Decimal("0.01")))


def key_figures(engine: Engine, scope: Scope, filters: Filters, as_of: datetime, rules: CaseRules) -> KeyFigures:
    register_day = min(filters.period.end - timedelta(days=1), as_of.date())
    return KeyFigures(
        network=network_figures(engine, scope, filters, as_of),
        children_by_category=children_by_category(engine, scope, filters, register_day),
        cases=case_figures(engine, scope, filters, as_of, rules),
        subsidies=subsidy_figures(engine, scope, filters),
        subsidies_previous=subsidy_figures(engine, scope, filters, filters.period.previous()),
    )
