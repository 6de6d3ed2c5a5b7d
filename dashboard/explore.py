"""The Explore page's toolkit: the namespace of its URL state, visible labels of dimension values, the table
and pivot shown, and the map. Pure functions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk

from catalogue.i18n import VOCAB, label, period_label, t
from dashboard import maps
from data_access.explore import AGE_BANDS, CASE_FLAGS, TIME_DIMENSIONS, result_column
from data_access.rules import CaseRules
from data_access.types import Period

CHARTS = ("bar", "line", "area", "heatmap", "map")
MAP_DIMENSIONS = ("street", "community")
# Dimensions whose values are stored codes of a vocabulary in the i18n catalogue.
VOCABULARIES = {"stage": "stage", "type": "crisis_type", "source": "source", "category": "category",
                "role": "staff_role", "mode": "training_mode", "kind": "station_kind", "status": "station_status"}
# The page keeps its URL values under its own session keys (``explore_<name>``): other pages use some of the
# same URL names (measure, source, ...) for other values.
URL_NAMESPACE = "explore"


def parse_list(raw: str, allowed: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(known items in allow-list order, unknown items) of a comma list."""
    items = [item.strip() for item in raw.split(",") if item.strip()]
    return [a for a in allowed if a in items], [item for item in items if item not in allowed]


def charts_for(dim: str, dim2: str | None) -> tuple[str, ...]:
    """The chart types that make sense: a heat map needs two dimensions, a map a street or community."""
    return tuple(c for c in CHARTS if (c != "heatmap" or dim2) and (c != "map" or dim in MAP_DIMENSIONS))


# --- labels ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Labeller:
    """Visible labels of one dimension's values, and the order they are shown in."""

    names: dict
    order: list

    def __call__(self, code) -> str:
        code = None if _missing(code) else code
        return self.names.get(code, str(code))

    def sort_key(self, code) -> int:
        code = None if _missing(code) else code
        return self.order.index(code) if code in self.order else len(self.order)


def _missing(code) -> bool:
    return code is None or (isinstance(code, float) and pd.isna(code))


def labeller(dim: str, codes: list, lang: str, streets: pd.DataFrame, communities: pd.DataFrame,
             rules: CaseRules) -> Labeller:
    none = t("explore.no_community" if dim == "community" else "explore.no_street", lang)
    suffix = "en" if lang == "en" else "zh"
    if dim == "street":
        names = dict(zip(streets["id"], streets[f"name_{suffix}"]))
    elif dim == "community":
        names = dict(zip(communities["id"], communities[f"name_{suffix}"]))
    elif dim in TIME_DIMENSIONS:
        names = {code: period_label(Period.parse(code), lang) for code in codes if not _missing(code)}
        return Labeller({**names, None: none}, [*sorted(c for c in codes if not _missing(c)), None])
    elif dim == "risk":
        names = rules.labels(lang)
    elif dim == "sex":
        names = {code: t(f"explore.sex.{code}", lang) for code in ("F", "M")}
    elif dim == "age_band":
        names = {band: t("explore.age_band", lang, band=band.replace("-", "–")) for band in AGE_BANDS}
    elif dim == "trained":
        names = {"yes": t("explore.trained.yes", lang), "no": t("explore.trained.no", lang)}
    elif dim == "flags":
        names = {code: label("flag", code, lang) for code in CASE_FLAGS.columns}
    else:
        vocabulary = VOCABULARIES[dim]
        names = {code: label(vocabulary, code, lang) for code in VOCAB[vocabulary]}
    return Labeller({**names, None: none}, [*names, None])


def measure_title(dataset: str, measure: str, column: str | None, lang: str) -> str:
    if measure == "count":
        return t(f"explore.count.{dataset}", lang)
    if measure == "children":
        return t("explore.measure.children", lang)
    return t("explore.measure_of", lang, measure=t(f"explore.measure.{measure}", lang),
             column=t(f"explore.column.{column}", lang))


