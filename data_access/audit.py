"""The audit trail: who looked at or changed what. Append-only: this module can only add and read,
and database triggers refuse UPDATE and DELETE on the table."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select

from data_access import schema

A = schema.audit_log
ACTIONS = (
    "sign_in",
    "sign_out",
    "sign_in_failed",
    "account_locked",
    "case_view",
    "reveal",
    "export",
    "import",
    "account",
)


def record(
    bind: Engine | Connection,
    username: str | None,
    action: str,
    target: str | None = None,
    detail: dict | None = None,
    at: datetime | None = None,
) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action: {action}")
    row = dict(
        at=at or datetime.now().replace(microsecond=0),
        username=username,
        action=action,
        target=target,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) if detail else None,
    )
    if isinstance(bind, Connection):
        bind.execute(insert(A).values(**row))
        return
    with bind.begin() as conn:
        conn.execute(insert(A).values(**row))


def search(
    engine: Engine,
    username: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    contains: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """The newest entries first, narrowed by any of the arguments."""
    query = select(A).order_by(A.c.at.desc(), A.c.id.desc()).limit(limit)
    if username:
        query = query.where(A.c.username == username)
    if action:
        query = query.where(A.c.action == action)
    if since:
        query = query.where(A.c.at >= since)
    if until:
        query = query.where(A.c.at < until)
    if contains:
        query = query.where(A.c.target.icontains(contains, autoescape=True) | A.c.detail.icontains(contains, autoescape=True))
    with engine.connect() as conn:
        return pd.read_sql(query, conn)
