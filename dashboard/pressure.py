"""Streets under case pressure: the orders a reader can sort them in and the reason for each street's place."""

from __future__ import annotations

import pandas as pd

from catalogue.i18n import t

# Each order's columns, largest first; ties go to the next column, then to the street id.
SORTS = {
    "rank": ("overdue_cases", "critical_cases", "open_cases"),
    "critical": ("critical_cases", "overdue_cases", "open_cases"),
    "open": ("open_cases", "overdue_cases", "critical_cases"),
    "per_100": ("cases_per_100", "overdue_cases", "critical_cases"),
    "name": (),
}
REASONS = (("overdue_cases", "overview.reason.overdue"), ("critical_cases", "overview.reason.critical"),
           ("open_cases", "overview.reason.open"))


def reason(row, lang: str) -> str:
    """What puts a street where it is: its overdue, critical and open cases, in the ranking's order."""
    parts = [t(key, lang, n=int(row[column])) for column, key in REASONS if row[column]]
    if not parts:
        return t("overview.reason.none", lang)
    return t("sep.list", lang).join(parts)


def ranked(pressure: pd.DataFrame, figures: pd.DataFrame, sort: str) -> pd.DataFrame:
    """The streets with their open cases per 100 registered children, in the chosen order.

    ``figures`` is the map's street table, in the streets' own order (used for ``name``).
    """
    per_100 = figures[["id", "children", "cases_per_100"]].rename(columns={"id": "street_id"})
    per_100["own_order"] = range(len(per_100))
    frame = pressure.merge(per_100, on="street_id", how="left")
    columns = SORTS[sort]
    if not columns:
        return frame.sort_values(["own_order", "street_id"], ignore_index=True)
    return frame.sort_values([*columns, "street_id"], ascending=[False] * len(columns) + [True],
                             na_position="last", ignore_index=True)
