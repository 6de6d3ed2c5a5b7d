"""Children-in-difficulty subsidies: what was paid, by month and category."""

import streamlit as st

from dashboard import charts, context, data, layout
from dashboard.i18n import format_moment, format_yuan, label, period_label, t

ctx = context.current()
lang = ctx.lang
layout.page_header(ctx, "subsidies.title")

figures = data.key_figures(ctx.scope, ctx.filters, ctx.as_of).subsidies
months = data.payments_by_month(ctx.scope, ctx.filters)

cols = st.columns(3, border=True)
cols[0].metric(t("kpi.person_times", lang), f"{figures.person_times:,}")
cols[1].metric(t("kpi.amount", lang), format_yuan(float(figures.amount), lang))
cols[2].metric(t("kpi.children_paid", lang), f"{figures.children:,}")

st.subheader(t("subsidies.by_month", lang))
if months.empty:
    st.info(t("subsidies.none", lang, period=period_label(ctx.period, lang)))
else:
    st.altair_chart(charts.subsidy_by_month_chart(months, lang), width="stretch")
    table = months.assign(
        month=months["month"].dt.strftime("%Y-%m"),
        category=[label("category", c, lang) for c in months["category"]],
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "month": t("col.month", lang),
            "category": t("col.category", lang),
            "person_times": st.column_config.NumberColumn(t("col.person_times", lang), format="localized"),
            "children": st.column_config.NumberColumn(t("col.children", lang), format="localized"),
            "amount": st.column_config.NumberColumn(t("col.amount", lang), format="%,.2f"),
        },
    )

st.subheader(t("subsidies.standards", lang))
standards = data.subsidy_standards()
st.dataframe(
    standards.assign(
        category=[label("category", c, lang) for c in standards["category"]],
        valid_from=[format_moment(d) for d in standards["valid_from"]],
        valid_to=[format_moment(d) for d in standards["valid_to"]],
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "category": t("col.category", lang),
        "valid_from": t("col.valid_from", lang),
        "valid_to": t("col.valid_to", lang),
        "monthly_amount": st.column_config.NumberColumn(t("col.monthly_amount", lang), format="%,.2f"),
    },
)

st.subheader(t("subsidies.grants", lang))
grants = data.grants(ctx.period)
if grants.empty:
    st.info(t("subsidies.no_grants", lang))
else:
    st.dataframe(
        grants.assign(
            kind=[label("grant_kind", k, lang) for k in grants["kind"]],
            granted_on=[format_moment(d) for d in grants["granted_on"]],
        )[["granted_on", "kind", "amount", "recipients", f"description_{'en' if lang == 'en' else 'zh'}"]],
        hide_index=True,
        width="stretch",
        column_config={
            "granted_on": t("col.granted_on", lang),
            "kind": t("col.kind", lang),
            "amount": st.column_config.NumberColumn(t("col.amount", lang), format="%,.2f"),
            "recipients": t("col.recipients", lang),
            "description_zh": t("col.description", lang),
            "description_en": t("col.description", lang),
        },
    )
