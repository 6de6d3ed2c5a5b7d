"""The values a cell may hold: accepted aliases of stored codes, and the parser of each kind of field."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from data_access import geo, idcard, vocab
from data_access.importer.problems import Bad


class Choices(dict):
    """Aliases (code, Chinese, English; compared without case and spaces) → stored code; ``shown`` names
    each code the way a message lists it: its first Chinese alias and the code."""

    def __init__(self, pairs: dict[str, tuple[str, ...]]):
        super().__init__((norm(alias), code) for code, aliases in pairs.items() for alias in (code, *aliases))
        self.shown = [f"{aliases[0]}（{code}）" if aliases else code for code, aliases in pairs.items()]


def norm(text: str) -> str:
    """A header or alias as compared: without case, spaces, underscores, hyphens and middle dots."""
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
BOOL = {norm(a): True for a in ("是", "y", "yes", "true", "1", "有")} | {
    norm(a): False for a in ("否", "n", "no", "false", "0", "无")}
for _codes, _choice in ((vocab.CHILD_CATEGORIES, CATEGORY), (vocab.RISK_LEVELS, RISK), (vocab.STAGES, STAGE),
                        (vocab.EVENT_KINDS, EVENT), (vocab.STAFF_ROLES, STAFF_ROLE),
                        (vocab.STATION_KINDS, STATION_KIND), (vocab.STATION_STATUSES, STATION_STATUS),
                        (vocab.ORG_CATEGORIES, ORG_CATEGORY), (vocab.GRANT_KINDS, GRANT_KIND)):
    assert set(_choice.values()) == set(_codes), _codes


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
    code = choices.get(norm(value))
    if code is None:
        raise Bad("value.choice", value=value, allowed="、".join(choices.shown))
    return code


def parse_bool(value: str) -> bool:
    if norm(value) not in BOOL:
        raise Bad("value.bool", value=value)
    return BOOL[norm(value)]


def parse_id_number(value: str) -> str:
    number = value.replace(" ", "").upper()
    found = idcard.problem(number)
    if found:
        raise Bad(found[0], **found[1])
    return number


PARSERS: dict[str, Callable[[str], object]] = {
    "date": parse_date, "datetime": parse_datetime, "month": parse_month, "money": parse_money,
    "int": parse_int, "hours": parse_hours, "count": parse_count, "lat": parse_lat, "lon": parse_lon, "slug": parse_slug,
    "place": parse_place, "crs": parse_crs, "bool": parse_bool, "id_number": parse_id_number,
}
