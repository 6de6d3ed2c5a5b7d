"""Meeting mode (``/?mode=meeting``): the overview on a projector, one topic per screen, large type."""

from __future__ import annotations

import streamlit as st

from dashboard import briefing, charts, data, empty, gaps, layout, links, urlstate
from dashboard.context import ViewContext
from dashboard.i18n import format_share, signed, t, versus_months
from dashboard.text import literal
from data_access.types import Period, add_months

SCREENS = ("network", "cases", "subsidies", "gaps")
LARGE_TYPE = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 4.5rem !important; line-height: 1.15; }
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
    st.query_params["screen"] = screen


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
                                                   icon=":material/close:", query_params=links.shared(ctx),
                                                   width="stretch")


def network(ctx: ViewContext, figures) -> None:
    lang, net, training = ctx.lang, figures.network, figures.current.training
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
    earlier = figures.training_year_before
    layout.kpi(bottom[2], t("kpi.training", lang), format_share(training.rate),
               layout.training_note(training, earlier, lang),
               t("kpi.points", lang, change=signed((training.rate - earlier.rate) * 100, 1))
               if None not in (training.rate, earlier.rate) else None, help=layout.definition("training", lang))


def cases(ctx: ViewContext, figures) -> None:
    lang, now, before = ctx.lang, figures.current.cases, figures.previous.cases
    rules = data.rules()
    cols = st.columns(4)
    layout.kpi(cols[0], t("kpi.open_cases", lang), f"{now.open_total:,}", " ".join(
        layout.risk_badge(rules.risk(level), lang, f" {count}") for level, count in now.open_by_risk.items()),
        signed(now.open_total - before.open_total), delta_color="inverse", help=layout.definition("open", lang))
    critical = now.open_by_risk.get("critical", 0)
    layout.kpi(cols[1], t("kpi.critical_open", lang), f"{critical:,}", None,
               signed(critical - before.open_by_risk.get("critical", 0)), delta_color="inverse",
               help=layout.definition("critical", lang))
    layout.kpi(cols[2], t("kpi.overdue", lang), f"{now.overdue:,}", None, signed(now.overdue - before.overdue),
               delta_color="inverse", help=layout.definition("overdue", lang))
    response = now.response
    layout.kpi(cols[3], t("kpi.within_limit", lang), format_share(response.share),
               layout.response_badges(response, rules, lang),
               t("kpi.points", lang, change=signed((response.share - before.response.share) * 100, 1))
               if None not in (response.share, before.response.share) else None,
               help=layout.definition("within", lang))
    this_month = Period.containing(ctx.as_of.date(), "month")
    reported = data.cases_by_month(ctx.scope, ctx.filters, add_months(this_month.start, -11), this_month.end, ctx.as_of)
    st.caption(t("chart.cases_trend", lang), help=t("chart.help.cases_trend", lang))
    if reported.empty:
        st.info(t("empty.no_data", lang))
    else:
        st.altair_chart(projector(charts.cases_by_month_chart(reported, briefing.risk_labels(rules, lang), lang,
                                                              height=240)), width="stretch")


def subsidies(ctx: ViewContext, figures) -> None:
    lang, now, before = ctx.lang, figures.current.subsidies, figures.previous.subsidies
    span, span_before = figures.current.span, figures.previous.span
    against, paid = versus_months(span, span_before, lang), bool(span.months)
    cols = st.columns(3)
    layout.kpi(cols[0], t("kpi.person_times", lang), f"{now.person_times:,}" if paid else "—", against,
               signed(now.person_times - before.person_times) if paid else None, delta_color="off",
               help=layout.definition("person_times", lang))
    wan = "{:,.2f} 万元" if lang == "zh" else "{:,.0f} yuan"
    layout.kpi(cols[1], t("kpi.amount", lang),
               wan.format(float(now.amount) / (10000 if lang == "zh" else 1)) if paid else "—", against,
               briefing.change_phrase(now.amount, before.amount, lang, span_before.like_for_like) if paid else None,
               delta_color="off", help=layout.definition("amount", lang))
    layout.kpi(cols[2], t("kpi.children_paid", lang), f"{now.children:,}" if paid else "—", against,
               signed(now.children - before.children) if paid else None, delta_color="off",
               help=layout.definition("children_paid", lang))
    this_month = Period.containing(ctx.as_of.date(), "month")
    paid = data.payments_by_month(ctx.scope, ctx.filters, add_months(this_month.start, -11), this_month.end)
    st.caption(t("chart.subsidy_trend_short", lang), help=t("chart.help.subsidy_trend", lang))
    if paid.empty:
        st.info(t("empty.no_data", lang))
    else:
        st.altair_chart(projector(charts.subsidy_by_month_chart(paid, lang, height=240)), width="stretch")


def gaps_and_actions(ctx: ViewContext, figures) -> None:
    lang = ctx.lang
    found = gaps.find_gaps(ctx, figures, data.street_pressure(ctx.scope, ctx.filters, ctx.as_of))
    if not found:
        st.success(t("overview.no_gaps", lang), icon=":material/check_circle:")
    for number, gap in enumerate(found, start=1):
        st.markdown(f"{number}. **{literal(gap.text)}**  \n{literal(gap.action)}")
