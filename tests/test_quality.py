"""The data-quality checks on a copy of the sample with every kind of problem planted, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text, update

from data_access import quality, schema
from data_access.geo import DISTRICT_BBOX
from data_access.summaries import refresh_summaries
from data_access.types import Filters, Period, Scope
from sample_data import build_database

Q2 = Filters(period=Period.parse("2022Q2"))
DISTRICT = Scope.district()
FUBAO = Scope.street("fubao")
# The untouched sample: 14 open cases past their cadence and 2 payments after leaving the register in 2022 Q2.
SAMPLE_NO_CONTACT, SAMPLE_UNREGISTERED = 14, 2


def _one(conn, sql: str, **params):
    return conn.execute(text(sql), params).scalar_one()


def _ids(conn, sql: str, **params) -> list:
    return list(conn.execute(text(sql), params).scalars())


def _exec(conn, sql: str, **params) -> None:
    conn.execute(text(sql), params)


def _insert_without_foreign_keys(engine, sql: str, **params) -> None:
    """A payment for a child who does not exist: the kind of row an import without constraints leaves."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.execute(text(sql), params)
            conn.commit()
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.execute(text(sql), params)


def plant(engine, as_of: datetime, rules) -> dict:
    """Plant one or two of every problem, in known streets; return what was planted."""
    p: dict = {}
    with engine.begin() as conn:
        fubao = _ids(conn, "SELECT id FROM children WHERE street_id = 'fubao' AND category IS NOT NULL ORDER BY id")
        futian = _ids(conn, "SELECT id FROM children WHERE street_id = 'futian' ORDER BY id")
        # incomplete files
        p["phone"], p["no_community"], p["wrong_community"], p["duplicated"] = fubao[:4]
        p["address"], p["id_number"] = futian[:2]
        _exec(conn, "UPDATE children SET guardian_phone = NULL WHERE id = :i", i=p["phone"])
        _exec(conn, "UPDATE children SET address = '   ' WHERE id = :i", i=p["address"])
        _exec(conn, "UPDATE children SET id_number = '99030419' WHERE id = :i", i=p["id_number"])
        p["registration"] = _ids(conn, "SELECT id FROM children WHERE street_id = 'fubao' AND category IS NULL "
                                       "AND exited_on IS NULL ORDER BY id")[0]
        _exec(conn, "UPDATE children SET registered_on = :d WHERE id = :i", d=date(2022, 1, 5), i=p["registration"])
        # without a community, or with another street's
        _exec(conn, "UPDATE children SET community_id = NULL WHERE id = :i", i=p["no_community"])
        _exec(conn, "UPDATE children SET community_id = 'futian-01' WHERE id = :i", i=p["wrong_community"])
        # a second file for one child: same name (with a stray space) and birth date, another ID number
        _exec(conn, "INSERT INTO children (id, file_no, name, id_number, gender, birth_date, street_id, community_id, "
                    "guardian_phone, address) SELECT 900001, 'FT09000001', name || ' ', '990304201001019999', gender, "
                    "birth_date, street_id, community_id, guardian_phone, address FROM children WHERE id = :i",
              i=p["duplicated"])
        # open cases without a holder: nobody, and someone who left before as_of
        open_case = ("SELECT id FROM cases WHERE street_id = :s AND reported_at <= :t "
                     "AND (closed_at IS NULL OR closed_at > :t) ORDER BY id")
        p["unheld"] = _ids(conn, open_case, s="fubao", t=as_of)[0]
        p["left"] = _ids(conn, open_case, s="futian", t=as_of)[0]
        _exec(conn, "UPDATE cases SET assigned_staff_id = NULL WHERE id = :i", i=p["unheld"])
        _exec(conn, "INSERT INTO staff (id, name, role, street_id, started_on, ended_on) "
                    "VALUES (9001, '离岗社工', 'social_worker', 'futian', :a, :b)", a=date(2020, 1, 1), b=date(2022, 6, 1))
        _exec(conn, "UPDATE cases SET assigned_staff_id = 9001 WHERE id = :i", i=p["left"])
        # contact lapsed by one minute, and a case exactly at its cadence (due, not yet lapsed)
        huafu = _ids(conn, open_case, s="huafu", t=as_of)
        lapsed_before = set(quality.cases_without_contact(engine, DISTRICT, Q2, as_of, rules)["case_no"])
        huafu = [i for i in huafu if _one(conn, "SELECT case_no FROM cases WHERE id = :i", i=i) not in lapsed_before]
        p["lapsed"], p["at_cadence"] = huafu[:2]
        for key, extra in (("lapsed", timedelta(minutes=1)), ("at_cadence", timedelta(0))):
            level = _one(conn, "SELECT risk_level FROM cases WHERE id = :i", i=p[key])
            # Through the table's column type, so SQLite stores the moment the way the app does.
            conn.execute(update(schema.cases).where(schema.cases.c.id == p[key])
                         .values(last_contact_at=as_of - rules.risk(level).follow_up - extra))
        # payments in Q2 to children not on the register, and one in Q1 that the period leaves out
        p["unregistered_child"] = _ids(conn, "SELECT id FROM children WHERE street_id = 'huafu' AND category IS NULL "
                                             "AND registered_on IS NULL ORDER BY id")[0]
        _exec(conn, "INSERT INTO children (id, file_no, name, id_number, gender, birth_date, street_id, community_id, "
                    "category, registered_on, guardian_phone, address) VALUES (900002, 'FT09000002', '测试童', "
                    "'990304201501019998', 'F', :b, 'huafu', 'huafu-01', 'orphan', :r, '13800000000', '福田区华富街道测试路1号')",
              b=date(2015, 1, 1), r=date(2022, 6, 10))
        payment = ("INSERT INTO subsidy_payments (payment_no, child_id, month, category, street_id, amount, paid_on) "
                   "VALUES (:n, :c, :m, 'orphan', 'huafu', 2454, :m)")
        _exec(conn, payment, n="QP-NOTREG", c=p["unregistered_child"], m=date(2022, 5, 1))
        _exec(conn, payment, n="QP-BEFORE", c=900002, m=date(2022, 5, 1))
        _exec(conn, payment, n="QP-Q1", c=p["unregistered_child"], m=date(2022, 3, 1))
        # places outside the district: swapped coordinates, west of it, (0, 0); and one just inside the margin
        _exec(conn, "UPDATE stations SET lat = lon, lon = lat WHERE id = 1")
        _exec(conn, "UPDATE communities SET lon = 113.95 WHERE id = 'fubao-02'")
        _exec(conn, "UPDATE social_orgs SET lat = 0, lon = 0 WHERE id = 2")
        _exec(conn, "UPDATE stations SET lon = :x WHERE id = 5", x=DISTRICT_BBOX[2] + 0.0005)
    _insert_without_foreign_keys(
        engine, "INSERT INTO subsidy_payments (payment_no, child_id, month, category, street_id, amount, paid_on) "
                "VALUES ('QP-UNKNOWN', 999999, :m, 'orphan', 'huafu', 2454, :m)", m=date(2022, 4, 1))
    return p


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def planted(request, tmp_path_factory, as_of, rules):
    from tests.harness import engine_for

    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_quality")
    build_database(engine)
    with engine.connect() as conn:
        files = {i: n for i, n in conn.execute(text("SELECT id, file_no FROM children"))}
        cases = {i: n for i, n in conn.execute(text("SELECT id, case_no FROM cases"))}
    planted = plant(engine, as_of, rules)
    with engine.begin() as conn:  # planted past the importer: the summaries are rebuilt as an import would
        refresh_summaries(conn)
    yield engine, planted, files, cases
    engine.dispose()


