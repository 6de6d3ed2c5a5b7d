"""Administration: accounts and the audit trail. Shown to admins only."""

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from dashboard import context, data, layout
from dashboard.i18n import format_moment, label, t
from dashboard.text import literal
from data_access import audit, users

CHAIN_CHECKED_ON_PAGE = 50_000

ctx = context.current()
lang = ctx.lang
layout.page_header(ctx, "admin.title")
if ctx.user.role != "admin":
    st.error(t("admin.only", lang))
    st.stop()
engine = data.engine()

st.subheader(t("admin.accounts", lang))
accounts = users.list_users(engine)
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

st.subheader(t("admin.audit", lang))
chain = audit.verify(engine, newest=CHAIN_CHECKED_ON_PAGE)
if chain.ok:
    st.success(t("admin.chain_ok", lang, rows=chain.rows))
else:
    st.error(t("admin.chain_broken", lang, id=chain.broken_id))
cols = st.columns(4)
who = cols[0].text_input(t("auth.username", lang), key="audit-user")
action = cols[1].selectbox(t("admin.action", lang), ["", *audit.ACTIONS], key="audit-action",
                           format_func=lambda a: label("audit_action", a, lang) if a else t("cases.filter.any", lang))
days = cols[2].number_input(t("admin.days", lang), min_value=1, max_value=3650, value=30, key="audit-days")
contains = cols[3].text_input(t("admin.contains", lang), key="audit-contains")
since = datetime.combine(datetime.now().date() - timedelta(days=int(days)), time.min)
entries = audit.search(engine, username=who.strip() or None, action=action or None, since=since,
                       contains=contains.strip() or None)
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
