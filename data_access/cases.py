"""Crisis cases: the queue, the needs-action matrix, workload, detail and indicators, all in SQL.

Times are naive local time (Asia/Shanghai) in the database and in every ``as_of``. A case's clock
runs from its report until the first response, then from its last contact (or the first response)
until the next follow-up; the deadlines per risk level come from the case rules. A deadline that
falls exactly at ``as_of`` is due, not yet overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, Engine, and_, case, func, literal, not_, or_, select, union_all

from data_access import schema, vocab
from data_access.masking import mask_record, reveal_allowed
from data_access.parallel import together
from data_access.rules import CaseRules
from data_access.scoping import scope_conditions
from data_access.sqltime import epoch_seconds, median
from data_access.types import Filters, Period, Scope

K = schema.cases
DUE_BUCKETS = ("overdue", "due_24h", "on_time")
FLAGS = ("self_harm", "safety_plan", "temp_guardianship", "mandatory_report")
# The yes/no column each flag reads: a mandatory report is its own column, the others are flag_<name>.
FLAG_COLUMNS = {flag: K.c.mandatory_report if flag == "mandatory_report" else K.c[f"flag_{flag}"] for flag in FLAGS}
NO_CONTACT_DAYS = (30, 60, 90)
RESPONSE_BANDS = ("le_2h", "2h_24h", "1d_3d", "gt_3d", "awaiting")
CLOSE_BANDS = ("le_7d", "7d_30d", "30d_90d", "gt_90d")
CASELOAD_BANDS = ((0, 10, "lt_10"), (10, 20, "10_19"), (20, 30, "20_29"), (30, None, "30_plus"))
SOON = timedelta(hours=24)


@dataclass(frozen=True)
class CaseFilters:
    """The case page's own filters; empty means no restriction."""

    risks: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    crisis_types: tuple[str, ...] = ()
    mandatory: bool | None = None
    staff_id: int | None = None
    reported_from: date | None = None
    reported_to: date | None = None  # inclusive
    flags: tuple[str, ...] = ()
    due: tuple[str, ...] = ()  # any of DUE_BUCKETS
    no_contact_days: int | None = None  # no contact for more than this many days
    contact_lapsed: bool = False  # no contact within the risk level's follow-up cadence
    case_no: str = ""
    reported_after: datetime | None = None  # reported strictly after this moment

    def __post_init__(self) -> None:
        if isinstance(self.due, str):
            raise TypeError(f"CaseFilters.due is a tuple of due buckets, e.g. ({self.due!r},), not the string {self.due!r}")


# --- clock and deadlines ---------------------------------------------------------------------


def open_at(as_of: datetime) -> ColumnElement[bool]:
    # Nearly every case was reported before as_of and few are still open, so the closed_at index
    # is the one to use; wrapping reported_at keeps the planner (SQLite's at least) from picking
    # the reported_at index instead.
    reported = func.coalesce(K.c.reported_at, K.c.reported_at)
    return and_(reported <= as_of, or_(K.c.closed_at.is_(None), K.c.closed_at > as_of))


def unindexed(column):
    """The column as a grouping or lookup key the planner cannot serve from the column's own index.

    Grouping open cases by a bare street, community or staff id makes SQLite walk that index and
    read every case in its order; wrapped, it reads only the open cases (through the closed_at index)
    and sorts those few: at scale 100, 0.9 s against 0.07 s for the workload. The same holds where a
    narrower index should lead, as for the community's newest home visit on the map.
    """
    return func.coalesce(column, column)


def awaiting_response(as_of: datetime) -> ColumnElement[bool]:
    return or_(K.c.first_response_at.is_(None), K.c.first_response_at > as_of)


def last_contact():
    return func.coalesce(K.c.last_contact_at, K.c.first_response_at)


def since_contact():
    """The last contact, else the first response, else the report: how long a case has gone without contact."""
    return func.coalesce(K.c.last_contact_at, K.c.first_response_at, K.c.reported_at)


