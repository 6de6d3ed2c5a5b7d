"""Backups and the restore drill, one command for both databases.

``dump`` writes ``dashboard-YYYYMMDD-HHMMSS.dump`` (PostgreSQL: ``pg_dump`` custom format) or ``.sqlite``
(SQLite: the online backup API, safe while the app writes) and beside it a ``.json`` manifest: every
table's row count and the audit chain's last hash, taken from the same snapshot as the dump. Backups older
than the retention are deleted; the newest is always kept.

``drill`` restores the newest backup into a scratch database, compares its row counts with the manifest
and walks its audit chain, then drops the scratch database. A backup that has never been restored is a
hope, not a backup."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from data_access import audit, schema
from data_access.engine import describe_url, make_engine, normalise_url

STAMP = "%Y%m%d-%H%M%S"
NAME = re.compile(r"dashboard-(\d{8}-\d{6})\.(dump|sqlite)")
SCRATCH_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class BackupError(RuntimeError):
    pass


@dataclass
class DrillReport:
    backup: Path
    counts: dict[str, int]
    chain: audit.ChainCheck
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def dump(url: str, directory: Path, keep_days: int, now: datetime | None = None) -> Path:
    """Write one backup of ``url`` into ``directory`` and delete those older than ``keep_days``."""
    if keep_days < 1:
        raise BackupError("keep at least one day of backups")
    directory.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now()
    parsed = make_url(normalise_url(url))
    suffix = "sqlite" if parsed.get_backend_name() == "sqlite" else "dump"
    target = directory / f"dashboard-{now.strftime(STAMP)}.{suffix}"
    if target.exists():
        raise BackupError(f"{target} exists already")
    partial = target.with_name(target.name + ".partial")
    engine = make_engine(url)
    try:
        if suffix == "sqlite":
            manifest = _sqlite_backup(parsed, partial)
        else:
            manifest = _pg_dump(engine, parsed, partial)
    finally:
        engine.dispose()
    manifest |= {"created": now.isoformat(timespec="seconds"), "database": describe_url(url)}
    target.with_suffix(".json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    partial.rename(target)
    prune(directory, keep_days, now)
    return target


def _contents(conn: Connection) -> dict:
    counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in schema.metadata.sorted_tables}
    head = conn.execute(select(schema.audit_log.c.hash).order_by(schema.audit_log.c.id.desc()).limit(1)).scalar()
    return {"tables": counts, "audit_head": head}


def _sqlite_backup(parsed: URL, partial: Path) -> dict:
    source_path = parsed.database
    if not source_path or source_path == ":memory:" or not Path(source_path).exists():
        raise BackupError(f"no SQLite database at {source_path}")
    with closing(sqlite3.connect(source_path)) as source, closing(sqlite3.connect(partial)) as copy:
        source.backup(copy)
    copy_engine = make_engine(f"sqlite:///{partial}")
    try:
        with copy_engine.connect() as conn:
            return _contents(conn)
    finally:
        copy_engine.dispose()


def _libpq(parsed: URL, database: str | None = None) -> tuple[str, dict[str, str]]:
    """A connection string for the PostgreSQL tools, with the password in the environment, not on the
    command line where any user's ``ps`` would show it."""
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    if database:
        plain = plain.set(database=database)
    return plain.render_as_string(hide_password=False), env


def check_client(engine: Engine, tool: str) -> str:
    """The tool's path; refuses a client older than the server (pg_dump cannot dump a newer server)."""
    path = shutil.which(tool)
    if not path:
        raise BackupError(f"{tool} not found: install the PostgreSQL client (apt-get install postgresql-client)")
    found = re.search(r"(\d+)(?:\.(\d+))?", subprocess.run([path, "--version"], capture_output=True, text=True,
                                                          check=True).stdout)
    with engine.connect() as conn:
        server = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    if int(found.group(1)) < server:
        raise BackupError(f"{tool} {found.group(0)} is older than the server (PostgreSQL {server}): "
                          f"install postgresql-client-{server}")
    return path


def _pg_dump(engine: Engine, parsed: URL, partial: Path) -> dict:
    tool = check_client(engine, "pg_dump")
    target, env = _libpq(parsed)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            contents = _contents(conn)
            done = subprocess.run([tool, "--format=custom", f"--snapshot={snapshot}", f"--file={partial}", target],
                                  env=env, capture_output=True, text=True)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return contents


def backups(directory: Path) -> list[tuple[datetime, Path]]:
    """The finished backups in ``directory``, oldest first."""
    found = []
    for path in directory.glob("dashboard-*"):
        match = NAME.fullmatch(path.name)
        if match:
            found.append((datetime.strptime(match.group(1), STAMP), path))
    return sorted(found)


