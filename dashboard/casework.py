"""The crisis-case page's toolkit: URL-bound filter widgets, the display table, countdowns."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime

import pandas as pd
import streamlit as st

from catalogue.i18n import format_moment, format_share, label, t
from dashboard import auth, layout, palette, urlstate
from dashboard.context import ViewContext, street_title
from dashboard.text import literal, md
from data_access import vocab
from data_access.cases import (CASELOAD_BANDS, DUE_BUCKETS, FLAG_COLUMNS, FLAGS, NO_CONTACT_DAYS, CaseFilters,
                                ResponseFigures)
from data_access.rules import CaseRules
from data_access.types import Filters

PAGE_SIZE = 50
LAPSED = "cadence"  # ?no_contact=cadence: beyond the risk level's follow-up cadence, as the data page counts
NO_CONTACT_CHOICES = (LAPSED, *(str(d) for d in NO_CONTACT_DAYS))
REPORTED_PARAMS = ("from", "to")  # the reported-between widget's first and last day


def reset_page() -> None:
    st.session_state["page"] = 1


def _bad(ctx: ViewContext, name: str, fallback: str = "cases.filter.any"):
    return lambda raw: t("notice.bad_param", ctx.lang, name=name, value=raw, fallback=t(fallback, ctx.lang))


def _names(ctx: ViewContext, communities: pd.DataFrame, holders: pd.DataFrame) -> tuple[dict, dict]:
    suffix = "en" if ctx.lang == "en" else "zh"
    community_names = dict(zip(communities["id"], communities[f"name_{suffix}"]))
    holder_names = {str(i): f"{n} · {label('staff_role', r, ctx.lang)}" for i, n, r in
                    zip(holders["id"], holders["name"], holders["role"])}
    return community_names, holder_names


def case_filters(ctx: ViewContext, rules: CaseRules, communities: pd.DataFrame, holders: pd.DataFrame
                 ) -> tuple[Filters, CaseFilters]:
    """Draw the filter widgets (bound to the URL) and return what they select."""
    lang = ctx.lang
    community_names, holder_names = _names(ctx, communities, holders)
    any_label = t("cases.filter.any", lang)

    def choice(key: str, options: list[str]) -> None:
        urlstate.sync_from_url(key, "", lambda raw: raw if raw in options else None, _bad(ctx, key))

    choice("community", list(community_names))
    choice("source", ["mandatory", "other"])
    choice("staff", list(holder_names))
    choice("no_contact", list(NO_CONTACT_CHOICES))
    urlstate.sync_list_from_url("due", DUE_BUCKETS, _bad(ctx, "due"))
    urlstate.sync_list_from_url("risk", [r.level for r in rules.risks], _bad(ctx, "risk"))
    urlstate.sync_list_from_url("stage", vocab.STAGES, _bad(ctx, "stage", "cases.filter.open"))
    urlstate.sync_list_from_url("type", vocab.CRISIS_TYPES, _bad(ctx, "type"))
    urlstate.sync_list_from_url("flags", FLAGS, _bad(ctx, "flags"))
    urlstate.sync_from_url("q", "", lambda raw: raw.strip()[:40] or None, _bad(ctx, "q"))
    urlstate.sync_dates_from_url("reported", REPORTED_PARAMS, ctx.as_of.date(), _bad(ctx, "from/to"),
                                 lambda first, last: t("notice.reversed_dates", ctx.lang, first=first, last=last))

    with st.expander(t("cases.filters", lang), expanded=True):
        row = st.columns(4)
        row[0].multiselect(t("col.risk", lang), [r.level for r in rules.risks], key="risk", on_change=reset_page,
                           format_func=lambda level: rules.risk(level).label(lang), placeholder=any_label)
        row[1].multiselect(t("col.stage", lang), list(vocab.STAGES), key="stage", on_change=reset_page,
                           format_func=lambda s: label("stage", s, lang), placeholder=t("cases.filter.open", lang))
        row[2].multiselect(t("col.crisis_type", lang), list(vocab.CRISIS_TYPES), key="type", on_change=reset_page,
                           format_func=lambda c: label("crisis_type", c, lang), placeholder=any_label)
        row[3].multiselect(t("col.flags", lang), list(FLAGS), key="flags", on_change=reset_page,
                           format_func=lambda f: label("flag", f, lang), placeholder=any_label)
        row = st.columns(4)
        row[0].selectbox(t("col.community", lang), ["", *community_names], key="community", on_change=reset_page,
                         format_func=lambda c: community_names.get(c, any_label))
        row[1].selectbox(t("col.staff", lang), ["", *holder_names], key="staff", on_change=reset_page,
                         format_func=lambda s: holder_names.get(s, any_label))
        row[2].selectbox(t("cases.filter.source", lang), ["", "mandatory", "other"], key="source",
                         on_change=reset_page, format_func=lambda s: t(f"cases.source.{s}", lang) if s else any_label)
        row[3].date_input(t("cases.filter.reported", lang), key="reported", on_change=reset_page, format="YYYY-MM-DD",
                          min_value=date(2000, 1, 1), max_value=ctx.as_of.date())
        row = st.columns(4)
        row[0].multiselect(t("cases.filter.due", lang), list(DUE_BUCKETS), key="due", on_change=reset_page,
                           format_func=lambda d: t(f"cases.due.{d}", lang), placeholder=any_label)
        row[1].selectbox(t("cases.filter.no_contact", lang), ["", *NO_CONTACT_CHOICES], key="no_contact",
                         on_change=reset_page, format_func=lambda c: no_contact_text(c, lang) if c else any_label,
                         help=t("cases.filter.no_contact.help", lang, cadence=cadence_text(rules, lang)))
        row[2].text_input(t("cases.filter.case_no", lang), key="q", on_change=reset_page,
                          placeholder="FT-2022-00123")

    for key in ("community", "source", "staff", "due", "no_contact", "risk", "stage", "type", "flags", "q"):
        urlstate.write_to_url(key)
    dates = urlstate.write_dates_to_url("reported", REPORTED_PARAMS)

    s = st.session_state
    filters = dataclasses.replace(ctx.filters, community_id=s["community"] or None)
    chosen = CaseFilters(
        risks=tuple(s["risk"]),
        stages=tuple(s["stage"]),
        crisis_types=tuple(s["type"]),
        mandatory={"mandatory": True, "other": False}.get(s["source"]),
        staff_id=int(s["staff"]) if s["staff"] else None,
        reported_from=dates[0] if len(dates) == 2 else None,
        reported_to=dates[1] if len(dates) == 2 else None,
        flags=tuple(s["flags"]),
        due=tuple(s["due"]),
        no_contact_days=int(s["no_contact"]) if s["no_contact"].isdigit() else None,
        contact_lapsed=s["no_contact"] == LAPSED,
        case_no=s["q"],
    )
    return filters, chosen


def select_cell(level: str, bucket: str) -> None:
    """A click on a matrix cell: filter the queue to exactly that cell; a second click clears it."""
    s = st.session_state
    if list(s.get("risk") or []) == [level] and list(s.get("due") or []) == [bucket]:
        s["risk"], s["due"] = [], []
    else:
        s["risk"], s["due"] = [level], [bucket]
    s["page"] = 1


def no_contact_text(choice: str, lang: str) -> str:
    """The two meanings of "no contact" under two distinct names."""
    if choice == LAPSED:
        return t("cases.no_contact.lapsed", lang)
    return t("cases.no_contact.days", lang, days=choice)


def cadence_text(rules: CaseRules, lang: str) -> str:
    """Each risk level's follow-up cadence: "一级·红 2 天、二级·橙 7 天…"."""
    sep = t("sep.list", lang)
    return sep.join(f"{r.label(lang)} {t('unit.days', lang, n=f'{r.follow_up.total_seconds() / 86400:g}')}"
                    for r in rules.risks)


