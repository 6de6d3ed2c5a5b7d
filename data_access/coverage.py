"""Which communities lie within reach of a station: great-circle distances on small point sets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


def haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Distance in metres on a sphere; arguments broadcast like numpy arrays."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(d_phi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def nearest(points: pd.DataFrame, centres: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each point (lat, lon columns), the distance to the nearest centre and that centre's row position.

    With no centres every distance is infinite and every position -1.
    """
    if centres.empty or points.empty:
        return np.full(len(points), np.inf), np.full(len(points), -1)
    distances = haversine_m(
        points["lat"].to_numpy()[:, None], points["lon"].to_numpy()[:, None],
        centres["lat"].to_numpy()[None, :], centres["lon"].to_numpy()[None, :],
    )
    return distances.min(axis=1), distances.argmin(axis=1)


@dataclass(frozen=True)
class Coverage:
    """Coverage of communities by station rings.

    ``communities`` has one row per community with ``distance_m`` to the nearest station,
    ``nearest_station`` (its id, or None), ``covered`` and ``has_director``.
    """

    radius_m: float
    communities: pd.DataFrame

    @property
    def communities_total(self) -> int:
        return len(self.communities)

    @property
    def communities_covered(self) -> int:
        return int(self.communities["covered"].sum())

    @property
    def children_total(self) -> int:
        return int(self.communities["children"].sum())

    @property
    def children_covered(self) -> int:
        return int(self.communities.loc[self.communities["covered"], "children"].sum())

    @property
    def community_share(self) -> float | None:
        return self.communities_covered / self.communities_total if self.communities_total else None

    @property
    def children_share(self) -> float | None:
        return self.children_covered / self.children_total if self.children_total else None

    @property
    def outside(self) -> pd.DataFrame:
        """Communities outside every ring, farthest first."""
        return self.communities[~self.communities["covered"]].sort_values("distance_m", ascending=False)

    @property
    def without_director(self) -> pd.DataFrame:
        return self.communities[~self.communities["has_director"]]

    def reached_by_station(self) -> dict:
        """Station id -> how many covered communities have it as their nearest station."""
        covered = self.communities[self.communities["covered"]]
        return {station: int(n) for station, n in covered.groupby("nearest_station").size().items()}


def compute_coverage(communities: pd.DataFrame, stations: pd.DataFrame, radius_m: float) -> Coverage:
    """``communities``: id, lat, lon, children, has_director (and any other columns, kept);
    ``stations``: id, lat, lon of the stations whose rings count.
    """
    distance, position = nearest(communities, stations)
    station_ids = stations["id"].to_numpy() if not stations.empty else np.array([])
    frame = communities.copy()
    frame["distance_m"] = distance
    frame["nearest_station"] = [station_ids[p] if p >= 0 else None for p in position]
    frame["covered"] = distance <= radius_m
    frame["has_director"] = frame["has_director"].astype(bool)
    frame["children"] = frame["children"].fillna(0).astype(int)
    return Coverage(radius_m=radius_m, communities=frame.reset_index(drop=True))
