"""Training as it happens: sessions (online courses, live broadcasts, on-site sessions) and who attended.

"Trained this year" means having attended at least one session between 1 January of the day's year and
that day; the overview, the gaps, explore and meeting mode all count it here.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, literal, select

from data_access import schema

TS, TA = schema.training_sessions, schema.training_attendance


def attended_this_year(staff_id, day: date) -> ColumnElement[bool]:
    """Whether the staff member attended a session from 1 January of ``day``'s year up to ``day``."""
    return select(literal(1)).select_from(TA.join(TS, TA.c.session_id == TS.c.id)).where(
        TA.c.staff_id == staff_id, TS.c.held_on >= date(day.year, 1, 1), TS.c.held_on <= day,
    ).exists()