def contact_lapsed(rules: CaseRules, as_of: datetime) -> ColumnElement[bool]:
    """No contact (nor, without any, the report) within the risk level's follow-up cadence (超过回访周期未联系).

    Unlike "overdue", a case still awaiting its first response counts from its report against the cadence, not
    against the response limit; unlike "no contact for more than N days", the span depends on the risk level."""
    return or_(*(and_(K.c.risk_level == r.level, since_contact() < as_of - r.follow_up) for r in rules.risks))


def deadline_before(rules: CaseRules, moment: datetime, as_of: datetime) -> ColumnElement[bool]:
    """The case's next deadline falls before ``moment``."""
    response = or_(*(and_(K.c.risk_level == r.level, K.c.reported_at < moment - r.first_response) for r in rules.risks))
    follow_up = or_(*(and_(K.c.risk_level == r.level, last_contact() < moment - r.follow_up) for r in rules.risks))
    waiting = awaiting_response(as_of)
    return or_(and_(waiting, response), and_(not_(waiting), follow_up))


def overdue(rules: CaseRules, as_of: datetime) -> ColumnElement[bool]:
    """An open case whose first response or next follow-up is past its deadline."""
    return and_(open_at(as_of), deadline_before(rules, as_of, as_of))


def due_bucket(rules: CaseRules, as_of: datetime):
    """'overdue', 'due_24h' or 'on_time' for an open case."""
    return case(
        (deadline_before(rules, as_of, as_of), literal("overdue")),
        (deadline_before(rules, as_of + SOON, as_of), literal("due_24h")),
        else_=literal("on_time"),
    )


def due_condition(bucket: str, rules: CaseRules, as_of: datetime) -> ColumnElement[bool]:
    late = deadline_before(rules, as_of, as_of)
    soon = deadline_before(rules, as_of + SOON, as_of)
    return {"overdue": late, "due_24h": and_(not_(late), soon), "on_time": not_(soon)}[bucket]


def due_epoch(rules: CaseRules, as_of: datetime):
    """Seconds since the epoch of the next deadline, for sorting by time left."""
    response = case({r.level: r.first_response.total_seconds() for r in rules.risks}, value=K.c.risk_level)
    follow_up = case({r.level: r.follow_up.total_seconds() for r in rules.risks}, value=K.c.risk_level)
    waiting = awaiting_response(as_of)
    return case(
        (waiting, epoch_seconds(K.c.reported_at) + response),
        else_=epoch_seconds(last_contact()) + follow_up,
    )


def risk_order(rules: CaseRules):
    return case({rule.level: rank for rank, rule in enumerate(rules.risks)}, value=K.c.risk_level)


def next_deadline(row, rules: CaseRules, as_of: datetime) -> tuple[str, datetime]:
    """('first_response' | 'follow_up', when) for one case row."""
    rule = rules.risk(row["risk_level"])
    responded = row["first_response_at"]
    if responded is None or pd.isna(responded) or responded > as_of:
        return "first_response", row["reported_at"] + rule.first_response
    contact = row["last_contact_at"]
    start = responded if contact is None or pd.isna(contact) else contact
    return "follow_up", start + rule.follow_up


# --- filters -----------------------------------------------------------------------------------


