"""The files in deploy/ checked without starting them: the content-security policy lets exactly the app's
inline scripts run, the systemd units and the logrotate file parse, the certificate script makes what nginx
needs. tests/e2e/test_proxy_browser.py runs them for real."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import streamlit

from dashboard.meeting import KEYS
from deploy import loopback

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_the_policy_lets_exactly_the_apps_inline_scripts_run():
    index = (Path(streamlit.__file__).parent / "static" / "index.html").read_text()
    wanted = {sha256(body) for body in INLINE_SCRIPT.findall(index) + INLINE_SCRIPT.findall(KEYS)}
    site = (DEPLOY / "nginx" / "dashboard.conf").read_text()
    [policy] = re.findall(r'add_header Content-Security-Policy "([^"]+)"', site)
    assert set(re.findall(r"'(sha256-[^']+)'", policy)) == wanted, (
        "an inline script changed: put its hash in deploy/nginx/dashboard.conf's script-src")
    assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_the_systemd_units_verify(tmp_path):
    for unit in (DEPLOY / "systemd").iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/dashboard", str(ROOT)))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", "dashboard@8501.service", "dashboard.target",
                           "dashboard-backup.service", "dashboard-backup.timer", "dashboard-notify.service",
                           "dashboard-notify.timer"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


@pytest.mark.skipif(not shutil.which("logrotate") and not Path("/usr/sbin/logrotate").exists(),
                    reason="logrotate is not installed")
def test_the_logrotate_file_parses(tmp_path):
    done = subprocess.run([shutil.which("logrotate") or "/usr/sbin/logrotate", "-d", "-s", str(tmp_path / "state"),
                           str(DEPLOY / "logrotate" / "dashboard")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "error" not in done.stderr.lower(), done.stderr


@pytest.mark.parametrize("name, alt", [("dashboard.example.internal", "DNS:dashboard.example.internal"),
                                       ("10.20.30.40", "IP Address:10.20.30.40")])
def test_the_self_signed_certificate_names_the_host(tmp_path, name, alt):
    done = subprocess.run([str(DEPLOY / "make-self-signed-cert"), name, str(tmp_path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    shown = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "dashboard.crt"), "-noout", "-ext",
                            "subjectAltName"], capture_output=True, text=True, check=True).stdout
    assert alt in shown
    assert stat.S_IMODE((tmp_path / "dashboard.key").stat().st_mode) == 0o600


def test_the_certificate_script_needs_a_name():
    done = subprocess.run([str(DEPLOY / "make-self-signed-cert")], capture_output=True, text=True)
    assert done.returncode == 2 and "usage" in done.stderr


@pytest.mark.skipif(not loopback.NGINX.exists(), reason="nginx is not installed")
@pytest.mark.parametrize("processes", [1, 2])
def test_the_site_rendered_for_one_or_two_processes_passes_nginx_check(tmp_path, processes):
    """deploy.loopback's copy of the site, with only the processes started, is one nginx accepts; with one
    process nothing names a second one."""
    for name in ("log", "tmp", "tls"):
        (tmp_path / name).mkdir()
    subprocess.run([str(DEPLOY / "make-self-signed-cert"), "127.0.0.1", str(tmp_path / "tls")], check=True,
                   capture_output=True, timeout=120)
    apps = [loopback.App(port, None, tmp_path / f"app{port}.log") for port in (9101, 9102)[:processes]]
    site = loopback.render_site(apps, 9443, 9080, tmp_path, upload_limit_mb=1)
    assert ("127.0.0.1:9102" in site) == (processes == 2)
    assert "8501" not in site.replace("dashboard_8501", "") and "8502" not in site.replace("dashboard_8502", "")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(loopback.main_config(tmp_path, tmp_path / "site.conf"))
    done = subprocess.run([str(loopback.NGINX), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "log" / "e.log"),
                           "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_a_site_that_lost_a_line_the_deployment_needs_is_refused(monkeypatch, tmp_path):
    changed = tmp_path / "deploy"
    (changed / "nginx").mkdir(parents=True)
    site = (DEPLOY / "nginx" / "dashboard.conf").read_text()
    (changed / "nginx" / "dashboard.conf").write_text(site.replace("client_max_body_size 50m;", ""))
    monkeypatch.setattr(loopback, "DEPLOY", changed)
    apps = [loopback.App(port, None, tmp_path / "app.log") for port in (9101, 9102)]
    with pytest.raises(loopback.ServingError, match="client_max_body_size"):
        loopback.render_site(apps, 9443, 9080, tmp_path, upload_limit_mb=1)
