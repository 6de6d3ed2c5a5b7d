"""Page renders in Chromium, the server's peak memory, and a load test on the case queue.

A render is timed from navigation until the page's main content is visible and the script has
stopped (`[data-testid='stApp'][data-test-script-state='notRunning']`). The floor is an empty page
(views/blank.py, served only under DASHBOARD_BENCH=1) behind the same sidebar, in the same run.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from catalogue.i18n import t
from deploy import loopback

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
TITLE = "[data-testid='stMain'] h1"
VEGA = "[data-testid='stVegaLiteChart'], .vega-embed"
TABLE = "[data-testid='stDataFrame']"
FLOOR = "empty page (floor)"
# name -> (path, what must be visible once the page has rendered)
PAGES = {
    FLOOR: ("/bench-empty", ["[data-testid='stMain'] [data-testid='stCaptionContainer']"]),
    "overview": ("/", [TITLE, "[data-testid='stMetric']"]),
    "map": ("/map", [TITLE, "[data-testid='stDeckGlJsonChart'] canvas", TABLE]),
    "cases": ("/cases", [TITLE, TABLE, VEGA]),
    "subsidies": ("/subsidies", [TITLE, "[data-testid='stMetric']", VEGA, TABLE]),
    "explore": ("/explore", [TITLE, TABLE]),
    "data": ("/data", [TITLE]),
}
QUERY = "?period=2022Q2&lang=zh"
TIMEOUT_MS = 180_000


@dataclass
class Server:
    base: str
    process: subprocess.Popen

    def peak_memory_mb(self) -> float | None:
        """The server process's peak resident memory (VmHWM), in MiB."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None


