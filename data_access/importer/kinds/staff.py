"""Staff: supervisors, community directors, social workers and centre staff."""

from __future__ import annotations

from data_access import schema
from data_access.importer.kind import COMMUNITY, STREET, Field, Kind, Row, not_before
from data_access.importer.lookups import Lookups
from data_access.importer.values import STAFF_ROLE


def _check_staff(row: Row, _found: Lookups, _child: dict | None) -> None:
    not_before(row, "ended_on", "started_on")


KIND = Kind("staff", schema.staff, ("id",), (
    Field("id", ("工作人员编号", "staff_id", "编号", "id"), "int", True),
    Field("name", ("姓名", "name"), required=True),
    Field("role", ("岗位", "role", "角色"), "choice", True, STAFF_ROLE),
    STREET,
    COMMUNITY,
    Field("started_on", ("入职日期", "started_on", "started"), "date", True, past=True),
    Field("ended_on", ("离职日期", "ended_on", "ended"), "date"),
), checks=(_check_staff,))