def countdown(due_at: datetime | None, as_of: datetime, lang: str) -> str:
    """'逾期 3 小时' / 'overdue 3 h', '5 小时后到期' / 'due in 5 h'."""
    if due_at is None or pd.isna(due_at):
        return ""
    seconds = (due_at - as_of).total_seconds()
    amount = abs(seconds)
    if amount < 3600:
        number, unit = max(1, round(amount / 60)), "minutes"
    elif amount < 48 * 3600:
        number, unit = round(amount / 3600), "hours"
    else:
        number, unit = round(amount / 86400), "days"
    span = t(f"unit.{unit}", lang, n=number)
    if seconds == 0:
        return t("cases.due_now", lang)
    return t("cases.overdue_by" if seconds < 0 else "cases.due_in", lang, span=span)


def flags_text(row, lang: str) -> str:
    present = [flag for flag in FLAGS if row[FLAG_COLUMNS[flag].name]]
    return t("sep.list", lang).join(label("flag", f, lang) for f in present)


def _case_columns(rows: pd.DataFrame, ctx: ViewContext, rules: CaseRules) -> dict:
    """The columns the screen and the export share, first: the case, where it is, what it is and when reported."""
    lang, suffix = ctx.lang, "en" if ctx.lang == "en" else "zh"
    return {
        t("col.case_no", lang): rows["case_no"],
        t("col.street", lang): rows[f"street_{suffix}"],
        t("col.community", lang): rows[f"community_{suffix}"],
        t("col.risk", lang): [rules.risk(r).label(lang) for r in rows["risk_level"]],
        t("col.stage", lang): [label("stage", s, lang) for s in rows["stage"]],
        t("col.crisis_type", lang): [label("crisis_type", c, lang) for c in rows["crisis_type"]],
        t("col.flags", lang): [flags_text(row, lang) for _, row in rows.iterrows()],
        t("col.reported_at", lang): [_moment(m) for m in rows["reported_at"]],
    }


