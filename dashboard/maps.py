"""pydeck map factories: DataFrame in, layers and Deck out. No basemap by default, so no internet is needed.

Everything arrives in WGS84 (street geometry in the CRS its row names) and is converted to the
coordinate system of the basemap, if one is configured.
"""

from __future__ import annotations

import json
import math
from html import escape
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import pydeck as pdk

from catalogue.i18n import format_moment, label, t
from data_access import geo

LAYERS = ("streets", "stations", "rings", "communities", "orgs")
DEFAULT_LAYERS = ("streets", "stations", "rings", "communities")
METRICS = ("children", "open_cases", "cases_per_100", "overdue_cases", "director_share")
DEFAULT_METRIC = "children"
# Streets are darker where the metric is worse; for the director share that is where it is lower.
HIGHER_IS_BETTER = {"director_share"}
DEFAULT_RADIUS_KM = 1.5
RADIUS_RANGE_KM = (0.5, 5.0)

STATION_COLOURS = {
    "district_service_centre": [106, 27, 154],
    "district_rescue_centre": [173, 20, 87],
    "rescue_room": [240, 98, 146],
    "street_station": [0, 105, 92],
    "planned_facility": [117, 117, 117],
}
# Marker radius in pixels; larger markers are drawn first so smaller ones stay visible on top.
STATION_RADII = {
    "district_service_centre": 11,
    "district_rescue_centre": 11,
    "rescue_room": 6,
    "street_station": 8,
    "planned_facility": 8,
}
METRIC_RAMP = ([239, 243, 255], [189, 215, 231], [107, 174, 214], [49, 130, 189], [8, 69, 148])
NO_DATA = [224, 224, 224]
CELL_ALPHA = 150
VISIT_COLOURS = {
    "le_30": [46, 125, 50],
    "le_60": [251, 192, 45],
    "le_90": [245, 124, 0],
    "gt_90": [211, 47, 47],
    "none": [158, 158, 158],
}
NO_DIRECTOR_LINE = [0, 0, 0]
ORG_COLOURS = {
    "psych_counselling": [121, 85, 72],
    "youth_social_group": [158, 157, 36],
    "youth_service_other": [0, 151, 167],
}
RING_FILL = [0, 105, 92, 22]
RING_LINE = [0, 105, 92, 170]
STREET_LINE = [255, 255, 255, 230]
SELECTED_LINE = [31, 42, 51, 255]
LABEL_COLOUR = [31, 42, 51]
FONT = "'Noto Sans CJK SC, Microsoft YaHei, sans-serif'"
# Plain text, never "html": names come from the database and must not become markup.
TOOLTIP = {
    "text": "{name}\n{kind}\n{detail}",
    "style": {"fontSize": "13px", "maxWidth": "320px", "whiteSpace": "pre-line"},
}


# --- URL values ---------------------------------------------------------------------------------


def parse_metric(raw: str) -> str | None:
    key = raw.strip().lower()
    return key if key in METRICS else None


def parse_radius(raw: str) -> float | None:
    """A radius in km from the URL, rounded to 0.1 km; None when not a number in range."""
    try:
        value = round(float(raw.strip().lower().removesuffix("km")), 1)
    except ValueError:
        return None
    low, high = RADIUS_RANGE_KM
    return value if math.isfinite(value) and low <= value <= high else None


def parse_layers(raw: str) -> tuple[list[str], list[str]]:
    """(known layers in display order, unknown items) from a comma list."""
    items = [item.strip().lower() for item in raw.split(",") if item.strip()]
    return [layer for layer in LAYERS if layer in items], [item for item in items if item not in LAYERS]


def street_from_selection(selection) -> str | None:
    """The street id of the object picked on the map, whatever layer it is in."""
    objects = (selection or {}).get("objects") or {}
    for picked in objects.values():
        for obj in picked or []:
            street = obj.get("street_id") or (obj.get("properties") or {}).get("street_id")
            if street:
                return street
    return None


# --- values and colours -------------------------------------------------------------------------


