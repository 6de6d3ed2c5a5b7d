"""Shared fixtures: sample databases on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL, and the app on
the sample under AppTest. Helpers that are not fixtures are in harness.py."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest
import streamlit as st
from sqlalchemy import Engine

from data_access.engine import make_engine
from data_access.rules import load_rules
from sample_data import DEFAULT_AS_OF, build_database
from tests.harness import BACKENDS, engine_for, mark_real, open_app, serve_sample


@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture(scope="session")
def as_of() -> datetime:
    return DEFAULT_AS_OF


@pytest.fixture(scope="session", params=BACKENDS)
def sample_engine(request, tmp_path_factory) -> Engine:
    """The default sample database (as of 2022-06-30), built once per backend."""
    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_sample")
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


@pytest.fixture
def empty_engine(request, tmp_path_factory) -> Engine:
    """A fresh database with nothing in it, on the backend the test is parametrised with."""
    engine = engine_for(getattr(request, "param", "sqlite"), tmp_path_factory, "dashboard_test_empty")
    yield engine
    engine.dispose()


@pytest.fixture
def real_copy_url(sample_copy_url) -> str:
    """A private copy of the sample database marked as real data, for tests that import into it."""
    engine = make_engine(sample_copy_url)
    mark_real(engine)
    engine.dispose()
    return sample_copy_url


@pytest.fixture
def app(sqlite_sample_url, monkeypatch):
    """harness.open_app on the bundled sample in demo mode, as of the sample's end, with empty caches."""
    serve_sample(monkeypatch, sqlite_sample_url)
    monkeypatch.delenv("DASHBOARD_AS_OF", raising=False)
    st.cache_data.clear()
    yield open_app
    st.cache_data.clear()
