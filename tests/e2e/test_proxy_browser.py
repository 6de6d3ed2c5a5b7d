"""The reference deployment for real (deploy.loopback): Debian's nginx, configured from deploy/nginx/dashboard.conf,
terminates TLS in front of two app processes started with deploy/systemd/dashboard@.service's command line and the
settings of deploy/dashboard.env.example. They serve a database marked real with real accounts, so viewers sign in
through the sign-in form, through nginx. Chromium checks the page, its websocket, the security headers, the
content-security policy, the sign-in cookie and how long it lasts, a download, the upload limit and a failover to
the other process; /healthz is checked through the proxy, also with its database stopped."""

from __future__ import annotations

import hashlib
import json
import re
import signal
import ssl
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.client import HTTPConnection
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url

from data_access import config, migrate, schema, sessions, users
from data_access.engine import make_engine, normalise_url
from deploy import loopback
from tests.files import child, children_file, fake_id
from tests.harness import (IN_CI, PASSWORD, PG_URL, SCREENSHOTS, TEST_SECRET_KEY, assert_no_exception, mark_real,
                           sample_database, script_run, wait_ready, watch_script_runs)

pytestmark = pytest.mark.e2e

UPLOAD_LIMIT_MB = 1
ADMIN, SUPERVISOR, DISABLED = "wang.admin", "li.fubao", "zhao.fubao"
FORM = "form[action='/sign-in']"
COOKIE = "dashboard_session"
SIGNED_IN = "[data-testid='stSidebar'] button:has-text('Sign out')"
# Reported to window.__cspViolations by every page before its own scripts run.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def example_settings() -> dict[str, str]:
    """The settings of deploy/dashboard.env.example that are not secrets or the database's address."""
    lines = (loopback.DEPLOY / "dashboard.env.example").read_text().splitlines()
    pairs = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert "FORWARDED_ALLOW_IPS" in pairs, "the app processes must be told to trust the proxy"
    return {k: v for k, v in pairs.items() if k not in ("DATABASE_URL", "DASHBOARD_SECRET_KEY")}


@contextmanager
def served(work: Path, db_url: str, processes: int = 2):
    """The deployment serving ``db_url`` with every process sharing one signing key and data directory."""
    settings = {**example_settings(), "DASHBOARD_SECRET_KEY": TEST_SECRET_KEY, "DASHBOARD_DATA_DIR": str(work / "data")}
    try:
        with loopback.serving(work, db_url, processes, settings, upload_limit_mb=UPLOAD_LIMIT_MB) as proxy:
            yield proxy
    except FileNotFoundError as missing:
        if IN_CI:
            pytest.fail(f"CI is set but {missing}")
        pytest.skip(f"{missing}; needed to run the proxy tests")
    except loopback.ServingError as failure:
        pytest.fail(str(failure))


@pytest.fixture(scope="module")
def proxy(chromium_path, tmp_path_factory):
    """The sample database, marked real, with an admin and two supervisors, behind nginx."""
    url = sample_database(tmp_path_factory.mktemp("proxy-db"))
    engine = make_engine(url)
    mark_real(engine)
    users.add_user(engine, ADMIN, "admin", PASSWORD)
    users.add_user(engine, SUPERVISOR, "supervisor", PASSWORD, "fubao")
    users.add_user(engine, DISABLED, "supervisor", PASSWORD, "fubao")
    engine.dispose()
    with served(tmp_path_factory.mktemp("proxy"), url) as serving:
        yield serving


@pytest.fixture
def proxied_page(browser, proxy):
    """A fresh browser context (own cookies) that accepts the self-signed certificate and records CSP violations."""
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1400, "height": 1000},
                                  locale="zh-CN", accept_downloads=True)
    watch_script_runs(context)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_messages_seen = []
    page.on("console", lambda message: page.console_messages_seen.append(message.text))
    yield page
    context.close()


def open_proxied(page, url: str) -> None:
    page.goto(url)
    wait_ready(page, timeout=90_000)


