"""Festival money, special living grants and donations."""

from __future__ import annotations

from data_access import schema
from data_access.importer.kind import STREET, Field, Kind, default
from data_access.importer.values import GRANT_KIND


KIND = Kind("grants", schema.grants, ("granted_on", "kind", "description_zh"), (
    Field("kind", ("补助类型", "kind", "类型", "type"), "choice", True, GRANT_KIND, en="Grant type"),
    Field("granted_on", ("发放日期", "granted_on", "date"), "date", True, past=True),
    Field("amount", ("金额", "amount", "发放金额"), "money", True),
    Field("recipients", ("受助人数", "recipients", "人数"), "count", True),
    STREET,
    Field("description_zh", ("说明", "description_zh", "描述", "description"), required=True),
    Field("description_en", ("英文说明", "description_en")),
), checks=(default("description_en", "description_zh"),))