def labelled(frame: pd.DataFrame, dims: list[str], labellers: dict[str, Labeller], titles: dict[str, str],
             value_title: str) -> pd.DataFrame:
    """The aggregate with visible labels and titles, in display order."""
    keys = [result_column(d) for d in dims]
    ordered = frame.assign(**{f"_o{i}": [labellers[d].sort_key(c) for c in frame[k]]
                              for i, (d, k) in enumerate(zip(dims, keys))})
    ordered = ordered.sort_values([f"_o{i}" for i in range(len(dims))], kind="stable")
    out = pd.DataFrame({titles[d]: [labellers[d](c) for c in ordered[k]] for d, k in zip(dims, keys)})
    out[value_title] = ordered["value"].to_numpy()
    return out


def pivot(table: pd.DataFrame, row: str, column: str, value: str, column_order: list[str],
          missing_is_zero: bool) -> pd.DataFrame:
    """First dimension as rows (in the long table's order), second as columns (in ``column_order``).

    A count of a pair that never occurs is 0; a sum, mean or median of nothing stays empty.
    """
    wide = table.pivot_table(index=row, columns=column, values=value, aggfunc="first", sort=False)
    wide = wide.reindex(index=list(dict.fromkeys(table[row])), columns=column_order)
    if missing_is_zero:
        wide = wide.fillna(0).astype(int)
    wide.columns.name = None
    return wide.reset_index()


# --- the map ------------------------------------------------------------------------------------------


def map_deck(frame: pd.DataFrame, dim: str, measure: str, value_title: str, streets: pd.DataFrame,
             communities: pd.DataFrame, lang: str, fmt: Callable[[float], str]) -> tuple[pdk.Deck, list]:
    """Street cells (or community points over the street cells) coloured by the value, and the legend."""
    metric = "children" if measure in ("count", "children", "sum") else "cases_per_100"
    values = frame.set_index(result_column(dim))["value"]
    if dim == "street":
        shown = streets.assign(value=[values.get(s) for s in streets["id"]])
    else:
        shown = communities.assign(value=[values.get(c) for c in communities["id"]])
    classes = maps.metric_classes(shown["value"].astype(float), metric, lang)
    suffix = "en" if lang == "en" else "zh"
    tips = [t("map.tip.metric", lang, metric=value_title, value="—" if pd.isna(v) else fmt(v)) for v in shown["value"]]
    if dim == "street":
        features = [{
            "type": "Feature",
            "geometry": maps._geometry(row.geometry, row.geometry_crs, "WGS84"),
            "properties": {"name": getattr(row, f"name_{suffix}"), "kind": tip, "detail": "",
                           "fill": [*colour, maps.CELL_ALPHA]},
        } for row, colour, tip in zip(shown.itertuples(), classes.colours, tips) if row.geometry]
        layers = [pdk.Layer("GeoJsonLayer", id="explore-streets",
                            data={"type": "FeatureCollection", "features": features}, stroked=True, filled=True,
                            get_fill_color="properties.fill", get_line_color=maps.STREET_LINE, get_line_width=1,
                            line_width_units="'pixels'", pickable=True, auto_highlight=True)]
    else:
        outline = [{"type": "Feature", "geometry": maps._geometry(g, c, "WGS84"), "properties": {}}
                   for g, c in zip(streets["geometry"], streets["geometry_crs"]) if g]
        points = pd.DataFrame({"name": shown[f"name_{suffix}"], "kind": tips, "detail": shown[f"street_{suffix}"],
                               "lon": shown["lon"], "lat": shown["lat"], "colour": classes.colours})
        layers = [
            pdk.Layer("GeoJsonLayer", id="explore-outline", data={"type": "FeatureCollection", "features": outline},
                      stroked=True, filled=True, get_fill_color=[240, 240, 240, 120], get_line_color=[150, 150, 150],
                      get_line_width=1, line_width_units="'pixels'"),
            pdk.Layer("ScatterplotLayer", id="explore-communities", data=points, get_position=["lon", "lat"],
                      get_fill_color="colour", get_line_color=[90, 90, 90], stroked=True, get_radius=7,
                      radius_units="'pixels'", line_width_units="'pixels'", get_line_width=1, pickable=True),
        ]
    layers.append(maps.street_labels_layer(streets, lang))
    view = maps.fit_view(maps.cell_bounds(streets), height=520)
    return maps.coverage_deck(layers, view), classes.legend