def sign_in(page, url: str, username: str) -> None:
    """Open ``url``, where the sign-in screen shows, and sign in through its form (posted through nginx)."""
    open_proxied(page, url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(SIGNED_IN, timeout=90_000)
    wait_ready(page, timeout=90_000)


def expect_sign_in(page) -> None:
    """The sign-in form, and no signed-in sidebar."""
    expect(page.locator(FORM)).to_have_count(1)
    expect(page.locator(SIGNED_IN)).to_have_count(0)


def expect_no_sign_in(page, message: str | None = None) -> None:
    expect(page.locator(FORM), message).to_have_count(0)


def csp_violations(page) -> list[str]:
    recorded = page.evaluate("window.__cspViolations")
    console = [m for m in page.console_messages_seen if "Content Security Policy" in m]
    return recorded + console


def cookie_of(page, name: str) -> dict:
    [cookie] = [c for c in page.context.cookies() if c["name"] == name]
    return cookie


def route_of(page) -> str:
    return cookie_of(page, "dashboard_route")["value"]


def export_csv(page) -> bytes:
    with page.expect_download(timeout=90_000) as info:
        page.get_by_role("button", name="Export CSV").click()
    assert info.value.failure() is None, info.value.failure()
    return info.value.path().read_bytes()


def get(url: str) -> tuple[int, dict]:
    """A GET through the proxy (its certificate is self-signed); the status and the JSON answer."""
    unverified = ssl._create_unverified_context()
    try:
        with urllib.request.urlopen(url, timeout=30, context=unverified) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_pages_load_through_the_proxy_with_their_websocket_headers_and_policy(proxied_page, proxy):
    page = proxied_page
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    response = page.goto(f"{proxy.base}/?lang=en")
    headers = response.headers
    wait_ready(page, timeout=90_000)
    page.locator(FORM).wait_for(timeout=60_000)  # the first script run draws the form after the page loads
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert not re.search(r"https?://|\*", policy), "the policy names no origin but the server's own"
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    expect_sign_in(page)
    assert csp_violations(page) == []
    sign_in(page, f"{proxy.base}/?lang=en", ADMIN)
    assert sockets and all(url.startswith(f"wss://127.0.0.1:{proxy.base.rsplit(':', 1)[1]}/") for url in sockets)
    for path in ("/?lang=en", "/map?lang=en", "/cases?lang=en", "/subsidies?lang=en", "/explore?lang=en",
                 "/data?lang=en", "/?lang=en&mode=meeting"):
        open_proxied(page, f"{proxy.base}{path}")
        assert_no_exception(page)
        expect_no_sign_in(page, path)
        assert csp_violations(page) == [], path
    cookie = cookie_of(page, "dashboard_route")
    assert cookie["secure"] and cookie["httpOnly"]
    route = route_of(page)
    assert route in {app.address for app in proxy.apps}
    assert set(proxy.upstreams_of(route)) == {route}, "a browser's requests all reach the process its cookie names"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    open_proxied(page, f"{proxy.base}/?lang=en")
    page.screenshot(path=SCREENSHOTS / "proxy-overview-en.png")


def test_plain_http_is_sent_to_https(proxy):
    connection = HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    connection.request("GET", "/cases?lang=en")
    response = connection.getresponse()
    assert response.status == 301 and response.getheader("Location").startswith("https://")


def test_a_sign_in_through_the_proxy_lasts_through_a_reload_and_a_new_tab_and_exports(proxied_page, proxy):
    page = proxied_page
    sign_in(page, f"{proxy.base}/cases?lang=en&street=fubao&period=2022Q2", SUPERVISOR)
    assert page.url.startswith(f"{proxy.base}/cases?lang=en&street=fubao")
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=90_000)
    # nginx terminates TLS and says so in X-Forwarded-Proto, which the app believes from the proxy's address.
    cookie = cookie_of(page, COOKIE)
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert COOKIE not in page.evaluate("document.cookie")

    page.reload()
    wait_ready(page, timeout=90_000)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=90_000)
    expect_no_sign_in(page)

    tab = page.context.new_page()
    open_proxied(tab, f"{proxy.base}/subsidies?lang=en")
    tab.wait_for_selector("[data-testid='stMetric']", timeout=90_000)
    expect_no_sign_in(tab)
    assert_no_exception(tab)

    data = export_csv(page)
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\n") > 1
    assert any("GET /media/" in line and '" 200 ' in line for line in proxy.access_log.read_text().splitlines())
    assert csp_violations(page) == []


