"""The server under load, measured without a browser: a client that speaks Streamlit's websocket protocol.

Each simulated viewer signs in through the real form (POST /sign-in, which sets the ``dashboard_session``
cookie), opens ``/_stcore/stream`` with that cookie and asks for a page with a ``BackMsg.rerun_script``,
as the browser does. A page is timed from sending that request until its ``script_finished`` (a run cut
short by ``st.rerun`` is followed to the run that finishes), counting the bytes of every ``ForwardMsg``
received. N viewers ask at the same moment; the app processes' CPU time (/proc/<pid>/stat) is read
around each round and divided by N. Warm: the page was drawn once before, so every data call is a
cache hit. Cold: every process's caches were cleared (``BackMsg.clear_cache``) just before.

The app runs as the reference deployment (deploy/loopback.py: nginx with TLS in front of one or two
processes started with the systemd unit's command line), on a copy of the bench's SQLite sample with
one account added, so that nothing is in demo mode.
"""

from __future__ import annotations

import asyncio
import sqlite3
import ssl
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.browser import _cpu_seconds, _memory_mb
from data_access import users
from data_access.engine import make_engine
from deploy import loopback

USERNAME = "bench.leader"
PASSWORD = "bench-password-0"
SECRET_KEY = "bench-" + "k" * 40
QUERY = "period=2022Q2&lang=en"
# name -> url path (Streamlit's page name)
PAGES = {"overview": "", "map": "map", "cases": "cases", "subsidies": "subsidies", "explore": "explore",
         "data": "data"}
TIMEOUT_S = 300
EARLY = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
SUCCESS = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")


class LoadError(RuntimeError):
    """A page did not finish as a signed-in viewer sees it."""


@dataclass
class Opened:
    ms: float
    received_bytes: int


@dataclass
class Round:
    processes: int
    page: str
    sessions: int
    warm: bool
    times: list[float] = field(default_factory=list)
    received: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)  # per app process, over the round
    rss_mb: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float | None:
        """The q-quantile of the times (nearest rank), None before any."""
        if not self.times:
            return None
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    @property
    def cpu_ms_per_open(self) -> float:
        return 1000 * sum(self.cpu_seconds) / max(1, self.sessions)


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the loopback deployment's self-signed certificate
    return context


async def sign_in(client: httpx.AsyncClient, base: str, path: str) -> dict[str, str]:
    """The cookies a browser holds after posting the sign-in form on ``path``."""
    response = await client.post(f"{base}/sign-in", data={"username": USERNAME, "password": PASSWORD, "next": path})
    cookies = {name: morsel.value for header in response.headers.get_list("set-cookie")
               for name, morsel in SimpleCookie(header).items()}
    if response.status_code != 303 or "dashboard_session" not in cookies:
        raise LoadError(f"sign-in answered {response.status_code} {response.headers.get('location')!r}")
    return cookies


class Viewer:
    """One browser tab's websocket session."""

    def __init__(self, base: str, cookies: dict[str, str]):
        self.base = base
        self.cookies = cookies
        self.socket = None

    async def connect(self) -> None:
        scheme, rest = self.base.split("://", 1)
        url = f"{'wss' if scheme == 'https' else 'ws'}://{rest}/_stcore/stream"
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.socket = await websockets.connect(
            url, subprotocols=["streamlit"], additional_headers={"Cookie": cookie},
            ssl=_tls() if scheme == "https" else None, max_size=None, open_timeout=TIMEOUT_S)

    async def open(self, page: str) -> Opened:
        """Ask for ``page`` and wait for the run that finishes; raises LoadError for an exception on the page or
        the sign-in form in its place."""
        path = PAGES[page]
        state = ClientState(query_string=QUERY, page_name=path,
                            context_info=ContextInfo(url=f"{self.base}/{path}?{QUERY}", timezone="Asia/Shanghai",
                                                     locale="en-US"))
        started = time.perf_counter()
        await self.socket.send(BackMsg(rerun_script=state).SerializeToString())
        received = 0
        while True:
            raw = await asyncio.wait_for(self.socket.recv(), TIMEOUT_S)
            received += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if element.WhichOneof("type") == "exception":
                    raise LoadError(f"{page}: {element.exception.type}: {element.exception.message[:200]}")
                if element.WhichOneof("type") == "html" and 'class="signin"' in element.html.body:
                    raise LoadError(f"{page}: the sign-in form, not the page")
            elif kind == "page_not_found":
                raise LoadError(f"{page}: page not found")
            elif kind == "script_finished" and msg.script_finished != EARLY:
                if msg.script_finished != SUCCESS:
                    raise LoadError(f"{page}: script finished with status {msg.script_finished}")
                return Opened((time.perf_counter() - started) * 1000, received)

    async def clear_caches(self) -> None:
        """Every cache of the process this session is on (Streamlit's "Clear cache")."""
        await self.socket.send(BackMsg(clear_cache=True).SerializeToString())

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


