"""Ad-hoc aggregates for the Explore page: one dataset, one or two dimensions, one measure.

Every name that comes from a viewer (dataset, dimension, measure, column, filter and filter value) is
checked against the allow-lists below before any SQL is built, and only aggregates ever leave the
database: no row of a child, case or person.

Each query is one SQL statement: the dataset's rows (joined, scoped, filtered) in a subquery, grouped
by the dimensions outside it. The median is ``percentile_cont`` on PostgreSQL and, on SQLite, the
``median`` aggregate the engine registers (the mean of the middle one or two values), so both agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import (
    DateTime,
    Engine,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    or_,
    select,
)

from data_access import cases, schema, vocab
from data_access.scoping import scope_conditions, staff_conditions
from data_access.sqltime import epoch_seconds, median
from data_access.subsidies import payment_scope
from data_access.training import attended_this_year
from data_access.types import Filters, Scope

K, CH, P, SF, ST = schema.cases, schema.children, schema.subsidy_payments, schema.staff, schema.stations
TS, TA = schema.training_sessions, schema.training_attendance

DATASETS = ("cases", "children", "payments", "staff", "training", "stations")
MEASURES = ("count", "children", "sum", "mean", "median")
COLUMN_MEASURES = ("sum", "mean", "median")
AGE_BANDS = ("0-5", "6-11", "12-14", "15-17", "18+")
TIME_DIMENSIONS = ("month", "quarter", "year")


class ExploreError(ValueError):
    """A name outside the allow-list; the message names the bad value and the allowed ones."""

    def __init__(self, what: str, value: object, allowed: tuple[str, ...] | list[str]):
        self.what, self.value, self.allowed = what, value, tuple(allowed)
        shown = ", ".join(self.allowed) if self.allowed else "none"
        super().__init__(f"unknown {what} {value!r}; allowed: {shown}")


@dataclass(frozen=True)
class ExploreQuery:
    """What a viewer asked for. ``filters`` holds (filter name, allowed values) pairs."""

    dataset: str = "cases"
    dim: str = "street"
    dim2: str | None = None
    measure: str = "count"
    column: str | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class _Context:
    dialect: str
    day: date  # the day a register is read at and ages are counted to


Expr = Callable[[_Context], object]


@dataclass(frozen=True)
class AllOf:
    """A filter on yes/no columns: a row passes when every chosen column is true (the case queue's flags)."""

    columns: dict[str, object]

    def condition(self, values):
        return and_(*(self.columns[value].is_(True) for value in values))


@dataclass(frozen=True)
class Dataset:
    """One dataset: its rows (FROM, scope and period conditions) and its allow-lists."""

    source: Callable[[], object]
    rows: Callable[[Scope, Filters, _Context], list]
    dimensions: dict[str, Expr]
    columns: dict[str, Expr] = field(default_factory=dict)
    filters: dict[str, tuple[object, tuple[str, ...]]] = field(default_factory=dict)
    child_id: object | None = None

    @property
    def measures(self) -> tuple[str, ...]:
        allowed = ["count"]
        if self.child_id is not None:
            allowed.append("children")
        if self.columns:
            allowed += COLUMN_MEASURES
        return tuple(allowed)


# --- portable expressions ---------------------------------------------------------------------------


def time_bucket(kind: str, column, dialect: str):
    """``2022-04``, ``2022Q2`` or ``2022`` of a date or timestamp column."""
    if dialect == "postgresql":
        return func.to_char(column, {"month": "YYYY-MM", "quarter": 'YYYY"Q"Q', "year": "YYYY"}[kind])
    if kind == "month":
        return func.strftime("%Y-%m", column)
    if kind == "year":
        return func.strftime("%Y", column)
    month = cast(func.strftime("%m", column), Integer)
    return func.strftime("%Y", column, type_=String) + "Q" + cast((month + 2) // 3, String)


def age_years(birth, at, dialect: str):
    """Completed years of age at ``at`` (a column or a bound date)."""
    if dialect == "postgresql":
        return cast(func.date_part("year", func.age(cast(at, DateTime), cast(birth, DateTime))), Integer)
    years = cast(func.strftime("%Y", at), Integer) - cast(func.strftime("%Y", birth), Integer)
    before_birthday = case((func.strftime("%m-%d", at) < func.strftime("%m-%d", birth), 1), else_=0)
    return years - before_birthday


def age_band(age):
    bounds = ((5, "0-5"), (11, "6-11"), (14, "12-14"), (17, "15-17"))
    return case(*((age <= top, literal(band)) for top, band in bounds), else_=literal("18+"))


def _day(ctx: _Context):
    return literal(ctx.day, schema.children.c.birth_date.type)


def _yes_no(condition):
    return case((condition, literal("yes")), else_=literal("no"))


def _time_dims(column) -> dict[str, Expr]:
    return {kind: (lambda ctx, kind=kind: time_bucket(kind, column, ctx.dialect)) for kind in TIME_DIMENSIONS}


def _child_dims(at: Callable[[_Context], object]) -> dict[str, Expr]:
    return {
        "sex": lambda ctx: CH.c.gender,
        "age_band": lambda ctx: age_band(age_years(CH.c.birth_date, at(ctx), ctx.dialect)),
    }


# --- the datasets -----------------------------------------------------------------------------------


def _case_rows(scope: Scope, filters: Filters, ctx: _Context) -> list:
    period = filters.period
    return [K.c.reported_at >= period.start, K.c.reported_at < period.end,
            *scope_conditions(scope, filters, K.c.street_id, K.c.community_id)]


def _child_rows(scope: Scope, filters: Filters, ctx: _Context) -> list:
    """Children on the register of children in difficulty at the period's last day (or as-of)."""
    return [CH.c.category.is_not(None), CH.c.registered_on <= ctx.day,
            or_(CH.c.exited_on.is_(None), CH.c.exited_on > ctx.day),
            *scope_conditions(scope, filters, CH.c.street_id, CH.c.community_id)]


def _payment_rows(scope: Scope, filters: Filters, ctx: _Context) -> list:
    period = filters.period
    return [P.c.month >= period.start, P.c.month < period.end, *payment_scope(scope, filters)]


def _staff_rows(scope: Scope, filters: Filters, ctx: _Context) -> list:
    """Staff in post at the period's last day; like the staff list, scoped by street."""
    return [SF.c.started_on <= ctx.day, or_(SF.c.ended_on.is_(None), SF.c.ended_on > ctx.day),
            *staff_conditions(scope, filters, SF)]


def _attendance_rows(scope: Scope, filters: Filters, ctx: _Context) -> list:
    """Attendances at sessions held in the period up to its last day (or as-of); scoped like the staff."""
    return [TS.c.held_on >= filters.period.start, TS.c.held_on <= ctx.day, *staff_conditions(scope, filters, SF)]


def _station_rows(scope: Scope, filters: Filters, ctx: _Context) -> list:
    """Stations opened by the period's last day or still planned; district-level ones are in every scope."""
    conditions = scope_conditions(scope.street_level, filters, ST.c.street_id)
    opened = or_(ST.c.opened_on.is_(None), ST.c.opened_on <= ctx.day)
    if not conditions:
        return [opened]
    if filters.street_id:
        return [opened, *conditions]
    return [opened, or_(ST.c.street_id.is_(None), and_(*conditions))]


# The case flags, as the case queue has them.
CASE_FLAGS = AllOf(cases.FLAG_COLUMNS)

DATASET_SPECS: dict[str, Dataset] = {
    "cases": Dataset(
        source=lambda: K.join(CH, K.c.child_id == CH.c.id),
        rows=_case_rows,
        dimensions={
            "street": lambda ctx: K.c.street_id,
            "community": lambda ctx: K.c.community_id,
            **_time_dims(K.c.reported_at),
            "risk": lambda ctx: K.c.risk_level,
            "stage": lambda ctx: K.c.stage,
            "type": lambda ctx: K.c.crisis_type,
            "source": lambda ctx: K.c.source,
            **_child_dims(lambda ctx: K.c.reported_at),
        },
        columns={
            "response_hours": lambda ctx: cases.response_hours(),
            "age": lambda ctx: age_years(CH.c.birth_date, K.c.reported_at, ctx.dialect),
        },
        filters={
            "risk": (K.c.risk_level, vocab.RISK_LEVELS),
            "stage": (K.c.stage, vocab.STAGES),
            "type": (K.c.crisis_type, vocab.CRISIS_TYPES),
            "source": (K.c.source, vocab.REPORT_SOURCES),
            "flags": (CASE_FLAGS, tuple(CASE_FLAGS.columns)),
        },
        child_id=K.c.child_id,
    ),
    "children": Dataset(
        source=lambda: CH,
        rows=_child_rows,
        dimensions={
            "street": lambda ctx: CH.c.street_id,
            "community": lambda ctx: CH.c.community_id,
            "category": lambda ctx: CH.c.category,
            **_child_dims(_day),
            **_time_dims(CH.c.registered_on),
        },
        columns={"age": lambda ctx: age_years(CH.c.birth_date, _day(ctx), ctx.dialect)},
        filters={"category": (CH.c.category, vocab.CHILD_CATEGORIES), "sex": (CH.c.gender, vocab.GENDERS)},
        child_id=CH.c.id,
    ),
    "payments": Dataset(
        source=lambda: P.join(CH, P.c.child_id == CH.c.id),
        rows=_payment_rows,
        dimensions={
            "street": lambda ctx: P.c.street_id,
            "community": lambda ctx: CH.c.community_id,
            **_time_dims(P.c.month),
            "category": lambda ctx: P.c.category,
            **_child_dims(lambda ctx: P.c.month),
        },
        columns={
            "amount": lambda ctx: cast(P.c.amount, Float),
            "age": lambda ctx: age_years(CH.c.birth_date, P.c.month, ctx.dialect),
        },
        filters={"category": (P.c.category, vocab.CHILD_CATEGORIES)},
        child_id=P.c.child_id,
    ),
    "staff": Dataset(
        source=lambda: SF,
        rows=_staff_rows,
        dimensions={
            "street": lambda ctx: SF.c.street_id,
            "community": lambda ctx: SF.c.community_id,
            "role": lambda ctx: SF.c.role,
            # Trained this year: as on the overview, a session attended between 1 January and the period's last day.
            "trained": lambda ctx: _yes_no(attended_this_year(SF.c.id, ctx.day)),
        },
        columns={
            "service_years": lambda ctx: (epoch_seconds(_day(ctx)) - epoch_seconds(SF.c.started_on))
            / (86400.0 * 365.25),
        },
        filters={"role": (SF.c.role, vocab.STAFF_ROLES)},
    ),
    "training": Dataset(
        source=lambda: TA.join(TS, TA.c.session_id == TS.c.id).join(SF, TA.c.staff_id == SF.c.id),
        rows=_attendance_rows,
        dimensions={
            "street": lambda ctx: SF.c.street_id,
            "community": lambda ctx: SF.c.community_id,
            "role": lambda ctx: SF.c.role,
            "mode": lambda ctx: TS.c.mode,
            **_time_dims(TS.c.held_on),
        },
        columns={"hours": lambda ctx: cast(TS.c.hours, Float)},
        filters={"role": (SF.c.role, vocab.STAFF_ROLES), "mode": (TS.c.mode, vocab.TRAINING_MODES)},
    ),
    "stations": Dataset(
        source=lambda: ST,
        rows=_station_rows,
        dimensions={
            "street": lambda ctx: ST.c.street_id,
            "kind": lambda ctx: ST.c.kind,
            "status": lambda ctx: ST.c.status,
        },
        columns={"beds": lambda ctx: ST.c.beds, "area_m2": lambda ctx: ST.c.area_m2},
        filters={"kind": (ST.c.kind, vocab.STATION_KINDS), "status": (ST.c.status, vocab.STATION_STATUSES)},
    ),
}

# The name a dimension's column has in a result: the street and community dimensions hold ids.
RESULT_COLUMNS = {"street": "street_id", "community": "community_id"}


def result_column(dim: str) -> str:
    return RESULT_COLUMNS.get(dim, dim)


# --- validation -------------------------------------------------------------------------------------


def dataset_spec(name: str) -> Dataset:
    if name not in DATASET_SPECS:
        raise ExploreError("dataset", name, DATASETS)
    return DATASET_SPECS[name]


def validate(query: ExploreQuery) -> ExploreQuery:
    """The query with every name checked; ``column`` dropped when the measure needs none.

    Raises ExploreError naming the first bad value and the allowed ones.
    """
    spec = dataset_spec(query.dataset)
    dims = tuple(spec.dimensions)
    if query.dim not in spec.dimensions:
        raise ExploreError(f"{query.dataset} dimension", query.dim, dims)
    if query.dim2 is not None:
        others = tuple(d for d in dims if d != query.dim)
        if query.dim2 not in others:
            raise ExploreError(f"{query.dataset} second dimension", query.dim2, others)
    if query.measure not in spec.measures:
        raise ExploreError(f"{query.dataset} measure", query.measure, spec.measures)
    column = None
    if query.measure in COLUMN_MEASURES:
        if query.column not in spec.columns:
            raise ExploreError(f"{query.dataset} column", query.column, tuple(spec.columns))
        column = query.column
    for name, values in query.filters:
        if name not in spec.filters:
            raise ExploreError(f"{query.dataset} filter", name, tuple(spec.filters))
        allowed = spec.filters[name][1]
        for value in values:
            if value not in allowed:
                raise ExploreError(f"{name} value", value, allowed)
    return ExploreQuery(query.dataset, query.dim, query.dim2, query.measure, column, query.filters)


# --- the query --------------------------------------------------------------------------------------


def aggregate(engine: Engine, scope: Scope, filters: Filters, as_of: datetime,
              query: ExploreQuery = ExploreQuery()) -> pd.DataFrame:
    """One row per dimension value (or pair of values): the dimension column(s) and ``value``.

    Dimension columns are named by ``result_column`` (street and community hold ids); a row whose
    dimension is empty (a district-level station has no street) has None there. Raises ExploreError
    for any name outside the allow-lists.
    """
    query = validate(query)
    spec = DATASET_SPECS[query.dataset]
    ctx = _Context(engine.dialect.name, filters.period.register_day(as_of))
    dims = [d for d in (query.dim, query.dim2) if d]
    groups = [result_column(d) for d in dims]

    selected = [spec.dimensions[d](ctx).label(g) for d, g in zip(dims, groups)]
    if query.column:
        selected.append(spec.columns[query.column](ctx).label("x"))
    if query.measure == "children":
        selected.append(spec.child_id.label("child_id"))
    if len(selected) == len(groups):
        selected.append(literal(1).label("one"))  # a subquery needs a column even when only grouping
    conditions = spec.rows(scope, filters, ctx)
    for name, values in query.filters:
        if values:
            target = spec.filters[name][0]
            conditions.append(target.condition(values) if isinstance(target, AllOf) else target.in_(values))
    rows = select(*selected).select_from(spec.source()).where(*conditions).subquery("explore_rows")

    if query.measure == "count":
        value = func.count()
    elif query.measure == "children":
        value = func.count(distinct(rows.c.child_id))
    elif query.measure == "sum":
        value = func.sum(rows.c.x)
    elif query.measure == "mean":
        value = func.avg(rows.c.x)
    else:
        value = median(rows.c.x, ctx.dialect)
    keys = [rows.c[g] for g in groups]
    statement = select(*keys, value.label("value")).group_by(*keys).order_by(*(k.asc().nulls_last() for k in keys))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).all(), columns=[*groups, "value"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    if query.measure in ("count", "children"):
        frame["value"] = frame["value"].astype(int)
    return frame
