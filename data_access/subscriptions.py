"""Subscriptions to digests, briefings and alerts: storage, schedules, claims and retries, with no UI.

A subscription names an account (whose scope decides the content), what is sent (``digest``, ``briefing``
or ``alert``), when (a five-field cron expression read in Asia/Shanghai) and how (a channel and its address).
Each schedule slot of a subscription is answered by one row in ``deliveries``; the row is inserted before
anything is sent, and the unique index on (subscription, slot) lets only one of two overlapping runs insert
it, on SQLite and PostgreSQL alike. A failed send stays on its row and is tried again with back-off.

Addresses are checked by the channel module (notify.channels) before they reach ``add_subscription``; this
module only stores them, and never returns the signing secret in a listing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from croniter import croniter
from croniter.croniter import CroniterError
from sqlalchemy import Engine, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from data_access import audit, config, schema

SUB, DEL, ALERT, U = schema.subscriptions, schema.deliveries, schema.alert_states, schema.users
WHATS = ("digest", "briefing", "alert")
CHANNELS = ("email", "wecom", "dingtalk")
ALERT_RULES = ("critical_overdue", "no_holder", "unpaid_after_10th")
BRIEFING_PERIODS = ("month", "quarter", "year")
LANGUAGES = config.LANGUAGES
DEFAULT_REPEAT_MINUTES = 60
# A slot missed (the machine was off) is still sent this long after its moment; older ones are skipped.
GRACE = {"digest": timedelta(hours=2), "briefing": timedelta(hours=12), "alert": timedelta(minutes=10)}
# Minutes to wait after the 1st, 2nd, ... failed attempt; after the last, the delivery has failed.
BACKOFF_MINUTES = (1, 5, 15, 60)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
# A send still marked as under way this long after it was claimed was cut off (the run was killed).
STALE_SENDING = timedelta(minutes=30)
# Slots that had nothing to send (an alert every five minutes: 288 a day) are kept this long, then deleted.
KEEP_SKIPPED = timedelta(days=1)
INTERRUPTED = ("interrupted: the run stopped while sending; not sent again, since it may have gone out "
               "(see the recipient)")


class SubscriptionError(ValueError):
    """A subscription that cannot be made or changed. ``key`` names the catalogue entry (``subs.error.*`` in
    catalogue.i18n) that says what and why in Chinese and English, filled in with ``values``."""

    def __init__(self, key: str, **values: object):
        super().__init__(key, values)
        self.key, self.values = key, values

    def __str__(self) -> str:  # for logs; people read the catalogue's text
        return f"{self.key} " + " ".join(f"{name}={value!r}" for name, value in self.values.items())


@dataclass(frozen=True)
class Subscription:
    id: int
    username: str
    role: str
    street_id: str | None
    community_id: str | None
    account_active: bool
    what: str
    schedule: str
    channel: str
    address: str = field(repr=False)  # a webhook URL holds the robot's key
    secret: str | None = field(repr=False)
    enabled: bool
    created_at: datetime
    params: dict = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.params.get("lang", "zh")


# --- schedules ------------------------------------------------------------------------------------


def check_schedule(expression: str) -> str:
    """The expression with single spaces, or SubscriptionError: five fields, minute hour day month weekday."""
    text = " ".join((expression or "").split())
    fields = text.split(" ") if text else []
    if len(fields) != 5:
        raise SubscriptionError("subs.error.schedule_fields", schedule=expression or "", found=len(fields))
    try:
        croniter(text, datetime(2000, 1, 1))
        if not croniter.is_valid(text):
            raise ValueError(text)
    except (CroniterError, ValueError, KeyError) as exc:
        raise SubscriptionError("subs.error.schedule", schedule=expression, reason=str(exc)) from exc
    return text


def local_now(now: datetime | None = None) -> datetime:
    """``now`` (or the clock) as naive Asia/Shanghai time, to the minute's second."""
    moment = now if now is not None else datetime.now(config.LOCAL_ZONE)
    return config.to_local(moment).replace(microsecond=0)


