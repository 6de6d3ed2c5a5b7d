"""Data-quality checks: what is missing, doubled, unassigned, overdue or misplaced in the data.

Each check has a count (``quality_counts``, one SQL query per check) and a list of the rows behind
it (one function per check, at most ``limit`` rows); ``REGISTRY`` names the checks, in the order
they are shown, with the function that lists each one's rows. Lists that name a child carry names, ID numbers,
phone numbers and addresses masked, whatever the scope, as every list of many children does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import ColumnElement, Engine, String, and_, case, func, false, literal, not_, or_, select, union_all

from data_access import schema
from data_access.cases import contact_lapsed, open_at, since_contact
from data_access.district import read_district
from data_access.geo import BBOX_MARGIN
from data_access.masking import mask_name, mask_personal
from data_access.rules import CaseRules
from data_access.scoping import scope_conditions, summary_streets, summed_streets
from data_access.subsidies import _months as subsidies_months, months_table, payment_scope
from data_access.types import Filters, Scope, add_months

CH, K, P, S, C, SF = (schema.children, schema.cases, schema.subsidy_payments, schema.streets, schema.communities,
                      schema.staff)
# The fields of a complete file (一人一档), in the order they are listed.
FILE_FIELDS = ("name", "id_number", "birth_date", "community", "guardian_phone", "address", "registration")
ID_NUMBER_LENGTH = 18
ROW_LIMIT = 1000


def _blank(column) -> ColumnElement[bool]:
    return func.coalesce(func.trim(column), "") == ""


def _file_gaps(as_of: datetime) -> dict[str, ColumnElement[bool]]:
    """Per field, the condition under which a child's file lacks it (or holds something impossible)."""
    return {
        "name": _blank(CH.c.name),
        "id_number": or_(_blank(CH.c.id_number), func.length(func.trim(CH.c.id_number)) != ID_NUMBER_LENGTH),
        "birth_date": or_(CH.c.birth_date.is_(None), CH.c.birth_date > as_of.date()),
        "community": CH.c.community_id.is_(None),
        "guardian_phone": _blank(CH.c.guardian_phone),
        "address": _blank(CH.c.address),
        # A registered child in difficulty has both a category and a registration date, or neither.
        "registration": or_(and_(CH.c.category.is_not(None), CH.c.registered_on.is_(None)),
                            and_(CH.c.category.is_(None), CH.c.registered_on.is_not(None))),
    }


def _children_scope(scope: Scope, filters: Filters) -> list[ColumnElement[bool]]:
    return scope_conditions(scope, filters, CH.c.street_id, CH.c.community_id)


def _incomplete(as_of: datetime) -> ColumnElement[bool]:
    return or_(*_file_gaps(as_of).values())


def _duplicate_groups(scope: Scope, filters: Filters):
    """Name and birth date shared by more than one file in the scope."""
    name = func.trim(CH.c.name)
    return (
        select(name.label("name"), CH.c.birth_date, func.count().label("files"))
        .where(not_(_blank(CH.c.name)), *_children_scope(scope, filters))
        .group_by(name, CH.c.birth_date)
        .having(func.count() > 1)
        .subquery("duplicate_groups")
    )


def _without_community() -> ColumnElement[bool]:
    """No community, or one that lies in another street than the child's."""
    other = C.alias("other_community")
    elsewhere = select(other.c.id).where(other.c.id == CH.c.community_id, other.c.street_id != CH.c.street_id).exists()
    return or_(CH.c.community_id.is_(None), elsewhere)


def _holder_missing(as_of: datetime):
    """'none' when no one holds the open case, 'left' when its holder is not in post at as_of, else NULL."""
    day = as_of.date()
    holder = SF.alias("holder")
    in_post = select(holder.c.id).where(
        holder.c.id == K.c.assigned_staff_id, holder.c.started_on <= day,
        or_(holder.c.ended_on.is_(None), holder.c.ended_on > day),
    ).exists()
    return case((K.c.assigned_staff_id.is_(None), literal("none")), (not_(in_post), literal("left")), else_=None)


