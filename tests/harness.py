"""What the test modules share besides fixtures: the one way to open the app under AppTest, the session and
database helpers around it, and the one way to start the app for the browser tests and to wait for it there.
Fixtures are in conftest.py (and e2e/conftest.py), so that no test module imports a fixture from another."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st
from playwright.sync_api import expect
from sqlalchemy import Engine, create_engine, text
from streamlit.testing.v1 import AppTest

from bench.browser import READY
from dashboard.text import plain
from data_access.engine import make_engine, normalise_url
from deploy import loopback

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]
TEST_SECRET_KEY = "a test key of thirty-two characters or more"
PASSWORD = "a long enough password"


# --- databases -------------------------------------------------------------------------------

def engine_for(backend: str, tmp_path_factory, name: str) -> Engine:
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

def mark_real(engine: Engine) -> None:
    """Make a sample database stand for a bureau's own: it then takes imports and runs no demo."""
    from data_access import schema

    info = schema.dataset_info
    with engine.begin() as conn:
        conn.execute(info.update().where(info.c.key == "synthetic").values(value="false"))


# --- the app under AppTest -------------------------------------------------------------------

def serve_sample(monkeypatch, url: str) -> None:
    """Point the app at a sample database as its bundled default (demo mode, no DATABASE_URL)."""
    path = Path(url.removeprefix("sqlite:///"))
    assert path.name == "dashboard.db", "the bundled database is always named dashboard.db"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(path.parent))