def test_the_untouched_sample_is_clean_but_for_its_known_problems(sample_engine, as_of, rules):
    counts = quality.quality_counts(sample_engine, DISTRICT, Q2, as_of, rules)
    assert (counts.children, counts.incomplete, counts.completeness) == (762, 0, 1.0)
    assert (counts.duplicate_people, counts.no_community, counts.no_holder, counts.outside_district) == (0, 0, 0, 0)
    assert (counts.no_contact, counts.unregistered_payments) == (SAMPLE_NO_CONTACT, SAMPLE_UNREGISTERED)
    lapsed = quality.cases_without_contact(sample_engine, DISTRICT, Q2, as_of, rules)
    assert (lapsed["days_without_contact"] >= lapsed["cadence_days"]).all()
    paid = quality.unregistered_payments(sample_engine, DISTRICT, Q2, as_of)
    assert set(paid["reason"]) == {"after_exit"}


def test_incomplete_files_name_the_missing_fields(planted, as_of, rules):
    engine, p, files, _ = planted
    counts = quality.quality_counts(engine, DISTRICT, Q2, as_of, rules)
    assert counts.children == 764  # the sample's 762 and two planted files
    assert counts.incomplete == 5
    assert counts.completeness == pytest.approx(759 / 764)
    rows = quality.incomplete_files(engine, DISTRICT, Q2, as_of)
    missing = dict(zip(rows["file_no"], rows["missing"]))
    assert missing == {
        files[p["phone"]]: ["guardian_phone"], files[p["address"]]: ["address"],
        files[p["id_number"]]: ["id_number"], files[p["registration"]]: ["registration"],
        files[p["no_community"]]: ["community"],
    }
    assert all("*" in name for name in rows["child_name"])
    assert all(number == "" or "*" in number for number in rows["id_number"])
    assert set(quality.incomplete_files(engine, FUBAO, Q2, as_of)["file_no"]) == {
        files[p["phone"]], files[p["registration"]], files[p["no_community"]]}


