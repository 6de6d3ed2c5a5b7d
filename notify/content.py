"""What a subscription sends: the morning digest, the leadership briefing and the alert rules.

Every builder reads through the data layer's own query functions with the account's scope, and writes only
case numbers, risk levels, deadlines, counts and links into a message: never a name, an ID number, a phone
number or an address. Links lead to the signed-in, masked and audited app (``DASHBOARD_PUBLIC_URL``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy import Engine

from catalogue.i18n import format_moment, format_yuan, label, period_label, t
from data_access import config, dataset, quality, reference, subsidies, vocab
from data_access.cases import CaseFilters, case_queue
from data_access.rules import CaseRules, load_rules
from data_access.subscriptions import Subscription
from data_access.types import Filters, Period, Scope, add_months
from data_access.users import scope_for
from notify import channels

LINES_PER_SECTION = 20
UNPAID_AFTER_DAY = 10
# What makes a link, an image, emphasis, code or HTML in a robot's Markdown; escaped in values from the database.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


@dataclass(frozen=True)
class Content:
    """A message and what it holds in figures (for the delivery row and the audit trail)."""

    message: channels.Message
    counts: dict = field(default_factory=dict)


def md_escape(text: str) -> str:
    """A value from the database as literal text in a chat robot's Markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def content_moment(engine: Engine, now: datetime) -> datetime:
    """The moment the content describes: ``DASHBOARD_AS_OF``, else a sample database's own as-of, else now
    (as the app does)."""
    override = config.as_of_override()
    if override:
        return override
    info = dataset.read_dataset_info(engine)
    if info.synthetic and info.data_as_of:
        return info.data_as_of
    return config.to_local(now).replace(second=0, microsecond=0)


def scope_of(sub: Subscription) -> Scope:
    return scope_for(sub.role, sub.street_id, sub.community_id)


def scope_label(engine: Engine, scope: Scope, lang: str) -> str:
    """The street (and a director's community) the scope covers, or the district."""
    if scope.streets is None:
        return t("scope.district", lang)
    name = "name_en" if lang == "en" else "name_zh"
    parts = [t("notify.scope.street", lang, name=n) for n in reference.list_streets(engine, scope)[name]]
    if scope.communities is not None:
        parts += [t("notify.scope.community", lang, name=n)
                  for n in reference.list_communities(engine, scope, Filters())[name]]
    return " · ".join(parts)


def link(path: str, lang: str, **params: str | None) -> str:
    """A link into the app; an empty parameter is left out (a page may refuse one, as ``street=``)."""
    query = {**({"lang": "en"} if lang == "en" else {}), **{k: v for k, v in params.items() if v not in ("", None)}}
    return f"{config.public_url()}{path}" + (f"?{urlencode(query)}" if query else "")


def case_link(case_no: str, lang: str) -> str:
    return link("/cases", lang, case=case_no)


@dataclass(frozen=True)
class Section:
    title: str
    total: int
    # (group heading or "", [(case number, note)])
    groups: list[tuple[str, list[tuple[str, str]]]]
    more_link: str


def _by_risk(frame: pd.DataFrame, rules: CaseRules, lang: str, note) -> list[tuple[str, list[tuple[str, str]]]]:
    names = rules.labels(lang)
    groups = []
    for level in names:
        rows = frame[frame["risk_level"] == level]
        if len(rows):
            groups.append((f"{names[level]} ({len(rows)})" if lang == "en" else f"{names[level]}（{len(rows)}）",
                           [(row["case_no"], note(row)) for _, row in rows.iterrows()]))
    return groups


def subject_line(key: str, lang: str, **values) -> tuple[str, str]:
    """A subject as plain text and as a Markdown heading: only the values (names from the database) are
    escaped, the catalogue's fixed words and brackets are not."""
    escaped = {name: md_escape(value) if isinstance(value, str) else value for name, value in values.items()}
    return t(key, lang, **values), f"### {t(key, lang, **escaped)}"


def _render(title: tuple[str, str], intro: str, sections: list[Section], lang: str) -> tuple[str, str]:
    """Plain text and Markdown of a message made of sections of case lines; ``title`` from ``subject_line``."""
    text, markdown = [intro, ""], [title[1], md_escape(intro), ""]
    for section in sections:
        heading = f"{section.title} ({section.total})" if lang == "en" else f"{section.title}（{section.total}）"
        text.append(heading)
        markdown.append(f"**{md_escape(heading)}**")
        if not section.total:
            text.append("  " + t("notify.digest.none", lang))
            markdown.append("- " + t("notify.digest.none", lang))
        shown = 0
        for group, lines in section.groups:
            if group:
                text.append(f"  {group}")
                markdown.append(f"- {md_escape(group)}")
            for case_no, note in lines:
                url = case_link(case_no, lang)
                text.append(f"    {case_no}  {note}  {url}".rstrip())
                markdown.append(f"  - [{md_escape(case_no)}]({url}) {md_escape(note)}".rstrip())
                shown += 1
        if section.total > shown:
            more = t("notify.digest.more", lang, more=section.total - shown, link=section.more_link)
            text.append("  " + more)
            markdown.append("- " + t("notify.digest.more", lang, more=section.total - shown,
                                     link=f"[{t('notify.digest.queue', lang)}]({section.more_link})"))
        text.append("")
        markdown.append("")
    text.append(t("notify.footer", lang))
    markdown.append("> " + t("notify.footer", lang))
    return "\n".join(text), "\n".join(markdown)


