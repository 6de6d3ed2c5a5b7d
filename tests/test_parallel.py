import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from data_access.engine import make_engine
from data_access.parallel import WORKERS, together


@pytest.fixture
def file_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'side.db'}")
    yield engine
    engine.dispose()


def _thread() -> str:
    return threading.current_thread().name


def _query(engine, value: int) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT :v"), {"v": value}).scalar_one()


def test_results_come_back_in_order_and_the_calls_run_side_by_side(file_engine):
    assert together(file_engine, *(lambda v=v: _query(file_engine, v) for v in range(6))) == list(range(6))
    caller, *others = together(file_engine, _thread, _thread, _thread)
    assert caller == _thread()
    assert all(name.startswith("data-access") for name in others)


def test_an_error_in_any_call_reaches_the_caller(file_engine):
    def fails():
        raise ValueError("bad figure")

    with pytest.raises(ValueError, match="bad figure"):
        together(file_engine, _thread, fails)
    with pytest.raises(ValueError, match="bad figure"):
        together(file_engine, fails, _thread)


def test_calls_on_a_worker_run_in_turn_so_busy_workers_never_wait_for_each_other(file_engine):
    # More nesting calls than workers: each runs its inner calls itself rather than queue them behind
    # workers that are all waiting.
    def nested():
        return together(file_engine, _thread, _thread)

    with ThreadPoolExecutor(max_workers=WORKERS + 2) as callers:
        futures = [callers.submit(together, file_engine, nested, nested) for _ in range(WORKERS + 2)]
        results = [future.result(timeout=30) for future in futures]
    for _, (first, second) in results:
        assert first == second and first.startswith("data-access")


def test_an_in_memory_database_is_read_on_the_calling_thread_only():
    engine = make_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (7)"))

    def read():
        with engine.connect() as conn:
            return conn.execute(text("SELECT x FROM t")).scalar_one(), _thread()

    assert together(engine, read, read) == [(7, _thread()), (7, _thread())]
