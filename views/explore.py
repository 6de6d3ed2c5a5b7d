"""Explore: ad-hoc aggregates of one dataset by one or two dimensions, as a chart, a table and a download.

Every choice lives in the URL (dataset, dim, dim2, measure, column, chart and the dataset's filters),
so an exploration can be shared; a bad value falls back to the default with a notice.

``load_choices`` reads the streets and communities that label the choices, before they are drawn; ``load`` the
aggregate chosen in them. The layout below draws what they return.
"""

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from catalogue.i18n import t
from dashboard import charts, context, data, empty, layout, palette, urlstate
from dashboard import explore as ui
from dashboard.text import literal, md
from data_access.explore import (
    COLUMN_MEASURES,
    DATASET_SPECS,
    DATASETS,
    TIME_DIMENSIONS,
    ExploreError,
    ExploreQuery,
)

TIME_NOTES = ("cases", "children", "payments")
ORDERS = ("value", "natural")
# Dimensions whose values have one colour in every chart of the app.
PALETTE_DIMENSIONS = ("category", "risk", "street")



@dataclass(frozen=True)
class Choices:
    streets: pd.DataFrame
    communities: pd.DataFrame


def load_choices(ctx: context.ViewContext) -> Choices:
    return Choices(data.streets(ctx.scope), data.communities(ctx.scope, ctx.filters))


def load(ctx: context.ViewContext, query: ExploreQuery) -> pd.DataFrame:
    """The aggregate ``query`` asks for. Raises ExploreError for a name outside the allow-lists."""
    return data.explore_aggregate(ctx.scope, ctx.filters, ctx.as_of, query)