def format_metric(value, metric: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    if metric == "director_share":
        return f"{value:.0%}"
    if metric == "cases_per_100":
        return f"{value:,.1f}"
    return f"{int(value):,}"


def format_km(km: float) -> str:
    return f"{km:g}"


@dataclass(frozen=True)
class MetricClasses:
    """Equal-interval classes of a metric: a colour per value and the legend entries."""

    colours: list[list[int]]
    legend: list[tuple[list[int], str]]


def metric_classes(values: pd.Series, metric: str, lang: str, max_classes: int = 5) -> MetricClasses:
    known = values.dropna().astype(float)
    if known.empty:
        return MetricClasses([NO_DATA] * len(values), [(NO_DATA, t("map.legend.no_data", lang))])
    low, high = known.min(), known.max()
    edges = np.linspace(low, high, min(max_classes, known.nunique()) + 1)
    whole = metric not in ("cases_per_100", "director_share")
    if whole:  # classes of whole numbers, each from its first to its last value: 8–11, 12–14, …
        edges = np.unique(np.concatenate([[low], np.ceil(edges[1:-1]), [high + 1]]))
    count = len(edges) - 1
    ramp = METRIC_RAMP[::-1] if metric in HIGHER_IS_BETTER else METRIC_RAMP
    palette = [ramp[round(i * (len(ramp) - 1) / (count - 1))] for i in range(count)] if count > 1 else [METRIC_RAMP[1]]
    positions = np.clip(np.searchsorted(edges, values.fillna(low), side="right") - 1, 0, count - 1)
    colours = [NO_DATA if pd.isna(v) else palette[p] for v, p in zip(values, positions)]

    def span(first: float, last: float) -> str:
        if first == last:
            return format_metric(first, metric)
        return f"{format_metric(first, metric)}–{format_metric(last, metric)}"

    legend = [(palette[i], span(edges[i], edges[i + 1] - 1 if whole else edges[i + 1])) for i in range(count)]
    if values.isna().any():
        legend.append((NO_DATA, t("map.legend.no_data", lang)))
    return MetricClasses(colours, legend)


# --- coordinates ----------------------------------------------------------------------------------


def to_display(frame: pd.DataFrame, crs: str) -> pd.DataFrame:
    """lon/lat columns converted from WGS84 to the display system."""
    if crs == "WGS84" or frame.empty:
        return frame
    lon, lat = geo.convert(frame["lon"].to_numpy(), frame["lat"].to_numpy(), "WGS84", crs)
    return frame.assign(lon=lon, lat=lat)


def _geometry(value, source: str, crs: str) -> dict:
    geometry = json.loads(value) if isinstance(value, str) else value
    return geo.convert_geojson(geometry, source or "WGS84", crs)


def _name(row, lang: str) -> str:
    return row.name_en if lang == "en" else row.name_zh


# --- layers ------------------------------------------------------------------------------------------


def street_cells_layer(streets: pd.DataFrame, metric: str, lang: str, selected: str | None = None,
                       crs: str = "WGS84") -> pdk.Layer:
    """Street cells coloured by ``metric`` (a column of ``streets``); the selected street outlined."""
    classes = metric_classes(streets[metric], metric, lang)
    features = []
    for row, colour in zip(streets.itertuples(), classes.colours):
        if not row.geometry:
            continue
        detail = [
            t("map.tip.counts", lang, children=f"{row.children:,}", open=f"{row.open_cases:,}",
              overdue=f"{row.overdue_cases:,}"),
            t("map.tip.rate", lang, value=format_metric(row.cases_per_100, "cases_per_100")),
            t("map.tip.directors", lang, covered=row.communities_with_director, total=row.communities),
            t("map.tip.supervisor", lang, name=row.supervisor or t("map.panel.none", lang)),
        ]
        features.append({
            "type": "Feature",
            "geometry": _geometry(row.geometry, row.geometry_crs, crs),
            "properties": {
                "street_id": row.id,
                "name": _name(row, lang),
                "kind": t("map.tip.metric", lang, metric=t(f"map.metric.{metric}", lang),
                          value=format_metric(getattr(row, metric), metric)),
                "detail": "\n".join(detail),
                "fill": [*colour, CELL_ALPHA],
                "line": SELECTED_LINE if row.id == selected else STREET_LINE,
                "line_width": 3 if row.id == selected else 1,
            },
        })
    return pdk.Layer(
        "GeoJsonLayer",
        id="street-cells",
        data={"type": "FeatureCollection", "features": features},
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color="properties.line",
        get_line_width="properties.line_width",
        line_width_units="'pixels'",
        pickable=True,
        auto_highlight=True,
        highlight_color=[255, 255, 255, 60],
    )


def street_labels_layer(streets: pd.DataFrame, lang: str, crs: str = "WGS84") -> pdk.Layer:
    data = to_display(pd.DataFrame(
        {"name": streets["name_en" if lang == "en" else "name_zh"], "lon": streets["lon"], "lat": streets["lat"]}
    ), crs)
    return pdk.Layer(
        "TextLayer",
        id="street-labels",
        data=data,
        get_position=["lon", "lat"],
        get_text="name",
        get_size=14,
        get_color=LABEL_COLOUR,
        get_pixel_offset=[0, 20],
        background=True,
        get_background_color=[255, 255, 255, 190],
        background_padding=[3, 1],
        # pydeck reads a bare string as an expression; quoting makes it a literal.
        character_set='"auto"',
        font_family=FONT,
    )


def _station_detail(row, lang: str, reach: dict, radius_km: float) -> str:
    lines = []
    if row.status == "planned":
        lines.append(t("map.tip.planned", lang))
    elif row.opened_on is not None and not pd.isna(row.opened_on):
        lines.append(t("map.tip.opened", lang, date=format_moment(_as_date(row.opened_on))))
    lines.append(t("map.tip.staff", lang, n=int(row.staff)))
    if row.beds is not None and not pd.isna(row.beds):
        lines.append(t("map.tip.beds", lang, n=int(row.beds)))
    if row.area_m2 is not None and not pd.isna(row.area_m2):
        lines.append(t("map.tip.area", lang, n=f"{int(row.area_m2):,}"))
    if row.kind == "street_station":
        lines.append(t("map.tip.reach", lang, km=format_km(radius_km), n=reach.get(row.id, 0)))
    return "\n".join(lines)


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else pd.Timestamp(value).date()


def stations_layer(stations: pd.DataFrame, lang: str, crs: str = "WGS84", reach: dict | None = None,
                   radius_km: float = DEFAULT_RADIUS_KM) -> pdk.Layer:
    """Stations coloured and sized by kind. ``reach``: street station id -> communities in its ring."""
    reach = reach or {}
    data = to_display(pd.DataFrame(
        {
            "name": stations["name_en" if lang == "en" else "name_zh"],
            "kind": [label("station_kind", k, lang) for k in stations["kind"]],
            "detail": [_station_detail(row, lang, reach, radius_km) for row in stations.itertuples()],
            "street_id": stations["street_id"].fillna(""),
            "lon": stations["lon"],
            "lat": stations["lat"],
            "colour": [STATION_COLOURS[k] for k in stations["kind"]],
            "radius": [STATION_RADII[k] for k in stations["kind"]],
        }
    ).sort_values("radius", ascending=False, kind="stable"), crs)
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
        line_width_min_pixels=1.5,
        pickable=True,
    )