def _holder_columns(rows: pd.DataFrame, lang: str) -> dict:
    """The columns the screen and the export share, last: who holds the case and for how long."""
    return {
        t("col.staff", lang): rows["staff_name"].fillna(""),
        t("col.days_open", lang): rows["days_open"].astype(int),
    }


def display_queue(rows: pd.DataFrame, ctx: ViewContext, rules: CaseRules) -> pd.DataFrame:
    """The queue as the user sees it, with translated headers. The export (export_queue) has the same columns
    around the deadline, but gives times in full where the screen counts down to the next deadline."""
    lang = ctx.lang
    due = [
        f"{t('cases.kind.' + kind, lang)} · {countdown(when, ctx.as_of, lang)}" if kind else t("cases.due.closed", lang)
        for kind, when in zip(rows["due_kind"], rows["due_at"])
    ]
    return pd.DataFrame({
        **_case_columns(rows, ctx, rules),
        t("col.last_contact_at", lang): [_moment(m) for m in rows["last_contact_at"]],
        t("col.next_due", lang): due,
        **_holder_columns(rows, lang),
    }, index=rows.index)


def styled_queue(table: pd.DataFrame, rows: pd.DataFrame, rules: CaseRules, lang: str):
    """Risk as a coloured badge and overdue deadlines in red."""
    colours = {r.label(lang): palette.RISK[r.level] for r in rules.risks}
    late = set(rows.index[rows["due_status"] == "overdue"])
    due_column = t("col.next_due", lang)

    def overdue_red(column: pd.Series) -> list[str]:
        return ["color: #C62828; font-weight: 600" if i in late else "" for i in column.index]

    return (
        table.style.map(lambda v: f"color: white; background-color: {colours[v]}" if v in colours else "",
                        subset=[t("col.risk", lang)])
        .apply(overdue_red, subset=[due_column])
    )


