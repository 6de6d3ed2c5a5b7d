"""Reference data an import checks its rows against, read once per import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, func, select

from data_access import schema
from data_access.district import District, read_district
from data_access.importer.values import norm


@dataclass
class Lookups:
    """Streets, communities and the referenced children, cases and staff, read once per import."""

    streets: dict[str, str]  # alias → street id
    street_names: dict[str, str]  # street id → name_zh
    communities: dict[str, list[tuple[str, str]]]  # alias → [(community id, street id)]
    children: dict[str, dict] = field(default_factory=dict)  # file_no or id_number → row
    cases: dict[str, int] = field(default_factory=dict)  # case_no → id
    staff: set[int] = field(default_factory=set)
    stations: set[int] = field(default_factory=set)  # in the database or in the file
    district: District | None = None
    today: date = field(default_factory=date.today)
    last_street_order: int = 0


def in_chunks(conn: Connection, query, column, values: list, size: int = 500) -> list:
    out = []
    for start in range(0, len(values), size):
        out += conn.execute(query.where(column.in_(values[start:start + size]))).mappings().all()
    return out


def load_lookups(conn: Connection, child_refs: list[str], case_nos: list[str], staff_ids: list[int],
                 station_ids: list[int] = ()) -> Lookups:
    S, C = schema.streets, schema.communities
    streets, names = {}, {}
    for row in conn.execute(select(S.c.id, S.c.code, S.c.name_zh, S.c.name_en)).mappings():
        names[row["id"]] = row["name_zh"]
        for alias in (row["id"], row["code"], row["name_zh"], row["name_zh"] + "街道", row["name_en"]):
            streets[norm(alias)] = row["id"]
    communities: dict[str, list[tuple[str, str]]] = {}
    for row in conn.execute(select(C.c.id, C.c.street_id, C.c.code, C.c.name_zh, C.c.name_en)).mappings():
        for alias in {norm(a) for a in (row["id"], row["code"], row["name_zh"], row["name_zh"] + "社区", row["name_en"])}:
            communities.setdefault(alias, []).append((row["id"], row["street_id"]))
    found = Lookups(streets, names, communities, district=read_district(conn),
                    last_street_order=conn.execute(select(func.max(S.c.sort_order))).scalar() or 0)
    K = schema.children
    query = select(K.c.id, K.c.file_no, K.c.id_number, K.c.street_id, K.c.community_id, K.c.category)
    refs = sorted(set(child_refs))
    for row in in_chunks(conn, query, K.c.file_no, refs) + in_chunks(conn, query, K.c.id_number, refs):
        found.children[row["file_no"]] = found.children[row["id_number"]] = dict(row)
    for row in in_chunks(conn, select(schema.cases.c.id, schema.cases.c.case_no), schema.cases.c.case_no,
                          sorted(set(case_nos))):
        found.cases[row["case_no"]] = row["id"]
    for row in in_chunks(conn, select(schema.staff.c.id), schema.staff.c.id, sorted(set(staff_ids))):
        found.staff.add(row["id"])
    for row in in_chunks(conn, select(schema.stations.c.id), schema.stations.c.id, sorted(set(station_ids))):
        found.stations.add(row["id"])
    return found