def digest(engine: Engine, sub: Subscription, as_of: datetime, since: datetime, rules: CaseRules) -> Content:
    """The morning digest of the account's queue: overdue and due within 24 hours by risk level, new since
    ``since`` (the previous digest), and open cases without contact beyond their follow-up cadence."""
    from dashboard.casework import LAPSED  # the case page's own ?no_contact= value (imports streamlit)

    lang, scope, filters = sub.lang, scope_of(sub), Filters()
    due_note = lambda row: t("notify.line.due", lang, when=format_moment(row["due_at"]))  # noqa: E731
    sections = []
    totals = {}
    for bucket, key in (("overdue", "notify.digest.overdue"), ("due_24h", "notify.digest.due_24h")):
        page = case_queue(engine, scope, filters, CaseFilters(due=(bucket,)), as_of, rules,
                          page_size=LINES_PER_SECTION)
        totals[bucket] = page.total
        sections.append(Section(t(key, lang), page.total, _by_risk(page.rows, rules, lang, due_note),
                                link("/cases", lang, due=bucket)))
    # Every case reported after the previous digest and by as_of, whatever its stage now; counted in SQL.
    new = case_queue(engine, scope, filters, CaseFilters(stages=vocab.STAGES, reported_after=since), as_of, rules,
                     page_size=LINES_PER_SECTION)
    totals["new"] = new.total
    sections.append(Section(t("notify.digest.new", lang), new.total,
                            _by_risk(new.rows, rules, lang, lambda row: format_moment(row["reported_at"])),
                            link("/cases", lang, **{"from": since.date().isoformat(), "to": as_of.date().isoformat(),
                                                    "stage": ",".join(vocab.STAGES)})))
    totals["no_contact"] = case_queue(engine, scope, filters, CaseFilters(contact_lapsed=True), as_of, rules,
                                      page_size=1).total
    lapsed = quality.cases_without_contact(engine, scope, filters, as_of, rules, limit=LINES_PER_SECTION)
    days = lambda row: t("unit.days", lang, n=row["days_without_contact"])  # noqa: E731
    sections.append(Section(t("notify.digest.no_contact", lang), totals["no_contact"],
                            _by_risk(lapsed, rules, lang, days), link("/cases", lang, no_contact=LAPSED)))
    where = scope_label(engine, scope, lang)
    subject = subject_line("notify.digest.subject", lang, scope=where, date=as_of.date().isoformat(),
                           overdue=totals["overdue"], soon=totals["due_24h"])
    intro = t("notify.digest.intro", lang, scope=where, moment=format_moment(as_of))
    text, markdown = _render(subject, intro, sections, lang)
    return Content(channels.Message(subject=subject[0], text=text, markdown=markdown), totals)


# --- alerts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """What an alert rule found: how many, and the lines to show (case number, note) or a sentence."""

    count: int
    lines: list[tuple[str, str]] = field(default_factory=list)
    sentence: str = ""
    more_link: str = ""


def evaluate(engine: Engine, sub: Subscription, as_of: datetime, rules: CaseRules) -> Finding:
    lang, scope, filters, rule = sub.lang, scope_of(sub), Filters(), sub.params["rule"]
    if rule == "critical_overdue":
        page = case_queue(engine, scope, filters, CaseFilters(risks=("critical",), due=("overdue",)), as_of, rules,
                          page_size=LINES_PER_SECTION)
        lines = [(row["case_no"], t("notify.line.due", lang, when=format_moment(row["due_at"])))
                 for _, row in page.rows.iterrows()]
        return Finding(page.total, lines, more_link=link("/cases", lang, risk="critical", due="overdue"))
    if rule == "no_holder":
        found = quality.cases_without_holder(engine, scope, filters, as_of, limit=LINES_PER_SECTION)
        names = rules.labels(lang)
        lines = [(row["case_no"], names.get(row["risk_level"], row["risk_level"])) for _, row in found.iterrows()]
        total = quality.quality_counts(engine, scope, filters, as_of, rules).no_holder
        return Finding(total, lines, more_link=link("/cases", lang))
    if rule == "unpaid_after_10th":
        # Only months that are over are reconciled (as on the subsidy page); after the 10th, the month before
        # this one, whose payments are all due by then, is the one the alert concerns.
        if as_of.day <= UNPAID_AFTER_DAY:
            return Finding(0)
        month = add_months(date(as_of.year, as_of.month, 1), -1)
        unpaid = subsidies.unpaid_eligible(engine, scope, filters, month, add_months(month, 1))
        if unpaid.empty:
            return Finding(0)
        sentence = t("notify.alert.unpaid", lang, month=period_label(Period("month", month.year, month.month), lang),
                     children=unpaid["child_id"].nunique(),
                     amount=format_yuan(float(unpaid["at_issue"].abs().sum()), lang))
        period = Period("month", month.year, month.month).code
        return Finding(int(unpaid["child_id"].nunique()), sentence=sentence,
                       more_link=link("/subsidies", lang, period=period))
    raise ValueError(f"unknown alert rule {rule!r}")