@contextmanager
def serve(data_dir: Path, log_path: Path):
    """The app serving ``data_dir``/dashboard.db as the bundled sample (demo mode), with the empty floor page."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with loopback.running_app(log_path, {"DASHBOARD_DATA_DIR": str(data_dir), "DASHBOARD_BENCH": "1"}) as app:
        yield Server(f"http://{app.address}", app.process)


def _local_only(route) -> None:
    if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def _visit(page, url: str, selectors: list[str]) -> float:
    """Milliseconds from navigation until the content is visible and the script has stopped."""
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    for selector in selectors:
        page.locator(selector).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.wait_for_selector(READY, timeout=TIMEOUT_MS)
    elapsed = (time.perf_counter() - started) * 1000
    errors = page.locator("[data-testid='stException']").all_inner_texts()
    if errors:
        raise RuntimeError(f"{url} shows an exception: {errors[0][:300]}")
    return elapsed


@dataclass
class Renders:
    first: dict[str, float] = field(default_factory=dict)
    revisit: dict[str, float] = field(default_factory=dict)
    peak_memory_mb: float | None = None


def render_times(data_dir: Path, log_path: Path, pages: list[str], repeat: int) -> Renders:
    """First visit (a new session, the server's caches cold for that page) and the median re-visit."""
    from playwright.sync_api import sync_playwright

    renders = Renders()
    with serve(data_dir, log_path) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # One visit to start the server's first session and load the app's modules; not counted.
            warm = browser.new_context()
            warm.route("**/*", _local_only)
            path, selectors = PAGES[FLOOR]
            _visit(warm.new_page(), server.base + path + QUERY, selectors)
            warm.close()
            for name in [FLOOR, *(p for p in pages if p != FLOOR)]:
                path, selectors = PAGES[name]
                context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
                context.route("**/*", _local_only)
                page = context.new_page()
                url = server.base + path + QUERY
                renders.first[name] = _visit(page, url, selectors)
                renders.revisit[name] = statistics.median(_visit(page, url, selectors) for _ in range(repeat))
                context.close()
        finally:
            browser.close()
        renders.peak_memory_mb = server.peak_memory_mb()
    return renders


# --- load test --------------------------------------------------------------------------------------

CASE_NO, TIMELINE, EXPORT_CSV = (t(key, "en") for key in ("col.case_no", "cases.timeline", "export.csv"))
CELLS = [(risk, due) for due in ("overdue", "due_24h", "on_time") for risk in ("critical", "high", "medium", "low")]


@dataclass
class Load:
    sessions: int
    steps: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    peak_memory_mb: float | None = None

    def percentile(self, q: float) -> float | None:
        times = sorted(ms for _, ms in self.steps)
        if not times:
            return None
        return times[min(len(times) - 1, int(round(q * (len(times) - 1))))]


async def _ready(page) -> None:
    await page.wait_for_selector(READY, timeout=TIMEOUT_MS)
    errors = await page.locator("[data-testid='stException']").all_inner_texts()
    if errors:
        raise RuntimeError(f"{page.url} shows an exception: {errors[0][:300]}")


async def _case_session(browser, base: str, index: int, rounds: int, load: Load) -> None:
    """Open the queue, then per round: click a needs-action cell, open the first case, export CSV."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)

    async def guard(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", guard)
    page = await context.new_page()

    async def step(name, action):
        started = time.perf_counter()
        try:
            await action()
            load.steps.append((name, (time.perf_counter() - started) * 1000))
            # Untimed: let a follow-up run (the URL being written back) finish before the next step.
            await page.wait_for_timeout(500)
            await _ready(page)
        except Exception as error:  # every failure counts; the other sessions go on
            load.errors.append(f"session {index} {name}: {str(error).splitlines()[0][:200]}")
            raise

    async def open_queue():
        await page.goto(f"{base}/cases?period=2022Q2&lang=en", wait_until="commit")
        await page.locator(TABLE).first.wait_for(state="visible", timeout=TIMEOUT_MS)
        await _ready(page)

    try:
        await step("open", open_queue)
        for round_ in range(rounds):
            for risk, due in _rotate(CELLS, index + round_ * 5):
                text = (await page.locator(f".st-key-cell-{risk}-{due} button").first.inner_text()).replace(",", "")
                if text.strip().isdigit() and int(text) > round_ % 10:  # enough cases for this round's row
                    break

            async def filter_queue(risk=risk, due=due):
                await page.locator(f".st-key-cell-{risk}-{due} button").first.click()
                await page.wait_for_url(lambda url: f"risk={risk}" in url and f"due={due}" in url, timeout=TIMEOUT_MS)
                await _ready(page)

            async def open_case():
                grid = page.locator(TABLE).first
                await grid.scroll_into_view_if_needed()
                headers = grid.locator("[role='columnheader']")
                await headers.first.wait_for(state="attached", timeout=TIMEOUT_MS)
                column = await headers.nth((await headers.all_inner_texts()).index(CASE_NO)).get_attribute(
                    "aria-colindex")
                box = await grid.locator("[data-testid='data-grid-canvas']").bounding_box()
                # Row n in round n: the grid keeps its selected row across filters, and a click on
                # that same row would clear the selection instead of opening a case.
                row = round_ % 10
                case_no = await grid.locator(f"[role='gridcell'][aria-colindex='{column}']").nth(row).inner_text()
                await page.mouse.click(box["x"] + 15, box["y"] + 35 + 17 + 35 * row)
                await page.wait_for_url(lambda url: f"case={case_no.strip()}" in url, timeout=TIMEOUT_MS)
                await page.get_by_text(TIMELINE, exact=True).wait_for(state="visible", timeout=TIMEOUT_MS)
                await _ready(page)

            async def export():
                async with page.expect_download(timeout=TIMEOUT_MS) as info:
                    await page.get_by_role("button", name=EXPORT_CSV).click()
                download = await info.value
                if not (await download.path()).stat().st_size:
                    raise RuntimeError("empty export")
                await _ready(page)

            await step("filter", filter_queue)
            await step("case", open_case)
            await step("export", export)
    except Exception:
        pass
    finally:
        await context.close()


def _rotate(items: list, start: int) -> list:
    start %= len(items)
    return items[start:] + items[:start]


def load_test(data_dir: Path, log_path: Path, sessions: int, rounds: int) -> Load:
    """``sessions`` simultaneous sessions (one Chromium, one context each) working the case queue."""
    from playwright.async_api import async_playwright

    load = Load(sessions)

    async def run(base: str) -> None:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                # A server in service is warm: one visit loads the modules and caches first, not counted.
                await _case_session(browser, base, 0, 0, Load(1))
                await asyncio.gather(*(_case_session(browser, base, i, rounds, load) for i in range(sessions)))
            finally:
                await browser.close()

    with serve(data_dir, log_path) as server:
        asyncio.run(run(server.base))
        load.peak_memory_mb = server.peak_memory_mb()
    return load


# --- through nginx ------------------------------------------------------------------------------------

# Thirty browsers drawing the queue at once on two shared cores take minutes; a page is given up after this.
PROXY_TIMEOUT_MS = 600_000

@dataclass
class ProcessUse:
    cpu_seconds: float
    rss_mb: float
    peak_mb: float


@dataclass
class ProxyRound:
    processes: int
    sessions: int
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    machine_busy_seconds: float = 0.0
    use: list[ProcessUse] = field(default_factory=list)

    def percentile(self, q: float) -> float | None:
        return Load(self.sessions, [("open", ms) for ms in self.times]).percentile(q)


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    """CPU time all cores of the machine have spent on anything but idling, so far."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _memory_mb(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM), in MiB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


async def _open_queue_once(browser, base: str, times: list[float], errors: list[str], index: int,
                           timeout_ms: float = TIMEOUT_MS) -> None:
    """A new browser (context) opens the case queue; the time until the page has finished."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, ignore_https_errors=True)
    page = await context.new_page()
    started = time.perf_counter()
    try:
        await page.goto(f"{base}/cases?period=2022Q2&lang=en", wait_until="commit", timeout=timeout_ms)
        await page.locator(TABLE).first.wait_for(state="visible", timeout=timeout_ms)
        await page.wait_for_selector(READY, timeout=timeout_ms)
        await _ready(page)
        times.append((time.perf_counter() - started) * 1000)
    except Exception as error:  # every failure counts; the other sessions go on
        errors.append(f"session {index}: {str(error).splitlines()[0][:200]}")
    finally:
        await context.close()


def proxy_load(db_url: str, work: Path, processes: int, session_counts: list[int]) -> list[ProxyRound]:
    """The reference deployment (nginx with TLS, ``processes`` app processes) serving ``db_url``; for each count,
    that many browsers open the case queue at the same moment. Each process is visited once directly first (a
    server in service is warm), and its CPU time and memory are read around each round."""
    from playwright.async_api import async_playwright

    rounds = []

    async def run(proxy) -> None:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                await asyncio.gather(*(_open_queue_once(browser, f"http://{app.address}", [], [], 0)
                                       for app in proxy.apps))
                for sessions in session_counts:
                    found = ProxyRound(processes, sessions)
                    pids = [app.process.pid for app in proxy.apps]
                    cpu = [_cpu_seconds(pid) for pid in pids]
                    busy, started = _machine_busy_seconds(), time.perf_counter()
                    await asyncio.gather(*(_open_queue_once(browser, proxy.base, found.times, found.errors, i,
                                                            PROXY_TIMEOUT_MS) for i in range(sessions)))
                    found.wall_seconds = time.perf_counter() - started
                    found.machine_busy_seconds = _machine_busy_seconds() - busy
                    for pid, before in zip(pids, cpu):
                        rss, peak = _memory_mb(pid)
                        found.use.append(ProcessUse(_cpu_seconds(pid) - before, rss, peak))
                    rounds.append(found)
            finally:
                await browser.close()

    with loopback.serving(work, db_url, processes, {"DASHBOARD_DATA_DIR": str(work / "data")}) as proxy:
        asyncio.run(run(proxy))
    return rounds
