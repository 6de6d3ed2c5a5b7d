"""The events of a case's timeline."""

from __future__ import annotations

from data_access import schema
from data_access.importer.kind import Field, Kind
from data_access.importer.values import EVENT, STAGE


KIND = Kind("case_events", schema.case_events, ("case_id", "kind", "occurred_at"), (
    Field("case_id", ("个案编号", "case_no", "case number"), "case", True),
    Field("occurred_at", ("发生时间", "occurred_at", "时间", "time"), "datetime", True, past=True),
    Field("kind", ("事件类型", "kind", "event"), "choice", True, EVENT),
    Field("stage", ("事件后阶段", "stage", "阶段"), "choice", True, STAGE),
    Field("staff_id", ("工作人员编号", "staff_id", "staff"), "staff"),
    Field("note", ("备注", "note")),
))
