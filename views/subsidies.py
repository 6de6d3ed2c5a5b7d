"""Children-in-difficulty subsidies: where the money goes, and whether everyone eligible was paid
on time and in full.

``load`` makes the page's data calls for the trend's grouping (``?by=``, settled from the URL before anything is
drawn); ``load_window`` those for the months chosen on the trend chart (the standards' changes and the
reconciliation), after the chart is drawn. The layout below draws what they return.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from catalogue.i18n import format_moment, format_yuan, label, period_label, t, versus_months, versus_year_months
from dashboard import charts, context, data, empty, layout, subsidy_tables, urlstate
from dashboard.gaps import months_due_end
from dashboard.text import md
from data_access.overview import SubsidyFigures
from data_access.subsidies import ANOMALY_KINDS
from data_access.types import Period, Span, add_months



@dataclass(frozen=True)
class Subsidies:
    first_month: date
    after_last: date  # the end of the as-of month
    window: tuple[date, date]  # the period's months up to the as-of month
    span: Span
    before: Span
    last: Span | None
    figures: SubsidyFigures
    earlier: SubsidyFigures
    last_year: SubsidyFigures | None
    registered: int | None  # the children on the register, asked for when the period's months paid no one
    trend: pd.DataFrame
    streets: pd.DataFrame
    grants_between: pd.DataFrame
    standards: pd.DataFrame
    two_years: pd.DataFrame
    quarter_rows: pd.DataFrame
    grants: pd.DataFrame


@dataclass(frozen=True)
class Window:
    changes: pd.DataFrame  # changes of the standards within the window
    start: date  # the window's months that are over: what is reconciled
    end: date
    summary: pd.DataFrame | None  # None when no month of the window is over
    lists: dict[str, pd.DataFrame] | None


def load(ctx: context.ViewContext, by: str = "category") -> Subsidies:
    period = ctx.period
    info = data.dataset_info()
    first_month = info.first_month or period.start
    after_last = Period.containing(ctx.as_of.date(), "month").end
    # While the period runs, its complete months against as many months of the previous period (as on the overview),
    # and against the same months a year before.
    span = Span.of(period, ctx.as_of)
    before = span.matching(period.previous())
    last = data.year_before_span(span)
    figures = data.subsidy_figures(ctx.scope, ctx.filters, span)
    earlier = data.subsidy_figures(ctx.scope, ctx.filters, before)
    last_year = data.subsidy_figures(ctx.scope, ctx.filters, last) if last else None
    registered = None
    if span.months and figures.person_times == 0:
        registered = sum(data.children_by_category(ctx.scope, ctx.filters, ctx.as_of).values())
    year = Period("year", period.year)
    return Subsidies(
        first_month=first_month,
        after_last=after_last,
        window=(period.start, min(period.end, after_last)),
        span=span,
        before=before,
        last=last,
        figures=figures,
        earlier=earlier,
        last_year=last_year,
        registered=registered,
        trend=data.payments_by_month(ctx.scope, ctx.filters, first_month, after_last, by),
        streets=data.streets(ctx.scope),
        grants_between=data.grants_between(ctx.scope, first_month, after_last),
        standards=data.standards_by_month(first_month, after_last),
        two_years=data.payments_by_month(ctx.scope, ctx.filters, year.previous().start, min(year.end, after_last),
                                         "category"),
        quarter_rows=data.quarter_table(ctx.scope, ctx.filters, first_month, ctx.as_of),
        grants=data.grants(ctx.scope, period),
    )


def load_window(ctx: context.ViewContext, window: tuple[date, date]) -> Window:
    changes = data.standard_changes(*window)
    # A month's payments are all due once it is over: a month still running is not reconciled.
    start, end = window[0], min(window[1], max(window[0], months_due_end(ctx.as_of)))
    if start >= end:
        return Window(changes, start, end, None, None)
    return Window(changes, start, end, data.reconciliation_summary(ctx.scope, ctx.filters, start, end),
                  data.reconciliation(ctx.scope, ctx.filters, start, end))


if __name__ == "__main__":  # Streamlit runs a page as __main__; an import (the benchmark, tests) draws nothing
    ctx = context.current()
    lang = ctx.lang
    suffix = "en" if lang == "en" else "zh"
    notices = layout.page_header(ctx, "subsidies.title")
    period = ctx.period
    MONEY = {t(key, lang) for key in ("col.amount", "col.average", "col.due", "col.paid_amount", "col.gap",
                                      "col.standard", "col.at_issue")}

    def show(table: pd.DataFrame, **options) -> None:
        money = {c: st.column_config.NumberColumn(c, format="%,.2f") for c in table.columns if c in MONEY}
        st.dataframe(table, hide_index=True, width="stretch", column_config=money, **options)

    urlstate.sync_from_url("by", "category", lambda raw: raw if raw in ("category", "street") else None,
                           lambda raw: t("notice.bad_param", lang, name="by", value=raw, fallback=t("subsidies.by.category", lang)))
    urlstate.sync_from_url("measure", "amount", lambda raw: raw if raw in ("amount", "person_times") else None,
                           lambda raw: t("notice.bad_param", lang, name="measure", value=raw,
                                         fallback=t("subsidies.measure.amount", lang)))
    layout.show_notices(notices)
    empty.notice(ctx, ("children", "subsidy_standards", "subsidy_payments"))

    loaded = load(ctx, st.session_state["by"])
    first_month, after_last = loaded.first_month, loaded.after_last
    span, before, last = loaded.span, loaded.before, loaded.last
    figures, earlier, last_year = loaded.figures, loaded.earlier, loaded.last_year
    against, months_paid = versus_months(span, before, lang), bool(span.months)
    against_year = versus_year_months(span, last, lang) if last else None
    for card, payment in zip(st.columns(3), ("person_times", "amount", "children")):
        layout.payment_kpi(card, payment, figures, earlier, last_year, against, against_year, months_paid, lang)
    if months_paid and figures.person_times == 0:
        key = "subsidies.no_children" if loaded.registered == 0 else "subsidies.none"
        st.info(md(key, lang, period=period_label(period, lang), scope=ctx.scope_name))

    # --- trend --------------------------------------------------------------------------------------
    st.subheader(t("subsidies.trend", lang))
    controls = st.columns([1, 1, 1])
    controls[0].segmented_control(t("subsidies.by", lang), ["category", "street"], key="by", required=True,
                                  format_func=lambda v: t(f"subsidies.by.{v}", lang))
    controls[1].segmented_control(t("subsidies.measure", lang), ["amount", "person_times"], key="measure", required=True,
                                  format_func=lambda v: t(f"subsidies.measure.{v}", lang))
    urlstate.write_to_url("by")
    urlstate.write_to_url("measure")
    by, measure = st.session_state["by"], st.session_state["measure"]

    trend = loaded.trend
    streets = loaded.streets
    names = dict(zip(streets["id"], streets[f"name_{suffix}"]))
    window = loaded.window
    if trend.empty:
        st.info(t("empty.no_data", lang))
    else:
        event = layout.chart(charts.subsidy_trend_chart, trend, by, measure, lang, names, window, on_select="rerun",
                             key="trend")
        st.caption(t("subsidies.trend.caption", lang))
        brushed = charts.brushed_months(event.selection.get("brush") if event else None)
        if brushed:
            start, end = max(brushed[0], window[0]), min(brushed[1], window[1])
            if start < end:
                window = (start, end)
                st.info(t("subsidies.brushed", lang, first=start.strftime("%Y-%m"),
                          last=(add_months(end, -1)).strftime("%Y-%m")))
            else:
                st.warning(t("subsidies.brush_outside", lang))
    chosen = load_window(ctx, window)
    grants = loaded.grants_between
    if not grants.empty:
        layout.chart(charts.grants_chart, grants, lang, (first_month, after_last))

    left, right = st.columns(2)
    with left:
        st.subheader(t("subsidies.standards", lang))
        layout.chart(charts.standards_chart, loaded.standards, lang)
        changes = chosen.changes
        if not changes.empty:
            st.warning(md("subsidies.standard_changed", lang, changes="；".join(
                t("subsidies.standard_change", lang, category=label("category", row.category, lang),
                  date=format_moment(row.valid_from), before=f"{row.before:,.0f}", after=f"{row.after:,.0f}")
                for row in changes.itertuples())))
    with right:
        st.subheader(t("subsidies.ytd", lang))
        two_years = loaded.two_years
        if two_years.empty:
            st.info(t("empty.no_data", lang))
        else:
            layout.chart(charts.year_to_date_chart, two_years, lang)

    # --- quarters ------------------------------------------------------------------------------------
    st.subheader(t("subsidies.quarters", lang))
    quarter_rows = loaded.quarter_rows
    if not quarter_rows["person_times"].any():
        st.info(t("empty.no_payments", lang))
    else:
        quarters = subsidy_tables.quarters(quarter_rows, lang)
        if quarter_rows["to_date"].any():
            st.caption(t("subsidies.quarters.to_date", lang))
        show(quarters.style.apply(
            lambda row: ["background-color: #E3EEF4" if str(row.iloc[0]).startswith(period.code) else "" for _ in row], axis=1))
        layout.export_buttons(quarters, f"subsidy-quarters-{ctx.as_of:%Y%m%d}", lang, "quarters")

    # --- reconciliation -------------------------------------------------------------------------------
    st.subheader(t("subsidies.reconciliation", lang))
    st.caption(t("subsidies.reconciliation.caption", lang))
    start, end = chosen.start, chosen.end
    if start < end < window[1]:
        st.caption(t("subsidies.reconciliation.complete", lang, date=format_moment(end - timedelta(days=1))))
    if start >= end:
        st.info(t("subsidies.reconciliation.none_over", lang))
    else:
        window_name = f"{start:%Y%m}-{add_months(end, -1):%Y%m}"
        summary = subsidy_tables.summary(chosen.summary, lang)
        show(summary)
        layout.export_buttons(summary, f"subsidy-reconciliation-{window_name}", lang, "summary")

        lists = chosen.lists
        tabs = st.tabs([f"{t('subsidies.kind.' + kind, lang)} ({len(lists[kind])})" for kind in ANOMALY_KINDS])
        for tab, kind in zip(tabs, ANOMALY_KINDS):
            with tab:
                found = lists[kind]
                if found.empty:
                    st.success(t("subsidies.clean", lang))
                    continue
                st.markdown(t("subsidies.at_issue_total", lang, count=len(found),
                              amount=format_yuan(float(found["at_issue"].sum()), lang)))
                table = subsidy_tables.anomalies(kind, found, lang)
                show(table)
                layout.export_buttons(table, f"subsidy-{kind}-{window_name}", lang, kind)

    st.subheader(t("subsidies.grants", lang))
    in_period = loaded.grants
    if in_period.empty:
        st.info(t("subsidies.no_grants", lang))
    else:
        grants_table = pd.DataFrame({
            t("col.granted_on", lang): [format_moment(d) for d in in_period["granted_on"]],
            t("col.kind", lang): [label("grant_kind", k, lang) for k in in_period["kind"]],
            t("col.amount", lang): in_period["amount"],
            t("col.recipients", lang): in_period["recipients"],
            t("col.description", lang): in_period[f"description_{suffix}"],
        })
        show(grants_table)
        layout.export_buttons(grants_table, f"grants-{period.code}", lang, "grants")
