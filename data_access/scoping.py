"""Turn a Scope and Filters into SQL conditions. Filters narrow the scope; they never widen it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false

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
