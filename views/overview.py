"""Overview: the district at a glance for the bureau's leadership; ``?mode=meeting`` puts it on a projector.

``load`` makes every data call of the overview and the layout draws what it returns; the meeting mode is drawn by
dashboard.meeting.
"""

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from catalogue.i18n import format_share, label, signed, t, versus, versus_months
from dashboard import auth, briefing, charts, context, data, empty, gaps, layout, links, meeting, pressure, urlstate
from dashboard.text import literal
from data_access.overview import KeyFigures
from data_access.types import Period, months_between


@dataclass(frozen=True)
class Overview:
    figures: KeyFigures
    ranked: pd.DataFrame  # the streets by pressure
    found: list[gaps.Gap]  # the gaps and actions
    first: date  # the trends' twelve months, from the first to before the end
    end: date
    reported: pd.DataFrame  # cases reported by month
    paid: pd.DataFrame  # payments by month
    street_figures: pd.DataFrame


def load(ctx: context.ViewContext) -> Overview:
    figures = data.key_figures(ctx.scope, ctx.filters, ctx.as_of)
    ranked = data.street_pressure(ctx.scope, ctx.filters, ctx.as_of)
    first, end = Period.twelve_months_to(ctx.as_of.date())
    return Overview(
        figures=figures,
        ranked=ranked,
        found=gaps.find_gaps(ctx, figures, ranked),
        first=first,
        end=end,
        reported=data.cases_by_month(ctx.scope, ctx.filters, first, end, ctx.as_of),
        paid=data.payments_by_month(ctx.scope, ctx.filters, first, end),
        street_figures=data.street_figures(ctx.scope, ctx.filters, ctx.as_of),
    )


def training_views(ctx: context.ViewContext) -> tuple[tuple[str, str, dict], ...]:
    """Who is trained by street and by role, and the attendances by mode."""
    return (
        (links.EXPLORE, t("overview.link.staff", ctx.lang),
         links.explore_view(ctx, "staff", dim="street", dim2="trained", measure="count", chart="bar")),
        (links.EXPLORE, t("overview.link.staff_role", ctx.lang),
         links.explore_view(ctx, "staff", dim="role", dim2="trained", measure="count", chart="bar")),
        (links.EXPLORE, t("overview.link.training_mode", ctx.lang),
         links.explore_view(ctx, "training", dim="mode", dim2="role", measure="count", chart="bar")),
    )


