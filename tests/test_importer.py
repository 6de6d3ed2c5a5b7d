"""The importer on SQLite and PostgreSQL: a corpus of bad files that change nothing, and good files that
insert, update, skip and re-import exactly as they should."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, insert, select

from data_access import audit, dataset, formulas, idcard, importer, schema
from data_access.importer import writing
from sample_data import build_database
from tests.files import (CASE_HEADER, CHILD_HEADER, EVENT_HEADER, GOOD_CASE, PAY_HEADER, STAFF_HEADER, TODAY, child,
                          children_file, csv_bytes, fake_id, xlsx_bytes)
from tests.harness import BACKENDS, engine_for, mark_real

# (name, kind, file name, content, expected (row, column, message key))
BAD_FILES = [
    ("empty", "children", "empty.csv", b"", (None, None, "file.empty")),
    ("blank lines only", "children", "blank.csv", b"\n\n", (None, None, "file.empty")),
    ("header only", "children", "header.csv", csv_bytes([CHILD_HEADER]), (None, None, "file.no_rows")),
    ("wrong format", "children", "children.xls", b"\xd0\xcf\x11\xe0 old excel", (None, None, "file.format")),
    ("utf-16 text", "children", "utf16.csv", ",".join(CHILD_HEADER).encode("utf-16"), (None, None, "file.encoding")),
    ("windows-1252 text", "children", "cp1252.csv", "档案编号,Name,Café\n".encode("utf-8")[:13] + "Café,Müller\n".encode("cp1252"),
     (None, None, "file.encoding")),
    ("csv named xlsx", "children", "fake.xlsx", children_file(child()), (None, None, "file.xlsx")),
    ("unknown header", "children", "extra.csv", csv_bytes([[*CHILD_HEADER, "昵称"], [*child(), "小甲"]]),
     (1, "昵称", "header.unknown")),
    ("missing required column", "children", "noid.csv",
     csv_bytes([[h for h in CHILD_HEADER if h != "身份证号"], [v for h, v in zip(CHILD_HEADER, child()) if h != "身份证号"]]),
     (1, "身份证号", "header.missing")),
    ("repeated column", "children", "twice.csv", csv_bytes([[*CHILD_HEADER, "name"], [*child(), "x"]]),
     (1, "name", "header.duplicate")),
    ("missing value", "children", "noname.csv", children_file(child(姓名="")), (2, "姓名", "value.required")),
    ("unknown street", "children", "street.csv", children_file(child(街道="亚特兰蒂斯")), (2, "街道", "value.street")),
    ("unknown community", "children", "community.csv", children_file(child(社区="不存在")),
     (2, "社区", "value.community")),
    ("community in another street", "children", "elsewhere.csv", children_file(child(社区="园东")),
     (2, "社区", "value.community_street")),
    ("impossible date", "children", "feb30.csv",
     children_file(child(), child("FT90000002", 身份证号=fake_id("2010-01-01", "002"), 登记日期="2022-02-30")),
     (3, "登记日期", "value.no_such_date")),
    ("not a date", "children", "notdate.csv", children_file(child(登记日期="去年")), (2, "登记日期", "value.date")),
    ("future date", "children", "future.csv", children_file(child(登记日期="2023-01-05")),
     (2, "登记日期", "value.future")),
    ("exit before entry", "children", "exit.csv",
     csv_bytes([[*CHILD_HEADER, "退出日期"], [*child(), "2021-01-01"]]), (2, "退出日期", "value.before")),
    ("wrong check character", "children", "check.csv", children_file(child(身份证号="990304201001010012")),
     (2, "身份证号", "id.check")),
    ("ID too short", "children", "short.csv", children_file(child(身份证号="99030420100101")), (2, "身份证号", "id.length")),
    ("ID with letters", "children", "letters.csv", children_file(child(身份证号="99030420100101A019")),
     (2, "身份证号", "id.chars")),
    ("ID with no real birth date", "children", "idbirth.csv",
     children_file(child(身份证号=fake_id("2010-02-30"), 出生日期="")), (2, "身份证号", "id.birth")),
    ("birth date disagrees with ID", "children", "mismatch.csv", children_file(child(出生日期="2010-01-02")),
     (2, "出生日期", "id.birth_mismatch")),
    ("ID of another child", "children", "taken.csv", children_file(child(身份证号="__FT00000001__")),
     (2, "身份证号", "id.taken")),
    ("sex outside the values", "children", "sex.csv", children_file(child(性别="未知")), (2, "性别", "value.choice")),
    ("category outside the values", "children", "category.csv", children_file(child(儿童类别="留守儿童")),
     (2, "儿童类别", "value.choice")),
    ("duplicate key", "children", "dup.csv",
     children_file(child(), child(身份证号=fake_id("2010-01-01", "002"))), (3, "档案编号", "key.duplicate")),
    ("negative amount", "payments", "neg.csv",
     csv_bytes([PAY_HEADER, ["P-T1", "FT00000001", "2022-06", "-2454", "2022-06-12"]]), (2, "发放金额", "value.negative")),
    ("amount not a number", "payments", "nan.csv",
     csv_bytes([PAY_HEADER, ["P-T1", "FT00000001", "2022-06", "两千", "2022-06-12"]]), (2, "发放金额", "value.number")),
    ("unknown child", "payments", "nochild.csv",
     csv_bytes([PAY_HEADER, ["P-T1", "FT99999999", "2022-06", "2454", "2022-06-12"]]), (2, "儿童", "ref.child")),
    ("bad month", "payments", "month.csv",
     csv_bytes([PAY_HEADER, ["P-T1", "FT00000001", "2022-13", "2454", "2022-06-12"]]), (2, "发放月份", "value.no_such_date")),
    ("risk outside the values", "cases", "risk.csv",
     csv_bytes([CASE_HEADER, [*GOOD_CASE[:2], "五级", *GOOD_CASE[3:]]]), (2, "风险等级", "value.choice")),
    ("unknown staff", "cases", "staff.csv",
     csv_bytes([CASE_HEADER, [*GOOD_CASE[:7], "99999", ""]]), (2, "负责人编号", "ref.staff")),
    ("closed before reported", "cases", "closed.csv",
     csv_bytes([CASE_HEADER, [*GOOD_CASE[:8], "2022-05-01 09:00"]]), (2, "结案时间", "value.before")),
    ("unknown case", "case_events", "nocase.csv",
     csv_bytes([EVENT_HEADER, ["FT-1999-00001", "2022-05-01 10:00", "电话联系", "干预", "45"]]), (2, "个案编号", "ref.case")),
    ("stage outside the values", "case_events", "stage.csv",
     csv_bytes([EVENT_HEADER, ["FT-2021-00001", "2022-05-01 10:00", "电话联系", "搁置", "45"]]),
     (2, "事件后阶段", "value.choice")),
    ("staff role outside the values", "staff", "role.csv",
     csv_bytes([STAFF_HEADER, ["9001", "测试丙", "校长", "福田", "", "2022-01-01"]]), (2, "岗位", "value.choice")),
    ("bad row in a spreadsheet", "children", "sheet.xlsx",
     xlsx_bytes([CHILD_HEADER, child(), child("FT90000002", 身份证号=fake_id("2010-01-01", "002"), 性别="?")]),
     (3, "性别", "value.choice")),
]


@pytest.fixture(scope="module", params=BACKENDS)
def shared_engine(request, tmp_path_factory) -> Engine:
    """One sample database per backend for the files that must change nothing."""
    engine = engine_for(request.param, tmp_path_factory, "import_test_shared")
    build_database(engine)
    mark_real(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def fresh_engine(request, tmp_path_factory) -> Engine:
    """A sample database of the test's own, for the files that write."""
    engine = engine_for(request.param, tmp_path_factory, "import_test_fresh")
    build_database(engine)
    mark_real(engine)
    yield engine
    engine.dispose()


