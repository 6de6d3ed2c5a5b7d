"""The audit trail's hash chain: every row hashes its content and the row before it; verify finds the first
row that an owner altered or removed, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from data_access import audit, migrate
from tests.harness import PG_URL, engine_for

AT = datetime(2022, 6, 30, 9, 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def log(request, tmp_path_factory) -> Engine:
    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_chain")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def cli_url(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        return engine.url.render_as_string(hide_password=False)
    return f"{PG_URL}?options=-csearch_path%3Ddashboard_test_chain"


def as_owner(engine: Engine, statement: str) -> None:
    """What someone holding the table owner's rights can do: switch the append-only trigger off."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            conn.execute(text(statement))
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
            conn.execute(text(statement))


def fill(engine: Engine, count: int = 5) -> list[int]:
    for number in range(count):
        audit.record(engine, f"user{number}", "export", f"cases-{number}", {"rows": number}, at=AT)
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars())


def test_an_empty_log_and_a_written_one_verify(log, capsys):
    assert audit.verify(log) == audit.ChainCheck(0)
    ids = fill(log)
    check = audit.verify(log)
    assert check.ok and check.rows == len(ids) == 5
    with log.connect() as conn:
        hashes = list(conn.execute(text("SELECT hash FROM audit_log ORDER BY id")).scalars())
    assert len(set(hashes)) == 5 and all(len(h) == 64 for h in hashes)
    assert audit.main(["--db", cli_url(log), "verify"]) == 0
    assert "intact: 5 rows" in capsys.readouterr().out


@pytest.mark.parametrize("statement, broken", [
    ("UPDATE audit_log SET target = 'nothing' WHERE id = {third}", "third"),
    ("UPDATE audit_log SET at = at + INTERVAL '1 second' WHERE id = {third}", "third"),
    ("UPDATE audit_log SET username = NULL WHERE id = {third}", "third"),
    ("DELETE FROM audit_log WHERE id = {third}", "fourth"),
    ("UPDATE audit_log SET hash = NULL WHERE id = {third}", "third"),
])
def test_a_row_altered_or_removed_by_the_owner_is_found(log, capsys, statement, broken):
    ids = fill(log)
    marks = {"third": ids[2], "fourth": ids[3]}
    if log.dialect.name == "sqlite":
        statement = statement.replace("at + INTERVAL '1 second'", "datetime(at, '+1 second')")
    as_owner(log, statement.format(**marks))
    check = audit.verify(log)
    assert not check.ok and check.broken_id == marks[broken]
    assert audit.main(["--db", cli_url(log), "verify"]) == 1
    assert f"broken at row id {marks[broken]}" in capsys.readouterr().err


def test_a_rewritten_hash_breaks_the_next_link(log):
    ids = fill(log)
    as_owner(log, f"UPDATE audit_log SET target = 'x', hash = '{'f' * 64}' WHERE id = {ids[1]}")
    assert audit.verify(log).broken_id == ids[1]


def test_writers_in_parallel_keep_one_chain(log):
    """Each thread has its own connection, like app processes: the chain's lock queues them."""
    def write(number: int) -> None:
        for step in range(15):
            audit.record(log, f"writer{number}", "case_view", f"case-{step}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check = audit.verify(log)
    assert check.ok and check.rows == 60


def test_the_migration_chains_rows_written_before_it(request, tmp_path_factory):
    for backend in ("sqlite", "postgresql"):
        if backend == "postgresql" and not PG_URL:
            continue
        engine = engine_for(backend, tmp_path_factory, "dashboard_test_chain_migration")
        migrate.upgrade(engine, "0008")
        with engine.begin() as conn:
            for number in range(3):
                conn.execute(text("INSERT INTO audit_log (at, username, action, target) VALUES (:at, :u, 'export', 't')"),
                             {"at": AT, "u": f"u{number}"})
        migrate.upgrade(engine)
        assert audit.verify(engine) == audit.ChainCheck(3)
        audit.record(engine, "after", "import")
        assert audit.verify(engine) == audit.ChainCheck(4)
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text("UPDATE audit_log SET hash = NULL"))
        with engine.begin() as conn:
            command.downgrade(migrate._config(conn), "0008")
        assert "hash" not in {c["name"] for c in inspect(engine).get_columns("audit_log")}
        migrate.upgrade(engine)
        assert audit.verify(engine) == audit.ChainCheck(4)
        engine.dispose()


def test_verify_reports_an_unreachable_database(capsys, tmp_path):
    assert audit.main(["--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "verify"]) == 2
    assert "database error at" in capsys.readouterr().err


def test_a_check_of_the_newest_rows_starts_from_the_hash_before_them(log):
    ids = fill(log, 6)
    assert audit.verify(log, newest=2) == audit.ChainCheck(2)
    assert audit.verify(log, newest=100) == audit.ChainCheck(6)
    as_owner(log, f"UPDATE audit_log SET target = 'x' WHERE id = {ids[1]}")
    assert audit.verify(log, newest=2).ok, "an old row is outside the quick check"
    assert audit.verify(log, newest=5).broken_id == ids[1]
    assert audit.verify(log).broken_id == ids[1]
