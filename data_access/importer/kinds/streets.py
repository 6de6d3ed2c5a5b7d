"""Streets: the district's streets, by id (made from the English name when not given)."""

from __future__ import annotations

from data_access import schema
from data_access.district import refresh_schematic_cells
from data_access.importer.kind import CRS, LAT, LON, NAME_EN, Field, Kind, Row, default, needs_id
from data_access.importer.lookups import Lookups


def _sort_by_row(row: Row, found: Lookups, _child: dict | None) -> None:
    """A new street without an order comes after those there, in file order; a known one keeps its place."""
    if row.values.get("sort_order") is None:
        if row.values.get("id") in found.street_names:
            row.values.pop("sort_order", None)
        else:
            row.values["sort_order"] = found.last_street_order + row.number - 1


KIND = Kind("streets", schema.streets, ("id",), (
    Field("id", ("编号", "id", "街道编号", "street_id"), "slug", en="Id"),
    Field("code", ("区划代码", "code", "代码", "街道代码"), required=True),
    Field("name_zh", ("街道", "name_zh", "街道名称", "名称", "name"), "place", True),
    NAME_EN,
    LAT,
    LON,
    CRS,
    Field("sort_order", ("排序", "sort_order", "order"), "int"),
), unique=(("code",), ("name_zh",)), unique_stored=("code", "name_zh"),
    checks=(needs_id("name_en", "英文名称 / English name"), default("name_en", "id", str.title), _sort_by_row),
    after_write=refresh_schematic_cells)