def snapshot(engine: Engine, kind: str) -> tuple[dict[str, int], str]:
    """Every table's row count and a checksum of the kind's target table."""
    table = importer.SPECS[kind].table
    with engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.id)).all()
    return dataset.table_counts(engine), hashlib.sha256(repr(rows).encode()).hexdigest()


def run(engine: Engine, kind: str, content: bytes, name: str, **options) -> importer.ImportResult:
    return importer.run_import(engine, kind, content, name, today=TODAY, **options)


# Files that also hold a good row: in skip-bad mode that row is written (tested below), so they run
# all-or-nothing only.
MIXED = {"impossible date", "duplicate key", "bad row in a spreadsheet"}


@pytest.mark.parametrize("case, mode", [
    pytest.param(case, mode, id=f"{case[0]}-{mode}")
    for case in BAD_FILES for mode in importer.MODES if mode == "all-or-nothing" or case[0] not in MIXED
])
def test_a_bad_file_names_row_column_and_reason_and_changes_nothing(shared_engine, case, mode):
    name, kind, file_name, content, (row, column, key) = case
    if b"__FT00000001__" in content:
        with shared_engine.connect() as conn:
            taken = conn.execute(select(schema.children.c.id_number).where(schema.children.c.file_no == "FT00000001")).scalar()
        content = content.replace(b"__FT00000001__", taken.encode())
    before = snapshot(shared_engine, kind)

    result = run(shared_engine, kind, content, file_name, mode=mode)

    found = [(p.row, p.column, p.key) for p in result.problems]
    assert (row, column, key) in found, found
    problem = next(p for p in result.problems if (p.row, p.column, p.key) == (row, column, key))
    zh, en = problem.text(file_name, "zh"), problem.text(file_name, "en")
    assert file_name in zh and file_name in en
    if row is not None:
        assert f"第 {row} 行" in zh and f"row {row}" in en
    if column is not None:
        assert f"“{column}”" in zh and f"“{column}”" in en
    assert problem.reason("zh") != problem.reason("en")
    assert not result.written and result.blocked
    assert snapshot(shared_engine, kind) == before


