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


def summary_streets(scope: Scope, filters: Filters | None) -> list[str] | None:
    """The street keys of the summary tables (schema.SUMMARY_TABLES) that answer for a scope and filters:
    ``[ALL_STREETS]`` for the whole district, else the streets (possibly none); None when the scope or the
    filters reach into communities, which summary rows, kept by street, cannot answer."""
    from data_access.schema import ALL_STREETS

    if scope.communities is not None or (filters is not None and filters.community_id):
        return None
    streets = set(scope.streets) if scope.streets is not None else None
    if filters is not None and filters.street_id:
        streets = {filters.street_id} if streets is None else streets & {filters.street_id}
    return [ALL_STREETS] if streets is None else sorted(streets)


def summed_streets(keys: list[str], street_column) -> list[ColumnElement[bool]]:
    """Conditions on a summary table's street for counts that add up over streets (rows per street only)."""
    from data_access.schema import ALL_STREETS

    return [] if keys == [ALL_STREETS] else [street_column.in_(keys)]
