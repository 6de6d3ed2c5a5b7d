"""Altair chart factories: DataFrame in, chart out. No Streamlit here."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.i18n import VOCAB, label, t

CATEGORY_COLOURS = {"orphan": "#2F6F8F", "de_facto_unsupported": "#6FA8C7", "other_difficulty": "#E0A040"}


def subsidy_by_month_chart(frame: pd.DataFrame, lang: str, height: int = 280) -> alt.Chart:
    """Stacked monthly amount by category, with person-times in the tooltip."""
    categories = list(VOCAB["category"])
    data = frame.assign(
        category_label=[label("category", c, lang) for c in frame["category"]],
        month_label=frame["month"].dt.strftime("%Y-%m"),
    )
    domain = [label("category", c, lang) for c in categories]
    return (
        alt.Chart(data, height=height)
        .mark_bar()
        .encode(
            x=alt.X("month_label:O", title=t("col.month", lang), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(amount):Q", title=t("col.amount", lang), axis=alt.Axis(format=",.0f")),
            color=alt.Color(
                "category_label:N",
                title=t("col.category", lang),
                scale=alt.Scale(domain=domain, range=[CATEGORY_COLOURS[c] for c in categories]),
                legend=alt.Legend(orient="bottom", labelLimit=0),
            ),
            order=alt.Order("category:N"),
            tooltip=[
                alt.Tooltip("month_label:O", title=t("col.month", lang)),
                alt.Tooltip("category_label:N", title=t("col.category", lang)),
                alt.Tooltip("person_times:Q", title=t("col.person_times", lang), format=","),
                alt.Tooltip("amount:Q", title=t("col.amount", lang), format=",.2f"),
            ],
        )
    )
