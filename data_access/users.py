"""Local accounts: roles, password hashes (argon2), sign-in with lockout, and the scope a role sees.

Command line, for the first admin of a new installation and for later changes:

    python -m data_access.users add USERNAME --role ROLE [--street ID] [--community ID] --password-stdin
    python -m data_access.users list
    python -m data_access.users disable USERNAME
    python -m data_access.users set-password USERNAME --password-stdin
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from data_access import audit, schema, sessions
from data_access.types import Scope

U = schema.users
ROLES = ("leader", "supervisor", "director", "analyst", "admin")
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[A-Za-z0-9._@-]{3,60}$")
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()
# Verified when the username is unknown, so that answering takes as long as for a real account.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """An account change that cannot be made; the message says why."""


class SignInError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "invalid", "locked" or "disabled"


@dataclass(frozen=True)
class User:
    username: str
    role: str
    street_id: str | None = None
    community_id: str | None = None

    def scope(self) -> Scope:
        return scope_for(self.role, self.street_id, self.community_id)


def scope_for(role: str, street_id: str | None = None, community_id: str | None = None) -> Scope:
    """The role decides what the viewer may see."""
    if role == "supervisor":
        return Scope(streets=frozenset({street_id}), show_names=True)
    if role == "director":
        return Scope(streets=frozenset({street_id}), communities=frozenset({community_id}), show_names=True)
    if role in ROLES:
        return Scope.district(show_names=False)
    raise AccountError(f"unknown role: {role}")


def _check_place(engine: Engine, role: str, street_id: str | None, community_id: str | None) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role in ("supervisor", "director") and not street_id:
        raise AccountError(f"a {role} needs --street")
    if role == "director" and not community_id:
        raise AccountError("a director needs --community")
    if role not in ("supervisor", "director") and (street_id or community_id):
        raise AccountError(f"a {role} sees the whole district; leave out --street and --community")
    with engine.connect() as conn:
        if street_id and conn.execute(select(schema.streets.c.id).where(schema.streets.c.id == street_id)).first() is None:
            raise AccountError(f"unknown street {street_id!r}")
        if community_id:
            street = conn.execute(
                select(schema.communities.c.street_id).where(schema.communities.c.id == community_id)
            ).scalar()
            if street is None:
                raise AccountError(f"unknown community {community_id!r}")
            if street != street_id:
                raise AccountError(f"community {community_id!r} is not in street {street_id!r}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")


def add_user(engine: Engine, username: str, role: str, password: str, street_id: str | None = None,
             community_id: str | None = None, by: str | None = None) -> User:
    if not USERNAME.match(username or ""):
        raise AccountError("a username has 3 to 60 letters, digits or . _ @ -")
    _check_place(engine, role, street_id, community_id)
    _check_password(password)
    with engine.begin() as conn:
        if conn.execute(select(U.c.id).where(U.c.username == username)).first():
            raise AccountError(f"the username {username!r} is taken")
        conn.execute(insert(U).values(username=username, role=role, street_id=street_id, community_id=community_id,
                                      password_hash=_hasher.hash(password), active=True,
                                      created_at=datetime.now().replace(microsecond=0)))
        audit.record(conn, by, "account", username, {"change": "added", "role": role, "street": street_id,
                                                     "community": community_id})
    return User(username, role, street_id, community_id)


def set_password(engine: Engine, username: str, password: str, by: str | None = None) -> None:
    _check_password(password)
    with engine.begin() as conn:
        done = conn.execute(update(U).where(U.c.username == username).values(
            password_hash=_hasher.hash(password), failed_attempts=0, failed_since=None, locked_until=None))
        if not done.rowcount:
            raise AccountError(f"no account {username!r}")
        audit.record(conn, by, "account", username, {"change": "password set"})
        sessions.end_user_sessions(conn, username, "password")


def disable_user(engine: Engine, username: str, by: str | None = None) -> None:
    with engine.begin() as conn:
        done = conn.execute(update(U).where(U.c.username == username).values(active=False))
        if not done.rowcount:
            raise AccountError(f"no account {username!r}")
        audit.record(conn, by, "account", username, {"change": "disabled"})
        sessions.end_user_sessions(conn, username, "disabled")


def list_users(engine: Engine) -> pd.DataFrame:
    """Accounts without their password hashes."""
    query = select(U.c.username, U.c.role, U.c.street_id, U.c.community_id, U.c.active, U.c.created_at,
                   U.c.last_sign_in_at, U.c.locked_until).order_by(U.c.username)
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def authenticate(engine: Engine, username: str, password: str, now: datetime | None = None) -> User:
    """The account, or SignInError. After MAX_FAILURES failures within FAILURE_WINDOW the account is
    locked for FAILURE_WINDOW; failures are counted on the account and audited once, at the lock."""
    now = now or datetime.now()
    with engine.begin() as conn:
        row = conn.execute(select(U).where(U.c.username == username).with_for_update()).mappings().first()
        if row is None or not row["password_hash"]:
            _verify(_DUMMY_HASH, password)
            raise SignInError("invalid")
        if row["locked_until"] and row["locked_until"] > now:
            raise SignInError("locked")
        if _verify(row["password_hash"], password):
            if not row["active"]:
                raise SignInError("disabled")
            detail = {"failed_before": row["failed_attempts"]} if row["failed_attempts"] else None
            conn.execute(update(U).where(U.c.id == row["id"]).values(
                failed_attempts=0, failed_since=None, locked_until=None, last_sign_in_at=now))
            audit.record(conn, username, "sign_in", username, detail, at=now)
            return User(row["username"], row["role"], row["street_id"], row["community_id"])
        # A failure is committed before it is reported.
        fresh = not row["failed_since"] or now - row["failed_since"] > FAILURE_WINDOW
        failures = 1 if fresh else row["failed_attempts"] + 1
        values = dict(failed_attempts=failures, failed_since=now if fresh else row["failed_since"])
        if failures >= MAX_FAILURES:
            values.update(locked_until=now + FAILURE_WINDOW, failed_attempts=0, failed_since=None)
            audit.record(conn, username, "account_locked", username, {"failures": failures}, at=now)
        conn.execute(update(U).where(U.c.id == row["id"]).values(**values))
    raise SignInError("locked" if failures >= MAX_FAILURES else "invalid")


def find_user(engine: Engine, username: str) -> User | None:
    """An active account by name (for single sign-on, where the identity provider checked the password)."""
    with engine.connect() as conn:
        row = conn.execute(select(U).where(U.c.username == username, U.c.active.is_(True))).mappings().first()
    return User(row["username"], row["role"], row["street_id"], row["community_id"]) if row else None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def main(argv: list[str] | None = None) -> int:
    from data_access.config import database_url, exit_on_bad_settings
    from data_access.engine import describe_url, make_engine

    exit_on_bad_settings()
    parser = argparse.ArgumentParser(prog="python -m data_access.users", description="Manage dashboard accounts.")
    parser.add_argument("--db", default=None, help="database URL (default: DATABASE_URL or var/dashboard.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add an account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--street")
    add.add_argument("--community")
    add.add_argument("--password-stdin", action="store_true", required=True,
                     help="read the password from the first line of standard input")
    commands.add_parser("list", help="list the accounts")
    disable = commands.add_parser("disable", help="disable an account")
    disable.add_argument("username")
    reset = commands.add_parser("set-password", help="set a new password")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", required=True)
    args = parser.parse_args(argv)

    url = args.db or database_url()
    engine = make_engine(url)
    try:
        if args.command == "add":
            add_user(engine, args.username, args.role, sys.stdin.readline().rstrip("\n"), args.street, args.community,
                     by="cli")
            print(f"added {args.username} ({args.role})")
        elif args.command == "list":
            print(list_users(engine).to_string(index=False))
        elif args.command == "disable":
            disable_user(engine, args.username, by="cli")
            print(f"disabled {args.username}")
        else:
            set_password(engine, args.username, sys.stdin.readline().rstrip("\n"), by="cli")
            print(f"password set for {args.username}")
    except AccountError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"database error at {describe_url(url)}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