def slot_at(expression: str, now: datetime) -> datetime:
    """The schedule's latest moment at or before ``now`` (naive Asia/Shanghai time)."""
    start = local_now(now).replace(second=0) + timedelta(minutes=1)
    return croniter(expression, start).get_prev(datetime)


def next_slot(expression: str, after: datetime) -> datetime:
    """The schedule's first moment after ``after`` (naive Asia/Shanghai time)."""
    return croniter(expression, local_now(after)).get_next(datetime)


# --- creating, listing, disabling --------------------------------------------------------------------


def check_params(engine: Engine, what: str, params: dict, account: dict) -> dict:
    """The parameters a subscription of ``what`` keeps, checked; unknown ones are refused."""
    params = dict(params or {})
    lang = params.pop("lang", "zh") or "zh"
    if lang not in LANGUAGES:
        raise SubscriptionError("subs.error.language", code=lang, choices=", ".join(LANGUAGES))
    out: dict = {"lang": lang}
    if what == "alert":
        rule = params.pop("rule", None)
        if rule not in ALERT_RULES:
            raise SubscriptionError("subs.error.rule", choices=", ".join(ALERT_RULES), rule=rule)
        repeat = params.pop("repeat_minutes", DEFAULT_REPEAT_MINUTES)
        try:
            repeat = int(repeat)
        except (TypeError, ValueError):
            raise SubscriptionError("subs.error.repeat_number", value=repeat) from None
        if not 1 <= repeat <= 60 * 24 * 7:
            raise SubscriptionError("subs.error.repeat_range", value=repeat)
        out.update(rule=rule, repeat_minutes=repeat)
    elif what == "briefing":
        period = params.pop("period", "month") or "month"
        if period not in BRIEFING_PERIODS:
            raise SubscriptionError("subs.error.period", choices=", ".join(BRIEFING_PERIODS), period=period)
        street = params.pop("street", None) or None
        if street is not None:
            with engine.connect() as conn:
                found = conn.execute(select(schema.streets.c.id).where(schema.streets.c.id == street)).first()
            if found is None:
                raise SubscriptionError("subs.error.street", street=street)
            if account["street_id"] and account["street_id"] != street:
                raise SubscriptionError("subs.error.street_scope", street=street, account=account["username"])
        out.update(period=period, street=street)
    if params:
        raise SubscriptionError("subs.error.settings", what=what, names=", ".join(sorted(params)))
    return out


def add_subscription(engine: Engine, username: str, what: str, schedule: str, channel: str, address: str,
                     secret: str | None = None, params: dict | None = None, by: str | None = None,
                     now: datetime | None = None) -> int:
    """Store a subscription whose address the channel module has already checked; its id.

    Every other value is checked here, and nothing is written when one is wrong."""
    if what not in WHATS:
        raise SubscriptionError("subs.error.what", what=what, choices=", ".join(WHATS))
    if channel not in CHANNELS:
        raise SubscriptionError("subs.error.channel", channel=channel, choices=", ".join(CHANNELS))
    if not (address or "").strip():
        raise SubscriptionError("subs.error.address_missing")
    schedule = check_schedule(schedule)
    with engine.connect() as conn:
        account = conn.execute(select(U.c.id, U.c.username, U.c.role, U.c.street_id, U.c.active)
                               .where(U.c.username == (username or "").strip())).mappings().first()
    if account is None:
        raise SubscriptionError("subs.error.account", account=username)
    if not account["active"]:
        raise SubscriptionError("subs.error.account_disabled", account=username)
    kept = check_params(engine, what, params or {}, account)
    with engine.begin() as conn:
        new_id = conn.execute(insert(SUB).values(
            user_id=account["id"], what=what, params=json.dumps(kept, sort_keys=True), schedule=schedule,
            channel=channel, address=address.strip(), secret=secret or None, enabled=True,
            created_at=local_now(now), created_by=by)).inserted_primary_key[0]
        audit.record(conn, by, "subscription", str(new_id), {"change": "added", "account": account["username"],
                                                             "what": what, "channel": channel, "schedule": schedule,
                                                             **{k: v for k, v in kept.items() if k != "lang"}})
    return int(new_id)