def case_conditions(
    scope: Scope, filters: Filters, case_filters: CaseFilters, as_of: datetime, rules: CaseRules
) -> list[ColumnElement[bool]]:
    f = case_filters
    conditions = scope_conditions(scope, filters, K.c.street_id, K.c.community_id)
    if set(f.stages) >= set(vocab.STAGES):
        # Every stage: every case reported by then, whatever its stage now (a past moment's open case may
        # be closed since).
        conditions.append(K.c.reported_at <= as_of)
    elif "closed" in f.stages:
        closed = and_(K.c.closed_at.is_not(None), K.c.closed_at <= as_of)
        others = [s for s in f.stages if s != "closed"]
        conditions.append(or_(closed, and_(open_at(as_of), K.c.stage.in_(others))) if others else closed)
    else:
        conditions.append(open_at(as_of))
        if f.stages:
            conditions.append(K.c.stage.in_(f.stages))
    if f.risks:
        conditions.append(K.c.risk_level.in_(f.risks))
    if f.crisis_types:
        conditions.append(K.c.crisis_type.in_(f.crisis_types))
    if f.mandatory is not None:
        conditions.append(K.c.mandatory_report.is_(f.mandatory))
    if f.staff_id is not None:
        conditions.append(K.c.assigned_staff_id == f.staff_id)
    if f.reported_from:
        conditions.append(K.c.reported_at >= datetime.combine(f.reported_from, datetime.min.time()))
    if f.reported_to:
        conditions.append(K.c.reported_at < datetime.combine(f.reported_to + timedelta(days=1), datetime.min.time()))
    if f.reported_after is not None:
        conditions.append(K.c.reported_at > f.reported_after)
    for flag in f.flags:
        conditions.append(FLAG_COLUMNS[flag].is_(True))
    if f.due and set(f.due) != set(DUE_BUCKETS):
        conditions += [open_at(as_of), or_(*(due_condition(bucket, rules, as_of) for bucket in f.due))]
    elif f.due:
        conditions.append(open_at(as_of))
    if f.no_contact_days:
        conditions += [open_at(as_of), since_contact() < as_of - timedelta(days=f.no_contact_days)]
    if f.contact_lapsed:
        conditions += [open_at(as_of), contact_lapsed(rules, as_of)]
    if f.case_no:
        conditions.append(K.c.case_no.icontains(f.case_no.strip(), autoescape=True))
    return conditions


# --- the queue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuePage:
    rows: pd.DataFrame
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def case_queue(
    engine: Engine,
    scope: Scope,
    filters: Filters,
    case_filters: CaseFilters,
    as_of: datetime,
    rules: CaseRules,
    page: int = 1,
    page_size: int = 50,
) -> QueuePage:
    """One page of the queue: overdue first, then by risk, then by time left."""
    S, C, sf = schema.streets, schema.communities, schema.staff
    where = case_conditions(scope, filters, case_filters, as_of, rules)
    is_open = open_at(as_of)
    bucket = case((is_open, due_bucket(rules, as_of)), else_=literal("closed"))
    query = (
        select(
            K.c.id,
            K.c.case_no,
            K.c.street_id,
            S.c.name_zh.label("street_zh"),
            S.c.name_en.label("street_en"),
            C.c.name_zh.label("community_zh"),
            C.c.name_en.label("community_en"),
            K.c.risk_level,
            K.c.stage,
            K.c.crisis_type,
            K.c.source,
            K.c.mandatory_report,
            K.c.flag_self_harm,
            K.c.flag_safety_plan,
            K.c.flag_temp_guardianship,
            K.c.reported_at,
            K.c.first_response_at,
            K.c.last_contact_at,
            K.c.closed_at,
            K.c.assigned_staff_id.label("staff_id"),
            sf.c.name.label("staff_name"),
            bucket.label("due_status"),
        )
        .join(S, K.c.street_id == S.c.id)
        .join(C, K.c.community_id == C.c.id)
        .outerjoin(sf, K.c.assigned_staff_id == sf.c.id)
        .where(*where)
        .order_by(
            case((is_open, 0), else_=1),
            case((and_(is_open, deadline_before(rules, as_of, as_of)), 0), else_=1),
            risk_order(rules),
            due_epoch(rules, as_of),
            K.c.id,
        )
        .limit(page_size)
        .offset((max(page, 1) - 1) * page_size)
    )
    count = select(func.count()).select_from(K).where(*where)
    with engine.connect() as conn:
        total = conn.execute(count).scalar_one()
        frame = pd.read_sql(query, conn)
    for column in ("reported_at", "first_response_at", "last_contact_at", "closed_at"):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("mandatory_report", "flag_self_harm", "flag_safety_plan", "flag_temp_guardianship"):
        frame[column] = frame[column].astype(bool)
    deadlines = [
        next_deadline(row, rules, as_of) if row["due_status"] != "closed" else (None, None)
        for _, row in frame.iterrows()
    ]
    frame["due_kind"] = pd.Series([kind for kind, _ in deadlines], dtype=object)
    frame["due_at"] = pd.to_datetime(pd.Series([when for _, when in deadlines], dtype=object))
    frame["overdue"] = frame["due_status"] == "overdue"
    end = frame["closed_at"].fillna(pd.Timestamp(as_of))
    frame["days_open"] = (end - frame["reported_at"]).dt.days
    return QueuePage(frame, total, page, page_size)