def cards(ctx: context.ViewContext, figures) -> None:
    lang, now, before = ctx.lang, figures.current, figures.previous
    rules = data.rules()
    against = versus(now.span, before.span, lang)
    at_start = t("kpi.vs_moment", lang, date=ctx.period.previous().last_day.isoformat())
    to_register = (links.EXPLORE, t("overview.link.register", lang),
                   links.explore_view(ctx, "children", dim="category", measure="count", chart="bar"))
    last = layout.year_before(ctx, figures)

    def yoy(value, pick, kind: int = 1, decimals: int = 0) -> str | None:
        """The line against the same period last year; ``kind`` 1 a stock, 2 a flow, 3 a payment figure."""
        return layout.change(value, pick(last[0]), last[kind], lang, decimals) if last else None

    st.subheader(t("overview.children", lang))
    cols = st.columns(len(now.children_by_category) + 1)
    layout.kpi(cols[0], t("kpi.children_total", lang), f"{now.children_total:,}",
               layout.lines(at_start, yoy(now.children_total, lambda f: f.children_total)),
               signed(now.children_total - before.children_total), help=layout.definition("children", lang),
               link=to_register)
    for col, (category, count) in zip(cols[1:], now.children_by_category.items()):
        layout.kpi(col, label("category", category, lang), f"{count:,}",
                   layout.lines(at_start, yoy(count, lambda f: f.children_by_category[category])),
                   signed(count - before.children_by_category[category]), help=layout.definition("children", lang),
                   link=to_register)

    st.subheader(t("overview.cases", lang))
    cases, earlier = now.cases, before.cases
    cols = st.columns(5)
    layout.kpi(cols[0], t("kpi.open_cases", lang), f"{cases.open_total:,}", layout.lines(" ".join(
        layout.risk_badge(rules.risk(level), lang, f" {count}") for level, count in cases.open_by_risk.items()),
        at_start, yoy(cases.open_total, lambda f: f.cases.open_total)),
        signed(cases.open_total - earlier.open_total), delta_color="inverse", help=layout.definition("open", lang),
        link=(links.CASES, t("overview.link.queue", lang), links.cases(ctx)))
    critical = cases.open_by_risk.get("critical", 0)
    layout.kpi(cols[1], t("kpi.critical_open", lang), f"{critical:,}",
               layout.lines(at_start, yoy(critical, lambda f: f.cases.open_by_risk.get("critical", 0))),
               signed(critical - earlier.open_by_risk.get("critical", 0)), delta_color="inverse",
               help=layout.definition("critical", lang), link=(links.CASES, t("overview.link.critical", lang), links.cases(ctx, risk="critical")))
    layout.kpi(cols[2], t("kpi.overdue", lang), f"{cases.overdue:,}",
               layout.lines(at_start, yoy(cases.overdue, lambda f: f.cases.overdue)),
               signed(cases.overdue - earlier.overdue),
               delta_color="inverse", help=layout.definition("overdue", lang),
               link=(links.CASES, t("overview.link.overdue", lang), links.cases(ctx, due="overdue")))
    response_card(cols[3], ctx, now, before, against, last)
    layout.kpi(cols[4], t("kpi.reported", lang), f"{cases.reported_in_period:,}",
               layout.lines(against, yoy(cases.reported_in_period, lambda f: f.cases.reported_in_period, 2)),
               signed(cases.reported_in_period - earlier.reported_in_period), delta_color="off",
               help=layout.definition("reported", lang), link=(links.CASES, t("overview.link.indicators", lang), links.cases(ctx)))

    st.subheader(t("overview.subsidies", lang))
    paid, paid_before = now.subsidies, before.subsidies
    to_subsidies = (links.SUBSIDIES, t("overview.link.subsidies", lang), links.subsidies(ctx))
    months_paid = bool(now.span.months)
    against = versus_months(now.span, before.span, lang)
    cols = st.columns(3)
    layout.kpi(cols[0], t("kpi.person_times", lang), f"{paid.person_times:,}" if months_paid else "—",
               layout.lines(against, yoy(paid.person_times, lambda f: f.subsidies.person_times, 3) if months_paid else None),
               signed(paid.person_times - paid_before.person_times) if months_paid else None, delta_color="off",
               help=layout.definition("person_times", lang), link=to_subsidies)
    layout.kpi(cols[1], t("kpi.amount_yuan", lang), f"{float(paid.amount):,.2f}" if months_paid else "—",
               layout.lines(against, yoy(float(paid.amount), lambda f: float(f.subsidies.amount), 3, 2)
                            if months_paid else None),
               signed(float(paid.amount - paid_before.amount), 2) if months_paid else None, delta_color="off",
               help=layout.definition("amount", lang), link=to_subsidies)
    layout.kpi(cols[2], t("kpi.children_paid", lang), f"{paid.children:,}" if months_paid else "—",
               layout.lines(against, yoy(paid.children, lambda f: f.subsidies.children, 3) if months_paid else None),
               signed(paid.children - paid_before.children) if months_paid else None, delta_color="off",
               help=layout.definition("children_paid", lang), link=to_subsidies)

    st.subheader(t("overview.workforce", lang))
    net, training = figures.network, now.training
    to_network = (links.MAP, t("overview.link.map", lang), links.map_view(ctx, metric="director_share"))
    cols = st.columns(5)
    stations_note = (t("kpi.stations_note.street" if net.streets_with_station else "kpi.stations_note.street_none",
                       lang) if ctx.filters.street_id else
                     t("kpi.stations_note", lang, covered=net.streets_with_station, streets=net.streets))
    layout.kpi(cols[0], t("kpi.stations", lang), net.street_stations, stations_note,
               help=layout.definition("stations", lang), link=to_network)
    layout.kpi(cols[1], t("kpi.supervisors", lang), net.supervisors, help=layout.definition("supervisors", lang),
               link=to_network)
    layout.kpi(cols[2], t("kpi.directors", lang), net.directors,
               t("kpi.directors_note", lang, covered=net.communities_with_director, communities=net.communities),
               help=layout.definition("directors", lang), link=to_network)
    layout.kpi(cols[3], t("kpi.orgs", lang), net.organisations_total, t("kpi.orgs_note", lang, **net.organisations),
               help=layout.definition("orgs", lang),
               link=(links.MAP, t("overview.link.map", lang), links.map_view(ctx, layers="streets,stations,orgs")))
    earlier = figures.training_year_before
    rate, rate_before = training.rate, earlier.rate
    layout.kpi(cols[4], t("kpi.training", lang), format_share(rate), layout.training_note(training, earlier, lang),
               t("kpi.points", lang, change=signed((rate - rate_before) * 100, 1))
               if None not in (rate, rate_before) else None,
               help=layout.definition("training", lang), more=training_views(ctx))


