"""The one-click briefing: a self-contained HTML file for the chosen period and street that prints on A4.

Charts are embedded as SVG (rendered locally by vl-convert), styles are inline, and nothing is
fetched from anywhere, so the file opens and prints on a machine with no network. The summary
paragraph is written from the figures by the catalogue's templates.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import altair as alt
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from catalogue.i18n import (format_moment, format_share, format_wan, format_yuan, join_sentences, label, long_date,
                            months_label, period_label, short_date, signed, t)
from dashboard import auth, charts, data, layout
from dashboard.context import ViewContext, street_title
from dashboard.gaps import Gap
from data_access.overview import KeyFigures
from data_access import vocab
from data_access.rules import CaseRules
from data_access.types import Period, months_between

CHART_WIDTH = 640


def scope_name(ctx: ViewContext) -> str:
    if ctx.filters.street_id is None:
        return t("scope.district", ctx.lang)
    return street_title(ctx.street_name, ctx.lang)


def change_phrase(now: Decimal, before: Decimal, lang: str, same_span: bool = False, against: str = "change") -> str:
    """The change in words; ``same_span``: against the same months; ``against``: ``change`` for the previous
    period, ``change_year`` for the same period last year."""
    suffix = ".same" if same_span else ""
    if not before:
        return t(f"summary.{against}.none" + (suffix if against == "change_year" else ""), lang)
    ratio = float((now - before) / before)
    if abs(ratio) < 0.0005:
        return t(f"summary.{against}.flat" + suffix, lang)
    return t(f"summary.{against}." + ("up" if ratio > 0 else "down") + suffix, lang, pct=f"{abs(ratio):.1%}")


def year_before(ctx: ViewContext, figures: KeyFigures):
    """The same period last year, when it is not the previous period already (a year's) and the data reach it."""
    return figures.year_before if data.year_before_span(figures.current.span) else None


def summary_paragraph(ctx: ViewContext, figures: KeyFigures, lang: str) -> str:
    """The figures in the bureau's register, e.g. 截至2022年6月30日，全区在册困境儿童…人……"""
    now, net = figures.current, figures.network
    cases = now.cases
    scope = scope_name(ctx)
    register_day = ctx.period.register_day(ctx.as_of)
    response = t("summary.response", lang, due=cases.response.due, within=cases.response.within,
                 share=format_share(cases.response.share)) if cases.response.due else ""
    last = year_before(ctx, figures)
    reported_year = t("summary.reported_year" + (".same" if last.span.like_for_like else ""), lang,
                      change=signed(cases.reported_in_period - last.cases.reported_in_period)) if last else ""
    network = network_sentence(ctx, net.streets, net.streets_with_station, lang)
    parts = [
        t("summary.children", lang, date=long_date(register_day, lang), scope=scope, total=f"{now.children_total:,}",
          **{k: f"{v:,}" for k, v in now.children_by_category.items()}),
        subsidy_sentence(ctx, figures, lang),
        t("summary.cases", lang, open=f"{cases.open_total:,}", critical=f"{cases.open_by_risk.get('critical', 0):,}",
          overdue=f"{cases.overdue:,}", reported=f"{cases.reported_in_period:,}", reported_year=reported_year,
          response=response),
        network
        + t("summary.workforce", lang, supervisors=net.supervisors, directors=net.directors,
            covered=net.communities_with_director, communities=net.communities, orgs=net.organisations_total,
            rate=format_share(now.training.rate)),
    ]
    campaign = campaign_sentence(ctx, lang)
    if campaign:
        parts.append(campaign)
    return join_sentences(parts, lang)


def campaign_sentence(ctx: ViewContext, lang: str) -> str:
    """The district's campaign phases in the period, e.g. 本期正值2022年全面集中整治：自查自纠（3月1日–4月30日）……;
    empty in a period without one."""
    by_campaign: dict[str, list] = {}
    for phase in data.campaign_phases(ctx.period, ctx.as_of):
        by_campaign.setdefault(phase.campaign, []).append(phase)
    sentences = []
    for campaign, phases in by_campaign.items():
        listed = t("sep.list", lang).join(
            t("summary.campaign.phase", lang, name=p.name(lang), starts=short_date(p.starts, lang),
              ends=short_date(p.ends, lang)) for p in phases)
        sentences.append(t("summary.campaign", lang, campaign=t(f"campaign.{campaign}", lang), phases=listed))
    return join_sentences(sentences, lang)


def network_sentence(ctx: ViewContext, streets: int, with_station: int, lang: str) -> str:
    """Whether the streets in view have a work station; one street is named rather than counted."""
    if ctx.filters.street_id is not None:
        key = "summary.network.street" if with_station else "summary.network.street_none"
        return t(key, lang, scope=scope_name(ctx))
    key = "summary.network" if streets and with_station == streets else "summary.network.partial"
    return t(key, lang, streets=streets, streets_with_station=with_station)


def subsidy_sentence(ctx: ViewContext, figures: KeyFigures, lang: str) -> str:
    """Payments of the period, or while it runs of its complete months, against the same months before."""
    span, paid, before = figures.current.span, figures.current.subsidies, figures.previous
    last = year_before(ctx, figures)
    if span.running and not span.months:
        return t("summary.subsidies.no_month", lang, period=period_label(ctx.period, lang, ctx.as_of))
    return t("summary.subsidies", lang, period=months_label(span.months, lang) if span.running else
             period_label(ctx.period, lang), person_times=f"{paid.person_times:,}",
             amount=format_wan(float(paid.amount), lang),
             change=change_phrase(paid.amount, before.subsidies.amount, lang, before.span.like_for_like),
             change_year=t("sep.clause", lang) + change_phrase(
                 paid.amount, last.subsidies.amount, lang, last.span.like_for_like, "change_year") if last else "")


def kpi_rows(figures: KeyFigures, rules: CaseRules, lang: str, with_year: bool = True) -> list[tuple[str, ...]]:
    """(indicator, this period, previous period, change[, same period last year, change]) for the briefing's
    table; the last pair with ``with_year`` (not for a year, whose previous period is the year before)."""
    now = figures.current
    frames = [figures.previous] + ([figures.year_before] if with_year and figures.year_before else [])
    rows: list[tuple[str, ...]] = []

    def whole(name: str, pick) -> None:
        a = pick(now)
        rows.append((name, f"{a:,}", *(part for f in frames for part in (f"{pick(f):,}", signed(a - pick(f))))))

    def points(name: str, pick, shown=format_share) -> None:
        a = pick(now).share
        cells = []
        for f in frames:
            b = pick(f).share
            cells += [shown(pick(f)), t("kpi.points", lang, change=signed((a - b) * 100, 1)) if None not in (a, b)
                      else "—"]
        rows.append((name, shown(pick(now)), *cells))

    def level_text(level) -> str:
        return t("kpi.level_response", lang, share=format_share(level.share),
                 hours=t("kpi.hours", lang, hours=level.median_hours) if level.median_hours is not None else "—")

    def nothing(name: str, value: str) -> None:
        rows.append((name, value, *("—", "—") * len(frames)))

    whole(t("overview.children", lang), lambda f: f.children_total)
    for c in now.children_by_category:
        whole(label("category", c, lang), lambda f, c=c: f.children_by_category[c])
    whole(t("kpi.open_cases", lang), lambda f: f.cases.open_total)
    for level, name in rules.labels(lang).items():
        whole(name, lambda f, level=level: f.cases.open_by_risk[level])
    whole(t("kpi.overdue", lang), lambda f: f.cases.overdue)
    whole(t("kpi.reported", lang), lambda f: f.cases.reported_in_period)
    points(t("kpi.within_limit", lang), lambda f: f.cases.response, lambda r: format_share(r.share))
    for level, name in rules.labels(lang).items():
        points(f"{t('kpi.within_limit', lang)} · {name}", lambda f, level=level: f.cases.response.by_level[level],
               level_text)
    hours = [f.cases.median_response_hours for f in [now] + frames]
    rows.append((t("kpi.median_all_levels", lang), *(part for i, h in enumerate(hours) for part in (
        (t("kpi.hours", lang, hours=h) if h is not None else "—",) if i == 0 else
        (t("kpi.hours", lang, hours=h) if h is not None else "—",
         signed(hours[0] - h, 1) if None not in (hours[0], h) else "—")))))
    if now.span.months:
        whole(t("kpi.person_times", lang), lambda f: f.subsidies.person_times)
        amounts = [float(f.subsidies.amount) for f in [now] + frames]
        rows.append((t("kpi.amount", lang), format_yuan(amounts[0], lang), *(part for b in amounts[1:] for part in (
            format_yuan(b, lang), signed(amounts[0] - b, 2)))))
        whole(t("kpi.children_paid", lang), lambda f: f.subsidies.children)
    else:
        for key in ("kpi.person_times", "kpi.amount", "kpi.children_paid"):
            nothing(t(key, lang), "—")
    net = figures.network
    nothing(t("kpi.stations", lang), f"{net.street_stations} ({net.streets_with_station}/{net.streets})")
    nothing(t("kpi.supervisors", lang), f"{net.supervisors:,}")
    nothing(t("kpi.directors", lang), f"{net.directors} ({net.communities_with_director}/{net.communities})")
    nothing(t("kpi.orgs", lang), t("kpi.orgs_note", lang, **net.organisations))
    # Trained this year counts from 1 January: it is compared with the same day a year before only.
    rates = [now.training.rate, figures.training_year_before.rate]
    change = t("kpi.points", lang, change=signed((rates[0] - rates[1]) * 100, 1)) if None not in rates else "—"
    pair = (format_share(rates[1]), change)
    rows.append((t("kpi.training_vs_year", lang, date=figures.training_year_before.day.isoformat()),
                 format_share(rates[0]), *(("—", "—", *pair) if len(frames) == 2 else pair)))
    return rows


def footnotes(rows: list[tuple], rules: CaseRules, lang: str) -> tuple[list[tuple], list[str]]:
    """Each row with the number of its figure's definition (``kpi.help.*``), and the definitions in order."""
    exact = {t("overview.children", lang): "children", **{label("category", c, lang): "children"
                                                          for c in vocab.CHILD_CATEGORIES},
             **{name: "open" for name in rules.labels(lang).values()}}
    prefixes = [("kpi.within_limit", "within"), ("kpi.median_all_levels", "median_all"), ("kpi.open_cases", "open"),
                ("kpi.overdue", "overdue"), ("kpi.reported", "reported"), ("kpi.person_times", "person_times"),
                ("kpi.amount", "amount"), ("kpi.children_paid", "children_paid"), ("kpi.stations", "stations"),
                ("kpi.supervisors", "supervisors"), ("kpi.directors", "directors"), ("kpi.orgs", "orgs"),
                ("kpi.training", "training")]
    numbers: dict[str, int] = {}
    notes, out = [], []
    for row in rows:
        name = exact.get(row[0]) or next((note for key, note in prefixes if row[0].startswith(t(key, lang))), None)
        if name and name not in numbers:
            numbers[name] = len(numbers) + 1
            notes.append(layout.definition(name, lang))
        out.append((*row, numbers.get(name, "")))
    return out, notes


def chart_svg(chart: alt.Chart) -> str:
    """The chart as SVG markup, rendered locally (vl-convert), with no link to anything outside."""
    out = io.StringIO()
    chart.properties(width=CHART_WIDTH).save(out, format="svg")
    return out.getvalue()


@cache
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                       autoescape=select_autoescape(["html"]))


