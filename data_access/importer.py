"""Validated import of children, cases, case events, subsidy payments and staff from CSV or Excel.

A file is read (UTF-8, UTF-8 with BOM, GBK/GB18030 or .xlsx), its headers are mapped to columns
(Chinese or English), every row is checked, and then the good rows are upserted on the kind's
natural key in one transaction. Problems name the file, the spreadsheet row (header = row 1), the
column as headed in the file and the reason, in Chinese or English. The accepted headers per kind
are documented in docs/import.md.

    python -m data_access.importer KIND FILE [--db URL] [--mode all-or-nothing|skip-bad]
                                   [--dry-run] [--rejects PATH]
"""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, String, Table, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from data_access import audit, config, idcard, schema, vocab
from data_access.engine import make_engine
from data_access.types import Scope

MODES = ("all-or-nothing", "skip-bad")
KINDS = ("children", "cases", "case_events", "payments", "staff")

MESSAGES: dict[str, tuple[str, str]] = {
    "file.unreadable": ("无法读取文件：{detail}", "Cannot read the file: {detail}"),
    "file.format": ("不支持的文件格式“{suffix}”：请使用 CSV（.csv）或 Excel（.xlsx）文件",
                    "Unsupported file format “{suffix}”: use a CSV (.csv) or Excel (.xlsx) file"),
    "file.encoding": ("无法识别文件编码：不是 UTF-8（含 BOM）或 GBK/GB18030 文本；请在 Excel 中另存为“CSV UTF-8”",
                      "Unrecognised encoding: the file is not UTF-8 (with or without BOM) or GBK/GB18030 text; "
                      "save it from Excel as “CSV UTF-8”"),
    "file.xlsx": ("不是有效的 Excel .xlsx 文件（{detail}）", "Not a valid Excel .xlsx file ({detail})"),
    "file.empty": ("文件是空的", "The file is empty"),
    "file.no_rows": ("文件只有表头，没有数据行", "The file has a header but no data rows"),
    "file.sheet": ("只读取第一个工作表“{sheet}”（文件中还有：{others}）；请把数据放在第一个工作表",
                   "Only the first sheet, “{sheet}”, is read (the file also has: {others}); put the data in the first sheet"),
    "file.write_failed": ("数据库拒绝写入，已全部撤销：{detail}", "The database refused the rows; everything was undone: {detail}"),
    "header.unknown": ("未知的列“{header}”（可用的列见 docs/import.md）",
                       "Unknown column “{header}” (the accepted columns are in docs/import.md)"),
    "header.missing": ("缺少必填列“{column}”（可写作：{accepted}）",
                       "Required column “{column}” is missing (accepted headers: {accepted})"),
    "header.duplicate": ("列“{header}”与“{other}”是同一字段", "Column “{header}” repeats “{other}”"),
    "header.blank": ("第 {position} 列没有表头", "Column {position} has no header"),
    "value.required": ("必填项为空", "A required value is empty"),
    "value.too_long": ("“{value}”超过 {limit} 个字符", "“{value}” is longer than {limit} characters"),
    "value.date": ("“{value}”不是日期（应写作 2022-04-30）", "“{value}” is not a date (write e.g. 2022-04-30)"),
    "value.no_such_date": ("日期“{value}”不存在", "The date “{value}” does not exist"),
    "value.datetime": ("“{value}”不是日期时间（应写作 2022-04-30 14:30）",
                       "“{value}” is not a date and time (write e.g. 2022-04-30 14:30)"),
    "value.month": ("“{value}”不是月份（应写作 2022-04）", "“{value}” is not a month (write e.g. 2022-04)"),
    "value.future": ("{value} 晚于今天（{today}），不可能是未来的日期",
                     "{value} is after today ({today}); it cannot be in the future"),
    "value.number": ("“{value}”不是数字", "“{value}” is not a number"),
    "value.negative": ("金额不能为负数：{value}", "An amount cannot be negative: {value}"),
    "value.integer": ("“{value}”不是正整数", "“{value}” is not a positive whole number"),
    "value.choice": ("“{value}”不是允许的取值；可选：{allowed}", "“{value}” is not an allowed value; allowed: {allowed}"),
    "value.bool": ("“{value}”不是 是/否", "“{value}” is not yes/no"),
    "value.before": ("{value} 早于{other}（{other_value}）", "{value} is before {other} ({other_value})"),
    "value.street": ("未知街道“{value}”", "Unknown street “{value}”"),
    "value.community": ("未知社区“{value}”", "Unknown community “{value}”"),
    "value.community_street": ("社区“{value}”不属于街道“{street}”", "Community “{value}” is not in street “{street}”"),
    "value.out_of_scope": ("“{value}”不在您可管理的范围内", "“{value}” is outside what you may manage"),
    "value.closed_at": ("阶段为结案时须填写结案时间", "A closed case needs its closing time"),
    "value.not_closed": ("填写了结案时间，但阶段不是结案", "A closing time is given but the stage is not closed"),
    "value.category_needed": ("该儿童不是在册困境儿童，须填写儿童类别",
                              "The child is not registered as a child in difficulty; give the category"),
    "id.length": ("身份证号应为 18 位，实为 {length} 位", "An ID number has 18 characters, this one {length}"),
    "id.chars": ("身份证号前 17 位应为数字、第 18 位为数字或 X", "An ID number is 17 digits and a digit or X"),
    "id.birth": ("身份证号中的出生日期 {value} 不存在", "The birth date {value} in the ID number does not exist"),
    "id.check": ("身份证号校验位错误（按 GB 11643 应为 {expected}）",
                 "Wrong ID number check character (GB 11643 gives {expected})"),
    "id.birth_mismatch": ("出生日期 {birth} 与身份证号中的 {id_birth} 不一致",
                          "Birth date {birth} disagrees with {id_birth} in the ID number"),
    "id.taken": ("身份证号已属于档案 {file_no}", "The ID number already belongs to file {file_no}"),
    "key.duplicate": ("与第 {other} 行重复（{value}）", "Duplicates row {other} ({value})"),
    "ref.child": ("未找到儿童“{value}”（按档案编号或身份证号）", "No child “{value}” (by file number or ID number)"),
    "ref.case": ("未找到个案“{value}”", "No case “{value}”"),
    "ref.staff": ("未找到工作人员编号“{value}”", "No staff member “{value}”"),
    # the report
    "report.where": ("{file} 第 {row} 行，列“{column}”：{reason}", "{file} row {row}, column “{column}”: {reason}"),
    "report.where_row": ("{file} 第 {row} 行：{reason}", "{file} row {row}: {reason}"),
    "report.where_file": ("{file}：{reason}", "{file}: {reason}"),
    "report.summary": ("读取 {read} 行：新增 {inserted}，更新 {updated}，未变 {unchanged}，拒绝 {rejected}",
                       "Read {read} rows: {inserted} inserted, {updated} updated, {unchanged} unchanged, {rejected} rejected"),
    "report.dry_run": ("试运行：未写入数据库", "Dry run: nothing was written"),
    "report.nothing_written": ("有错误，未写入任何数据", "There are errors; nothing was written"),
    "report.rejects": ("被拒绝的行已写入 {path}", "The rejected rows are in {path}"),
    "report.reason": ("错误原因", "reject reason"),
}


