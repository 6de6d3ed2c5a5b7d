"""The reference deployment on loopback ports, for the proxy tests and the bench: Debian's nginx configured from
deploy/nginx/dashboard.conf terminates TLS (a certificate from deploy/make-self-signed-cert) in front of one or
two app processes started with deploy/systemd/dashboard@.service's command line. Everything lives in a work
directory of the caller's; the package's default site on port 80 is neither used nor touched.

``serving(work, db_url, processes=2, settings={...})`` yields a ``Proxy`` once everything answers;
``running_app(log, settings)`` one app process alone (the browser tests and the benchmark's page renders)."""

from __future__ import annotations

import getpass
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
NGINX = Path("/usr/sbin/nginx")
UNIT_PORTS = ("127.0.0.1:8501", "127.0.0.1:8502")


class ServingError(RuntimeError):
    """A part of the deployment did not start; the message holds its log."""


@dataclass
class App:
    port: int
    process: subprocess.Popen
    log: Path

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
    settings: dict[str, str]

    def upstreams_of(self, route: str) -> list[str]:
        """The app processes nginx tried for requests that carried routing cookie ``route``."""
        found = []
        for line in self.access_log.read_text().splitlines():
            if f"route={route} " in line:
                tried = re.search(r"upstream=(.*?) route=", line).group(1)
                found += [address for address in re.split(r"[ ,:]+(?=\d+\.)", tried) if address != "-"]
        return found

    def restart(self, app: App) -> App:
        """Start ``app``'s process again on its port (after it stopped), as systemd's Restart= does."""
        revived = start_app(app.log.with_suffix(".restarted.log"), {"DATABASE_URL": self.db_url, **self.settings},
                            port=app.port)
        self.apps[self.apps.index(app)] = revived
        wait_healthy(revived)
        return revived


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unit_command(port: int) -> list[str]:
    """ExecStart of deploy/systemd/dashboard@.service for ``port``, run from this checkout's interpreter."""
    unit = (DEPLOY / "systemd" / "dashboard@.service").read_text()
    [line] = [l for l in unit.splitlines() if l.startswith("ExecStart=")]
    command = shlex.split(line.removeprefix("ExecStart="))
    if command[0] != "/opt/dashboard/.venv/bin/python":
        raise ServingError(f"dashboard@.service runs {command[0]}, not the installation's interpreter")
    return [sys.executable, *[str(port) if part == "%i" else part for part in command[1:]]]


def start_app(log: Path, settings: dict[str, str], port: int | None = None) -> App:
    """One app process with ``settings`` (DATABASE_URL, DASHBOARD_..., FORWARDED_...) as the unit's EnvironmentFile
    would give them, and none of those from this process's environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHBOARD_", "FORWARDED_")) and k != "DATABASE_URL"}
    env.update(settings)
    port = port or free_port()
    process = subprocess.Popen(unit_command(port), cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return App(port, process, log)


@contextmanager
def running_app(log: Path, settings: dict[str, str], seconds: float = 90):
    """One app process on a free loopback port (start_app), without the proxy; yields it once /_stcore/health
    answers ok and stops it afterwards."""
    app = start_app(log, settings)
    try:
        wait_healthy(app, seconds)
        yield app
    finally:
        stop(app.process)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


def wait_healthy(app: App, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not healthy(f"http://{app.address}/_stcore/health"):
        if app.process.poll() is not None or time.monotonic() > deadline:
            raise ServingError(f"the app on {app.address} did not start:\n{app.log.read_text()}")
        time.sleep(0.5)


def render_site(apps: list[App], https_port: int, http_port: int, work: Path, upload_limit_mb: int) -> str:
    """deploy/nginx/dashboard.conf with the ports, certificate, logs and upload limit given; every replaced
    text must be found, so a change to the file cannot silently escape the tests. With one app process the
    second one's lines are left out."""
    site = (DEPLOY / "nginx" / "dashboard.conf").read_text()
    if len(apps) == 1:
        second = UNIT_PORTS[1]
        site, blocks = re.subn(r"upstream dashboard_8502 \{.*?\}\n\n", "", site, flags=re.S)
        lines = [l for l in site.splitlines(keepends=True) if second not in l]
        if blocks != 1 or len(site.splitlines()) - len(lines) != 3:
            raise ServingError("deploy/nginx/dashboard.conf no longer has the second process's lines where expected")
        site = "".join(lines)
    replacements = [
        *((unit, app.address) for unit, app in zip(UNIT_PORTS, apps)),
        ("    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n"),
        ("    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n"),
        ("/etc/ssl/dashboard/", f"{work}/tls/"),
        ("/var/log/dashboard/", f"{work}/log/"),
        ("client_max_body_size 50m;", f"client_max_body_size {upload_limit_mb}m;"),
    ]
    for old, new in replacements:
        if old not in site:
            raise ServingError(f"deploy/nginx/dashboard.conf no longer holds {old!r}")
        site = site.replace(old, new)
    return site


