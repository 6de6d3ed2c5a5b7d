"""Subsidy payments: one row per child and month."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, select

from data_access import schema
from data_access.importer.kind import CHILD_REF, STREET, Field, Kind, Row
from data_access.importer.lookups import Lookups, in_chunks
from data_access.importer.problems import Problem
from data_access.importer.values import CATEGORY


def _check_payment(row: Row, _found: Lookups, child: dict | None) -> None:
    if child is not None and row.values.get("category") is None:
        row.values["category"] = child["category"]
        if child["category"] is None:
            row.problems.append(Problem(row.number, row.headers.get("child_id"), "value.category_needed"))


def _payment_months(conn: Connection, rows: list[Row]) -> set[date]:
    """The months payment rows are for, and those the stored payments they replace were for."""
    P = schema.subsidy_payments
    stored = in_chunks(conn, select(P.c.month), P.c.payment_no, sorted({row.values["payment_no"] for row in rows}))
    return {row.values["month"] for row in rows} | {found["month"] for found in stored}


KIND = Kind("payments", schema.subsidy_payments, ("payment_no",), (
    Field("payment_no", ("发放编号", "payment_no", "payment number"), required=True),
    CHILD_REF,
    Field("month", ("发放月份", "month", "所属月份"), "month", True),
    Field("amount", ("发放金额", "amount", "金额"), "money", True),
    Field("paid_on", ("发放日期", "paid_on", "paid on"), "date", True, past=True),
    Field("category", ("儿童类别", "category", "类别"), "choice", choices=CATEGORY),
    STREET,
), checks=(_check_payment,), summary_months=_payment_months)