def rings_layer(stations: pd.DataFrame, radius_km: float, crs: str = "WGS84") -> pdk.Layer:
    """A ring of ``radius_km`` around each station: the reach a street station is expected to have."""
    data = to_display(stations[["lon", "lat"]].reset_index(drop=True), crs)
    return pdk.Layer(
        "ScatterplotLayer",
        id="service-rings",
        data=data,
        get_position=["lon", "lat"],
        get_radius=radius_km * 1000,
        radius_units="'meters'",
        filled=True,
        stroked=True,
        get_fill_color=RING_FILL,
        get_line_color=RING_LINE,
        line_width_min_pixels=1.5,
        pickable=False,
    )


def _community_detail(row, lang: str) -> str:
    lines = [t("map.tip.director", lang, name=row.director) if row.has_director else t("map.tip.no_director", lang)]
    if row.visit_band == "none":
        lines.append(t("map.tip.no_visit", lang))
    else:
        lines.append(t("map.tip.last_visit", lang, date=format_moment(_as_date(row.last_home_visit)),
                       days=int(row.days_since_visit)))
    lines.append(t("map.tip.counts", lang, children=f"{row.children:,}", open=f"{row.open_cases:,}",
                   overdue=f"{row.overdue_cases:,}"))
    return "\n".join(lines)


