"""The server-side sign-in sessions: open, check, idle and absolute expiry, and every way one ends."""

from __future__ import annotations

import stat
import time
from datetime import datetime, timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select, update

from data_access import audit, config, migrate, schema, sessions, users

NOW = datetime(2026, 3, 2, 9, 0)
KEY = "k" * 40
IDLE = timedelta(minutes=15)
LIFETIME = timedelta(hours=12)
GOOD = "correct horse battery"
S = schema.user_sessions


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory):
    from tests.harness import engine_for

    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_sessions")
    migrate.upgrade(engine)
    users.add_user(engine, "wang.lead", "leader", GOOD)
    users.add_user(engine, "zhao.analyst", "analyst", GOOD)
    yield engine
    engine.dispose()


def open_for(engine, username: str = "wang.lead", now: datetime = NOW) -> str:
    return sessions.open_session(engine, users.User(username, "leader"), KEY, LIFETIME, now)


def check(engine, cookie, now: datetime):
    return sessions.check_session(engine, cookie, KEY, IDLE, LIFETIME, now)


def sign_outs(engine) -> list[str]:
    return list(audit.search(engine, action="sign_out").sort_values("id")["detail"])


def test_an_open_session_signs_the_viewer_in_and_the_database_keeps_only_a_hash(engine):
    cookie = open_for(engine)
    result = check(engine, cookie, NOW + timedelta(minutes=5))
    assert result.user == users.User("wang.lead", "leader") and result.ended is None
    token = sessions.token_of(cookie, KEY, LIFETIME)
    with engine.connect() as conn:
        row = conn.execute(select(S)).mappings().one()
    assert token and token not in row["token_hash"] and token not in cookie.split(".")[1:]
    assert row["expires_at"] == NOW + LIFETIME and row["ended_at"] is None


def test_activity_moves_the_idle_clock_and_silence_ends_the_session_once(engine):
    cookie = open_for(engine)
    for minutes in (10, 20, 30, 40):  # each step is within the idle timeout of the one before
        assert check(engine, cookie, NOW + timedelta(minutes=minutes)).user
    late = NOW + timedelta(minutes=40) + IDLE + timedelta(seconds=1)
    assert check(engine, cookie, late) == sessions.SessionCheck(None, "idle")
    assert check(engine, cookie, late + timedelta(seconds=5)) == sessions.SessionCheck(None, "idle")
    assert sign_outs(engine) == ['{"reason": "idle"}']


def test_frequent_checks_write_the_activity_rarely(engine):
    cookie = open_for(engine)
    check(engine, cookie, NOW + timedelta(seconds=10))
    with engine.connect() as conn:
        assert conn.execute(select(S.c.last_seen_at)).scalar_one() == NOW
    check(engine, cookie, NOW + timedelta(seconds=40))
    with engine.connect() as conn:
        assert conn.execute(select(S.c.last_seen_at)).scalar_one() == NOW + timedelta(seconds=40)


def test_the_absolute_lifetime_ends_even_an_active_session(engine):
    cookie = open_for(engine)
    moment = NOW
    while moment < NOW + LIFETIME - timedelta(minutes=10):
        moment += timedelta(minutes=10)
        assert check(engine, cookie, moment).user
    assert check(engine, cookie, NOW + LIFETIME).ended == "expired"
    assert sign_outs(engine) == ['{"reason": "expired"}']


def test_sign_out_ends_that_session_only(engine):
    first, second = open_for(engine), open_for(engine)
    assert sessions.end_session(engine, first, KEY, LIFETIME, now=NOW + timedelta(minutes=1))
    assert check(engine, first, NOW + timedelta(minutes=2)).ended == "sign_out"
    assert check(engine, second, NOW + timedelta(minutes=2)).user
    assert not sessions.end_session(engine, first, KEY, LIFETIME)  # already ended: nothing more is logged
    assert not sessions.end_session(engine, "forged.value.sig", KEY, LIFETIME)
    assert sign_outs(engine) == ['{"reason": "sign_out"}']


