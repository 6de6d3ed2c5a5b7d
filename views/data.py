"""Data: where the data comes from and what the database holds.

``load`` makes the page's data calls and the layout below draws what it returns; the rows behind an open
data-quality check are read by its panel when asked for.
"""

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from catalogue.i18n import label, t
from dashboard import context, data, empty, import_panel, layout, quality_panel
from data_access import config
from data_access.engine import describe_url
from data_access.quality import QualityCounts


@dataclass(frozen=True)
class DataPage:
    quality: QualityCounts
    tables: dict[str, int]  # rows by table


def load(ctx: context.ViewContext) -> DataPage:
    return DataPage(data.quality_counts(ctx.scope, ctx.filters, ctx.as_of), data.table_counts())


if __name__ == "__main__":  # Streamlit runs a page as __main__; an import (the benchmark, tests) draws nothing
    ctx = context.current()
    lang = ctx.lang
    layout.page_header(ctx, "data.title")
    empty.notice(ctx, ("children", "cases", "subsidy_payments"))
    loaded = load(ctx)

    st.subheader(t("data.source", lang))
    st.markdown(t("data.database", lang, url=f"`{describe_url(config.database_url())}`"))
    st.markdown(t("data.synthetic", lang) if ctx.synthetic else t("data.real", lang))

    quality_panel.show(ctx, loaded.quality)

    if ctx.user.role not in ("admin", "analyst"):
        st.stop()
    st.subheader(t("data.tables", lang))
    counts = loaded.tables
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