def communities_layer(communities: pd.DataFrame, lang: str, crs: str = "WGS84") -> pdk.Layer:
    """Communities filled by the last home visit; a thick black ring where no director is in post."""
    data = to_display(pd.DataFrame({
        "name": communities["name_en" if lang == "en" else "name_zh"],
        "kind": [t("map.kind.community", lang, street=s)
                 for s in communities["street_en" if lang == "en" else "street_zh"]],
        "detail": [_community_detail(row, lang) for row in communities.itertuples()],
        "street_id": communities["street_id"],
        "lon": communities["lon"],
        "lat": communities["lat"],
        "colour": [VISIT_COLOURS[band] for band in communities["visit_band"]],
        "line": [[255, 255, 255] if has else NO_DIRECTOR_LINE for has in communities["has_director"]],
        "line_width": [1 if has else 3 for has in communities["has_director"]],
    }), crs)
    return pdk.Layer(
        "ScatterplotLayer",
        id="communities",
        data=data,
        get_position=["lon", "lat"],
        get_fill_color="colour",
        get_line_color="line",
        get_line_width="line_width",
        line_width_units="'pixels'",
        get_radius=5,
        radius_units="'pixels'",
        stroked=True,
        pickable=True,
    )


def community_labels_layer(communities: pd.DataFrame, lang: str, crs: str = "WGS84") -> pdk.Layer:
    data = to_display(pd.DataFrame({
        "name": communities["name_en" if lang == "en" else "name_zh"],
        "lon": communities["lon"],
        "lat": communities["lat"],
    }), crs)
    return pdk.Layer(
        "TextLayer",
        id="community-labels",
        data=data,
        get_position=["lon", "lat"],
        get_text="name",
        get_size=11,
        get_color=LABEL_COLOUR,
        get_pixel_offset=[0, -12],
        background=True,
        get_background_color=[255, 255, 255, 170],
        background_padding=[2, 1],
        character_set='"auto"',
        font_family=FONT,
    )


def orgs_layer(orgs: pd.DataFrame, lang: str, crs: str = "WGS84") -> pdk.Layer:
    data = to_display(pd.DataFrame({
        "name": orgs["name_en" if lang == "en" else "name_zh"],
        "kind": [label("org_category", c, lang) for c in orgs["category"]],
        "detail": [t("map.tip.registered", lang, date=format_moment(_as_date(d))) for d in orgs["registered_on"]],
        "street_id": orgs["street_id"].fillna(""),
        "lon": orgs["lon"],
        "lat": orgs["lat"],
        "colour": [ORG_COLOURS[c] for c in orgs["category"]],
    }), crs)
    return pdk.Layer(
        "ScatterplotLayer",
        id="social-orgs",
        data=data,
        get_position=["lon", "lat"],
        get_fill_color="colour",
        get_radius=4,
        radius_units="'pixels'",
        stroked=True,
        get_line_color=[255, 255, 255],
        line_width_min_pixels=1,
        pickable=True,
    )


# --- legend, view and deck ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LegendSection:
    title: str
    shape: str  # "square", "circle" or "ring"
    entries: list[tuple[list[int], str]]


def legend(layers: list[str], metric_legend: list[tuple[list[int], str]], metric: str, radius_km: float,
           lang: str, official: bool = False) -> list[LegendSection]:
    """What each visible layer's colours mean, in the order the layers are listed."""
    sections = []
    for layer in layers:
        if layer == "streets":
            title = t("map.legend.streets", lang, metric=t(f"map.metric.{metric}", lang))
            if not official:
                title += t("map.legend.schematic", lang)
            sections.append(LegendSection(title, "square", metric_legend))
        elif layer == "stations":
            sections.append(LegendSection(t("map.layer.stations", lang), "circle", [
                (colour, label("station_kind", kind, lang)) for kind, colour in STATION_COLOURS.items()
            ]))
        elif layer == "rings":
            sections.append(LegendSection(t("map.layer.rings", lang), "ring", [
                (RING_LINE[:3], t("map.legend.ring", lang, km=format_km(radius_km)))
            ]))
        elif layer == "communities":
            entries = [(colour, t(f"map.visit.{band}", lang)) for band, colour in VISIT_COLOURS.items()]
            sections.append(LegendSection(t("map.legend.communities", lang), "circle", entries))
            sections.append(LegendSection("", "ring", [(NO_DIRECTOR_LINE, t("map.legend.no_director", lang))]))
        elif layer == "orgs":
            sections.append(LegendSection(t("map.layer.orgs", lang), "circle", [
                (colour, label("org_category", category, lang)) for category, colour in ORG_COLOURS.items()
            ]))
    return sections


