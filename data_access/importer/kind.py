"""What a kind of file declares: its table, natural key, fields, unique columns and row checks.

Each kind is a module of data_access/importer/kinds that builds one ``Kind``; the checks and fields several
kinds share are here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, Table

from data_access.importer.lookups import Lookups
from data_access.importer.problems import Problem
from data_access.importer.values import Choices, slug_of


@dataclass(frozen=True)
class Field:
    """A column of the target table and the headers that name it; ``headers[0]``/``[1]`` are shown."""

    column: str
    headers: tuple[str, ...]
    # text date datetime month money int count lat lon slug place bool choice id_number
    # and the references street community child case staff station
    kind: str = "text"
    required: bool = False
    choices: Choices | None = None
    past: bool = False  # a date that cannot lie in the future
    en: str | None = None  # the English label, when it differs from EN_LABELS[column]

    def display(self, lang: str) -> str:
        return (self.en or EN_LABELS.get(self.column, self.headers[1])) if lang == "en" else self.headers[0]


# English names of the fields, as the preview and the docs show them.
EN_LABELS = {
    "file_no": "File number", "name": "Name", "id_number": "ID number", "gender": "Sex", "birth_date": "Date of birth",
    "street_id": "Street", "community_id": "Community", "category": "Category", "registered_on": "Registered on",
    "exited_on": "Exited on", "exit_reason": "Exit reason", "guardian_phone": "Guardian's phone", "address": "Address",
    "case_no": "Case number", "child_id": "Child", "risk_level": "Risk level", "stage": "Stage",
    "crisis_type": "Crisis type", "source": "Source", "mandatory_report": "Mandatory report",
    "flag_self_harm": "Self-harm thoughts", "flag_safety_plan": "Safety plan",
    "flag_temp_guardianship": "Temporary guardianship", "assigned_staff_id": "Staff in charge",
    "referral_target": "Referral target", "reported_at": "Reported at", "first_response_at": "First response at",
    "last_contact_at": "Last contact at", "closed_at": "Closed at", "case_id": "Case number", "occurred_at": "Time",
    "kind": "Event", "staff_id": "Staff number", "note": "Note", "payment_no": "Payment number", "month": "Month",
    "amount": "Amount", "paid_on": "Paid on", "id": "Staff number", "role": "Role", "started_on": "Started on",
    "ended_on": "Ended on", "held_on": "Date", "mode": "Mode", "topic": "Topic", "hours": "Hours",
    "session_id": "Session number", "code": "Code", "name_zh": "Name", "name_en": "English name",
    "lat": "Latitude", "lon": "Longitude", "sort_order": "Order", "parent_id": "Parent station", "status": "Status",
    "opened_on": "Opened on", "beds": "Beds", "area_m2": "Area (m²)", "valid_from": "Valid from",
    "valid_to": "Valid until", "monthly_amount": "Monthly standard", "granted_on": "Granted on",
    "recipients": "Recipients", "description_zh": "Description", "description_en": "English description",
}


RowCheck = Callable[["Row", "Lookups", "dict | None"], None]


@dataclass(frozen=True)
class Kind:
    """What a kind of file holds and how its rows are checked beyond their fields."""

    name: str
    table: Table
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    unique: tuple[tuple[str, ...], ...] = ()  # other columns unique in the file
    unique_stored: tuple[str, ...] = ()  # columns unique in the table too: a value may not belong to another key
    checks: tuple[RowCheck, ...] = ()  # run on each row once its references are resolved
    finish: Callable[[Connection, list["Row"]], None] | None = None  # once every row is checked
    after_write: Callable[[Connection], None] | None = None
    # References to look up besides those of the fields, by reference kind (a child's file by its own numbers).
    own_references: Callable[[list["Row"]], dict[str, list]] | None = None
    # Adds what the file's own rows make known (a parent station may come in the same file).
    known_from_file: Callable[[list["Row"], Lookups], None] | None = None
    insert_order: Callable[[list[dict]], list[dict]] | None = None  # the order new rows are inserted in
    # The months whose summaries the rows change (None: every month).
    summary_months: Callable[[Connection, list["Row"]], set[date]] | None = None


@dataclass
class Row:
    """A row of the file: its cells as read, the parsed values and what is wrong with it."""

    number: int  # as a spreadsheet user sees it
    cells: list[str]
    values: dict = field(default_factory=dict)  # column → parsed value
    headers: dict = field(default_factory=dict)  # column → the file's header for it
    problems: list[Problem] = field(default_factory=list)


STREET = Field("street_id", ("街道", "street", "所属街道", "street_id", "街道代码"), "street")
COMMUNITY = Field("community_id", ("社区", "community", "所属社区", "community_id", "社区代码"), "community")
CHILD_REF = Field("child_id", ("儿童", "child", "儿童档案编号", "child_file_no", "儿童身份证号", "child_id_number"),
                  "child", True)
LAT = Field("lat", ("纬度", "lat", "latitude"), "lat", True)
LON = Field("lon", ("经度", "lon", "longitude", "lng"), "lon", True)
CRS = Field("crs", ("坐标系", "crs", "coordinate system"), "crs", en="Coordinate system")
NAME_EN = Field("name_en", ("英文名称", "name_en", "english name"))


# --- checks that several kinds share ---------------------------------------------------------

def has_problem(row: Row, column: str) -> bool:
    return any(p.column == row.headers.get(column) for p in row.problems)


def not_before(row: Row, later: str, earlier: str) -> None:
    if row.values.get(later) and row.values.get(earlier) and row.values[later] < row.values[earlier]:
        row.problems.append(Problem(row.number, row.headers[later], "value.before", {
            "value": row.values[later], "other": row.headers[earlier], "other_value": row.values[earlier]}))


def default(column: str, source: str, transform: Callable[[str], str] = str) -> RowCheck:
    """A check that fills ``column``, when the file leaves it empty, from ``source``."""

    def fill(row: Row, _found: Lookups, _child: dict | None) -> None:
        if not row.values.get(column) and row.values.get(source):
            row.values[column] = transform(row.values[source])

    return fill


def needs_id(alternative: str, label: str) -> RowCheck:
    """A row needs an id; without one it is made from ``alternative``."""

    def check(row: Row, _found: Lookups, _child: dict | None) -> None:
        if not row.values.get("id"):
            made = slug_of(str(row.values.get(alternative) or ""))
            if made:
                row.values["id"] = made
            elif not has_problem(row, alternative):
                column = row.headers.get("id") or row.headers.get(alternative) or label
                row.problems.append(Problem(row.number, column, "value.id_or_name", {"other": label}))

    return check
