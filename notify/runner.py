"""Send what is due: each subscription's latest schedule slot once, failed sends again after their back-off.

``run_due`` is what ``python -m notify run-due`` calls every minute. A slot is claimed (a row in
``deliveries``) before its content is built, so two overlapping runs never send it twice; the message goes
out through ``deliver``, the one call to the channel module; every attempt is written to the audit trail
with the redacted recipient, the kind and the counts, never the content.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from data_access import audit, config
from data_access import subscriptions as subs
from data_access.rules import CaseRules, load_rules
from data_access.subscriptions import Subscription
from notify import channels, content

log = logging.getLogger("notify")


def deliver(target: channels.Target, message: channels.Message) -> None:
    """Send one message; the only place that calls the channel module (tests replace it)."""
    channels.send(target, message)


@dataclass
class RunSummary:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retrying: int = 0
    taken_elsewhere: int = 0
    lines: list[str] = field(default_factory=list)


def run_due(engine: Engine, now: datetime | None = None, rules: CaseRules | None = None) -> RunSummary:
    now = subs.local_now(now)
    rules = rules or load_rules(config.rules_file())
    summary = RunSummary()
    summary.failed += subs.close_interrupted(engine, now)
    for sub, slot in subs.due_slots(engine, now):
        delivery_id = subs.claim(engine, sub.id, slot, now)
        if delivery_id is None:
            summary.taken_elsewhere += 1
            continue
        _attempt(engine, sub, delivery_id, slot, now, rules, summary)
    for sub, delivery_id, slot in subs.retries_due(engine, now):
        if subs.claim_retry(engine, delivery_id, now):
            _attempt(engine, sub, delivery_id, slot, now, rules, summary)
        else:
            summary.taken_elsewhere += 1
    return summary


def compose(engine: Engine, sub: Subscription, delivery_id: int, slot: datetime, now: datetime, rules: CaseRules
            ) -> tuple[content.Content | None, subs.AlertState | None, subs.AlertState | None]:
    """The message for the slot (None: nothing to send) and, for an alert, its state before and once sent."""
    as_of = content.content_moment(engine, now)
    if sub.what == "digest":
        previous = subs.last_sent(engine, sub.id, slot)
        since = as_of - (slot - previous if previous else timedelta(hours=24))
        return content.digest(engine, sub, as_of, since, rules), None, None
    if sub.what == "briefing":
        return content.briefing(engine, sub, as_of), None, None
    if subs.has_other_retry(engine, sub.id, delivery_id):
        return None, None, None  # the failed send is tried again on its own row: no second copy meanwhile
    state = subs.alert_state(engine, sub.id)
    finding = content.evaluate(engine, sub, as_of, rules)
    event = subs.alert_event(state, finding.count, now, timedelta(minutes=sub.params["repeat_minutes"]))
    if event is None:
        return None, None, None
    after = subs.next_alert_state(state, event, finding.count, now)
    fired_at = after.fired_at if event != "resolve" else state.fired_at
    return content.alert_message(engine, sub, event, finding, fired_at, as_of), state, after


def _attempt(engine: Engine, sub: Subscription, delivery_id: int, slot: datetime, now: datetime, rules: CaseRules,
             summary: RunSummary) -> None:
    detail = {"subscription": sub.id, "what": sub.what, "channel": sub.channel, "slot": slot.isoformat(sep=" ")}
    try:
        target = channels.target(sub.channel, sub.address, sub.secret)
    except channels.ChannelError as exc:
        subs.record_failure(engine, delivery_id, now, f"invalid address: {exc}", detail, retry=False)
        summary.failed += 1
        return
    detail["recipient"] = target.redacted()
    try:
        built, alert_before, alert_after = compose(engine, sub, delivery_id, slot, now, rules)
    except Exception as exc:  # a content error is recorded like a failed send, and tried again
        log.exception("content of subscription %s", sub.id)
        _failed(engine, sub, delivery_id, now, f"content could not be built: {type(exc).__name__}: {exc}", detail,
                summary)
        return
    alert = alert_after is not None
    if built is None or (alert and not subs.transition_alert(engine, sub.id, alert_before, alert_after)):
        subs.record_skipped(engine, delivery_id, detail)
        summary.skipped += 1
        return
    detail["counts"] = built.counts
    try:
        deliver(target, built.message)
    except channels.DeliveryError as exc:
        if alert:
            subs.transition_alert(engine, sub.id, alert_after, alert_before)
        _failed(engine, sub, delivery_id, now, str(exc), detail, summary)
        return
    subs.record_sent(engine, delivery_id, now, detail)
    audit.record(engine, "notify", "notify", f"subscription {sub.id}", {**detail, "outcome": "sent"})
    summary.sent += 1
    summary.lines.append(f"sent subscription {sub.id} ({sub.what}) slot {slot:%Y-%m-%d %H:%M} to {target.redacted()}")


def _failed(engine: Engine, sub: Subscription, delivery_id: int, now: datetime, error: str, detail: dict,
            summary: RunSummary) -> None:
    status = subs.record_failure(engine, delivery_id, now, error, detail)
    audit.record(engine, "notify", "notify", f"subscription {sub.id}", {**detail, "outcome": status, "error": error})
    if status == "retry":
        summary.retrying += 1
    else:
        summary.failed += 1
    summary.lines.append(f"subscription {sub.id} ({sub.what}): {status}: {error}")


def send_test(engine: Engine, sub: Subscription) -> str:
    """Send a short test message to the subscription's channel now (no slot claimed); the redacted recipient."""
    target = channels.target(sub.channel, sub.address, sub.secret)
    built = content.test_message(sub)
    detail = {"subscription": sub.id, "what": "test", "channel": sub.channel, "recipient": target.redacted()}
    try:
        deliver(target, built.message)
    except channels.DeliveryError as exc:
        audit.record(engine, "notify", "notify", f"subscription {sub.id}", {**detail, "outcome": "failed",
                                                                            "error": str(exc)})
        raise
    audit.record(engine, "notify", "notify", f"subscription {sub.id}", {**detail, "outcome": "sent"})
    return target.redacted()
