"""What a page says on a database that does not hold its data yet: which tables are empty, and for
admins, a link to the import on the data page."""

from __future__ import annotations

import streamlit as st

from catalogue.i18n import t
from dashboard import data, links
from dashboard.context import ViewContext


def notice(ctx: ViewContext, tables: tuple[str, ...]) -> bool:
    """Say which of ``tables`` are still empty (with the import link for admins); True when all are."""
    empty = data.empty_tables(tables)
    if not empty:
        return False
    lang = ctx.lang
    names = t("sep.list", lang).join(t(f"empty.table.{name}", lang) for name in empty)
    st.info(t("empty.missing", lang, tables=names), icon=":material/inventory_2:")
    if ctx.user.role == "admin":
        st.page_link(links.DATA, label=t("empty.import", lang), icon=":material/upload_file:",
                     query_params=links.data_import(ctx))
    return len(empty) == len(tables)
