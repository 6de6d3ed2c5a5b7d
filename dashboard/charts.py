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


def band_chart(bands: dict[str, int], key_prefix: str, lang: str, height: int = 200) -> alt.Chart:
    """Horizontal bars, one per band in the given order; labels from the catalogue."""
    data = pd.DataFrame({
        "band": [t(f"{key_prefix}.{name}", lang) for name in bands],
        "cases": list(bands.values()),
        "order": range(len(bands)),
    })
    return (
        alt.Chart(data, height=height)
        .mark_bar(color="#2F6F8F")
        .encode(
            y=alt.Y("band:N", sort=alt.SortField("order"), title=None, axis=alt.Axis(labelLimit=0)),
            x=alt.X("cases:Q", title=t("col.cases", lang), axis=alt.Axis(tickMinStep=1)),
            tooltip=[alt.Tooltip("band:N", title=" "), alt.Tooltip("cases:Q", title=t("col.cases", lang))],
        )
    )


def stage_funnel_chart(funnel: pd.DataFrame, lang: str) -> alt.Chart:
    """Cases by street (rows) and stage (columns, in workflow order), as a heat map with counts."""
    stages = list(VOCAB["stage"])
    data = funnel.assign(
        street=funnel["street_en" if lang == "en" else "street_zh"],
        stage_label=[label("stage", s, lang) for s in funnel["stage"]],
        stage_order=[stages.index(s) for s in funnel["stage"]],
    )
    street_order = list(dict.fromkeys(data["street"]))
    stage_order = [label("stage", s, lang) for s in stages]
    base = alt.Chart(data).encode(
        x=alt.X("stage_label:N", sort=stage_order, title=t("col.stage", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("street:N", sort=street_order, title=t("col.street", lang)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("cases:Q", title=t("col.cases", lang), scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(format="d", tickMinStep=1)),
        tooltip=[alt.Tooltip("street:N", title=t("col.street", lang)),
                 alt.Tooltip("stage_label:N", title=t("col.stage", lang)),
                 alt.Tooltip("cases:Q", title=t("col.cases", lang))],
    )
    numbers = base.mark_text().encode(
        text="cases:Q",
        color=alt.condition(alt.datum.cases > data["cases"].max() / 2, alt.value("white"), alt.value("#1F2A33")),
    )
    # fit-x: the height is the plot's own, not shared with the axes, so a few rows stay readable.
    return (cells + numbers).properties(
        height=28 * max(len(street_order), 1), autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )
