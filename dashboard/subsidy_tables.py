"""The subsidy page's tables as the user sees them (and exports them): translated and formatted."""

from __future__ import annotations

import pandas as pd

from catalogue.i18n import label, t


def _percent(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:.1%}" if round(value, 3) == 0 else f"{value:+.1%}"  # no sign on no change


def quarters(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("col.quarter", lang): [t("period.to_date", lang, period=code) if to_date else code
                                 for code, to_date in zip(frame["quarter"], frame.get("to_date", [False] * len(frame)))],
        t("col.person_times", lang): frame["person_times"],
        t("col.children", lang): frame["children"],
        t("col.amount", lang): frame["amount"],
        t("col.average", lang): frame["average"],
        t("col.vs_previous", lang): [_percent(v) for v in frame["vs_previous"]],
        t("col.vs_year_before", lang): [_percent(v) for v in frame["vs_year_before"]],
    })


def summary(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("col.month", lang): frame["month"].dt.strftime("%Y-%m"),
        t("col.eligible", lang): frame["eligible"],
        t("col.paid_children", lang): frame["paid_children"],
        t("col.payments", lang): frame["payments"],
        t("col.due", lang): frame["due"],
        t("col.paid_amount", lang): frame["amount"],
        t("col.gap", lang): (frame["amount"] - frame["due"]).round(2),
    })


def anomalies(kind: str, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One reconciliation list; every list has the month, the child and the money at issue."""
    suffix = "en" if lang == "en" else "zh"
    table = {
        t("col.month", lang): frame["month"].dt.strftime("%Y-%m"),
        t("col.file_no", lang): frame["file_no"],
        t("col.child", lang): frame["child_name"],
        t("col.category", lang): [label("category", c, lang) for c in frame["category"]],
        t("col.street", lang): frame[f"street_{suffix}"],
    }
    if "payment_no" in frame:
        table[t("col.payment_no", lang)] = frame["payment_no"]
    if kind == "ineligible":
        table[t("col.reason", lang)] = [t(f"subsidies.reason.{r}", lang) for r in frame["reason"]]
    if kind == "duplicate":
        table[t("col.payments", lang)] = frame["payments"]
    if "amount" in frame:
        table[t("col.paid_amount", lang)] = frame["amount"]
    if "standard" in frame:
        table[t("col.standard", lang)] = frame["standard"]
    table[t("col.at_issue", lang)] = frame["at_issue"]
    return pd.DataFrame(table)