def message(key: str, lang: str, **values: object) -> str:
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format(**values)


@dataclass(frozen=True)
class Problem:
    """One thing wrong: at a spreadsheet row (1 = header; None = the whole file) and column."""

    row: int | None
    column: str | None
    key: str
    values: dict = field(default_factory=dict)

    def reason(self, lang: str) -> str:
        return message(self.key, lang, **self.values)

    def text(self, file_name: str, lang: str) -> str:
        if self.row is None:
            return message("report.where_file", lang, file=file_name, reason=self.reason(lang))
        if self.column is None:
            return message("report.where_row", lang, file=file_name, row=self.row, reason=self.reason(lang))
        return message("report.where", lang, file=file_name, row=self.row, column=self.column,
                       reason=self.reason(lang))


class Bad(Exception):
    """A value that cannot be read; carries the message key and its values."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key = key
        self.values = values


# --- accepted values -------------------------------------------------------------------------

def _choices(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Aliases (code, Chinese, English; compared without case and spaces) → stored code."""
    out = {}
    for code, aliases in pairs.items():
        for alias in (code, *aliases):
            out[_norm(alias)] = code
    return out


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-－·]+", "", str(text)).lower()


GENDER = _choices({"F": ("女", "female", "女性"), "M": ("男", "male", "男性")})
CATEGORY = _choices({"orphan": ("孤儿", "orphans"),
                     "de_facto_unsupported": ("事实无人抚养儿童", "de-facto unsupported", "de-facto unsupported children"),
                     "other_difficulty": ("其他困境儿童", "other children in difficulty", "other")})
EXIT_REASON = _choices({"aged_out": ("年满18周岁", "成年"), "adopted": ("被收养",), "family_recovered": ("家庭恢复",),
                        "moved_away": ("迁出",), "other": ("其他",)})
