"""Reading a file: CSV in UTF-8 (with or without BOM) or GBK/GB18030, or the first sheet of an .xlsx workbook."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

from data_access.importer.problems import FileProblem


def read_rows(data: bytes, file_name: str) -> tuple[list[list[str]], list[str]]:
    """The file's records as lists of text cells (header first), blank records kept as [];
    and the names of a workbook's sheets (the first is the one read)."""
    suffix = Path(file_name).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix not in (".csv", ".txt"):
        raise FileProblem("file.format", suffix=suffix or file_name)
    if not data.strip():
        raise FileProblem("file.empty")
    text_ = _decode(data)
    return [[cell.strip() for cell in record] for record in csv.reader(io.StringIO(text_, newline=""))], []


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise FileProblem("file.encoding")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("file.encoding")


def _read_xlsx(data: bytes) -> tuple[list[list[str]], list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem("file.xlsx", detail=type(exc).__name__) from exc
    try:
        sheet, names = book.worksheets[0], book.sheetnames
        rows = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise FileProblem("file.empty")
    return rows, names


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
