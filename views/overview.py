"""Overview: the district at a glance for the bureau's leadership."""

import streamlit as st

from dashboard import charts, context, data, layout
from dashboard.i18n import format_yuan, label, period_label, t
from data_access.types import Period, add_months

ctx = context.current()
lang = ctx.lang
layout.page_header(ctx, "overview.title")
figures = data.key_figures(ctx.scope, ctx.filters, ctx.as_of)
net = figures.network

st.subheader(t("overview.network", lang))
cols = st.columns(5)
layout.kpi(cols[0], t("kpi.stations", lang), net.street_stations,
           t("kpi.stations_note", lang, covered=net.streets_with_station, streets=net.streets))
layout.kpi(cols[1], t("kpi.supervisors", lang), net.supervisors)
layout.kpi(cols[2], t("kpi.directors", lang), net.directors,
           t("kpi.directors_note", lang, covered=net.communities_with_director, communities=net.communities))
layout.kpi(cols[3], t("kpi.orgs", lang), net.organisations_total, t("kpi.orgs_note", lang, **net.organisations))
layout.kpi(cols[4], t("kpi.rescue", lang), net.rescue_rooms, t("kpi.rescue_note", lang, beds=net.planned_beds))

st.subheader(t("overview.children", lang))
cols = st.columns(len(figures.children_by_category) + 1)
layout.kpi(cols[0], t("kpi.children_total", lang), sum(figures.children_by_category.values()))
for col, (category, count) in zip(cols[1:], figures.children_by_category.items()):
    layout.kpi(col, label("category", category, lang), count)

st.subheader(t("overview.cases", lang))
cases = figures.cases
cols = st.columns(3)
layout.kpi(cols[0], t("kpi.open_cases", lang), cases.open_total, " ".join(
    layout.risk_badge(data.rules().risk(level), lang, f" {count}") for level, count in cases.open_by_risk.items()
))
layout.kpi(cols[1], t("kpi.overdue", lang), cases.overdue)
layout.kpi(cols[2], t("kpi.reported", lang), cases.reported_in_period)

st.subheader(t("overview.subsidies", lang))
now, before = figures.subsidies, figures.subsidies_previous
versus = t("kpi.vs_previous", lang, period=period_label(ctx.period.previous(), lang))
cols = st.columns(3)
layout.kpi(cols[0], t("kpi.person_times", lang), f"{now.person_times:,}", versus,
           delta=f"{now.person_times - before.person_times:+,}")
layout.kpi(cols[1], t("kpi.amount", lang), format_yuan(float(now.amount), lang), versus,
           delta=f"{float(now.amount - before.amount):+,.2f}")
layout.kpi(cols[2], t("kpi.children_paid", lang), f"{now.children:,}")

this_month = Period.containing(ctx.as_of.date(), "month")
recent = data.payments_by_month(ctx.scope, ctx.filters, add_months(this_month.start, -11), this_month.end)
st.caption(t("chart.subsidy_trend", lang))
if recent.empty:
    st.info(t("empty.no_data", lang))
else:
    st.altair_chart(charts.subsidy_by_month_chart(recent, lang, height=260), width="stretch")
