"""Monthly subsidy standards by category and validity."""

from __future__ import annotations

from data_access import schema
from data_access.importer.kind import Field, Kind, Row
from data_access.importer.lookups import Lookups
from data_access.importer.problems import Problem
from data_access.importer.values import CATEGORY


def _check_standard(row: Row, _found: Lookups, _child: dict | None) -> None:
    values = row.values
    if values.get("valid_to") and values.get("valid_from") and values["valid_to"] <= values["valid_from"]:
        row.problems.append(Problem(row.number, row.headers["valid_to"], "value.after", {
            "value": values["valid_to"], "other": row.headers["valid_from"], "other_value": values["valid_from"]}))
    if values.get("monthly_amount") is not None and values["monthly_amount"] <= 0:
        row.problems.append(Problem(row.number, row.headers["monthly_amount"], "value.positive",
                                    {"value": values["monthly_amount"]}))


KIND = Kind("subsidy_standards", schema.subsidy_standards, ("category", "valid_from"), (
    Field("category", ("儿童类别", "category", "类别"), "choice", True, CATEGORY),
    Field("valid_from", ("起始日期", "valid_from", "执行日期", "from"), "date", True),
    Field("valid_to", ("截止日期", "valid_to", "to"), "date"),
    Field("monthly_amount", ("月标准", "monthly_amount", "每月金额", "标准"), "money", True),
), checks=(_check_standard,))