async def viewers(base: str, count: int, page: str) -> list[Viewer]:
    """``count`` signed-in sessions, connected and waiting (not timed)."""
    async with httpx.AsyncClient(verify=False, timeout=TIMEOUT_S) as client:
        jars = [await sign_in(client, base, "/" + PAGES[page]) for _ in range(count)]
    found = [Viewer(base, jar) for jar in jars]
    await asyncio.gather(*(v.connect() for v in found))
    return found


async def clear_every_process(apps: list[loopback.App]) -> None:
    for app in apps:
        [viewer] = await viewers(f"http://{app.address}", 1, "overview")
        await viewer.clear_caches()
        await asyncio.sleep(0.2)  # the message is handled on the server's event loop, after the send returns
        await viewer.close()


async def warm_every_process(apps: list[loopback.App], page: str) -> None:
    for app in apps:
        [viewer] = await viewers(f"http://{app.address}", 1, page)
        try:
            await viewer.open(page)
        finally:
            await viewer.close()


async def one_round(proxy: loopback.Proxy, page: str, sessions: int, warm: bool) -> Round:
    found = Round(len(proxy.apps), page, sessions, warm)
    if warm:
        await warm_every_process(proxy.apps, page)
    waiting = await viewers(proxy.base, sessions, page)
    try:
        if not warm:
            await clear_every_process(proxy.apps)
        pids = [app.process.pid for app in proxy.apps]
        cpu = [_cpu_seconds(pid) for pid in pids]
        results = await asyncio.gather(*(v.open(page) for v in waiting), return_exceptions=True)
        found.cpu_seconds = [_cpu_seconds(pid) - before for pid, before in zip(pids, cpu)]
        for pid in pids:
            rss, peak = _memory_mb(pid)
            found.rss_mb.append(rss)
            found.peak_mb.append(peak)
    finally:
        await asyncio.gather(*(v.close() for v in waiting), return_exceptions=True)
    for index, result in enumerate(results):
        if isinstance(result, Opened):
            found.times.append(result.ms)
            found.received.append(result.received_bytes)
        else:
            found.errors.append(f"session {index}: {str(result).splitlines()[0][:200] if str(result) else repr(result)}")
    return found


async def warm_cpu(app: loopback.App, page: str, repeat: int) -> tuple[float, float, int]:
    """One viewer re-running ``page`` ``repeat`` times with warm caches: median server CPU ms per run, median
    wall ms, bytes of the last run."""
    [viewer] = await viewers(f"http://{app.address}", 1, page)
    cpu, wall, received = [], [], 0
    try:
        await viewer.open(page)
        for _ in range(repeat):
            before = _cpu_seconds(app.process.pid)
            opened = await viewer.open(page)
            cpu.append((_cpu_seconds(app.process.pid) - before) * 1000)
            wall.append(opened.ms)
            received = opened.received_bytes
    finally:
        await viewer.close()
    return statistics.median(cpu), statistics.median(wall), received


