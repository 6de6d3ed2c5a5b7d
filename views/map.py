"""Station coverage map: does the protection network reach every child who needs it, and where are the gaps?

``load`` makes the page's data calls for the radius and layers chosen in its controls, so the page calls it after
drawing them; the layout below draws what it returns.
"""

import dataclasses
import json

import pandas as pd
import streamlit as st

from catalogue.i18n import format_moment, label, t
from dashboard import context, data, empty, layout, links, maps, urlstate
from dashboard.text import literal, md
from data_access import config, geo
from data_access.coverage import Coverage



@dataclasses.dataclass(frozen=True)
class CoverageMap:
    streets: pd.DataFrame  # the figures of every street of the scope (the map draws the whole district)
    official: geo.Boundaries | None  # the configured boundary file, when it is set and readable
    boundary_error: geo.BoundaryError | None
    communities: pd.DataFrame
    stations: pd.DataFrame
    ring_stations: pd.DataFrame
    reach: dict[str, int]  # station id -> the covered communities it is nearest to
    orgs: pd.DataFrame | None  # the social organisations, when their layer is shown
    coverage: Coverage  # of the chosen street, or the district


def load(ctx: context.ViewContext, radius: float = maps.DEFAULT_RADIUS_KM,
         layers: tuple[str, ...] = maps.DEFAULT_LAYERS) -> CoverageMap:
    # The map always draws the whole district (within the viewer's scope); the street filter selects one street.
    district = dataclasses.replace(ctx.filters, street_id=None)
    streets = data.street_figures(ctx.scope, district, ctx.as_of)
    official, boundary_error = None, None
    boundary_path = config.boundary_file()
    if boundary_path:
        names = tuple(geo.StreetName(row.id, row.name_zh, row.name_en) for row in streets.itertuples())
        try:
            official = data.boundaries(boundary_path, config.boundary_crs(), names)
        except geo.BoundaryError as error:
            boundary_error = error
    return CoverageMap(
        streets=streets,
        official=official,
        boundary_error=boundary_error,
        communities=data.community_figures(ctx.scope, district, ctx.as_of),
        stations=data.station_points(ctx.scope, district, ctx.as_of),
        ring_stations=data.ring_stations(ctx.scope, ctx.as_of),
        reach=data.coverage(ctx.scope, district, ctx.as_of, radius).reached_by_station(),
        orgs=data.social_orgs(ctx.scope, district, ctx.as_of) if "orgs" in layers else None,
        coverage=data.coverage(ctx.scope, ctx.filters, ctx.as_of, radius),
    )


