"""Training sessions and attendance: the migration of the old single training date, attendance
counts and "trained this year" against direct SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import inspect, text

from data_access import migrate, overview
from data_access.types import Filters, Period, Scope
from tests.harness import BACKENDS, engine_for

DISTRICT = Scope.district()
STAFF = [  # id, role, started_on, trained_on
    (1, "supervisor", "2020-01-01", "2022-03-15"),
    (2, "director", "2020-01-01", "2022-03-15"),
    (3, "director", "2020-01-01", "2021-09-01"),
    (4, "social_worker", "2020-01-01", None),
    (5, "centre_staff", "2022-05-01", "2022-06-01"),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_migration_makes_one_session_per_date_and_can_be_undone(backend, tmp_path_factory):
    engine = engine_for(backend, tmp_path_factory, "dashboard_test_training_migration")
    migrate.upgrade(engine, "0009")
    with engine.begin() as conn:
        for row in STAFF:
            conn.execute(text("INSERT INTO staff (id, name, role, started_on, trained_on) VALUES (:i, 'x', :r, :s, :t)"),
                         dict(zip("irst", row)))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        sessions = conn.execute(text("SELECT held_on, mode, topic, hours FROM training_sessions ORDER BY held_on")).all()
        attendance = conn.execute(text("SELECT s.held_on, a.staff_id FROM training_attendance a JOIN training_sessions s "
                                       "ON s.id = a.session_id ORDER BY s.held_on, a.staff_id")).all()
    assert [(str(r[0]), r[1], r[3]) for r in sessions] == [
        ("2021-09-01", "on_site", None), ("2022-03-15", "on_site", None), ("2022-06-01", "on_site", None)]
    assert [(str(d), s) for d, s in attendance] == [("2021-09-01", 3), ("2022-03-15", 1), ("2022-03-15", 2),
                                                    ("2022-06-01", 5)]
    assert "trained_on" not in {c["name"] for c in inspect(engine).get_columns("staff")}
    found = overview.training_figures(engine, DISTRICT, Filters(Period.parse("2022Q2")), date(2022, 6, 30))
    assert found.trained == {"supervisor": 1, "director": 1, "social_worker": 0, "centre_staff": 1}
    assert found.in_post_total == 5
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0009")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT id, trained_on FROM staff ORDER BY id")).all()
    assert [(i, str(d) if d else None) for i, d in back] == [(r[0], r[3]) for r in STAFF]
    assert "training_sessions" not in inspect(engine).get_table_names()
    engine.dispose()


def test_attendance_and_trained_this_year_match_direct_sql(sample_engine, as_of):
    with sample_engine.connect() as conn:
        per_mode = dict(conn.execute(text(
            "SELECT s.mode, COUNT(*) FROM training_attendance a JOIN training_sessions s ON s.id = a.session_id "
            "WHERE s.held_on >= '2022-01-01' AND s.held_on <= '2022-06-30' GROUP BY s.mode")).all())
        trained = conn.execute(text(
            "SELECT COUNT(*) FROM staff f WHERE f.started_on <= '2022-06-30' "
            "AND (f.ended_on IS NULL OR f.ended_on > '2022-06-30') AND EXISTS (SELECT 1 FROM training_attendance a "
            "JOIN training_sessions s ON s.id = a.session_id WHERE a.staff_id = f.id "
            "AND s.held_on BETWEEN '2022-01-01' AND '2022-06-30')")).scalar()
        years = [int(str(y)[:4]) for y in conn.execute(text("SELECT held_on FROM training_sessions")).scalars()]
    assert set(per_mode) == {"online", "live", "on_site"}
    assert set(years) == {2021, 2022}
    found = overview.training_figures(sample_engine, DISTRICT, Filters(Period.parse("2022Q2")), as_of.date())
    assert found.trained_total == trained
    assert 0.6 < found.rate < 1


def test_every_sample_year_up_to_the_as_of_date_has_training_and_grants(tmp_path):
    from data_access.engine import make_engine
    from datetime import datetime
    from sample_data import build_database

    engine = make_engine(f"sqlite:///{tmp_path / 'late.db'}")
    build_database(engine, as_of=datetime(2026, 11, 28, 18))
    for day in (date(2023, 12, 31), date(2024, 6, 30), date(2025, 3, 31), date(2026, 11, 28)):
        rate = overview.training_figures(engine, DISTRICT, Filters(Period.containing(day)), day).rate
        assert rate > 0.5, (day, rate)
    with engine.connect() as conn:
        last = conn.execute(text("SELECT MAX(held_on) FROM training_sessions")).scalar()
        grants = conn.execute(text("SELECT kind, granted_on FROM grants")).all()
    assert str(last) <= "2026-11-28"
    kinds = {(kind, int(str(on)[:4])) for kind, on in grants}
    for year in range(2021, 2027):
        assert {"spring_festival", "special_living", "mid_autumn"} <= {k for k, y in kinds if y == year}, year
        assert ("donation", year) in kinds or year == 2021, year
    assert max(str(on) for _, on in grants) <= "2026-11-28"
    engine.dispose()


def test_trained_this_year_is_compared_with_the_same_day_a_year_before(sample_engine, rules, as_of):
    figures = overview.key_figures(sample_engine, DISTRICT, Filters(Period.parse("2022Q2")), as_of, rules)
    before = figures.training_year_before
    assert before.day == date(2021, 6, 30)
    with sample_engine.connect() as conn:
        trained = conn.execute(text(
            "SELECT COUNT(*) FROM staff f WHERE f.started_on <= '2021-06-30' "
            "AND (f.ended_on IS NULL OR f.ended_on > '2021-06-30') AND EXISTS (SELECT 1 FROM training_attendance a "
            "JOIN training_sessions s ON s.id = a.session_id WHERE a.staff_id = f.id "
            "AND s.held_on BETWEEN '2021-01-01' AND '2021-06-30')")).scalar()
        sessions = conn.execute(text("SELECT COUNT(*) FROM training_sessions WHERE held_on BETWEEN '2021-01-01' "
                                     "AND '2021-06-30'")).scalar()
    assert (before.trained_total, before.sessions) == (trained, sessions) and sessions == 3
    january = overview.training_figures(sample_engine, DISTRICT, Filters(Period.parse("2022Q1")), date(2022, 1, 5))
    assert (january.trained_total, january.sessions) == (0, 0)
