"""Children's files: one per child, found by file number or ID number."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, select

from data_access import idcard, masking, schema
from data_access.importer.kind import COMMUNITY, STREET, Field, Kind, Row, not_before
from data_access.importer.lookups import Lookups
from data_access.importer.problems import Problem
from data_access.importer.values import CATEGORY, EXIT_REASON, GENDER

# Prefix of the file numbers given to children imported without one (by ID number).
GENERATED_FILE_PREFIX = "ZD"


def _check_child(row: Row, found: Lookups, _child: dict | None) -> None:
    """The ID number is the person: it finds the file when the file number is not given, and a
    file number may not pass to another ID number."""
    values, headers = row.values, row.headers
    number = values.get("id_number")
    if not number:
        return
    from_id = idcard.birth_date(number)
    if values.get("birth_date") is None:
        values["birth_date"] = from_id
    elif values["birth_date"] != from_id:
        row.problems.append(Problem(row.number, headers["birth_date"], "id.birth_mismatch", {
            "birth": values["birth_date"].isoformat(), "id_birth": from_id.isoformat()}))
    owner = found.children.get(number)
    file_no = values.get("file_no")
    holder = found.children.get(file_no) if file_no else None
    if holder is not None and holder["file_no"] == file_no and holder["id_number"] != number:
        row.problems.append(Problem(row.number, headers["file_no"], "id.file_moves", {
            "file_no": file_no, "owner": masking.mask_id_number(holder["id_number"])}))
    elif owner and file_no and owner["file_no"] != file_no:
        row.problems.append(Problem(row.number, headers["id_number"], "id.taken", {"file_no": owner["file_no"]}))
    elif owner and not file_no:
        values["file_no"] = owner["file_no"]
    if owner is None and "registered_on" not in headers and values.get("category"):
        values["registered_on"] = found.today
    not_before(row, "exited_on", "registered_on")


def _own_numbers(rows: list[Row]) -> dict[str, list]:
    """A file is found by its ID number or its file number, as a reference to a child is."""
    return {"child": [r.values.get(c) for r in rows for c in ("id_number", "file_no") if r.values.get(c)]}


def _number_new_children(conn: Connection, rows: list[Row]) -> None:
    """Give the good rows without a file number the next free generated ones, in file order."""
    waiting = [r for r in rows if not r.problems and not r.values.get("file_no")]
    if not waiting:
        return
    K = schema.children
    taken = conn.execute(select(K.c.file_no).where(K.c.file_no.like(f"{GENERATED_FILE_PREFIX}%"))).scalars()
    last = max((int(n[len(GENERATED_FILE_PREFIX):]) for n in taken if n[len(GENERATED_FILE_PREFIX):].isdigit()),
               default=0)
    for number, row in enumerate(waiting, start=last + 1):
        row.values["file_no"] = f"{GENERATED_FILE_PREFIX}{number:08d}"


KIND = Kind("children", schema.children, ("file_no",), (
    Field("file_no", ("档案编号", "file_no", "档案号", "file number")),
    Field("name", ("姓名", "name"), required=True),
    Field("id_number", ("身份证号", "id_number", "身份证号码", "公民身份号码", "ID number"), "id_number", True),
    Field("gender", ("性别", "gender", "sex"), "choice", True, GENDER),
    Field("birth_date", ("出生日期", "birth_date", "date of birth", "birth date"), "date", past=True),
    replace(STREET, required=True),
    COMMUNITY,
    Field("category", ("儿童类别", "category", "类别", "困境儿童类别"), "choice", choices=CATEGORY),
    Field("registered_on", ("登记日期", "registered_on", "纳入日期", "registered"), "date", past=True),
    Field("exited_on", ("退出日期", "exited_on", "exited"), "date", past=True),
    Field("exit_reason", ("退出原因", "exit_reason"), "choice", choices=EXIT_REASON),
    Field("guardian_phone", ("监护人电话", "guardian_phone", "联系电话", "phone")),
    Field("address", ("住址", "address", "家庭住址")),
), unique=(("id_number",),), checks=(_check_child,), finish=_number_new_children,
    own_references=_own_numbers)