RISK = _choices({"critical": ("一级", "一级·红", "红", "一级红"), "high": ("二级", "二级·橙", "橙", "二级橙"),
                 "medium": ("三级", "三级·黄", "黄", "三级黄"), "low": ("四级", "四级·蓝", "蓝", "四级蓝")})
STAGE = _choices({"reported": ("接报",), "verifying": ("核查",), "assessing": ("评估",), "intervening": ("干预",),
                  "referred": ("转介",), "follow_up": ("跟踪回访", "回访", "follow-up"), "closed": ("结案",)})
CRISIS = _choices({"suicidal_ideation": ("自杀意念",), "self_harm": ("自伤行为", "自伤"),
                   "depression_anxiety": ("抑郁焦虑",), "family_conflict": ("家庭冲突",), "abuse": ("遭受侵害",),
                   "neglect": ("监护缺失",), "bullying": ("校园欺凌",), "school_refusal": ("拒学厌学",)})
SOURCE = _choices({"school": ("学校",), "hospital": ("医院",), "police": ("公安",), "community": ("社区",),
                   "hotline": ("热线",), "active_discovery": ("主动发现",), "family": ("家庭", "家庭求助"),
                   "self": ("本人", "儿童本人")})
EVENT = _choices({"reported": ("接报",), "first_response": ("首次响应",), "stage_change": ("阶段变更",),
                  "home_visit": ("入户走访", "走访"), "phone_contact": ("电话联系",), "referral": ("转介",),
                  "closed": ("结案",)})
STAFF_ROLE = _choices({"supervisor": ("街道儿童督导员", "督导员"), "director": ("社区儿童主任", "儿童主任"),
                       "social_worker": ("社工",), "centre_staff": ("中心工作人员",)})
REFERRAL = _choices({"social_org": ("社会组织",), "hospital": ("医院",), "school": ("学校",), "police": ("公安",)})
BOOL = {_norm(a): True for a in ("是", "y", "yes", "true", "1", "有")} | {
    _norm(a): False for a in ("否", "n", "no", "false", "0", "无")}
for _codes, _choice in ((vocab.CHILD_CATEGORIES, CATEGORY), (vocab.RISK_LEVELS, RISK), (vocab.STAGES, STAGE),
                        (vocab.EVENT_KINDS, EVENT), (vocab.STAFF_ROLES, STAFF_ROLE)):
    assert set(_choice.values()) == set(_codes), _codes


# --- the kinds -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """A column of the target table and the headers that name it; ``headers[0]``/``[1]`` are shown."""

    column: str
    headers: tuple[str, ...]
    kind: str = "text"  # text date datetime month money int bool choice street community id_number child case staff
    required: bool = False
    choices: dict[str, str] | None = None
    past: bool = False  # a date that cannot lie in the future

    def display(self, lang: str) -> str:
        return EN_LABELS.get(self.column, self.headers[1]) if lang == "en" else self.headers[0]


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
    "ended_on": "Ended on", "trained_on": "Trained on",
}


@dataclass(frozen=True)
class Kind:
    name: str
    table: Table
    key: tuple[str, ...]
    fields: tuple[Field, ...]


STREET = Field("street_id", ("街道", "street", "所属街道", "street_id", "街道代码"), "street")
COMMUNITY = Field("community_id", ("社区", "community", "所属社区", "community_id", "社区代码"), "community")
CHILD_REF = Field("child_id", ("儿童", "child", "儿童档案编号", "child_file_no", "儿童身份证号", "child_id_number"),
                  "child", True)

