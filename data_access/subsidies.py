"""Subsidy payments and standards, aggregated in SQL."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, distinct, func, select

from data_access import schema
from data_access.scoping import scope_conditions
from data_access.types import Filters, Period, Scope

P = schema.subsidy_payments


def payments_by_month(
    engine: Engine, scope: Scope, filters: Filters, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Per month and category: person-times, distinct children and amount paid.

    Months from ``start`` up to ``end`` (exclusive); by default those of the filtered period.
    """
    start = start or filters.period.start
    end = end or filters.period.end
    query = (
        select(
            P.c.month,
            P.c.category,
            func.count().label("person_times"),
            func.count(distinct(P.c.child_id)).label("children"),
            func.sum(P.c.amount).label("amount"),
        )
        .where(P.c.month >= start, P.c.month < end, *scope_conditions(scope, filters, P.c.street_id))
        .group_by(P.c.month, P.c.category)
        .order_by(P.c.month, P.c.category)
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    frame["month"] = pd.to_datetime(frame["month"])
    frame["amount"] = frame["amount"].astype(float).round(2)
    return frame


def standards(engine: Engine) -> pd.DataFrame:
    ss = schema.subsidy_standards
    query = select(ss.c.category, ss.c.valid_from, ss.c.valid_to, ss.c.monthly_amount).order_by(
        ss.c.category, ss.c.valid_from
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    frame["monthly_amount"] = frame["monthly_amount"].astype(float)
    return frame


def grants_in(engine: Engine, period: Period) -> pd.DataFrame:
    g = schema.grants
    query = (
        select(g.c.kind, g.c.granted_on, g.c.amount, g.c.recipients, g.c.description_zh, g.c.description_en)
        .where(g.c.granted_on >= period.start, g.c.granted_on < period.end)
        .order_by(g.c.granted_on)
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    frame["amount"] = frame["amount"].astype(float)
    return frame
