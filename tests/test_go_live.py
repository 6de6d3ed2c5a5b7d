"""The go-live drill on SQLite and PostgreSQL, for Futian and for a made-up second district: an empty
database, `init`, the first admin, every kind imported from GBK CSV and .xlsx files with Chinese headers
(one children file without file numbers), the dashboard's figures equal to direct SQL on the imported
rows, and everything imported again changing nothing. Then the people-keyed children file, and the
sample database that refuses real rows."""

from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, select, text

from data_access import audit, dataset, district, importer, schema, users
from data_access.cases import CaseFilters, case_queue
from data_access.coverage import haversine_m
from data_access.engine import make_engine
from data_access.network import coverage_figures
from data_access.overview import key_figures
from data_access.subsidies import quarter_table
from data_access.types import Filters, Period, Scope
from sample_data import build_database
from tests.files import CUIYU, NATIONAL, TODAY, drill_files, fake_id, gbk_csv, import_all, xlsx_bytes
from tests.harness import BACKENDS, engine_for

AS_OF = datetime(2022, 6, 30, 18, 0)
NETWORKS = {"futian": lambda: district.bundled_network("futian"), "cuiyu": lambda: district.read_network(CUIYU)}


def scalar(engine: Engine, sql: str, **params) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def checksums(engine: Engine) -> dict[str, int]:
    counts = dataset.table_counts(engine)
    del counts["audit_log"]
    with engine.connect() as conn:
        for table in ("children", "cases", "subsidy_payments", "stations", "streets"):
            counts[f"{table}:rows"] = hash(tuple(conn.execute(select(schema.metadata.tables[table])
                                                              .order_by(schema.metadata.tables[table].c.id)).all()))
    return counts


@pytest.fixture(params=[(b, d) for b in BACKENDS for d in NETWORKS], ids=lambda p: f"{p[0]}-{p[1]}")
def drill(request, tmp_path_factory):
    backend, name = request.param
    engine = engine_for(backend, tmp_path_factory, f"drill_{name}")
    yield engine, name
    engine.dispose()