SPECS: dict[str, Kind] = {
    "children": Kind("children", schema.children, ("file_no",), (
        Field("file_no", ("档案编号", "file_no", "档案号", "file number"), required=True),
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
    )),
    "cases": Kind("cases", schema.cases, ("case_no",), (
        Field("case_no", ("个案编号", "case_no", "case number"), required=True),
        CHILD_REF,
        STREET,
        COMMUNITY,
        Field("risk_level", ("风险等级", "risk_level", "risk"), "choice", True, RISK),
        Field("stage", ("阶段", "stage", "当前阶段"), "choice", True, STAGE),
        Field("crisis_type", ("危机类型", "crisis_type", "type"), "choice", True, CRISIS),
        Field("source", ("来源", "source", "报告来源"), "choice", True, SOURCE),
        Field("mandatory_report", ("强制报告", "mandatory_report"), "bool"),
        Field("flag_self_harm", ("自伤念头", "flag_self_harm", "self-harm"), "bool"),
        Field("flag_safety_plan", ("安全计划", "flag_safety_plan", "safety plan"), "bool"),
        Field("flag_temp_guardianship", ("临时监护", "flag_temp_guardianship", "temporary guardianship"), "bool"),
        Field("assigned_staff_id", ("负责人编号", "assigned_staff_id", "负责人", "staff"), "staff"),
        Field("referral_target", ("转介去向", "referral_target"), "choice", choices=REFERRAL),
        Field("reported_at", ("接报时间", "reported_at", "reported"), "datetime", True, past=True),
        Field("first_response_at", ("首次响应时间", "first_response_at", "first response"), "datetime", past=True),
        Field("last_contact_at", ("最近联系时间", "last_contact_at", "last contact"), "datetime", past=True),
        Field("closed_at", ("结案时间", "closed_at", "closed"), "datetime", past=True),
    )),
    "case_events": Kind("case_events", schema.case_events, ("case_id", "kind", "occurred_at"), (
        Field("case_id", ("个案编号", "case_no", "case number"), "case", True),
        Field("occurred_at", ("发生时间", "occurred_at", "时间", "time"), "datetime", True, past=True),
        Field("kind", ("事件类型", "kind", "event"), "choice", True, EVENT),
        Field("stage", ("事件后阶段", "stage", "阶段"), "choice", True, STAGE),
        Field("staff_id", ("工作人员编号", "staff_id", "staff"), "staff"),
        Field("note", ("备注", "note")),
    )),
    "payments": Kind("payments", schema.subsidy_payments, ("payment_no",), (
        Field("payment_no", ("发放编号", "payment_no", "payment number"), required=True),
        CHILD_REF,
        Field("month", ("发放月份", "month", "所属月份"), "month", True),
        Field("amount", ("发放金额", "amount", "金额"), "money", True),
        Field("paid_on", ("发放日期", "paid_on", "paid on"), "date", True, past=True),
        Field("category", ("儿童类别", "category", "类别"), "choice", choices=CATEGORY),
        STREET,
    )),
    "staff": Kind("staff", schema.staff, ("id",), (
        Field("id", ("工作人员编号", "staff_id", "编号", "id"), "int", True),
        Field("name", ("姓名", "name"), required=True),
        Field("role", ("岗位", "role", "角色"), "choice", True, STAFF_ROLE),
        STREET,
        COMMUNITY,
        Field("started_on", ("入职日期", "started_on", "started"), "date", True, past=True),
        Field("ended_on", ("离职日期", "ended_on", "ended"), "date"),
        Field("trained_on", ("培训日期", "trained_on", "trained"), "date", past=True),
    )),
}


# --- reading files ---------------------------------------------------------------------------

class FileProblem(Exception):
    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.problem = Problem(None, None, key, values)


def read_rows(data: bytes, file_name: str) -> tuple[list[list[str]], list[str]]:
    """The file's records as lists of text cells (header first), blank records kept as [];
    and the names of a workbook's sheets (the first is the one read)."""
    suffix = Path(file_name).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix not in (".csv", ".txt"):
        raise FileProblem("file.format", suffix=suffix or file_name)
    if not data.strip():
        raise FileProblem("file.empty")
    text_ = _decode(data)
    return [[cell.strip() for cell in record] for record in csv.reader(io.StringIO(text_, newline=""))], []


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise FileProblem("file.encoding")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("file.encoding")


