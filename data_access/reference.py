"""Reference lists: streets, communities, stations, staff, social organisations."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, and_, or_, select

from data_access import schema
from data_access.scoping import scope_conditions, staff_conditions
from data_access.types import Filters, Scope

S, C = schema.streets, schema.communities


def list_streets(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The streets of the scope (a community-bound scope sees its community's street)."""
    conditions = scope_conditions(scope.street_level, None, S.c.id)
    query = select(S).where(*conditions).order_by(S.c.sort_order)
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def list_communities(engine: Engine, scope: Scope, filters: Filters | None = None) -> pd.DataFrame:
    query = (
        select(C, S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"))
        .join(S, C.c.street_id == S.c.id)
        .where(*scope_conditions(scope, filters, C.c.street_id, C.c.id))
        .order_by(S.c.sort_order, C.c.code)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def list_stations(engine: Engine, scope: Scope, filters: Filters | None = None) -> pd.DataFrame:
    """Stations; district-level ones (no street) are shown to every scope."""
    st = schema.stations
    conditions = scope_conditions(scope.street_level, filters, st.c.street_id)
    query = (
        select(st, S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"))
        .outerjoin(S, st.c.street_id == S.c.id)
        .order_by(st.c.id)
    )
    if conditions:
        query = query.where(or_(st.c.street_id.is_(None), and_(*conditions)))
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def list_staff(engine: Engine, scope: Scope, filters: Filters | None, as_of: datetime) -> pd.DataFrame:
    """Staff in post at ``as_of``."""
    sf = schema.staff
    query = (
        select(sf, S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"),
               C.c.name_zh.label("community_zh"), C.c.name_en.label("community_en"))
        .outerjoin(S, sf.c.street_id == S.c.id)
        .outerjoin(C, sf.c.community_id == C.c.id)
        .where(
            sf.c.started_on <= as_of.date(),
            or_(sf.c.ended_on.is_(None), sf.c.ended_on > as_of.date()),
            *staff_conditions(scope, filters, sf),
        )
        .order_by(S.c.sort_order, sf.c.role, sf.c.id)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def list_social_orgs(engine: Engine, scope: Scope, filters: Filters | None, as_of: datetime) -> pd.DataFrame:
    so = schema.social_orgs
    query = (
        select(so, S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en"))
        .outerjoin(S, so.c.street_id == S.c.id)
        .where(
            so.c.registered_on <= as_of.date(),
            *scope_conditions(scope.street_level, filters, so.c.street_id),
        )
        .order_by(so.c.category, so.c.id)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)