def test_the_go_live_drill(drill, rules):
    engine, name = drill
    started = time.perf_counter()
    report = district.init_database(engine, NETWORKS[name]())
    assert report.ok, report.lines("en")
    users.add_user(engine, "admin", "admin", "a long enough password")
    files = drill_files(engine)
    first = import_all(engine, files)
    assert all(r.inserted == f.rows for r, f in zip(first, files))
    elapsed = time.perf_counter() - started

    scope, filters = Scope.district(), Filters(period=Period("quarter", 2022, 2))
    day = "2022-06-30"
    figures = key_figures(engine, scope, filters, AS_OF, rules)
    net = figures.network
    assert net.streets == scalar(engine, "SELECT COUNT(*) FROM streets")
    assert net.communities == scalar(engine, "SELECT COUNT(*) FROM communities")
    assert net.street_stations == scalar(engine, "SELECT COUNT(*) FROM stations WHERE kind = 'street_station' "
                                                 "AND status = 'open' AND opened_on <= :d", d=day) < net.streets
    assert net.supervisors == scalar(engine, "SELECT COUNT(*) FROM staff WHERE role = 'supervisor'") == net.streets
    assert net.directors == scalar(engine, "SELECT COUNT(*) FROM staff WHERE role = 'director'")
    assert net.rescue_rooms == 1 and net.planned_beds == 30
    assert sum(net.organisations.values()) == scalar(engine, "SELECT COUNT(*) FROM social_orgs") == 6
    with engine.connect() as conn:
        register = dict(conn.execute(text(
            "SELECT category, COUNT(*) FROM children WHERE category IS NOT NULL AND registered_on <= :d "
            "AND (exited_on IS NULL OR exited_on > :d) GROUP BY category"), {"d": day}).all())
        open_by_risk = dict(conn.execute(text(
            "SELECT risk_level, COUNT(*) FROM cases WHERE reported_at <= :t AND (closed_at IS NULL OR closed_at > :t) "
            "GROUP BY risk_level"), {"t": AS_OF}).all())
        paid = conn.execute(text(
            "SELECT COUNT(*), COUNT(DISTINCT child_id), SUM(amount) FROM subsidy_payments "
            "WHERE month >= :a AND month < :b"), {"a": date(2022, 4, 1), "b": date(2022, 7, 1)}).one()
        places = conn.execute(text("SELECT lat, lon FROM communities")).all()
        rings = conn.execute(text("SELECT lat, lon FROM stations WHERE kind = 'street_station' AND status = 'open' "
                                  "AND opened_on <= :d"), {"d": day}).all()
    current = figures.current
    assert {k: v for k, v in current.children_by_category.items() if v} == register
    assert sum(register.values()) == 12
    assert {k: v for k, v in current.cases.open_by_risk.items() if v} == open_by_risk
    assert current.cases.reported_in_period == 5
    assert (current.subsidies.person_times, current.subsidies.children) == (paid[0], paid[1]) == (18, 6)
    assert current.subsidies.amount == Decimal(str(paid[2])).quantize(Decimal("0.01"))

    with engine.connect() as conn:
        K = schema.cases
        raw = conn.execute(select(K.c.risk_level, K.c.reported_at, K.c.first_response_at, K.c.last_contact_at,
                                  K.c.closed_at)).all()
        trained = conn.execute(text("SELECT COUNT(DISTINCT a.staff_id) FROM training_attendance a JOIN "
                                    "training_sessions s ON s.id = a.session_id WHERE s.held_on BETWEEN :a AND :b"),
                               {"a": date(2022, 1, 1), "b": date(2022, 6, 30)}).scalar()
    late = 0
    for risk, reported, responded, contacted, closed in raw:
        if reported > AS_OF or (closed is not None and closed <= AS_OF):
            continue
        rule = rules.risk(risk)
        waiting = responded is None or responded > AS_OF
        late += (reported + rule.first_response < AS_OF) if waiting else \
            ((contacted or responded) + rule.follow_up < AS_OF)
    assert current.cases.overdue == late > 0
    hours = sorted((r[2] - r[1]).total_seconds() / 3600 for r in raw if r[2] is not None)
    assert current.cases.median_response_hours == pytest.approx(float(np.median(hours)))
    assert sum(current.training.trained.values()) == trained > 0

    queue = case_queue(engine, scope, filters, CaseFilters(), AS_OF, rules)
    assert queue.total == sum(open_by_risk.values()) == 4
    quarters = quarter_table(engine, scope, filters, date(2022, 1, 1), date(2022, 6, 30)).set_index("quarter")
    assert quarters.loc["2022Q2", "person_times"] == paid[0]
    assert quarters.loc["2022Q2", "amount"] == pytest.approx(float(paid[2]))
    assert quarters.loc["2022Q1", "person_times"] == 0

    coverage = coverage_figures(engine, scope, filters, AS_OF, rules, 1500.0)
    distances = np.array([min(haversine_m(p.lat, p.lon, r.lat, r.lon) for r in rings) for p in places])
    assert coverage.communities_total == len(places)
    assert coverage.communities_covered == int((distances <= 1500.0).sum())

    before = checksums(engine)
    again = import_all(engine, files)
    assert [(r.inserted, r.updated) for r in again] == [(0, 0)] * len(files)
    assert [r.unchanged for r in again] == [f.rows for f in files]
    assert checksums(engine) == before
    assert district.init_database(engine, NETWORKS[name]()).ok
    assert checksums(engine) == before
    assert elapsed < 60, f"the drill took {elapsed:.1f} s"
    print(f"drill {name} on {engine.dialect.name}: init and imports in {elapsed:.2f} s")


# --- children keyed by the person -----------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def futian(request, tmp_path_factory) -> Engine:
    engine = engine_for(request.param, tmp_path_factory, "go_live_futian")
    assert district.init_database(engine, district.bundled_network("futian")).ok
    yield engine
    engine.dispose()


def test_the_empty_tables_are_those_that_count_no_row(futian):
    counts = dataset.table_counts(futian)
    assert 0 < sum(1 for c in counts.values() if c == 0) < len(counts)
    assert set(dataset.empty_tables(futian, tuple(counts))) == {name for name, c in counts.items() if c == 0}
    assert dataset.empty_tables(futian, ("children", "streets", "cases")) == ("children", "cases")


def children_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT file_no, id_number, street_id, community_id, category, registered_on "
                                 "FROM children ORDER BY file_no")).all()


