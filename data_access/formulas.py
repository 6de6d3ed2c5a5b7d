"""Spreadsheet formulas neutralised in every file the app hands out (exports, rejected import rows).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run as a formula
when a spreadsheet opens the file; it gets a leading apostrophe, so it shows as the text it is. Numbers
stay numbers: only text cells are changed.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.map(neutralise)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Chinese headers correctly; formulas neutralised."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")
