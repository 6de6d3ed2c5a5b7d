"""Schema migrations (Alembic) from code: bring a database to the newest schema."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.autogenerate import compare_metadata
from sqlalchemy import Engine

from data_access import schema

SCRIPTS = Path(__file__).with_name("migrations")


def _config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)


def differences(engine: Engine) -> list:
    """What the database lacks or has beyond data_access.schema (empty when they agree)."""
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), schema.metadata)


@functools.cache
def head_revisions() -> frozenset[str]:
    """The newest revision(s) the migration scripts define."""
    return frozenset(ScriptDirectory(str(SCRIPTS)).get_heads())


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every revision the migration scripts define."""
    return frozenset(script.revision for script in ScriptDirectory(str(SCRIPTS)).walk_revisions())


def current_revisions(engine: Engine) -> frozenset[str]:
    """The revision(s) the database is stamped with (empty before any migration ran)."""
    with engine.connect() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())
