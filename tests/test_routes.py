"""The app's own HTTP routes, through ASGI: the sign-in endpoint and its cookie, and /healthz."""

from __future__ import annotations

import os
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from dashboard import routes
from data_access import audit, config, migrate, sessions, users
from data_access.engine import make_engine
from tests.harness import PG_URL, engine_for

ROOT = Path(__file__).resolve().parent.parent
KEY = "a test key of thirty-two characters or more"
PASSWORD = "a long enough password"


@pytest.fixture
def database(monkeypatch, sample_copy_url) -> str:
    users.add_user(make_engine(sample_copy_url), "li.fubao", "supervisor", PASSWORD, "fubao")
    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", KEY)
    monkeypatch.delenv("DASHBOARD_SESSION_HOURS", raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    return sample_copy_url


def client(base_url: str = "http://dashboard.test", peer: str = "127.0.0.1") -> TestClient:
    app = Starlette(routes=routes.routes(), middleware=routes.middleware())
    return TestClient(app, base_url=base_url, client=(peer, 50123), follow_redirects=False)


def post(http: TestClient, username: str = "li.fubao", password: str = PASSWORD, next_: str = "/cases?street=fubao",
         **headers: str):
    return http.post("/sign-in", data={"username": username, "password": password, "next": next_}, headers=headers)


def set_cookie(response) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


def outcome(response) -> str | None:
    return parse_qs(urlsplit(response.headers["location"]).query).get("signin", [None])[0]


def test_signing_in_sets_an_httponly_strict_cookie_and_returns_to_the_page(database):
    response = post(client())
    assert response.status_code == 303 and response.headers["location"] == "/cases?street=fubao"
    cookie = set_cookie(response)[routes.COOKIE]
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "secure" not in header
    assert cookie["path"] == "/" and int(cookie["max-age"]) == 12 * 3600
    check = sessions.check_session(make_engine(database), cookie.value, KEY, config.idle_timeout(),
                                   config.session_lifetime())
    assert check.user == users.User("li.fubao", "supervisor", "fubao")
    log = audit.search(make_engine(database), username="li.fubao")
    assert list(log["action"]) == ["sign_in"] and PASSWORD not in log.to_string()


def test_the_lifetime_setting_is_the_cookies_max_age(database, monkeypatch):
    monkeypatch.setenv("DASHBOARD_SESSION_HOURS", "2")
    assert set_cookie(post(client()))[routes.COOKIE]["max-age"] == "7200"


@pytest.mark.parametrize("base_url, peer, headers, secure", [
    ("https://dashboard.test", "127.0.0.1", {}, True),
    ("http://dashboard.test", "127.0.0.1", {"X-Forwarded-Proto": "https"}, True),
    ("http://dashboard.test", "10.9.8.7", {"X-Forwarded-Proto": "https"}, False),
    ("http://dashboard.test", "127.0.0.1", {"X-Forwarded-Proto": "http"}, False),
])
def test_the_cookie_is_secure_under_https_or_behind_a_trusted_tls_proxy(database, base_url, peer, headers, secure):
    response = post(client(base_url, peer), **headers)
    assert response.status_code == 303
    assert bool(set_cookie(response)[routes.COOKIE]["secure"]) is secure


def test_the_trusted_proxies_come_from_configuration(database, monkeypatch):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.9.8.7")
    response = post(client(peer="10.9.8.7"), **{"X-Forwarded-Proto": "https"})
    assert set_cookie(response)[routes.COOKIE]["secure"]


@pytest.mark.parametrize("username, password", [("li.fubao", "not the password"), ("nobody", PASSWORD),
                                                ("", ""), ("li.fubao", ""), ("li.fubao", "x" * 5000)])
def test_a_wrong_password_or_unknown_account_sets_no_cookie(database, username, password):
    response = post(client(), username, password)
    assert response.status_code == 303 and outcome(response) == "invalid"
    assert response.headers["location"].startswith("/cases?street=fubao&")
    assert routes.COOKIE not in set_cookie(response)


def test_five_failures_lock_the_account_even_against_the_right_password(database):
    http = client()
    outcomes = [outcome(post(http, password=f"wrong password {i}")) for i in range(5)]
    assert outcomes == ["invalid"] * 4 + ["locked"]
    response = post(http)
    assert outcome(response) == "locked" and routes.COOKIE not in set_cookie(response)
    assert list(audit.search(make_engine(database), action="account_locked")["target"]) == ["li.fubao"]


def test_a_disabled_account_is_told_so(database):
    users.disable_user(make_engine(database), "li.fubao", by="admin")
    response = post(client())
    assert outcome(response) == "disabled" and routes.COOKIE not in set_cookie(response)


@pytest.mark.parametrize("raw", ["https://elsewhere.example/x", "//elsewhere.example/", "/\\elsewhere.example",
                                 "javascript:alert(1)", "", "cases", "/\r\nSet-Cookie: x=1"])
def test_the_return_address_stays_on_this_site(database, raw):
    assert post(client(), next_=raw).headers["location"] == "/"
    assert routes.safe_next(raw) == "/"


def test_a_form_from_another_site_is_refused(database):
    response = post(client(), Origin="https://elsewhere.example")
    assert response.status_code == 403 and "another site" in response.text
    with make_engine(database).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM user_sessions")).scalar() == 0
    assert post(client(), Origin="http://dashboard.test").status_code == 303


def test_an_oversized_form_is_refused(database):
    response = client().post("/sign-in", content=b"username=" + b"a" * 20_000,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_a_get_goes_to_the_dashboard(database):
    response = client().get("/sign-in")
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_an_unreachable_database_is_a_message_not_an_error(database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/none")
    response = post(client())
    assert response.status_code == 303 and outcome(response) == "unavailable"


# --- /healthz --------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request, tmp_path_factory, monkeypatch) -> tuple:
    """An empty database at the newest migration, served as DATABASE_URL."""
    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_health")
    migrate.upgrade(engine)
    if request.param == "sqlite":
        url = engine.url.render_as_string(hide_password=False)
    else:
        url = f"{PG_URL}?options=-csearch_path%3Ddashboard_test_health"
    monkeypatch.setenv("DATABASE_URL", url)
    yield engine, url
    engine.dispose()


def test_healthz_is_ok_when_the_database_answers_at_the_newest_migration(migrated):
    response = client().get("/healthz")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["ok"] is True and body["database"] == "ok" and body["migrations"] == "ok"
    assert body["revision"] == body["head"] == sorted(migrate.head_revisions())


def test_healthz_fails_when_migrations_are_behind(migrated):
    engine, _ = migrated
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    response = client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "behind" and response.json()["revision"] == ["0006"]


def test_healthz_fails_on_a_revision_this_code_does_not_know(migrated):
    engine, _ = migrated
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    assert client().get("/healthz").json()["migrations"] == "unknown revision"


def test_healthz_fails_when_a_table_is_missing(migrated):
    engine, _ = migrated
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE user_sessions"))
    response = client().get("/healthz")
    assert response.status_code == 503 and response.json()["migrations"] == "tables missing"


def test_healthz_fails_when_the_database_is_down(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/none")
    response = client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"process": "ok", "ok": False, "database": "unreachable", "migrations": "unknown"}
    assert "secret" not in response.text and "127.0.0.1" not in response.text


def test_healthz_before_any_migration(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    body = client().get("/healthz").json()
    assert body["ok"] is False and body["migrations"] == "behind" and body["revision"] == []


# --- the served entry ----------------------------------------------------------------------------

def test_streamlit_run_finds_the_app_in_asgi_py():
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "asgi.py")
    assert found.is_asgi_app and found.import_string == "asgi:app"


@pytest.mark.parametrize("setting, message", [
    ({"DASHBOARD_SECRET_KEY": "short"}, "DASHBOARD_SECRET_KEY must have at least 32 characters"),
    ({"DASHBOARD_SESSION_HOURS": "forever"}, "DASHBOARD_SESSION_HOURS must be a number of hours"),
])
def test_a_bad_setting_stops_the_server_at_start_with_its_message(tmp_path, setting, message):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env.update(DASHBOARD_DATA_DIR=str(tmp_path), **setting)
    done = subprocess.run([sys.executable, "-c", "import asgi"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0 and message in done.stderr
