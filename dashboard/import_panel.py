"""The data page's import section (admins only): upload, preview, validation report, write, rejects."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from catalogue.i18n import t
from dashboard import auth, data
from dashboard.context import ViewContext
from dashboard.text import md
from data_access import formulas, importer

RESULT_KEY = "_import_result"
CHECK_KEY = "_import_check"


def render(ctx: ViewContext) -> None:
    lang = ctx.lang
    st.subheader(t("import.title", lang))
    st.caption(t("import.help", lang))
    left, right = st.columns(2)
    kind = left.selectbox(t("import.kind", lang), importer.KINDS, key="import-kind", index=importer.KINDS.index("children"),
                          format_func=lambda k: t(f"import.kind.{k}", lang))
    mode = right.radio(t("import.mode", lang), importer.MODES, key="import-mode", horizontal=True,
                       format_func=lambda m: t(f"import.mode.{m}", lang))
    upload = st.file_uploader(t("import.file", lang), type=["csv", "xlsx"], key="import-file")
    if upload is None:
        st.session_state.pop(RESULT_KEY, None)
        st.session_state.pop(CHECK_KEY, None)
        return
    stored = st.session_state.get(RESULT_KEY)
    if stored and stored[0] == (upload.file_id, kind, mode):
        _preview(stored[1], lang)
        _problems(stored[1], lang)
        _written(stored[1], lang)
        return
    content, name = upload.getvalue(), Path(upload.name).name
    check = _checked(ctx, (upload.file_id, kind, mode), content, name)
    _preview(check, lang)
    _problems(check, lang)
    _counts(check, lang, "import.would")
    blocked = check.blocked or (mode == "all-or-nothing" and bool(check.problems))
    if st.button(t("import.write", lang), type="primary", disabled=blocked, key="import-write"):
        done = importer.run_import(data.engine(), kind, content, name, mode=mode, username=ctx.user.username,
                                   scope=ctx.scope)
        st.cache_data.clear()
        st.session_state.pop(CHECK_KEY, None)
        st.session_state[RESULT_KEY] = ((upload.file_id, kind, mode), done)
        st.rerun()  # so every figure on the page, the row counts included, is read again


def _checked(ctx: ViewContext, key: tuple, content: bytes, name: str) -> importer.ImportResult:
    """The dry run of this upload, kind and mode, done once rather than on every rerun of the page."""
    stored = st.session_state.get(CHECK_KEY)
    if stored is None or stored[0] != key:
        kind, mode = key[1], key[2]
        check = importer.run_import(data.engine(), kind, content, name, mode=mode, dry_run=True, scope=ctx.scope)
        st.session_state[CHECK_KEY] = stored = (key, check)
    return stored[1]


def _preview(result: importer.ImportResult, lang: str) -> None:
    preview = result.validation.preview(lang)
    if preview.empty:
        return
    st.markdown(f"**{t('import.preview', lang)}**")
    st.dataframe(preview, hide_index=True, width="stretch")


def _problems(result: importer.ImportResult, lang: str) -> None:
    if not result.problems:
        st.success(t("import.no_problems", lang, rows=result.rows_read))
        return
    st.error(md("import.problems", lang, count=len(result.problems), file=result.file_name))
    table = result.problem_table(lang)
    table["row"] = table["row"].map(lambda r: "" if pd.isna(r) else str(int(r)))
    st.dataframe(
        table.rename(columns={"row": t("import.col.row", lang), "column": t("import.col.column", lang),
                              "reason": t("import.col.reason", lang)}),
        hide_index=True, width="stretch",
    )


def _counts(result: importer.ImportResult, lang: str, heading: str) -> None:
    st.markdown(f"**{t(heading, lang)}**")
    columns = st.columns(5)
    for column, (key, value) in zip(columns, result.counts().items()):
        column.metric(t(f"import.count.{key}", lang), value)


def _written(result: importer.ImportResult, lang: str) -> None:
    if result.written:
        st.success(md("import.written", lang, file=result.file_name))
    else:
        st.error(t("import.not_written", lang))
    _counts(result, lang, "import.result")
    if result.rejected:
        rejects, who = result.rejects(lang), auth.username()

        def rejects_file() -> bytes:
            auth.log("export", "import rejects", {"file": result.file_name, "rows": len(rejects), "format": "csv"}, who)
            return formulas.to_csv_bytes(rejects)

        st.download_button(
            t("import.rejects", lang), rejects_file,
            file_name=f"{Path(result.file_name).stem}-rejects.csv", mime="text/csv", on_click="ignore",
            key="import-rejects",
        )
