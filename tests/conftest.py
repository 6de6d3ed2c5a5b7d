"""Shared fixtures: sample databases on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from data_access.engine import make_engine, normalise_url
from data_access.rules import load_rules
from sample_data import DEFAULT_AS_OF, build_database

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture(scope="session")
def as_of() -> datetime:
    return DEFAULT_AS_OF


def _engine_for(backend: str, tmp_path_factory, name: str) -> Engine:
    """A database of its own: an SQLite file, or a fresh PostgreSQL schema named ``name``."""
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / f'{name}.db'}")
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but TEST_DATABASE_URL is not set; the PostgreSQL tests must run in CI")
        pytest.skip("set TEST_DATABASE_URL=postgresql+psycopg://... to run the PostgreSQL tests")
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    admin.dispose()
    return create_engine(
        normalise_url(PG_URL), pool_pre_ping=True, connect_args={"options": f"-csearch_path={name}"}
    )


def database_url(engine: Engine) -> str:
    """The test database's URL, with the PostgreSQL schema it lives in: for another process, or for the app's own
    engine (DATABASE_URL)."""
    if engine.dialect.name == "sqlite":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        schema_name = conn.execute(text("SELECT current_schema()")).scalar_one()
    return engine.url.update_query_dict({"options": f"-csearch_path={schema_name}"}).render_as_string(
        hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def sample_engine(request, tmp_path_factory) -> Engine:
    """The default sample database (as of 2022-06-30), built once per backend."""
    engine = _engine_for(request.param, tmp_path_factory, "dashboard_test_sample")
    build_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_sample_url(tmp_path_factory) -> str:
    """The bundled sample database, built in a directory of its own, for the app and page tests."""
    path = tmp_path_factory.mktemp("app") / "dashboard.db"
    url = f"sqlite:///{path}"
    build_database(make_engine(url))
    return url


@pytest.fixture
def sample_copy_url(sqlite_sample_url, tmp_path) -> str:
    """A private copy of the sample database (named like the bundled one), for a test to change."""
    path = tmp_path / "dashboard.db"
    with sqlite3.connect(sqlite_sample_url.removeprefix("sqlite:///")) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    return f"sqlite:///{path}"


def serve_sample(monkeypatch, url: str) -> None:
    """Point the app at a sample database as its bundled default (demo mode, no DATABASE_URL)."""
    path = Path(url.removeprefix("sqlite:///"))
    assert path.name == "dashboard.db", "the bundled database is always named dashboard.db"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(path.parent))


@pytest.fixture
def empty_engine(request, tmp_path_factory) -> Engine:
    """A fresh database with nothing in it, on the backend the test is parametrised with."""
    engine = _engine_for(getattr(request, "param", "sqlite"), tmp_path_factory, "dashboard_test_empty")
    yield engine
    engine.dispose()


def mark_real(engine: Engine) -> None:
    """Make a sample database stand for a bureau's own: it then takes imports and runs no demo."""
    from data_access import schema

    info = schema.dataset_info
    with engine.begin() as conn:
        conn.execute(info.update().where(info.c.key == "synthetic").values(value="false"))


@pytest.fixture
def real_copy_url(sample_copy_url) -> str:
    """A private copy of the sample database marked as real data, for tests that import into it."""
    engine = make_engine(sample_copy_url)
    mark_real(engine)
    engine.dispose()
    return sample_copy_url


TEST_SECRET_KEY = "a test key of thirty-two characters or more"


def sign_in_as(monkeypatch, url: str, user) -> None:
    """Make AppTest's browser carry a session cookie of ``user`` on the database at ``url``."""
    from dashboard import auth
    from data_access import config, sessions

    monkeypatch.setenv("DASHBOARD_SECRET_KEY", TEST_SECRET_KEY)
    cookie = sessions.open_session(make_engine(url), user, TEST_SECRET_KEY, config.session_lifetime())
    monkeypatch.setattr(auth, "browser_cookie", lambda: cookie)
