"""Masking of personal data for viewers whose scope does not allow names."""

from __future__ import annotations


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