def response_card(col, ctx: context.ViewContext, now, before, against: str, last=None) -> None:
    """Share of first responses within their level's limit, each level's share and median beside it."""
    lang, rules = ctx.lang, data.rules()
    response, earlier = now.cases.response, before.cases.response
    median = now.cases.median_response_hours
    detail = [against, layout.share_change(response.share, last[0].cases.response.share, last[2], lang) if last else None,
              t("kpi.within_note", lang, within=response.within, due=response.due),
              layout.response_badges(response, rules, lang)]
    if median is not None:
        detail.append(t("kpi.median_detail", lang, hours=t("kpi.hours", lang, hours=median)))
    share, share_before = response.share, earlier.share
    layout.kpi(col, t("kpi.within_limit", lang), format_share(share), layout.lines(*detail),
               t("kpi.points", lang, change=signed((share - share_before) * 100, 1))
               if None not in (share, share_before) else None,
               help=layout.definition("within", lang),
               link=(links.CASES, t("overview.link.indicators", lang), links.cases(ctx)))


def trends(ctx: context.ViewContext, found: Overview) -> None:
    lang = ctx.lang
    st.subheader(t("overview.trends", lang))
    left, right = st.columns(2)
    with left:
        st.caption(t("chart.cases_trend", lang), help=t("chart.help.cases_trend", lang))
        reported = found.reported
        if reported.empty:
            st.info(t("empty.no_data", lang))
        else:
            layout.chart(charts.cases_by_month_chart, reported, data.rules().labels(lang), lang,
                         months=months_between(found.first, found.end))
    with right:
        st.caption(t("chart.subsidy_trend_short", lang), help=t("chart.help.subsidy_trend", lang))
        paid = found.paid
        if paid.empty:
            st.info(t("empty.no_data", lang))
        else:
            layout.chart(charts.subsidy_by_month_chart, paid, lang, height=260)


