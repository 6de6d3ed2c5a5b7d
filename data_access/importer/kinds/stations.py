"""Stations: service and rescue centres, rescue rooms, street work stations and planned facilities."""

from __future__ import annotations

from data_access import schema
from data_access.importer.kind import CRS, LAT, LON, NAME_EN, STREET, Field, Kind, Row, default
from data_access.importer.lookups import Lookups
from data_access.importer.problems import Problem
from data_access.importer.values import STATION_KIND, STATION_STATUS


def _check_parent(row: Row, _found: Lookups, _child: dict | None) -> None:
    if row.values.get("parent_id") and row.values.get("parent_id") == row.values.get("id"):
        row.problems.append(Problem(row.number, row.headers["parent_id"], "value.self_parent"))


def _parents_first(rows: list[dict]) -> list[dict]:
    """Rows in an order where a parent inserted with its children comes before them."""
    pending, done, ordered = list(rows), set(), []
    new = {r["id"] for r in rows}
    while pending:
        ready = [r for r in pending if r.get("parent_id") not in new or r.get("parent_id") in done]
        if not ready:  # a cycle: the database will refuse it and say so
            ready = pending
        ordered += ready
        done |= {r["id"] for r in ready}
        pending = [r for r in pending if r not in ready]
    return ordered


def _stations_in_file(rows: list[Row], found: Lookups) -> None:
    found.stations |= {r.values["id"] for r in rows if r.values.get("id")}


KIND = Kind("stations", schema.stations, ("id",), (
    Field("id", ("站点编号", "id", "编号", "station_id"), "int", True, en="Station number"),
    Field("kind", ("站点类型", "kind", "类型", "type"), "choice", True, STATION_KIND, en="Type"),
    Field("name_zh", ("名称", "name_zh", "站点名称", "name"), required=True),
    NAME_EN,
    STREET,
    Field("parent_id", ("上级站点编号", "parent_id", "上级站点", "parent"), "station"),
    Field("status", ("状态", "status"), "choice", True, STATION_STATUS),
    Field("opened_on", ("启用日期", "opened_on", "opened"), "date"),
    Field("beds", ("床位", "beds", "床位数"), "count"),
    Field("area_m2", ("面积", "area_m2", "面积（平方米）", "area"), "count"),
    LAT,
    LON,
    CRS,
), checks=(default("name_en", "name_zh"), _check_parent), known_from_file=_stations_in_file,
    insert_order=_parents_first)
