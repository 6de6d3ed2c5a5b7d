"""Checking a file: its headers, every value, the references, the scope, duplicates and each kind's own checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection, String, Table, select

from data_access import config, geo
from data_access.district import District
from data_access.importer.headers import map_header
from data_access.importer.kind import Field, Kind, Row
from data_access.importer.kinds import SPECS
from data_access.importer.lookups import Lookups, in_chunks, load_lookups
from data_access.importer.problems import Bad, FileProblem, Problem
from data_access.importer.reading import read_rows
from data_access.importer.values import PARSERS, norm, parse_choice, parse_int
from data_access.types import Scope


@dataclass
class Validation:
    kind: str
    file_name: str
    header: list[str] = field(default_factory=list)
    columns: dict[int, Field] = field(default_factory=dict)  # position in the file → field
    rows: list[Row] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.file_problems + [p for row in self.rows for p in row.problems]

    @property
    def good_rows(self) -> list[Row]:
        return [] if self.file_problems else [r for r in self.rows if not r.problems]

    @property
    def bad_rows(self) -> list[Row]:
        return [r for r in self.rows if r.problems]

    def preview(self, lang: str, limit: int = 10) -> pd.DataFrame:
        """The first rows as read, headed by the column each file header maps to."""
        names = [self._preview_name(i, h, lang) for i, h in enumerate(self.header)]
        cells = [(r.cells + [""] * len(names))[: len(names)] for r in self.rows[:limit]]
        return pd.DataFrame(cells, columns=names)

    def _preview_name(self, position: int, header: str, lang: str) -> str:
        if position not in self.columns:
            return header
        name = self.columns[position].display(lang)
        return name if norm(name) == norm(header) else f"{name} ← {header}"


def validate(conn: Connection, kind_name: str, data: bytes, file_name: str, today: date | None = None,
             scope: Scope | None = None) -> Validation:
    """Read and check a file; nothing is written."""
    kind = SPECS[kind_name]
    result = Validation(kind_name, file_name)
    try:
        records, sheets = read_rows(data, file_name)
    except FileProblem as exc:
        result.file_problems.append(exc.problem)
        return result
    while records and not any(records[-1]):
        records.pop()
    if not records or not any(records[0]):
        result.file_problems.append(Problem(None, None, "file.empty"))
        return result
    result.header = records[0]
    result.columns, header_problems = map_header(kind, result.header)
    result.file_problems += header_problems
    result.rows = [Row(n, cells) for n, cells in enumerate(records[1:], start=2) if any(cells)]
    if not result.rows:
        result.file_problems.append(Problem(None, None, "file.no_rows"))
    if result.file_problems and len(sheets) > 1:
        result.file_problems.append(Problem(None, None, "file.sheet", {"sheet": sheets[0], "others": "、".join(sheets[1:])}))
    if result.file_problems:
        return result
    today = today or (config.as_of_override() or datetime.now()).date()
    for row in result.rows:
        _parse_row(kind, result, row, today)
    _check_references(conn, kind, result, scope or Scope.district(), today)
    _check_duplicates(kind, result)
    _check_stored_unique(conn, kind, result)
    if kind.finish is not None:
        kind.finish(conn, result.rows)
    return result


def _parse_row(kind: Kind, result: Validation, row: Row, today: date) -> None:
    for position, f in result.columns.items():
        header = result.header[position]
        row.headers[f.column] = header
        value = row.cells[position] if position < len(row.cells) else ""
        if value == "":
            if f.required:
                row.problems.append(Problem(row.number, header, "value.required"))
            else:
                row.values[f.column] = None
            continue
        try:
            row.values[f.column] = _parse_value(kind, f, value, today)
        except Bad as bad:
            row.problems.append(Problem(row.number, header, bad.key, bad.values))


def _parse_value(kind: Kind, f: Field, value: str, today: date) -> object:
    if f.kind == "choice":
        return parse_choice(value, f.choices)
    if f.kind in PARSERS:
        parsed = PARSERS[f.kind](value)
        if f.past and isinstance(parsed, date) and (parsed.date() if isinstance(parsed, datetime) else parsed) > today:
            raise Bad("value.future", value=value, today=today.isoformat())
        return parsed
    column = kind.table.c.get(f.column)
    limit = getattr(column.type, "length", None) if column is not None and isinstance(column.type, String) else None
    if limit and len(value) > limit:
        raise Bad("value.too_long", value=value, limit=limit)
    return value  # text, and references resolved later


def _check_references(conn: Connection, kind: Kind, result: Validation, scope: Scope, today: date) -> None:
    refs = {"child": [], "case": [], "staff": [], "station": []}
    for row in result.rows:
        for f in kind.fields:
            value = row.values.get(f.column)
            if f.kind in refs and value:
                if f.kind in ("staff", "station"):
                    try:
                        row.values[f.column] = value = parse_int(value)
                    except Bad as bad:
                        row.problems.append(Problem(row.number, row.headers[f.column], bad.key, bad.values))
                        row.values[f.column] = None
                        continue
                refs[f.kind].append(value)
    if kind.own_references is not None:
        for reference, values in kind.own_references(result.rows).items():
            refs[reference] += values
    found = load_lookups(conn, refs["child"], refs["case"], refs["staff"], refs["station"])
    found.today = today
    if kind.known_from_file is not None:
        kind.known_from_file(result.rows, found)
    for row in result.rows:
        _resolve_row(kind, row, found)
        _check_scope(row, scope)


def _resolve_row(kind: Kind, row: Row, found: Lookups) -> None:
    values, headers = row.values, row.headers

    def bad(column: str, key: str, **extra) -> None:
        row.problems.append(Problem(row.number, headers.get(column), key, extra))

    child = None
    for f in kind.fields:
        ref = values.get(f.column)
        if not ref:
            continue
        if f.kind == "child":
            child = found.children.get(ref) or found.children.get(ref.upper())
            if child is None:
                bad(f.column, "ref.child", value=ref)
            values[f.column] = child["id"] if child else None
        elif f.kind == "case":
            values[f.column] = found.cases.get(ref)
            if values[f.column] is None:
                bad(f.column, "ref.case", value=ref)
        elif f.kind == "staff" and ref not in found.staff:
            bad(f.column, "ref.staff", value=ref)
        elif f.kind == "station" and ref not in found.stations:
            bad(f.column, "ref.station", value=ref)
    _resolve_place(row, found, child, kind.table)
    _check_inside(row, found.district)
    for check in kind.checks:
        check(row, found, child)


def _check_inside(row: Row, district: District | None) -> None:
    """A place given by latitude and longitude is stored in WGS84 and must lie in the district's outline."""
    lat, lon = row.values.get("lat"), row.values.get("lon")
    if lat is None or lon is None:
        return
    if row.values.get("crs") not in (None, "WGS84"):
        wgs_lon, wgs_lat = geo.convert(lon, lat, row.values["crs"], "WGS84")
        lat = row.values["lat"] = round(float(wgs_lat), 6)
        lon = row.values["lon"] = round(float(wgs_lon), 6)
    if district is None:
        return
    if not district.contains(lat, lon):
        row.problems.append(Problem(row.number, f"{row.headers['lat']} / {row.headers['lon']}", "value.outside",
                                    {"lat": lat, "lon": lon, "district": district.name_zh or district.id}))


