"""The benchmark's sample databases, one per backend and scale, built once and kept.

SQLite: var/bench/scale<N>/dashboard.db (named like the bundled sample, so the app serves it in demo
mode for the browser runs). PostgreSQL: schema bench_scale<N> in the TEST_DATABASE_URL database.
A database is rebuilt when its SAMPLE_VERSION differs and migrated when its schema is behind.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from data_access import migrate
from data_access.config import PROJECT_ROOT
from data_access.engine import make_engine, normalise_url
from sample_data import build_database
from sample_data.build import SAMPLE_VERSION

BENCH_DIR = PROJECT_ROOT / "var" / "bench"


def sqlite_path(scale: int):
    return BENCH_DIR / f"scale{scale}" / "dashboard.db"


def sqlite_engine(scale: int) -> Engine:
    return make_engine(f"sqlite:///{sqlite_path(scale)}")


def postgres_url(url: str, scale: int) -> str:
    """The URL of the schema bench_scale<N> (created when missing) in the database at ``url``."""
    name = f"bench_scale{int(scale)}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {name}"))
    admin.dispose()
    return make_url(normalise_url(url)).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
        hide_password=False)


def postgres_engine(url: str, scale: int) -> Engine:
    """An engine whose tables live in the schema bench_scale<N> (created when missing)."""
    return make_engine(postgres_url(url, scale))


def sample_version(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT value FROM dataset_info WHERE key = 'version'")).scalar()
    except SQLAlchemyError:
        return None


def ensure_built(engine: Engine, scale: int) -> float | None:
    """Build the scale's sample unless it is there at the current version; seconds spent building, or None."""
    if sample_version(engine) == SAMPLE_VERSION:
        migrate.upgrade(engine)  # a newer index reaches a kept database without a rebuild
        return None
    started = time.perf_counter()
    build_database(engine, scale=scale, replace=True)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # planner statistics now, not whenever autovacuum gets to it
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started