def legend_html(sections: list[LegendSection]) -> str:
    """The legend as HTML: a swatch per entry, drawn in the shape the map uses."""
    parts = []
    for section in sections:
        if section.title:
            parts.append(f"<div style='font-weight:600;margin:10px 0 2px'>{escape(section.title)}</div>")
        for colour, text in section.entries:
            rgb = f"rgb({colour[0]},{colour[1]},{colour[2]})"
            swatch = {
                "square": f"background:{rgb};border:1px solid rgba(0,0,0,.25)",
                "circle": f"background:{rgb};border:1px solid rgba(0,0,0,.25);border-radius:50%",
                "ring": f"border:2.5px solid {rgb};border-radius:50%",
            }[section.shape]
            parts.append(
                "<div style='display:flex;align-items:center;gap:6px;font-size:0.85rem;line-height:1.5'>"
                f"<span style='display:inline-block;flex:none;width:12px;height:12px;{swatch}'></span>"
                f"<span>{escape(text)}</span></div>"
            )
    return "".join(parts)


# A little less than the map column's width on a 1366-1440 px screen with the sidebar open. The view is
# fitted to it, so a wider screen shows a margin around the area rather than a narrower one cutting it off.
MAP_WIDTH = 560
MAP_HEIGHTS = (380, 620)


def fitting_height(bounds: tuple[float, float, float, float], width: int = MAP_WIDTH,
                   limits: tuple[int, int] = MAP_HEIGHTS, padding: float = 0.1) -> int:
    """The map height (pixels) at which ``bounds`` fill a map ``width`` pixels wide, within ``limits``:
    a wide street gets a low map, a tall one a high map, so the chosen area fills the frame."""
    lon_min, lat_min, lon_max, lat_max = bounds
    lat = (lat_min + lat_max) / 2
    lon_span = max(lon_max - lon_min, 1e-4)
    lat_span = max(lat_max - lat_min, 1e-4) / math.cos(math.radians(lat))
    height = width * lat_span / lon_span * 2 ** padding
    return int(min(max(height, limits[0]), limits[1]))


def fit_view(bounds: tuple[float, float, float, float], width: int = 600, height: int = 620,
             padding: float = 0.1) -> pdk.ViewState:
    """A view centred on ``bounds`` (lon_min, lat_min, lon_max, lat_max) at the zoom that shows all of it
    in a map of ``width`` x ``height`` pixels (deck.gl's world is 512 pixels wide at zoom 0)."""
    lon_min, lat_min, lon_max, lat_max = bounds
    lat = (lat_min + lat_max) / 2
    lon_span = max(lon_max - lon_min, 1e-4)
    lat_span = max(lat_max - lat_min, 1e-4) / math.cos(math.radians(lat))
    zoom = min(math.log2(width * 360 / (512 * lon_span)), math.log2(height * 360 / (512 * lat_span))) - padding
    return pdk.ViewState(latitude=lat, longitude=(lon_min + lon_max) / 2, zoom=round(zoom, 2), min_zoom=9,
                         max_zoom=17)


def cell_bounds(streets: pd.DataFrame, crs: str = "WGS84") -> tuple[float, float, float, float]:
    """Bounds of the street cells in the display system; the street centroids when no cell has a geometry."""
    from shapely.geometry import shape

    shapes = [shape(_geometry(g, c, crs)) for g, c in zip(streets["geometry"], streets["geometry_crs"]) if g]
    if shapes:
        bounds = np.array([s.bounds for s in shapes])
        return bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()
    points = to_display(streets[["lon", "lat"]], crs)
    return points["lon"].min(), points["lat"].min(), points["lon"].max(), points["lat"].max()


def coverage_deck(layers: list[pdk.Layer], view: pdk.ViewState, basemap: str | None = None) -> pdk.Deck:
    """The map: no provider unless a basemap style is configured, so by default nothing is fetched."""
    if basemap:
        return pdk.Deck(layers=layers, initial_view_state=view, map_provider="mapbox" if "mapbox" in basemap
                        else "carto", map_style=basemap, tooltip=TOOLTIP)
    # No provider and pydeck's default style: Streamlit then draws no basemap and fetches nothing.
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, tooltip=TOOLTIP)


def boundary_message(error: geo.BoundaryError, path: str, lang: str) -> str:
    values = dict(error.values)
    if error.problem == "missing_streets":
        english = values.pop("streets_en")
        if lang == "en":
            values["streets"] = english
    return t(f"map.boundary.{error.problem}", lang, file=path, **values)