def case_detail_panel(detail, ctx: ViewContext, rules: CaseRules) -> None:
    """The selected case: who, what, the deadline and the rule behind it, and the timeline."""
    lang, suffix = ctx.lang, "en" if ctx.lang == "en" else "zh"
    case, child = detail.case, detail.child
    rule = rules.risk(case["risk_level"])
    with st.container(border=True):
        st.subheader(md("cases.detail", lang, case_no=case["case_no"]))
        st.markdown(
            f"{layout.risk_badge(rule, lang)} "
            f":gray-badge[{label('stage', case['stage'], lang)}] "
            f":gray-badge[{label('crisis_type', case['crisis_type'], lang)}] "
            f"{literal(case[f'street_{suffix}'])} · {literal(case[f'community_{suffix}'])}"
        )
        cols = st.columns(3)
        with cols[0]:
            st.markdown(f"**{t('cases.child', lang)}**")
            st.markdown(
                literal(f"{child['child_name']} · {t('gender.' + child['gender'], lang)} · {t('cases.age', lang, age=child['age'])}"
                        + (f" · {label('category', child['category'], lang)}" if child["category"] else ""))
            )
            st.caption(literal(f"{child['id_number']} · {child['guardian_phone']} · {child['address']}"))
            if ctx.scope.show_names and not child["revealed"]:
                st.button(t("cases.reveal", lang), key=f"reveal-{case['case_no']}", on_click=reveal,
                          args=(case["case_no"],), help=t("cases.reveal.help", lang))
            st.markdown(f"**{t('col.staff', lang)}**")
            st.markdown(literal(f"{case['staff_name'] or '—'} · {label('staff_role', case['staff_role'], lang)}"))
        with cols[1]:
            st.markdown(f"**{t('cases.referral', lang)}**")
            if case["referral_target"]:
                org = case[f"referral_org_{suffix}"]
                st.markdown(literal(
                    f"{label('referral_target', case['referral_target'], lang)}"
                    + (f" · {org}" if org else "")
                    + f" · {label('referral_status', case['referral_status'], lang)}"
                ))
            else:
                st.markdown(t("cases.no_referral", lang))
            st.markdown(f"**{t('cases.source', lang)}**")
            st.markdown(literal(label("source", case["source"], lang)))
        with cols[2]:
            st.markdown(f"**{t('cases.sla', lang)}**")
            if detail.due_kind:
                text = f"{t('cases.kind.' + detail.due_kind, lang)} · {format_moment(detail.due_at)} · " \
                       f"{countdown(detail.due_at, ctx.as_of, lang)}"
                (st.error if detail.due_status == "overdue" else st.warning if detail.due_status == "due_24h"
                 else st.success)(text)
            else:
                st.success(t("cases.closed_at", lang, at=format_moment(case["closed_at"])))
            st.caption(t("cases.rule", lang, risk=rule.label(lang),
                         hours=f"{rule.first_response.total_seconds() / 3600:g}",
                         days=f"{rule.follow_up.total_seconds() / 86400:g}"))
        st.markdown(f"**{t('cases.timeline', lang)}**")
        timeline = timeline_table(detail, ctx.as_of, lang)
        st.dataframe(timeline, hide_index=True, width="stretch", height=min(38 + 35 * len(timeline), 360))


def timeline_table(detail, as_of: datetime, lang: str) -> pd.DataFrame:
    """The timeline newest first, under the next deadline (an open case's first row)."""
    events = detail.events.iloc[::-1]
    rows = pd.DataFrame({
        t("cases.event.time", lang): [format_moment(m) for m in events["occurred_at"]],
        t("cases.event.kind", lang): [label("event_kind", k, lang) for k in events["kind"]],
        t("col.stage", lang): [label("stage", s, lang) for s in events["stage"]],
        t("col.staff", lang): list(events["staff_name"].fillna("")),
    })
    if not detail.due_kind:
        return rows
    deadline = pd.DataFrame({
        t("cases.event.time", lang): [format_moment(detail.due_at)],
        t("cases.event.kind", lang): [t("cases.timeline.next", lang, kind=t("cases.kind." + detail.due_kind, lang),
                                        left=countdown(detail.due_at, as_of, lang))],
        t("col.stage", lang): [""],
        t("col.staff", lang): [""],
    })
    return pd.concat([deadline, rows], ignore_index=True)


def reveal(case_no: str) -> None:
    """Show one case's personal data in clear, and log that it was shown."""
    st.session_state["_revealed"] = case_no
    auth.log("reveal", case_no)


