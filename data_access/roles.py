"""PostgreSQL rights of the app's role. The owner role runs the migrations and owns every table; the app
role reads and writes data but runs no DDL and can only add to and read the audit trail, so neither a bug
nor someone holding the app's password can rewrite it. Applied after every migration run (idempotent)."""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class RoleError(ValueError):
    pass


def grant_app_role(conn: Connection, role: str | None) -> bool:
    """Give ``role`` what the app needs in the current schema; False when there is nothing to do (no role
    configured, or not PostgreSQL)."""
    if not role or conn.dialect.name != "postgresql":
        return False
    if conn.execute(text("SELECT to_regclass('audit_log')")).scalar() is None:
        return False
    if not ROLE_NAME.fullmatch(role):
        raise RoleError(f"DASHBOARD_APP_ROLE {role!r} is not a plain role name (lower-case letters, digits, _)")
    found = conn.execute(text("SELECT rolsuper, rolname = current_user FROM pg_roles WHERE rolname = :r"),
                         {"r": role}).first()
    if found is None:
        raise RoleError(f"DASHBOARD_APP_ROLE {role!r} does not exist: create it first (CREATE ROLE {role} LOGIN PASSWORD ...)")
    if found[0] or found[1]:
        raise RoleError(f"DASHBOARD_APP_ROLE {role!r} is a superuser or the role running the migrations: "
                        "the app needs a role of its own")
    quote = conn.dialect.identifier_preparer.quote
    schema = quote(conn.execute(text("SELECT current_schema()")).scalar_one())
    who = quote(role)
    audit_sequence = conn.execute(text("SELECT pg_get_serial_sequence('audit_log', 'id')")).scalar_one()
    for statement in (
        f"GRANT USAGE ON SCHEMA {schema} TO {who}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {schema} FROM {who}",
        f"REVOKE UPDATE, DELETE ON audit_log FROM {who}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {who}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
        f"REVOKE UPDATE ON SEQUENCE {audit_sequence} FROM {who}",
    ):
        conn.execute(text(statement))
    return True
