"""Accounts, sign-in, lockout, masking, the append-only audit trail and the migrations."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from data_access import audit, migrate, users
from data_access.masking import mask_address, mask_id_number, mask_name, mask_phone
from data_access.types import Scope
from sample_data import build_database

NOW = datetime(2022, 6, 30, 9, 0)
GOOD = "correct horse battery"


@pytest.fixture(params=["sqlite", "postgresql"])
def accounts(request, tmp_path_factory):
    from tests.harness import engine_for

    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_accounts")
    build_database(engine, as_of=datetime(2021, 1, 31, 18))
    yield engine
    engine.dispose()


def test_masks():
    assert mask_name("张三明") == "张*明" and mask_name("张三") == "张*" and mask_name("欧阳小明") == "欧**明"
    assert mask_id_number("440304199001011234") == "4403**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_address("福田区示例路12号") == "福田区******"
    assert mask_name(None) == mask_phone("") == ""


def test_roles_decide_the_scope():
    assert users.scope_for("leader") == Scope.district(show_names=False)
    assert users.scope_for("analyst").show_names is False
    supervisor = users.scope_for("supervisor", "fubao")
    assert supervisor.streets == frozenset({"fubao"}) and supervisor.show_names
    director = users.scope_for("director", "fubao", "fubao-01")
    assert director.communities == frozenset({"fubao-01"})
    with pytest.raises(users.AccountError):
        users.scope_for("janitor")


def test_passwords_are_hashed_and_never_stored_in_clear(accounts):
    users.add_user(accounts, "li.supervisor", "supervisor", GOOD, "fubao", by="admin")
    with accounts.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE username = 'li.supervisor'")).scalar_one()
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_log")) for v in row)
    assert stored.startswith("$argon2") and GOOD not in stored and GOOD not in dump
    assert users.authenticate(accounts, "li.supervisor", GOOD, NOW) == users.User("li.supervisor", "supervisor", "fubao")


@pytest.mark.parametrize(
    "args, message",
    [
        (("x", "leader", GOOD), "3 to 60"),
        (("ok.name", "king", GOOD), "unknown role"),
        (("ok.name", "leader", "short"), "at least 10"),
        (("ok.name", "supervisor", GOOD), "needs --street"),
        (("ok.name", "supervisor", GOOD, "atlantis"), "unknown street"),
        (("ok.name", "director", GOOD, "fubao"), "needs --community"),
        (("ok.name", "director", GOOD, "fubao", "futian-01"), "not in street"),
        (("ok.name", "leader", GOOD, "fubao"), "whole district"),
    ],
)
def test_bad_accounts_are_refused_and_change_nothing(accounts, args, message):
    before = len(users.list_users(accounts))
    with pytest.raises(users.AccountError, match=message):
        users.add_user(accounts, *args)
    assert len(users.list_users(accounts)) == before


def test_lockout_after_five_failures_in_fifteen_minutes(accounts):
    users.add_user(accounts, "wang.leader", "leader", GOOD)
    for minute in range(4):
        with pytest.raises(users.SignInError, match="invalid"):
            users.authenticate(accounts, "wang.leader", "wrong password", NOW + timedelta(minutes=minute))
    with pytest.raises(users.SignInError, match="locked"):
        users.authenticate(accounts, "wang.leader", "wrong password", NOW + timedelta(minutes=4))
    with pytest.raises(users.SignInError, match="locked"):
        users.authenticate(accounts, "wang.leader", GOOD, NOW + timedelta(minutes=10))
    assert users.authenticate(accounts, "wang.leader", GOOD, NOW + timedelta(minutes=20)).role == "leader"
    log = audit.search(accounts, username="wang.leader")
    assert list(log["action"]) == ["sign_in", "account_locked"]


def test_failures_spread_out_do_not_lock(accounts):
    users.add_user(accounts, "zhao.analyst", "analyst", GOOD)
    for hour in range(6):
        with pytest.raises(users.SignInError, match="invalid"):
            users.authenticate(accounts, "zhao.analyst", "nope", NOW + timedelta(hours=hour))
    assert users.authenticate(accounts, "zhao.analyst", GOOD, NOW + timedelta(hours=7)).role == "analyst"
    entry = audit.search(accounts, username="zhao.analyst", action="sign_in")
    assert '"failed_before": 1' in entry["detail"].iloc[0]


def test_unknown_and_disabled_accounts(accounts):
    with pytest.raises(users.SignInError, match="invalid"):
        users.authenticate(accounts, "nobody", GOOD, NOW)
    users.add_user(accounts, "chen.admin", "admin", GOOD)
    users.disable_user(accounts, "chen.admin", by="root")
    with pytest.raises(users.SignInError, match="disabled"):
        users.authenticate(accounts, "chen.admin", GOOD, NOW)
    with pytest.raises(users.AccountError, match="no account"):
        users.disable_user(accounts, "nobody")


def test_the_audit_log_is_append_only(accounts):
    audit.record(accounts, "a", "export", "cases", {"rows": 3})
    for statement in ("UPDATE audit_log SET action = 'sign_in'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            with accounts.begin() as conn:
                conn.execute(text(statement))
    assert len(audit.search(accounts, action="export")) == 1
    assert not [name for name in dir(audit) if name.startswith(("update", "delete", "remove"))]
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(accounts, "a", "tamper")


def test_migrations_build_exactly_the_schema(accounts):
    assert migrate.differences(accounts) == []


def test_cli(accounts, monkeypatch, capsys):
    url = accounts.url.render_as_string(hide_password=False)
    if accounts.dialect.name == "postgresql":
        pytest.skip("the CLI takes a URL; the PostgreSQL test schema is chosen by connection options")
    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD + "\n"))
    assert users.main(["--db", url, "add", "first.admin", "--role", "admin", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert users.main(["--db", url, "add", "second", "--role", "admin", "--password-stdin"]) == 2
    assert "at least 10" in capsys.readouterr().err
    assert users.main(["--db", url, "list"]) == 0
    listing = capsys.readouterr().out
    assert "first.admin" in listing and "argon2" not in listing and "second" not in listing
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    assert users.main(["--db", url, "set-password", "first.admin", "--password-stdin"]) == 0
    assert users.authenticate(accounts, "first.admin", "another long password", NOW).role == "admin"
    assert users.main(["--db", url, "disable", "first.admin"]) == 0
    assert users.main(["--db", url, "disable", "ghost"]) == 2
