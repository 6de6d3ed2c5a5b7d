"""Gaps and actions: what the leadership should follow up, each with the page that lists it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from catalogue.i18n import format_yuan, t
from dashboard import data, links
from dashboard.context import ViewContext
from data_access import subsidies
from data_access.overview import KeyFigures
from data_access.types import Period

OUTSIDE_RADIUS_KM = 1.5
NAMES_SHOWN = 5
LINK_TEXT = {links.CASES: "overview.link.queue", links.MAP: "overview.link.map",
             links.SUBSIDIES: "overview.link.subsidies", links.EXPLORE: "overview.link.staff"}


@dataclass(frozen=True)
class Gap:
    kind: str
    count: int
    text: str
    action: str
    page: str
    params: dict[str, str]
    link_text: str


def months_due_end(moment) -> date:
    """The first day after the last month that is over at ``moment``: a month's payments are all due only
    once it has ended, so a month still running is not reconciled (its children are not yet unpaid)."""
    day = moment.date()
    month = Period.containing(day, "month")
    return month.end if day == month.last_day else month.start


def subsidy_window(ctx: ViewContext) -> tuple:
    """The months the subsidy page reconciles by default: the period's months that are over."""
    return ctx.period.start, max(ctx.period.start, min(ctx.period.end, months_due_end(ctx.as_of)))


def find_gaps(ctx: ViewContext, figures: KeyFigures, pressure: pd.DataFrame) -> list[Gap]:
    """The gaps in the chosen scope, most urgent first; only those that are there."""
    lang, now = ctx.lang, figures.current
    suffix = "en" if lang == "en" else "zh"
    found: list[Gap] = []

    def add(kind: str, count: int, page: str, params: dict[str, str], **values) -> None:
        if count:
            found.append(Gap(kind, count, t(f"gap.{kind}", lang, n=f"{count:,}", **values),
                             t(f"gap.{kind}.action", lang), page, params, t(LINK_TEXT[page], lang)))

    late = pressure[pressure["overdue_cases"] > 0]
    worst = t("sep.list", lang).join(late[f"street_{suffix}"].head(3))
    add("overdue", now.cases.overdue, links.CASES, links.cases(ctx, due="overdue"), streets=worst or "—")
    add("critical", now.cases.open_by_risk.get("critical", 0), links.CASES, links.cases(ctx, risk="critical"))

    network = figures.network
    add("no_director", network.communities - network.communities_with_director, links.MAP, links.map_view(ctx))
    coverage = data.coverage(ctx.scope, ctx.filters, ctx.as_of, OUTSIDE_RADIUS_KM)
    outside = coverage.outside
    names = t("sep.list", lang).join(outside[f"name_{suffix}"].head(NAMES_SHOWN))
    if len(outside) > NAMES_SHOWN:
        names += "…"
    add("outside", len(outside), links.MAP, links.map_view(ctx, radius=f"{OUTSIDE_RADIUS_KM:g}"),
        km=t("unit.km", lang, n=f"{OUTSIDE_RADIUS_KM:g}"), names=names)

    start, end = subsidy_window(ctx)
    lists = data.reconciliation(ctx.scope, ctx.filters, start, end) if start < end else no_problems()
    unpaid = lists.pop("unpaid")
    add("unpaid", len(unpaid), links.SUBSIDIES, links.subsidies(ctx),
        amount=format_yuan(float(unpaid["at_issue"].abs().sum()), lang))
    problems = sum(len(frame) for frame in lists.values())
    at_issue = sum(float(frame["at_issue"].abs().sum()) for frame in lists.values())
    add("anomalies", problems, links.SUBSIDIES, links.subsidies(ctx), amount=format_yuan(at_issue, lang))

    training = now.training
    rate = f"{training.rate:.0%}" if training.rate is not None else "—"
    # Before the year's first session nobody can have attended one: no gap to close yet.
    add("training", (training.in_post_total - training.trained_total) if training.sessions else 0, links.EXPLORE,
        links.explore_view(ctx, "staff", dim="street", dim2="trained", measure="count", chart="bar"), rate=rate)
    return found


def no_problems() -> dict[str, pd.DataFrame]:
    """The reconciliation's lists, all empty: for a window with no complete month yet."""
    return {kind: pd.DataFrame(columns=["at_issue"]) for kind in subsidies.ANOMALY_KINDS}
