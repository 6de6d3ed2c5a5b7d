"""Validated import of every table a bureau keeps, from CSV or Excel.

Kinds: the reference network (streets, communities, stations, social organisations), staff,
children, crisis cases and their events, subsidy standards, payments and grants. Each kind is a
declaration (SPECS): its table, natural key, fields, extra unique columns and its own row checks.

A file is read (UTF-8, UTF-8 with BOM, GBK/GB18030 or .xlsx), its headers are mapped to columns
(Chinese or English), every row is checked, and then the good rows are upserted on the kind's
natural key in one transaction. Problems name the file, the spreadsheet row (header = row 1), the
column as headed in the file and the reason, in Chinese or English. The accepted headers per kind
are documented in docs/import.md.

    python -m data_access.importer KIND FILE [--db URL] [--mode all-or-nothing|skip-bad]
                                   [--dry-run] [--rejects PATH] [--replace-sample]

A database holding the synthetic sample refuses real rows: initialise a real database
(python -m data_access.district init), or pass --replace-sample to delete the sample's rows,
load the bundled district network and make the database a real one for good.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import re
import sys
import zipfile
from contextlib import nullcontext
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import groupby
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, Integer, String, Table, delete, func, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from data_access import audit, config, geo, idcard, masking, schema, vocab
from data_access.district import District, read_district, refresh_schematic_cells
from data_access.engine import make_engine
from data_access.summaries import refresh_summaries
from data_access.types import Scope

MODES = ("all-or-nothing", "skip-bad")
KINDS = ("streets", "communities", "stations", "social_orgs", "staff", "training_sessions", "training", "children",
         "cases", "case_events", "subsidy_standards", "payments", "grants")
# Prefix of the file numbers given to children imported without one (by ID number).
GENERATED_FILE_PREFIX = "ZD"

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
    "value.count": ("“{value}”不是非负整数", "“{value}” is not a whole number of 0 or more"),
    "value.lat": ("“{value}”不是纬度（−90 至 90 的数字）", "“{value}” is not a latitude (a number from −90 to 90)"),
    "value.lon": ("“{value}”不是经度（−180 至 180 的数字）", "“{value}” is not a longitude (a number from −180 to 180)"),
    "value.outside": ("坐标（纬度 {lat}，经度 {lon}）不在{district}范围内；常见原因是经纬度写反或坐标系不是 WGS84",
                      "The point (lat {lat}, lon {lon}) lies outside {district}; latitude and longitude swapped, or "
                      "coordinates not in WGS84, are the usual causes"),
    "value.crs": ("坐标系“{value}”未知；可选：WGS84、GCJ02（高德、腾讯）、BD09（百度）",
                  "Unknown coordinate system “{value}”; one of WGS84, GCJ02 (AMap, Tencent), BD09 (Baidu)"),
    "value.slug": ("编号“{value}”只能包含小写字母、数字和连字符（如 huaqiangbei）",
                   "The id “{value}” may hold lower-case letters, digits and hyphens only (e.g. huaqiangbei)"),
    "value.id_or_name": ("须填写编号，或可据以生成编号的{other}", "Give the id, or the {other} to make it from"),
    "value.positive": ("金额须大于 0：{value}", "The amount must be more than 0: {value}"),
    "value.after": ("{value} 应晚于{other}（{other_value}）", "{value} must be after {other} ({other_value})"),
    "value.self_parent": ("站点不能是自己的上级", "A station cannot be its own parent"),
    "key.taken": ("“{value}”已属于{other}", "“{value}” already belongs to {other}"),
    "ref.station": ("未找到上级站点编号“{value}”（数据库和本文件中都没有）",
                    "No parent station “{value}” (neither in the database nor in this file)"),
    "id.file_moves": ("档案编号 {file_no} 属于身份证号 {owner} 的儿童，不能改给另一个身份证号",
                      "File number {file_no} belongs to the child with ID number {owner}; it cannot move to another ID number"),
    "db.synthetic": ("这是合成示例数据库，不能导入真实数据：请先初始化一个正式数据库（python -m data_access.district init，"
                     "见 docs/go-live.md）；或加 --replace-sample 删除示例数据、把本库永久转为正式数据库",
                     "This database holds the synthetic sample and takes no real data: initialise a real database first "
                     "(python -m data_access.district init, see docs/go-live.md), or pass --replace-sample to delete the "
                     "sample and turn this database into a real one for good"),
    "db.no_network": ("数据库中还没有街道：请先运行 python -m data_access.district init 装入区域的街道和社区",
                      "The database has no streets yet: run python -m data_access.district init to load the "
                      "district's streets and communities first"),
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
    "ref.session": ("未找到培训编号“{value}”：请先导入培训场次", "No training session “{value}”: import the sessions first"),
    "value.hours": ("学时“{value}”应为大于 0、不超过 999 的数，最多一位小数（例如 1.5）",
                    "Hours “{value}” must be a number above 0 and at most 999, with at most one decimal (e.g. 1.5)"),
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

class Choices(dict):
    """Aliases (code, Chinese, English; compared without case and spaces) → stored code; ``shown`` names
    each code the way a message lists it: its first Chinese alias and the code."""

    def __init__(self, pairs: dict[str, tuple[str, ...]]):
        super().__init__((_norm(alias), code) for code, aliases in pairs.items() for alias in (code, *aliases))
        self.shown = [f"{aliases[0]}（{code}）" if aliases else code for code, aliases in pairs.items()]


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-－·]+", "", str(text)).lower()


GENDER = Choices({"F": ("女", "female", "女性"), "M": ("男", "male", "男性")})
CATEGORY = Choices({"orphan": ("孤儿", "orphans", "散居孤儿", "社会散居孤儿", "集中供养孤儿", "机构养育孤儿"),
                     "de_facto_unsupported": ("事实无人抚养儿童", "de-facto unsupported", "de-facto unsupported children"),
                     "other_difficulty": ("其他困境儿童", "困境儿童", "other children in difficulty", "other")})
EXIT_REASON = Choices({"aged_out": ("年满18周岁", "成年"), "adopted": ("被收养",), "family_recovered": ("家庭恢复",),
                        "moved_away": ("迁出",), "other": ("其他",)})
RISK = Choices({"critical": ("一级", "一级·红", "红", "一级红"), "high": ("二级", "二级·橙", "橙", "二级橙"),
                 "medium": ("三级", "三级·黄", "黄", "三级黄"), "low": ("四级", "四级·蓝", "蓝", "四级蓝")})
STAGE = Choices({"reported": ("接报",), "verifying": ("核查",), "assessing": ("评估",), "intervening": ("干预",),
                  "referred": ("转介",), "follow_up": ("跟踪回访", "回访", "follow-up"), "closed": ("结案",)})
CRISIS = Choices({"suicidal_ideation": ("自杀意念",), "self_harm": ("自伤行为", "自伤"),
                   "depression_anxiety": ("抑郁焦虑",), "family_conflict": ("家庭冲突",), "abuse": ("遭受侵害",),
                   "neglect": ("监护缺失",), "bullying": ("校园欺凌",), "school_refusal": ("拒学厌学",)})
SOURCE = Choices({"school": ("学校",), "hospital": ("医院",), "police": ("公安",), "community": ("社区",),
                   "hotline": ("热线",), "active_discovery": ("主动发现",), "family": ("家庭", "家庭求助"),
                   "self": ("本人", "儿童本人")})
EVENT = Choices({"reported": ("接报",), "first_response": ("首次响应",), "stage_change": ("阶段变更",),
                  "home_visit": ("入户走访", "走访"), "phone_contact": ("电话联系",), "referral": ("转介",),
                  "closed": ("结案",)})
STAFF_ROLE = Choices({"supervisor": ("街道儿童督导员", "督导员"), "director": ("社区儿童主任", "儿童主任"),
                       "social_worker": ("社工",), "centre_staff": ("中心工作人员",)})
STATION_KIND = Choices({
    "district_service_centre": ("区未成年人保护服务中心", "服务中心", "district service centre"),
    "district_rescue_centre": ("区未成年人救助保护中心", "救助保护中心", "district rescue centre"),
    "rescue_room": ("救助保护室", "rescue protection room"),
    "street_station": ("街道未保工作站", "街道未成年人保护工作站", "工作站", "street work station"),
    "planned_facility": ("规划机构", "planned facility")})
STATION_STATUS = Choices({"open": ("运行中", "运行", "开放"), "planned": ("规划中", "规划"), "closed": ("已关闭", "关闭")})
ORG_CATEGORY = Choices({"psych_counselling": ("卫生心理咨询类", "心理咨询", "psychological counselling"),
                         "youth_social_group": ("青少年服务社会团体", "社会团体", "youth social group"),
                         "youth_service_other": ("青少年服务其他类", "其他类", "other youth service")})
TRAINING_MODE = Choices({"online": ("网络课程", "线上", "网课", "online course"),
                          "live": ("直播", "直播课", "live broadcast"),
                          "on_site": ("现场培训", "现场", "线下", "on-site session", "on site")})
GRANT_KIND = Choices({"spring_festival": ("春节慰问金", "春节", "spring festival money"),
                       "mid_autumn": ("中秋慰问金", "中秋", "mid-autumn money"),
                       "special_living": ("一次性特殊生活补助", "特殊生活补助", "special living grant"),
                       "donation": ("社会捐赠", "捐赠", "donation")})
REFERRAL = Choices({"social_org": ("社会组织",), "hospital": ("医院",), "school": ("学校",), "police": ("公安",)})
BOOL = {_norm(a): True for a in ("是", "y", "yes", "true", "1", "有")} | {
    _norm(a): False for a in ("否", "n", "no", "false", "0", "无")}
for _codes, _choice in ((vocab.CHILD_CATEGORIES, CATEGORY), (vocab.RISK_LEVELS, RISK), (vocab.STAGES, STAGE),
                        (vocab.EVENT_KINDS, EVENT), (vocab.STAFF_ROLES, STAFF_ROLE),
                        (vocab.STATION_KINDS, STATION_KIND), (vocab.STATION_STATUSES, STATION_STATUS),
                        (vocab.ORG_CATEGORIES, ORG_CATEGORY), (vocab.GRANT_KINDS, GRANT_KIND)):
    assert set(_choice.values()) == set(_codes), _codes


# --- the kinds -------------------------------------------------------------------------------

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


STREET = Field("street_id", ("街道", "street", "所属街道", "street_id", "街道代码"), "street")
COMMUNITY = Field("community_id", ("社区", "community", "所属社区", "community_id", "社区代码"), "community")
CHILD_REF = Field("child_id", ("儿童", "child", "儿童档案编号", "child_file_no", "儿童身份证号", "child_id_number"),
                  "child", True)

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


def parse_hours(value: str) -> Decimal:
    try:
        hours = Decimal(value.removesuffix("小时").removesuffix("学时").strip())
    except InvalidOperation:
        raise Bad("value.hours", value=value) from None
    if not hours.is_finite() or not 0 < hours <= 999 or hours != hours.quantize(Decimal("0.1")):
        raise Bad("value.hours", value=value)
    return hours


def parse_int(value: str) -> int:
    if not re.fullmatch(r"\d+", value) or int(value) == 0:
        raise Bad("value.integer", value=value)
    return int(value)


def parse_count(value: str) -> int:
    if not re.fullmatch(r"\d+", value):
        raise Bad("value.count", value=value)
    return int(value)


def _parse_degrees(value: str, limit: int, key: str) -> float:
    try:
        number = float(value.replace("°", "").strip())
    except ValueError:
        raise Bad(key, value=value) from None
    if not -limit <= number <= limit:
        raise Bad(key, value=value)
    return number


def parse_lat(value: str) -> float:
    return _parse_degrees(value, 90, "value.lat")


def parse_lon(value: str) -> float:
    return _parse_degrees(value, 180, "value.lon")


def parse_crs(value: str) -> str:
    crs = geo.normalise_crs(value)
    if crs is None:
        raise Bad("value.crs", value=value)
    return crs


def parse_slug(value: str) -> str:
    slug = value.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
        raise Bad("value.slug", value=value)
    return slug


def parse_place(value: str) -> str:
    """A street or community name as people write it: 华强北街道 and 福强社区 are 华强北 and 福强."""
    name = value.strip()
    for suffix in ("街道", "社区"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


def slug_of(text_: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text_.lower()).strip("-")


def parse_choice(value: str, choices: Choices) -> str:
    code = choices.get(_norm(value))
    if code is None:
        raise Bad("value.choice", value=value, allowed="、".join(choices.shown))
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
    stations: set[int] = field(default_factory=set)  # in the database or in the file
    district: District | None = None
    today: date = field(default_factory=date.today)
    last_street_order: int = 0


def _in_chunks(conn: Connection, query, column, values: list, size: int = 500) -> list:
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
            streets[_norm(alias)] = row["id"]
    communities: dict[str, list[tuple[str, str]]] = {}
    for row in conn.execute(select(C.c.id, C.c.street_id, C.c.code, C.c.name_zh, C.c.name_en)).mappings():
        for alias in {_norm(a) for a in (row["id"], row["code"], row["name_zh"], row["name_zh"] + "社区", row["name_en"])}:
            communities.setdefault(alias, []).append((row["id"], row["street_id"]))
    found = Lookups(streets, names, communities, district=read_district(conn),
                    last_street_order=conn.execute(select(func.max(S.c.sort_order))).scalar() or 0)
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
    for row in _in_chunks(conn, select(schema.stations.c.id), schema.stations.c.id, sorted(set(station_ids))):
        found.stations.add(row["id"])
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
    _check_references(conn, kind, result, scope or Scope.district(), today)
    _check_duplicates(kind, result)
    _check_stored_unique(conn, kind, result)
    if kind.finish is not None:
        kind.finish(conn, result.rows)
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
    "int": parse_int, "hours": parse_hours, "count": parse_count, "lat": parse_lat, "lon": parse_lon, "slug": parse_slug,
    "place": parse_place, "crs": parse_crs, "bool": parse_bool, "id_number": parse_id_number,
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
    if kind.table is schema.children:
        refs["child"] = [r.values.get(c) for r in result.rows for c in ("id_number", "file_no") if r.values.get(c)]
    found = load_lookups(conn, refs["child"], refs["case"], refs["staff"], refs["station"])
    found.today = today
    if kind.table is schema.stations:
        found.stations |= {r.values["id"] for r in result.rows if r.values.get("id")}
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


# --- checks of each kind ---------------------------------------------------------------------

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
    _not_before(row, "exited_on", "registered_on")


def _check_sessions(conn: Connection, rows: list[Row]) -> None:
    """Each attendance names a training session already in the database."""
    wanted = sorted({r.values["session_id"] for r in rows if isinstance(r.values.get("session_id"), int)})
    TS = schema.training_sessions
    known = {row["id"] for row in _in_chunks(conn, select(TS.c.id), TS.c.id, wanted)}
    for row in rows:
        session = row.values.get("session_id")
        if isinstance(session, int) and session not in known:
            row.problems.append(Problem(row.number, row.headers.get("session_id"), "ref.session", {"value": session}))


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


def _check_case(row: Row, _found: Lookups, _child: dict | None) -> None:
    values, headers = row.values, row.headers
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
            row.problems.append(Problem(row.number, headers["closed_at"], "value.closed_at"))
        if values["stage"] != "closed" and values.get("closed_at") is not None:
            row.problems.append(Problem(row.number, headers["closed_at"], "value.not_closed"))


def _check_payment(row: Row, _found: Lookups, child: dict | None) -> None:
    if child is not None and row.values.get("category") is None:
        row.values["category"] = child["category"]
        if child["category"] is None:
            row.problems.append(Problem(row.number, row.headers.get("child_id"), "value.category_needed"))


def _check_staff(row: Row, _found: Lookups, _child: dict | None) -> None:
    _not_before(row, "ended_on", "started_on")


def _default(column: str, source: str, transform: Callable[[str], str] = str) -> RowCheck:
    """A check that fills ``column``, when the file leaves it empty, from ``source``."""

    def fill(row: Row, _found: Lookups, _child: dict | None) -> None:
        if not row.values.get(column) and row.values.get(source):
            row.values[column] = transform(row.values[source])

    return fill


def _needs_id(alternative: str, label: str) -> RowCheck:
    """A row needs an id; without one it is made from ``alternative``."""

    def check(row: Row, _found: Lookups, _child: dict | None) -> None:
        if not row.values.get("id"):
            made = slug_of(str(row.values.get(alternative) or ""))
            if made:
                row.values["id"] = made
            elif not _has_problem(row, alternative):
                column = row.headers.get("id") or row.headers.get(alternative) or label
                row.problems.append(Problem(row.number, column, "value.id_or_name", {"other": label}))

    return check


def _sort_by_row(row: Row, found: Lookups, _child: dict | None) -> None:
    """A new street without an order comes after those there, in file order; a known one keeps its place."""
    if row.values.get("sort_order") is None:
        if row.values.get("id") in found.street_names:
            row.values.pop("sort_order", None)
        else:
            row.values["sort_order"] = found.last_street_order + row.number - 1


def _check_parent(row: Row, _found: Lookups, _child: dict | None) -> None:
    if row.values.get("parent_id") and row.values.get("parent_id") == row.values.get("id"):
        row.problems.append(Problem(row.number, row.headers["parent_id"], "value.self_parent"))


def _check_standard(row: Row, _found: Lookups, _child: dict | None) -> None:
    values = row.values
    if values.get("valid_to") and values.get("valid_from") and values["valid_to"] <= values["valid_from"]:
        row.problems.append(Problem(row.number, row.headers["valid_to"], "value.after", {
            "value": values["valid_to"], "other": row.headers["valid_from"], "other_value": values["valid_from"]}))
    if values.get("monthly_amount") is not None and values["monthly_amount"] <= 0:
        row.problems.append(Problem(row.number, row.headers["monthly_amount"], "value.positive",
                                    {"value": values["monthly_amount"]}))


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
        owners = {r[column]: tuple(r[k] for k in kind.key) for r in _in_chunks(conn, query, table.c[column], values)}
        for row in result.rows:
            owner = owners.get(row.values.get(column))
            if owner is not None and owner != tuple(row.values.get(k) for k in kind.key):
                row.problems.append(Problem(row.number, row.headers.get(column), "key.taken", {
                    "value": row.values[column], "other": " / ".join(map(str, owner))}))


# --- the kinds -------------------------------------------------------------------------------

LAT = Field("lat", ("纬度", "lat", "latitude"), "lat", True)
LON = Field("lon", ("经度", "lon", "longitude", "lng"), "lon", True)
CRS = Field("crs", ("坐标系", "crs", "coordinate system"), "crs", en="Coordinate system")
NAME_EN = Field("name_en", ("英文名称", "name_en", "english name"))

SPECS: dict[str, Kind] = {
    "streets": Kind("streets", schema.streets, ("id",), (
        Field("id", ("编号", "id", "街道编号", "street_id"), "slug", en="Id"),
        Field("code", ("区划代码", "code", "代码", "街道代码"), required=True),
        Field("name_zh", ("街道", "name_zh", "街道名称", "名称", "name"), "place", True),
        NAME_EN,
        LAT,
        LON,
        CRS,
        Field("sort_order", ("排序", "sort_order", "order"), "int"),
    ), unique=(("code",), ("name_zh",)), unique_stored=("code", "name_zh"),
        checks=(_needs_id("name_en", "英文名称 / English name"), _default("name_en", "id", str.title), _sort_by_row),
        after_write=refresh_schematic_cells),
    "communities": Kind("communities", schema.communities, ("id",), (
        Field("id", ("编号", "id", "社区编号", "community_id"), "slug", en="Id"),
        Field("code", ("区划代码", "code", "代码", "社区代码")),
        Field("name_zh", ("社区", "name_zh", "社区名称", "名称", "name"), "place", True),
        NAME_EN,
        Field("street_id", ("街道", "street", "所属街道", "street_id", "街道代码"), "street", True),
        LAT,
        LON,
        CRS,
    ), unique=(("code",),), unique_stored=("code",),
        checks=(_needs_id("code", "区划代码 / code"), _default("code", "id"), _default("name_en", "name_zh"))),
    "stations": Kind("stations", schema.stations, ("id",), (
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
    ), checks=(_default("name_en", "name_zh"), _check_parent)),
    "social_orgs": Kind("social_orgs", schema.social_orgs, ("id",), (
        Field("id", ("组织编号", "id", "编号", "org_id"), "int", True, en="Organisation number"),
        Field("name_zh", ("名称", "name_zh", "组织名称", "name"), required=True),
        NAME_EN,
        Field("category", ("组织类别", "category", "类别"), "choice", True, ORG_CATEGORY),
        STREET,
        Field("registered_on", ("登记日期", "registered_on", "成立日期", "registered"), "date", True, past=True),
        LAT,
        LON,
        CRS,
    ), checks=(_default("name_en", "name_zh"),)),
    "staff": Kind("staff", schema.staff, ("id",), (
        Field("id", ("工作人员编号", "staff_id", "编号", "id"), "int", True),
        Field("name", ("姓名", "name"), required=True),
        Field("role", ("岗位", "role", "角色"), "choice", True, STAFF_ROLE),
        STREET,
        COMMUNITY,
        Field("started_on", ("入职日期", "started_on", "started"), "date", True, past=True),
        Field("ended_on", ("离职日期", "ended_on", "ended"), "date"),
    ), checks=(_check_staff,)),
    "training_sessions": Kind("training_sessions", schema.training_sessions, ("id",), (
        Field("id", ("培训编号", "session_id", "编号", "id"), "int", True, en="Session number"),
        Field("held_on", ("培训日期", "held_on", "日期", "date"), "date", True, past=True),
        Field("mode", ("培训形式", "mode", "形式"), "choice", True, TRAINING_MODE),
        Field("topic", ("培训主题", "topic", "主题"), required=True),
        Field("hours", ("学时", "hours", "时长"), "hours"),
    )),
    "training": Kind("training", schema.training_attendance, ("session_id", "staff_id"), (
        Field("session_id", ("培训编号", "session_id", "session"), "int", True, en="Session number"),
        Field("staff_id", ("工作人员编号", "staff_id", "staff"), "staff", True),
    ), finish=_check_sessions),
    "children": Kind("children", schema.children, ("file_no",), (
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
    ), unique=(("id_number",),), checks=(_check_child,), finish=_number_new_children),
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
    ), checks=(_check_case,)),
    "case_events": Kind("case_events", schema.case_events, ("case_id", "kind", "occurred_at"), (
        Field("case_id", ("个案编号", "case_no", "case number"), "case", True),
        Field("occurred_at", ("发生时间", "occurred_at", "时间", "time"), "datetime", True, past=True),
        Field("kind", ("事件类型", "kind", "event"), "choice", True, EVENT),
        Field("stage", ("事件后阶段", "stage", "阶段"), "choice", True, STAGE),
        Field("staff_id", ("工作人员编号", "staff_id", "staff"), "staff"),
        Field("note", ("备注", "note")),
    )),
    "subsidy_standards": Kind("subsidy_standards", schema.subsidy_standards, ("category", "valid_from"), (
        Field("category", ("儿童类别", "category", "类别"), "choice", True, CATEGORY),
        Field("valid_from", ("起始日期", "valid_from", "执行日期", "from"), "date", True),
        Field("valid_to", ("截止日期", "valid_to", "to"), "date"),
        Field("monthly_amount", ("月标准", "monthly_amount", "每月金额", "标准"), "money", True),
    ), checks=(_check_standard,)),
    "payments": Kind("payments", schema.subsidy_payments, ("payment_no",), (
        Field("payment_no", ("发放编号", "payment_no", "payment number"), required=True),
        CHILD_REF,
        Field("month", ("发放月份", "month", "所属月份"), "month", True),
        Field("amount", ("发放金额", "amount", "金额"), "money", True),
        Field("paid_on", ("发放日期", "paid_on", "paid on"), "date", True, past=True),
        Field("category", ("儿童类别", "category", "类别"), "choice", choices=CATEGORY),
        STREET,
    ), checks=(_check_payment,)),
    "grants": Kind("grants", schema.grants, ("granted_on", "kind", "description_zh"), (
        Field("kind", ("补助类型", "kind", "类型", "type"), "choice", True, GRANT_KIND, en="Grant type"),
        Field("granted_on", ("发放日期", "granted_on", "date"), "date", True, past=True),
        Field("amount", ("金额", "amount", "发放金额"), "money", True),
        Field("recipients", ("受助人数", "recipients", "人数"), "count", True),
        STREET,
        Field("description_zh", ("说明", "description_zh", "描述", "description"), required=True),
        Field("description_en", ("英文说明", "description_en")),
    ), checks=(_default("description_en", "description_zh"),)),
}
assert tuple(SPECS) == KINDS


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
    replace_sample: bool = False,
) -> ImportResult:
    """Validate a file and upsert its rows in one transaction (rolled back on a dry run).

    ``scope`` (default: the whole district) limits the streets and communities rows may belong to.
    A database holding the synthetic sample refuses the file, unless ``replace_sample``: then the
    sample's rows go, the bundled district network comes in and the database is real from then on,
    all in the same transaction as the import.
    """
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            result = import_rows(conn, kind, data, file_name, mode=mode, dry_run=dry_run, username=username,
                                 today=today, scope=scope, replace_sample=replace_sample)
            if dry_run or result.blocked:
                transaction.rollback()
            else:
                transaction.commit()
                result.written = True
        except BaseException:
            transaction.rollback()
            raise
    return result


def import_rows(
    conn: Connection,
    kind: str,
    data: bytes,
    file_name: str,
    *,
    mode: str = "all-or-nothing",
    dry_run: bool = False,
    username: str | None = None,
    today: date | None = None,
    scope: Scope | None = None,
    replace_sample: bool = False,
) -> ImportResult:
    """Validate and upsert on an open transaction; the caller commits or rolls back."""
    if kind not in SPECS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
    if holds_sample(conn):
        if not replace_sample:
            validation = Validation(kind, file_name, file_problems=[Problem(None, None, "db.synthetic")])
            return ImportResult(kind, Path(file_name).name, mode, dry_run, validation)
        replace_the_sample(conn, username)
    validation = validate(conn, kind, data, file_name, today, scope)
    needs_network = any(f.kind == "street" for f in SPECS[kind].fields)
    if needs_network and not validation.file_problems and not conn.execute(select(schema.streets.c.id).limit(1)).first():
        validation.file_problems.append(Problem(None, None, "db.no_network"))
    result = ImportResult(kind, Path(file_name).name, mode, dry_run, validation)
    if not result.blocked:
        try:
            # PostgreSQL aborts a transaction at a failed statement: a savepoint keeps the audit entry writable.
            # (pysqlite's savepoints would commit the outer transaction; SQLite needs none.)
            with conn.begin_nested() if conn.dialect.name == "postgresql" else nullcontext():
                months = _payment_months(conn, validation.good_rows) if kind == "payments" else None
                _write(conn, SPECS[kind], validation.good_rows, result)
                if not dry_run and (result.inserted or result.updated):
                    refresh_summaries(conn, [kind], months)
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            validation.file_problems.append(Problem(None, None, "file.write_failed", {"detail": detail}))
            result.inserted = result.updated = result.unchanged = 0
        if not dry_run:
            audit.record(conn, username, "import", result.file_name, {"kind": kind, "mode": mode, **result.counts()})
    return result


def _payment_months(conn: Connection, rows: list[Row]) -> set[date]:
    """The months payment rows are for, and those the stored payments they replace were for."""
    P = schema.subsidy_payments
    stored = _in_chunks(conn, select(P.c.month), P.c.payment_no, sorted({row.values["payment_no"] for row in rows}))
    return {row.values["month"] for row in rows} | {found["month"] for found in stored}


def holds_sample(conn: Connection) -> bool:
    info = schema.dataset_info
    return conn.execute(select(info.c.value).where(info.c.key == "synthetic")).scalar() == "true"


# Tables whose rows are the sample's own; the network tables are reloaded, accounts and the audit trail kept.
SAMPLE_TABLES = ("case_events", "cases", "subsidy_payments", "grants", "subsidy_standards", "children",
                 "training_attendance", "training_sessions", "staff",
                 "social_orgs", "stations")


def replace_the_sample(conn: Connection, username: str | None) -> None:
    """Delete the synthetic rows and load the bundled district network: the database becomes real."""
    from data_access import district

    tables = schema.metadata.tables
    conn.execute(update(tables["stations"]).values(parent_id=None))
    for name in SAMPLE_TABLES:
        conn.execute(delete(tables[name]))
    info = schema.dataset_info
    conn.execute(delete(info).where(info.c.key.in_(("synthetic", "as_of", "scale", "seed", "first_month", "version"))))
    report = district.load_network(conn, district.bundled_network(), username)
    if not report.ok:
        raise RuntimeError("; ".join(report.lines("en")))
    district.set_info(conn, [{"key": "replaced_sample_on", "value": date.today().isoformat()}])
    refresh_summaries(conn)  # the sample's payments and register are gone


def _write(conn: Connection, kind: Kind, rows: list[Row], result: ImportResult) -> None:
    table = kind.table
    existing = _existing(conn, kind, rows)
    inserts, updates = [], []
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
        updates.append((current["id"], changed))
    if "parent_id" in table.c:
        inserts = _parents_first(inserts)
    for _, batch in groupby(inserts, key=lambda v: tuple(sorted(v))):
        conn.execute(insert(table), list(batch))
    result.inserted = len(inserts)
    for key, changed in updates:
        conn.execute(update(table).where(table.c.id == key).values(**changed))
    result.updated = len(updates)
    if inserts and "id" in kind.key and isinstance(table.c.id.type, Integer) and conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                          f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
    if kind.after_write is not None and (inserts or updates):
        kind.after_write(conn)


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
    parser.add_argument("--replace-sample", action="store_true",
                        help="on the synthetic sample database: delete the sample and make the database real for good")
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
                        username=getpass.getuser(), replace_sample=args.replace_sample)
    engine.dispose()
    for line in result.report(lang):
        print(line)
    if args.rejects and result.rejected:
        args.rejects.write_bytes(rejects_csv(result.rejects(lang)))
        print(message("report.rejects", lang, path=args.rejects))
    return 1 if result.blocked else 0


if __name__ == "__main__":
    sys.exit(main())
