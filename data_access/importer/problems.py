"""What is wrong with a file, a row or a value, told with the catalogue's import.* messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalogue.i18n import t


def message(key: str, lang: str, **values: object) -> str:
    """A message of the catalogue's import.* block."""
    return t(f"import.{key}", lang, **values)


@dataclass(frozen=True)
class Problem:
    """One thing wrong: at a spreadsheet row (1 = header; None = the whole file) and column."""

    row: int | None
    column: str | None
    key: str
    values: dict = field(default_factory=dict)

    def reason(self, lang: str) -> str:
        return message(self.key, lang, **self.values)

    def text(self, file_name: str, lang: str) -> str:
        if self.row is None:
            return message("report.where_file", lang, file=file_name, reason=self.reason(lang))
        if self.column is None:
            return message("report.where_row", lang, file=file_name, row=self.row, reason=self.reason(lang))
        return message("report.where", lang, file=file_name, row=self.row, column=self.column,
                       reason=self.reason(lang))


class Bad(Exception):
    """A value that cannot be read; carries the message key and its values."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key = key
        self.values = values


class FileProblem(Exception):
    """A file that cannot be read at all."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.problem = Problem(None, None, key, values)