def _cases_scope(scope: Scope, filters: Filters) -> list[ColumnElement[bool]]:
    return scope_conditions(scope, filters, K.c.street_id, K.c.community_id)


def _unregistered_reason(months):
    """Why a payment's child was not on the register in the month paid for (NULL when they were)."""
    return case(
        (CH.c.id.is_(None), literal("unknown_child")),
        (CH.c.category.is_(None), literal("not_registered")),
        (or_(CH.c.registered_on.is_(None), CH.c.registered_on > months.c.month_end), literal("before_registration")),
        (and_(CH.c.exited_on.is_not(None), CH.c.exited_on <= months.c.month_end), literal("after_exit")),
        else_=None,
    )


def _payments_in_period(filters: Filters, as_of: datetime):
    """The months of the period up to as_of's month, as a table (see subsidies.months_table)."""
    end = min(filters.period.end, add_months(as_of.date(), 1))
    return months_table(filters.period.start, max(end, filters.period.start))


def _outside_bbox(engine: Engine, lat, lon) -> ColumnElement[bool]:
    """Outside the bounding box (and a margin) of the district the database was initialised for."""
    district = read_district(engine)
    if district is None:
        return false()
    lon_min, lat_min, lon_max, lat_max = district.bbox
    return or_(lat < lat_min - BBOX_MARGIN, lat > lat_max + BBOX_MARGIN,
               lon < lon_min - BBOX_MARGIN, lon > lon_max + BBOX_MARGIN)


def _places(scope: Scope, filters: Filters):
    """Stations, communities and social organisations with their street and coordinates, as one table."""
    stations = select(literal("station").label("kind"), schema.stations.c.id.cast(String).label("place_id"),
                      schema.stations.c.name_zh, schema.stations.c.name_en, schema.stations.c.street_id,
                      schema.stations.c.lat, schema.stations.c.lon).where(
        *scope_conditions(scope, filters, schema.stations.c.street_id))
    communities = select(literal("community").label("kind"), C.c.id.label("place_id"), C.c.name_zh, C.c.name_en,
                         C.c.street_id, C.c.lat, C.c.lon).where(
        *scope_conditions(scope, filters, C.c.street_id, C.c.id))
    orgs = select(literal("social_org").label("kind"), schema.social_orgs.c.id.cast(String).label("place_id"),
                  schema.social_orgs.c.name_zh, schema.social_orgs.c.name_en, schema.social_orgs.c.street_id,
                  schema.social_orgs.c.lat, schema.social_orgs.c.lon).where(
        *scope_conditions(scope, filters, schema.social_orgs.c.street_id))
    return union_all(stations, communities, orgs).subquery("places")


# --- counts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityCounts:
    children: int  # files in the scope
    incomplete: int
    duplicate_people: int  # people (name + birth date) with more than one file
    duplicate_files: int
    no_community: int
    no_holder: int
    no_contact: int
    unregistered_payments: int
    outside_district: int

    @property
    def complete(self) -> int:
        return self.children - self.incomplete

    @property
    def completeness(self) -> float | None:
        """Share of files with every field, or None when there are no files."""
        return self.complete / self.children if self.children else None

    def count(self, check: str) -> int:
        """The figure a check is known by."""
        return self.duplicate_people if check == "duplicates" else getattr(self, check)


