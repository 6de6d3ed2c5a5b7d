"""Altair chart factories: DataFrame in, chart out. No Streamlit here."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.i18n import VOCAB, label, t

# Streamlit sizes charts to fit their height including axes and legends, which squeezes short
# charts to nothing; fit-x keeps the given height for the plot itself.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")

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
        alt.Chart(data, height=height, autosize=FIT_WIDTH)
        .mark_bar()
        .encode(
            x=alt.X("month_label:O", title=t("col.month", lang), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(amount):Q", title=t("col.amount", lang), axis=alt.Axis(format=",.0f")),
            color=alt.Color(
                "category_label:N",
                title=t("col.category", lang),
                scale=alt.Scale(domain=domain, range=[CATEGORY_COLOURS[c] for c in categories]),
                legend=alt.Legend(orient="bottom", labelLimit=0, columns=1),
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


RISK_COLOURS = {"critical": "#C0392B", "high": "#E67E22", "medium": "#E5C04A", "low": "#4A86C5"}


def cases_by_month_chart(frame: pd.DataFrame, risks: list[tuple[str, str]], lang: str, height: int = 260) -> alt.Chart:
    """Cases reported per month, stacked by risk level; ``risks`` is (level, label) from the case rules."""
    labels = dict(risks)
    data = frame.assign(risk_label=[labels.get(r, r) for r in frame["risk_level"]],
                        month_label=frame["month"].dt.strftime("%Y-%m"),
                        risk_order=[list(labels).index(r) if r in labels else len(labels) for r in frame["risk_level"]])
    return (
        alt.Chart(data, height=height, autosize=FIT_WIDTH)
        .mark_bar()
        .encode(
            x=alt.X("month_label:O", title=t("col.month", lang), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(cases):Q", title=t("col.cases", lang), axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("risk_label:N", title=t("col.risk_level", lang),
                            scale=alt.Scale(domain=list(labels.values()),
                                            range=[RISK_COLOURS.get(level, "#888888") for level in labels]),
                            legend=alt.Legend(orient="bottom", labelLimit=0, columns=2)),
            order=alt.Order("risk_order:Q"),
            tooltip=[alt.Tooltip("month_label:O", title=t("col.month", lang)),
                     alt.Tooltip("risk_label:N", title=t("col.risk_level", lang)),
                     alt.Tooltip("cases:Q", title=t("col.cases", lang))],
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
        alt.Chart(data, height=height, autosize=FIT_WIDTH)
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
    return (cells + numbers).properties(height=28 * max(len(street_order), 1), autosize=FIT_WIDTH)


def subsidy_trend_chart(frame: pd.DataFrame, by: str, measure: str, lang: str, names: dict[str, str],
                        period: tuple, height: int = 300) -> alt.LayerChart:
    """Monthly bars stacked by category or street, the selected period shaded, and an x-brush."""
    if by == "category":
        series = [label("category", c, lang) for c in frame["category"]]
        colour = alt.Color("series:N", title=t("col.category", lang), legend=alt.Legend(orient="bottom", labelLimit=0),
                           scale=alt.Scale(domain=[label("category", c, lang) for c in CATEGORY_COLOURS],
                                           range=list(CATEGORY_COLOURS.values())))
    else:
        series = [names.get(s, s) for s in frame["street"]]
        colour = alt.Color("series:N", title=t("col.street", lang), legend=alt.Legend(orient="bottom", columns=5),
                           scale=alt.Scale(scheme="tableau10"), sort=list(names.values()))
    data = frame.assign(series=series)
    y_title = t("col.amount" if measure == "amount" else "col.person_times", lang)
    brush = alt.selection_interval(encodings=["x"], name="brush")
    shade = alt.Chart(pd.DataFrame({"start": [pd.Timestamp(period[0])], "end": [pd.Timestamp(period[1])]})).mark_rect(
        color="#5B7083", opacity=0.18).encode(x="start:T", x2="end:T")
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", title=t("col.month", lang), axis=alt.Axis(format="%Y-%m", labelAngle=0)),
            y=alt.Y(f"sum({measure}):Q", title=y_title, axis=alt.Axis(format=",.0f")),
            color=colour,
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title=t("col.month", lang), format="%Y-%m"),
                alt.Tooltip("series:N", title=" "),
                alt.Tooltip("sum(person_times):Q", title=t("col.person_times", lang), format=","),
                alt.Tooltip("sum(amount):Q", title=t("col.amount", lang), format=",.2f"),
            ],
        )
        .add_params(brush)
    )
    return alt.layer(bars, shade).properties(height=height, autosize=FIT_WIDTH)


def standards_chart(frame: pd.DataFrame, lang: str, height: int = 220) -> alt.Chart:
    """The monthly standard per category as a step line."""
    data = frame.assign(series=[label("category", c, lang) for c in frame["category"]])
    return (
        alt.Chart(data, height=height, autosize=FIT_WIDTH)
        .mark_line(interpolate="step-after", point=True)
        .encode(
            x=alt.X("month:T", title=t("col.month", lang), axis=alt.Axis(format="%Y-%m", labelAngle=0)),
            y=alt.Y("monthly_amount:Q", title=t("col.monthly_amount", lang), axis=alt.Axis(format=",.0f")),
            color=alt.Color("series:N", title=t("col.category", lang),
                            legend=alt.Legend(orient="bottom", labelLimit=0, columns=2),
                            scale=alt.Scale(domain=[label("category", c, lang) for c in CATEGORY_COLOURS],
                                            range=list(CATEGORY_COLOURS.values()))),
            tooltip=[alt.Tooltip("month:T", title=t("col.month", lang), format="%Y-%m"),
                     alt.Tooltip("series:N", title=t("col.category", lang)),
                     alt.Tooltip("monthly_amount:Q", title=t("col.monthly_amount", lang), format=",.2f")],
        )
    )


def year_to_date_chart(frame: pd.DataFrame, lang: str, height: int = 220) -> alt.Chart:
    """Cumulative amount by month of the year, one line per year."""
    monthly = frame.groupby("month", as_index=False)["amount"].sum()
    monthly["year"] = monthly["month"].dt.year.astype(str)
    monthly["month_of_year"] = monthly["month"].dt.month
    monthly["cumulative"] = monthly.groupby("year")["amount"].cumsum()
    return (
        alt.Chart(monthly, height=height, autosize=FIT_WIDTH)
        .mark_line(point=True)
        .encode(
            x=alt.X("month_of_year:O", title=t("col.month", lang), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("cumulative:Q", title=t("col.cumulative", lang), axis=alt.Axis(format=",.0f")),
            color=alt.Color("year:N", title=t("col.year", lang), legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("year:N", title=t("col.year", lang)),
                     alt.Tooltip("month_of_year:O", title=t("col.month", lang)),
                     alt.Tooltip("cumulative:Q", title=t("col.cumulative", lang), format=",.2f")],
        )
    )


def grants_chart(frame: pd.DataFrame, lang: str, domain: tuple, height: int = 110) -> alt.Chart:
    """Grants and donations as markers on the trend's time axis."""
    data = frame.assign(kind_label=[label("grant_kind", k, lang) for k in frame["kind"]],
                        description=frame["description_en" if lang == "en" else "description_zh"])
    return (
        alt.Chart(data, height=height, autosize=FIT_WIDTH)
        .mark_point(shape="triangle-up", filled=True, size=160)
        .encode(
            x=alt.X("granted_on:T", title=None, scale=alt.Scale(domain=[pd.Timestamp(d).isoformat() for d in domain]),
                    axis=alt.Axis(format="%Y-%m", labelAngle=0)),
            y=alt.Y("kind_label:N", title=None, axis=alt.Axis(labelLimit=0)),
            color=alt.Color("kind_label:N", legend=None),
            tooltip=[alt.Tooltip("granted_on:T", title=t("col.granted_on", lang), format="%Y-%m-%d"),
                     alt.Tooltip("kind_label:N", title=t("col.kind", lang)),
                     alt.Tooltip("amount:Q", title=t("col.amount", lang), format=",.2f"),
                     alt.Tooltip("recipients:Q", title=t("col.recipients", lang)),
                     alt.Tooltip("description:N", title=t("col.description", lang))],
        )
    )


