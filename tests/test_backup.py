"""Backups and the restore drill through deploy/backup and deploy/restore-drill: SQLite by the online backup
API, PostgreSQL by pg_dump and pg_restore into a scratch database; the drill finds a damaged backup."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from data_access import audit, backup
from data_access.engine import make_engine, normalise_url
from sample_data import build_database
from tests.harness import IN_CI, PG_URL

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(DEPLOY / script), *args], capture_output=True, text=True, timeout=300,
                          env={"DASHBOARD_PYTHON": sys.executable, "PATH": "/usr/bin:/bin"})


def write_audit(url: str, count: int = 3) -> None:
    engine = make_engine(url)
    for number in range(count):
        audit.record(engine, f"user{number}", "export", f"cases-{number}")
    engine.dispose()


def test_a_sqlite_backup_restores_with_its_counts_and_chain(sample_copy_url, tmp_path):
    write_audit(sample_copy_url)
    rows = audit.verify(make_engine(sample_copy_url)).rows
    done = run("backup", "--db", sample_copy_url, "--dir", str(tmp_path / "b"))
    assert done.returncode == 0, done.stderr
    [copy] = (tmp_path / "b").glob("*.sqlite")
    manifest = json.loads(copy.with_suffix(".json").read_text())
    assert manifest["tables"]["audit_log"] == rows >= 3 and manifest["tables"]["cases"] > 0 and len(manifest["audit_head"]) == 64
    drill = run("restore-drill", "--dir", str(tmp_path / "b"))
    assert drill.returncode == 0, drill.stderr
    assert "restore drill passed" in drill.stdout and f"audit chain intact ({rows} rows)" in drill.stdout


def test_the_drill_finds_a_damaged_sqlite_backup(sample_copy_url, tmp_path):
    write_audit(sample_copy_url)
    assert run("backup", "--db", sample_copy_url, "--dir", str(tmp_path)).returncode == 0
    [copy] = tmp_path.glob("*.sqlite")
    conn = sqlite3.connect(copy)
    with conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET username = 'nobody' WHERE id = (SELECT max(id) FROM audit_log) - 1")
    conn.close()
    manifest = json.loads(copy.with_suffix(".json").read_text())
    manifest["tables"]["children"] += 1
    copy.with_suffix(".json").write_text(json.dumps(manifest))
    drill = run("restore-drill", "--dir", str(tmp_path))
    assert drill.returncode == 1
    assert f"audit chain broken at row id {manifest['tables']['audit_log'] - 1}" in drill.stderr
    assert f"children: {manifest['tables']['children'] - 1} rows restored, {manifest['tables']['children']}" in drill.stderr


def test_old_backups_go_and_the_newest_always_stays(sample_copy_url, tmp_path):
    tmp_path = tmp_path / "backups"
    tmp_path.mkdir()
    for stamp in ("20220101-020000", "20220620-020000", "20220629-020000"):
        (tmp_path / f"dashboard-{stamp}.sqlite").write_bytes(b"old")
        (tmp_path / f"dashboard-{stamp}.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("not a backup")
    backup.prune(tmp_path, 7, datetime(2022, 7, 1))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dashboard-20220629-020000.json", "dashboard-20220629-020000.sqlite", "notes.txt"]
    assert backup.prune(tmp_path, 7, datetime(2030, 1, 1)) == []  # the newest one is never deleted
    made = backup.dump(sample_copy_url, tmp_path, 7, now=datetime(2030, 1, 1, 2))
    assert sorted(p.name for p in tmp_path.glob("dashboard-*")) == [made.with_suffix(".json").name, made.name]


@pytest.mark.parametrize("args, message", [
    (["backup", "--keep-days", "0"], "keep at least one day"),
    (["backup", "--db", "sqlite:////nonexistent/dashboard.db"], "no SQLite database"),
    (["restore-drill"], "no backup in"),
    (["restore-drill", "--db", "postgresql://x@127.0.0.1:1/live", "--scratch-db", "live"], "cannot be the scratch"),
])
def test_bad_requests_are_refused_with_a_reason(sample_copy_url, tmp_path, args, message):
    if args == ["restore-drill", "--db", "postgresql://x@127.0.0.1:1/live", "--scratch-db", "live"]:
        (tmp_path / "dashboard-20220101-020000.dump").write_bytes(b"x")
        (tmp_path / "dashboard-20220101-020000.json").write_text("{}")
    script, *rest = args
    if "--db" not in rest:
        rest += ["--db", sample_copy_url]
    done = run(script, "--dir", str(tmp_path), *rest)
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_a_backup_without_its_manifest_is_refused(sample_copy_url, tmp_path):
    (tmp_path / "dashboard-20220101-020000.sqlite").write_bytes(b"x")
    done = run("restore-drill", "--dir", str(tmp_path), "--db", sample_copy_url)
    assert done.returncode == 2 and "has no manifest" in done.stderr


@pytest.fixture
def pg_database():
    """A database of the test's own on the test server, dropped afterwards."""
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but TEST_DATABASE_URL is not set")
        pytest.skip("set TEST_DATABASE_URL to run the PostgreSQL backup tests")
    name = f"dashboard_backup_{uuid.uuid4().hex[:10]}"
    server = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}_restore_drill WITH (FORCE)"))
    server.dispose()


def test_pg_dump_and_the_restore_drill_on_postgresql(pg_database, tmp_path):
    engine = make_engine(pg_database)
    build_database(engine)
    backup.check_client(engine, "pg_dump")
    backup.check_client(engine, "pg_restore")
    write_audit(pg_database)
    done = run("backup", "--db", pg_database, "--dir", str(tmp_path), "--keep-days", "14")
    assert done.returncode == 0, done.stderr
    [dump] = tmp_path.glob("*.dump")
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    drill = run("restore-drill", "--db", pg_database, "--dir", str(tmp_path))
    assert drill.returncode == 0, drill.stderr
    assert "restore drill passed" in drill.stdout and "audit chain intact (3 rows)" in drill.stdout

    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(text("DELETE FROM audit_log WHERE id = (SELECT min(id) FROM audit_log)"))
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    engine.dispose()
    backup.dump(pg_database, tmp_path, 14, now=datetime(2099, 1, 1))
    drill = run("restore-drill", "--db", pg_database, "--dir", str(tmp_path))
    assert drill.returncode == 1 and "audit chain broken" in drill.stderr and "2099" in drill.stderr