def response_table(response: ResponseFigures, rules: CaseRules, lang: str) -> pd.DataFrame:
    """Per risk level: its limit, cases reported, due, answered in time, the share and the median time."""
    rows = [(rule, response.by_level[rule.level]) for rule in rules.risks]
    return pd.DataFrame({
        t("col.risk_level", lang): [rule.label(lang) for rule, _ in rows],
        t("col.limit", lang): [t("kpi.limit_hours", lang, hours=rule.first_response.total_seconds() / 3600)
                               for rule, _ in rows],
        t("kpi.reported", lang): [level.reported for _, level in rows],
        t("col.due_response", lang): [level.due for _, level in rows],
        t("col.within", lang): [level.within for _, level in rows],
        t("col.within_share", lang): [format_share(level.share) for _, level in rows],
        t("col.median_hours", lang): [t("kpi.hours", lang, hours=level.median_hours)
                                      if level.median_hours is not None else "—" for _, level in rows],
    })


def describe_filters(ctx: ViewContext, rules: CaseRules, communities: pd.DataFrame, holders: pd.DataFrame,
                     filters: Filters, chosen: CaseFilters) -> list[tuple[str, str]]:
    """The filters in force, as (what, value) pairs in the viewer's language; the street always comes first."""
    lang = ctx.lang
    community_names, holder_names = _names(ctx, communities, holders)
    sep = t("sep.list", lang)
    street = street_title(ctx.street_name, lang) if ctx.filters.street_id else t("filter.all_streets", lang)
    pairs = [(t("filter.street", lang), street)]
    if filters.community_id:
        pairs.append((t("col.community", lang), community_names.get(filters.community_id, filters.community_id)))
    if chosen.risks:
        pairs.append((t("col.risk", lang), sep.join(rules.risk(r).label(lang) for r in chosen.risks)))
    pairs.append((t("col.stage", lang), sep.join(label("stage", s, lang) for s in chosen.stages)
                  if chosen.stages else t("cases.filter.open", lang)))
    if chosen.crisis_types:
        pairs.append((t("col.crisis_type", lang), sep.join(label("crisis_type", c, lang) for c in chosen.crisis_types)))
    if chosen.flags:
        pairs.append((t("col.flags", lang), sep.join(label("flag", f, lang) for f in chosen.flags)))
    if chosen.mandatory is not None:
        pairs.append((t("cases.filter.source", lang),
                      t("cases.source." + ("mandatory" if chosen.mandatory else "other"), lang)))
    if chosen.staff_id is not None:
        pairs.append((t("col.staff", lang), holder_names.get(str(chosen.staff_id), str(chosen.staff_id))))
    if chosen.reported_from and chosen.reported_to:
        pairs.append((t("cases.filter.reported", lang), f"{chosen.reported_from} – {chosen.reported_to}"))
    if chosen.due:
        pairs.append((t("cases.filter.due", lang), sep.join(t(f"cases.due.{d}", lang) for d in chosen.due)))
    if chosen.contact_lapsed:
        pairs.append((t("cases.filter.no_contact", lang), no_contact_text(LAPSED, lang)))
    if chosen.no_contact_days:
        pairs.append((t("cases.filter.no_contact", lang), no_contact_text(str(chosen.no_contact_days), lang)))
    if chosen.case_no:
        pairs.append((t("cases.filter.case_no", lang), chosen.case_no))
    return pairs


def export_name(pairs: list[tuple[str, str]], as_of: datetime, lang: str) -> str:
    """A file name that says what the file holds: the queue, the street, the narrowing filters and the date."""
    narrowing = [value for _, value in pairs[1:] if value != t("cases.filter.open", lang)]
    parts = [t("cases.export.name", lang), pairs[0][1], *narrowing[:3], as_of.strftime("%Y-%m-%d")]
    name = "_".join(re.sub(r'[\\/:*?"<>|,，、\s]+', "-", part).strip("-") for part in parts if part)
    return name[:150]


def export_about(ctx: ViewContext, pairs: list[tuple[str, str]], rows: int) -> list[tuple[str, str]]:
    """What the export's second sheet says: the as-of moment, who exported it, the filters and the row count."""
    lang = ctx.lang
    return [
        (t("cases.export.as_of", lang), format_moment(ctx.as_of)),
        (t("cases.export.by", lang), ctx.user.username),
        *pairs,
        (t("cases.export.rows", lang), str(rows)),
    ]


