"""Mapping a file's headers (Chinese or English, compared without case and spaces) to a kind's fields."""

from __future__ import annotations

from data_access.importer.kind import Field, Kind
from data_access.importer.problems import Problem, message
from data_access.importer.values import norm

# The header of the reasons column a rejects file adds; a corrected rejects file is imported with it.
REASON_HEADERS = {norm(message("report.reason", lang)) for lang in ("zh", "en")}


def header_map(kind: Kind) -> dict[str, Field]:
    return {norm(h): f for f in kind.fields for h in f.headers}


def map_header(kind: Kind, header: list[str]) -> tuple[dict[int, Field], list[Problem]]:
    """The field each position of the header names, and what is wrong with the header."""
    by_header = header_map(kind)
    columns: dict[int, Field] = {}
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for position, text in enumerate(header):
        if not text:
            problems.append(Problem(1, None, "header.blank", {"position": position + 1}))
            continue
        found = by_header.get(norm(text))
        if found is None:
            if norm(text) not in REASON_HEADERS:
                problems.append(Problem(1, text, "header.unknown", {"header": text}))
            continue
        if found.column in seen:
            problems.append(Problem(1, text, "header.duplicate", {"header": text, "other": seen[found.column]}))
            continue
        seen[found.column] = text
        columns[position] = found
    for f in kind.fields:
        if f.required and f.column not in seen:
            problems.append(Problem(1, f.headers[0], "header.missing", {
                "column": f"{f.display('zh')} / {f.display('en')}", "accepted": "、".join(f.headers)}))
    return columns, problems