def test_a_national_export_without_file_numbers_gets_stable_generated_ones(futian):
    first, second = fake_id("2012-03-04", "011"), fake_id("2013-05-06", "012")
    export = gbk_csv([NATIONAL, ["甲", first, "男", "2012-03-04", "华强北街道", "福强社区", "孤儿"],
                      ["乙", second, "女", "2013-05-06", "Huaqiangbei", "huaqiangbei-02", "事实无人抚养儿童"]])
    done = importer.run_import(futian, "children", export, "导出.csv", today=TODAY)
    assert done.written and not done.problems and done.inserted == 2
    rows = children_rows(futian)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("ZD00000001", first, "huaqiangbei", "huaqiangbei-01"), ("ZD00000002", second, "huaqiangbei", "huaqiangbei-02")]
    assert {str(r[5]) for r in rows} == {"2022-06-30"}

    # Later, another order and one more child: the same people keep their numbers, the new one gets the next.
    third = fake_id("2014-07-08", "013")
    later = gbk_csv([NATIONAL, ["丙", third, "男", "2014-07-08", "福田", "岗厦", "其他困境儿童"],
                     ["乙", second, "女", "2013-05-06", "华强北", "通新岭", "事实无人抚养儿童"],
                     ["甲", first, "男", "2012-03-04", "华强北街道", "福强社区", "孤儿"]])
    done = importer.run_import(futian, "children", later, "导出2.csv", today=date(2022, 7, 31))
    assert (done.inserted, done.updated, done.unchanged) == (1, 1, 1)
    numbers = {r[1]: r[0] for r in children_rows(futian)}
    assert numbers == {first: "ZD00000001", second: "ZD00000002", third: "ZD00000003"}
    assert next(r for r in children_rows(futian) if r[1] == second)[3] == "huaqiangbei-03"
    assert str(next(r for r in children_rows(futian) if r[1] == second)[5]) == "2022-06-30"  # registered stays


def test_the_national_systems_category_words_are_understood_and_a_wrong_one_lists_the_choices(futian):
    export = gbk_csv([NATIONAL, ["甲", fake_id("2012-03-04", "061"), "男", "2012-03-04", "莲花街道", "景华社区", "困境儿童"],
                      ["乙", fake_id("2013-05-06", "062"), "女", "2013-05-06", "莲花街道", "景华社区", "低保"]])
    done = importer.run_import(futian, "children", export, "导出.csv", today=TODAY)
    assert not done.written and children_rows(futian) == []
    [problem] = done.problems
    assert (problem.row, problem.key) == (3, "value.choice")
    assert "孤儿（orphan）、事实无人抚养儿童（de_facto_unsupported）、其他困境儿童（other_difficulty）" in problem.values["allowed"]
    fixed = export.replace("低保".encode("gbk"), "其他困境儿童".encode("gbk"))
    assert importer.run_import(futian, "children", fixed, "导出.csv", today=TODAY).inserted == 2
    with futian.connect() as conn:
        assert set(conn.execute(text("SELECT category FROM children")).scalars()) == {"other_difficulty"}


def test_a_file_number_that_moves_to_another_person_is_refused(futian):
    header = ["档案编号", "姓名", "身份证号", "性别", "街道", "儿童类别", "登记日期"]
    one, other = fake_id("2012-03-04", "021"), fake_id("2011-01-02", "022")
    assert importer.run_import(futian, "children", gbk_csv([header, ["A001", "甲", one, "男", "福田", "孤儿", "2022-01-01"]]),
                               "a.csv", today=TODAY).written
    before = children_rows(futian)
    moved = importer.run_import(futian, "children", gbk_csv([header, ["A001", "丁", other, "女", "福田", "孤儿",
                                                                       "2022-01-01"]]), "b.csv", today=TODAY)
    assert not moved.written
    problem = moved.problems[0]
    assert (problem.row, problem.column, problem.key) == (2, "档案编号", "id.file_moves")
    assert one not in problem.reason("zh") and "9903**********" in problem.reason("zh")
    assert children_rows(futian) == before