def needs_action_matrix(
    engine: Engine, scope: Scope, filters: Filters, case_filters: CaseFilters, as_of: datetime, rules: CaseRules
) -> pd.DataFrame:
    """Open cases by risk level (rows) and due bucket (columns); risk and due filters are ignored."""
    base = CaseFilters(**{**case_filters.__dict__, "risks": (), "due": ()})
    bucket = due_bucket(rules, as_of).label("bucket")
    query = (
        select(K.c.risk_level, bucket, func.count().label("cases"))
        .where(open_at(as_of), *case_conditions(scope, filters, base, as_of, rules))
        .group_by(K.c.risk_level, bucket)
    )
    with engine.connect() as conn:
        found = {(r.risk_level, r.bucket): r.cases for r in conn.execute(query)}
    levels = [r.level for r in rules.risks]
    return pd.DataFrame(
        [[found.get((level, b), 0) for b in DUE_BUCKETS] for level in levels], index=levels, columns=list(DUE_BUCKETS)
    )


def workload_by_staff(
    engine: Engine, scope: Scope, filters: Filters, as_of: datetime, rules: CaseRules
) -> pd.DataFrame:
    """Open and overdue cases per staff member in post, with their caseload band."""
    sf, S = schema.staff, schema.streets
    holder = unindexed(K.c.assigned_staff_id)
    held = (
        select(
            holder.label("staff_id"),
            func.count().label("open_cases"),
            func.sum(case((deadline_before(rules, as_of, as_of), 1), else_=0)).label("overdue_cases"),
        )
        .where(open_at(as_of), *scope_conditions(scope, filters, K.c.street_id, K.c.community_id))
        .group_by(holder)
        .subquery()
    )
    query = (
        select(
            sf.c.id.label("staff_id"),
            sf.c.name,
            sf.c.role,
            S.c.name_zh.label("street_zh"),
            S.c.name_en.label("street_en"),
            func.coalesce(held.c.open_cases, 0).label("open_cases"),
            func.coalesce(held.c.overdue_cases, 0).label("overdue_cases"),
        )
        .outerjoin(held, held.c.staff_id == sf.c.id)
        .join(S, sf.c.street_id == S.c.id)
        .where(
            sf.c.role.in_(("social_worker", "director")),
            sf.c.started_on <= as_of.date(),
            or_(sf.c.ended_on.is_(None), sf.c.ended_on > as_of.date()),
            *scope_conditions(scope, filters, sf.c.street_id, sf.c.community_id),
        )
        .order_by(func.coalesce(held.c.open_cases, 0).desc(), sf.c.id)
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    frame["band"] = [caseload_band(n) for n in frame["open_cases"]]
    return frame


def caseload_band(open_cases: int) -> str:
    for low, high, name in CASELOAD_BANDS:
        if open_cases >= low and (high is None or open_cases < high):
            return name
    raise ValueError(open_cases)


# --- one case --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseDetail:
    case: dict
    child: dict
    events: pd.DataFrame
    due_kind: str | None
    due_at: datetime | None
    due_status: str  # overdue | due_24h | on_time | closed


def case_detail(
    engine: Engine, scope: Scope, case_no: str, as_of: datetime, rules: CaseRules, reveal: bool = False
) -> CaseDetail | None:
    """One case with its timeline, or None when it does not exist or lies outside the scope.

    The child's name, ID number, guardian's phone and address come masked, unless ``reveal`` is
    asked for by a viewer whose scope allows names.
    """
    ch, sf, S, C, so, ev = (schema.children, schema.staff, schema.streets, schema.communities, schema.social_orgs,
                            schema.case_events)
    query = (
        select(
            K,
            S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"),
            C.c.name_zh.label("community_zh"), C.c.name_en.label("community_en"),
            sf.c.name.label("staff_name"), sf.c.role.label("staff_role"),
            so.c.name_zh.label("referral_org_zh"), so.c.name_en.label("referral_org_en"),
            ch.c.name.label("child_name"), ch.c.gender, ch.c.birth_date, ch.c.category, ch.c.id_number,
            ch.c.guardian_phone, ch.c.address,
            case((open_at(as_of), due_bucket(rules, as_of)), else_=literal("closed")).label("due_status"),
        )
        .join(S, K.c.street_id == S.c.id)
        .join(C, K.c.community_id == C.c.id)
        .join(ch, K.c.child_id == ch.c.id)
        .outerjoin(sf, K.c.assigned_staff_id == sf.c.id)
        .outerjoin(so, K.c.referral_org_id == so.c.id)
        .where(K.c.case_no == case_no.strip(), K.c.reported_at <= as_of,
               *scope_conditions(scope, None, K.c.street_id, K.c.community_id))
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
        if row is None:
            return None
        events = pd.read_sql(
            select(ev.c.occurred_at, ev.c.kind, ev.c.stage, sf.c.name.label("staff_name"))
            .outerjoin(sf, ev.c.staff_id == sf.c.id)
            .where(ev.c.case_id == row["id"], ev.c.occurred_at <= as_of)
            .order_by(ev.c.occurred_at, ev.c.id),
            conn,
        )
    record = dict(row)
    birth = record["birth_date"]
    age = as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))
    shown = reveal_allowed(scope, reveal)
    child = mask_record({
        "child_name": record["child_name"],
        "id_number": record["id_number"],
        "guardian_phone": record["guardian_phone"],
        "address": record["address"],
        "gender": record["gender"],
        "age": age,
        "category": record["category"],
        "revealed": shown,
    }, clear=shown)
    for key in ("child_name", "birth_date", "child_id", "id_number", "guardian_phone", "address"):
        record.pop(key, None)
    if record["due_status"] == "closed":
        kind, when = None, None
    else:
        kind, when = next_deadline(record, rules, as_of)
    return CaseDetail(record, child, events, kind, when, record["due_status"])