def test_signing_out_in_one_tab_ends_the_other(proxied_page, proxy):
    first = proxied_page
    sign_in(first, f"{proxy.base}/?lang=en", SUPERVISOR)
    second = first.context.new_page()
    open_proxied(second, f"{proxy.base}/subsidies?lang=en")
    second.wait_for_selector("[data-testid='stMetric']", timeout=90_000)

    first.get_by_role("button", name="Sign out").click()
    first.wait_for_selector(FORM, timeout=90_000)
    second.locator("[data-testid='stSidebarNavLink']", has_text="Overview").click()
    second.wait_for_selector(FORM, timeout=90_000)
    assert second.locator("[data-testid='stMetric']").count() == 0
    second.reload()
    wait_ready(second, timeout=90_000)
    expect_sign_in(second)
    assert_no_exception(second)


def session_row(cookie: str):
    """The user_sessions row of a cookie value, found as the app finds it: by its token's hash."""
    token = sessions.token_of(cookie, TEST_SECRET_KEY, config.session_lifetime())
    return schema.user_sessions.c.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_an_expired_a_tampered_and_a_revoked_cookie_get_the_sign_in_screen(proxied_page, proxy):
    page = proxied_page
    engine = make_engine(proxy.db_url)
    sign_in(page, f"{proxy.base}/?lang=en", SUPERVISOR)
    cookie = cookie_of(page, COOKIE)

    token, stamp, signature = cookie["value"].split(".")
    page.context.add_cookies([{**cookie, "value": f"{token[:-2]}xx.{stamp}.{signature}"}])
    open_proxied(page, f"{proxy.base}/?lang=en")
    expect_sign_in(page)
    assert page.locator("[data-testid='stAlert']").count() == 0
    page.context.add_cookies([cookie])
    open_proxied(page, f"{proxy.base}/?lang=en")
    expect_no_sign_in(page, "the real cookie still signs in")

    with engine.begin() as conn:
        conn.execute(update(schema.user_sessions).where(session_row(cookie["value"]))
                     .values(expires_at=datetime.now() - timedelta(minutes=1)))
    open_proxied(page, f"{proxy.base}/?lang=en")
    expect_sign_in(page)
    assert page.get_by_text("Your sign-in ended after").count() == 1

    sign_in(page, f"{proxy.base}/?lang=en", DISABLED)
    users.disable_user(engine, DISABLED, by=ADMIN)
    open_proxied(page, f"{proxy.base}/?lang=en")
    expect_sign_in(page)
    assert_no_exception(page)
    engine.dispose()


def children_count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(schema.children)).scalar()
    engine.dispose()
    return count


def upload_and_write(page, path: Path) -> None:
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    page.get_by_role("button", name="Write to the database").click(timeout=90_000)
    page.get_by_text("Result", exact=True).wait_for(timeout=90_000)


def test_an_upload_within_the_limit_is_checked_and_written_through_the_proxy(proxied_page, proxy, tmp_path):
    page = proxied_page
    good = tmp_path / "children.csv"
    good.write_bytes(children_file(child("FT93000001", 身份证号=fake_id("2013-03-04", "071"), 出生日期="2013-03-04")))
    before = children_count(proxy.db_url)
    sign_in(page, f"{proxy.base}/data?lang=en", ADMIN)
    upload_and_write(page, good)
    assert children_count(proxy.db_url) == before + 1
    assert_no_exception(page)