@pytest.mark.parametrize("change, reason", [("disable", "disabled"), ("password", "password")])
def test_disabling_an_account_or_setting_its_password_ends_all_its_sessions(engine, change, reason):
    mine = [open_for(engine), open_for(engine)]
    other = open_for(engine, "zhao.analyst")
    if change == "disable":
        users.disable_user(engine, "wang.lead", by="admin")
    else:
        users.set_password(engine, "wang.lead", "another good password", by="admin")
    for cookie in mine:
        assert check(engine, cookie, NOW + timedelta(minutes=1)) == sessions.SessionCheck(None, reason)
    assert check(engine, other, NOW + timedelta(minutes=1)).user.username == "zhao.analyst"
    assert sign_outs(engine) == [f'{{"reason": "{reason}", "sessions": 2}}']


def test_an_account_disabled_behind_the_apps_back_is_refused_too(engine):
    cookie = open_for(engine)
    with engine.begin() as conn:
        conn.execute(update(schema.users).where(schema.users.c.username == "wang.lead").values(active=False))
    assert check(engine, cookie, NOW + timedelta(minutes=1)).ended == "disabled"


def test_a_changed_role_applies_at_the_next_check(engine):
    cookie = open_for(engine)
    with engine.begin() as conn:
        conn.execute(update(schema.users).where(schema.users.c.username == "wang.lead").values(role="admin"))
    assert check(engine, cookie, NOW + timedelta(minutes=1)).user.role == "admin"


def test_forged_tampered_and_foreign_cookies_sign_nobody_in(engine):
    cookie = open_for(engine)
    token, stamp, signature = cookie.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    altered = token[:-1] + ("Q" if token[-1] != "Q" else "R")
    never_stored = TimestampSigner(KEY, salt=sessions.SALT).sign("x" * 43).decode()
    other_key = sessions.open_session(engine, users.User("wang.lead", "leader"), "z" * 40, LIFETIME, NOW)
    for value in (None, "", "garbage", f"{token}.{stamp}.{flipped}", f"{altered}.{stamp}.{signature}",
                  never_stored, other_key, "é" * 10, token):
        assert check(engine, value, NOW + timedelta(minutes=1)) == sessions.SessionCheck(None, "missing"), value
    assert check(engine, cookie, NOW + timedelta(minutes=1)).user


def test_a_cookie_signed_longer_ago_than_the_lifetime_is_refused(engine):
    class Yesterday(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - LIFETIME.total_seconds() - 60)

    cookie = open_for(engine, now=datetime.now())
    token = sessions.token_of(cookie, KEY, LIFETIME)
    old = Yesterday(KEY, salt=sessions.SALT).sign(token).decode()
    assert sessions.token_of(old, KEY, LIFETIME) is None
    assert check(engine, old, datetime.now()).ended == "missing"


def test_rows_long_past_their_end_are_cleared_at_the_next_sign_in(engine):
    open_for(engine, now=NOW - timedelta(days=40))
    open_for(engine, now=NOW - timedelta(days=2))
    open_for(engine)
    with engine.connect() as conn:
        assert sorted(conn.execute(select(S.c.created_at)).scalars()) == [NOW - timedelta(days=2), NOW]


def test_the_key_is_made_once_per_data_directory_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("DASHBOARD_SECRET_KEY", raising=False)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    key = config.secret_key()
    assert len(key) >= config.MIN_SECRET_KEY and config.secret_key() == key
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "elsewhere"))
    assert config.secret_key() != key
    path.write_text("short")
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(ValueError, match="no usable key"):
        config.secret_key()


def test_a_configured_key_and_lifetime(monkeypatch):
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "s" * 32)
    assert config.secret_key() == "s" * 32
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "too short")
    with pytest.raises(ValueError, match="at least 32 characters"):
        config.secret_key()
    monkeypatch.delenv("DASHBOARD_SESSION_HOURS", raising=False)
    assert config.session_lifetime() == timedelta(hours=12)
    monkeypatch.setenv("DASHBOARD_SESSION_HOURS", "8.5")
    assert config.session_lifetime() == timedelta(hours=8, minutes=30)
    for bad in ("twelve", "0", "-1", "1000"):
        monkeypatch.setenv("DASHBOARD_SESSION_HOURS", bad)
        with pytest.raises(ValueError, match="DASHBOARD_SESSION_HOURS"):
            config.session_lifetime()
