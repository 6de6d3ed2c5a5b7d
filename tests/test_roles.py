"""PostgreSQL roles: the owner runs the migrations; the app's role reads and writes data but cannot alter,
remove or empty the audit trail, switch off its trigger or run DDL. Roles are global to the PostgreSQL
cluster, so every role here has a name of its own and is dropped afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from data_access import audit, config, dataset, importer, roles, sessions, users
from data_access.engine import make_engine, normalise_url
from data_access.types import Filters, Period, Scope
from sample_data import build_database
from tests.files import child, children_file
from tests.harness import IN_CI, PG_URL, mark_real
from tests.queries import arguments, query_functions

AS_OF = datetime(2022, 6, 30, 18)
ROOT = Path(__file__).resolve().parent.parent


def _connect(role: str, schema: str) -> Engine:
    url = make_url(normalise_url(PG_URL)).set(username=role, password=None)
    return create_engine(url, connect_args={"options": f"-csearch_path={schema}"})


@pytest.fixture(scope="module")
def cluster():
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but TEST_DATABASE_URL is not set")
        pytest.skip("the roles exist only on PostgreSQL: set TEST_DATABASE_URL")
    suffix = uuid.uuid4().hex[:10]
    owner, app, schema = f"dash_owner_{suffix}", f"dash_app_{suffix}", f"dash_roles_{suffix}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE ROLE {owner} LOGIN"))
        conn.execute(text(f"CREATE ROLE {app} LOGIN"))
        conn.execute(text(f"CREATE SCHEMA {schema} AUTHORIZATION {owner}"))
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DASHBOARD_APP_ROLE", app)
            owner_engine = _connect(owner, schema)
            build_database(owner_engine, as_of=AS_OF)
            mark_real(owner_engine)
        app_engine = _connect(app, schema)
        yield owner_engine, app_engine, app
        owner_engine.dispose()
        app_engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            for role in (app, owner):
                conn.execute(text(f"DROP OWNED BY {role}"))
                conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


REFUSED = [
    "UPDATE audit_log SET action = 'sign_in'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    "DROP TABLE audit_log",
    "ALTER TABLE cases ADD COLUMN note text",
    "CREATE TABLE scratch (id int)",
    "TRUNCATE cases",
    "INSERT INTO alembic_version VALUES ('9999')",
    "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), 1)",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_app_role_cannot_rewrite_the_audit_trail_or_the_schema(cluster, statement):
    _, app_engine, _ = cluster
    audit.record(app_engine, "someone", "export", "cases")
    with pytest.raises(DBAPIError) as refused:
        with app_engine.begin() as conn:
            conn.execute(text(statement))
    assert refused.value.orig.sqlstate == "42501", refused.value  # insufficient_privilege / must be owner
    assert audit.verify(app_engine).ok


def test_the_app_role_does_its_normal_work(cluster, rules):
    _, app_engine, _ = cluster
    with app_engine.connect() as conn:
        other_case = conn.execute(text("SELECT case_no FROM cases LIMIT 1")).scalar_one()
    scope = Scope.district(show_names=True)
    for function in (p.values[0] for p in query_functions()):
        function(**arguments(function, app_engine, scope, rules, AS_OF, Filters(Period.parse("2022Q2")), other_case))
    users.add_user(app_engine, "role.admin", "admin", "a long enough password", by="test")
    assert users.authenticate(app_engine, "role.admin", "a long enough password", AS_OF).role == "admin"
    key = "a test key of thirty-two characters or more"
    lifetime, idle = config.session_lifetime(), config.idle_timeout()
    cookie = sessions.open_session(app_engine, users.User("role.admin", "admin"), key, lifetime)
    assert sessions.check_session(app_engine, cookie, key, idle, lifetime).user.username == "role.admin"
    users.set_password(app_engine, "role.admin", "another long password", by="test")
    assert sessions.check_session(app_engine, cookie, key, idle, lifetime).user is None
    result = importer.run_import(app_engine, "children", children_file(child("FT90000077")), "c.csv",
                                 today=date(2022, 6, 30))
    assert result.written and not result.problems, result.problems
    assert dataset.table_counts(app_engine)["children"] > 0
    check = audit.verify(app_engine)
    assert check.ok and check.rows >= 4


def test_a_row_the_owner_alters_is_found_by_verify(cluster):
    owner_engine, app_engine, _ = cluster
    audit.record(app_engine, "wang", "reveal", "child-1")
    with owner_engine.connect() as conn:
        target = conn.execute(text("SELECT max(id) FROM audit_log")).scalar_one()
    with owner_engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(text("UPDATE audit_log SET username = 'nobody' WHERE id = :id"), {"id": target})
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    assert audit.verify(app_engine).broken_id == target
    with owner_engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(text("UPDATE audit_log SET username = 'wang' WHERE id = :id"), {"id": target})
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    assert audit.verify(app_engine).ok


def test_granting_refuses_a_missing_a_malformed_or_an_all_powerful_role(cluster):
    owner_engine, _, app = cluster
    with owner_engine.begin() as conn:
        assert roles.grant_app_role(conn, None) is False
        assert roles.grant_app_role(conn, app) is True
        for role, message in ((f"missing_{app}", "does not exist"), ("App; DROP", "plain role name"),
                              ("postgres", "superuser"), (conn.execute(text("SELECT current_user")).scalar(), "superuser")):
            with pytest.raises(roles.RoleError, match=message):
                roles.grant_app_role(conn, role)


def test_sqlite_has_no_roles_to_grant(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        assert roles.grant_app_role(conn, "dashboard_app") is False


def test_alembic_from_the_command_line_grants_a_role_configured_later(cluster):
    owner_engine, _, app = cluster
    later = f"{app}_later"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE ROLE {later} LOGIN"))
    try:
        with owner_engine.connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        owner_url = owner_engine.url.render_as_string(hide_password=False) + f"?options=-csearch_path%3D{schema}"
        done = subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, capture_output=True,
                              text=True, timeout=120,
                              env={**os.environ, "DATABASE_URL": owner_url, "DASHBOARD_APP_ROLE": later})
        assert done.returncode == 0, done.stderr
        later_engine = _connect(later, schema)
        assert dataset.table_counts(later_engine)["cases"] > 0
        audit.record(later_engine, "later", "export", "cases")
        with pytest.raises(DBAPIError, match="permission denied"):
            with later_engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_log"))
        later_engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {later}"))
            conn.execute(text(f"DROP ROLE {later}"))
        admin.dispose()
