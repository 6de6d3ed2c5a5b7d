"""Portable SQL expressions: seconds since the epoch, and the median."""

from __future__ import annotations

from sqlalchemy import Float, cast, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_seconds(FunctionElement):
    """Seconds since 1970-01-01 of a naive local timestamp, as a float."""

    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _sqlite(element, compiler, **kw):
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(epoch_seconds, "postgresql")
def _postgresql(element, compiler, **kw):
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


def median(expression, dialect: str):
    """The median of ``expression``'s values that are not NULL, as an aggregate: PostgreSQL's
    ``percentile_cont``, SQLite's ``median`` (registered on every connection by data_access.engine)."""
    if dialect == "postgresql":
        return func.percentile_cont(0.5).within_group(cast(expression, Float))
    return func.median(expression)
