"""Crisis cases: what is open, what is overdue, in SQL."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import ColumnElement, Engine, and_, case, func, or_, select

from data_access import schema
from data_access.rules import CaseRules
from data_access.scoping import scope_conditions
from data_access.types import Filters, Scope

K = schema.cases


def open_at(as_of: datetime) -> ColumnElement[bool]:
    return and_(K.c.reported_at <= as_of, or_(K.c.closed_at.is_(None), K.c.closed_at > as_of))


def awaiting_response(as_of: datetime) -> ColumnElement[bool]:
    return or_(K.c.first_response_at.is_(None), K.c.first_response_at > as_of)


def overdue(rules: CaseRules, as_of: datetime) -> ColumnElement[bool]:
    """An open case whose first response or next follow-up is past its deadline.

    The follow-up clock runs from the last recorded contact (or the first response when there
    has been no other contact).
    """
    response_cutoff = rules.first_response_cutoffs(as_of)
    follow_up_cutoff = rules.follow_up_cutoffs(as_of)
    last_contact = func.coalesce(K.c.last_contact_at, K.c.first_response_at)
    response_late = or_(*(and_(K.c.risk_level == lvl, K.c.reported_at < t) for lvl, t in response_cutoff.items()))
    follow_up_late = or_(*(and_(K.c.risk_level == lvl, last_contact < t) for lvl, t in follow_up_cutoff.items()))
    return and_(
        open_at(as_of),
        or_(and_(awaiting_response(as_of), response_late), and_(~awaiting_response(as_of), follow_up_late)),
    )


def risk_order(rules: CaseRules):
    return case({rule.level: rank for rank, rule in enumerate(rules.risks)}, value=K.c.risk_level)


def open_cases(
    engine: Engine, scope: Scope, filters: Filters, as_of: datetime, rules: CaseRules, limit: int = 100
) -> pd.DataFrame:
    """Open cases at ``as_of``, overdue first, then by risk, then oldest report first."""
    S, C, sf = schema.streets, schema.communities, schema.staff
    is_overdue = overdue(rules, as_of)
    query = (
        select(
            K.c.case_no,
            K.c.street_id,
            S.c.name_zh.label("street_zh"),
            S.c.name_en.label("street_en"),
            C.c.name_zh.label("community_zh"),
            C.c.name_en.label("community_en"),
            K.c.risk_level,
            K.c.stage,
            K.c.crisis_type,
            K.c.reported_at,
            K.c.first_response_at,
            K.c.last_contact_at,
            sf.c.name.label("staff_name"),
            case((is_overdue, True), else_=False).label("overdue"),
        )
        .join(S, K.c.street_id == S.c.id)
        .join(C, K.c.community_id == C.c.id)
        .outerjoin(sf, K.c.assigned_staff_id == sf.c.id)
        .where(open_at(as_of), *scope_conditions(scope, filters, K.c.street_id, K.c.community_id))
        .order_by(case((is_overdue, 0), else_=1), risk_order(rules), K.c.reported_at, K.c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    frame["overdue"] = frame["overdue"].astype(bool)
    return frame
