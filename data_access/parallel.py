"""Independent queries side by side, each on its own pooled connection.

SQLite and psycopg release the GIL while a statement runs, so a figure made of independent scans
(this period's and the previous period's, the reconciliation's three lists) takes about as long as
its longest scan instead of their sum. The workers are few and shared by the process, so however
many sessions ask, the extra connections stay within the engine's pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine
from sqlalchemy.pool import SingletonThreadPool, StaticPool

WORKERS = 4

_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="data-access")
_on_worker = threading.local()


def _run_on_worker(call: Callable):
    _on_worker.active = True
    try:
        return call()
    finally:
        _on_worker.active = False


def together(engine: Engine, *calls: Callable) -> list:
    """The calls' results, in order. The first runs on the calling thread while the rest run on the
    shared workers. They run in turn on a worker (a worker never waits for another) and on an engine
    whose threads share one connection or see databases of their own (SQLite in memory)."""
    shared = isinstance(engine.pool, (SingletonThreadPool, StaticPool))
    if shared or getattr(_on_worker, "active", False) or len(calls) < 2:
        return [call() for call in calls]
    futures = [_pool.submit(_run_on_worker, call) for call in calls[1:]]
    first = calls[0]()
    return [first, *(future.result() for future in futures)]
