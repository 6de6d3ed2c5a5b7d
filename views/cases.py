"""Crisis-case queue: what is overdue, what is critical, who holds it.

``load_choices`` reads what the case filters offer (communities, case holders), before they are drawn; ``load``
makes the page's data calls for the filters and queue page chosen in them. The layout below draws what they
return; an open case and an export are read when asked for (a case is read fresh at every look, and its reveal
audited).
"""

import re
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from catalogue.i18n import format_moment, format_share, signed, t, versus, versus_year
from dashboard import auth, casework, charts, context, data, empty, exports, layout, links, urlstate
from dashboard.text import md
from data_access import formulas
from data_access.cases import DUE_BUCKETS, CaseFilters, CloseTimes, QueuePage, ResponseFigures
from data_access.types import Filters, Span


@dataclass(frozen=True)
class Choices:
    communities: pd.DataFrame
    holders: pd.DataFrame


@dataclass(frozen=True)
class Cases:
    matrix: pd.DataFrame
    queue: QueuePage  # the chosen page, or the last one when fewer pages remain
    workload: pd.DataFrame
    bands: dict[str, int]
    response: ResponseFigures
    span: Span
    spans: list[Span]  # what the indicators are set against (data.comparison_spans)
    earlier: list[ResponseFigures]  # the cases reported and their responses in each of them
    closing: CloseTimes
    funnel: pd.DataFrame


def load_choices(ctx: context.ViewContext) -> Choices:
    return Choices(data.communities(ctx.scope, ctx.filters), data.case_holders(ctx.scope, ctx.filters, ctx.as_of))


def load(ctx: context.ViewContext, filters: Filters, case_filters: CaseFilters, page: int = 1) -> Cases:
    queue = data.case_queue(ctx.scope, filters, case_filters, ctx.as_of, page, casework.PAGE_SIZE)
    if page > queue.pages:
        queue = data.case_queue(ctx.scope, filters, case_filters, ctx.as_of, queue.pages, casework.PAGE_SIZE)
    # Against the same span of the previous period and of the same period last year (as on the overview).
    span = Span.of(filters.period, ctx.as_of)
    spans = data.comparison_spans(span)
    found = data.case_indicators(ctx.scope, filters, case_filters, ctx.as_of, [(o.period, o.until) for o in spans])
    return Cases(
        matrix=found.matrix,
        queue=queue,
        workload=data.workload_by_staff(ctx.scope, filters, ctx.as_of),
        bands=found.bands,
        response=found.response,
        span=span,
        spans=spans,
        earlier=found.earlier,
        closing=found.closing,
        funnel=found.funnel,
    )


