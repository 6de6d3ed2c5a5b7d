"""Exports of what is on screen as .xlsx; formulas neutralised, and CSV written, by data_access.formulas."""

from __future__ import annotations

import io
import unicodedata

import pandas as pd
from openpyxl.utils import get_column_letter

from data_access.formulas import safe_frame

MAX_WIDTH = 60


def to_excel_bytes(frame: pd.DataFrame, sheet: str = "export",
                   about: list[tuple[str, str]] | None = None, about_sheet: str = "about") -> bytes:
    """The table on its own sheet, with column widths fitted to the text, the header row frozen and an
    auto-filter; ``about`` (label, value) rows, such as the as-of moment and the filters used, on a second sheet."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe_frame(frame).to_excel(writer, index=False, sheet_name=sheet[:31])
        table = writer.sheets[sheet[:31]]
        table.freeze_panes = "A2"
        if len(frame.columns):
            table.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
        _fit_widths(table, [frame.columns, *frame.itertuples(index=False)])
        if about:
            info = pd.DataFrame(about, columns=["", ""])
            safe_frame(info).to_excel(writer, index=False, header=False, sheet_name=about_sheet[:31])
            _fit_widths(writer.sheets[about_sheet[:31]], about)
    return buffer.getvalue()


def display_width(value) -> int:
    """Characters as a spreadsheet column counts them: a Chinese character takes two."""
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit_widths(sheet, rows) -> None:
    widths: dict[int, int] = {}
    for row in rows:
        for index, value in enumerate(row, start=1):
            widths[index] = max(widths.get(index, 0), display_width(value))
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)