def _check_scope(row: Row, scope: Scope) -> None:
    """An importer bound to a street or community may only write rows of it."""
    for column, allowed in (("street_id", scope.streets), ("community_id", scope.communities)):
        value = row.values.get(column)
        if allowed is not None and value and value not in allowed:
            header = row.headers.get(column) or row.headers.get("child_id")
            row.problems.append(Problem(row.number, header, "value.out_of_scope", {"value": value}))


def _resolve_place(row: Row, found: Lookups, child: dict | None, table: Table) -> None:
    """Street and community by id, code or name; a community must lie in the street.

    Not given, they default to the referenced child's.
    """
    values, headers = row.values, row.headers
    street = None
    if values.get("street_id"):
        street = found.streets.get(norm(values["street_id"]))
        if street is None:
            row.problems.append(Problem(row.number, headers["street_id"], "value.street", {"value": values["street_id"]}))
    if values.get("community_id"):
        given = values["community_id"]
        options = found.communities.get(norm(given), [])
        if not options:
            row.problems.append(Problem(row.number, headers["community_id"], "value.community", {"value": given}))
            values["community_id"] = None
        else:
            wanted = street or (child["street_id"] if child and "street_id" not in headers else None)
            match = next((o for o in options if wanted is None or o[1] == wanted), None)
            if match is None:
                if street or "street_id" not in headers:
                    row.problems.append(Problem(row.number, headers["community_id"], "value.community_street", {
                        "value": given, "street": found.street_names.get(wanted, values.get("street_id"))}))
                values["community_id"] = None
            else:
                values["community_id"] = match[0]
                street = street or match[1]
    elif child is not None and "community_id" not in headers and "community_id" in table.c:
        values["community_id"] = child["community_id"]
    if street is None and child is not None and not values.get("street_id"):
        street = child["street_id"]
    if "street_id" in headers or street is not None:
        values["street_id"] = street


def _check_duplicates(kind: Kind, result: Validation) -> None:
    for columns in (*kind.unique, kind.key):
        seen: dict[tuple, int] = {}
        for row in result.rows:
            key = tuple(row.values.get(c) for c in columns)
            if any(v is None for v in key):
                continue
            if key in seen:
                if any(p.key == "key.duplicate" and p.values["other"] == seen[key] for p in row.problems):
                    continue  # a derived column repeats what its source already said
                cells = [row.cells[p] for p, f in result.columns.items() if f.column in columns and p < len(row.cells)]
                shown = " / ".join(cells if len(cells) == len(columns) else map(str, key))
                row.problems.append(Problem(row.number, row.headers.get(columns[0]), "key.duplicate",
                                            {"other": seen[key], "value": shown}))
            else:
                seen[key] = row.number


def _check_stored_unique(conn: Connection, kind: Kind, result: Validation) -> None:
    """A value of a unique column may not already belong to another key in the table."""
    table = kind.table
    for column in kind.unique_stored:
        values = sorted({r.values[column] for r in result.rows if r.values.get(column) is not None}, key=str)
        query = select(table.c[column], *(table.c[k] for k in kind.key))
        owners = {r[column]: tuple(r[k] for k in kind.key) for r in in_chunks(conn, query, table.c[column], values)}
        for row in result.rows:
            owner = owners.get(row.values.get(column))
            if owner is not None and owner != tuple(row.values.get(k) for k in kind.key):
                row.problems.append(Problem(row.number, row.headers.get(column), "key.taken", {
                    "value": row.values[column], "other": " / ".join(map(str, owner))}))
