"""Resident ID numbers (GB 11643): 6-digit region, 8-digit birth date, 3-digit serial, check character."""

from __future__ import annotations

import re
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_character(body: str) -> str:
    """The check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(body, WEIGHTS))
    return CHECK_CHARACTERS[total % 11]


def birth_date(number: str) -> date | None:
    """The birth date written in an 18-character number, or None when it is no real date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def problem(number: str) -> tuple[str, dict] | None:
    """Why ``number`` is not a well-formed ID number (a message key and its values), or None."""
    if len(number) != 18:
        return "id.length", {"length": len(number)}
    if not _SHAPE.match(number):
        return "id.chars", {}
    if birth_date(number) is None:
        return "id.birth", {"value": number[6:14]}
    expected = check_character(number[:17])
    if number[17] != expected:
        return "id.check", {"expected": expected}
    return None