def alert_message(engine: Engine, sub: Subscription, event: str, finding: Finding, fired_at: datetime | None,
                  as_of: datetime) -> Content:
    lang = sub.lang
    rule = label("alert_rule", sub.params["rule"], lang)
    where = scope_label(engine, scope_of(sub), lang)
    subject = subject_line(f"notify.alert.subject.{event}", lang, rule=rule, scope=where, count=finding.count)
    if event == "resolve":
        intro = t("notify.alert.resolved", lang, moment=format_moment(as_of), since=format_moment(fired_at))
        sections: list[Section] = []
    else:
        intro = t("notify.alert.since", lang, moment=format_moment(fired_at or as_of))
        if finding.sentence:
            intro += " " + finding.sentence + " " + finding.more_link
            sections = []
        else:
            sections = [Section(rule, finding.count, [("", finding.lines)], finding.more_link)]
    text, markdown = _render(subject, intro, sections, lang)
    return Content(channels.Message(subject=subject[0], text=text, markdown=markdown),
                   {"event": event, "count": finding.count})


# --- the briefing ---------------------------------------------------------------------------------------


def briefing(engine: Engine, sub: Subscription, as_of: datetime) -> Content:
    """The leadership briefing of the period kind's current period and the chosen street: the HTML file
    attached for e-mail, its summary with a link for chat robots. Its key figures and street pressure are read
    from ``engine`` (the database the run was given); the HTML's charts and gap lists come through the page's
    cached helpers, which read ``DATABASE_URL`` (``python -m notify --db`` sets it to the same database)."""
    from dashboard import briefing as html, gaps
    from dashboard.context import ViewContext, street_title
    from data_access import overview
    from data_access.users import User

    lang, scope = sub.lang, scope_of(sub)
    street = sub.params.get("street") or (sub.street_id if scope.streets is not None else None)
    period = Period.containing(as_of.date(), sub.params.get("period", "month"))
    filters = Filters(period=period, street_id=street)
    info = dataset.read_dataset_info(engine)
    name = "name_en" if lang == "en" else "name_zh"
    streets = reference.list_streets(engine, scope)
    street_name = streets.set_index("id")[name].get(street) if street else t("filter.all_streets", lang)
    # A director's scope is one community: named beside its street, as the page header does.
    communities = list(reference.list_communities(engine, scope, filters)[name]) \
        if scope.communities is not None and len(scope.communities) == 1 else []
    scope_name = " · ".join([street_name, *communities])
    ctx = ViewContext(lang=lang, as_of=as_of, synthetic=info.synthetic,
                      user=User(sub.username, sub.role, sub.street_id, sub.community_id), scope=scope, filters=filters,
                      street_name=street_name, scope_name=scope_name)
    rules = load_rules(config.rules_file())
    figures = overview.key_figures(engine, scope, filters, as_of, rules)
    pressure = overview.street_pressure(engine, scope, filters, as_of, rules)
    found = gaps.find_gaps(ctx, figures, pressure)
    summary = html.summary_paragraph(ctx, figures, lang)
    url = link("/", lang, period=period.code, street=street)
    where = " · ".join([street_title(street_name, lang) if street else street_name, *communities])
    subject, heading = subject_line("notify.briefing.subject", lang, scope=where,
                                    period=period_label(period, lang, as_of))
    attached = t("notify.briefing.attached", lang, link=url)
    text = "\n\n".join([summary, attached, t("notify.footer", lang)])
    markdown = "\n\n".join([heading, md_escape(summary),
                            f"[{t('notify.briefing.link', lang)}]({url})", "> " + t("notify.footer", lang)])
    attachment = channels.Attachment(html.file_name(ctx), html.build(ctx, figures, pressure, found).encode("utf-8"),
                                     "text/html")
    counts = {"period": period.code, "street": street, "open_cases": figures.current.cases.open_total,
              "overdue": figures.current.cases.overdue}
    return Content(channels.Message(subject=subject, text=text, markdown=markdown, attachments=(attachment,)), counts)


def test_message(sub: Subscription) -> Content:
    lang = sub.lang
    subject, heading = subject_line("notify.test.subject", lang, id=sub.id)
    body = t("notify.test.body", lang) + "\n" + link("/", lang)
    return Content(channels.Message(subject=subject, text=body, markdown=f"{heading}\n{md_escape(body)}"),
                   {"test": True})
