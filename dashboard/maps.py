"""pydeck map factories: DataFrame in, Deck out. No basemap by default, so no internet is needed."""

from __future__ import annotations

import json

import pandas as pd
import pydeck as pdk

from dashboard.i18n import label

STATION_COLOURS = {
    "district_service_centre": [122, 31, 162],
    "district_rescue_centre": [198, 40, 40],
    "rescue_room": [239, 108, 0],
    "street_station": [47, 111, 143],
    "planned_facility": [120, 120, 120],
}
# Marker radius in pixels; larger markers are drawn first so smaller ones stay visible on top.
STATION_RADII = {
    "district_service_centre": 10,
    "district_rescue_centre": 10,
    "rescue_room": 5,
    "street_station": 7,
    "planned_facility": 7,
}
STREET_FILL = [47, 111, 143, 40]
STREET_LINE = [47, 111, 143, 200]


def street_cells_layer(streets: pd.DataFrame, lang: str) -> pdk.Layer:
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(row.geometry),
            "properties": {"name": row.name_en if lang == "en" else row.name_zh, "id": row.id},
        }
        for row in streets.itertuples()
        if row.geometry
    ]
    return pdk.Layer(
        "GeoJsonLayer",
        id="street-cells",
        data={"type": "FeatureCollection", "features": features},
        stroked=True,
        filled=True,
        get_fill_color=STREET_FILL,
        get_line_color=STREET_LINE,
        line_width_min_pixels=1,
        pickable=True,
    )


def street_labels_layer(streets: pd.DataFrame, lang: str) -> pdk.Layer:
    data = pd.DataFrame(
        {"name": streets["name_en" if lang == "en" else "name_zh"], "lon": streets["lon"], "lat": streets["lat"]}
    )
    return pdk.Layer(
        "TextLayer",
        id="street-labels",
        data=data,
        get_position=["lon", "lat"],
        get_text="name",
        get_size=14,
        get_color=[31, 42, 51],
        get_pixel_offset=[0, 18],
        # pydeck reads a bare string as an expression; quoting makes it a literal.
        character_set='"auto"',
        font_family="'Noto Sans CJK SC, Microsoft YaHei, sans-serif'",
    )


def stations_layer(stations: pd.DataFrame, lang: str) -> pdk.Layer:
    data = pd.DataFrame(
        {
            "name": stations["name_en" if lang == "en" else "name_zh"],
            "kind": [label("station_kind", k, lang) for k in stations["kind"]],
            "lon": stations["lon"],
            "lat": stations["lat"],
            "colour": [STATION_COLOURS[k] for k in stations["kind"]],
            "radius": [STATION_RADII[k] for k in stations["kind"]],
        }
    ).sort_values("radius", ascending=False, kind="stable")
    return pdk.Layer(
        "ScatterplotLayer",
        id="stations",
        data=data,
        get_position=["lon", "lat"],
        get_fill_color="colour",
        get_radius="radius",
        radius_units="'pixels'",
        stroked=True,
        get_line_color=[255, 255, 255],
        line_width_min_pixels=1,
        pickable=True,
    )


def coverage_deck(streets: pd.DataFrame, stations: pd.DataFrame, lang: str) -> pdk.Deck:
    """Street cells, their names and the stations, on no basemap."""
    view = pdk.ViewState(latitude=float(streets["lat"].mean()), longitude=float(streets["lon"].mean()), zoom=11.7)
    return pdk.Deck(
        layers=[street_cells_layer(streets, lang), stations_layer(stations, lang), street_labels_layer(streets, lang)],
        initial_view_state=view,
        # No provider and pydeck's default style: Streamlit then draws no basemap and fetches nothing.
        map_provider=None,
        tooltip={"html": "<b>{name}</b><br/>{kind}", "style": {"fontSize": "13px"}},
    )
