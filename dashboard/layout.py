"""Page furniture shared by every page: header, badges, notices, database banner."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from catalogue.i18n import (change_line, format_moment, format_share, period_label, signed, t, versus_year,
                            versus_year_months)
from dashboard import auth, data, exports, palette, urlstate
from dashboard.context import ViewContext
from dashboard.text import literal, md
from data_access import config, formulas
from data_access.dataset import Health
from data_access.engine import server_of
from data_access.rules import RiskRule


@st.cache_resource(ttl=300, max_entries=256, show_spinner=False)
def chart_spec(_build, _args: tuple, _kwargs: dict, name: str, key: tuple) -> dict:
    """The Vega-Lite spec of the Altair chart ``_build(*_args, **_kwargs)``, built and validated once per distinct
    input (``name`` and ``key``, the arguments' fingerprint) and shared read-only: Streamlit copies a spec before
    changing it."""
    spec = _build(*_args, **_kwargs).to_dict()
    # Each dataset as the Arrow bytes Streamlit sends (it passes bytes through), made here once, not per run.
    spec["datasets"] = {name: dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame(values))
                        for name, values in spec.get("datasets", {}).items()}
    return spec


def fingerprint(value):
    """What tells one chart input from another: a DataFrame by its columns, types and hashed rows (one pass, where
    Streamlit's own hashing makes several), anything else as it is."""
    if isinstance(value, pd.DataFrame):
        try:
            rows = pd.util.hash_pandas_object(value).to_numpy().tobytes()
        except TypeError:  # values pandas cannot hash (lists, dicts): Streamlit hashes the frame itself
            rows = value
        return "frame", tuple(map(str, value.columns)), tuple(map(str, value.dtypes)), rows
    return value


def chart(build, *args, on_select="ignore", key: str | None = None, **kwargs):
    """Draw a chart of dashboard.charts across the container's width; ``on_select``/``key`` as st.altair_chart's."""
    fingerprints = (tuple(fingerprint(a) for a in args), tuple((k, fingerprint(v)) for k, v in sorted(kwargs.items())))
    spec = chart_spec(build, args, kwargs, f"{build.__module__}.{build.__qualname__}", fingerprints)
    return st.vega_lite_chart(spec, width="stretch", on_select=on_select, key=key)


# A link in a narrow card wraps rather than losing the end of its label.
WRAP_LINKS = "<style>[data-testid='stPageLink-NavLink'] p { white-space: normal !important; }</style>"


def page_header(ctx: ViewContext, title_key: str, title: str | None = None):
    """Title (``title``, else the catalogue's ``title_key``), the "data as of" line, the synthetic-data
    badge and any URL notices.

    Returns the notice area, for notices a page raises after its header (see show_notices).
    """
    st.html(WRAP_LINKS)
    st.title(literal(title) if title else t(title_key, ctx.lang))
    parts = [
        t("caption.as_of", ctx.lang, as_of=format_moment(ctx.as_of)),
        t("caption.period", ctx.lang, period=period_label(ctx.period, ctx.lang, ctx.as_of)),
        md("caption.scope", ctx.lang, scope=ctx.scope_name),
    ]
    line = " · ".join(parts)
    if ctx.synthetic:
        line = f":orange-badge[{t('badge.synthetic', ctx.lang)}] " + line
    st.markdown(line, help=t("badge.synthetic_help", ctx.lang) if ctx.synthetic else None)
    area = st.container()
    show_notices(area)
    return area


def show_notices(area) -> None:
    for notice in urlstate.pop_notices():
        area.warning(literal(notice), icon="⚠️")


def kpi(container, label: str, value: object, note: str | None = None, delta: str | None = None, *,
        delta_color: str = "normal", help: str | None = None, link: tuple[str, str, dict] | None = None,
        more: tuple[tuple[str, str, dict], ...] = ()) -> None:
    """A key figure in a bordered card, with an optional line under it and a link to the page that explains it.

    ``link`` is (page, label, query parameters); ``delta_color="inverse"`` where a rise is bad news.
    """
    arrow, colour = delta_style(delta, delta_color)
    with container.container(border=True):
        st.metric(label, value, delta=delta, delta_color=colour, delta_arrow=arrow, help=help)
        if note:
            st.caption(note)
        for page, text, params in ([link] if link else []) + list(more):
            st.page_link(page, label=text, icon=":material/arrow_forward:", query_params=params)


def delta_style(delta: str | None, delta_color: str = "normal") -> tuple[str, str]:
    """The arrow and colour of a change: st.metric points up for any text not starting with "-", so a change
    that is not signed (none, "0.0%", "0.0 pp") gets no arrow and no colour."""
    if delta and delta.lstrip()[:1] in ("+", "-"):
        return "auto", delta_color
    return "off", "off"


def risk_badge(rule: RiskRule, lang: str, suffix: str = "") -> str:
    """Markdown for a coloured risk-level badge."""
    return f":{palette.RISK_BADGE[rule.level]}-badge[{rule.label(lang)}{suffix}]"


def database_banner(health: Health, lang: str) -> None:
    server = server_of(config.database_url())
    if health.problem == "schema":
        st.error(f"**{t('db.schema.title', lang, server=server)}**\n\n{md('db.schema.body', lang, tables=health.detail)}",
                 icon="🗄️")
        return
    st.error(
        f"**{t('db.unreachable.title', lang, server=server)}**\n\n{t('db.unreachable.body', lang)}\n\n"
        f"{md('db.detail', lang, detail=health.detail)}",
        icon="🔌",
    )


def export_buttons(frame: pd.DataFrame, name: str, lang: str, key: str) -> None:
    """CSV and Excel downloads of a table exactly as shown; each download is logged."""

    who = auth.username()  # downloads are built outside the session, so remember the viewer now

    def csv() -> bytes:
        auth.log("export", name, {"rows": len(frame), "format": "csv"}, who)
        return formulas.to_csv_bytes(frame)

    def excel() -> bytes:
        auth.log("export", name, {"rows": len(frame), "format": "xlsx"}, who)
        return exports.to_excel_bytes(frame, name)

    # No rerun on a click: a rerun registers the buttons anew and can drop the file the click asked for.
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(t("export.csv", lang), csv, file_name=f"{name}.csv", mime="text/csv", key=f"{key}-csv",
                         width="stretch", disabled=frame.empty, on_click="ignore")
    right.download_button(t("export.xlsx", lang), excel, file_name=f"{name}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}-xlsx", width="stretch", disabled=frame.empty, on_click="ignore")


def definition(name: str, lang: str) -> str:
    """The one-line definition of a figure (``kpi.help.<name>``); the response share names the rules' limits."""
    if name == "within":
        return t("kpi.help.within", lang, limits=response_limits(data.rules(), lang))
    return t(f"kpi.help.{name}", lang)


def training_note(training, year_before, lang: str) -> str:
    """Who is trained of whom, what the change is against, and whether any session was held yet this year."""
    lines = [t("kpi.training_note", lang, trained=training.trained_total, staff=training.in_post_total),
             t("kpi.vs_moment", lang, date=year_before.day.isoformat())]
    if not training.sessions:
        lines.append(t("kpi.training_no_session", lang))
    return "  \n".join(lines)


def response_limits(rules, lang: str) -> str:
    """The first-response limits of the case rules, e.g. 一级·红 2 小时、二级·橙 24 小时……"""
    return ("; " if lang == "en" else "、").join(
        f"{rule.label(lang)} {t('kpi.limit_hours', lang, hours=rule.first_response.total_seconds() / 3600)}"
        for rule in rules.risks)


def response_badges(response, rules, lang: str) -> str:
    """Each risk level's share within its limit and its median time, one line each."""
    parts = []
    for rule in rules.risks:
        level = response.by_level[rule.level]
        if not level.reported:
            continue
        hours = t("kpi.hours", lang, hours=level.median_hours) if level.median_hours is not None else "—"
        parts.append(f"{rule.label(lang)}: " + t("kpi.level_response", lang, share=format_share(level.share),
                                                         hours=hours))
    return "  \n".join(parts)


def change(now: float | None, before: float | None, against: str, lang: str, decimals: int = 0) -> str:
    """A line saying how ``now`` compares with ``before`` and against what, with the arrow of its sign."""
    if now is None or before is None:
        return change_line(None, None, against, lang)
    return change_line(now - before, signed(now - before, decimals), against, lang)


def share_change(now: float | None, before: float | None, against: str, lang: str) -> str:
    """The same for a share, in percentage points."""
    if now is None or before is None:
        return change_line(None, None, against, lang)
    points = round((now - before) * 100, 1)
    return change_line(points, t("kpi.points", lang, change=signed(points, 1)), against, lang)


def lines(*parts: str | None) -> str:
    """Caption lines, one under the other."""
    return "  \n".join(part for part in parts if part)


# The payment figures shown as cards: catalogue label, definition (kpi.help.*) and decimals.
PAYMENT_FIGURES = {"person_times": ("kpi.person_times", "person_times", 0), "amount": ("kpi.amount_yuan", "amount", 2),
                   "children": ("kpi.children_paid", "children_paid", 0)}


def payment_kpi(container, measure: str, now, before, year_before, against: str, against_year: str | None, paid: bool,
                lang: str) -> None:
    """A card with one payment figure (``measure`` of the subsidy figures) of the counted months: its change
    against ``before`` (the same months of the previous period) and, given ``year_before``, against the same
    months a year before; a dash while no month is counted (``paid`` false)."""
    key, name, decimals = PAYMENT_FIGURES[measure]
    value, earlier = getattr(now, measure), getattr(before, measure)

    def number(amount):
        return float(amount) if decimals else amount

    year_line = (change(number(value), number(getattr(year_before, measure)), against_year, lang, decimals)
                 if year_before is not None and paid else None)
    kpi(container, t(key, lang), f"{number(value):,.{decimals}f}" if paid else "—", lines(against, year_line),
        signed(number(value - earlier), decimals) if paid else None, delta_color="off", help=definition(name, lang))


def year_before(ctx: ViewContext, figures):
    """The same period a year before and what its stocks, flows and payments are against; None for a year,
    whose previous period is the year before, and when last year's period began before the data."""
    if figures.year_before is None or data.year_before_span(figures.current.span) is None:
        return None
    last, now, lang = figures.year_before, figures.current, ctx.lang
    return (last, t("kpi.yoy.moment", lang, date=last.span.period.register_day(last.moment).isoformat()),
            versus_year(now.span, last.span, lang), versus_year_months(now.span, last.span, lang))
