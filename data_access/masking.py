"""Personal data: which columns hold it, and how each is masked.

The rule: every query result passes its rows through ``mask_personal``, so a list never shows a
child's name, ID number, phone or address in clear, whatever the scope. The one exception is a single
case opened with a reveal by a viewer whose scope shows names (``reveal_allowed``); the page logs it.
A column of personal data added later is declared in PERSONAL_COLUMNS and is masked everywhere at once.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from data_access.types import Scope


def mask_name(name: str | None) -> str:
    """张三明 → 张*明; 张三 → 张*; longer names keep the first and last character."""
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str | None) -> str:
    """4403041990... → 4403**********1234 (first four and last four characters kept)."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(number: str | None) -> str:
    """13812345678 → 138****5678."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_address(address: str | None) -> str:
    """Keep the district (the first three characters); hide the rest."""
    if not address:
        return ""
    return address[:3] + "*" * max(len(address) - 3, 3)


# The child's personal data, by the name a query result gives each column (children.name is child_name).
PERSONAL_COLUMNS: dict[str, Callable[[str | None], str]] = {
    "child_name": mask_name,
    "id_number": mask_id_number,
    "guardian_phone": mask_phone,
    "address": mask_address,
}


def reveal_allowed(scope: Scope, reveal: bool) -> bool:
    """Whether one record may be shown in clear: asked for, by a scope that shows names."""
    return reveal and scope.show_names


def mask_personal(frame: pd.DataFrame) -> pd.DataFrame:
    """Every declared personal column of a result masked (blank where there is no value)."""
    for column, mask in PERSONAL_COLUMNS.items():
        if column in frame:
            frame[column] = [mask(value) if isinstance(value, str) else "" for value in frame[column]]
    return frame


def mask_record(record: dict, clear: bool = False) -> dict:
    """One record with its declared personal values masked, unless ``clear`` (see reveal_allowed)."""
    if clear:
        return dict(record)
    return {key: PERSONAL_COLUMNS[key](value) if key in PERSONAL_COLUMNS else value for key, value in record.items()}
