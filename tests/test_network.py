"""The coverage map's queries against direct SQL, on SQLite and PostgreSQL; scope narrows, never widens."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import text

from data_access import network, overview
from data_access.coverage import EARTH_RADIUS_M
from data_access.types import Filters, Period, Scope, Span

Q2 = Filters(period=Period.parse("2022Q2"))
DISTRICT = Scope.district()
HUAQIANGBEI = Scope.street("huaqiangbei")


def rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def _moment(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def test_street_figures_match_direct_sql(sample_engine, rules, as_of):
    streets = network.street_figures(sample_engine, DISTRICT, Q2, as_of, rules).set_index("id")
    day = date(2022, 6, 30)
    children = dict(rows(
        sample_engine,
        "SELECT street_id, COUNT(*) FROM children WHERE category IS NOT NULL AND registered_on <= :d "
        "AND (exited_on IS NULL OR exited_on > :d) GROUP BY street_id", d=day,
    ))
    open_cases = dict(rows(
        sample_engine,
        "SELECT street_id, COUNT(*) FROM cases WHERE reported_at <= :t AND (closed_at IS NULL OR closed_at > :t) "
        "GROUP BY street_id", t=as_of,
    ))
    communities = dict(rows(sample_engine, "SELECT street_id, COUNT(*) FROM communities GROUP BY street_id"))
    assert len(streets) == 10
    assert streets["children"].to_dict() == {sid: children.get(sid, 0) for sid in streets.index}
    assert streets["open_cases"].to_dict() == {sid: open_cases.get(sid, 0) for sid in streets.index}
    assert streets["communities"].to_dict() == communities
    assert (streets["communities_with_director"] == streets["communities"]).all()
    assert (streets["director_share"] == 1.0).all()
    assert streets["supervisor"].notna().all()
    figures = overview.case_figures(sample_engine, DISTRICT, Q2, Span.of(Q2.period, as_of), as_of, rules)
    assert streets["overdue_cases"].sum() == figures.overdue
    assert streets["open_cases"].sum() == figures.open_total
    row = streets.loc["huaqiangbei"]
    assert row["cases_per_100"] == pytest.approx(row["open_cases"] / row["children"] * 100)


def test_street_figures_for_one_street_are_that_streets_row(sample_engine, rules, as_of):
    district = network.street_figures(sample_engine, DISTRICT, Q2, as_of, rules).set_index("id")
    for scope, filters in ((HUAQIANGBEI, Q2), (DISTRICT, Filters(period=Q2.period, street_id="huaqiangbei"))):
        one = network.street_figures(sample_engine, scope, filters, as_of, rules)
        assert list(one["id"]) == ["huaqiangbei"]
        columns = ["children", "open_cases", "overdue_cases", "communities", "communities_with_director"]
        assert one.set_index("id").loc["huaqiangbei", columns].to_dict() == district.loc["huaqiangbei", columns].to_dict()


def test_a_filter_cannot_widen_a_street_scope(sample_engine, rules, as_of):
    other = Filters(period=Q2.period, street_id="fubao")
    assert network.street_figures(sample_engine, HUAQIANGBEI, other, as_of, rules).empty
    assert network.community_figures(sample_engine, HUAQIANGBEI, other, as_of, rules).empty
    assert set(network.station_points(sample_engine, HUAQIANGBEI, other, as_of)["street_id"].dropna()) == set()
    assert network.coverage_figures(sample_engine, HUAQIANGBEI, other, as_of, rules, 1500).communities_total == 0


def test_community_figures_match_direct_sql(sample_engine, rules, as_of):
    communities = network.community_figures(sample_engine, DISTRICT, Q2, as_of, rules).set_index("id")
    assert len(communities) == 92
    visits = {cid: _moment(when) for cid, when in rows(
        sample_engine,
        "SELECT k.community_id, MAX(e.occurred_at) FROM case_events e JOIN cases k ON e.case_id = k.id "
        "WHERE e.kind = 'home_visit' AND e.occurred_at <= :t GROUP BY k.community_id", t=as_of,
    )}
    found = {cid: when.to_pydatetime() for cid, when in communities["last_home_visit"].items() if pd.notna(when)}
    assert found == visits
    assert communities["children"].sum() == sum(overview.children_by_category(
        sample_engine, DISTRICT, Q2, date(2022, 6, 30)).values())
    assert communities["open_cases"].sum() == overview.case_figures(sample_engine, DISTRICT, Q2, Span.of(Q2.period, as_of), as_of, rules).open_total
    for cid, row in communities.iterrows():
        assert row["visit_band"] == network.visit_band(
            (as_of - visits[cid]).days if cid in visits else None), cid


def test_last_home_visit_respects_as_of(sample_engine, rules):
    early = datetime(2022, 3, 31, 18)
    communities = network.community_figures(sample_engine, DISTRICT, Filters(period=Period.parse("2022Q1")), early,
                                            rules)
    assert (communities["last_home_visit"].dropna() <= early).all()
    newest = rows(sample_engine, "SELECT MAX(occurred_at) FROM case_events WHERE kind = 'home_visit' "
                                 "AND occurred_at <= :t", t=early)[0][0]
    assert communities["last_home_visit"].max().to_pydatetime() == _moment(newest)


def test_directors_are_those_in_post_at_as_of(sample_engine, rules):
    early = datetime(2018, 6, 30, 18)
    communities = network.community_figures(sample_engine, DISTRICT, Filters(period=Period.parse("2018Q2")), early,
                                            rules).set_index("id")
    in_post = {cid for (cid,) in rows(
        sample_engine,
        "SELECT DISTINCT community_id FROM staff WHERE role = 'director' AND started_on <= :d "
        "AND (ended_on IS NULL OR ended_on > :d)", d=early.date(),
    )}
    assert 0 < len(in_post) < 92
    assert set(communities.index[communities["has_director"]]) == in_post
    coverage = network.coverage_figures(sample_engine, DISTRICT, Filters(period=Period.parse("2018Q2")), early,
                                        rules, 1500)
    assert set(coverage.without_director["id"]) == set(communities.index) - in_post


def test_community_scope_sees_only_its_community(sample_engine, rules, as_of):
    scope = Scope(streets=frozenset({"futian"}), communities=frozenset({"futian-01"}))
    communities = network.community_figures(sample_engine, scope, Q2, as_of, rules)
    assert list(communities["id"]) == ["futian-01"]
    district = network.community_figures(sample_engine, DISTRICT, Q2, as_of, rules).set_index("id")
    assert communities.iloc[0]["open_cases"] == district.loc["futian-01", "open_cases"]


def test_stations_with_their_staff(sample_engine, as_of):
    stations = network.station_points(sample_engine, DISTRICT, Q2, as_of).set_index("id")
    assert len(stations) == 15
    assert (stations["kind"] == "street_station").sum() == 10
    staff = dict(rows(
        sample_engine,
        "SELECT station_id, COUNT(*) FROM staff WHERE station_id IS NOT NULL AND started_on <= :d "
        "AND (ended_on IS NULL OR ended_on > :d) GROUP BY station_id", d=as_of.date(),
    ))
    assert stations["staff"].to_dict() == {sid: staff.get(sid, 0) for sid in stations.index}
    one = network.station_points(sample_engine, HUAQIANGBEI, Q2, as_of)
    assert set(one["street_id"].dropna()) == {"huaqiangbei"}
    assert one["street_id"].isna().sum() == 5  # the district centres, rescue rooms and the planned facility


def test_stations_not_yet_open_are_left_out(sample_engine):
    early = network.station_points(sample_engine, DISTRICT, Q2, datetime(2020, 1, 1))
    assert list(early["kind"]) == ["planned_facility"]
    assert network.ring_stations(sample_engine, DISTRICT, datetime(2020, 1, 1)).empty


def test_ring_stations_follow_the_scope_not_the_street_filter(sample_engine, as_of):
    assert len(network.ring_stations(sample_engine, DISTRICT, as_of)) == 10
    assert list(network.ring_stations(sample_engine, HUAQIANGBEI, as_of)["street_id"]) == ["huaqiangbei"]


def test_coverage_matches_a_recount_in_plain_python(sample_engine, rules, as_of):
    radius = 1500
    stations = rows(sample_engine, "SELECT lat, lon FROM stations WHERE kind = 'street_station' AND status = 'open' "
                                   "AND opened_on <= :d", d=as_of.date())

    def metres(lat1, lon1, lat2, lon2):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))

    inside = {cid for cid, lat, lon in rows(sample_engine, "SELECT id, lat, lon FROM communities")
              if min(metres(lat, lon, s_lat, s_lon) for s_lat, s_lon in stations) <= radius}
    coverage = network.coverage_figures(sample_engine, DISTRICT, Q2, as_of, rules, radius)
    assert set(coverage.communities.loc[coverage.communities["covered"], "id"]) == inside
    assert coverage.communities_covered == len(inside) == 88
    assert coverage.communities_total == 92
    assert len(coverage.outside) == 4


def test_street_coverage_adds_up_to_the_district(sample_engine, rules, as_of):
    district = network.coverage_figures(sample_engine, DISTRICT, Q2, as_of, rules, 1500)
    streets = [network.coverage_figures(sample_engine, DISTRICT, Filters(period=Q2.period, street_id=sid), as_of,
                                        rules, 1500)
               for sid in network.street_figures(sample_engine, DISTRICT, Q2, as_of, rules)["id"]]
    assert sum(s.communities_covered for s in streets) == district.communities_covered
    assert sum(s.children_covered for s in streets) == district.children_covered
    assert sum(s.children_total for s in streets) == district.children_total


@pytest.mark.parametrize("days, band", [(None, "none"), (0, "le_30"), (30, "le_30"), (31, "le_60"), (60, "le_60"),
                                        (61, "le_90"), (90, "le_90"), (91, "gt_90"), (400, "gt_90")])
def test_visit_bands(days, band):
    assert network.visit_band(days) == band
