"""Altair chart factories: DataFrame in, chart out. No Streamlit here."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from catalogue.i18n import VOCAB, label, t
from dashboard import palette

# Streamlit sizes charts to fit their height including axes and legends, which squeezes short
# charts to nothing; fit-x keeps the given height for the plot itself.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")

TEXT_DARK = "#1F2A33"
# Counts: whole-number ticks only, so an axis never shows 0, 0, 1, 1.
COUNT_AXIS = {"format": "d", "tickMinStep": 1}


def ordered_by_value(labels: list, values: list) -> list:
    """``labels`` largest value first; equal values keep their natural order."""
    totals: dict = {}
    for item, value in zip(labels, values):
        totals[item] = totals.get(item, 0) + (0 if pd.isna(value) else value)
    natural = list(dict.fromkeys(labels))
    return sorted(natural, key=lambda item: (-totals[item], natural.index(item)))


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
                scale=alt.Scale(domain=domain, range=[palette.CATEGORY[c] for c in categories]),
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



def cases_by_month_chart(frame: pd.DataFrame, risks: dict[str, str], lang: str, months: list[date] | None = None,
                         height: int = 260) -> alt.LayerChart:
    """Cases reported per month, stacked by risk level, each month's total above its bar; ``risks`` is each
    level's label, in the case rules' order (``CaseRules.labels``). ``months`` (their first days) puts every month of the window on the
    axis, those without a case too."""
    labels = dict(risks)
    domain = [f"{m:%Y-%m}" for m in months] if months else alt.Undefined
    data = frame.assign(risk_label=[labels.get(r, r) for r in frame["risk_level"]],
                        month_label=frame["month"].dt.strftime("%Y-%m"),
                        risk_order=[list(labels).index(r) if r in labels else len(labels) for r in frame["risk_level"]])
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("month_label:O", title=t("col.month", lang), axis=alt.Axis(labelAngle=0),
                    scale=alt.Scale(domain=domain)),
            y=alt.Y("sum(cases):Q", title=t("col.cases", lang), axis=alt.Axis(**COUNT_AXIS)),
            color=alt.Color("risk_label:N", title=t("col.risk_level", lang),
                            scale=alt.Scale(domain=list(labels.values()),
                                            range=palette.colours("risk", list(labels))),
                            legend=alt.Legend(orient="bottom", labelLimit=0, columns=2)),
            order=alt.Order("risk_order:Q"),
            tooltip=[alt.Tooltip("month_label:O", title=t("col.month", lang)),
                     alt.Tooltip("risk_label:N", title=t("col.risk_level", lang)),
                     alt.Tooltip("cases:Q", title=t("col.cases", lang))],
        )
    )
    totals = alt.Chart(data).mark_text(baseline="bottom", dy=-2, fontSize=11, color=TEXT_DARK).encode(
        x=alt.X("month_label:O"), y=alt.Y("sum(cases):Q"), text=alt.Text("sum(cases):Q", format="d"))
    return alt.layer(bars, totals).properties(height=height, autosize=FIT_WIDTH)


def band_chart(bands: dict[str, int], key_prefix: str, lang: str, height: int = 200) -> alt.LayerChart:
    """Horizontal bars, one per band in the given order (bands are ranges: their order is their meaning),
    each labelled with its count; labels from the catalogue."""
    data = pd.DataFrame({
        "band": [t(f"{key_prefix}.{name}", lang) for name in bands],
        "cases": list(bands.values()),
        "order": range(len(bands)),
    })
    base = alt.Chart(data, height=height).encode(
        y=alt.Y("band:N", sort=list(data["band"]), title=None, axis=alt.Axis(labelLimit=0)),
        x=alt.X("cases:Q", title=t("col.cases", lang), axis=alt.Axis(**COUNT_AXIS)),
        tooltip=[alt.Tooltip("band:N", title=" "), alt.Tooltip("cases:Q", title=t("col.cases", lang))],
    )
    bars = base.mark_bar(color=palette.NEUTRAL)
    numbers = base.mark_text(align="left", dx=3, color=TEXT_DARK).encode(text=alt.Text("cases:Q", format=",d"))
    return alt.layer(bars, numbers).properties(autosize=FIT_WIDTH)


def complete_grid(frame: pd.DataFrame, rows: str, columns: str, value: str, row_order: list, column_order: list,
                  fill=0) -> pd.DataFrame:
    """Every (row, column) pair of the two orders, a missing pair given ``fill`` (a count of nothing is 0)."""
    full = pd.MultiIndex.from_product([row_order, column_order], names=[rows, columns]).to_frame(index=False)
    merged = full.merge(frame[[rows, columns, value]], on=[rows, columns], how="left")
    if fill is not None:
        merged[value] = merged[value].fillna(fill)
    return merged


def stage_funnel_chart(funnel: pd.DataFrame, lang: str) -> alt.LayerChart:
    """Cases by street (rows) and stage (columns, in workflow order), as a heat map with counts; 0 where none."""
    stages = list(VOCAB["stage"])
    named = funnel.assign(street=funnel["street_en" if lang == "en" else "street_zh"],
                          stage_label=[label("stage", s, lang) for s in funnel["stage"]])
    street_order = list(dict.fromkeys(named["street"]))
    stage_order = [label("stage", s, lang) for s in stages]
    data = complete_grid(named, "street", "stage_label", "cases", street_order, stage_order)
    data["cases"] = data["cases"].astype(int)
    base = alt.Chart(data).encode(
        x=alt.X("stage_label:N", sort=stage_order, title=t("col.stage", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("street:N", sort=street_order, title=t("col.street", lang)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("cases:Q", title=t("col.cases", lang), scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(**COUNT_AXIS)),
        tooltip=[alt.Tooltip("street:N", title=t("col.street", lang)),
                 alt.Tooltip("stage_label:N", title=t("col.stage", lang)),
                 alt.Tooltip("cases:Q", title=t("col.cases", lang))],
    )
    numbers = base.mark_text().encode(
        text="cases:Q",
        color=alt.condition(alt.datum.cases > max(int(data["cases"].max()), 1) / 2, alt.value("white"),
                            alt.value(TEXT_DARK)),
    )
    return (cells + numbers).properties(height=28 * max(len(street_order), 1), autosize=FIT_WIDTH)


def subsidy_trend_chart(frame: pd.DataFrame, by: str, measure: str, lang: str, names: dict[str, str],
                        period: tuple, height: int = 300) -> alt.LayerChart:
    """Monthly bars stacked by category or street, the selected period shaded, and an x-brush."""
    if by == "category":
        series = [label("category", c, lang) for c in frame["category"]]
        colour = alt.Color("series:N", title=t("col.category", lang), legend=alt.Legend(orient="bottom", labelLimit=0),
                           scale=alt.Scale(domain=[label("category", c, lang) for c in palette.CATEGORY],
                                           range=list(palette.CATEGORY.values())))
    else:
        series = [names.get(s, s) for s in frame["street"]]
        colour = alt.Color("series:N", title=t("col.street", lang), legend=alt.Legend(orient="bottom", columns=5),
                           scale=alt.Scale(domain=list(names.values()), range=palette.colours("street", list(names))),
                           sort=list(names.values()))
    data = frame.assign(series=series)
    y_title = t("col.amount" if measure == "amount" else "col.person_times", lang)
    brush = alt.selection_interval(encodings=["x"], name="brush")
    shade = alt.Chart(pd.DataFrame({"start": [pd.Timestamp(period[0])], "end": [pd.Timestamp(period[1])]})).mark_rect(
        color=palette.NEUTRAL, opacity=0.18).encode(x="start:T", x2="end:T")
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", title=t("col.month", lang), axis=alt.Axis(format="%Y-%m", labelAngle=0)),
            y=alt.Y(f"sum({measure}):Q", title=y_title,
                    axis=alt.Axis(format=",.0f", **({} if measure == "amount" else {"tickMinStep": 1}))),
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
                            scale=alt.Scale(domain=[label("category", c, lang) for c in palette.CATEGORY],
                                            range=list(palette.CATEGORY.values()))),
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
                  axis_format: str | None = None, height: int = 340, *, by_value: bool = False, whole: bool = False,
                  x_order: list | None = None, y_order: list | None = None,
                  colours: dict[str, str] | None = None) -> alt.Chart:
    """A bar, line, area or heat-map chart of a labelled aggregate; columns are the visible titles.

    Categories keep ``x_order`` / ``y_order`` (the dimensions' own order; default: the table's), or with
    ``by_value`` bars run from the largest total to the smallest. ``whole``: the value is a count, so
    axes tick at whole numbers and a heat map shows 0 for a pair that never occurs. ``colours`` maps the
    visible values of the coloured dimension (the second, else the first) to the app's palette.
    Every bar and every cell is labelled with its value.
    """
    x_order = list(x_order or dict.fromkeys(table[dim]))
    y_order = list(y_order or dict.fromkeys(table[dim2])) if dim2 else []
    if kind == "bar" and by_value:
        x_order = ordered_by_value(list(table[dim]), list(table[value]))
    tooltip = [alt.Tooltip(f"{dim}:N")] + ([alt.Tooltip(f"{dim2}:N")] if dim2 else []) + [
        alt.Tooltip(f"{value}:Q", format=value_format)]
    long_labels = max((len(str(v)) for v in x_order), default=0) > 6 and len(x_order) > 6
    x_axis = alt.Axis(labelAngle=-40 if long_labels else 0, labelLimit=160)
    number_axis = dict(COUNT_AXIS) if whole else {"format": axis_format or value_format}
    if kind == "heatmap":
        data = complete_grid(table, dim, dim2, value, x_order, y_order, fill=0 if whole else None)
        base = alt.Chart(data)
        cells = base.mark_rect().encode(
            x=alt.X(f"{dim}:N", sort=x_order, axis=x_axis),
            y=alt.Y(f"{dim2}:N", sort=y_order, axis=alt.Axis(labelLimit=200)),
            color=alt.Color(f"{value}:Q", scale=alt.Scale(scheme="blues"),
                            legend=alt.Legend(**number_axis, orient="bottom", titleLimit=0)),
            tooltip=tooltip,
        )
        top = data[value].max()
        numbers = base.mark_text(fontSize=11).encode(
            x=alt.X(f"{dim}:N", sort=x_order), y=alt.Y(f"{dim2}:N", sort=y_order),
            text=alt.Text(f"{value}:Q", format=value_format),
            color=alt.condition(alt.datum[value] > (top if pd.notna(top) else 0) / 2, alt.value("white"),
                                alt.value(TEXT_DARK)),
        )
        return (cells + numbers).properties(height=max(height, 26 * len(y_order)), autosize=FIT_WIDTH)
    base = alt.Chart(table, height=height)
    y = alt.Y(f"{value}:Q", axis=alt.Axis(**number_axis, titleLimit=0))
    if kind == "area" and dim2:
        y = alt.Y(f"{value}:Q", axis=alt.Axis(**number_axis, titleLimit=0), stack=None)
    x = alt.X(f"{dim}:N", sort=x_order, axis=x_axis)
    encoding: dict = {}
    domain = y_order if dim2 else x_order
    if colours:
        scale = alt.Scale(domain=list(colours), range=list(colours.values()))
    else:
        scale = alt.Scale(domain=domain, range=palette.colours("", domain))
    if dim2:
        encoding["color"] = alt.Color(f"{dim2}:N", sort=y_order, scale=scale,
                                      legend=alt.Legend(orient="bottom", labelLimit=0, columns=6))
    elif colours and kind == "bar":
        encoding["color"] = alt.Color(f"{dim}:N", sort=x_order, scale=scale, legend=None)
    if kind == "bar":
        mark = base.mark_bar(color=palette.NEUTRAL)
        if dim2:
            encoding["xOffset"] = alt.XOffset(f"{dim2}:N", sort=y_order)
        numbers = base.mark_text(baseline="bottom", dy=-2, fontSize=11, color=TEXT_DARK).encode(
            x=x, y=y, text=alt.Text(f"{value}:Q", format=value_format),
            **({"xOffset": encoding["xOffset"]} if dim2 else {}))
        return alt.layer(mark.encode(x=x, y=y, tooltip=tooltip, **encoding), numbers).properties(autosize=FIT_WIDTH)
    if kind == "line":
        mark = base.mark_line(point=True, color=palette.NEUTRAL)
    else:
        mark = base.mark_area(opacity=0.7, line=True, color=palette.NEUTRAL)
    return mark.encode(x=x, y=y, tooltip=tooltip, **encoding).properties(autosize=FIT_WIDTH)