def disable_subscription(engine: Engine, subscription_id: int, by: str | None = None) -> None:
    with engine.begin() as conn:
        done = conn.execute(update(SUB).where(SUB.c.id == subscription_id).values(enabled=False))
        if not done.rowcount:
            raise SubscriptionError("subs.error.not_found", id=subscription_id)
        audit.record(conn, by, "subscription", str(subscription_id), {"change": "disabled"})


def _select_subscriptions():
    return select(SUB, U.c.username, U.c.role, U.c.street_id, U.c.community_id,
                  U.c.active.label("account_active")).join(U, SUB.c.user_id == U.c.id)


def _subscription(row) -> Subscription:
    return Subscription(
        id=row["id"], username=row["username"], role=row["role"], street_id=row["street_id"],
        community_id=row["community_id"], account_active=bool(row["account_active"]), what=row["what"],
        schedule=row["schedule"], channel=row["channel"], address=row["address"], secret=row["secret"],
        enabled=bool(row["enabled"]), created_at=row["created_at"], params=json.loads(row["params"] or "{}"))


def get_subscription(engine: Engine, subscription_id: int) -> Subscription | None:
    with engine.connect() as conn:
        row = conn.execute(_select_subscriptions().where(SUB.c.id == subscription_id)).mappings().first()
    return _subscription(row) if row else None


def subscriptions(engine: Engine, enabled_only: bool = False) -> list[Subscription]:
    query = _select_subscriptions().order_by(SUB.c.id)
    if enabled_only:
        query = query.where(SUB.c.enabled.is_(True), U.c.active.is_(True))
    with engine.connect() as conn:
        return [_subscription(row) for row in conn.execute(query).mappings()]


def list_subscriptions(engine: Engine) -> pd.DataFrame:
    """Every subscription with its latest delivery (status, when sent, attempts, last error); no secret and
    no address: the caller shows the address redacted by the channel module.

    A slot that had nothing to send (an alert evaluated while nothing changed) is no delivery: it does not hide
    the latest send, or a failing one still being retried, behind it."""
    latest = (select(func.max(DEL.c.slot)).where(DEL.c.subscription_id == SUB.c.id, DEL.c.status != "skipped")
              .correlate(SUB).scalar_subquery())
    last = DEL.alias("last")
    query = (
        select(SUB.c.id, U.c.username, SUB.c.what, SUB.c.params, SUB.c.schedule, SUB.c.channel, SUB.c.enabled,
               SUB.c.created_at, last.c.slot.label("last_slot"), last.c.status.label("last_status"),
               last.c.sent_at.label("last_sent_at"), last.c.attempts.label("last_attempts"),
               last.c.last_error)
        .join(U, SUB.c.user_id == U.c.id)
        .outerjoin(last, and_(last.c.subscription_id == SUB.c.id, last.c.slot == latest))
        .order_by(SUB.c.id)
    )
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


# --- claims, sends and retries -----------------------------------------------------------------------


def due_slots(engine: Engine, now: datetime) -> list[tuple[Subscription, datetime]]:
    """Enabled subscriptions of active accounts whose latest slot has come, is not older than its grace,
    is not before the subscription was made, and has no delivery row yet."""
    moment = local_now(now)
    out = []
    for sub in subscriptions(engine, enabled_only=True):
        slot = slot_at(sub.schedule, moment)
        if slot < sub.created_at.replace(second=0, microsecond=0) or moment - slot > GRACE[sub.what]:
            continue
        out.append((sub, slot))
    if not out:
        return []
    with engine.connect() as conn:
        taken = set(conn.execute(select(DEL.c.subscription_id, DEL.c.slot).where(
            DEL.c.subscription_id.in_([sub.id for sub, _ in out]), DEL.c.slot.in_({slot for _, slot in out}))).all())
    return [(sub, slot) for sub, slot in out if (sub.id, slot) not in taken]