# What docs/deploy.md asks for in /etc/nginx/nginx.conf: Debian's 768 connections per worker run out when a few
# dozen browsers open the dashboard at once (over HTTP/2 each fetches dozens of script files together, and each
# is a connection to an app process); nginx then answers 500.
WORKER_CONNECTIONS = 4096


def main_config(work: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives the site, with docs/deploy.md's connection limit and every path
    in ``work``."""
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {name}_temp_path {work}/tmp/{name};" for name in ("client_body", "proxy", "fastcgi",
                                                                              "uwsgi", "scgi"))
    return f"""{user}worker_processes auto;
worker_rlimit_nofile {2 * WORKER_CONNECTIONS};
pid {work}/nginx.pid;
error_log {work}/log/main.error.log;
daemon off;
events {{ worker_connections {WORKER_CONNECTIONS}; }}
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
                raise ServingError(f"nginx did not start: {(work / 'nginx.out').read_text()}")
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
def serving(work: Path, db_url: str, processes: int = 2, settings: dict[str, str] | None = None,
            upload_limit_mb: int = 50):
    """nginx with TLS in front of ``processes`` (1 or 2) app processes serving ``db_url``, on free loopback ports."""
    if not NGINX.exists():
        raise FileNotFoundError(f"{NGINX} is missing (apt-get install nginx)")
    if processes not in (1, 2):
        raise ValueError("dashboard.conf describes one or two app processes")
    settings = dict(settings or {})
    for name in ("log", "tmp", "tls"):
        (work / name).mkdir(parents=True, exist_ok=True)
    made = subprocess.run([str(DEPLOY / "make-self-signed-cert"), "127.0.0.1", str(work / "tls")],
                          capture_output=True, text=True, timeout=60)
    if made.returncode != 0:
        raise ServingError(made.stderr)
    apps = [start_app(work / "log" / f"app{n}.log", {"DATABASE_URL": db_url, **settings})
            for n in range(1, processes + 1)]
    nginx = None
    try:
        for app in apps:
            wait_healthy(app)
        https_port, http_port = free_port(), free_port()
        site = work / "dashboard.conf"
        site.write_text(render_site(apps, https_port, http_port, work, upload_limit_mb))
        (work / "nginx.conf").write_text(main_config(work, site))
        command = [str(NGINX), "-p", str(work), "-e", str(work / "log" / "main.error.log"), "-c", str(work / "nginx.conf")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise ServingError(checked.stderr)
        nginx = subprocess.Popen(command, stdout=(work / "nginx.out").open("w"), stderr=subprocess.STDOUT)
        wait_listening(https_port, nginx, work)
        yield Proxy(f"https://127.0.0.1:{https_port}", http_port, apps, work / "log" / "dashboard.access.log",
                    db_url, settings)
    finally:
        if nginx is not None:
            stop(nginx)
        for app in apps:
            stop(app.process)