# --- indicators ----------------------------------------------------------------------------------


def _reported_in_period(scope, filters, case_filters, as_of, rules) -> list[ColumnElement[bool]]:
    """Cases reported in the period and matching the case filters, open or closed."""
    stages = case_filters.stages or vocab.STAGES
    conditions = case_conditions(scope, filters, CaseFilters(**{**case_filters.__dict__, "stages": stages}), as_of, rules)
    return conditions + [K.c.reported_at >= filters.period.start, K.c.reported_at < filters.period.end]


def response_bands(
    engine: Engine, scope: Scope, filters: Filters, case_filters: CaseFilters, as_of: datetime, rules: CaseRules
) -> dict[str, int]:
    """Time from report to first response, in bands, for cases reported in the period."""
    hours = response_hours()
    band = case(
        (awaiting_response(as_of), literal("awaiting")),
        (hours <= 2, literal("le_2h")),
        (hours <= 24, literal("2h_24h")),
        (hours <= 72, literal("1d_3d")),
        else_=literal("gt_3d"),
    ).label("band")
    query = select(band, func.count()).where(*_reported_in_period(scope, filters, case_filters, as_of, rules)).group_by(band)
    with engine.connect() as conn:
        found = dict(conn.execute(query).all())
    return {name: found.get(name, 0) for name in RESPONSE_BANDS}


@dataclass(frozen=True)
class CloseTimes:
    closed: int
    mean_days: float | None
    bands: dict[str, int]


def close_times(
    engine: Engine, scope: Scope, filters: Filters, case_filters: CaseFilters, as_of: datetime, rules: CaseRules
) -> CloseTimes:
    """Days from report to closing, for cases closed in the period."""
    days = (epoch_seconds(K.c.closed_at) - epoch_seconds(K.c.reported_at)) / 86400.0
    band = case((days <= 7, literal("le_7d")), (days <= 30, literal("7d_30d")), (days <= 90, literal("30d_90d")),
                else_=literal("gt_90d")).label("band")
    f = CaseFilters(**{**case_filters.__dict__, "stages": ("closed",)})
    where = case_conditions(scope, filters, f, as_of, rules) + [
        K.c.closed_at >= filters.period.start, K.c.closed_at < filters.period.end,
    ]
    with engine.connect() as conn:
        found = dict(conn.execute(select(band, func.count()).where(*where).group_by(band)).all())
        mean = conn.execute(select(func.avg(days)).where(*where)).scalar()
    return CloseTimes(sum(found.values()), float(mean) if mean is not None else None,
                      {name: found.get(name, 0) for name in CLOSE_BANDS})


