import importlib
import os
import subprocess
import sys
from datetime import datetime

import pytest
from sqlalchemy import text

from data_access import config
from data_access.engine import describe_url, make_engine, normalise_url, server_of
from tests.harness import PG_URL, TEST_SECRET_KEY


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


@pytest.mark.skipif(not PG_URL, reason="set TEST_DATABASE_URL to run the PostgreSQL tests")
def test_postgresql_engine_turns_off_jit_on_every_connection():
    engine = make_engine(PG_URL)
    for _ in range(2):  # the first connection, then one from the pool after its rollback
        with engine.connect() as conn:
            assert conn.execute(text("SHOW jit")).scalar() == "off"
            conn.rollback()
    engine.dispose()


def test_sqlite_engine_turns_on_foreign_keys_and_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


BAD_SETTINGS = [
    ("DATABASE_URL", "not a url", "DATABASE_URL is not a database URL"),
    ("DASHBOARD_AS_OF", "30.06.2022", "DASHBOARD_AS_OF: not an ISO date"),
    ("CASE_RULES_FILE", "/nowhere/case_rules.toml", "CASE_RULES_FILE names no file"),
    ("DASHBOARD_IDLE_MINUTES", "a quarter of an hour", "DASHBOARD_IDLE_MINUTES must be a number of minutes"),
    ("DASHBOARD_SESSION_HOURS", "0", "DASHBOARD_SESSION_HOURS must be more than 0"),
    ("DASHBOARD_SECRET_KEY", "short", "DASHBOARD_SECRET_KEY must have at least 32 characters"),
    ("DASHBOARD_PUBLIC_URL", "dashboard.bureau.example", "DASHBOARD_PUBLIC_URL must start with http://"),
    ("DASHBOARD_SMTP_SECURITY", "tls", "DASHBOARD_SMTP_SECURITY must be starttls, ssl or none"),
    ("DASHBOARD_SMTP_PORT", "smtp", "DASHBOARD_SMTP_PORT must be a port number"),
]


@pytest.fixture
def good_settings(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "DASHBOARD_AS_OF", "CASE_RULES_FILE", "DASHBOARD_IDLE_MINUTES",
                 "DASHBOARD_SESSION_HOURS", "DASHBOARD_PUBLIC_URL", "DASHBOARD_SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("DASHBOARD_SMTP_HOST", "mail.bureau.example")
    monkeypatch.setenv("DASHBOARD_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("DASHBOARD_SMTP_USER", "dashboard@bureau.example")


def test_good_settings_pass_the_start_up_check(good_settings):
    config.check_settings()


@pytest.mark.parametrize("name, value, message", BAD_SETTINGS, ids=[name for name, _, _ in BAD_SETTINGS])
def test_a_bad_setting_fails_the_start_up_check_naming_it(good_settings, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        config.check_settings()


def test_case_rules_that_do_not_read_fail_the_start_up_check(good_settings, monkeypatch, tmp_path):
    broken = tmp_path / "case_rules.toml"
    broken.write_text("[risk.critical\nfirst_response_hours = 2\n", encoding="utf-8")
    monkeypatch.setenv("CASE_RULES_FILE", str(broken))
    with pytest.raises(ValueError, match="CASE_RULES_FILE: "):
        config.check_settings()


def test_the_mail_settings_are_checked_only_once_a_mail_server_is_named(good_settings, monkeypatch):
    monkeypatch.delenv("DASHBOARD_SMTP_HOST")
    monkeypatch.setenv("DASHBOARD_SMTP_SECURITY", "tls")
    config.check_settings()


def test_the_server_start_runs_the_check(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env.update(DASHBOARD_DATA_DIR=str(tmp_path), DASHBOARD_IDLE_MINUTES="soon")
    done = subprocess.run([sys.executable, "-c", "import asgi"], cwd=config.PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "DASHBOARD_IDLE_MINUTES must be a number of minutes" in done.stderr


@pytest.mark.parametrize("command", ["data_access.users", "data_access.audit", "data_access.summaries",
                                     "data_access.district", "data_access.backup", "data_access.importer.__main__",
                                     "sample_data.__main__", "notify.cli"])
def test_every_command_stops_at_a_bad_setting_naming_it(good_settings, monkeypatch, command):
    monkeypatch.setenv("DASHBOARD_SESSION_HOURS", "forever")
    with pytest.raises(SystemExit, match="error: DASHBOARD_SESSION_HOURS must be a number of hours"):
        importlib.import_module(command).main([])
