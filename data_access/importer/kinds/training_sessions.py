"""Training sessions: date, mode, topic and hours."""

from __future__ import annotations

from data_access import schema
from data_access.importer.kind import Field, Kind
from data_access.importer.values import TRAINING_MODE


KIND = Kind("training_sessions", schema.training_sessions, ("id",), (
    Field("id", ("培训编号", "session_id", "编号", "id"), "int", True, en="Session number"),
    Field("held_on", ("培训日期", "held_on", "日期", "date"), "date", True, past=True),
    Field("mode", ("培训形式", "mode", "形式"), "choice", True, TRAINING_MODE),
    Field("topic", ("培训主题", "topic", "主题"), required=True),
    Field("hours", ("学时", "hours", "时长"), "hours"),
))
