"""Facts about the dataset as a whole: synthetic or not, and up to when it runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, func, inspect, literal, select, union_all
from sqlalchemy.exc import SQLAlchemyError

from data_access import migrate, schema


@dataclass(frozen=True)
class DatasetInfo:
    synthetic: bool
    data_as_of: datetime | None
    first_month: date | None
    accounts: int = 0  # user accounts: once there is one, nobody sees the data without signing in


def read_dataset_info(engine: Engine) -> DatasetInfo:
    """The recorded facts; for a database without them, the newest event or payment."""
    with engine.connect() as conn:
        values = dict(conn.execute(select(schema.dataset_info.c.key, schema.dataset_info.c.value)).all())
        if values.get("as_of"):
            as_of = datetime.fromisoformat(values["as_of"])
        else:
            newest = union_all(
                select(func.max(schema.case_events.c.occurred_at).label("t")),
                select(func.max(schema.cases.c.reported_at).label("t")),
            ).subquery()
            as_of = conn.execute(select(func.max(newest.c.t))).scalar()
        first = values.get("first_month")
        if first:
            first_month = date.fromisoformat(first)
        else:
            first_month = conn.execute(select(func.min(schema.subsidy_payments.c.month))).scalar()
        accounts = conn.execute(select(func.count()).select_from(schema.users)).scalar()
    return DatasetInfo(
        synthetic=values.get("synthetic") == "true",
        data_as_of=as_of,
        first_month=first_month,
        accounts=accounts or 0,
    )


@dataclass(frozen=True)
class Health:
    ok: bool
    problem: str | None = None  # "unreachable" or "schema"
    detail: str = ""


def health_check(engine: Engine) -> Health:
    """Can the database be reached, and does it hold every table of the schema?"""
    try:
        with engine.connect() as conn:
            conn.execute(select(1))
            present = set(inspect(conn).get_table_names())
    except SQLAlchemyError as exc:
        return Health(False, "unreachable", str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0])
    missing = [t.name for t in schema.metadata.sorted_tables if t.name not in present]
    if missing:
        return Health(False, "schema", ", ".join(missing))
    return Health(True)


def service_health(engine: Engine) -> dict:
    """For a proxy or a service manager: is the database reachable, and are its migrations at head?
    ``ok`` is True only when both are; the other keys say what failed, without server details."""
    report: dict = {"process": "ok"}
    health = health_check(engine)
    if health.problem == "unreachable":
        return {**report, "ok": False, "database": "unreachable", "migrations": "unknown"}
    report["database"] = "ok"
    try:
        current, head = migrate.current_revisions(engine), migrate.head_revisions()
    except SQLAlchemyError:
        return {**report, "ok": False, "database": "unreachable", "migrations": "unknown"}
    report.update(revision=sorted(current), head=sorted(head))
    if current != head:
        report["migrations"] = "behind" if current <= migrate.known_revisions() else "unknown revision"
    elif health.problem == "schema":
        report["migrations"] = "tables missing"
    else:
        report["migrations"] = "ok"
    return {**report, "ok": report["migrations"] == "ok"}


def empty_tables(engine: Engine, names: tuple[str, ...]) -> tuple[str, ...]:
    """Those of the tables ``names`` that hold no row: one row looked for in each, none counted."""
    with engine.connect() as conn:
        return tuple(name for name in names
                     if conn.execute(select(literal(1)).select_from(schema.metadata.tables[name]).limit(1)).first()
                     is None)


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in schema.metadata.sorted_tables
        }
