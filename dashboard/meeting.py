"""Meeting mode (``/?mode=meeting``): the overview on a projector, one topic per screen, large type."""

from __future__ import annotations

import streamlit as st

from catalogue.i18n import change_line, format_share, format_wan, signed, signed_percent, t, versus, versus_months
from dashboard import charts, data, empty, gaps, layout, links, urlstate
from dashboard.context import ViewContext
from dashboard.text import literal
from data_access.types import Period, months_between

SCREENS = ("network", "cases", "subsidies", "gaps")
LARGE_TYPE = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 3.4rem !important; line-height: 1.15; }
.st-key-meeting-lead [data-testid="stMetricValue"], .st-key-meeting-lead [data-testid="stMetricValue"] * {
  font-size: 6rem !important; }
.st-key-meeting-compare [data-testid="stMarkdownContainer"] p { font-size: 1.65rem !important; line-height: 1.4; }
.st-key-meeting-compare [data-testid="stCaptionContainer"] p { font-size: 1.35rem !important; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { font-size: 1.6rem !important; }
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * { font-size: 1.4rem !important; }
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li { font-size: 1.45rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 3rem; }
.st-key-meeting-exit p, .st-key-meeting-previous p, .st-key-meeting-next p { font-size: 1.2rem !important; }
.st-key-meeting-exit p { white-space: normal !important; overflow-wrap: anywhere; }
.st-key-meeting-exit a { width: 100%; }
[data-testid="stMetricLabel"] div, [data-testid="stMetricLabel"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
</style>
"""


# A presenter's clicker sends PageDown/PageUp or the arrow keys: press the matching button. The
# listener is installed once per browser tab and looks the buttons up by their keys at each press.
KEYS = """
<script>
if (!window.meetingKeys) {
  window.meetingKeys = true;
  document.addEventListener("keydown", (event) => {
    if (!new URLSearchParams(window.location.search).has("mode")) return;
    if (["INPUT", "TEXTAREA", "SELECT"].includes(event.target.tagName)) return;
    const which = {ArrowRight: "next", PageDown: "next", ArrowLeft: "previous", PageUp: "previous"}[event.key];
    const button = which && document.querySelector(`.st-key-meeting-${which} button`);
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });
}
</script>
"""


def screen_from_url(lang: str) -> str:
    return urlstate.choice_from_url("screen", SCREENS, SCREENS[0], lambda raw: t(
        "notice.bad_param", lang, name="screen", value=raw, fallback=t(f"meeting.screen.{SCREENS[0]}", lang)))


def projector(chart):
    """Axis and legend text large enough to read from the back of the room."""
    return chart.configure_axis(labelFontSize=15, titleFontSize=16).configure_legend(labelFontSize=15,
                                                                                   titleFontSize=16)


def go(screen: str) -> None:
    urlstate.set_param("screen", screen)


# What each screen counts, for the notice on a database that does not hold it yet.
SCREEN_TABLES = {"network": ("stations", "staff", "social_orgs"), "cases": ("cases",),
                 "subsidies": ("children", "subsidy_payments"), "gaps": ("children", "cases", "stations")}


def show(ctx: ViewContext) -> None:
    screen = screen_from_url(ctx.lang)
    st.html(LARGE_TYPE)
    st.html(KEYS, unsafe_allow_javascript=True)
    layout.page_header(ctx, f"meeting.screen.{screen}")
    navigation(ctx, screen)
    empty.notice(ctx, SCREEN_TABLES[screen])
    figures = data.key_figures(ctx.scope, ctx.filters, ctx.as_of)
    {"network": network, "cases": cases, "subsidies": subsidies, "gaps": gaps_and_actions}[screen](ctx, figures)


def navigation(ctx: ViewContext, screen: str) -> None:
    """Previous, next, where we are, and the way out; above the content, so it never scrolls away."""
    lang = ctx.lang
    index = SCREENS.index(screen)
    nav = st.columns([1, 1, 2, 1.3], vertical_alignment="center")
    nav[0].button(t("meeting.previous", lang), icon=":material/arrow_back:", disabled=index == 0, width="stretch",
                  on_click=go, args=(SCREENS[max(index - 1, 0)],), key="meeting-previous")
    nav[1].button(t("meeting.next", lang), icon=":material/arrow_forward:", disabled=index == len(SCREENS) - 1,
                  width="stretch", type="primary", on_click=go, args=(SCREENS[min(index + 1, len(SCREENS) - 1)],),
                  key="meeting-next")
    nav[2].markdown(t("meeting.position", lang, n=index + 1, total=len(SCREENS)) + " · " +
                    " · ".join(f"**{t(f'meeting.screen.{s}', lang)}**" if s == screen else t(f"meeting.screen.{s}", lang)
                               for s in SCREENS))
    nav[3].container(key="meeting-exit").page_link(links.OVERVIEW, label=t("meeting.exit", lang),
                                                   icon=":material/close:", query_params=links.overview(ctx),
                                                   width="stretch")


COLOURS = {"normal": ("green", "red"), "inverse": ("red", "green")}


def comparison(difference: float | None, shown: str | None, against: str, lang: str, delta_color: str) -> str:
    """One comparison of the lead figure in words, its arrow following its sign, coloured as st.metric would."""
    line = change_line(difference, shown, against, lang)
    if difference is None or shown is None or round(difference, 6) == 0 or delta_color not in COLOURS:
        return f":gray[{line}]"
    rise, fall = COLOURS[delta_color]
    return f":{rise if difference > 0 else fall}[{line}]"


def lead(ctx: ViewContext, label: str, value: object, comparisons: list[tuple], detail: str | None = None, *,
         delta_color: str = "normal", help: str | None = None) -> None:
    """The one figure that matters on a screen, first and large, with each comparison beside it in words:
    ``comparisons`` are (difference, the change as shown, what it is against)."""
    with st.container(key="meeting-lead", border=True):
        left, right = st.columns([1, 1.5], vertical_alignment="center")
        left.metric(label, value, help=help)
        right = right.container(key="meeting-compare")
        right.markdown("  \n".join(comparison(*c, ctx.lang, delta_color) for c in comparisons))
        if detail:
            right.caption(detail)


def points(now: float | None, before: float | None, lang: str) -> tuple[float | None, str | None]:
    """A change of a share in percentage points: (value, as shown)."""
    if now is None or before is None:
        return None, None
    change = round((now - before) * 100, 1)
    return change, t("kpi.points", lang, change=signed(change, 1))


def whole(now: float, before: float | None, decimals: int = 0) -> tuple[float | None, str | None]:
    return (None, None) if before is None else (now - before, signed(now - before, decimals))


def percent(now, before) -> tuple[float | None, str | None]:
    shown = signed_percent(now, before)
    return (None, None) if shown is None else (float(now) - float(before), shown)


def at_start(ctx: ViewContext) -> str:
    """What a stock's change is against: the previous period's end."""
    return t("kpi.vs_previous_end", ctx.lang, date=ctx.period.previous().last_day.isoformat())


def network(ctx: ViewContext, figures) -> None:
    lang, net, training = ctx.lang, figures.network, figures.current.training
    earlier = figures.training_year_before
    detail = [t("kpi.training_note", lang, trained=training.trained_total, staff=training.in_post_total)]
    if not training.sessions:
        detail.append(t("kpi.training_no_session", lang))
    lead(ctx, t("kpi.training", lang), format_share(training.rate),
         [(*points(training.rate, earlier.rate, lang), t("kpi.training_vs_day", lang, date=earlier.day.isoformat()))],
         " · ".join(detail), help=layout.definition("training", lang))
    top = st.columns(3)
    layout.kpi(top[0], t("kpi.stations", lang), net.street_stations,
               t("kpi.stations_note", lang, covered=net.streets_with_station, streets=net.streets),
               help=layout.definition("stations", lang))
    layout.kpi(top[1], t("kpi.supervisors", lang), net.supervisors, help=layout.definition("supervisors", lang))
    layout.kpi(top[2], t("kpi.directors", lang), net.directors,
               t("kpi.directors_note", lang, covered=net.communities_with_director, communities=net.communities),
               help=layout.definition("directors", lang))
    bottom = st.columns(3)
    layout.kpi(bottom[0], t("kpi.orgs", lang), net.organisations_total, t("kpi.orgs_note", lang, **net.organisations),
               help=layout.definition("orgs", lang))
    layout.kpi(bottom[1], t("kpi.rescue", lang), net.rescue_rooms, t("kpi.rescue_note", lang, beds=net.planned_beds),
               help=layout.definition("rescue", lang))


def stock(ctx: ViewContext, figures, col, key: str, pick, help_name: str) -> None:
    """A stock of cases with its change against the previous period's end and the same moment last year."""
    last = layout.year_before(ctx, figures)
    now, before = pick(figures.current), pick(figures.previous)
    layout.kpi(col, t(key, ctx.lang), f"{now:,}", layout.lines(
        at_start(ctx), layout.change(now, pick(last[0]), last[1], ctx.lang) if last else None),
        signed(now - before), delta_color="inverse", help=layout.definition(help_name, ctx.lang))


def cases(ctx: ViewContext, figures) -> None:
    lang, now, before = ctx.lang, figures.current.cases, figures.previous.cases
    rules, last = data.rules(), layout.year_before(ctx, figures)
    response = now.response
    compared = [(*points(response.share, before.response.share, lang),
                 versus(figures.current.span, figures.previous.span, lang))]
    if last:
        compared.append((*points(response.share, last[0].cases.response.share, lang), last[2]))
    lead(ctx, t("kpi.within_limit", lang), format_share(response.share), compared,
         layout.response_badges(response, rules, lang).replace("  \n", " · "), help=layout.definition("within", lang))
    cols = st.columns(3)
    stock(ctx, figures, cols[0], "kpi.open_cases", lambda f: f.cases.open_total, "open")
    stock(ctx, figures, cols[1], "kpi.critical_open", lambda f: f.cases.open_by_risk.get("critical", 0), "critical")
    stock(ctx, figures, cols[2], "kpi.overdue", lambda f: f.cases.overdue, "overdue")
    first, end = Period.twelve_months_to(ctx.as_of.date())
    reported = data.cases_by_month(ctx.scope, ctx.filters, first, end, ctx.as_of)
    st.caption(t("chart.cases_trend", lang), help=t("chart.help.cases_trend", lang))
    if reported.empty:
        st.info(t("empty.no_data", lang))
    else:
        st.altair_chart(projector(charts.cases_by_month_chart(reported, rules.labels(lang), lang,
                                                              months=months_between(first, end), height=220)), width="stretch")


def subsidies(ctx: ViewContext, figures) -> None:
    lang, now, before = ctx.lang, figures.current.subsidies, figures.previous.subsidies
    span, span_before = figures.current.span, figures.previous.span
    against, paid = versus_months(span, span_before, lang), bool(span.months)
    last = layout.year_before(ctx, figures)

    # The unit goes in the label, so the figure keeps to the lead's width on a projector.
    compared = [(*(percent(now.amount, before.amount) if paid else (None, None)), against)]
    if last:
        compared.append((*(percent(now.amount, last[0].subsidies.amount) if paid else (None, None)), last[3]))
    lead(ctx, t("kpi.amount_unit", lang), format_wan(float(now.amount), lang, decimals_en=0) if paid else "—",
         compared, delta_color="off", help=layout.definition("amount", lang))
    for col, measure in zip(st.columns(2), ("person_times", "children")):
        layout.payment_kpi(col, measure, now, before, last[0].subsidies if last else None, against,
                           last[3] if last else None, paid, lang)
    paid = data.payments_by_month(ctx.scope, ctx.filters, *Period.twelve_months_to(ctx.as_of.date()))
    st.caption(t("chart.subsidy_trend_short", lang), help=t("chart.help.subsidy_trend", lang))
    if paid.empty:
        st.info(t("empty.no_data", lang))
    else:
        st.altair_chart(projector(charts.subsidy_by_month_chart(paid, lang, height=220)), width="stretch")


def gaps_and_actions(ctx: ViewContext, figures) -> None:
    lang = ctx.lang
    stock_lead(ctx, figures)
    found = gaps.find_gaps(ctx, figures, data.street_pressure(ctx.scope, ctx.filters, ctx.as_of))
    if not found:
        st.success(t("overview.no_gaps", lang), icon=":material/check_circle:")
    for number, gap in enumerate(found, start=1):
        st.markdown(f"{number}. **{literal(gap.text)}**  \n{literal(gap.action)}")


def stock_lead(ctx: ViewContext, figures) -> None:
    """The gaps screen leads with what needs doing first: the overdue cases."""
    last = layout.year_before(ctx, figures)
    now, before = figures.current.cases.overdue, figures.previous.cases.overdue
    compared = [(*whole(now, before), at_start(ctx))]
    if last:
        compared.append((*whole(now, last[0].cases.overdue), last[1]))
    lead(ctx, t("kpi.overdue", ctx.lang), f"{now:,}", compared, delta_color="inverse",
         help=layout.definition("overdue", ctx.lang))