def test_duplicate_files_are_grouped_by_name_and_birth_date(planted, as_of, rules):
    engine, p, files, _ = planted
    counts = quality.quality_counts(engine, DISTRICT, Q2, as_of, rules)
    assert (counts.duplicate_people, counts.duplicate_files, counts.count("duplicates")) == (1, 2, 1)
    rows = quality.duplicate_files(engine, DISTRICT, Q2)
    assert sorted(rows["file_no"]) == sorted([files[p["duplicated"]], "FT09000001"])
    assert list(rows["group"]) == [1, 1] and list(rows["files"]) == [2, 2]
    assert quality.duplicate_files(engine, Scope.street("futian"), Q2).empty


def test_children_without_a_community_or_with_another_streets(planted, as_of, rules):
    engine, p, files, _ = planted
    assert quality.quality_counts(engine, DISTRICT, Q2, as_of, rules).no_community == 2
    rows = quality.children_without_community(engine, FUBAO, Q2)
    assert dict(zip(rows["file_no"], rows["community_id"].fillna("none"))) == {
        files[p["no_community"]]: "none", files[p["wrong_community"]]: "futian-01"}
    community = Scope(streets=frozenset({"fubao"}), communities=frozenset({"fubao-01"}))
    assert quality.quality_counts(engine, community, Q2, as_of, rules).no_community == 0


def test_open_cases_without_a_holder_as_of(planted, as_of, rules):
    engine, p, _, cases = planted
    assert quality.quality_counts(engine, DISTRICT, Q2, as_of, rules).no_holder == 2
    rows = quality.cases_without_holder(engine, DISTRICT, Q2, as_of)
    assert dict(zip(rows["case_no"], rows["reason"])) == {cases[p["unheld"]]: "none", cases[p["left"]]: "left"}
    assert rows.set_index("case_no").loc[cases[p["left"]], "staff_name"] == "离**工"
    # The day before the holder left, the case was still held.
    before = datetime(2022, 5, 31, 18)
    assert list(quality.cases_without_holder(engine, DISTRICT, Q2, before)["reason"]).count("left") == 0
    assert list(quality.cases_without_holder(engine, FUBAO, Q2, as_of)["case_no"]) == [cases[p["unheld"]]]