def test_a_gbk_file_with_chinese_headers_imports_and_a_reimport_changes_nothing(fresh_engine):
    content = children_file(child(), child("FT90000002", 姓名="测试乙", 身份证号=fake_id("2011-03-04", "002"),
                                           性别="女", 出生日期="2011-03-04", 街道="华强北", 社区="荔村"))
    content = content.decode().encode("gbk")
    result = run(fresh_engine, "children", content, "儿童.csv")
    assert result.problems == []
    assert (result.inserted, result.updated, result.unchanged, result.written) == (2, 0, 0, True)
    with fresh_engine.connect() as conn:
        row = conn.execute(select(schema.children).where(schema.children.c.file_no == "FT90000002")).mappings().one()
    assert (row["street_id"], row["community_id"], row["gender"], row["category"]) == (
        "huaqiangbei", "huaqiangbei-02", "F", "orphan")
    assert row["birth_date"] == date(2011, 3, 4)

    before = snapshot(fresh_engine, "children")
    again = run(fresh_engine, "children", content, "儿童.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    counts, checksum = snapshot(fresh_engine, "children")
    assert checksum == before[1]
    assert counts["audit_log"] == before[0]["audit_log"] + 1  # the re-import is audited, nothing else changes
    assert {k: v for k, v in counts.items() if k != "audit_log"} == {
        k: v for k, v in before[0].items() if k != "audit_log"}


def test_an_xlsx_with_english_headers_imports(fresh_engine):
    content = xlsx_bytes([
        ["payment_no", "child", "month", "amount", "paid_on"],
        ["P202206-T1", "FT00000001", date(2022, 6, 1), 2454, date(2022, 6, 12)],
        ["P202206-T2", "FT00000002", "2022-06", "2,454.00", "2022-06-13"],
    ])
    result = run(fresh_engine, "payments", content, "payments.xlsx")
    assert result.problems == [] and result.inserted == 2
    with fresh_engine.connect() as conn:
        rows = conn.execute(select(schema.subsidy_payments).where(
            schema.subsidy_payments.c.payment_no.like("P202206-T%")).order_by("payment_no")).mappings().all()
    assert [(r["month"], float(r["amount"]), r["category"]) for r in rows] == [
        (date(2022, 6, 1), 2454.0, "orphan"), (date(2022, 6, 1), 2454.0, "de_facto_unsupported")]
    assert rows[0]["street_id"] == "meilin"  # the child's street when the file gives none


def test_skip_bad_writes_exactly_the_good_rows_and_rejects_exactly_the_bad(fresh_engine):
    good = [child(f"FT9000000{i}", 身份证号=fake_id("2010-01-01", f"00{i}")) for i in (1, 2, 3)]
    bad = [child("FT90000004", 身份证号="990304201001010012"), child("FT90000005", 身份证号=fake_id("2010-01-01", "005"),
                                                                     街道="亚特兰蒂斯")]
    content = children_file(good[0], bad[0], good[1], bad[1], good[2])
    before = snapshot(fresh_engine, "children")[0]["children"]

    result = run(fresh_engine, "children", content, "mixed.csv", mode="skip-bad", username="tester")

    assert (result.inserted, result.rejected, result.written) == (3, 2, True)
    with fresh_engine.connect() as conn:
        numbers = set(conn.execute(select(schema.children.c.file_no).where(
            schema.children.c.file_no.like("FT9%"))).scalars())
    assert numbers == {"FT90000001", "FT90000002", "FT90000003"}
    assert snapshot(fresh_engine, "children")[0]["children"] == before + 3
    rejects = result.rejects("zh")
    assert list(rejects.columns) == [*CHILD_HEADER, "错误原因"]
    assert rejects[CHILD_HEADER].values.tolist() == bad
    assert "校验位" in rejects["错误原因"][0] and "亚特兰蒂斯" in rejects["错误原因"][1]
    written = formulas.to_csv_bytes(rejects)
    assert written.startswith(b"\xef\xbb\xbf")
    entry = audit.search(fresh_engine, action="import").iloc[0]
    assert entry["username"] == "tester" and entry["target"] == "mixed.csv"
    assert '"inserted": 3' in entry["detail"] and '"rejected": 2' in entry["detail"] and "skip-bad" in entry["detail"]


def test_a_corrected_rejects_file_imports_as_it_is(fresh_engine):
    content = children_file(child(街道="亚特兰蒂斯"))
    first = run(fresh_engine, "children", content, "a.csv", mode="skip-bad")
    rejects = first.rejects("en")
    rejects.loc[0, "街道"] = "Futian"
    second = run(fresh_engine, "children", formulas.to_csv_bytes(rejects), "a-fixed.csv")
    assert second.problems == [] and second.inserted == 1


def test_a_changed_row_is_updated_and_only_that_one(fresh_engine):
    run(fresh_engine, "children", children_file(child(), child("FT90000002", 身份证号=fake_id("2010-01-01", "002"))), "a.csv")
    result = run(fresh_engine, "children", children_file(
        child(住址="福田区示例路99号"), child("FT90000002", 身份证号=fake_id("2010-01-01", "002"))), "b.csv")
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    with fresh_engine.connect() as conn:
        address = conn.execute(select(schema.children.c.address).where(schema.children.c.file_no == "FT90000001")).scalar()
    assert address == "福田区示例路99号"


def test_a_dry_run_reports_what_would_change_and_writes_nothing(fresh_engine):
    before = snapshot(fresh_engine, "children")
    result = run(fresh_engine, "children", children_file(child()), "a.csv", dry_run=True)
    assert (result.inserted, result.written) == (1, False)
    assert snapshot(fresh_engine, "children") == before
    assert "试运行" in "\n".join(result.report("zh"))


@pytest.mark.parametrize("kind, rows, key_column, key", [
    ("cases", [CASE_HEADER, GOOD_CASE], "case_no", "FT-2022-90001"),
    ("case_events", [EVENT_HEADER, ["FT-2021-00001", "2021-05-01 10:00", "电话联系", "结案", "45"]], "note", None),
    ("staff", [STAFF_HEADER, ["9001", "测试丙", "社区儿童主任", "福田", "岗厦", "2022-01-01"]], "id", 9001),
])
def test_every_kind_imports_and_reimports_as_unchanged(fresh_engine, kind, rows, key_column, key):
    content = csv_bytes(rows)
    table = importer.SPECS[kind].table
    before = snapshot(fresh_engine, kind)[0][table.name]
    first = run(fresh_engine, kind, content, f"{kind}.csv")
    assert first.problems == [] and first.inserted == 1
    assert snapshot(fresh_engine, kind)[0][table.name] == before + 1
    again = run(fresh_engine, kind, content, f"{kind}.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    if kind == "cases":
        with fresh_engine.connect() as conn:
            case = conn.execute(select(schema.cases).where(schema.cases.c.case_no == key)).mappings().one()
        assert (case["street_id"], case["risk_level"], case["mandatory_report"]) == ("meilin", "high", True)
    if kind == "staff":
        with fresh_engine.connect() as conn:
            staff = conn.execute(select(schema.staff).where(schema.staff.c.id == key)).mappings().one()
        assert (staff["role"], staff["community_id"]) == ("director", "futian-02")


def test_the_sample_id_numbers_carry_valid_check_characters(sample_engine):
    with sample_engine.connect() as conn:
        numbers = list(conn.execute(select(schema.children.c.id_number, schema.children.c.birth_date)))
    assert len(numbers) > 500
    for number, birth in numbers:
        assert idcard.problem(number) is None, number
        assert idcard.birth_date(number) == birth
        assert number.startswith("990304")


def test_check_character_against_hand_computed_fake_numbers():
    # 9·7+9·9+0·10+3·5+0·8+4·4+2·2+0·1+1·6+0·3+0·7+1·9+0·10+1·5+0·8+0·4+1·2 = 201; 201 mod 11 = 3 → "9"
    assert idcard.check_character("99030420100101001") == "9"
    # 199 + 6·2 = 211; 211 mod 11 = 2 → "X"
    assert idcard.check_character("99030420100101006") == "X"
    assert idcard.problem("990304201001010019") is None
    assert idcard.problem("99030420100101006X") is None
    assert idcard.problem("990304201001010069") == ("id.check", {"expected": "X"})
    assert idcard.problem("99030420100101006x") == ("id.chars", {})


def test_the_docs_list_every_accepted_header():
    from pathlib import Path

    docs = (Path(__file__).resolve().parent.parent / "docs" / "import.md").read_text(encoding="utf-8")
    for name, kind in importer.SPECS.items():
        section = docs.split(f"### {name}\n", 1)[1].split("###", 1)[0]
        for f in kind.fields:
            for header in f.headers:
                assert f"`{header}`" in section, (name, header)


def test_a_xlsx_whose_first_sheet_is_not_the_data_says_which_sheet_is_read(shared_engine):
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["本表为儿童档案导入模板"])
    book.create_sheet("数据").append(CHILD_HEADER)
    out = io.BytesIO()
    book.save(out)
    before = snapshot(shared_engine, "children")
    result = run(shared_engine, "children", out.getvalue(), "template.xlsx")
    keys = [(p.row, p.column, p.key) for p in result.problems]
    assert (1, "本表为儿童档案导入模板", "header.unknown") in keys
    assert (None, None, "file.sheet") in keys
    sheet = next(p for p in result.problems if p.key == "file.sheet").reason("zh")
    assert "“说明”" in sheet and "数据" in sheet
    assert snapshot(shared_engine, "children") == before


def test_a_street_scope_refuses_rows_of_other_streets(shared_engine):
    from data_access.types import Scope

    before = snapshot(shared_engine, "children")
    result = run(shared_engine, "children", children_file(child()), "a.csv", scope=Scope.street("fubao"))
    assert [(p.row, p.column, p.key) for p in result.problems] == [(2, "街道", "value.out_of_scope")]
    assert snapshot(shared_engine, "children") == before


@pytest.mark.parametrize("stage, closed_at, key", [("结案", "", "value.closed_at"), ("干预", "2022-06-02 10:00", "value.not_closed")])
def test_the_closing_time_agrees_with_the_stage(shared_engine, stage, closed_at, key):
    row = [*GOOD_CASE[:3], stage, *GOOD_CASE[4:8], closed_at]
    result = run(shared_engine, "cases", csv_bytes([CASE_HEADER, row]), "c.csv")
    assert [(p.row, p.column, p.key) for p in result.problems] == [(2, "结案时间", key)]


def test_a_database_error_while_writing_undoes_everything_and_says_so(shared_engine, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    def refuse(conn, kind, rows, result):
        conn.execute(insert(schema.audit_log).values(at=datetime(2022, 1, 1), action="import"))
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: children.id_number"))

    monkeypatch.setattr(writing, "_write", refuse)
    before = snapshot(shared_engine, "children")
    result = run(shared_engine, "children", children_file(child()), "a.csv")
    assert [p.key for p in result.problems] == ["file.write_failed"]
    assert "UNIQUE constraint failed" in result.problems[0].text("a.csv", "en")
    assert not result.written and result.blocked
    assert snapshot(shared_engine, "children") == before
