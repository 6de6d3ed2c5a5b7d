"""Crisis-case queue: open cases, overdue first."""

import pandas as pd
import streamlit as st

from dashboard import context, data, layout
from dashboard.i18n import format_moment, label, t

LIMIT = 100

ctx = context.current()
lang = ctx.lang
layout.page_header(ctx, "cases.title")
rules = data.rules()
cases = data.open_cases(ctx.scope, ctx.filters, ctx.as_of, LIMIT)
st.caption(t("cases.caption", lang, limit=LIMIT))

if cases.empty:
    st.info(t("cases.none", lang))
else:
    suffix = "en" if lang == "en" else "zh"
    table = {
        t("col.case_no", lang): cases["case_no"],
        t("col.street", lang): cases[f"street_{suffix}"],
        t("col.community", lang): cases[f"community_{suffix}"],
        t("col.risk", lang): [layout.risk_label(rules.risk(r), lang) for r in cases["risk_level"]],
        t("col.stage", lang): [label("stage", s, lang) for s in cases["stage"]],
        t("col.crisis_type", lang): [label("crisis_type", c, lang) for c in cases["crisis_type"]],
        t("col.reported_at", lang): [format_moment(m) for m in cases["reported_at"]],
        t("col.last_contact_at", lang): [format_moment(m) for m in cases["last_contact_at"]],
        t("col.staff", lang): cases["staff_name"],
        t("col.overdue", lang): cases["overdue"],
    }
    colours = {layout.risk_label(r, lang): r.colour for r in rules.risks}
    st.dataframe(
        pd.DataFrame(table).style.map(
            lambda v: f"color: white; background-color: {colours[v]}" if v in colours else "",
            subset=[t("col.risk", lang)],
        ),
        hide_index=True,
        width="stretch",
    )