def stage_funnel(
    engine: Engine, scope: Scope, filters: Filters, case_filters: CaseFilters, as_of: datetime, rules: CaseRules
) -> pd.DataFrame:
    """Cases reported in the period by street and current stage."""
    S = schema.streets
    stage = case((and_(K.c.closed_at.is_not(None), K.c.closed_at <= as_of), literal("closed")), else_=K.c.stage)
    query = (
        select(K.c.street_id, S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"),
               stage.label("stage"), func.count().label("cases"))
        .join(S, K.c.street_id == S.c.id)
        .where(*_reported_in_period(scope, filters, case_filters, as_of, rules))
        .group_by(K.c.street_id, S.c.name_zh, S.c.name_en, S.c.sort_order, stage)
        .order_by(S.c.sort_order)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def case_holders(engine: Engine, scope: Scope, filters: Filters, as_of: datetime) -> pd.DataFrame:
    """Staff who may hold cases in the scope: social workers and directors in post."""
    sf = schema.staff
    query = (
        select(sf.c.id, sf.c.name, sf.c.role, sf.c.street_id)
        .where(
            sf.c.role.in_(("social_worker", "director")),
            sf.c.started_on <= as_of.date(),
            or_(sf.c.ended_on.is_(None), sf.c.ended_on > as_of.date()),
            *scope_conditions(scope, filters, sf.c.street_id, sf.c.community_id),
        )
        .order_by(sf.c.street_id, sf.c.role, sf.c.id)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def response_hours():
    """Hours from a case's report to its first response."""
    return (epoch_seconds(K.c.first_response_at) - epoch_seconds(K.c.reported_at)) / 3600.0


def median_hours(conn, where: list, as_of: datetime) -> dict[str | None, float]:
    """Median hours to first response of the cases matching ``where`` and answered by ``as_of``, per risk level
    and, under None, of them all, in one statement; a level with no answered case is left out."""
    answered = [*where, not_(awaiting_response(as_of))]
    value = median(response_hours(), conn.dialect.name)
    if conn.dialect.name == "postgresql":  # one pass: the total is the rollup's row
        total = func.grouping(K.c.risk_level).label("total")
        query = select(K.c.risk_level, value, total).where(*answered).group_by(func.rollup(K.c.risk_level))
    else:
        query = union_all(select(K.c.risk_level, value, literal(0)).where(*answered).group_by(K.c.risk_level),
                          select(literal(None), value, literal(1)).where(*answered))
    return {None if total else level: float(found)
            for level, found, total in conn.execute(query) if found is not None}


@dataclass(frozen=True)
class LevelResponse:
    """First responses of one risk level's cases reported in a period, measured against its limit.

    ``due``: answered by the moment, or past the limit unanswered; ``within``: answered within the limit.
    A case still inside its limit and unanswered is neither.
    """

    reported: int
    due: int
    within: int
    median_hours: float | None

    @property
    def share(self) -> float | None:
        return self.within / self.due if self.due else None


@dataclass(frozen=True)
class ResponseFigures:
    by_level: dict[str, LevelResponse]
    median_hours: float | None = None  # of every level's cases together

    @property
    def reported(self) -> int:
        return sum(level.reported for level in self.by_level.values())

    @property
    def due(self) -> int:
        return sum(level.due for level in self.by_level.values())

    @property
    def within(self) -> int:
        return sum(level.within for level in self.by_level.values())

    @property
    def share(self) -> float | None:
        return self.within / self.due if self.due else None


def response_within_limits(
    engine: Engine, scope: Scope, filters: Filters, case_filters: CaseFilters, as_of: datetime, rules: CaseRules
) -> ResponseFigures:
    """Per risk level, cases reported in the period whose first response came within the level's limit
    (case_rules.toml), of those due by ``as_of``, with the level's median hours to first response; and the
    median of every level's cases together."""
    limit = case(*((K.c.risk_level == r.level, r.first_response.total_seconds()) for r in rules.risks))
    answered = and_(K.c.first_response_at.is_not(None), K.c.first_response_at <= as_of)
    within = and_(answered, epoch_seconds(K.c.first_response_at) - epoch_seconds(K.c.reported_at) <= limit)
    passed = or_(*(and_(K.c.risk_level == level, K.c.reported_at <= cutoff)
                   for level, cutoff in rules.first_response_cutoffs(as_of).items()))
    query = (
        select(K.c.risk_level, func.count(), func.sum(case((or_(answered, passed), 1), else_=0)),
               func.sum(case((within, 1), else_=0)))
        .where(*_reported_in_period(scope, filters, case_filters, as_of, rules))
        .group_by(K.c.risk_level)
    )
    with engine.connect() as conn:
        found = {level: (count, int(due or 0), int(inside or 0)) for level, count, due, inside in conn.execute(query)}
        medians = median_hours(conn, _reported_in_period(scope, filters, case_filters, as_of, rules), as_of)
    return ResponseFigures({rule.level: LevelResponse(*found.get(rule.level, (0, 0, 0)), medians.get(rule.level))
                            for rule in rules.risks}, medians.get(None))


@dataclass(frozen=True)
class Indicators:
    """The case page's figures for the period and the case filters, besides the queue and the workload."""

    matrix: pd.DataFrame
    bands: dict[str, int]
    response: ResponseFigures
    earlier: list[ResponseFigures]  # in each of the spans they are set against, in order
    closing: CloseTimes
    funnel: pd.DataFrame


def indicators(
    engine: Engine, scope: Scope, filters: Filters, case_filters: CaseFilters, as_of: datetime, rules: CaseRules,
    earlier: list[tuple[Period, datetime]],
) -> Indicators:
    """Every indicator of the case page, and the responses in each earlier (period, moment), read side by side."""
    def response_in(period: Period, moment: datetime) -> ResponseFigures:
        return response_within_limits(engine, scope, replace(filters, period=period), case_filters, moment, rules)

    matrix, bands, response, closing, funnel, *before = together(
        engine,
        lambda: needs_action_matrix(engine, scope, filters, case_filters, as_of, rules),
        lambda: response_bands(engine, scope, filters, case_filters, as_of, rules),
        lambda: response_within_limits(engine, scope, filters, case_filters, as_of, rules),
        lambda: close_times(engine, scope, filters, case_filters, as_of, rules),
        lambda: stage_funnel(engine, scope, filters, case_filters, as_of, rules),
        *(lambda period=period, moment=moment: response_in(period, moment) for period, moment in earlier),
    )
    return Indicators(matrix, bands, response, before, closing, funnel)


def _contact_in(*window) -> ColumnElement[bool]:
    """Whether the case has a contact with the child or family among its events in the window."""
    E = schema.case_events
    # SELECT 1, not SELECT *: SQLite then answers from the event index alone.
    return select(literal(1)).where(E.c.case_id == K.c.id, E.c.kind.in_(vocab.CONTACT_EVENT_KINDS), *window).exists()


def deadline_passed_then(rules: CaseRules, moment: datetime) -> ColumnElement[bool]:
    """``deadline_before`` as it stood at a past ``moment``, for a case open then: the follow-up clock
    runs from the last contact before it, not from the case's latest contact, which may have come later.

    The last contact (or else the first response) lies before the follow-up deadline's start when no contact
    falls between that start and the moment: asking that reads the events of the follow-up window only,
    not each case's whole history.
    """
    E = schema.case_events
    waiting = awaiting_response(moment)
    response = or_(*(and_(K.c.risk_level == r.level, K.c.reported_at < moment - r.first_response) for r in rules.risks))
    start = case({r.level: moment - r.follow_up for r in rules.risks}, value=K.c.risk_level)
    lapsed = and_(not_(_contact_in(E.c.occurred_at >= start, E.c.occurred_at <= moment)),
                  or_(K.c.first_response_at < start, _contact_in(E.c.occurred_at < start)))
    return or_(and_(waiting, response), and_(not_(waiting), lapsed))