def app_test(*, state: dict | None = None, timeout: int = 60, **params: str) -> AppTest:
    """The app under AppTest with session ``state`` and URL ``params``, not yet run."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.query_params.update(params)
    return at


def open_app(view: str | None = None, *, state: dict | None = None, straight: bool = False, timeout: int = 60,
             **params: str) -> AppTest:
    """app_test run once, then switched to ``view`` (``straight``: opened on ``view`` without the first run of the
    default page). No page may raise."""
    at = app_test(state=state, timeout=timeout, **params)
    if not straight:
        at.run()
    if view:
        at.switch_page(view).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def cookie_of(url: str, user) -> str:
    """A signed cookie of a new session of ``user`` on the database at ``url``."""
    from data_access import config, sessions

    return sessions.open_session(make_engine(url), user, TEST_SECRET_KEY, config.session_lifetime())


def session_cookie(url: str, username: str = "li.fubao", role: str = "supervisor", street: str = "fubao") -> str:
    from data_access.users import User

    return cookie_of(url, User(username, role, street))


def browser_carries(monkeypatch, cookie: str | None) -> None:
    """Make AppTest's browser send ``cookie`` as its session cookie (None: no cookie)."""
    from dashboard import auth

    monkeypatch.setenv("DASHBOARD_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setattr(auth, "browser_cookie", lambda: cookie)


def sign_in_as(monkeypatch, url: str, user) -> None:
    """Make AppTest's browser carry a session cookie of ``user`` on the database at ``url``."""
    browser_carries(monkeypatch, cookie_of(url, user))


def start(monkeypatch, *, demo_url: str | None = None, database_url: str | None = None, cookie: str | None = None,
          **options) -> AppTest:
    """The app on the sample at ``demo_url`` (demo mode) or on ``database_url`` (sign-in), with a browser that
    carries ``cookie``; ``options`` as for open_app."""
    st.cache_data.clear()
    browser_carries(monkeypatch, cookie)
    if demo_url:
        serve_sample(monkeypatch, demo_url)
    else:
        monkeypatch.setenv("DATABASE_URL", database_url)
    return open_app(**options)


def text_of(at: AppTest) -> str:
    parts = []
    for kind in ("title", "markdown", "caption", "subheader", "warning", "error", "info"):
        parts += [plain(str(element.value)) for element in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def briefing_for(app, **params) -> str:
    """The briefing's HTML for the page that ``app`` (the fixture) opens with ``params``."""
    from dashboard import briefing, data, gaps

    at = app(**params)
    ctx = at.session_state["_view_context"]
    figures = data.key_figures(ctx.scope, ctx.filters, ctx.as_of)
    pressure = data.street_pressure(ctx.scope, ctx.filters, ctx.as_of)
    return briefing.build(ctx, figures, pressure, gaps.find_gaps(ctx, figures, pressure))


# --- untrusted text --------------------------------------------------------------------------

# Hostile text: links, an image, HTML, a formula, addresses and Streamlit directives.
PAYLOADS = (
    "[x](http://evil.invalid/a)",
    "![i](http://evil.invalid/p.png)",
    "http://evil.invalid/login",
    "<img src=x onerror=alert(1)>evil",
    '=HYPERLINK("http://evil.invalid","evil")',
    "www.evil.invalid",
    "evil@evil.invalid",
    ":material/warning: :red[evil] $evil$",
)


def problems(markdown: str) -> list[str]:
    """What in this Markdown source would render as a link, an image, markup or a Streamlit directive."""
    found = [payload for payload in PAYLOADS if payload in markdown]
    found += re.findall(r"https?://|www\.|\w@\w", markdown, flags=re.IGNORECASE)
    found += re.findall(r"(?<!\\)(?:!\[|\]\(|<[A-Za-z/]|:material/|:red\[|\$evil)", markdown)
    return found


# --- the app in a real browser ---------------------------------------------------------------

SCREENSHOTS = ROOT / "var" / "screenshots"
# Any element of the page's script: there is none before the first run has started.
ELEMENT = "[data-testid='stElementContainer']"
# Installed in every page before it loads (watch_script_runs): counts the script runs that end, read from the
# websocket (a ForwardMsg whose script_finished, field 6, says the run finished rather than stopped for a rerun).
# The page's own script state cannot tell: a quick run can start and end within one render.
COUNT_RUN_ENDS = """(() => {
    window.scriptRunEnds = 0;
    window.scriptDocument = Math.random();
    const ended = bytes => {
        let at = 0;
        const varint = () => {
            let value = 0, shift = 0, byte;
            do { byte = bytes[at++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
            return value;
        };
        while (at < bytes.length) {
            const key = varint(), field = Math.floor(key / 8), wire = key % 8;
            if (wire === 0) { const value = varint(); if (field === 6) return value !== 2; }
            else if (wire === 2) { const length = varint(); at += length; }
            else if (wire === 1) at += 8;
            else if (wire === 5) at += 4;
            else return false;
        }
        return false;
    };
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener("message", event => {
                if (event.data instanceof ArrayBuffer && ended(new Uint8Array(event.data))) window.scriptRunEnds += 1;
            });
        }
    };
})();"""


def sample_database(directory: Path) -> str:
    """The bundled sample database, built in ``directory``; the app serves it in demo mode."""
    from sample_data import build_database

    url = f"sqlite:///{directory / 'dashboard.db'}"
    engine = make_engine(url)
    build_database(engine)
    engine.dispose()
    return url


@contextmanager
def running_app(db_url: str, log_path: Path, demo: bool = True, settings: dict[str, str] | None = None):
    """The app on a free port (deploy.loopback.running_app); yields the base URL once /_stcore/health answers ok.

    With ``demo`` the database is served as the bundled sample (demo mode); without it, through
    DATABASE_URL, so viewers must sign in. ``settings`` adds environment variables (DASHBOARD_...).
    """
    env = ({"DASHBOARD_DATA_DIR": str(Path(db_url.removeprefix("sqlite:///")).parent)} if demo
           else {"DATABASE_URL": db_url})
    with loopback.running_app(log_path, {**env, **(settings or {})}) as app:
        yield f"http://{app.address}"


def wait_ready(page, timeout: int = 60_000) -> None:
    """Wait until the page shows something of its script and the script has stopped."""
    expect(page.locator(ELEMENT).first).to_be_attached(timeout=timeout)
    expect(page.locator(READY)).to_be_attached(timeout=timeout)


def open_page(page, url: str) -> None:
    page.goto(url)
    wait_ready(page)


def watch_script_runs(context) -> None:
    """Make every page of a browser context count its script runs, for script_run."""
    context.add_init_script(COUNT_RUN_ENDS)


@contextmanager
def script_run(page, timeout: int = 60_000):
    """Around an action (a click, a key) that reruns the script: on leaving, wait until that run has ended. The
    page's context must be watched (watch_script_runs)."""
    before = page.evaluate("[window.scriptDocument, window.scriptRunEnds]")
    yield
    # A link followed before the page handles its clicks loads a new document, which starts counting afresh.
    page.wait_for_function(f"""([loaded, ends]) => (window.scriptDocument === loaded ? window.scriptRunEnds > ends
                                                   : window.scriptRunEnds > 0)
                                                  && document.querySelector("{READY}") !== null""",
                           arg=before, timeout=timeout)


def assert_no_exception(page) -> None:
    errors = page.locator("[data-testid='stException']").all_inner_texts()
    assert errors == [], f"{page.url} shows an exception: {errors[0][:500]}"


def metric_of(page, label: str):
    """The value of the metric labelled ``label``, as a locator (for expect)."""
    metric = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=label))
    return metric.locator("[data-testid='stMetricValue']").first


def metric_value(page, label: str) -> str:
    return metric_of(page, label).inner_text().strip()
