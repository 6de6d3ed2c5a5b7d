"""The data-quality panel on /data: a count per check, and the rows behind one check (``?check=``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from catalogue.i18n import format_moment, label, t
from dashboard import data, layout, links, urlstate
from dashboard.casework import LAPSED
from dashboard.context import ViewContext
from data_access.quality import CHECKS, IMPERSONAL_CHECKS, QualityCounts
from data_access.rules import CaseRules

KEY = "check"
CARDS_PER_ROW = 4


def may_see_rows(role: str, check: str) -> bool:
    """Leadership sees counts only, except for checks whose rows name no one."""
    return role != "leader" or check in IMPERSONAL_CHECKS


def show(ctx: ViewContext, counts: QualityCounts) -> None:
    """The panel for the counts of data.quality_counts; the rows of an open check are read here, when asked for."""
    lang = ctx.lang
    st.subheader(t("quality.title", lang))
    st.caption(t("quality.caption", lang, as_of=format_moment(ctx.as_of)))
    urlstate.sync_from_url(KEY, "", lambda raw: raw if raw in CHECKS else None,
                           lambda raw: t("notice.bad_param", lang, name=KEY, value=raw,
                                         fallback=t("quality.title", lang)), sticky=False)
    layout.show_notices(st.container())
    _cards(ctx, counts)
    urlstate.write_to_url(KEY)
    check = st.session_state[KEY]
    if check:
        _detail(ctx, check, counts.count(check))


def _select(check: str) -> None:
    st.session_state[KEY] = check


def _cards(ctx: ViewContext, counts: QualityCounts) -> None:
    lang = ctx.lang
    slots = [box for _ in range(0, len(CHECKS) + 1, CARDS_PER_ROW) for box in st.columns(CARDS_PER_ROW)]
    with slots[0].container(border=True):
        rate = counts.completeness
        st.metric(t("quality.completeness", lang), "—" if rate is None else f"{rate:.1%}",
                  help=t("quality.help.incomplete", lang))
        st.caption(t("quality.completeness_note", lang, complete=counts.complete, total=counts.children)
                   if counts.children else t("quality.no_files", lang))
    for slot, check in zip(slots[1:], CHECKS):
        count = counts.count(check)
        with slot.container(border=True):
            st.metric(t(f"quality.check.{check}", lang), f"{count:,}", help=t(f"quality.help.{check}", lang))
            if not count:
                st.markdown(f":green-badge[:material/check_circle: {t('quality.none', lang)}]")
            elif may_see_rows(ctx.user.role, check):
                st.button(t("quality.show", lang), key=f"quality-show-{check}", on_click=_select, args=(check,),
                          icon=":material/table_rows:", type="tertiary")
            else:
                st.caption(t("quality.count_only", lang))
            if count and check == "no_contact":
                # The same cases on the case page, which every role may open (masked as there).
                st.page_link(links.CASES, label=t("quality.to_cases", lang, count=f"{count:,}"),
                             icon=":material/emergency:", query_params=links.cases(ctx, no_contact=LAPSED))


def _detail(ctx: ViewContext, check: str, count: int) -> None:
    lang = ctx.lang
    st.markdown(f"**{t('quality.rows_title', lang, check=t(f'quality.check.{check}', lang), count=count)}**")
    st.button(t("quality.close", lang), key="quality-close", on_click=_select, args=("",), icon=":material/close:")
    if not may_see_rows(ctx.user.role, check):
        st.info(t("quality.counts_only", lang))
        return
    if check == "unregistered_payments":
        st.page_link(links.SUBSIDIES, label=t("quality.to_subsidies", lang), icon=":material/payments:",
                     query_params=links.subsidies(ctx))
    if check == "no_contact":
        # The same definition as the count: the case page's "beyond the follow-up cadence" filter, nothing else.
        st.page_link(links.CASES, label=t("quality.to_cases", lang, count=count), icon=":material/emergency:",
                     query_params=links.cases(ctx, no_contact=LAPSED))
    if count == 0:
        st.success(t("quality.clean", lang), icon=":material/check_circle:")
        return
    rows = data.quality_rows(check, ctx.scope, ctx.filters, ctx.as_of)
    if check == "unregistered_payments":
        rows, count = _not_on_subsidy_page(rows, count, lang)
        if rows.empty:
            return
    if check == "duplicates":
        st.caption(t("quality.duplicate_note", lang, people=count, files=len(rows)))
    if len(rows) < count:
        st.caption(t("quality.truncated", lang, shown=len(rows), total=count))
    table = display_rows(check, rows, lang, data.rules())
    st.dataframe(table, hide_index=True, width="stretch")
    layout.export_buttons(table, f"data-quality-{check}-{ctx.as_of:%Y%m%d}", lang, f"quality-{check}")


def _not_on_subsidy_page(rows: pd.DataFrame, count: int, lang: str) -> tuple[pd.DataFrame, int]:
    """The subsidy page lists payments of known children; only the others are listed here."""
    unknown = rows[rows["reason"] == "unknown_child"]
    listed = count - len(unknown)
    if listed:
        st.caption(t("quality.listed_elsewhere", lang, count=listed, tab=t("subsidies.kind.ineligible", lang)))
    return unknown, len(unknown)


def _dates(values) -> list[str]:
    return [format_moment(v) if v is not None and not pd.isna(v) else "" for v in values]


def display_rows(check: str, rows: pd.DataFrame, lang: str, rules: CaseRules) -> pd.DataFrame:
    """One check's rows as the user sees and exports them: translated headers and labels, masked people."""
    suffix = "en" if lang == "en" else "zh"
    street = {t("col.street", lang): rows[f"street_{suffix}"]} if f"street_{suffix}" in rows else {}
    if check in ("incomplete", "duplicates", "no_community"):
        child = {
            t("col.file_no", lang): rows["file_no"],
            t("col.child", lang): rows["child_name"],
            t("quality.col.id_number", lang): rows["id_number"],
            t("quality.col.gender", lang): [t(f"gender.{g}", lang) if g in ("F", "M") else "" for g in rows["gender"]],
            t("quality.col.birth_date", lang): _dates(rows["birth_date"]),
            t("col.category", lang): [label("category", c, lang) for c in rows["category"]],
            **street,
            t("col.community", lang): rows[f"community_{suffix}"].fillna(""),
        }
        if check == "incomplete":
            sep = t("sep.list", lang)
            return pd.DataFrame({
                **child,
                t("quality.col.phone", lang): rows["guardian_phone"],
                t("quality.col.address", lang): rows["address"],
                t("quality.col.missing", lang): [sep.join(t(f"quality.field.{f}", lang) for f in missing)
                                                 for missing in rows["missing"]],
            })
        if check == "duplicates":
            return pd.DataFrame({t("quality.col.group", lang): rows["group"], **child,
                                 t("quality.col.files", lang): rows["files"]})
        return pd.DataFrame(child)
    if check in ("no_holder", "no_contact"):
        case = {
            t("col.case_no", lang): rows["case_no"],
            **street,
            t("col.community", lang): rows[f"community_{suffix}"],
            t("col.risk", lang): [rules.risk(r).label(lang) for r in rows["risk_level"]],
            t("col.stage", lang): [label("stage", s, lang) for s in rows["stage"]],
            t("col.reported_at", lang): _dates(rows["reported_at"]),
            t("col.last_contact_at", lang): _dates(rows["last_contact_at"]),
        }
        if check == "no_holder":
            return pd.DataFrame({
                **case,
                t("col.staff", lang): rows["staff_name"],
                t("quality.col.left_on", lang): _dates(rows["staff_left_on"]),
                t("col.reason", lang): [t(f"quality.reason.{r}", lang) for r in rows["reason"]],
            })
        return pd.DataFrame({
            **case,
            t("quality.col.cadence", lang): rows["cadence_days"].round(1),
            t("quality.col.days_without", lang): rows["days_without_contact"],
        })
    if check == "unregistered_payments":
        return pd.DataFrame({
            t("col.payment_no", lang): rows["payment_no"],
            t("col.month", lang): [m.strftime("%Y-%m") for m in rows["month"]],
            t("quality.col.child_id", lang): rows["child_id"],
            t("col.file_no", lang): rows["file_no"].fillna(""),
            t("col.child", lang): rows["child_name"],
            **street,
            t("col.amount", lang): rows["amount"],
            t("col.reason", lang): [t(f"quality.reason.{r}", lang) if r == "unknown_child"
                                    else t(f"subsidies.reason.{r}", lang) for r in rows["reason"]],
        })
    if check == "outside_district":
        return pd.DataFrame({
            t("col.kind", lang): [t(f"quality.place.{k}", lang) for k in rows["kind"]],
            t("col.name", lang): rows[f"name_{suffix}"],
            t("col.street", lang): rows[f"street_{suffix}"].fillna(""),
            t("quality.col.lat", lang): rows["lat"],
            t("quality.col.lon", lang): rows["lon"],
        })
    raise ValueError(f"unknown data-quality check {check!r}")