def brushed_months(selection: dict | None) -> tuple | None:
    """The months an x-brush covers, as (first month, first month after), or None without a brush."""
    if not selection:
        return None
    bounds = next((v for v in selection.values() if isinstance(v, (list, tuple)) and len(v) == 2), None)
    if bounds is None:
        return None
    low, high = (pd.Timestamp(v, unit="ms") if isinstance(v, (int, float)) else pd.Timestamp(v) for v in bounds)
    low, high = min(low, high), max(low, high)
    first = low.to_period("M").to_timestamp().date()
    after = (high.to_period("M") + 1).to_timestamp().date()
    return first, after


# --- explore ----------------------------------------------------------------------------------------


def explore_chart(table: pd.DataFrame, kind: str, dim: str, dim2: str | None, value: str, value_format: str,
                  axis_format: str | None = None, height: int = 340) -> alt.Chart:
    """A bar, line, area or heat-map chart of a labelled aggregate; columns are the visible titles.

    Categories keep the order of the table. With a second dimension, bars are grouped side by side
    (a mean or median cannot be stacked) and lines are one per value of the second dimension.
    """
    x_order = list(dict.fromkeys(table[dim]))
    tooltip = [alt.Tooltip(f"{dim}:N")] + ([alt.Tooltip(f"{dim2}:N")] if dim2 else []) + [
        alt.Tooltip(f"{value}:Q", format=value_format)]
    long_labels = max((len(str(v)) for v in x_order), default=0) > 6 and len(x_order) > 6
    x_axis = alt.Axis(labelAngle=-40 if long_labels else 0, labelLimit=160)
    if kind == "heatmap":
        base = alt.Chart(table)
        y_order = list(dict.fromkeys(table[dim2]))
        cells = base.mark_rect().encode(
            x=alt.X(f"{dim}:N", sort=x_order, axis=x_axis),
            y=alt.Y(f"{dim2}:N", sort=y_order, axis=alt.Axis(labelLimit=200)),
            color=alt.Color(f"{value}:Q", scale=alt.Scale(scheme="blues"),
                            legend=alt.Legend(format=axis_format or value_format, orient="bottom", titleLimit=0)),
            tooltip=tooltip,
        )
        top = table[value].max()
        numbers = base.mark_text(fontSize=11).encode(
            x=alt.X(f"{dim}:N", sort=x_order), y=alt.Y(f"{dim2}:N", sort=y_order),
            text=alt.Text(f"{value}:Q", format=value_format),
            color=alt.condition(alt.datum[value] > top / 2, alt.value("white"), alt.value("#1F2A33")),
        )
        return (cells + numbers).properties(height=max(height, 26 * len(y_order)), autosize=FIT_WIDTH)
    base = alt.Chart(table, height=height, autosize=FIT_WIDTH)
    y = alt.Y(f"{value}:Q", axis=alt.Axis(format=axis_format or value_format, titleLimit=0))
    x = alt.X(f"{dim}:N", sort=x_order, axis=x_axis)
    colour = {}
    if dim2:
        colour = {"color": alt.Color(f"{dim2}:N", sort=list(dict.fromkeys(table[dim2])),
                                     scale=alt.Scale(scheme="tableau10"),
                                     legend=alt.Legend(orient="bottom", labelLimit=0, columns=6))}
    if kind == "bar":
        mark = base.mark_bar(color="#2F6F8F")
        if dim2:
            colour["xOffset"] = alt.XOffset(f"{dim2}:N", sort=list(dict.fromkeys(table[dim2])))
    elif kind == "line":
        mark = base.mark_line(point=True, color="#2F6F8F")
    else:
        mark = base.mark_area(opacity=0.7, line=True, color="#2F6F8F")
        if dim2:
            y = alt.Y(f"{value}:Q", axis=alt.Axis(format=axis_format or value_format, titleLimit=0), stack=None)
    return mark.encode(x=x, y=y, tooltip=tooltip, **colour)
