"""The reference deployment for real: Debian's nginx, configured from deploy/nginx/dashboard.conf, terminates
TLS with a certificate from deploy/make-self-signed-cert in front of two app processes started with
deploy/systemd/dashboard@.service's command line, all on loopback ports of the test's own (the package's
default site on port 80 is neither used nor touched). Chromium checks the page, its websocket, the security
headers, the content-security policy, a download, the upload limit and a failover to the other process.

For more tests through the proxy: ``serving_through_nginx(work, db_url, demo=False)`` serves a database
through DATABASE_URL (viewers sign in) instead of the demo; ``proxy`` is the demo one, ``proxied_page`` a
browser context of its own that ignores the self-signed certificate and records content-security-policy
violations (``csp_violations``), and ``Proxy.upstreams_of`` tells which app process served a browser."""

from __future__ import annotations

import getpass
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data_access import schema
from data_access.engine import make_engine
from tests.e2e.conftest import ROOT, _free_port, _healthy, sample_database
from tests.e2e.test_browser import READY, SCREENSHOTS, assert_no_exception
from tests.test_importer import child, children_file, fake_id

pytestmark = pytest.mark.e2e

NGINX = Path("/usr/sbin/nginx")
DEPLOY = ROOT / "deploy"
UPLOAD_LIMIT_MB = 1
# Reported to window.__cspViolations by every page before its own scripts run.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@dataclass
class App:
    port: int
    process: subprocess.Popen

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class Proxy:
    base: str
    http_port: int
    apps: list[App]
    access_log: Path
    db_url: str

    def upstreams_of(self, route: str) -> list[str]:
        """The app processes nginx tried for requests that carried routing cookie ``route``."""
        found = []
        for line in self.access_log.read_text().splitlines():
            if f"route={route} " in line:
                tried = re.search(r"upstream=(.*?) route=", line).group(1)
                found += [address for address in re.split(r"[ ,:]+(?=\d+\.)", tried) if address != "-"]
        return found


def unit_command(port: int) -> list[str]:
    """ExecStart of deploy/systemd/dashboard@.service for ``port``, run from this checkout's interpreter."""
    unit = (DEPLOY / "systemd" / "dashboard@.service").read_text()
    [line] = [l for l in unit.splitlines() if l.startswith("ExecStart=")]
    command = shlex.split(line.removeprefix("ExecStart="))
    assert command[0] == "/opt/dashboard/.venv/bin/python", command
    return [sys.executable, *[str(port) if part == "%i" else part for part in command[1:]]]


def start_app(db_url: str, log: Path, demo: bool, port: int | None = None) -> App:
    """One app process; with ``demo`` the database is served as the bundled sample, without it through
    DATABASE_URL (viewers sign in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_") and k != "DATABASE_URL"}
    if demo:
        env["DASHBOARD_DATA_DIR"] = str(Path(db_url.removeprefix("sqlite:///")).parent)
    else:
        env["DATABASE_URL"] = db_url
    port = port or _free_port()
    process = subprocess.Popen(unit_command(port), cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return App(port, process)


def wait_healthy(app: App, log: Path) -> None:
    deadline = time.monotonic() + 90
    while not _healthy(f"http://{app.address}/_stcore/health"):
        if app.process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the app on {app.address} did not start:\n{log.read_text()}")
        time.sleep(0.5)


def render_site(apps: list[App], https_port: int, http_port: int, work: Path) -> str:
    """deploy/nginx/dashboard.conf with the test's ports, certificate, logs and a small upload limit;
    every replaced line must be found, so a change to the file cannot silently escape the test."""
    site = (DEPLOY / "nginx" / "dashboard.conf").read_text()
    replacements = [
        ("127.0.0.1:8501", apps[0].address),
        ("127.0.0.1:8502", apps[1].address),
        ("    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n"),
        ("    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n"),
        ("/etc/ssl/dashboard/", f"{work}/tls/"),
        ("/var/log/dashboard/", f"{work}/log/"),
        ("client_max_body_size 50m;", f"client_max_body_size {UPLOAD_LIMIT_MB}m;"),
    ]
    for old, new in replacements:
        assert old in site, f"deploy/nginx/dashboard.conf no longer holds {old!r}"
        site = site.replace(old, new)
    return site


def main_config(work: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives the site, with every path in ``work``."""
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {name}_temp_path {work}/tmp/{name};" for name in ("client_body", "proxy", "fastcgi",
                                                                              "uwsgi", "scgi"))
    return f"""{user}worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/log/main.error.log;
daemon off;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {work}/log/main.access.log;
{temp}
    include {site};
}}
"""


def wait_listening(port: int, nginx: subprocess.Popen, work: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if nginx.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"nginx did not start: {(work / 'nginx.out').read_text()}")
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serving_through_nginx(work: Path, db_url: str, demo: bool = True):
    """nginx with TLS in front of two app processes serving ``db_url``, all on free loopback ports."""
    if not NGINX.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI is set but {NGINX} is missing (apt-get install nginx)")
        pytest.skip(f"{NGINX} is missing; apt-get install nginx to run the proxy tests")
    for name in ("log", "tmp", "tls"):
        (work / name).mkdir()
    made = subprocess.run([str(DEPLOY / "make-self-signed-cert"), "127.0.0.1", str(work / "tls")],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    logs = [work / "log" / f"app{n}.log" for n in (1, 2)]
    apps = [start_app(db_url, log, demo) for log in logs]
    nginx = None
    try:
        for app, log in zip(apps, logs):
            wait_healthy(app, log)
        https_port, http_port = _free_port(), _free_port()
        site = work / "dashboard.conf"
        site.write_text(render_site(apps, https_port, http_port, work))
        (work / "nginx.conf").write_text(main_config(work, site))
        command = [str(NGINX), "-p", str(work), "-e", str(work / "log" / "main.error.log"), "-c", str(work / "nginx.conf")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        nginx = subprocess.Popen(command, stdout=(work / "nginx.out").open("w"), stderr=subprocess.STDOUT)
        wait_listening(https_port, nginx, work)
        yield Proxy(f"https://127.0.0.1:{https_port}", http_port, apps, work / "log" / "dashboard.access.log", db_url)
    finally:
        if nginx is not None:
            stop(nginx)
        for app in apps:
            stop(app.process)


@pytest.fixture(scope="module")
def proxy(chromium_path, tmp_path_factory):
    """The sample database in demo mode behind nginx."""
    db_url = sample_database(tmp_path_factory.mktemp("proxy-db"))
    with serving_through_nginx(tmp_path_factory.mktemp("proxy"), db_url) as served:
        yield served


def export_csv(page) -> bytes:
    with page.expect_download(timeout=90_000) as info:
        page.get_by_role("button", name="Export CSV").click()
    assert info.value.failure() is None, info.value.failure()
    return info.value.path().read_bytes()


@pytest.fixture
def proxied_page(browser, proxy):
    """A fresh browser context (own cookies) that accepts the self-signed certificate and records CSP violations."""
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1400, "height": 1000},
                                      locale="zh-CN", accept_downloads=True)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_messages_seen = []
    page.on("console", lambda message: page.console_messages_seen.append(message.text))
    yield page
    context.close()


def open_proxied(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_timeout(1500)
    page.wait_for_selector(READY, timeout=90_000)


def csp_violations(page) -> list[str]:
    recorded = page.evaluate("window.__cspViolations")
    console = [m for m in page.console_messages_seen if "Content Security Policy" in m]
    return recorded + console


def route_of(page) -> str:
    [cookie] = [c for c in page.context.cookies() if c["name"] == "dashboard_route"]
    return cookie["value"]


def test_pages_load_through_the_proxy_with_their_websocket_headers_and_policy(proxied_page, proxy):
    page = proxied_page
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    response = page.goto(f"{proxy.base}/?lang=en")
    headers = response.headers
    page.wait_for_selector(READY, timeout=90_000)
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert not re.search(r"https?://|\*", policy), "the policy names no origin but the server's own"
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert sockets and all(url.startswith(f"wss://127.0.0.1:{proxy.base.rsplit(':', 1)[1]}/") for url in sockets)
    for path in ("/?lang=en", "/map?lang=en", "/cases?lang=en", "/subsidies?lang=en", "/explore?lang=en",
                 "/data?lang=en", "/?lang=en&mode=meeting"):
        open_proxied(page, f"{proxy.base}{path}")
        assert_no_exception(page)
        assert csp_violations(page) == [], path
    cookie = next(c for c in page.context.cookies() if c["name"] == "dashboard_route")
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


def test_an_export_downloads_through_the_proxy(proxied_page, proxy):
    page = proxied_page
    open_proxied(page, f"{proxy.base}/cases?lang=en&period=2022Q2")
    data = export_csv(page)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\n") > 1
    assert any("GET /media/" in line and '" 200 ' in line for line in proxy.access_log.read_text().splitlines())


def children_count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(schema.children)).scalar()
    engine.dispose()
    return count