if __name__ == "__main__":  # Streamlit runs a page as __main__; an import (the benchmark, tests) draws nothing
    ctx = context.current()
    lang = ctx.lang
    rules = data.rules()
    notices = layout.page_header(ctx, "cases.title")

    choices = load_choices(ctx)
    communities, holders = choices.communities, choices.holders
    filters, case_filters = casework.case_filters(ctx, rules, communities, holders)
    urlstate.sync_from_url("page", 1, lambda raw: int(raw) if re.fullmatch(r"[1-9][0-9]{0,5}", raw) else None,
                           lambda raw: t("notice.bad_param", lang, name="page", value=raw, fallback="1"))
    layout.show_notices(notices)
    empty.notice(ctx, ("cases",))
    loaded = load(ctx, filters, case_filters, st.session_state["page"])

    # --- needs-action matrix ---------------------------------------------------------------------
    st.subheader(t("cases.matrix", lang))
    matrix = loaded.matrix
    header = st.columns([1.2, 1, 1, 1])
    header[0].caption(t("col.risk", lang))
    for col, bucket in zip(header[1:], DUE_BUCKETS):
        col.caption(t(f"cases.due.{bucket}", lang))
    for rule in rules.risks:
        row = st.columns([1.2, 1, 1, 1], vertical_alignment="center")
        row[0].markdown(layout.risk_badge(rule, lang))
        for col, bucket in zip(row[1:], DUE_BUCKETS):
            active = list(case_filters.risks) == [rule.level] and case_filters.due == (bucket,)
            col.button(
                f"{matrix.loc[rule.level, bucket]:,}", key=f"cell-{rule.level}-{bucket}", width="stretch",
                type="primary" if active else "secondary", on_click=casework.select_cell, args=(rule.level, bucket),
                help=t("cases.matrix.help", lang, risk=rule.label(lang),
                       due=t(f"cases.due.{bucket}", lang)),
            )

    # --- the queue ---------------------------------------------------------------------------------
    queue = loaded.queue
    if st.session_state["page"] > queue.pages:
        st.session_state["page"] = queue.pages

    # A link without ``case=`` closes the case the session last showed.
    urlstate.sync_from_url("case", "", lambda raw: raw.strip()[:30], lambda raw: "", sticky=False)

    def open_case(case_no: str) -> None:
        st.session_state["case"] = case_no
        casework.scroll_to("case-detail")

    def pick_case() -> None:
        """A click anywhere in a row (a cell, or the row's selection box) opens its case."""
        selection = st.session_state["queue_table"].selection
        chosen = [*selection.rows, *(row for row, _ in selection.cells)]
        st.session_state["queue_table"] = casework.NO_SELECTION  # so that a second click on the same row opens it again
        if chosen:
            open_case(st.session_state["_queue_case_nos"][chosen[0]])

    def close_case() -> None:
        st.session_state["case"] = ""
        st.session_state["queue_table"] = casework.NO_SELECTION

    with st.container(key="case-queue"):
        st.subheader(t("cases.queue", lang))
        top = st.columns([4, 1, 1], vertical_alignment="bottom")
        top[0].caption(t("cases.queue.caption", lang, total=queue.total, page=queue.page, pages=queue.pages))
        with top[1].popover(t("cases.copy_link", lang), icon=":material/link:", width="stretch"):
            st.caption(t("cases.copy_link.help", lang))
            st.code(links.address(links.CASES), language=None, wrap_lines=True)
        top[2].number_input(t("cases.page", lang), min_value=1, max_value=queue.pages, step=1, key="page")
    urlstate.write_to_url("page")
    pairs = casework.describe_filters(ctx, rules, communities, holders, filters, case_filters)
    who = ctx.user.username  # downloads are built outside the session

    def export_table() -> pd.DataFrame:
        """The whole filtered queue with absolute times and the screen's masking; every export is logged."""
        rows = data.case_queue(ctx.scope, filters, case_filters, ctx.as_of, 1, max(queue.total, 1)).rows
        auth.log("export", "cases", {"rows": len(rows), "street": filters.street_id, "community": filters.community_id,
                                     **{k: v for k, v in case_filters.__dict__.items() if v not in (None, (), "", False)}},
                 who)
        return casework.export_queue(rows, ctx, rules)

    def export_excel() -> bytes:
        table = export_table()
        return exports.to_excel_bytes(table, t("cases.export.sheet", lang), casework.export_about(ctx, pairs, len(table)),
                                      t("cases.export.about", lang))

    if queue.total == 0:
        st.info(t("cases.none", lang))
    else:
        rows = queue.rows.reset_index(drop=True)
        st.session_state["_queue_case_nos"] = list(rows["case_no"])
        table = casework.display_queue(rows, ctx, rules)
        st.dataframe(casework.styled_queue(table, rows, rules, lang), hide_index=True, width="stretch",
                     on_select=pick_case, selection_mode=["single-row", "single-cell"], key="queue_table")
        name = casework.export_name(pairs, ctx.as_of, lang)
        # No rerun on a click: the export is built on its own thread, and a rerun racing it could drop the file.
        buttons = st.columns([1, 1, 4])
        buttons[0].download_button(t("export.csv", lang), lambda: formulas.to_csv_bytes(export_table()),
                                   file_name=f"{name}.csv", mime="text/csv", width="stretch", on_click="ignore")
        buttons[1].download_button(t("export.xlsx", lang), export_excel, file_name=f"{name}.xlsx", width="stretch",
                                   on_click="ignore",
                                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # --- case detail -----------------------------------------------------------------------------------
    selected = st.session_state["case"]
    if st.session_state.get("_revealed") not in (None, selected):
        del st.session_state["_revealed"]  # a reveal holds for the case it was made on, while it stays open
    if selected:
        revealed = st.session_state.get("_revealed") == selected
        detail = data.case_detail(ctx.scope, selected, ctx.as_of, reveal=revealed)
        if detail is None:
            st.warning(md("cases.not_found", lang, case_no=selected), icon="⚠️")
            st.session_state["case"] = ""
        else:
            if st.session_state.get("_viewed") != selected:
                auth.log("case_view", selected)
                st.session_state["_viewed"] = selected
            with st.container(key="case-detail"):
                casework.case_detail_panel(detail, ctx, rules)
                st.button(t("cases.close", lang), key="case-close", on_click=close_case, icon=":material/close:")
    urlstate.write_to_url("case")

    # --- workload ------------------------------------------------------------------------------------

    def pick_worker() -> None:
        selection = st.session_state["workload_table"].selection
        chosen = [*selection.rows, *(row for row, _ in selection.cells)]
        st.session_state["workload_table"] = casework.NO_SELECTION
        if chosen and casework.worker_filter(int(st.session_state["_workload_ids"][chosen[0]]), holders):
            casework.scroll_to("case-queue")

    st.subheader(t("cases.workload", lang))
    workload = loaded.workload
    band_counts = workload["band"].value_counts()
    st.caption(t("cases.band.thresholds", lang, bands=casework.band_thresholds(lang)))
    st.caption(" · ".join(t("cases.band.summary", lang, band=t("cases.band." + b, lang), count=band_counts.get(b, 0))
                          for b in ("lt_10", "10_19", "20_29", "30_plus")) + " · " + t("cases.workload.click", lang))
    st.session_state["_workload_ids"] = list(workload["staff_id"])
    st.dataframe(casework.workload_table(workload.reset_index(drop=True), lang), hide_index=True, width="stretch",
                 height=320, on_select=pick_worker, selection_mode=["single-row", "single-cell"], key="workload_table")
    casework.scroll_script()

    st.subheader(t("cases.indicators", lang))
    left, right = st.columns([2, 1])
    with left:
        st.caption(t("cases.indicators.caption", lang))
        bands = loaded.bands
        layout.chart(charts.band_chart, bands, "cases.response", lang)
        response = loaded.response
        st.dataframe(casework.response_table(response, rules, lang), hide_index=True, width="stretch")
    with right:
        median, span, spans, earlier = loaded.response.median_hours, loaded.span, loaded.spans, loaded.earlier
        against = [versus(span, spans[0], lang)] + [versus_year(span, o, lang) for o in spans[1:]]
        reported = response.reported
        layout.kpi(st, t("kpi.reported", lang), f"{reported:,}",
                   layout.lines(*(layout.change(reported, e.reported, a, lang) for e, a in zip(earlier, against))),
                   signed(reported - earlier[0].reported), delta_color="off", help=layout.definition("reported", lang))
        shares = [e.share for e in earlier]
        layout.kpi(st, t("kpi.within_limit", lang), format_share(response.share),
                   layout.lines(t("kpi.within_note", lang, within=response.within, due=response.due),
                                *(layout.share_change(response.share, b, a, lang) for b, a in zip(shares, against))),
                   t("kpi.points", lang, change=signed((response.share - shares[0]) * 100, 1))
                   if None not in (response.share, shares[0]) else None,
                   help=layout.definition("within", lang))
        layout.kpi(st, t("kpi.median_all_levels", lang), t("kpi.hours", lang, hours=median) if median is not None else "—",
                   help=layout.definition("median_all", lang))
        closing = loaded.closing
        layout.kpi(st, t("cases.closed_in_period", lang), closing.closed)
        layout.kpi(st, t("cases.mean_close_days", lang),
                   f"{closing.mean_days:.1f}" if closing.mean_days is not None else "—")

    st.subheader(t("cases.funnel", lang))
    funnel = loaded.funnel
    if funnel.empty:
        st.info(t("empty.no_data", lang))
    else:
        layout.chart(charts.stage_funnel_chart, funnel, lang)
    st.caption(t("cases.generated", lang, at=format_moment(ctx.as_of)))
