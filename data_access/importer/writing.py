"""Writing the good rows: upserted on the kind's natural key in one transaction, audited, summaries refreshed."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Integer, delete, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from data_access import audit, schema
from data_access.importer.headers import REASON_HEADERS
from data_access.importer.kind import Kind, Row
from data_access.importer.kinds import KINDS, SPECS
from data_access.importer.lookups import in_chunks
from data_access.importer.problems import Problem, message
from data_access.importer.validation import Validation, validate
from data_access.importer.values import norm
from data_access.summaries import refresh_summaries
from data_access.types import Scope

MODES = ("all-or-nothing", "skip-bad")


@dataclass
class ImportResult:
    """What an import read, wrote, left unchanged and rejected, and why."""

    kind: str
    file_name: str
    mode: str
    dry_run: bool
    validation: Validation
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False

    @property
    def problems(self) -> list[Problem]:
        return self.validation.problems

    @property
    def rows_read(self) -> int:
        return len(self.validation.rows)

    @property
    def rejected(self) -> int:
        if self.validation.file_problems:
            return self.rows_read
        if self.mode == "all-or-nothing" and self.validation.bad_rows:
            return self.rows_read
        return len(self.validation.bad_rows)

    @property
    def blocked(self) -> bool:
        """True when errors keep every row out of the database."""
        return self.rejected == self.rows_read

    def counts(self) -> dict[str, int]:
        return dict(read=self.rows_read, inserted=self.inserted, updated=self.updated,
                    unchanged=self.unchanged, rejected=self.rejected)

    def report(self, lang: str) -> list[str]:
        lines = [p.text(self.file_name, lang) for p in self.problems]
        lines.append(message("report.summary", lang, **self.counts()))
        if self.dry_run:
            lines.append(message("report.dry_run", lang))
        elif not self.written and self.problems:
            lines.append(message("report.nothing_written", lang))
        return lines

    def problem_table(self, lang: str) -> pd.DataFrame:
        return pd.DataFrame(
            [(p.row, p.column or "", p.reason(lang)) for p in self.problems], columns=["row", "column", "reason"])

    def rejects(self, lang: str) -> pd.DataFrame:
        """The rejected rows as they were in the file, plus the reasons."""
        v = self.validation
        rows = v.rows if self.blocked else v.bad_rows
        reason = message("report.reason", lang)
        header = [h for h in v.header if norm(h) not in REASON_HEADERS]
        keep = [i for i, h in enumerate(v.header) if norm(h) not in REASON_HEADERS]
        table = [[(r.cells + [""] * len(v.header))[i] for i in keep]
                 + ["; ".join(p.reason(lang) if p.column is None else f"{p.column}: {p.reason(lang)}"
                              for p in r.problems + v.file_problems)] for r in rows]
        return pd.DataFrame(table, columns=[*header, reason])


def run_import(engine: Engine, kind: str, data: bytes, file_name: str, **options: Any) -> ImportResult:
    """Validate a file and upsert its rows in one transaction (rolled back on a dry run); ``options`` are
    import_rows' own (mode, dry_run, username, today, scope, replace_sample)."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            result = import_rows(conn, kind, data, file_name, **options)
            if result.dry_run or result.blocked:
                transaction.rollback()
            else:
                transaction.commit()
                result.written = True
        except BaseException:
            transaction.rollback()
            raise
    return result


