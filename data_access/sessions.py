"""Sign-in sessions kept on the server, so that a reload, a new tab or another process of the same
installation keeps a viewer signed in.

The browser holds a random token in a cookie signed with the installation's key; the database holds
only the token's SHA-256, with whose session it is and when it ends. A session ends at sign-out, when
the account is disabled or its password changes, after an idle spell and at its absolute lifetime.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy import Connection, Engine, delete, insert, select, update

from data_access import audit, schema, users

S = schema.user_sessions
U = schema.users
SALT = "dashboard.sign-in"
# Ended and expired rows are kept this long (the audit trail keeps the sign-ins and sign-outs for good).
KEEP_ENDED = timedelta(days=30)
# Activity is written at most this often per idle timeout, so a busy viewer costs few writes.
TOUCH_FRACTION = 30


@dataclass(frozen=True)
class SessionCheck:
    """A signed-in viewer, or why there is none: "missing" (no usable cookie: none, forged, tampered or
    past its lifetime) or the reason the session ended ("sign_out", "idle", "expired", "disabled",
    "password")."""

    user: users.User | None
    ended: str | None = None


def _signer(key: str) -> TimestampSigner:
    return TimestampSigner(key, salt=SALT)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(bind: Engine | Connection, user: users.User, key: str, lifetime: timedelta,
                 now: datetime | None = None) -> str:
    """Start a session for ``user`` (who has just proved who they are); the cookie value to hand out."""
    now = (now or datetime.now()).replace(microsecond=0)
    token = secrets.token_urlsafe(32)
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            return open_session(conn, user, key, lifetime, now)
    user_id = bind.execute(select(U.c.id).where(U.c.username == user.username)).scalar_one()
    bind.execute(delete(S).where(S.c.expires_at < now - KEEP_ENDED))
    bind.execute(insert(S).values(token_hash=_hash(token), user_id=user_id, created_at=now, last_seen_at=now,
                                  expires_at=now + lifetime))
    return _signer(key).sign(token).decode()


def token_of(cookie: str | None, key: str, lifetime: timedelta) -> str | None:
    """The token inside a cookie value, or None when it is missing, forged, tampered or too old."""
    if not cookie:
        return None
    try:
        return _signer(key).unsign(cookie, max_age=lifetime.total_seconds()).decode()
    except (BadSignature, UnicodeError):
        return None


def check_session(engine: Engine, cookie: str | None, key: str, idle: timedelta, lifetime: timedelta,
                  now: datetime | None = None) -> SessionCheck:
    """The viewer a cookie signs in, with the account as it is now (a changed role applies at once).

    A session past its idle timeout or lifetime is ended here, and its sign-out audited once.
    """
    now = now or datetime.now()
    token = token_of(cookie, key, lifetime)
    if token is None:
        return SessionCheck(None, "missing")
    query = (select(S.c.id, S.c.last_seen_at, S.c.expires_at, S.c.ended_at, S.c.end_reason, U.c.username,
                    U.c.role, U.c.street_id, U.c.community_id, U.c.active)
             .join(U, U.c.id == S.c.user_id).where(S.c.token_hash == _hash(token)))
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        return SessionCheck(None, "missing")
    if row["ended_at"] is not None:
        return SessionCheck(None, row["end_reason"])
    reason = ("disabled" if not row["active"] else "expired" if now >= row["expires_at"]
              else "idle" if now - row["last_seen_at"] > idle else None)
    if reason:
        _end(engine, S.c.id == row["id"], row["username"], reason, now)
        return SessionCheck(None, reason)
    if now - row["last_seen_at"] > idle / TOUCH_FRACTION:
        with engine.begin() as conn:
            conn.execute(update(S).where(S.c.id == row["id"], S.c.ended_at.is_(None))
                         .values(last_seen_at=now.replace(microsecond=0)))
    return SessionCheck(users.User(row["username"], row["role"], row["street_id"], row["community_id"]))


def end_session(engine: Engine, cookie: str | None, key: str, lifetime: timedelta, reason: str = "sign_out",
                now: datetime | None = None) -> bool:
    """End the session a cookie holds (sign-out: every tab of that browser). False when none was open."""
    token = token_of(cookie, key, lifetime)
    if token is None:
        return False
    with engine.connect() as conn:
        username = conn.execute(select(U.c.username).join(S, S.c.user_id == U.c.id)
                                .where(S.c.token_hash == _hash(token))).scalar()
    return bool(username) and _end(engine, S.c.token_hash == _hash(token), username, reason, now or datetime.now()) > 0


def end_user_sessions(conn: Connection, username: str, reason: str, now: datetime | None = None) -> int:
    """End every open session of an account (disabled, or a new password), inside the caller's transaction."""
    user_id = select(U.c.id).where(U.c.username == username).scalar_subquery()
    return _end(conn, S.c.user_id == user_id, username, reason, now or datetime.now())


def _end(bind: Engine | Connection, which, username: str, reason: str, now: datetime) -> int:
    """Mark open sessions ended and audit one sign-out; a session already ended is left as it was, so that
    two tabs finding the same idle session log it once."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            return _end(conn, which, username, reason, now)
    now = now.replace(microsecond=0)
    done = bind.execute(update(S).where(which, S.c.ended_at.is_(None)).values(ended_at=now, end_reason=reason))
    if done.rowcount:
        detail = {"reason": reason} if done.rowcount == 1 else {"reason": reason, "sessions": done.rowcount}
        audit.record(bind, username, "sign_out", username, detail, at=now)
    return done.rowcount