def prepare(source_db: Path, work: Path) -> str:
    """A copy of ``source_db`` in ``work``/data with the bench's account; its database URL."""
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    target = data / "dashboard.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    source, copy = sqlite3.connect(source_db), sqlite3.connect(target)
    try:
        source.backup(copy)  # with what is still in the write-ahead log
    finally:
        source.close()
        copy.close()
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    users.add_user(engine, USERNAME, "leader", PASSWORD)
    engine.dispose()
    return url


def settings(work: Path) -> dict[str, str]:
    return {"DASHBOARD_DATA_DIR": str(work / "data"), "DASHBOARD_SECRET_KEY": SECRET_KEY}


@dataclass
class Measured:
    rounds: list[Round] = field(default_factory=list)
    # page -> (CPU ms per warm run, wall ms, bytes), on one process with one viewer
    warm_runs: dict[str, tuple[float, float, int]] = field(default_factory=dict)


def measure(source_db: Path, work: Path, process_counts: list[int], session_counts: list[int], page: str = "cases",
            pages: list[str] | None = None, repeat: int = 5, cold: bool = True) -> Measured:
    """For each process count: the warm runs of ``pages`` (first configuration only), then ``page`` opened by each
    count of sessions at once, warm and (``cold``) cold."""
    found = Measured()
    for processes in process_counts:
        target = work / f"{processes}-process"
        url = prepare(source_db, target)
        with loopback.serving(target, url, processes, settings(target)) as proxy:
            async def run() -> None:
                if not found.warm_runs:
                    for name in pages or []:
                        found.warm_runs[name] = await warm_cpu(proxy.apps[0], name, repeat)
                for sessions in session_counts:
                    found.rounds.append(await one_round(proxy, page, sessions, warm=True))
                    if cold:
                        found.rounds.append(await one_round(proxy, page, sessions, warm=False))
            run_in_own_loop(run())
    return found


def run_in_own_loop(coroutine):
    """asyncio.run in a thread of its own: the caller's thread may already run an event loop (Playwright's
    synchronous API keeps one in the test process)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def report(found: Measured, scale: int) -> list[str]:
    lines = []
    if found.warm_runs:
        lines += [f"| warm re-run, one viewer, one process (SQLite, scale {scale}) | server CPU ms per run (median) | "
                  "wall ms (median) | bytes received |", "|---|---|---|---|"]
        lines += [f"| {name} | {cpu:.0f} | {wall:.0f} | {size:,} |" for name, (cpu, wall, size) in found.warm_runs.items()]
        lines.append("")
    lines += [f"| websocket load (SQLite, scale {scale}), through nginx | app processes | page | caches | sessions "
              "at once | finished | median ms | 95th percentile ms (× one session's) | server CPU ms per open | bytes "
              "received per open | app memory per process after, MiB (peak) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    single = {(r.processes, r.page, r.warm): r.percentile(0.95) for r in found.rounds if r.sessions == 1}
    for r in found.rounds:
        memory = " + ".join(f"{rss:.0f} ({peak:.0f})" for rss, peak in zip(r.rss_mb, r.peak_mb))
        size = statistics.median(r.received) if r.received else 0
        base = single.get((r.processes, r.page, r.warm))
        ratio = f" ({r.percentile(0.95) / base:.1f}×)" if base and r.percentile(0.95) else ""
        lines.append(f"| | {r.processes} | /{PAGES[r.page]} | {'warm' if r.warm else 'cold'} | {r.sessions} | "
                     f"{len(r.times)} of {r.sessions} | {r.percentile(0.5) or 0:.0f} | {r.percentile(0.95) or 0:.0f}"
                     f"{ratio} | {r.cpu_ms_per_open:.0f} | {size:,.0f} | {memory} |")
    lines += [f"- {r.processes} process(es), {r.sessions} sessions, {'warm' if r.warm else 'cold'}: {error}"
              for r in found.rounds for error in r.errors[:3]]
    return lines + [""]