def export_queue(rows: pd.DataFrame, ctx: ViewContext, rules: CaseRules) -> pd.DataFrame:
    """The queue as exported: the screen's columns, but absolute times (a countdown would be stale tomorrow),
    the first response, and the next deadline's kind and state in columns of their own."""
    lang = ctx.lang
    return pd.DataFrame({
        **_case_columns(rows, ctx, rules),
        t("col.first_response_at", lang): [_moment(m) for m in rows["first_response_at"]],
        t("col.last_contact_at", lang): [_moment(m) for m in rows["last_contact_at"]],
        t("cases.export.due_kind", lang): [t("cases.kind." + k, lang) if k else "" for k in rows["due_kind"]],
        t("col.next_due", lang): [_moment(m) for m in rows["due_at"]],
        t("cases.filter.due", lang): [t(f"cases.due.{s}", lang) for s in rows["due_status"]],
        **_holder_columns(rows, lang),
    }, index=rows.index)


def _moment(value) -> str:
    return "" if value is None or pd.isna(value) else format_moment(value)


def band_thresholds(lang: str) -> str:
    """The caseload bands and what each means, for the workload's caption."""
    return " · ".join(t("cases.band.meaning", lang, band=t(f"cases.band.{name}", lang),
                        meaning=t(f"cases.band.meaning.{name}", lang)) for _, _, name in CASELOAD_BANDS)


BAND_STYLES = {"10_19": "background-color: #FFF3CD", "20_29": "background-color: #FFD8A8; font-weight: 600",
               "30_plus": "background-color: #C62828; color: white; font-weight: 600"}


def workload_table(workload: pd.DataFrame, lang: str):
    """Workers by open cases, the band of each highlighted above the first, overdue cases in red."""
    suffix = "en" if lang == "en" else "zh"
    table = pd.DataFrame({
        t("col.person", lang): workload["name"],
        t("col.role", lang): [label("staff_role", r, lang) for r in workload["role"]],
        t("col.street", lang): workload[f"street_{suffix}"],
        t("cases.open", lang): workload["open_cases"],
        t("cases.overdue", lang): workload["overdue_cases"],
        t("cases.caseload", lang): [t("cases.band." + b, lang) for b in workload["band"]],
    })
    bands = list(workload["band"])
    overdue = list(workload["overdue_cases"])

    def band_style(column: pd.Series) -> list[str]:
        return [BAND_STYLES.get(bands[i], "") for i in range(len(column))]

    def overdue_style(column: pd.Series) -> list[str]:
        return ["color: #C62828; font-weight: 600" if overdue[i] else "" for i in range(len(column))]

    return (table.style.apply(band_style, subset=[t("cases.caseload", lang), t("cases.open", lang)])
            .apply(overdue_style, subset=[t("cases.overdue", lang)]))


def worker_filter(staff_id: int, holders: pd.DataFrame) -> bool:
    """Filter the queue to one worker's cases; False when the worker may hold no case here."""
    if staff_id not in set(holders["id"]):
        return False
    s = st.session_state
    s["staff"], s["page"], s["case"] = str(staff_id), 1, ""
    return True


NO_SELECTION = {"selection": {"rows": [], "columns": [], "cells": []}}
SCROLL = "_scroll_to"
# Constant code: the target is one of the page's own container keys, the counter an integer.
SCROLL_SCRIPT = """<script>/* {count} */
requestAnimationFrame(() => setTimeout(() => {{
  const target = document.querySelector(".st-key-{target}");
  if (target) target.scrollIntoView({{behavior: "smooth", block: "start"}});
}}, 50));
</script>"""
SCROLL_TARGETS = ("case-detail", "case-queue")


def scroll_to(target: str) -> None:
    """Ask the end of this run to bring a container into view (after a click far from it)."""
    if target not in SCROLL_TARGETS:
        raise ValueError(target)
    count = st.session_state.get(SCROLL, (None, 0))[1] + 1
    st.session_state[SCROLL] = (target, count)


def scroll_script() -> None:
    """The scroll asked for in this run's callbacks, once."""
    target, count = st.session_state.get(SCROLL, (None, 0))
    if target:
        st.html(SCROLL_SCRIPT.format(target=target, count=count), unsafe_allow_javascript=True, width="content")
        st.session_state[SCROLL] = (None, count)
