"""Data: where the data comes from and what the database holds."""

import pandas as pd
import streamlit as st

from catalogue.i18n import label, t
from dashboard import context, data, empty, import_panel, layout, quality_panel
from data_access import config
from data_access.engine import describe_url

ctx = context.current()
lang = ctx.lang
layout.page_header(ctx, "data.title")
empty.notice(ctx, ("children", "cases", "subsidy_payments"))

st.subheader(t("data.source", lang))
st.markdown(t("data.database", lang, url=f"`{describe_url(config.database_url())}`"))
st.markdown(t("data.synthetic", lang) if ctx.synthetic else t("data.real", lang))

quality_panel.show(ctx)

if ctx.user.role not in ("admin", "analyst"):
    st.stop()
st.subheader(t("data.tables", lang))
counts = data.table_counts()
st.dataframe(
    pd.DataFrame({
        t("col.table", lang): [label("table", name, lang) for name in counts],
        t("col.code", lang): list(counts),
        t("col.rows", lang): list(counts.values()),
    }),
    hide_index=True,
    height="content",
)

if ctx.user.role == "admin":
    import_panel.render(ctx)
