"""Administration: accounts, subscriptions to digests and alerts, and the audit trail. Shown to admins only.

``load`` reads the accounts and subscriptions the page's forms act on; ``load_trail`` the audit trail, after the
forms (so that a change made here is in it at once) and the trail's own filters. The layout below draws what they
return.
"""

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from catalogue.i18n import format_moment, label, t
from dashboard import context, data, layout
from dashboard.text import literal
from data_access import audit, users
from data_access import subscriptions as subs
from notify import manage

CHAIN_CHECKED_ON_PAGE = 50_000


@dataclass(frozen=True)
class Admin:
    accounts: pd.DataFrame
    subscriptions: pd.DataFrame


@dataclass(frozen=True)
class Trail:
    chain: audit.ChainCheck  # the newest CHAIN_CHECKED_ON_PAGE rows
    entries: pd.DataFrame


def load(ctx: context.ViewContext) -> Admin:
    engine = data.engine()
    return Admin(users.list_users(engine), manage.listing(engine, ctx.lang))


def load_trail(username: str | None = None, action: str | None = None, since: datetime | None = None,
               contains: str | None = None) -> Trail:
    engine = data.engine()
    return Trail(audit.verify(engine, newest=CHAIN_CHECKED_ON_PAGE),
                 audit.search(engine, username=username, action=action, since=since, contains=contains))


