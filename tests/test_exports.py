import io

import openpyxl
import pandas as pd

from dashboard.exports import to_excel_bytes
from data_access.formulas import neutralise, to_csv_bytes


def _frame():
    return pd.DataFrame({
        "个案编号": ["FT-2022-00001", "=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "normal"],
        "在办天数": [1, 2, 3, 4, 5, 6, 7],
    })


def test_formulas_are_neutralised():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("normal") == "normal"
    assert neutralise(-3) == -3
    assert neutralise("FT-2022-00001") == "FT-2022-00001"


def test_csv_has_a_bom_chinese_headers_and_no_live_formula():
    data = to_csv_bytes(_frame())
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["个案编号", "在办天数"]
    cells = list(back["个案编号"])
    assert all(not str(c).startswith(("=", "+", "-", "@", "\t")) for c in cells)
    assert cells[1] == "'=HYPERLINK(\"http://x\")"
    assert list(back["在办天数"]) == list(range(1, 8))


def test_excel_keeps_the_rows_and_neutralises_formulas():
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(_frame(), "个案")))
    sheet = book["个案"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("个案编号", "在办天数")
    assert len(rows) == 8
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