@pytest.mark.parametrize("kind, rows, column, key", [
    ("streets", [["街道", "区划代码", "英文名称", "纬度", "经度"], ["新街", "huaqiangbei", "Xinjie", "22.55", "114.05"]],
     "区划代码", "key.taken"),
    ("communities", [["社区", "街道", "纬度", "经度"], ["新社区", "福田", "22.55", "114.05"]], "区划代码 / code", "value.id_or_name"),
    ("communities", [["社区", "编号", "街道", "纬度", "经度"], ["新社区", "x-1", "福田", "22.55", "114.50"]],
     "纬度 / 经度", "value.outside"),
    ("stations", [["站点编号", "站点类型", "名称", "状态", "上级站点编号", "纬度", "经度"],
                  ["7", "救助保护室", "室", "运行中", "99", "22.55", "114.05"]], "上级站点编号", "ref.station"),
    ("social_orgs", [["组织编号", "名称", "组织类别", "登记日期", "纬度", "经度"],
                     ["1", "某组织", "体育类", "2020-01-01", "22.55", "114.05"]], "组织类别", "value.choice"),
    ("subsidy_standards", [["儿童类别", "起始日期", "截止日期", "月标准"], ["孤儿", "2022-01-01", "2021-01-01", "2454"]],
     "截止日期", "value.after"),
    ("subsidy_standards", [["儿童类别", "起始日期", "月标准"], ["孤儿", "2022-01-01", "0"]], "月标准", "value.positive"),
    ("grants", [["补助类型", "发放日期", "金额", "受助人数", "说明"], ["春节", "2022-01-20", "100", "-1", "x"]],
     "受助人数", "value.count"),
    ("training_sessions", [["培训编号", "培训日期", "培训形式", "培训主题", "学时"], ["1", "2022-03-01", "面授", "x", "2"]],
     "培训形式", "value.choice"),
    ("training_sessions", [["培训编号", "培训日期", "培训形式", "培训主题", "学时"], ["1", "2022-03-01", "直播", "x", "0"]],
     "学时", "value.hours"),
    ("training_sessions", [["培训编号", "培训日期", "培训形式", "培训主题", "学时"], ["1", "2022-03-01", "直播", "x", "1.25"]],
     "学时", "value.hours"),
    ("training_sessions", [["培训编号", "培训日期", "培训形式", "培训主题"], ["1", "2099-03-01", "直播", "x"]],
     "培训日期", "value.future"),
    ("training", [["培训编号", "工作人员编号"], ["99", "1"]], "培训编号", "ref.session"),
    ("training", [["培训编号", "工作人员编号"], ["1", "abc"]], "工作人员编号", "value.integer"),
])
def test_bad_rows_of_the_new_kinds_say_where_and_change_nothing(futian, kind, rows, column, key):
    before = dataset.table_counts(futian)
    done = importer.run_import(futian, kind, gbk_csv(rows), f"{kind}.csv", today=TODAY)
    assert not done.written
    assert (2, column, key) in [(p.row, p.column, p.key) for p in done.problems], done.report("en")
    after = dataset.table_counts(futian)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}


def test_the_new_kinds_take_english_headers_dry_runs_and_skip_bad_rows(futian, tmp_path):
    rows = [["id", "kind", "name_zh", "status", "street", "lat", "lon"],
            ["1", "street_station", "Station A", "open", "futian", "22.53", "114.06"],
            ["2", "street_station", "Station B", "open", "atlantis", "22.53", "114.06"]]
    dry = importer.run_import(futian, "stations", xlsx_bytes(rows), "stations.xlsx", today=TODAY, dry_run=True,
                              mode="skip-bad")
    assert dry.inserted == 1 and dry.rejected == 1 and not dry.written
    assert scalar(futian, "SELECT COUNT(*) FROM stations") == 0
    done = importer.run_import(futian, "stations", xlsx_bytes(rows), "stations.xlsx", today=TODAY, mode="skip-bad",
                               username="admin")
    assert done.written and done.inserted == 1
    assert "atlantis" in done.rejects("en").iloc[0].to_string()
    assert scalar(futian, "SELECT name_en FROM stations WHERE id = 1") == "Station A"
    entry = audit.search(futian, action="import").iloc[0]
    assert entry["target"] == "stations.xlsx" and '"kind": "stations"' in entry["detail"]


# --- real data never served as a demo -------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def sample(request, tmp_path_factory) -> Engine:
    engine = engine_for(request.param, tmp_path_factory, "go_live_sample")
    build_database(engine)
    users.add_user(engine, "admin", "admin", "a long enough password")
    yield engine
    engine.dispose()


def test_real_rows_into_the_sample_are_refused_until_it_is_replaced(sample):
    export = gbk_csv([NATIONAL, ["甲", fake_id("2012-03-04", "031"), "男", "2012-03-04", "华强北街道", "福强社区", "孤儿"]])
    before = dataset.table_counts(sample)
    refused = importer.run_import(sample, "children", export, "导出.csv", today=TODAY)
    assert not refused.written and refused.problems[0].key == "db.synthetic"
    assert "district init" in refused.report("zh")[0] and "--replace-sample" in refused.report("en")[0]
    assert dataset.table_counts(sample) == before
    assert dataset.read_dataset_info(sample).synthetic

    dry = importer.run_import(sample, "children", export, "导出.csv", today=TODAY, replace_sample=True, dry_run=True)
    assert dry.inserted == 1 and not dry.written
    assert dataset.table_counts(sample) == before

    done = importer.run_import(sample, "children", export, "导出.csv", today=TODAY, replace_sample=True)
    assert done.written and done.inserted == 1
    info = dataset.read_dataset_info(sample)
    assert not info.synthetic and info.accounts == 1
    counts = dataset.table_counts(sample)
    assert counts["children"] == 1 and counts["cases"] == counts["subsidy_payments"] == counts["staff"] == 0
    assert counts["streets"] == 10 and counts["communities"] == 92 and counts["users"] == 1
    assert district.read_district(sample).code == "440304"
    assert scalar(sample, "SELECT code FROM streets WHERE id = 'huaqiangbei'") == "huaqiangbei"
    with pytest.raises(Exception, match="real data"):
        build_database(sample, replace=True)
    again = importer.run_import(sample, "children", export, "导出.csv", today=TODAY)
    assert again.written and again.unchanged == 1