if __name__ == "__main__":  # Streamlit runs a page as __main__; an import (the benchmark, tests) draws nothing
    ctx = context.current()
    lang = ctx.lang
    suffix = "en" if lang == "en" else "zh"
    notices = layout.page_header(ctx, "map.title")
    selected = ctx.filters.street_id

    def bad(name: str, fallback: str):
        return lambda raw: t("notice.bad_param", lang, name=name, value=raw, fallback=fallback)

    def parse_layers(raw: str) -> list[str] | None:
        known, unknown = maps.parse_layers(raw)
        if unknown and known:
            urlstate.add_notice(bad("layers", ", ".join(layer_name(k) for k in known))(",".join(unknown)))
        return known or None

    def layer_name(layer: str) -> str:
        return t("map.layer.cells" if layer == "streets" else f"map.layer.{layer}", lang)

    # --- controls, bound to ?metric= ?radius= ?layers= ------------------------------------------------
    urlstate.sync_from_url("metric", maps.DEFAULT_METRIC, maps.parse_metric,
                           bad("metric", t(f"map.metric.{maps.DEFAULT_METRIC}", lang)))
    urlstate.sync_from_url("radius", maps.DEFAULT_RADIUS_KM, maps.parse_radius,
                           bad("radius", maps.format_km(maps.DEFAULT_RADIUS_KM)))
    urlstate.sync_from_url("layers", list(maps.DEFAULT_LAYERS), parse_layers,
                           bad("layers", ", ".join(layer_name(k) for k in maps.DEFAULT_LAYERS)))
    controls = st.columns([1.5, 1, 2.9], vertical_alignment="bottom")
    controls[0].selectbox(t("map.controls.metric", lang), maps.METRICS, key="metric",
                          format_func=lambda m: t(f"map.metric.{m}", lang))
    controls[1].slider(t("map.controls.radius", lang), *maps.RADIUS_RANGE_KM, step=0.1, format="%.1f", key="radius")
    controls[2].pills(t("map.controls.layers", lang), maps.LAYERS, selection_mode="multi", key="layers",
                      format_func=layer_name, wrap=True)
    for key in ("metric", "radius", "layers"):
        urlstate.write_to_url(key)
    metric, radius, shown = st.session_state["metric"], float(st.session_state["radius"]), st.session_state["layers"]

    # --- geometry: the shipped schematic cells, or an official boundary file --------------------------
    loaded = load(ctx, radius, tuple(shown))
    streets = loaded.streets
    if streets.empty:
        layout.show_notices(notices)
        st.info(t("empty.no_data", lang))
        st.stop()
    official = loaded.official
    boundary_path = config.boundary_file()
    if loaded.boundary_error is not None:
        notices.warning(literal(maps.boundary_message(loaded.boundary_error, str(boundary_path), lang)), icon="⚠️")
    if official is not None:
        streets = streets.assign(geometry=[json.dumps(official.cells[sid]) for sid in streets["id"]],
                                 geometry_crs="WGS84", geometry_source="official")

    basemap, crs = config.basemap(), "WGS84"
    if basemap:
        crs = geo.normalise_crs(config.basemap_crs())
        if crs is None:
            notices.warning(md("map.basemap.bad_crs", lang, crs=config.basemap_crs(), allowed=", ".join(geo.CRS_NAMES)),
                            icon="⚠️")
            crs = "WGS84"
    layout.show_notices(notices)
    empty.notice(ctx, ("stations", "staff", "children"))

    # --- the map --------------------------------------------------------------------------------------
    communities, stations, ring_stations = loaded.communities, loaded.stations, loaded.ring_stations
    reach = loaded.reach

    layers = []
    if "streets" in shown:
        layers.append(maps.street_cells_layer(streets, metric, lang, selected, crs))
    if "rings" in shown:
        layers.append(maps.rings_layer(ring_stations, radius, crs))
    if "communities" in shown:
        layers.append(maps.communities_layer(communities, lang, crs))
    if "orgs" in shown:
        layers.append(maps.orgs_layer(loaded.orgs, lang, crs))
    if "stations" in shown:
        layers.append(maps.stations_layer(stations, lang, crs, reach, radius))
    if "streets" in shown:
        layers.append(maps.street_labels_layer(streets, lang, crs))
    if selected and "communities" in shown:
        layers.append(maps.community_labels_layer(communities[communities["street_id"] == selected], lang, crs))

    focus = streets[streets["id"] == selected] if selected else streets
    bounds = maps.cell_bounds(focus, crs)
    map_height = maps.fitting_height(bounds)
    deck = maps.coverage_deck(layers, maps.fit_view(bounds, width=maps.MAP_WIDTH, height=map_height), basemap)
    map_key = f"coverage-map-{selected or 'district'}"

    def pick_street() -> None:
        street = maps.street_from_selection(st.session_state[map_key].selection)
        if street:
            st.session_state["street"] = street

    left, right = st.columns([2.7, 1.2], gap="medium")
    with left:
        st.pydeck_chart(deck, height=map_height, key=map_key, on_select=pick_street, selection_mode="single-object")
        captions = [md("map.boundary.official", lang, file=boundary_path.name, crs=config.boundary_crs())
                    if official else t("map.schematic", lang)]
        if basemap:
            captions.append(md("map.basemap", lang, url=basemap, crs=crs))
        st.caption(" ".join(captions))

    coverage = loaded.coverage
    km = maps.format_km(radius)
    with right:
        where = context.street_title(ctx.street_name, lang) if ctx.filters.street_id else ctx.street_name
        st.markdown(f"**{t('map.coverage', lang)}** · {literal(where)}", help=t("map.coverage.help", lang))
        for title, share, covered, total in (
            ("map.coverage.communities", coverage.community_share, coverage.communities_covered, coverage.communities_total),
            ("map.coverage.children", coverage.children_share, coverage.children_covered, coverage.children_total),
        ):
            layout.kpi(st, t(title, lang), f"{share:.1%}" if share is not None else "—",
                       t("map.coverage.note", lang, covered=f"{covered:,}", total=f"{total:,}", km=km))
        pair = st.columns(2)
        layout.kpi(pair[0], t("map.coverage.outside_short", lang), f"{len(coverage.outside):,}")
        layout.kpi(pair[1], t("map.coverage.no_director_short", lang), f"{len(coverage.without_director):,}")
        metric_legend = maps.metric_classes(streets[metric], metric, lang).legend
        st.markdown(maps.legend_html(maps.legend(shown, metric_legend, metric, radius, lang, official is not None)),
                    unsafe_allow_html=True)

    # --- the selected street --------------------------------------------------------------------------
    if selected:
        street = streets[streets["id"] == selected].iloc[0]
        station = stations[(stations["street_id"] == selected) & (stations["kind"] == "street_station")]
        with st.container(border=True):
            head = st.columns([3, 1], vertical_alignment="center")
            head[0].subheader(literal(context.street_title(street[f"name_{suffix}"], lang)))
            head[1].button(t("map.panel.clear", lang), on_click=lambda: st.session_state.update(street=""),
                           width="stretch")
            if station.empty:
                where = t("map.panel.no_station", lang)
            else:
                first = station.iloc[0]
                where = " · ".join([first[f"name_{suffix}"],
                                    t("map.tip.opened", lang, date=format_moment(first["opened_on"])),
                                    t("map.tip.staff", lang, n=int(first["staff"]))])
            st.markdown(md("map.panel.field", lang, label=t("map.panel.station", lang), value=where))
            st.markdown(md("map.panel.field", lang, label=t("map.panel.supervisor", lang),
                          value=street["supervisor"] or t("map.panel.none", lang)))
            cols = st.columns(3)
            layout.kpi(cols[0], t("map.metric.children", lang), f"{street['children']:,}")
            layout.kpi(cols[1], t("kpi.open_cases", lang), f"{street['open_cases']:,}")
            layout.kpi(cols[2], t("kpi.overdue", lang), f"{street['overdue_cases']:,}")
            to_cases = st.columns(2)
            to_cases[0].page_link(links.CASES, label=t("map.panel.cases_link", lang), icon=":material/emergency:",
                                  query_params=links.cases(ctx, street=selected))
            to_cases[1].page_link(links.CASES, label=t("map.panel.overdue_link", lang), icon=":material/alarm:",
                                  query_params=links.cases(ctx, street=selected, due="overdue"))
            st.markdown(f"**{t('map.panel.directors', lang)}**")
            mine = communities[communities["street_id"] == selected]
            st.dataframe(
                pd.DataFrame({
                    t("col.community", lang): mine[f"name_{suffix}"],
                    t("col.director", lang): mine["director"].fillna(t("map.panel.none", lang)),
                    t("col.last_visit", lang): [format_moment(d.date()) if pd.notna(d) else t("map.visit.none", lang)
                                                for d in mine["last_home_visit"]],
                    t("map.metric.children", lang): mine["children"],
                    t("cases.open", lang): mine["open_cases"],
                    t("cases.overdue", lang): mine["overdue_cases"],
                }),
                hide_index=True, width="stretch",
            )
    else:
        st.info(t("map.panel.hint", lang), icon=":material/touch_app:")

    # --- gaps -------------------------------------------------------------------------------------------
    st.subheader(t("map.gaps", lang))
    station_names = dict(zip(ring_stations["id"], ring_stations[f"name_{suffix}"]))
    st.markdown(f"**{t('map.coverage.outside', lang)}**")
    outside = coverage.outside
    if outside.empty:
        st.caption(t("map.gaps.outside_none", lang, km=km))
    elif ring_stations.empty:
        st.info(t("empty.no_stations", lang))
    else:
        st.dataframe(pd.DataFrame({
            t("col.community", lang): outside[f"name_{suffix}"],
            t("col.street", lang): outside[f"street_{suffix}"],
            t("col.nearest_station", lang): [station_names.get(s, "—") for s in outside["nearest_station"]],
            t("col.distance_km", lang): [f"{d / 1000:.2f}" for d in outside["distance_m"]],
            t("map.metric.children", lang): outside["children"],
            t("col.director", lang): outside["director"].fillna(t("map.panel.none", lang)),
        }), hide_index=True, width="stretch")
    st.markdown(f"**{t('map.coverage.no_director', lang)}**")
    lacking = coverage.without_director
    if lacking.empty:
        st.caption(t("map.gaps.director_none", lang))
    else:
        st.dataframe(pd.DataFrame({
            t("col.community", lang): lacking[f"name_{suffix}"],
            t("col.street", lang): lacking[f"street_{suffix}"],
            t("map.metric.children", lang): lacking["children"],
            t("cases.open", lang): lacking["open_cases"],
            t("col.last_visit", lang): [format_moment(d.date()) if pd.notna(d) else t("map.visit.none", lang)
                                        for d in lacking["last_home_visit"]],
        }), hide_index=True, width="stretch")

    # --- stations ---------------------------------------------------------------------------------------
    st.subheader(t("map.stations", lang))
    listed = stations[stations["street_id"].isna() | (stations["street_id"] == selected)] if selected else stations
    st.dataframe(
        pd.DataFrame({
            t("col.name", lang): listed[f"name_{suffix}"],
            t("col.kind", lang): [label("station_kind", k, lang) for k in listed["kind"]],
            t("col.street", lang): listed[f"street_{suffix}"].fillna(t("filter.all_streets", lang)),
            t("col.status", lang): [label("station_status", s, lang) for s in listed["status"]],
            t("col.opened_on", lang): [format_moment(d) for d in listed["opened_on"]],
            t("col.staff_count", lang): listed["staff"],
            t("col.beds", lang): [f"{beds:.0f}" if pd.notna(beds) else "" for beds in listed["beds"]],
        }),
        hide_index=True,
        width="stretch",
    )