def _read_xlsx(data: bytes) -> tuple[list[list[str]], list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem("file.xlsx", detail=type(exc).__name__) from exc
    try:
        sheet, names = book.worksheets[0], book.sheetnames
        rows = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise FileProblem("file.empty")
    return rows, names


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- parsing values --------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?$")
_DATETIME = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?(?:[-/.]0?1)?(?:[ T]00:00(?::00)?)?$")


def parse_date(value: str) -> date:
    match = _DATE.match(value) or re.match(r"^(\d{4})(\d{2})(\d{2})$", value)
    if not match:
        raise Bad("value.date", value=value)
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        raise Bad("value.no_such_date", value=value) from None


def parse_datetime(value: str) -> datetime:
    match = _DATETIME.match(value)
    if not match:
        raise Bad("value.datetime", value=value)
    parts = [int(g) if g else 0 for g in match.groups()]
    try:
        return datetime(*parts)
    except ValueError:
        raise Bad("value.no_such_date", value=value) from None


def parse_month(value: str) -> date:
    match = _MONTH.match(value)
    if not match:
        raise Bad("value.month", value=value)
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise Bad("value.no_such_date", value=value)
    return date(year, month, 1)


def parse_money(value: str) -> Decimal:
    try:
        amount = Decimal(value.replace(",", "").replace("，", "").removesuffix("元").strip())
    except InvalidOperation:
        raise Bad("value.number", value=value) from None
    if not amount.is_finite():
        raise Bad("value.number", value=value)
    if amount < 0:
        raise Bad("value.negative", value=value)
    return amount.quantize(Decimal("0.01"))


def parse_int(value: str) -> int:
    if not re.fullmatch(r"\d+", value) or int(value) == 0:
        raise Bad("value.integer", value=value)
    return int(value)


def parse_choice(value: str, choices: dict[str, str]) -> str:
    code = choices.get(_norm(value))
    if code is None:
        allowed = "、".join(dict.fromkeys(choices.values()))
        raise Bad("value.choice", value=value, allowed=allowed)
    return code


def parse_bool(value: str) -> bool:
    if _norm(value) not in BOOL:
        raise Bad("value.bool", value=value)
    return BOOL[_norm(value)]


def parse_id_number(value: str) -> str:
    number = value.replace(" ", "").upper()
    found = idcard.problem(number)
    if found:
        raise Bad(found[0], **found[1])
    return number


# --- reference data --------------------------------------------------------------------------

@dataclass
class Lookups:
    """Streets, communities and the referenced children, cases and staff, read once per import."""

    streets: dict[str, str]  # alias → street id
    street_names: dict[str, str]  # street id → name_zh
    communities: dict[str, list[tuple[str, str]]]  # alias → [(community id, street id)]
    children: dict[str, dict] = field(default_factory=dict)  # file_no or id_number → row
    cases: dict[str, int] = field(default_factory=dict)  # case_no → id
    staff: set[int] = field(default_factory=set)


def _in_chunks(conn: Connection, query, column, values: list, size: int = 500) -> list:
    out = []
    for start in range(0, len(values), size):
        out += conn.execute(query.where(column.in_(values[start:start + size]))).mappings().all()
    return out


def load_lookups(conn: Connection, child_refs: list[str], case_nos: list[str], staff_ids: list[int]) -> Lookups:
    S, C = schema.streets, schema.communities
    streets, names = {}, {}
    for row in conn.execute(select(S.c.id, S.c.code, S.c.name_zh, S.c.name_en)).mappings():
        names[row["id"]] = row["name_zh"]
        for alias in (row["id"], row["code"], row["name_zh"], row["name_zh"] + "街道", row["name_en"]):
            streets[_norm(alias)] = row["id"]
    communities: dict[str, list[tuple[str, str]]] = {}
    for row in conn.execute(select(C.c.id, C.c.street_id, C.c.code, C.c.name_zh, C.c.name_en)).mappings():
        for alias in {_norm(a) for a in (row["id"], row["code"], row["name_zh"], row["name_zh"] + "社区", row["name_en"])}:
            communities.setdefault(alias, []).append((row["id"], row["street_id"]))
    found = Lookups(streets, names, communities)
    K = schema.children
    query = select(K.c.id, K.c.file_no, K.c.id_number, K.c.street_id, K.c.community_id, K.c.category)
    refs = sorted(set(child_refs))
    for row in _in_chunks(conn, query, K.c.file_no, refs) + _in_chunks(conn, query, K.c.id_number, refs):
        found.children[row["file_no"]] = found.children[row["id_number"]] = dict(row)
    for row in _in_chunks(conn, select(schema.cases.c.id, schema.cases.c.case_no), schema.cases.c.case_no,
                          sorted(set(case_nos))):
        found.cases[row["case_no"]] = row["id"]
    for row in _in_chunks(conn, select(schema.staff.c.id), schema.staff.c.id, sorted(set(staff_ids))):
        found.staff.add(row["id"])
    return found


# --- validation ------------------------------------------------------------------------------

@dataclass
class Row:
    number: int  # as a spreadsheet user sees it
    cells: list[str]
    values: dict = field(default_factory=dict)  # column → parsed value
    headers: dict = field(default_factory=dict)  # column → the file's header for it
    problems: list[Problem] = field(default_factory=list)


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
        return name if _norm(name) == _norm(header) else f"{name} ← {header}"


def _header_map(kind: Kind) -> dict[str, Field]:
    return {_norm(h): f for f in kind.fields for h in f.headers}


REASON_HEADERS = {_norm(pair[i]) for pair in [MESSAGES["report.reason"]] for i in (0, 1)}


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
    _map_header(kind, result)
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
    _check_references(conn, kind, result, scope or Scope.district())
    _check_duplicates(kind, result)
    return result


def _map_header(kind: Kind, result: Validation) -> None:
    by_header = _header_map(kind)
    seen: dict[str, str] = {}
    for position, header in enumerate(result.header):
        if not header:
            result.file_problems.append(Problem(1, None, "header.blank", {"position": position + 1}))
            continue
        found = by_header.get(_norm(header))
        if found is None:
            if _norm(header) not in REASON_HEADERS:
                result.file_problems.append(Problem(1, header, "header.unknown", {"header": header}))
            continue
        if found.column in seen:
            result.file_problems.append(Problem(1, header, "header.duplicate", {"header": header, "other": seen[found.column]}))
            continue
        seen[found.column] = header
        result.columns[position] = found
    for f in kind.fields:
        if f.required and f.column not in seen:
            result.file_problems.append(Problem(1, f.headers[0], "header.missing", {
                "column": f"{f.display('zh')} / {f.display('en')}", "accepted": "、".join(f.headers)}))


PARSERS: dict[str, Callable[[str], object]] = {
    "date": parse_date, "datetime": parse_datetime, "month": parse_month, "money": parse_money,
    "int": parse_int, "bool": parse_bool, "id_number": parse_id_number,
}


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
        return parse_choice(value, f.choices or {})
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


def _check_references(conn: Connection, kind: Kind, result: Validation, scope: Scope) -> None:
    refs = {"child": [], "case": [], "staff": []}
    for row in result.rows:
        for f in kind.fields:
            value = row.values.get(f.column)
            if f.kind in refs and value:
                if f.kind == "staff":
                    try:
                        row.values[f.column] = value = parse_int(value)
                    except Bad as bad:
                        row.problems.append(Problem(row.number, row.headers[f.column], bad.key, bad.values))
                        row.values[f.column] = None
                        continue
                refs[f.kind].append(value)
    if kind.name == "children":
        refs["child"] = [r.values.get("id_number") for r in result.rows if r.values.get("id_number")]
    found = load_lookups(conn, refs["child"], refs["case"], refs["staff"])
    for row in result.rows:
        _resolve_row(kind, row, found)
        _check_scope(row, scope)


def _resolve_row(kind: Kind, row: Row, found: Lookups) -> None:
    values, headers = row.values, row.headers

    def bad(column: str, key: str, **extra) -> None:
        row.problems.append(Problem(row.number, headers.get(column), key, extra))

    child = None
    if "child_id" in headers and values.get("child_id"):
        ref = values["child_id"]
        child = found.children.get(ref) or found.children.get(ref.upper())
        if child is None:
            bad("child_id", "ref.child", value=ref)
        values["child_id"] = child["id"] if child else None
    if kind.name == "case_events" and values.get("case_id"):
        ref = values["case_id"]
        values["case_id"] = found.cases.get(ref)
        if values["case_id"] is None:
            bad("case_id", "ref.case", value=ref)
    for column in ("assigned_staff_id", "staff_id") if kind.name != "staff" else ():
        if values.get(column) and values[column] not in found.staff:
            bad(column, "ref.staff", value=values[column])
    _resolve_place(row, found, child, kind.table)
    if kind.name == "children":
        _check_child(row, found)
    if kind.name == "cases":
        if values.get("mandatory_report") is None and values.get("source"):
            values["mandatory_report"] = values["source"] in vocab.MANDATORY_SOURCES
        for column in ("flag_self_harm", "flag_safety_plan", "flag_temp_guardianship"):
            if column in values and values[column] is None:
                values[column] = False
        for later in ("first_response_at", "closed_at"):
            _not_before(row, later, "reported_at")
        if not values.get("community_id") and not row.problems:
            row.problems.append(Problem(row.number, headers.get("community_id", "社区 / community"), "value.required"))
        if "closed_at" in headers and values.get("stage"):
            if values["stage"] == "closed" and values.get("closed_at") is None and not _has_problem(row, "closed_at"):
                bad("closed_at", "value.closed_at")
            if values["stage"] != "closed" and values.get("closed_at") is not None:
                bad("closed_at", "value.not_closed")
    if kind.name == "payments" and child is not None:
        if values.get("category") is None:
            values["category"] = child["category"]
            if child["category"] is None:
                bad("child_id", "value.category_needed")
    if kind.name == "staff":
        _not_before(row, "ended_on", "started_on")


def _has_problem(row: Row, column: str) -> bool:
    return any(p.column == row.headers.get(column) for p in row.problems)


def _check_scope(row: Row, scope: Scope) -> None:
    """An importer bound to a street or community may only write rows of it."""
    for column, allowed in (("street_id", scope.streets), ("community_id", scope.communities)):
        value = row.values.get(column)
        if allowed is not None and value and value not in allowed:
            header = row.headers.get(column) or row.headers.get("child_id")
            row.problems.append(Problem(row.number, header, "value.out_of_scope", {"value": value}))


def _not_before(row: Row, later: str, earlier: str) -> None:
    if row.values.get(later) and row.values.get(earlier) and row.values[later] < row.values[earlier]:
        row.problems.append(Problem(row.number, row.headers[later], "value.before", {
            "value": row.values[later], "other": row.headers[earlier], "other_value": row.values[earlier]}))


def _resolve_place(row: Row, found: Lookups, child: dict | None, table: Table) -> None:
    """Street and community by id, code or name; a community must lie in the street.

    Not given, they default to the referenced child's.
    """
    values, headers = row.values, row.headers
    street = None
    if values.get("street_id"):
        street = found.streets.get(_norm(values["street_id"]))
        if street is None:
            row.problems.append(Problem(row.number, headers["street_id"], "value.street", {"value": values["street_id"]}))
    if values.get("community_id"):
        given = values["community_id"]
        options = found.communities.get(_norm(given), [])
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


def _check_child(row: Row, found: Lookups) -> None:
    values, headers = row.values, row.headers
    number = values.get("id_number")
    if not number or "id_number" not in values:
        return
    from_id = idcard.birth_date(number)
    if values.get("birth_date") is None:
        values["birth_date"] = from_id
    elif values["birth_date"] != from_id:
        row.problems.append(Problem(row.number, headers["birth_date"], "id.birth_mismatch", {
            "birth": values["birth_date"].isoformat(), "id_birth": from_id.isoformat()}))
    owner = found.children.get(number)
    if owner and values.get("file_no") and owner["file_no"] != values["file_no"]:
        row.problems.append(Problem(row.number, headers["id_number"], "id.taken", {"file_no": owner["file_no"]}))
    _not_before(row, "exited_on", "registered_on")


def _check_duplicates(kind: Kind, result: Validation) -> None:
    seen: dict[tuple, int] = {}
    unique = [kind.key] + ([("id_number",)] if kind.name == "children" else [])
    for columns in unique:
        seen = {}
        for row in result.rows:
            key = tuple(row.values.get(c) for c in columns)
            if any(v is None for v in key):
                continue
            if key in seen:
                shown = " / ".join(row.cells[p] for p, f in result.columns.items() if f.column in columns)
                row.problems.append(Problem(row.number, row.headers.get(columns[0]), "key.duplicate",
                                            {"other": seen[key], "value": shown}))
            else:
                seen[key] = row.number


# --- writing ---------------------------------------------------------------------------------

@dataclass
class ImportResult:
    kind: str
    file_name: str
    mode: str
    dry_run: bool
    validation: Validation
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False

    @property
    def problems(self) -> list[Problem]:
        return self.validation.problems

    @property
    def rows_read(self) -> int:
        return len(self.validation.rows)

    @property
    def rejected(self) -> int:
        if self.validation.file_problems:
            return self.rows_read
        if self.mode == "all-or-nothing" and self.validation.bad_rows:
            return self.rows_read
        return len(self.validation.bad_rows)

    @property
    def blocked(self) -> bool:
        """True when errors keep every row out of the database."""
        return self.rejected == self.rows_read

    def counts(self) -> dict[str, int]:
        return dict(read=self.rows_read, inserted=self.inserted, updated=self.updated,
                    unchanged=self.unchanged, rejected=self.rejected)

    def report(self, lang: str) -> list[str]:
        lines = [p.text(self.file_name, lang) for p in self.problems]
        lines.append(message("report.summary", lang, **self.counts()))
        if self.dry_run:
            lines.append(message("report.dry_run", lang))
        elif not self.written and self.problems:
            lines.append(message("report.nothing_written", lang))
        return lines

    def problem_table(self, lang: str) -> pd.DataFrame:
        return pd.DataFrame(
            [(p.row, p.column or "", p.reason(lang)) for p in self.problems], columns=["row", "column", "reason"])

    def rejects(self, lang: str) -> pd.DataFrame:
        """The rejected rows as they were in the file, plus the reasons."""
        v = self.validation
        rows = v.rows if self.blocked else v.bad_rows
        reason = message("report.reason", lang)
        header = [h for h in v.header if _norm(h) not in REASON_HEADERS]
        keep = [i for i, h in enumerate(v.header) if _norm(h) not in REASON_HEADERS]
        table = [[(r.cells + [""] * len(v.header))[i] for i in keep]
                 + ["; ".join(p.reason(lang) if p.column is None else f"{p.column}: {p.reason(lang)}"
                              for p in r.problems + v.file_problems)] for r in rows]
        return pd.DataFrame(table, columns=[*header, reason])


def rejects_csv(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a byte-order mark (Excel reads it), spreadsheet formulas neutralised."""
    safe = frame.map(lambda v: "'" + v if isinstance(v, str) and v.startswith(("=", "+", "@", "\t", "\r"))
                     or (isinstance(v, str) and v.startswith("-") and not _is_number(v)) else v)
    return safe.to_csv(index=False).encode("utf-8-sig")


def _is_number(text_: str) -> bool:
    try:
        float(text_)
    except ValueError:
        return False
    return True


def run_import(
    engine: Engine,
    kind: str,
    data: bytes,
    file_name: str,
    *,
    mode: str = "all-or-nothing",
    dry_run: bool = False,
    username: str | None = None,
    today: date | None = None,
    scope: Scope | None = None,
) -> ImportResult:
    """Validate a file and upsert its rows in one transaction (rolled back on a dry run).

    ``scope`` (default: the whole district) limits the streets and communities rows may belong to.
    """
    if kind not in SPECS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            validation = validate(conn, kind, data, file_name, today, scope)
            result = ImportResult(kind, Path(file_name).name, mode, dry_run, validation)
            if not result.blocked:
                try:
                    _write(conn, SPECS[kind], validation.good_rows, result)
                except SQLAlchemyError as exc:
                    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
                    validation.file_problems.append(Problem(None, None, "file.write_failed", {"detail": detail}))
                    result.inserted = result.updated = result.unchanged = 0
                if not dry_run:
                    audit.record(conn, username, "import", result.file_name,
                                 {"kind": kind, "mode": mode, **result.counts()})
            if dry_run or result.blocked:
                transaction.rollback()
            else:
                transaction.commit()
                result.written = True
        except BaseException:
            transaction.rollback()
            raise
    return result


def _write(conn: Connection, kind: Kind, rows: list[Row], result: ImportResult) -> None:
    table = kind.table
    existing = _existing(conn, kind, rows)
    inserts = []
    for row in rows:
        values = {c: v for c, v in row.values.items() if c in table.c}
        current = existing.get(tuple(values[c] for c in kind.key))
        if current is None:
            inserts.append(values)
            continue
        changed = {c: v for c, v in values.items() if not _same(current[c], v)}
        if not changed:
            result.unchanged += 1
            continue
        conn.execute(update(table).where(table.c.id == current["id"]).values(**changed))
        result.updated += 1
    if inserts:
        for columns in {tuple(sorted(v)) for v in inserts}:
            batch = [v for v in inserts if tuple(sorted(v)) == columns]
            conn.execute(insert(table), batch)
        result.inserted = len(inserts)
        if kind.name == "staff" and conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('staff', 'id'), "
                              "COALESCE((SELECT MAX(id) FROM staff), 0) + 1, false)"))


def _existing(conn: Connection, kind: Kind, rows: list[Row]) -> dict[tuple, dict]:
    table = kind.table
    first = kind.key[0]
    values = sorted({r.values[first] for r in rows}, key=str)
    found = _in_chunks(conn, select(table), table.c[first], values)
    return {tuple(_key_value(r[c]) for c in kind.key): dict(r) for r in found}


def _key_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    return value


def _same(stored: object, new: object) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    if isinstance(new, Decimal):
        return Decimal(str(stored)).quantize(Decimal("0.01")) == new
    if isinstance(new, bool):
        return bool(stored) == new
    if isinstance(new, datetime) and isinstance(stored, datetime):
        return stored.replace(microsecond=0) == new
    return stored == new


# --- command line ----------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_access.importer", description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("file", type=Path)
    parser.add_argument("--db", help="database URL (default: DATABASE_URL or the bundled sample)")
    parser.add_argument("--mode", choices=MODES, default="all-or-nothing")
    parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
    parser.add_argument("--rejects", type=Path, help="write the rejected rows here (CSV, UTF-8 with BOM)")
    args = parser.parse_args(argv)
    lang = config.default_language()
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(message("report.where_file", lang, file=args.file, reason=message(
            "file.unreadable", lang, detail=exc.strerror or exc)), file=sys.stderr)
        return 2
    engine = make_engine(args.db or config.database_url())
    result = run_import(engine, args.kind, data, args.file.name, mode=args.mode, dry_run=args.dry_run,
                        username=getpass.getuser())
    engine.dispose()
    for line in result.report(lang):
        print(line)
    if args.rejects and result.rejected:
        args.rejects.write_bytes(rejects_csv(result.rejects(lang)))
        print(message("report.rejects", lang, path=args.rejects))
    return 1 if result.blocked else 0


if __name__ == "__main__":
    sys.exit(main())