def test_a_street_added_later_redraws_the_schematic_cells(tmp_path_factory):
    engine = engine_for("sqlite", tmp_path_factory, "go_live_new_street")
    assert district.init_database(engine, district.read_network(CUIYU)).ok
    with engine.connect() as conn:
        before = dict(conn.execute(text("SELECT id, geometry FROM streets")).all())
    added = importer.run_import(engine, "streets", gbk_csv([
        ["街道", "区划代码", "英文名称", "纬度", "经度"], ["北港街道", "990100004", "Beigang", "25.050", "100.530"]]),
        "streets.csv", today=TODAY)
    assert added.written and added.inserted == 1
    with engine.connect() as conn:
        after = dict(conn.execute(text("SELECT id, geometry FROM streets")).all())
        order = conn.execute(text("SELECT sort_order FROM streets WHERE id = 'beigang'")).scalar()
    assert set(after) == set(before) | {"beigang"} and after["beigang"]
    assert after["dong-an"] != before["dong-an"]  # the neighbour's cell gave way
    assert order == 4  # after the streets there
    community = importer.run_import(engine, "communities", xlsx_bytes([
        ["社区", "区划代码", "街道", "纬度", "经度"], ["渔港社区", "990100004001", "北港街道", "25.052", "100.531"]]),
        "communities.xlsx", today=TODAY)
    assert community.written
    assert scalar(engine, "SELECT street_id FROM communities WHERE name_zh = '渔港'") == "beigang"


def test_the_command_line_refuses_the_sample_and_replaces_it_when_asked(sample_copy_url, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "导出.csv"
    path.write_bytes(gbk_csv([NATIONAL, ["甲", fake_id("2012-03-04", "051"), "男", "2012-03-04", "福田街道", "岗厦社区",
                                         "孤儿"]]))
    root = Path(__file__).resolve().parent.parent

    def cli(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "data_access.importer", "children", str(path), "--db",
                               sample_copy_url, *extra], capture_output=True, text=True, cwd=root, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "DASHBOARD_LANG": "en", "DASHBOARD_AS_OF": "2022-06-30"})

    refused = cli()
    assert refused.returncode == 1 and "synthetic sample" in refused.stdout and "--replace-sample" in refused.stdout
    assert dataset.read_dataset_info(make_engine(sample_copy_url)).synthetic
    replaced = cli("--replace-sample")
    assert replaced.returncode == 0, replaced.stdout + replaced.stderr
    assert "1 inserted" in replaced.stdout
    info = dataset.read_dataset_info(make_engine(sample_copy_url))
    assert not info.synthetic
    assert dataset.table_counts(make_engine(sample_copy_url))["children"] == 1


def test_coordinates_copied_from_a_chinese_web_map_are_stored_in_wgs84(futian):
    rows = [["组织编号", "名称", "组织类别", "登记日期", "纬度", "经度", "坐标系"],
            ["1", "某组织", "心理咨询", "2020-01-01", "22.5460", "114.0560", "GCJ-02"],
            ["2", "另一组织", "社会团体", "2020-01-01", "22.5460", "114.0560", "火星"]]
    refused = importer.run_import(futian, "social_orgs", gbk_csv(rows), "orgs.csv", today=TODAY)
    assert [(p.row, p.column, p.key) for p in refused.problems] == [(3, "坐标系", "value.crs")]
    done = importer.run_import(futian, "social_orgs", gbk_csv(rows[:2]), "orgs.csv", today=TODAY)
    assert done.written
    with futian.connect() as conn:
        lat, lon = conn.execute(text("SELECT lat, lon FROM social_orgs WHERE id = 1")).one()
    assert lat == pytest.approx(22.5460 + 0.0027, abs=0.0004) and lon == pytest.approx(114.0560 - 0.0051, abs=0.0004)
    again = importer.run_import(futian, "social_orgs", gbk_csv(rows[:2]), "orgs.csv", today=TODAY)
    assert again.unchanged == 1
