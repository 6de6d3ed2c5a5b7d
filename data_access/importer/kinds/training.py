"""Training attendance: who attended which session (the sessions are imported first)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from data_access import schema
from data_access.importer.kind import Field, Kind, Row
from data_access.importer.lookups import in_chunks
from data_access.importer.problems import Problem


def _check_sessions(conn: Connection, rows: list[Row]) -> None:
    """Each attendance names a training session already in the database."""
    wanted = sorted({r.values["session_id"] for r in rows if isinstance(r.values.get("session_id"), int)})
    TS = schema.training_sessions
    known = {row["id"] for row in in_chunks(conn, select(TS.c.id), TS.c.id, wanted)}
    for row in rows:
        session = row.values.get("session_id")
        if isinstance(session, int) and session not in known:
            row.problems.append(Problem(row.number, row.headers.get("session_id"), "ref.session", {"value": session}))


KIND = Kind("training", schema.training_attendance, ("session_id", "staff_id"), (
    Field("session_id", ("培训编号", "session_id", "session"), "int", True, en="Session number"),
    Field("staff_id", ("工作人员编号", "staff_id", "staff"), "staff", True),
), finish=_check_sessions)
