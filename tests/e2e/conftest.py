"""Real-browser fixtures: the app on a free port with a fresh sample database, and Debian's Chromium."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from bench import browser as bench_browser
from data_access import users
from data_access.engine import make_engine
from tests.harness import IN_CI, PASSWORD, mark_real, running_app, sample_database, watch_script_runs

CHROMIUM = Path(bench_browser.CHROMIUM)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"CI is set but {CHROMIUM} is missing; the browser tests must run in CI "
                        "(apt-get install chromium fonts-noto-cjk)")
        pytest.skip(f"{CHROMIUM} is missing; apt-get install chromium fonts-noto-cjk to run the browser tests")
    return str(CHROMIUM)


@pytest.fixture(scope="module")
def import_server(chromium_path, tmp_path_factory):
    """The sample marked as a bureau's own database (it takes imports) with one admin, wu.admin; (base URL, db URL)."""
    url = sample_database(tmp_path_factory.mktemp("import-db"))
    engine = make_engine(url)
    mark_real(engine)
    users.add_user(engine, "wu.admin", "admin", PASSWORD)
    engine.dispose()
    with running_app(url, tmp_path_factory.mktemp("import-log") / "server.log", demo=False) as base:
        yield base, url


@pytest.fixture(scope="session")
def sample_db_url(chromium_path, tmp_path_factory) -> str:
    return sample_database(tmp_path_factory.mktemp("e2e-db"))


@pytest.fixture(scope="session")
def app_url(sample_db_url, tmp_path_factory):
    with running_app(sample_db_url, tmp_path_factory.mktemp("e2e-log") / "server.log") as base:
        yield base


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=bench_browser.CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def external_requests() -> list[str]:
    """Every request to a host other than 127.0.0.1/localhost; they are all aborted."""
    return []


@pytest.fixture
def new_page(browser, external_requests):
    contexts = []

    def guard(route):
        if urlparse(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            external_requests.append(route.request.url)
            route.abort()

    def make():
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        watch_script_runs(context)
        context.route("**/*", guard)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page, app_url):
    return new_page()
