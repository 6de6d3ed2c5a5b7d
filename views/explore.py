"""Explore: browse the reference lists behind the dashboard."""

import streamlit as st

from dashboard import context, data, layout
from dashboard.i18n import format_moment, label, t

ctx = context.current()
lang = ctx.lang
layout.page_header(ctx, "explore.title")
suffix = "en" if lang == "en" else "zh"

DATASETS = {
    "communities": ("col.community", lambda: data.communities(ctx.scope, ctx.filters)),
    "stations": ("map.stations", lambda: data.stations(ctx.scope, ctx.filters)),
    "staff": ("explore.staff", lambda: data.staff(ctx.scope, ctx.filters, ctx.as_of)),
    "social_orgs": ("kpi.orgs", lambda: data.social_orgs(ctx.scope, ctx.filters, ctx.as_of)),
}
choice = st.segmented_control(
    t("explore.dataset", lang), list(DATASETS), format_func=lambda k: t(DATASETS[k][0], lang),
    default="communities", required=True,
)
frame = DATASETS[choice][1]()

if choice == "communities":
    shown = {t("col.code", lang): frame["code"], t("col.community", lang): frame[f"name_{suffix}"],
             t("col.street", lang): frame[f"street_{suffix}"]}
elif choice == "stations":
    shown = {t("col.name", lang): frame[f"name_{suffix}"],
             t("col.kind", lang): [label("station_kind", k, lang) for k in frame["kind"]],
             t("col.street", lang): frame[f"street_{suffix}"],
             t("col.opened_on", lang): [format_moment(d) for d in frame["opened_on"]]}
elif choice == "staff":
    shown = {t("col.person", lang): frame["name"],
             t("col.role", lang): [label("staff_role", r, lang) for r in frame["role"]],
             t("col.street", lang): frame[f"street_{suffix}"],
             t("col.community", lang): frame[f"community_{suffix}"],
             t("col.trained", lang): frame["trained_on"].notna()}
else:
    shown = {t("col.name", lang): frame[f"name_{suffix}"],
             t("col.category", lang): [label("org_category", c, lang) for c in frame["category"]],
             t("col.street", lang): frame[f"street_{suffix}"],
             t("col.registered_on", lang): [format_moment(d) for d in frame["registered_on"]]}

st.caption(t("explore.rows", lang, rows=len(frame)))
st.dataframe(shown, hide_index=True, width="stretch")