if __name__ == "__main__":  # Streamlit runs a page as __main__; an import (the benchmark, tests) draws nothing
    ctx = context.current()
    lang = ctx.lang
    notices = layout.page_header(ctx, "explore.title")
    st.caption(t("explore.caption", lang))
    choices = load_choices(ctx)
    streets, communities = choices.streets, choices.communities
    rules = data.rules()

    def bad(name: str, fallback: str):
        return lambda raw: t("notice.bad_param", lang, name=name, value=raw, fallback=fallback)

    def choose(param: str, options: tuple, default, fallback_label: str, widget, label: str, **kwargs):
        """Sync ``param`` from the URL, keep it among ``options``, draw its widget and write it back."""
        key = urlstate.sync_from_url(param, default, lambda raw: raw if raw in options else None,
                                     bad(param, fallback_label), namespace=ui.URL_NAMESPACE)
        if st.session_state[key] not in options:
            st.session_state[key] = default
        widget(label, list(options), key=key, **kwargs)
        urlstate.write_to_url(param, ui.URL_NAMESPACE)
        return st.session_state[key]

    def dim_label(dim) -> str:
        return t(f"explore.dim.{dim}", lang) if dim else t("explore.dim2.none", lang)

    top = st.columns([3, 2])
    dataset = choose("dataset", DATASETS, "cases", t("explore.dataset.cases", lang), top[0].selectbox,
                     t("explore.dataset", lang), format_func=lambda d: t(f"explore.dataset.{d}", lang))
    spec = DATASET_SPECS[dataset]
    dims = tuple(spec.dimensions)

    row = st.columns(4)
    dim = choose("dim", dims, "street", dim_label("street"), row[0].selectbox, t("explore.dim", lang),
                 format_func=dim_label)
    others = ("", *(d for d in dims if d != dim))  # "" for none: a selectbox shows None as "choose an option"
    dim2 = choose("dim2", others, "", dim_label(None), row[1].selectbox, t("explore.dim2", lang),
                  format_func=dim_label) or None
    measure = choose("measure", spec.measures, "count", t("explore.measure.count", lang), row[2].selectbox,
                     t("explore.measure", lang), format_func=lambda m: t(f"explore.measure.{m}", lang))
    column = None
    if measure in COLUMN_MEASURES:
        columns = tuple(spec.columns)
        column = choose("column", columns, columns[0], t(f"explore.column.{columns[0]}", lang), row[3].selectbox,
                        t("explore.column", lang), format_func=lambda c: t(f"explore.column.{c}", lang))
    else:  # a count takes no column
        urlstate.drop_param("column", lambda raw: t("notice.unused_param", lang, name="column", value=raw,
                                                    context=t(f"explore.measure.{measure}", lang)), ui.URL_NAMESPACE)

    chart_types = ui.charts_for(dim, dim2)
    chart = choose("chart", chart_types, "bar", t("explore.chart.bar", lang), top[1].segmented_control,
                   t("explore.chart", lang), format_func=lambda c: t(f"explore.chart.{c}", lang), required=True)

    def labeller(name: str, codes=()) -> ui.Labeller:
        return ui.labeller(name, list(codes), lang, streets, communities, rules)

    chosen_filters = []
    with st.expander(t("explore.filters", lang), expanded=any(p in st.query_params for p in spec.filters)):
        for name, (_, allowed) in spec.filters.items():
            names = labeller(name)

            def parse(raw: str, allowed=allowed, name=name, names=names):
                known, unknown = ui.parse_list(raw, allowed)
                if unknown:
                    urlstate.add_notice(t("notice.bad_param", lang, name=name, value=",".join(unknown),
                                          fallback=", ".join(names(k) for k in known) or t("explore.all", lang)))
                return known

            key = urlstate.sync_from_url(name, [], parse, bad(name, t("explore.all", lang)),
                                         namespace=ui.URL_NAMESPACE)
            if not isinstance(st.session_state[key], list) or not set(st.session_state[key]) <= set(allowed):
                st.session_state[key] = []
            # Pills rather than a multiselect: a multiselect's own "Select all" and "No results" stay in English.
            st.pills(t(f"explore.filter.{name}", lang), list(allowed), selection_mode="multi", key=key,
                     format_func=names, help=t("explore.none_is_all", lang))
            urlstate.write_to_url(name, ui.URL_NAMESPACE)
            if st.session_state[key]:
                chosen_filters.append((name, tuple(st.session_state[key])))
    for stale in {f for other in DATASET_SPECS.values() for f in other.filters} - set(spec.filters):
        urlstate.drop_param(stale, bad(stale, t("explore.all", lang)), ui.URL_NAMESPACE)  # another dataset's filter
    layout.show_notices(notices)
    empty.notice(ctx, ("children", "cases", "subsidy_payments"))

    query = ExploreQuery(dataset, dim, dim2, measure, column, tuple(chosen_filters))
    try:
        frame = load(ctx, query)
    except ExploreError as error:
        st.error(md("explore.invalid", lang, error=error), icon="⚠️")
        st.stop()

    if frame.empty:
        st.info(t("empty.no_data", lang))
        st.stop()

    wanted = [d for d in (dim, dim2) if d]
    titles = {d: t(f"explore.dim.{d}", lang) for d in wanted}
    labellers = {d: labeller(d, frame[ui.result_column(d)].dropna().unique()) for d in wanted}
    value_title = ui.measure_title(dataset, measure, column, lang)
    table = ui.labelled(frame, wanted, labellers, titles, value_title)
    whole = measure in ("count", "children")
    money = column == "amount" and measure in COLUMN_MEASURES
    value_format = ",.0f" if whole else ",.2f" if money else ",.1f"
    if not whole:  # what is shown is what is downloaded
        table[value_title] = table[value_title].round(2 if money else 1)

    def natural_order(d: str) -> list[str]:
        """The visible values of ``d`` present in the result, in the dimension's own order."""
        names = labellers[d]
        return [names(c) for c in sorted(frame[ui.result_column(d)].unique(), key=names.sort_key)]

    def palette_of(d: str) -> dict[str, str] | None:
        """Visible value -> the app's colour, for the dimensions with one colour per value."""
        if d not in PALETTE_DIMENSIONS:
            return None
        codes = list(streets["id"]) if d == "street" else [c for c in labellers[d].order if c is not None]
        present = set(natural_order(d))
        return {labellers[d](c): colour for c, colour in zip(codes, palette.colours(d, codes))
                if labellers[d](c) in present}

    by_value = False
    if chart == "map":
        deck, legend = ui.map_deck(frame, dim, measure, value_title, streets, communities, lang,
                                   lambda v: format(v, value_format))
        left, right = st.columns([4, 1])
        left.pydeck_chart(deck, height=520)
        right.markdown(f"**{literal(value_title)}**")
        for colour, text in legend:
            right.markdown(f"<span style='display:inline-block;width:14px;height:14px;background:rgb{tuple(colour)};"
                           f"margin-right:6px;vertical-align:middle'></span>{literal(text)}", unsafe_allow_html=True)
        st.caption(t("explore.map_schematic", lang))
    else:
        if chart == "bar" and dim not in TIME_DIMENSIONS:  # months, quarters and years keep their order
            by_value = choose("order", ORDERS, "value", t("explore.order.value", lang), st.segmented_control,
                              t("explore.order", lang), format_func=lambda o: t(f"explore.order.{o}", lang),
                              required=True) == "value"
            layout.show_notices(notices)
        else:
            urlstate.set_param("order", "")
        axis_format = ",.0f" if money else value_format
        orders = {d: natural_order(d) for d in wanted}
        layout.chart(charts.explore_chart, table, chart, titles[dim], titles.get(dim2), value_title, value_format,
                     axis_format, by_value=by_value, whole=whole, x_order=orders[dim], y_order=orders.get(dim2),
                     colours=palette_of(dim2 or dim))
    if {dim, dim2} & set(TIME_DIMENSIONS) and dataset in TIME_NOTES:
        st.caption(t(f"explore.time_note.{dataset}", lang))

    if dim2:
        second = labellers[dim2]
        order = [second(c) for c in sorted(frame[ui.result_column(dim2)].unique(), key=second.sort_key)]
        shown = ui.pivot(table, titles[dim], titles[dim2], value_title, order, whole)
        st.subheader(md("explore.pivot", lang, rows=titles[dim], columns=titles[dim2]))
        st.caption(literal(value_title))
    else:
        shown = table
        st.subheader(t("explore.table", lang))
    if by_value:  # the table lists the rows in the chart's order
        rows = charts.ordered_by_value(list(table[titles[dim]]), list(table[value_title]))
        shown = shown.set_index(titles[dim]).loc[rows].reset_index()
    number = "%" + value_format  # d3's ",.1f" is printf's "%,.1f"
    config = {c: st.column_config.NumberColumn(c, format=number) for c in shown.columns if c not in titles.values()}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, placeholder="—")
    parts = [dataset, dim, *([dim2] if dim2 else []), measure, *([column] if column else []), ctx.period.code]
    layout.export_buttons(shown, "explore-" + "-".join(parts), lang, "explore")
