"""Turn a Scope and Filters into SQL conditions. Filters narrow the scope; they never widen it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_

from data_access.types import Filters, Scope


def scope_conditions(
    scope: Scope,
    filters: Filters | None,
    street_column,
    community_column=None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if scope.streets is not None:
        conditions.append(street_column.in_(sorted(scope.streets)))
    if scope.communities is not None:
        if community_column is None:
            # Rows that belong to no community are outside a community-bound scope.
            conditions.append(false())
        else:
            conditions.append(community_column.in_(sorted(scope.communities)))
    if filters is not None and filters.street_id:
        conditions.append(street_column == filters.street_id)
    if filters is not None and filters.community_id and community_column is not None:
        conditions.append(community_column == filters.community_id)
    return conditions


def staff_conditions(scope: Scope, filters: Filters | None, staff) -> list[ColumnElement[bool]]:
    """The staff a scope sees: everyone of its streets; bound to communities, those communities' staff
    and the streets' supervisors (see Scope)."""
    conditions = scope_conditions(scope.street_level, filters, staff.c.street_id, staff.c.community_id)
    if scope.communities is not None:
        conditions.append(or_(staff.c.community_id.in_(sorted(scope.communities)), staff.c.role == "supervisor"))
    return conditions
