"""Communities and the street each lies in."""

from __future__ import annotations

from data_access import schema
from data_access.importer.kind import CRS, LAT, LON, NAME_EN, Field, Kind, default, needs_id


KIND = Kind("communities", schema.communities, ("id",), (
    Field("id", ("编号", "id", "社区编号", "community_id"), "slug", en="Id"),
    Field("code", ("区划代码", "code", "代码", "社区代码")),
    Field("name_zh", ("社区", "name_zh", "社区名称", "名称", "name"), "place", True),
    NAME_EN,
    Field("street_id", ("街道", "street", "所属街道", "street_id", "街道代码"), "street", True),
    LAT,
    LON,
    CRS,
), unique=(("code",),), unique_stored=("code",),
    checks=(needs_id("code", "区划代码 / code"), default("code", "id"), default("name_en", "name_zh")))
