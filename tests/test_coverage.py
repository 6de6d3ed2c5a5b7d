"""Great-circle distances and ring coverage on small hand-made point sets."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from data_access.coverage import EARTH_RADIUS_M, compute_coverage, haversine_m, nearest

# One degree along a meridian (or the equator) on the sphere.
DEGREE_M = EARTH_RADIUS_M * math.pi / 180


def test_haversine_on_known_arcs():
    assert haversine_m(22.5, 114.0, 22.5, 114.0) == 0
    assert haversine_m(0, 0, 1, 0) == pytest.approx(DEGREE_M, rel=1e-12)
    assert haversine_m(0, 0, 0, 1) == pytest.approx(DEGREE_M, rel=1e-12)
    assert haversine_m(0, 0, 90, 0) == pytest.approx(EARTH_RADIUS_M * math.pi / 2)
    assert haversine_m(0, 0, 0, 180) == pytest.approx(EARTH_RADIUS_M * math.pi)
    # Along a parallel a degree of longitude shrinks with cos(latitude), to first order.
    assert haversine_m(22.5, 114.0, 22.5, 114.01) == pytest.approx(DEGREE_M * 0.01 * math.cos(math.radians(22.5)),
                                                                    rel=1e-4)


def test_haversine_is_symmetric_and_broadcasts():
    a = haversine_m(22.5, 114.0, 22.6, 114.1)
    assert a == pytest.approx(haversine_m(22.6, 114.1, 22.5, 114.0))
    grid = haversine_m(np.array([[22.5], [22.6]]), np.array([[114.0], [114.1]]),
                       np.array([[22.5, 22.6]]), np.array([[114.0, 114.1]]))
    assert grid.shape == (2, 2) and grid[0, 0] == grid[1, 1] == 0 and grid[0, 1] == pytest.approx(a)


def station_frame(*points: tuple[int, float, float]) -> pd.DataFrame:
    return pd.DataFrame(points, columns=["id", "lat", "lon"])


def community_frame(*rows: tuple[str, float, float, int, bool]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "lat", "lon", "children", "has_director"])


# Two stations on the equator one degree apart; communities north of them by a known arc.
STATIONS = station_frame((1, 0.0, 0.0), (2, 0.0, 1.0))
KM = 1000 / DEGREE_M  # degrees of latitude in one kilometre
COMMUNITIES = community_frame(
    ("a", 1.0 * KM, 0.0, 4, True),      # 1.0 km from station 1
    ("b", 1.5 * KM, 1.0, 2, True),      # 1.5 km from station 2: on the ring, counts as inside
    ("c", 1.6 * KM, 1.0, 3, False),     # 1.6 km from station 2
    ("d", 5.0 * KM, 0.5, 1, True),      # far from both
    ("e", 0.0, 0.99, 0, False),         # about 1.1 km west of station 2
)


def test_nearest_station_and_distance():
    distance, position = nearest(COMMUNITIES, STATIONS)
    assert distance[:3] == pytest.approx([1000, 1500, 1600], abs=1e-6)
    assert list(position) == [0, 1, 1, 0, 1]


def test_coverage_of_a_hand_made_case():
    coverage = compute_coverage(COMMUNITIES, STATIONS, radius_m=1500)
    frame = coverage.communities.set_index("id")
    assert frame["covered"].to_dict() == {"a": True, "b": True, "c": False, "d": False, "e": True}
    assert frame.loc["e", "nearest_station"] == 2 and frame.loc["a", "nearest_station"] == 1
    assert (coverage.communities_covered, coverage.communities_total) == (3, 5)
    assert coverage.community_share == pytest.approx(0.6)
    assert (coverage.children_covered, coverage.children_total) == (6, 10)
    assert coverage.children_share == pytest.approx(0.6)
    assert list(coverage.outside["id"]) == ["d", "c"]  # farthest first
    assert list(coverage.without_director["id"]) == ["c", "e"]
    assert coverage.reached_by_station() == {1: 1, 2: 2}


def test_a_larger_radius_covers_more():
    assert compute_coverage(COMMUNITIES, STATIONS, radius_m=1600).communities_covered == 4
    assert compute_coverage(COMMUNITIES, STATIONS, radius_m=999).communities_covered == 0


def test_no_stations_means_nothing_is_covered():
    coverage = compute_coverage(COMMUNITIES, STATIONS.iloc[0:0], radius_m=1500)
    assert coverage.communities_covered == 0 and coverage.community_share == 0
    assert np.isinf(coverage.communities["distance_m"]).all()
    assert coverage.communities["nearest_station"].isna().all()


def test_no_communities_gives_no_share():
    coverage = compute_coverage(COMMUNITIES.iloc[0:0], STATIONS, radius_m=1500)
    assert coverage.community_share is None and coverage.children_share is None
    assert coverage.outside.empty and coverage.without_director.empty