def test_an_upload_over_the_limit_is_refused_by_the_proxy(proxied_page, proxy, tmp_path):
    page = proxied_page
    big = tmp_path / "children.csv"
    big.write_bytes(b"x" * (UPLOAD_LIMIT_MB * 1024 * 1024 + 4096))
    before = children_count(proxy.db_url)
    sign_in(page, f"{proxy.base}/data?lang=en", ADMIN)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(big))
    deadline = time.monotonic() + 30
    while not any(" 413 " in line and "upload_file" in line for line in proxy.access_log.read_text().splitlines()):
        assert time.monotonic() < deadline, "nginx did not refuse the upload"
        time.sleep(0.5)  # the access log is a file: nothing to wait on but reading it again
    uploader = page.locator("[data-testid='stFileUploader']")
    uploader.scroll_into_view_if_needed()
    expect(uploader).to_contain_text("413")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "proxy-upload-refused-en.png")
    assert children_count(proxy.db_url) == before
    assert page.get_by_role("button", name="Write to the database").count() == 0


def test_healthz_answers_through_the_proxy(proxy):
    status, report = get(f"{proxy.base}/healthz")
    assert status == 200 and report["ok"] and report["database"] == "ok" and report["migrations"] == "ok"


@pytest.fixture
def postgres_database():
    """A PostgreSQL database of its own (beside TEST_DATABASE_URL's), migrated, which a test may stop accepting
    connections; dropped afterwards."""
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but TEST_DATABASE_URL is not set")
        pytest.skip("set TEST_DATABASE_URL=postgresql+psycopg://... to run the PostgreSQL tests")
    base = make_url(normalise_url(PG_URL))
    name = f"{base.database}_proxy_health"
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url, name, admin
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_healthz_through_the_proxy_reports_a_stopped_database_and_its_return(postgres_database, tmp_path):
    url, name, admin = postgres_database
    with served(tmp_path, url, processes=1) as serving:
        assert get(f"{serving.base}/healthz") == (200, {"process": "ok", "ok": True, "database": "ok",
                                                        "revision": sorted(migrate.head_revisions()),
                                                        "head": sorted(migrate.head_revisions()),
                                                        "migrations": "ok"})
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                         {"name": name})
        status, report = get(f"{serving.base}/healthz")
        assert (status, report["ok"], report["database"]) == (503, False, "unreachable")
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        status, report = get(f"{serving.base}/healthz")
        assert (status, report["ok"], report["database"], report["migrations"]) == (200, True, "ok", "ok")


def test_when_the_serving_process_dies_the_viewer_carries_on_signed_in_with_the_other(proxied_page, proxy, tmp_path):
    """Last in the module: it kills the process holding the viewer's session and starts it again, as a crash
    and systemd's restart do. The browser reconnects to the other process on the same URL, still signed in, and
    stays there when the first one is back, so requests that need its session (an export, a file upload) still
    reach the process that holds it."""
    page = proxied_page
    sign_in(page, f"{proxy.base}/cases?lang=en&period=2022Q2", ADMIN)
    url = page.url
    victim = next(app for app in proxy.apps if app.address == route_of(page))
    other = next(app for app in proxy.apps if app is not victim)
    with script_run(page, timeout=90_000):  # the page runs again once it has reconnected
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(timeout=10)
        deadline = time.monotonic() + 90
        while route_of(page) != other.address:
            assert time.monotonic() < deadline, "the browser did not reach the other process"
            page.wait_for_timeout(1000)  # the routing cookie changes with no sign on the page
    assert page.url == url
    assert_no_exception(page)
    expect_no_sign_in(page)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=90_000)
    assert csp_violations(page) == []
    # The page ran again on the other process, so its export buttons name files that process can build.
    assert export_csv(page).startswith(b"\xef\xbb\xbf")

    proxy.restart(victim)
    page.wait_for_timeout(11_000)  # past the upstream's fail_timeout: nginx sends requests to it again
    # The same session: the page ran again on the other process as the viewer left it, in English.
    with script_run(page, timeout=90_000):
        page.locator("a[data-testid='stSidebarNavLink'][href*='/data']").click()
    good = tmp_path / "children.csv"
    good.write_bytes(children_file(child("FT93000002", 身份证号=fake_id("2013-03-04", "072"), 出生日期="2013-03-04")))
    before = children_count(proxy.db_url)
    upload_and_write(page, good)
    assert children_count(proxy.db_url) == before + 1
    assert route_of(page) == other.address
    assert_no_exception(page)