def test_open_cases_past_their_cadence(planted, as_of, rules):
    engine, p, _, cases = planted
    assert quality.quality_counts(engine, DISTRICT, Q2, as_of, rules).no_contact == SAMPLE_NO_CONTACT + 1
    rows = quality.cases_without_contact(engine, DISTRICT, Q2, as_of, rules)
    assert cases[p["lapsed"]] in set(rows["case_no"])
    assert cases[p["at_cadence"]] not in set(rows["case_no"])
    huafu = quality.cases_without_contact(engine, Scope.street("huafu"), Q2, as_of, rules)
    assert cases[p["lapsed"]] in set(huafu["case_no"]) and set(huafu["street_id"]) == {"huafu"}


def test_payments_to_children_not_on_the_register_in_the_period(planted, as_of, rules):
    engine, p, _, _ = planted
    counts = quality.quality_counts(engine, DISTRICT, Q2, as_of, rules)
    assert counts.unregistered_payments == SAMPLE_UNREGISTERED + 3
    huafu = quality.unregistered_payments(engine, DISTRICT, Filters(Q2.period, street_id="huafu"), as_of)
    assert dict(zip(huafu["payment_no"], huafu["reason"])) == {
        "QP-UNKNOWN": "unknown_child", "QP-NOTREG": "not_registered", "QP-BEFORE": "before_registration"}
    q1 = quality.unregistered_payments(engine, DISTRICT, Filters(Period.parse("2022Q1"), street_id="huafu"), as_of)
    assert list(q1["payment_no"]) == ["QP-Q1"]


def test_places_outside_the_district(planted, as_of, rules):
    engine, *_ = planted
    assert quality.quality_counts(engine, DISTRICT, Q2, as_of, rules).outside_district == 3
    rows = quality.places_outside_district(engine, DISTRICT, Q2)
    assert sorted(zip(rows["kind"], rows["place_id"])) == [
        ("community", "fubao-02"), ("social_org", "2"), ("station", "1")]
    assert list(quality.places_outside_district(engine, FUBAO, Q2)["place_id"]) == ["fubao-02"]


def test_a_street_scope_counts_its_own_problems_only(planted, as_of, rules):
    engine, *_ = planted
    counts = quality.quality_counts(engine, FUBAO, Q2, as_of, rules)
    assert (counts.incomplete, counts.no_holder, counts.outside_district) == (3, 1, 1)
    assert counts.children == 41  # fubao's 40 files and the planted duplicate
    # Asking for another street narrows a street's scope to nothing; it never widens it.
    elsewhere = quality.quality_counts(engine, FUBAO, Filters(Q2.period, street_id="futian"), as_of, rules)
    assert (elsewhere.children, elsewhere.no_holder, elsewhere.outside_district) == (0, 0, 0)


def test_row_lists_stop_at_the_limit(planted, as_of, rules):
    engine, *_ = planted
    assert len(quality.cases_without_contact(engine, DISTRICT, Q2, as_of, rules, limit=3)) == 3


def test_every_registered_check_has_a_count_a_label_and_a_help_text():
    from catalogue.i18n import CATALOGUE

    counted = {field.name for field in dataclasses.fields(quality.QualityCounts)} | {"duplicates"}
    for check in quality.CHECKS:
        assert check in counted, check
        assert f"quality.check.{check}" in CATALOGUE and f"quality.help.{check}" in CATALOGUE, check
    assert quality.find_check("no_contact").rows is quality.cases_without_contact
    with pytest.raises(ValueError, match="unknown data-quality check 'everything'"):
        quality.find_check("everything")