def choose_admin_on_the_data_page(page, proxy) -> None:
    open_proxied(page, f"{proxy.base}/data?lang=en")
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="View as").click()
    page.get_by_role("option", name="Administrator").click()
    page.wait_for_timeout(800)
    page.wait_for_selector(READY, timeout=90_000)


def test_an_upload_within_the_limit_is_checked_and_written_through_the_proxy(proxied_page, proxy, tmp_path):
    page = proxied_page
    good = tmp_path / "children.csv"
    good.write_bytes(children_file(child("FT93000001", 身份证号=fake_id("2013-03-04", "071"), 出生日期="2013-03-04")))
    before = children_count(proxy.db_url)
    choose_admin_on_the_data_page(page, proxy)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(good))
    page.get_by_role("button", name="Write to the database").click(timeout=90_000)
    page.get_by_text("Result", exact=True).wait_for(timeout=90_000)
    assert children_count(proxy.db_url) == before + 1
    assert_no_exception(page)


def test_an_upload_over_the_limit_is_refused_by_the_proxy(proxied_page, proxy, tmp_path):
    page = proxied_page
    big = tmp_path / "children.csv"
    big.write_bytes(b"x" * (UPLOAD_LIMIT_MB * 1024 * 1024 + 4096))
    before = children_count(proxy.db_url)
    choose_admin_on_the_data_page(page, proxy)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(big))
    deadline = time.monotonic() + 30
    while not any(" 413 " in line and "upload_file" in line for line in proxy.access_log.read_text().splitlines()):
        assert time.monotonic() < deadline, "nginx did not refuse the upload"
        time.sleep(0.5)
    page.wait_for_timeout(1500)
    uploader = page.locator("[data-testid='stFileUploader']")
    uploader.scroll_into_view_if_needed()
    assert "413" in uploader.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "proxy-upload-refused-en.png")
    assert children_count(proxy.db_url) == before
    assert page.get_by_role("button", name="Write to the database").count() == 0


def test_when_the_serving_process_dies_the_browser_carries_on_with_the_other(proxied_page, proxy, tmp_path):
    """Last in the module: it stops one of the app processes and starts it again, as a rolling restart does.
    The browser reconnects to the other process and stays there when the first one is back, so requests that
    need its session (here a file upload) still reach the process that holds it."""
    page = proxied_page
    choose_admin_on_the_data_page(page, proxy)
    url = page.url
    victim = next(app for app in proxy.apps if app.address == route_of(page))
    other = next(app for app in proxy.apps if app is not victim)
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(timeout=10)
    deadline = time.monotonic() + 90
    while route_of(page) != other.address:
        assert time.monotonic() < deadline, "the browser did not reach the other process"
        page.wait_for_timeout(1000)
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_timeout(1500)
    page.wait_for_selector(READY, timeout=90_000)
    assert page.url == url
    assert_no_exception(page)
    assert page.locator("[data-testid='stMetric']").first.is_visible()
    assert csp_violations(page) == []

    log = tmp_path / "restarted.log"
    revived = start_app(proxy.db_url, log, demo=True, port=victim.port)
    proxy.apps[proxy.apps.index(victim)] = revived
    wait_healthy(revived, log)
    page.wait_for_timeout(11_000)  # past the upstream's fail_timeout: nginx sends requests to it again
    good = tmp_path / "children.csv"
    good.write_bytes(children_file(child("FT93000002", 身份证号=fake_id("2013-03-04", "072"), 出生日期="2013-03-04")))
    before = children_count(proxy.db_url)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(good))
    page.get_by_role("button", name="Write to the database").click(timeout=90_000)
    page.get_by_text("Result", exact=True).wait_for(timeout=90_000)
    assert children_count(proxy.db_url) == before + 1
    assert route_of(page) == other.address
    assert_no_exception(page)
