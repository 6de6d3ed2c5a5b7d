from datetime import datetime

import pytest
from sqlalchemy import text

from data_access import config
from data_access.engine import describe_url, make_engine, normalise_url, server_of


def test_default_database_is_sqlite_under_var(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config.database_url().startswith("sqlite:///") and config.database_url().endswith("var/dashboard.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert config.database_url() == "postgresql://u@h/db"


def test_postgres_urls_use_psycopg_3():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_passwords_never_shown():
    assert "secret" not in describe_url("postgresql://bureau:secret@db.local:5433/dash")
    assert server_of("postgresql://bureau:secret@db.local:5433/dash") == "db.local:5433/dash"
    assert server_of("sqlite:////tmp/x.db") == "/tmp/x.db"


def test_as_of(monkeypatch):
    assert config.parse_as_of("2022-06-30") == datetime(2022, 6, 30, 18)
    assert config.parse_as_of("2022-06-30T09:15") == datetime(2022, 6, 30, 9, 15)
    monkeypatch.setenv("DASHBOARD_AS_OF", "2022-03-31")
    assert config.as_of_override() == datetime(2022, 3, 31, 18)
    monkeypatch.delenv("DASHBOARD_AS_OF")
    assert config.as_of_override() is None
    with pytest.raises(ValueError, match="expected e.g. 2022-06-30"):
        config.parse_as_of("30.06.2022")


def test_language(monkeypatch):
    monkeypatch.setenv("DASHBOARD_LANG", "EN")
    assert config.default_language() == "en"
    monkeypatch.setenv("DASHBOARD_LANG", "fr")
    assert config.default_language() == "zh"


def test_sqlite_engine_turns_on_foreign_keys_and_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