def prune(directory: Path, keep_days: int, now: datetime) -> list[Path]:
    """Delete backups (and their manifests) older than ``keep_days``, never the newest."""
    gone = []
    for taken, path in backups(directory)[:-1]:
        if now - taken > timedelta(days=keep_days):
            path.unlink()
            path.with_suffix(".json").unlink(missing_ok=True)
            gone.append(path)
    return gone


def drill(directory: Path, url: str, scratch: str | None = None) -> DrillReport:
    """Restore the newest backup in ``directory`` into a scratch database and check it against its manifest.
    ``url`` names the server to restore on (PostgreSQL); the scratch database is dropped afterwards."""
    found = backups(directory)
    if not found:
        raise BackupError(f"no backup in {directory}")
    latest = found[-1][1]
    manifest_path = latest.with_suffix(".json")
    if not manifest_path.exists():
        raise BackupError(f"{latest.name} has no manifest ({manifest_path.name})")
    manifest = json.loads(manifest_path.read_text())
    if latest.suffix == ".sqlite":
        with tempfile.TemporaryDirectory() as work:
            copy = Path(work) / "restore.db"
            with closing(sqlite3.connect(latest)) as source, closing(sqlite3.connect(copy)) as target:
                source.backup(target)
            return _check(latest, manifest, make_engine(f"sqlite:///{copy}"))
    return _pg_drill(latest, manifest, url, scratch)


def _pg_drill(latest: Path, manifest: dict, url: str, scratch: str | None) -> DrillReport:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "postgresql":
        raise BackupError("a .dump restores onto PostgreSQL: pass --db with the server's URL")
    scratch = scratch or f"{parsed.database or 'dashboard'}_restore_drill"
    if not SCRATCH_NAME.fullmatch(scratch) or scratch == parsed.database:
        raise BackupError(f"{scratch!r} cannot be the scratch database: a plain name other than the live one")
    server = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        tool = check_client(server, "pg_restore")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}"'))
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        try:
            target, env = _libpq(parsed, scratch)
            done = subprocess.run([tool, "--no-owner", "--no-acl", "--exit-on-error", f"--dbname={target}", str(latest)],
                                  env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
            return _check(latest, manifest, make_engine(parsed.set(database=scratch).render_as_string(hide_password=False)))
        finally:
            with server.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    finally:
        server.dispose()


def _check(latest: Path, manifest: dict, restored: Engine) -> DrillReport:
    try:
        with restored.connect() as conn:
            contents = _contents(conn)
            chain = audit.verify(conn)
    finally:
        restored.dispose()
    report = DrillReport(latest, contents["tables"], chain)
    for table, expected in manifest["tables"].items():
        got = contents["tables"].get(table)
        if got != expected:
            report.problems.append(f"{table}: {got} rows restored, {expected} in the backup's manifest")
    if not chain.ok:
        report.problems.append(f"audit chain broken at row id {chain.broken_id} ({chain.reason})")
    elif contents["audit_head"] != manifest["audit_head"]:
        report.problems.append("the audit chain does not end where the backup's manifest says it did")
    return report


def main(argv: list[str] | None = None) -> int:
    from data_access.config import database_url, exit_on_bad_settings

    exit_on_bad_settings()
    parser = argparse.ArgumentParser(prog="python -m data_access.backup", description="Back up and restore-test the database.")
    parser.add_argument("command", choices=("dump", "drill"),
                        help="dump: take a backup, delete those past the retention; drill: restore the newest into a "
                             "scratch database and check it")
    parser.add_argument("--db", default=None, help="database URL (default: DATABASE_URL or var/dashboard.db)")
    parser.add_argument("--dir", type=Path, required=True, help="the backup directory")
    parser.add_argument("--keep-days", type=int, default=14, help="dump: days of backups to keep (default 14)")
    parser.add_argument("--scratch-db", default=None,
                        help="drill: the PostgreSQL scratch database (default: <database>_restore_drill)")
    args = parser.parse_args(argv)
    url = args.db or database_url()
    try:
        if args.command == "dump":
            print(f"backup written: {dump(url, args.dir, args.keep_days)}")
            return 0
        report = drill(args.dir, url, args.scratch_db)
    except (BackupError, SQLAlchemyError, OSError) as exc:
        print(f"refused: {str(exc).splitlines()[0] if str(exc) else exc!r}", file=sys.stderr)
        return 2
    total = sum(report.counts.values())
    if report.ok:
        print(f"restore drill passed: {report.backup.name}, {total:,} rows in {len(report.counts)} tables, "
              f"audit chain intact ({report.chain.rows:,} rows)")
        return 0
    print(f"restore drill FAILED for {report.backup.name}:", file=sys.stderr)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
