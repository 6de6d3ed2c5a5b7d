"""`init` on SQLite and PostgreSQL: an empty database takes a district's network, again without change;
a sample or another district's database is refused; bad network files change nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from data_access import dataset, district, schema
from data_access.engine import make_engine
from sample_data import build_database
from tests.files import CUIYU
from tests.harness import BACKENDS, engine_for

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=BACKENDS)
def blank(request, tmp_path_factory) -> Engine:
    engine = engine_for(request.param, tmp_path_factory, "district_test")
    yield engine
    engine.dispose()


def count(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_futian_init_loads_the_network_and_nothing_else(blank):
    report = district.init_database(blank, district.bundled_network("futian"))
    assert report.ok, report.lines("en")
    assert count(blank, schema.streets) == 10 and count(blank, schema.communities) == 92
    for table in (schema.children, schema.cases, schema.subsidy_payments, schema.staff, schema.stations):
        assert count(blank, table) == 0
    stored = district.read_district(blank)
    assert (stored.id, stored.code, stored.name_zh, stored.name_en) == ("futian", "440304", "福田区", "Futian District")
    assert stored.bbox == pytest.approx((113.98559, 22.50223, 114.10006, 22.59025))
    assert not dataset.read_dataset_info(blank).synthetic
    with blank.connect() as conn:
        streets = {r.id: r for r in conn.execute(select(schema.streets))}
        codes = set(conn.execute(select(schema.communities.c.code)).scalars())
    assert streets["huaqiangbei"].name_zh == "华强北" and streets["huaqiangbei"].code == "huaqiangbei"
    assert all(s.geometry and s.geometry_source == "schematic" for s in streets.values())
    assert "huaqiangbei-01" in codes
    assert "440304" in report.lines("zh")[0] and "10" in report.lines("zh")[0]


def test_init_again_changes_nothing(blank):
    district.init_database(blank, district.bundled_network("futian"))
    with blank.connect() as conn:
        before = conn.execute(select(schema.streets).order_by(schema.streets.c.id)).all()
    again = district.init_database(blank, district.bundled_network("futian"))
    assert again.ok
    assert again.results["streets"].unchanged == 10 and again.results["communities"].unchanged == 92
    assert again.results["streets"].inserted == again.results["streets"].updated == 0
    with blank.connect() as conn:
        assert conn.execute(select(schema.streets).order_by(schema.streets.c.id)).all() == before


def test_another_district_loads_from_its_files(blank):
    report = district.init_database(blank, district.read_network(CUIYU))
    assert report.ok, report.lines("en")
    stored = district.read_district(blank)
    assert stored.name_zh == "翠屿区" and stored.code == "990100"
    with blank.connect() as conn:
        streets = dict(conn.execute(select(schema.streets.c.id, schema.streets.c.name_zh)).all())
        communities = dict(conn.execute(select(schema.communities.c.name_zh, schema.communities.c.street_id)).all())
    assert streets == {"dong-an": "东岸", "xiling": "西岭", "nanwan": "南湾"}
    assert communities["石桥"] == "xiling" and communities["沙湾"] == "nanwan"


def test_a_database_of_another_district_is_refused_with_the_reason(blank):
    district.init_database(blank, district.read_network(CUIYU))
    before = dataset.table_counts(blank)
    report = district.init_database(blank, district.bundled_network("futian"))
    assert not report.ok
    assert "翠屿区" in report.lines("zh")[0] and "Cuiyu District" in report.lines("en")[0]
    assert dataset.table_counts(blank) == before
    assert district.read_district(blank).id == "cuiyu"


def test_the_sample_database_is_refused(blank):
    build_database(blank)
    before = dataset.table_counts(blank)
    report = district.init_database(blank, district.bundled_network("futian"))
    assert report.refusal is not None and report.refusal.key == "db.synthetic"
    assert dataset.table_counts(blank) == before


def network_copy(tmp_path: Path) -> Path:
    target = tmp_path / "network"
    shutil.copytree(CUIYU, target)
    return target


def replace_line(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


BAD_NETWORKS = [
    ("unknown parent street", "communities.csv", "沙湾社区,990100003001,Shawan,nanwan", "沙湾社区,990100003001,Shawan,北坡",
     "value.street"),
    ("duplicate street code", "streets.csv", "南湾街道,990100003", "南湾街道,990100002", "key.duplicate"),
    ("duplicate community code", "communities.csv", "石桥社区,990100002002", "石桥社区,990100002001", "key.duplicate"),
    ("street outside the outline", "streets.csv", "25.012,100.530", "25.012,100.630", "value.outside"),
    ("community with lat and lon swapped", "communities.csv", "25.010,100.528", "100.528,25.010", "value.lat"),
]


@pytest.mark.parametrize("name, file, old, new, key", BAD_NETWORKS, ids=[b[0] for b in BAD_NETWORKS])
def test_bad_network_files_say_where_and_change_nothing(blank, tmp_path, name, file, old, new, key):
    directory = network_copy(tmp_path)
    replace_line(directory / file, old, new)
    from data_access import migrate

    migrate.upgrade(blank)
    before = dataset.table_counts(blank)
    report = district.init_database(blank, district.read_network(directory))
    assert not report.ok
    keys = [p.key for r in report.results.values() for p in r.problems]
    assert key in keys
    assert any(file in line for line in report.lines("en"))
    assert dataset.table_counts(blank) == before
    assert district.read_district(blank) is None


@pytest.mark.parametrize("geometry, key", [
    ({"type": "LineString", "coordinates": [[100.5, 25.0], [100.6, 25.1]]}, "outline.not_polygon"),
    ({"type": "Point", "coordinates": [100.5, 25.0]}, "outline.not_polygon"),
    ({"type": "Polygon", "coordinates": [[[100.5, 25.0], [100.6, 25.1], [100.6, 25.0], [100.5, 25.1], [100.5, 25.0]]]},
     "outline.invalid"),
    ({"type": "Polygon", "coordinates": [[[25.0, 200.5], [25.1, 200.6], [25.0, 200.6], [25.0, 200.5]]]},
     "outline.coordinates"),
])
def test_an_outline_that_is_not_a_polygon_is_refused(tmp_path, geometry, key):
    directory = network_copy(tmp_path)
    document = json.loads((directory / "outline.geojson").read_text(encoding="utf-8"))
    document["geometry"] = geometry
    (directory / "outline.geojson").write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(district.NetworkError) as caught:
        district.read_network(directory)
    assert caught.value.key == key
    assert "outline.geojson" in caught.value.text("en")


def test_missing_files_and_properties_are_named(tmp_path):
    directory = network_copy(tmp_path)
    (directory / "communities.csv").unlink()
    with pytest.raises(district.NetworkError, match="network.missing"):
        district.read_network(directory)
    directory = network_copy(tmp_path / "second")
    document = json.loads((directory / "outline.geojson").read_text(encoding="utf-8"))
    del document["properties"]["name_zh"]
    (directory / "outline.geojson").write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(district.NetworkError) as caught:
        district.read_network(directory)
    assert "name_zh" in caught.value.text("zh")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data_access.district", *args], capture_output=True, text=True,
                          cwd=ROOT, env={"PATH": "/usr/bin:/bin", "DASHBOARD_LANG": "en"}, timeout=120)


def test_the_command_line_prints_what_it_loaded_and_refuses_another_district(tmp_path):
    url = f"sqlite:///{tmp_path / 'district.db'}"
    done = cli("init", "--db", url, "--network", str(CUIYU))
    assert done.returncode == 0, done.stderr
    assert "Cuiyu District (990100): 3 streets, 5 communities" in done.stdout
    again = cli("init", "--db", url, "--network", str(CUIYU))
    assert again.returncode == 0 and "3 unchanged" in again.stdout
    other = cli("init", "--db", url, "--district", "futian")
    assert other.returncode == 1
    assert "already holds Cuiyu District" in other.stderr and "not changed" in other.stderr
    bad = cli("init", "--db", url, "--network", str(tmp_path / "nowhere"))
    assert bad.returncode == 2 and "not a directory" in bad.stderr
    assert count(make_engine(url), schema.streets) == 3