if __name__ == "__main__":  # Streamlit runs a page as __main__; an import (the benchmark, tests) draws nothing
    ctx = context.current()
    lang = ctx.lang
    layout.page_header(ctx, "admin.title")
    if ctx.user.role != "admin":
        st.error(t("admin.only", lang))
        st.stop()
    engine = data.engine()
    loaded = load(ctx)

    st.subheader(t("admin.accounts", lang))
    accounts = loaded.accounts
    st.dataframe(
        pd.DataFrame({
            t("auth.username", lang): accounts["username"],
            t("col.role", lang): [label("role", r, lang) for r in accounts["role"]],
            t("col.street", lang): accounts["street_id"].fillna(""),
            t("col.community", lang): accounts["community_id"].fillna(""),
            t("admin.active", lang): accounts["active"].astype(bool),
            t("admin.last_sign_in", lang): [format_moment(m) for m in accounts["last_sign_in_at"]],
            t("admin.locked_until", lang): [format_moment(m) for m in accounts["locked_until"]],
        }),
        hide_index=True, width="stretch",
    )

    add, change = st.columns(2)
    with add.form("add-account", clear_on_submit=True):
        st.markdown(f"**{t('admin.add', lang)}**")
        username = st.text_input(t("auth.username", lang))
        role = st.selectbox(t("col.role", lang), users.ROLES, format_func=lambda r: label("role", r, lang))
        street = st.text_input(t("admin.street_id", lang), placeholder="fubao")
        community = st.text_input(t("admin.community_id", lang), placeholder="fubao-01")
        password = st.text_input(t("auth.password", lang), type="password")
        if st.form_submit_button(t("admin.add", lang)):
            try:
                users.add_user(engine, username.strip(), role, password, street.strip() or None,
                               community.strip() or None, by=ctx.user.username)
                st.success(t("admin.done", lang))
            except users.AccountError as exc:
                st.error(literal(exc))
    with change.form("change-account", clear_on_submit=True):
        st.markdown(f"**{t('admin.change', lang)}**")
        who = st.selectbox(t("auth.username", lang), list(accounts["username"]), index=None)
        new_password = st.text_input(t("admin.new_password", lang), type="password")
        set_clicked = st.form_submit_button(t("admin.set_password", lang))
        disable_clicked = st.form_submit_button(t("admin.disable", lang))
        if (set_clicked or disable_clicked) and who:
            try:
                if set_clicked:
                    users.set_password(engine, who, new_password, by=ctx.user.username)
                else:
                    users.disable_user(engine, who, by=ctx.user.username)
                st.success(t("admin.done", lang))
            except users.AccountError as exc:
                st.error(literal(exc))

    st.subheader(t("admin.subscriptions", lang))
    st.caption(t("admin.subscriptions.caption", lang))
    listed = loaded.subscriptions
    if listed.empty:
        st.info(t("admin.subscriptions.none", lang))
    else:
        def what_label(what: str, params: str) -> str:
            rule = json.loads(params or "{}").get("rule")
            shown = label("subscription_what", what, lang)
            return f"{shown} · {label('alert_rule', rule, lang)}" if rule else shown

        # what was sent and how it went first: the last error stays in view without scrolling sideways
        st.dataframe(
            pd.DataFrame({
                t("admin.sub.id", lang): listed["id"],
                t("admin.sub.account", lang): listed["username"],
                t("admin.sub.what", lang): [what_label(w, p) for w, p in zip(listed["what"], listed["params"])],
                t("admin.sub.channel", lang): [label("channel", c, lang) for c in listed["channel"]],
                t("admin.sub.last_status", lang): [label("delivery_status", s, lang) if isinstance(s, str) else ""
                                                   for s in listed["last_status"]],
                t("admin.sub.last_error", lang): listed["last_error"].fillna(""),
                t("admin.sub.last_slot", lang): [format_moment(m) for m in listed["last_slot"]],
                t("admin.sub.last_sent", lang): [format_moment(m) for m in listed["last_sent_at"]],
                t("admin.sub.schedule", lang): listed["schedule"],
                t("admin.sub.enabled", lang): listed["enabled"].astype(bool),
                t("admin.sub.recipient", lang): listed["recipient"],
            }),
            hide_index=True, width="stretch",
        )
    add_sub, disable_sub = st.columns([2, 1])
    with add_sub.form("add-subscription", clear_on_submit=True):
        st.markdown(f"**{t('admin.sub.add', lang)}**")
        account = st.selectbox(t("admin.sub.account", lang), list(accounts["username"]), index=None)
        what = st.selectbox(t("admin.sub.what", lang), subs.WHATS,
                            format_func=lambda w: label("subscription_what", w, lang))
        schedule = st.text_input(t("admin.sub.schedule", lang), placeholder="0 8 * * 1-5")
        channel = st.selectbox(t("admin.sub.channel", lang), subs.CHANNELS, format_func=lambda c: label("channel", c, lang))
        address = st.text_input(t("admin.sub.address", lang), type="password")
        secret = st.text_input(t("admin.sub.secret", lang), type="password")
        rule = st.selectbox(t("admin.sub.rule", lang), subs.ALERT_RULES, format_func=lambda r: label("alert_rule", r, lang))
        repeat = st.number_input(t("admin.sub.repeat", lang), min_value=1, max_value=10080,
                                 value=subs.DEFAULT_REPEAT_MINUTES)
        period = st.selectbox(t("admin.sub.period", lang), subs.BRIEFING_PERIODS,
                              format_func=lambda p: t(f"period_kind.{p}", lang))
        message_lang = st.selectbox(t("admin.sub.language", lang), ["zh", "en"],
                                    format_func=context.LANGUAGE_NAMES.get)
        if st.form_submit_button(t("admin.sub.add", lang)):
            params = {"lang": message_lang}
            if what == "alert":
                params.update(rule=rule, repeat_minutes=int(repeat))
            elif what == "briefing":
                params.update(period=period)
            try:
                manage.add(engine, account or "", what, schedule, channel, address, secret or None, params,
                           by=ctx.user.username)
                st.success(t("admin.done", lang))
            except subs.SubscriptionError as exc:
                st.error(literal(manage.error_text(exc, lang)))
    with disable_sub.form("disable-subscription", clear_on_submit=True):
        st.markdown(f"**{t('admin.sub.disable', lang)}**")
        enabled = listed[listed["enabled"].astype(bool)] if not listed.empty else listed
        choice = st.selectbox(t("admin.sub.id", lang), list(enabled["id"]) if not enabled.empty else [], index=None,
                              format_func=lambda i: f"{i} · {enabled.set_index('id').at[i, 'username']}")
        if st.form_submit_button(t("admin.sub.disable_button", lang)) and choice is not None:
            try:
                subs.disable_subscription(engine, int(choice), by=ctx.user.username)
                st.success(t("admin.done", lang))
            except subs.SubscriptionError as exc:
                st.error(literal(manage.error_text(exc, lang)))

    st.subheader(t("admin.audit", lang))
    chain_slot = st.container()  # the chain's check above the trail's filters, read after them
    cols = st.columns(4)
    who = cols[0].text_input(t("auth.username", lang), key="audit-user")
    action = cols[1].selectbox(t("admin.action", lang), ["", *audit.ACTIONS], key="audit-action",
                               format_func=lambda a: label("audit_action", a, lang) if a else t("cases.filter.any", lang))
    days = cols[2].number_input(t("admin.days", lang), min_value=1, max_value=3650, value=30, key="audit-days")
    contains = cols[3].text_input(t("admin.contains", lang), key="audit-contains")
    since = datetime.combine(datetime.now().date() - timedelta(days=int(days)), time.min)
    trail = load_trail(who.strip() or None, action or None, since, contains.strip() or None)
    chain, entries = trail.chain, trail.entries
    with chain_slot:
        if chain.ok:
            st.success(t("admin.chain_ok", lang, rows=chain.rows))
        else:
            st.error(t("admin.chain_broken", lang, id=chain.broken_id))
    st.caption(t("explore.rows", lang, rows=len(entries)))
    st.dataframe(
        pd.DataFrame({
            t("cases.event.time", lang): [format_moment(m) for m in entries["at"]],
            t("auth.username", lang): entries["username"].fillna(""),
            t("admin.action", lang): [label("audit_action", a, lang) for a in entries["action"]],
            t("admin.target", lang): entries["target"].fillna(""),
            t("admin.detail", lang): entries["detail"].fillna(""),
        }),
        hide_index=True, width="stretch",
    )