def render(*, lang: str, title: str, subtitle: str, summary: str, kpis: list, notes: list[str], kpi_header: list[str],
           charts_svg: list[tuple[str, str]], pressure: list[tuple], pressure_header: list[str], gaps: list[Gap],
           footer: list[str], headings: dict[str, str]) -> str:
    return _templates().get_template("briefing.html").render(
        lang="zh-CN" if lang == "zh" else "en", title=title, subtitle=subtitle, summary=summary, kpis=kpis,
        kpi_header=kpi_header, notes=notes, charts=charts_svg, pressure=pressure, pressure_header=pressure_header, gaps=gaps,
        footer=footer, headings=headings,
    )


def build(ctx: ViewContext, figures: KeyFigures, pressure: pd.DataFrame, gaps: list[Gap]) -> str:
    """The briefing's HTML for the view context."""
    lang, rules = ctx.lang, data.rules()
    suffix = "en" if lang == "en" else "zh"
    first, end = Period.twelve_months_to(ctx.as_of.date())
    svgs = []
    reported = data.cases_by_month(ctx.scope, ctx.filters, first, end, ctx.as_of)
    if not reported.empty:
        svgs.append((t("chart.cases_trend", lang) + " — " + t("chart.help.cases_trend", lang),
                     chart_svg(charts.cases_by_month_chart(reported, rules.labels(lang), lang,
                                                           months=months_between(first, end), height=160))))
    paid = data.payments_by_month(ctx.scope, ctx.filters, first, end)
    if not paid.empty:
        svgs.append((t("chart.subsidy_trend_short", lang) + " — " + t("chart.help.subsidy_trend", lang),
                     chart_svg(charts.subsidy_by_month_chart(paid, lang, 160))))
    with_year = year_before(ctx, figures) is not None
    kpis, notes = footnotes(kpi_rows(figures, rules, lang, with_year), rules, lang)
    if with_year:
        notes.append(t("briefing.note.year_before", lang, definition=t("kpi.help.year_before", lang)))
    footer = [t("briefing.generated", lang, moment=format_moment(datetime.now().replace(microsecond=0)),
                as_of=format_moment(ctx.as_of))]
    if ctx.synthetic:
        footer.append(t("briefing.synthetic", lang))
    return render(
        lang=lang,
        title=t("briefing.title", lang),
        subtitle=t("briefing.subtitle", lang, period=period_label(ctx.period, lang, ctx.as_of), scope=ctx.scope_name),
        summary=summary_paragraph(ctx, figures, lang),
        kpis=kpis,
        notes=notes,
        kpi_header=[t(k, lang) for k in ("col.indicator", "col.this_period", "col.previous_same_span"
                                         if figures.previous.span.like_for_like else "col.previous_period", "col.change",
                                         *(("col.year_before", "col.change_year") if with_year else ()))],
        charts_svg=svgs,
        pressure=list(zip(pressure[f"street_{suffix}"], pressure["overdue_cases"], pressure["critical_cases"],
                          pressure["open_cases"])),
        pressure_header=[t(k, lang) for k in ("col.street", "col.overdue_cases", "col.critical_cases",
                                              "col.open_cases")],
        gaps=gaps,
        footer=footer,
        headings={key: t(f"{key}", lang) for key in ("briefing.summary", "briefing.kpis", "briefing.charts",
                                                      "overview.pressure", "overview.gaps", "overview.no_gaps")},
    )


def file_name(ctx: ViewContext) -> str:
    street = ctx.filters.street_id or "district"
    return f"briefing-{ctx.period.code}-{street}-{ctx.lang}.html"


def download(ctx: ViewContext, figures: KeyFigures, pressure: pd.DataFrame, gaps: list[Gap], who: str | None) -> str:
    """The briefing for a download button; the download is logged like every export."""
    auth.log("export", "briefing", {"period": ctx.period.code, "street": ctx.filters.street_id, "lang": ctx.lang}, who)
    return build(ctx, figures, pressure, gaps)
