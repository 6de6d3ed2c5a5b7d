"""Adding, listing and disabling subscriptions, with addresses checked by the channel module and shown
redacted."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from catalogue.i18n import t
from data_access import subscriptions as subs
from data_access.subscriptions import SubscriptionError
from notify import channels


def add(engine: Engine, username: str, what: str, schedule: str, channel: str, address: str,
        secret: str | None = None, params: dict | None = None, by: str | None = None) -> int:
    """Check every value (the address by the channel module) and store the subscription; nothing is written
    when one is wrong (SubscriptionError says what and why)."""
    subs.check_schedule(schedule)
    if channel not in subs.CHANNELS:
        raise SubscriptionError("subs.error.channel", channel=channel, choices=", ".join(subs.CHANNELS))
    try:
        target = channels.target(channel, (address or "").strip(), secret or None)
    except channels.ChannelError as exc:
        raise SubscriptionError("subs.error.address", channel=channel, reason=str(exc)) from exc
    return subs.add_subscription(engine, username, what, schedule, channel, target.address, target.secret, params,
                                 by=by)


def error_text(error: SubscriptionError, lang: str) -> str:
    """What a refusal says, from the catalogue, in ``lang``."""
    return t(error.key, lang, **error.values)


def redacted(sub: subs.Subscription, lang: str) -> str:
    try:
        return channels.target(sub.channel, sub.address, sub.secret).redacted()
    except channels.ChannelError:
        return t("subs.invalid_address", lang)


def listing(engine: Engine, lang: str) -> pd.DataFrame:
    """Every subscription with its redacted recipient and latest delivery; never a key or secret."""
    frame = subs.list_subscriptions(engine)
    shown = {sub.id: redacted(sub, lang) for sub in subs.subscriptions(engine)}
    frame.insert(frame.columns.get_loc("channel") + 1, "recipient", [shown.get(i, "") for i in frame["id"]])
    return frame