def claim(engine: Engine, subscription_id: int, slot: datetime, now: datetime) -> int | None:
    """Take a slot for this run: the new delivery's id, or None when another run took it first."""
    try:
        with engine.begin() as conn:
            return int(conn.execute(insert(DEL).values(
                subscription_id=subscription_id, slot=slot, status="sending", claimed_at=local_now(now),
                attempts=0)).inserted_primary_key[0])
    except IntegrityError:
        return None


def close_interrupted(engine: Engine, now: datetime) -> int:
    """Mark sends cut off mid-way (still 'sending' past STALE_SENDING) as failed, so that they show on /admin;
    they are not sent again, since the message may have gone out before the run stopped. Slots that had
    nothing to send are deleted after KEEP_SKIPPED (long past their grace, so they are not sent either)."""
    with engine.begin() as conn:
        done = conn.execute(update(DEL).where(DEL.c.status == "sending",
                                              DEL.c.claimed_at < local_now(now) - STALE_SENDING)
                            .values(status="failed", last_error=INTERRUPTED))
        conn.execute(delete(DEL).where(DEL.c.status == "skipped", DEL.c.slot < local_now(now) - KEEP_SKIPPED))
    return done.rowcount


def has_other_retry(engine: Engine, subscription_id: int, delivery_id: int) -> bool:
    """Whether another delivery of the subscription waits to be tried again."""
    with engine.connect() as conn:
        return conn.execute(select(DEL.c.id).where(DEL.c.subscription_id == subscription_id, DEL.c.status == "retry",
                                                   DEL.c.id != delivery_id)).first() is not None


def retries_due(engine: Engine, now: datetime) -> list[tuple[Subscription, int, datetime]]:
    """(subscription, delivery id, slot) of failed sends whose next attempt has come."""
    query = (select(DEL.c.id, DEL.c.subscription_id, DEL.c.slot)
             .where(DEL.c.status == "retry", DEL.c.next_attempt_at <= local_now(now)).order_by(DEL.c.id))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    found = {sub.id: sub for sub in subscriptions(engine, enabled_only=True)}
    return [(found[row.subscription_id], row.id, row.slot) for row in rows if row.subscription_id in found]


def claim_retry(engine: Engine, delivery_id: int, now: datetime) -> bool:
    """Take a retry for this run; False when another run took it first."""
    with engine.begin() as conn:
        done = conn.execute(update(DEL).where(DEL.c.id == delivery_id, DEL.c.status == "retry",
                                              DEL.c.next_attempt_at <= local_now(now))
                            .values(status="sending", claimed_at=local_now(now)))
    return done.rowcount == 1


def record_sent(engine: Engine, delivery_id: int, now: datetime, detail: dict) -> None:
    with engine.begin() as conn:
        conn.execute(update(DEL).where(DEL.c.id == delivery_id).values(
            status="sent", sent_at=local_now(now), attempts=DEL.c.attempts + 1, next_attempt_at=None,
            detail=json.dumps(detail, sort_keys=True, default=str)))


def record_skipped(engine: Engine, delivery_id: int, detail: dict) -> None:
    """A slot that had nothing to send (an alert that neither began, repeated nor resolved)."""
    with engine.begin() as conn:
        conn.execute(update(DEL).where(DEL.c.id == delivery_id).values(
            status="skipped", detail=json.dumps(detail, sort_keys=True, default=str)))