def pressure_table(ctx: context.ViewContext, streets: pd.DataFrame, figures: pd.DataFrame) -> None:
    """One row per street: the figures, the reason for its place and links to its queue and map (same tab)."""
    lang = ctx.lang
    name_column = f"street_{'en' if lang == 'en' else 'zh'}"
    sort = "rank"
    if len(streets) > 1:
        sort = st.segmented_control(t("overview.pressure.sort", lang), list(pressure.SORTS), key="pressure_sort",
                                    default="rank", required=True,
                                    format_func=lambda s: t(f"overview.pressure.sort.{s}", lang))
        if sort not in pressure.SORTS:
            sort = "rank"
    frame = pressure.ranked(streets, figures, sort)
    widths = [1.2, 0.8, 0.7, 0.6, 1.3, 2.0, 0.9, 0.8]
    head = st.columns(widths, vertical_alignment="bottom")
    for col, key in zip(head, ("col.street", "col.overdue_cases", "col.critical_cases", "col.open_cases",
                               "col.per_100", "col.pressure_reason")):
        col.markdown(f"**{t(key, lang)}**")
    for _, row in frame.iterrows():
        cells = st.columns(widths, vertical_alignment="center")
        cells[0].text(row[name_column])
        for cell, column in zip(cells[1:4], ("overdue_cases", "critical_cases", "open_cases")):
            cell.text(f"{int(row[column]):,}")
        rate = row["cases_per_100"]
        cells[4].text("—" if pd.isna(rate) else f"{rate:,.1f}")
        cells[5].caption(pressure.reason(row, lang))
        cells[6].page_link(links.CASES, label=t("overview.link.street_queue", lang), icon=":material/list:",
                           query_params=links.cases(ctx, street=row["street_id"]))
        cells[7].page_link(links.MAP, label=t("overview.link.street_map", lang), icon=":material/map:",
                           query_params=links.map_view(ctx, street=row["street_id"]))


def pressure_and_gaps(ctx: context.ViewContext, streets: pd.DataFrame, found: list[gaps.Gap],
                      figures: pd.DataFrame) -> None:
    lang = ctx.lang
    st.subheader(t("overview.pressure", lang))
    st.caption(t("overview.pressure.caption", lang))
    pressure_table(ctx, streets, figures)
    st.subheader(t("overview.gaps", lang))
    if not found:
        st.success(t("overview.no_gaps", lang), icon=":material/check_circle:")
    columns = st.columns(3)
    for index, gap in enumerate(found):
        with columns[index % 3].container(border=True):
            st.markdown(f"**{literal(gap.text)}**  \n{literal(gap.action)}")
            st.page_link(gap.page, label=gap.link_text, icon=":material/arrow_forward:", query_params=gap.params)


def overview(ctx: context.ViewContext) -> None:
    lang = ctx.lang
    street = context.street_title(ctx.street_name, lang)
    title = t("overview.title.street", lang, street=street) if ctx.filters.street_id else None
    layout.page_header(ctx, "overview.title", title)
    empty.notice(ctx, ("children", "cases", "subsidy_payments", "stations", "staff"))
    loaded = load(ctx)
    figures, ranked, found = loaded.figures, loaded.ranked, loaded.found

    top = st.columns([4, 1, 1], vertical_alignment="center")
    top[0].markdown(literal(briefing.summary_paragraph(ctx, figures, lang)))
    top[1].page_link(links.OVERVIEW, label=t("overview.meeting", lang), icon=":material/co_present:",
                     query_params=links.overview(ctx, mode="meeting"))
    who = auth.username()
    top[2].download_button(
        t("overview.briefing", lang), lambda: briefing.download(ctx, figures, ranked, found, who),
        file_name=briefing.file_name(ctx), mime="text/html", icon=":material/description:",
        help=t("overview.briefing.help", lang), key="briefing", on_click="ignore",
    )
    cards(ctx, figures)
    trends(ctx, loaded)
    pressure_and_gaps(ctx, ranked, found, loaded.street_figures)


if __name__ == "__main__":  # Streamlit runs a page as __main__; an import (the benchmark, tests) draws nothing
    view = context.current()
    mode = urlstate.choice_from_url("mode", ("meeting",), "", lambda raw: t(
        "notice.bad_param", view.lang, name="mode", value=raw, fallback=t("overview.title", view.lang)))
    if mode == "meeting":
        meeting.show(view)
    else:
        overview(view)