def quality_counts(engine: Engine, scope: Scope, filters: Filters, as_of: datetime, rules: CaseRules) -> QualityCounts:
    """Every check's count, each in SQL; those of the children's files and of the payments from the
    summaries when the scope is by street (``_summary_counts``)."""
    summarised = _summary_counts(engine, scope, filters, as_of)
    children = _children_scope(scope, filters)
    groups = _duplicate_groups(scope, filters)
    months = _payments_in_period(filters, as_of)
    places = _places(scope, filters)

    def files(condition: ColumnElement[bool]):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    # One pass over the files and one over the duplicate groups, each giving several counts.
    combined = {
        ("children", "incomplete", "no_community"): select(
            func.count(), files(_incomplete(as_of)), files(_without_community())).select_from(CH).where(*children),
        ("duplicate_people", "duplicate_files"): select(func.count(), func.coalesce(func.sum(groups.c.files), 0)),
    }
    queries = {
        "no_holder": select(func.count()).select_from(K).where(
            open_at(as_of), _holder_missing(as_of).is_not(None), *_cases_scope(scope, filters)),
        "no_contact": select(func.count()).select_from(K).where(
            open_at(as_of), contact_lapsed(rules, as_of), *_cases_scope(scope, filters)),
        "unregistered_payments": select(func.count()).select_from(P)
            .join(months, P.c.month == months.c.month)
            .outerjoin(CH, P.c.child_id == CH.c.id)
            .where(_unregistered_reason(months).is_not(None), *payment_scope(scope, filters)),
        "outside_district": select(func.count()).select_from(places).where(_outside_bbox(engine, places.c.lat, places.c.lon)),
    }
    for name in summarised:
        for names in [key for key in combined if name in key]:
            del combined[names]
        queries.pop(name, None)
    with engine.connect() as conn:
        found = {name: int(conn.execute(query).scalar_one()) for name, query in queries.items()}
        for names, query in combined.items():
            found.update(zip(names, map(int, conn.execute(query).one())))
    return QualityCounts(**{**found, **summarised})


def _summary_counts(engine: Engine, scope: Scope, filters: Filters, as_of: datetime) -> dict[str, int]:
    """The counts the summaries answer for this scope: the files' (summary_quality, for one street or the
    whole district, unless a file complete but for its birth date was born after as_of) and the payments
    for a child off the register (summary_payments); none for a scope of communities."""
    keys = summary_streets(scope, filters)
    if keys is None:
        return {}
    SQ, SP = schema.summary_quality, schema.summary_payments
    months = subsidies_months(filters.period.start, max(min(filters.period.end, add_months(as_of.date(), 1)),
                                                        filters.period.start))
    found = {}
    with engine.connect() as conn:
        found["unregistered_payments"] = int(conn.execute(
            select(func.coalesce(func.sum(SP.c.unregistered), 0))
            .where(SP.c.month >= months[0], SP.c.month <= months[-1], *summed_streets(keys, SP.c.street_id))
        ).scalar_one())
        if len(keys) == 1:
            row = conn.execute(select(SQ).where(SQ.c.street_id == keys[0])).first()
            if row is None:
                row = {"files": 0, "incomplete": 0, "latest_birth": None, "no_community": 0, "duplicate_people": 0,
                       "duplicate_files": 0}
            else:
                row = row._mapping
            if row["latest_birth"] is None or row["latest_birth"] <= as_of.date():
                found.update(children=row["files"], incomplete=row["incomplete"], no_community=row["no_community"],
                             duplicate_people=row["duplicate_people"], duplicate_files=row["duplicate_files"])
    return found


# --- the rows behind each check ------------------------------------------------------------------------


def _child_columns():
    return [CH.c.id.label("child_id"), CH.c.file_no, CH.c.name.label("child_name"), CH.c.id_number, CH.c.gender,
            CH.c.birth_date, CH.c.category, CH.c.street_id, S.c.name_zh.label("street_zh"),
            S.c.name_en.label("street_en"), CH.c.community_id, C.c.name_zh.label("community_zh"),
            C.c.name_en.label("community_en")]