def record_failure(engine: Engine, delivery_id: int, now: datetime, error: str, detail: dict,
                   retry: bool = True) -> str:
    """Count a failed attempt; 'retry' with the next attempt after the back-off, or 'failed' after the last
    attempt (or at once when ``retry`` is false)."""
    with engine.begin() as conn:
        attempts = conn.execute(select(DEL.c.attempts).where(DEL.c.id == delivery_id)).scalar_one() + 1
        again = retry and attempts < MAX_ATTEMPTS
        status = "retry" if again else "failed"
        conn.execute(update(DEL).where(DEL.c.id == delivery_id).values(
            status=status, attempts=attempts, last_error=error[:2000],
            next_attempt_at=local_now(now) + timedelta(minutes=BACKOFF_MINUTES[attempts - 1]) if again else None,
            detail=json.dumps(detail, sort_keys=True, default=str)))
    return status


def delivery(engine: Engine, delivery_id: int) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(select(DEL).where(DEL.c.id == delivery_id)).mappings().first()
    return dict(row) if row else None


def deliveries(engine: Engine, subscription_id: int) -> pd.DataFrame:
    query = select(DEL).where(DEL.c.subscription_id == subscription_id).order_by(DEL.c.slot, DEL.c.id)
    with engine.connect() as conn:
        return pd.read_sql(query, conn)


def last_sent(engine: Engine, subscription_id: int, before: datetime) -> datetime | None:
    """The slot of the subscription's latest successful send before ``before``."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(DEL.c.slot)).where(
            DEL.c.subscription_id == subscription_id, DEL.c.status == "sent", DEL.c.slot < before)).scalar()


# --- alert state ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertState:
    firing: bool = False
    fired_at: datetime | None = None
    last_sent_at: datetime | None = None
    resolved_at: datetime | None = None
    count: int = 0


def alert_state(engine: Engine, subscription_id: int) -> AlertState:
    with engine.connect() as conn:
        row = conn.execute(select(ALERT).where(ALERT.c.subscription_id == subscription_id)).mappings().first()
    if row is None:
        return AlertState()
    return AlertState(bool(row["firing"]), row["fired_at"], row["last_sent_at"], row["resolved_at"], row["count"])


def transition_alert(engine: Engine, subscription_id: int, before: AlertState, after: AlertState) -> bool:
    """Move the alert from ``before`` to ``after`` if no other run has moved it meanwhile; False when one has.

    Taken before a message is sent (and given back if the send fails), so two runs that evaluate the same
    alert at once send its firing, repeat or resolution once."""
    values = dict(firing=after.firing, fired_at=after.fired_at, last_sent_at=after.last_sent_at,
                  resolved_at=after.resolved_at, count=after.count)
    sent = ALERT.c.last_sent_at.is_(None) if before.last_sent_at is None else ALERT.c.last_sent_at == before.last_sent_at
    try:
        with engine.begin() as conn:
            done = conn.execute(update(ALERT).where(ALERT.c.subscription_id == subscription_id,
                                                    ALERT.c.firing.is_(before.firing), sent).values(**values))
            if done.rowcount:
                return True
            exists = conn.execute(select(ALERT.c.subscription_id)
                                  .where(ALERT.c.subscription_id == subscription_id)).first()
            if exists or before != AlertState():
                return False
            conn.execute(insert(ALERT).values(subscription_id=subscription_id, **values))
            return True
    except IntegrityError:
        return False


def alert_event(state: AlertState, found: int, now: datetime, repeat: timedelta) -> str | None:
    """What an evaluation sends: 'fire' (newly true), 'repeat' (still true after the interval), 'resolve'
    (true before, not now) or None."""
    if found and not state.firing:
        return "fire"
    if found and (state.last_sent_at is None or local_now(now) - state.last_sent_at >= repeat):
        return "repeat"
    if not found and state.firing:
        return "resolve"
    return None


def next_alert_state(state: AlertState, event: str | None, found: int, now: datetime) -> AlertState:
    """The state after ``event`` was sent."""
    moment = local_now(now)
    if event == "fire":
        return AlertState(True, moment, moment, None, found)
    if event == "repeat":
        return AlertState(True, state.fired_at, moment, None, found)
    if event == "resolve":
        return AlertState(False, state.fired_at, moment, moment, 0)
    return AlertState(state.firing, state.fired_at, state.last_sent_at, state.resolved_at, found)