def import_rows(
    conn: Connection,
    kind: str,
    data: bytes,
    file_name: str,
    *,
    mode: str = "all-or-nothing",
    dry_run: bool = False,
    username: str | None = None,
    today: date | None = None,
    scope: Scope | None = None,
    replace_sample: bool = False,
) -> ImportResult:
    """Validate and upsert on an open transaction; the caller commits or rolls back.

    ``scope`` (default: the whole district) limits the streets and communities rows may belong to.
    A database holding the synthetic sample refuses the file, unless ``replace_sample``: then the
    sample's rows go, the bundled district network comes in and the database is real from then on,
    all in the same transaction as the import.
    """
    if kind not in SPECS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
    if holds_sample(conn):
        if not replace_sample:
            validation = Validation(kind, file_name, file_problems=[Problem(None, None, "db.synthetic")])
            return ImportResult(kind, Path(file_name).name, mode, dry_run, validation)
        replace_the_sample(conn, username)
    validation = validate(conn, kind, data, file_name, today, scope)
    needs_network = any(f.kind == "street" for f in SPECS[kind].fields)
    if needs_network and not validation.file_problems and not conn.execute(select(schema.streets.c.id).limit(1)).first():
        validation.file_problems.append(Problem(None, None, "db.no_network"))
    result = ImportResult(kind, Path(file_name).name, mode, dry_run, validation)
    if not result.blocked:
        try:
            # PostgreSQL aborts a transaction at a failed statement: a savepoint keeps the audit entry writable.
            # (pysqlite's savepoints would commit the outer transaction; SQLite needs none.)
            with conn.begin_nested() if conn.dialect.name == "postgresql" else nullcontext():
                spec = SPECS[kind]
                months = spec.summary_months(conn, validation.good_rows) if spec.summary_months else None
                _write(conn, spec, validation.good_rows, result)
                if not dry_run and (result.inserted or result.updated):
                    refresh_summaries(conn, [kind], months)
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            validation.file_problems.append(Problem(None, None, "file.write_failed", {"detail": detail}))
            result.inserted = result.updated = result.unchanged = 0
        if not dry_run:
            audit.record(conn, username, "import", result.file_name, {"kind": kind, "mode": mode, **result.counts()})
    return result


def holds_sample(conn: Connection) -> bool:
    info = schema.dataset_info
    return conn.execute(select(info.c.value).where(info.c.key == "synthetic")).scalar() == "true"


# Tables whose rows are the sample's own; the network tables are reloaded, accounts and the audit trail kept.
SAMPLE_TABLES = ("case_events", "cases", "subsidy_payments", "grants", "subsidy_standards", "children",
                 "training_attendance", "training_sessions", "staff",
                 "social_orgs", "stations")


def replace_the_sample(conn: Connection, username: str | None) -> None:
    """Delete the synthetic rows and load the bundled district network: the database becomes real."""
    from data_access import district

    tables = schema.metadata.tables
    conn.execute(update(tables["stations"]).values(parent_id=None))
    for name in SAMPLE_TABLES:
        conn.execute(delete(tables[name]))
    info = schema.dataset_info
    conn.execute(delete(info).where(info.c.key.in_(("synthetic", "as_of", "scale", "seed", "first_month", "version"))))
    report = district.load_network(conn, district.bundled_network(), username)
    if not report.ok:
        raise RuntimeError("; ".join(report.lines("en")))
    district.set_info(conn, [{"key": "replaced_sample_on", "value": date.today().isoformat()}])
    refresh_summaries(conn)  # the sample's payments and register are gone


def _write(conn: Connection, kind: Kind, rows: list[Row], result: ImportResult) -> None:
    table = kind.table
    existing = _existing(conn, kind, rows)
    inserts, updates = [], []
    for row in rows:
        values = {c: v for c, v in row.values.items() if c in table.c}
        current = existing.get(tuple(values[c] for c in kind.key))
        if current is None:
            inserts.append(values)
            continue
        changed = {c: v for c, v in values.items() if not _same(current[c], v)}
        if not changed:
            result.unchanged += 1
            continue
        updates.append((current["id"], changed))
    if kind.insert_order is not None:
        inserts = kind.insert_order(inserts)
    for _, batch in groupby(inserts, key=lambda v: tuple(sorted(v))):
        conn.execute(insert(table), list(batch))
    result.inserted = len(inserts)
    for key, changed in updates:
        conn.execute(update(table).where(table.c.id == key).values(**changed))
    result.updated = len(updates)
    if inserts and "id" in kind.key and isinstance(table.c.id.type, Integer) and conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                          f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
    if kind.after_write is not None and (inserts or updates):
        kind.after_write(conn)


def _existing(conn: Connection, kind: Kind, rows: list[Row]) -> dict[tuple, dict]:
    table = kind.table
    first = kind.key[0]
    values = sorted({r.values[first] for r in rows}, key=str)
    found = in_chunks(conn, select(table), table.c[first], values)
    return {tuple(_key_value(r[c]) for c in kind.key): dict(r) for r in found}


def _key_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    return value


def _same(stored: object, new: object) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    if isinstance(new, Decimal):
        return Decimal(str(stored)).quantize(Decimal("0.01")) == new
    if isinstance(new, bool):
        return bool(stored) == new
    if isinstance(new, datetime) and isinstance(stored, datetime):
        return stored.replace(microsecond=0) == new
    return stored == new