def _masked(frame: pd.DataFrame) -> pd.DataFrame:
    mask_personal(frame)
    for column in ("birth_date", "month"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def _read(engine: Engine, query) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def incomplete_files(engine: Engine, scope: Scope, filters: Filters, as_of: datetime,
                     limit: int = ROW_LIMIT) -> pd.DataFrame:
    """Children whose file lacks a field of FILE_FIELDS; ``missing`` lists those fields."""
    gaps = _file_gaps(as_of)
    flags = [case((gap, 1), else_=0).label(f"lacks_{name}") for name, gap in gaps.items()]
    query = (
        select(*_child_columns(), CH.c.guardian_phone, CH.c.address, *flags)
        .join(S, CH.c.street_id == S.c.id)
        .outerjoin(C, CH.c.community_id == C.c.id)
        .where(_incomplete(as_of), *_children_scope(scope, filters))
        .order_by(S.c.sort_order, CH.c.file_no)
        .limit(limit)
    )
    frame = _read(engine, query)
    frame["missing"] = [
        [name for name in FILE_FIELDS if row[f"lacks_{name}"]] for _, row in frame.iterrows()
    ] if not frame.empty else pd.Series(dtype=object)
    return _masked(frame.drop(columns=[f"lacks_{name}" for name in FILE_FIELDS]))


def duplicate_files(engine: Engine, scope: Scope, filters: Filters, limit: int = ROW_LIMIT) -> pd.DataFrame:
    """Every file of a person (same name and birth date) who has more than one, grouped together."""
    groups = _duplicate_groups(scope, filters)
    query = (
        select(*_child_columns(), groups.c.files, groups.c.name.label("group_name"))
        .join(S, CH.c.street_id == S.c.id)
        .outerjoin(C, CH.c.community_id == C.c.id)
        .join(groups, and_(func.trim(CH.c.name) == groups.c.name, CH.c.birth_date == groups.c.birth_date))
        .where(*_children_scope(scope, filters))
        .order_by(groups.c.name, groups.c.birth_date, CH.c.file_no)
        .limit(limit)
    )
    frame = _read(engine, query)
    # The group number lets a masked list still show which files belong together.
    frame["group"] = (frame[["group_name", "birth_date"]].astype(str).agg("|".join, axis=1)
                      .factorize()[0] + 1) if not frame.empty else pd.Series(dtype=int)
    return _masked(frame.drop(columns=["group_name"]))


def children_without_community(engine: Engine, scope: Scope, filters: Filters,
                               limit: int = ROW_LIMIT) -> pd.DataFrame:
    """Children with no community, or with a community of another street."""
    query = (
        select(*_child_columns())
        .join(S, CH.c.street_id == S.c.id)
        .outerjoin(C, CH.c.community_id == C.c.id)
        .where(_without_community(), *_children_scope(scope, filters))
        .order_by(S.c.sort_order, CH.c.file_no)
        .limit(limit)
    )
    return _masked(_read(engine, query))


def _case_columns():
    return [K.c.case_no, K.c.street_id, S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"),
            C.c.name_zh.label("community_zh"), C.c.name_en.label("community_en"), K.c.risk_level, K.c.stage,
            K.c.reported_at, K.c.last_contact_at]


def cases_without_holder(engine: Engine, scope: Scope, filters: Filters, as_of: datetime,
                         limit: int = ROW_LIMIT) -> pd.DataFrame:
    """Cases open at as_of that no one holds, or whose holder has left their post (``reason``)."""
    reason = _holder_missing(as_of)
    query = (
        select(*_case_columns(), SF.c.name.label("staff_name"), SF.c.ended_on.label("staff_left_on"),
               reason.label("reason"))
        .join(S, K.c.street_id == S.c.id)
        .join(C, K.c.community_id == C.c.id)
        .outerjoin(SF, K.c.assigned_staff_id == SF.c.id)
        .where(open_at(as_of), reason.is_not(None), *_cases_scope(scope, filters))
        .order_by(K.c.reported_at, K.c.case_no)
        .limit(limit)
    )
    frame = _read(engine, query)
    frame["staff_name"] = [mask_name(n) if isinstance(n, str) else "" for n in frame["staff_name"]]
    return frame


def cases_without_contact(engine: Engine, scope: Scope, filters: Filters, as_of: datetime, rules: CaseRules,
                          limit: int = ROW_LIMIT) -> pd.DataFrame:
    """Open cases whose last contact (or, without any, the report) is older than their follow-up cadence."""
    since = since_contact()
    cadence = case({r.level: r.follow_up.total_seconds() / 86400 for r in rules.risks}, value=K.c.risk_level)
    query = (
        select(*_case_columns(), since.label("since"), cadence.label("cadence_days"))
        .join(S, K.c.street_id == S.c.id)
        .join(C, K.c.community_id == C.c.id)
        .where(open_at(as_of), contact_lapsed(rules, as_of), *_cases_scope(scope, filters))
        .order_by(since, K.c.case_no)
        .limit(limit)
    )
    frame = _read(engine, query)
    since_at = pd.to_datetime(frame["since"])
    frame["days_without_contact"] = (pd.Timestamp(as_of) - since_at).dt.days
    return frame.drop(columns=["since"])


def unregistered_payments(engine: Engine, scope: Scope, filters: Filters, as_of: datetime,
                          limit: int = ROW_LIMIT) -> pd.DataFrame:
    """Payments in the period for a child who was not on the register that month (``reason``)."""
    months = _payments_in_period(filters, as_of)
    reason = _unregistered_reason(months)
    query = (
        select(P.c.payment_no, P.c.month, P.c.amount, P.c.child_id, CH.c.file_no, CH.c.name.label("child_name"),
               P.c.street_id, S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"),
               reason.label("reason"))
        .select_from(P)
        .join(months, P.c.month == months.c.month)
        .outerjoin(CH, P.c.child_id == CH.c.id)
        .join(S, P.c.street_id == S.c.id)
        .where(reason.is_not(None), *payment_scope(scope, filters))
        .order_by(P.c.month, P.c.payment_no)
        .limit(limit)
    )
    frame = _masked(_read(engine, query))
    frame["amount"] = frame["amount"].astype(float).round(2)
    return frame


def places_outside_district(engine: Engine, scope: Scope, filters: Filters,
                            limit: int = ROW_LIMIT) -> pd.DataFrame:
    """Stations, communities and social organisations whose coordinates lie outside the district's box."""
    places = _places(scope, filters)
    query = (
        select(places, S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"))
        .outerjoin(S, places.c.street_id == S.c.id)
        .where(_outside_bbox(engine, places.c.lat, places.c.lon))
        .order_by(places.c.kind, places.c.place_id)
        .limit(limit)
    )
    return _read(engine, query)


# --- the registry -----------------------------------------------------------------------------------

RowsFunction = Callable[[Engine, Scope, Filters, datetime, CaseRules], pd.DataFrame]


@dataclass(frozen=True)
class Check:
    """A data-quality check: its name (in the URL, ``QualityCounts`` and the catalogue's quality.* keys) and
    how the rows behind it are listed, called with the engine, scope, filters, as-of moment and case rules."""

    name: str
    rows: RowsFunction
    impersonal: bool = False  # its rows name no child, places only, so every role may see them


REGISTRY: dict[str, Check] = {check.name: check for check in (
    Check("incomplete", lambda engine, scope, filters, as_of, _rules: incomplete_files(engine, scope, filters, as_of)),
    Check("duplicates", lambda engine, scope, filters, _as_of, _rules: duplicate_files(engine, scope, filters)),
    Check("no_community", lambda engine, scope, filters, _as_of, _rules: children_without_community(engine, scope, filters)),
    Check("no_holder", lambda engine, scope, filters, as_of, _rules: cases_without_holder(engine, scope, filters, as_of)),
    Check("no_contact", cases_without_contact),
    Check("unregistered_payments",
          lambda engine, scope, filters, as_of, _rules: unregistered_payments(engine, scope, filters, as_of)),
    Check("outside_district",
          lambda engine, scope, filters, _as_of, _rules: places_outside_district(engine, scope, filters), impersonal=True),
)}
CHECKS = tuple(REGISTRY)
IMPERSONAL_CHECKS = tuple(name for name, check in REGISTRY.items() if check.impersonal)


def find_check(name: str) -> Check:
    """The check of that name; an unknown name raises ValueError."""
    if name not in REGISTRY:
        raise ValueError(f"unknown data-quality check {name!r}; expected one of {', '.join(CHECKS)}")
    return REGISTRY[name]
