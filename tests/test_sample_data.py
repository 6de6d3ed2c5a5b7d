"""The sample database: calibration to the published figures, determinism, refusal to overwrite."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from data_access import idcard, schema, vocab
from data_access.engine import make_engine
from sample_data import DatabaseNotEmpty, build_database
from sample_data.__main__ import main as sample_main


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_2022_q2_subsidies_are_556_person_times_and_641800_yuan(sample_engine):
    with sample_engine.connect() as conn:
        count, total = conn.execute(
            text("SELECT COUNT(*), SUM(amount) FROM subsidy_payments WHERE month >= :a AND month < :b"),
            {"a": date(2022, 4, 1), "b": date(2022, 7, 1)},
        ).one()
    assert count == 556
    assert Decimal(str(total)).quantize(Decimal("0.01")) == Decimal("641800.00")


def test_orphan_standard_steps_to_2454_on_2022_01_01(sample_engine):
    with sample_engine.connect() as conn:
        rows = conn.execute(select(schema.subsidy_standards).order_by(schema.subsidy_standards.c.valid_from)).all()
    for category in ("orphan", "de_facto_unsupported"):
        steps = [(r.valid_from, r.valid_to, Decimal(str(r.monthly_amount))) for r in rows if r.category == category]
        in_force_2022 = [s for s in steps if s[0] <= date(2022, 1, 1) and (s[1] is None or s[1] > date(2022, 1, 1))]
        assert in_force_2022 == [(date(2022, 1, 1), None, Decimal("2454.00"))]
        before = [s for s in steps if s[0] < date(2022, 1, 1)]
        assert before and all(s[2] != Decimal("2454.00") and s[1] == date(2022, 1, 1) for s in before)


def test_2022_payments_to_orphans_are_the_standard_but_for_the_two_planted_errors(sample_engine):
    with sample_engine.connect() as conn:
        amounts = dict(conn.execute(text(
            "SELECT amount, COUNT(*) FROM subsidy_payments WHERE category IN ('orphan','de_facto_unsupported') "
            "AND month >= :a GROUP BY amount"), {"a": date(2022, 1, 1)}).all())
    amounts = {Decimal(str(k)).quantize(Decimal("1")): v for k, v in amounts.items()}
    assert amounts[Decimal("2354")] == amounts[Decimal("2554")] == 1
    assert set(amounts) == {Decimal("2354"), Decimal("2454"), Decimal("2554")}


def test_march_2022_donation_is_46000_yuan_for_81_children(sample_engine):
    with sample_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT amount, recipients FROM grants WHERE kind = 'donation' AND granted_on >= :a AND granted_on < :b"),
            {"a": date(2022, 3, 1), "b": date(2022, 4, 1)},
        ).all()
    assert [(Decimal(str(a)), r) for a, r in rows] == [(Decimal("46000"), 81)]


def test_full_year_2022_festival_and_special_grants_total_10000(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'year.db'}")
    build_database(engine, as_of=datetime(2022, 12, 31, 18))
    total = scalar(engine, "SELECT SUM(amount) FROM grants WHERE kind <> 'donation' AND granted_on >= :a AND granted_on < :b",
                   a=date(2022, 1, 1), b=date(2023, 1, 1))
    assert Decimal(str(total)) == Decimal("10000")
    q2 = scalar(engine, "SELECT SUM(amount) FROM subsidy_payments WHERE month >= :a AND month < :b",
                a=date(2022, 4, 1), b=date(2022, 7, 1))
    assert Decimal(str(q2)) == Decimal("641800"), "calibration must not depend on the as-of date"


def test_network_matches_the_published_counts(sample_engine):
    assert scalar(sample_engine, "SELECT COUNT(*) FROM streets") == 10
    assert scalar(sample_engine, "SELECT COUNT(*) FROM communities") == 92
    assert scalar(sample_engine, "SELECT COUNT(*) FROM stations WHERE kind = 'street_station' AND status = 'open'") == 10
    assert scalar(sample_engine, "SELECT COUNT(DISTINCT street_id) FROM stations WHERE kind = 'street_station'") == 10
    assert scalar(sample_engine, "SELECT COUNT(*) FROM stations WHERE kind = 'rescue_room'") == 2
    assert scalar(sample_engine, "SELECT beds FROM stations WHERE kind = 'planned_facility' AND status = 'planned'") == 30
    assert scalar(sample_engine, "SELECT area_m2 FROM stations WHERE kind = 'planned_facility'") == 2000
    assert scalar(sample_engine, "SELECT COUNT(*) FROM stations WHERE kind LIKE 'district%'") == 2
    assert scalar(sample_engine, "SELECT COUNT(*) FROM staff WHERE role = 'supervisor'") == 10
    assert scalar(sample_engine, "SELECT COUNT(*) FROM staff WHERE role = 'director'") == 92
    assert scalar(sample_engine, "SELECT COUNT(DISTINCT community_id) FROM staff WHERE role = 'director'") == 92
    with sample_engine.connect() as conn:
        orgs = dict(conn.execute(text("SELECT category, COUNT(*) FROM social_orgs GROUP BY category")).all())
    assert orgs == {"psych_counselling": 8, "youth_social_group": 9, "youth_service_other": 10}


def test_cases_cover_every_stage_risk_type_and_source(sample_engine):
    with sample_engine.connect() as conn:
        for column, values in (
            ("stage", vocab.STAGES),
            ("risk_level", vocab.RISK_LEVELS),
            ("crisis_type", vocab.CRISIS_TYPES),
            ("source", vocab.REPORT_SOURCES),
        ):
            found = {r[0] for r in conn.execute(text(f"SELECT DISTINCT {column} FROM cases"))}
            assert found == set(values), column
        first, last = conn.execute(select(func.min(schema.cases.c.reported_at), func.max(schema.cases.c.reported_at))).one()
    assert first.date() >= date(2021, 1, 1)
    assert last <= datetime(2022, 6, 30, 18)


def test_a_realistic_share_of_cases_is_open_and_some_are_overdue(sample_engine, rules, as_of):
    from data_access.cases import open_at, overdue

    with sample_engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(schema.cases)).scalar_one()
        still_open = conn.execute(select(func.count()).where(open_at(as_of))).scalar_one()
        late = conn.execute(select(func.count()).where(overdue(rules, as_of))).scalar_one()
    assert 0.08 < still_open / total < 0.3
    assert 1 <= late < still_open / 2


def test_events_agree_with_the_case_rows(sample_engine):
    mismatched = scalar(
        sample_engine,
        "SELECT COUNT(*) FROM cases c WHERE c.stage <> (SELECT e.stage FROM case_events e WHERE e.case_id = c.id "
        "ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1)",
    )
    assert mismatched == 0
    assert scalar(sample_engine, "SELECT COUNT(*) FROM cases WHERE stage = 'closed' AND closed_at IS NULL") == 0
    assert scalar(sample_engine, "SELECT COUNT(*) FROM cases WHERE stage <> 'closed' AND closed_at IS NOT NULL") == 0


def test_id_numbers_are_fake_but_well_formed(sample_engine):
    with sample_engine.connect() as conn:
        numbers = [r[0] for r in conn.execute(text("SELECT id_number FROM children"))]
    assert numbers and all(n.startswith("990304") and len(n) == 18 for n in numbers)
    assert all(idcard.check_character(n[:17]) == n[17] for n in numbers)
    assert idcard.check_character("11010519491231002") == "X"  # the standard's published example


def test_street_geometry_is_stored_as_schematic_wgs84(sample_engine):
    with sample_engine.connect() as conn:
        rows = conn.execute(text("SELECT geometry, geometry_crs, geometry_source FROM streets")).all()
    assert all(g and crs == "WGS84" and source == "schematic" for g, crs, source in rows)


def _digest(engine) -> str:
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_the_build_is_deterministic(tmp_path):
    first = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    second = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    build_database(first)
    build_database(second)
    assert _digest(first) == _digest(second)
    other_seed = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    build_database(other_seed, seed=7)
    assert _digest(other_seed) != _digest(first)


def test_scale_multiplies_people_and_keeps_the_network(tmp_path):
    one = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    three = make_engine(f"sqlite:///{tmp_path / 'three.db'}")
    build_database(one)
    build_database(three, scale=3)
    for sql in ("SELECT COUNT(*) FROM stations", "SELECT COUNT(*) FROM staff", "SELECT COUNT(*) FROM social_orgs"):
        assert scalar(one, sql) == scalar(three, sql)
    for table in ("cases", "subsidy_payments"):
        ratio = scalar(three, f"SELECT COUNT(*) FROM {table}") / scalar(one, f"SELECT COUNT(*) FROM {table}")
        assert 2.5 < ratio < 3.5, table


@pytest.mark.parametrize("empty_engine", ["sqlite", "postgresql"], indirect=True)
def test_refuses_to_overwrite_unless_replace(empty_engine):
    build_database(empty_engine, as_of=datetime(2021, 3, 31, 18))
    before = scalar(empty_engine, "SELECT COUNT(*) FROM cases")
    with pytest.raises(DatabaseNotEmpty, match="--replace"):
        build_database(empty_engine)
    assert scalar(empty_engine, "SELECT COUNT(*) FROM cases") == before
    build_database(empty_engine, replace=True)
    assert scalar(empty_engine, "SELECT COUNT(*) FROM cases") > before


@pytest.mark.parametrize("empty_engine", ["sqlite", "postgresql"], indirect=True)
def test_check_constraints_and_foreign_keys_hold(empty_engine):
    build_database(empty_engine, as_of=datetime(2021, 2, 28, 18))
    case = dict(
        case_no="X-1", child_id=1, street_id="futian", community_id="futian-01", risk_level="critical",
        stage="reported", crisis_type="abuse", source="school", mandatory_report=True,
        reported_at=datetime(2021, 2, 1),
    )
    for bad in ({"stage": "lost"}, {"risk_level": "extreme"}, {"child_id": 999999}, {"street_id": "nowhere"}):
        with pytest.raises(IntegrityError):
            with empty_engine.begin() as conn:
                conn.execute(insert(schema.cases).values(id=999999, **(case | bad)))
    with empty_engine.begin() as conn:
        conn.execute(insert(schema.cases).values(id=999999, **case))


def test_cli_refuses_a_non_empty_database_and_reports_it(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert sample_main(["--db", url, "--as-of", "2021-02-28"]) == 0
    assert sample_main(["--db", url]) == 2
    assert "--replace" in capsys.readouterr().err
    assert sample_main(["--db", url, "--replace", "--as-of", "2021-03-31"]) == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--as-of", "30/06/2022"], "--as-of"),
        (["--scale", "0"], "--scale"),
        (["--as-of", "2020-12-01"], "on or after 2021-01-01"),
    ],
)
def test_cli_rejects_bad_arguments_without_writing(tmp_path, argv, message, capsys):
    db = tmp_path / "bad.db"
    try:
        code = sample_main(["--db", f"sqlite:///{db}", *argv])
    except SystemExit as exc:
        code = exc.code
    assert code != 0
    assert message in capsys.readouterr().err
    assert not db.exists() or scalar(make_engine(f"sqlite:///{db}"), "SELECT COUNT(*) FROM sqlite_master") == 0


def test_a_month_still_running_has_the_reports_of_its_days_so_far(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'running.db'}")
    build_database(engine, as_of=datetime(2026, 12, 4, 18, 0))
    with engine.connect() as conn:
        def reported(start: str, end: str) -> int:
            return conn.execute(text("SELECT COUNT(*) FROM cases WHERE reported_at >= :s AND reported_at < :e"),
                                {"s": start, "e": end}).scalar()
        december, november = reported("2026-12-01", "2027-01-01"), reported("2026-11-01", "2026-12-01")
    engine.dispose()
    assert 0 < december <= november * 4 / 30 + 2
