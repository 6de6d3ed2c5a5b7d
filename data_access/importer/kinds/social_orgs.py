"""Social organisations by category and street."""

from __future__ import annotations

from data_access import schema
from data_access.importer.kind import CRS, LAT, LON, NAME_EN, STREET, Field, Kind, default
from data_access.importer.values import ORG_CATEGORY


KIND = Kind("social_orgs", schema.social_orgs, ("id",), (
    Field("id", ("组织编号", "id", "编号", "org_id"), "int", True, en="Organisation number"),
    Field("name_zh", ("名称", "name_zh", "组织名称", "name"), required=True),
    NAME_EN,
    Field("category", ("组织类别", "category", "类别"), "choice", True, ORG_CATEGORY),
    STREET,
    Field("registered_on", ("登记日期", "registered_on", "成立日期", "registered"), "date", True, past=True),
    LAT,
    LON,
    CRS,
), checks=(default("name_en", "name_zh"),))
