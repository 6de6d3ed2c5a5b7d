"""Build a synthetic, deterministic database calibrated to the bureau's published 2022 figures.

Every person in it is invented. ID numbers use the region code 990304, which no real region has,
phone numbers start with 100, which no mobile number does, and addresses are on 示例路 ("example
road"), so none of them can be a real person's.

Calibration (scale 1): 10 street stations, 10 supervisors, 92 directors, 27 social organisations
(8/9/10); subsidy standard 2,454 yuan a month for orphans and de-facto unsupported children from
2022-01; 2022 Q2 payments 556 person-times and 641,800.00 yuan; the year's festival and special
living grants 10,000 yuan; the March 2022 donation 46,000 yuan for 81 children. A few payment
errors are planted in 2022 Q2 for the reconciliation to find (see plant_payment_errors), and a few
offsetting ones in every other quarter (plant_quarterly_errors).

Every year up to the as-of date has its festival and special grants, a donation (from 2022 on) and
its online courses, live broadcasts and on-site training sessions, so a recent as-of date shows no
year left empty by the sample.

Each month's draws use their own random stream, so a month's data does not depend on the as-of
date the database is built for.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from shapely.geometry import Point
from sqlalchemy import Engine, func, insert, inspect, select, text

from data_access import district, idcard, migrate, schema, vocab
from data_access.rules import CaseRules, load_rules
from data_access.summaries import refresh_summaries
from data_access.types import add_months
from sample_data.geography import STREETS, geometry_json, street_cells

# Raise when the schema or the generator changes, so cached databases (bench) are rebuilt.
SAMPLE_VERSION = "10"
FIRST_MONTH = date(2021, 1, 1)
DEFAULT_AS_OF = datetime(2022, 6, 30, 18, 0)
DEFAULT_SEED = 2022
FAKE_REGION = "990304"

# Monthly standards (yuan): (category group, valid_from, valid_to, amount).
STANDARDS = (
    ("full", date(2021, 1, 1), date(2022, 1, 1), Decimal("2300.00")),
    ("full", date(2022, 1, 1), None, Decimal("2454.00")),
    ("other", date(2021, 1, 1), date(2022, 1, 1), Decimal("800.00")),
    ("other", date(2022, 1, 1), None, Decimal("841.00")),
)
# Children paid in each month of 2022 Q2: (full-standard group, other children in difficulty).
# 2,454 x 108 + 841 x 448 = 641,800 yuan over 556 person-times.
CALIBRATED_MONTHS = {
    date(2022, 4, 1): (36, 149),
    date(2022, 5, 1): (36, 149),
    date(2022, 6, 1): (36, 150),
}
START_POPULATION = (33, 138)
MONTHLY_GROWTH = (0.12, 0.5)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
GIVEN = "安晨宇轩浩然子涵欣怡梓萱思远俊杰雨彤嘉怡佳琪明轩博文一诺语桐诗雨若曦天佑泽宇昊天可馨紫涵梦瑶逸飞家豪晓彤志强丽华建国秀英海燕文静伟明丹丹敏杰红梅"

ORG_NAMES = {
    "psych_counselling": ("心晴", "知心", "晨曦", "向阳", "心桥", "守望", "馨语", "安心"),
    "youth_social_group": ("青苗", "春芽", "启航", "同行", "阳光", "彩虹", "希望", "成长", "朝露"),
    "youth_service_other": ("明德", "益友", "童心", "护苗", "蓝天", "绿洲", "星火", "暖阳", "新芽", "善行"),
}
ORG_SUFFIX = {
    "psych_counselling": ("心理咨询中心", "Psychological Counselling Centre"),
    "youth_social_group": ("青少年服务协会", "Youth Service Association"),
    "youth_service_other": ("青少年社工服务社", "Youth Social Work Service"),
}

RISK_WEIGHTS = {"critical": 8, "high": 22, "medium": 40, "low": 30}
CRISIS_WEIGHTS = {
    "suicidal_ideation": 10,
    "self_harm": 10,
    "depression_anxiety": 24,
    "family_conflict": 18,
    "abuse": 8,
    "neglect": 8,
    "bullying": 10,
    "school_refusal": 12,
}
SOURCE_WEIGHTS = {
    "school": 30,
    "hospital": 10,
    "police": 8,
    "community": 12,
    "hotline": 10,
    "active_discovery": 15,
    "family": 10,
    "self": 5,
}
CASES_PER_MONTH = (28, 44)


class DatabaseNotEmpty(RuntimeError):
    """The target database already holds data and replacing it was not asked for."""


ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class BuildSummary:
    as_of: datetime
    scale: int
    seed: int
    rows: dict[str, int]


def build_database(
    engine: Engine,
    *,
    as_of: datetime = DEFAULT_AS_OF,
    scale: int = 1,
    seed: int = DEFAULT_SEED,
    replace: bool = False,
    progress: ProgressCallback | None = None,
    rules: CaseRules | None = None,
) -> BuildSummary:
    """Create the schema and fill it with synthetic data up to ``as_of``."""
    if scale < 1:
        raise ValueError("scale must be 1 or more")
    if as_of.date() < FIRST_MONTH:
        raise ValueError(f"as-of must be on or after {FIRST_MONTH.isoformat()}")
    report = progress or (lambda _fraction, _message: None)

    if holds_data(engine) and not holds_sample(engine):
        raise DatabaseNotEmpty(
            f"{engine.url.render_as_string(hide_password=True)} holds a district's real data, not the synthetic "
            "sample; the sample is never built over it"
        )
    if holds_data(engine) and not replace:
        raise DatabaseNotEmpty(
            f"{engine.url.render_as_string(hide_password=True)} already holds data; "
            "pass --replace to delete it and build the sample again"
        )
    report(0.02, "creating the schema")
    schema.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrate.upgrade(engine)

    generator = _Generator(as_of=as_of, scale=scale, seed=seed, rules=rules or load_rules())
    tables = generator.generate(report)

    report(0.7, "writing to the database")
    with engine.begin() as conn:
        for number, (table, rows) in enumerate(tables.items()):
            _write_rows(conn, table, rows)
            report(0.7 + 0.28 * (number + 1) / len(tables), f"wrote {table.name}")
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn)
        # Planner statistics before the summaries are counted: on fresh tables without them PostgreSQL
        # picks nested loops over millions of payments at a province's scale.
        conn.execute(text("ANALYZE"))
        refresh_summaries(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":  # what autovacuum would get to: the index-only scans need it
            names = (conn.dialect.identifier_preparer.format_table(table) for table in schema.metadata.sorted_tables)
            conn.execute(text("VACUUM (ANALYZE) " + ", ".join(names)))
        else:
            conn.execute(text("ANALYZE"))
    report(1.0, "done")
    return BuildSummary(as_of, scale, seed, {t.name: len(rows) for t, rows in tables.items()})


def _write_rows(conn, table, rows: list[dict]) -> None:
    """Insert a table's rows (each with the same keys); through psycopg's COPY on PostgreSQL, which at a province's
    scale takes minutes where INSERT takes most of an hour."""
    if conn.dialect.driver != "psycopg":
        for start in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[start : start + 5000])
        return
    from psycopg import sql

    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with conn.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


def holds_data(engine: Engine) -> bool:
    names = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            if table.name in names and conn.execute(select(func.count()).select_from(table)).scalar():
                return True
    return False


def holds_sample(engine: Engine) -> bool:
    """Whether the database's data is the synthetic sample (and so may be rebuilt)."""
    if "dataset_info" not in inspect(engine).get_table_names():
        return False
    with engine.connect() as conn:
        info = schema.dataset_info
        return conn.execute(select(info.c.value).where(info.c.key == "synthetic")).scalar() == "true"


def _reset_sequences(conn) -> None:
    for table in schema.metadata.sorted_tables:
        if "id" in table.c and isinstance(table.c.id.type, schema.Integer) and table.c.id.autoincrement:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def _months(first: date, last: date) -> list[date]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


# Festival and special grants each year: a week or so before the Spring Festival and the Mid-Autumn
# Festival, and on the eve of Children's Day (2021 and 2022 as published).
GRANT_DAYS = (
    (2021, date(2021, 2, 5), date(2021, 5, 31), date(2021, 9, 16)),
    (2022, date(2022, 1, 25), date(2022, 5, 31), date(2022, 9, 6)),
    *((year, spring - timedelta(days=7), date(year, 5, 31), autumn - timedelta(days=5)) for year, spring, autumn in (
        (2023, date(2023, 1, 22), date(2023, 9, 29)), (2024, date(2024, 2, 10), date(2024, 9, 17)),
        (2025, date(2025, 1, 29), date(2025, 10, 6)), (2026, date(2026, 2, 17), date(2026, 9, 25)),
        (2027, date(2027, 2, 6), date(2027, 9, 15)), (2028, date(2028, 1, 26), date(2028, 10, 3)),
        (2029, date(2029, 2, 13), date(2029, 9, 22)), (2030, date(2030, 2, 3), date(2030, 9, 12)),
    )),
)
# Each year's training: (month, day, mode, topic, hours); the seed describes online courses, live
# broadcasts and on-site sessions every year.
TRAINING_PLAN = (
    (1, 12, "online", "困境儿童保障政策网络课程", "2"),
    (3, 15, "on_site", "未成年人保护法律法规专题培训", "3"),
    (5, 20, "live", "强制报告制度直播课", "1.5"),
    (7, 8, "online", "儿童心理健康网络课程", "2"),
    (9, 18, "on_site", "个案管理与危机干预实务培训", "3"),
    (11, 24, "live", "年度工作交流直播", "1.5"),
)
ATTENDANCE = {"online": 0.35, "live": 0.3, "on_site": 0.5}


class _Generator:
    def __init__(self, *, as_of: datetime, scale: int, seed: int, rules: CaseRules):
        self.as_of = as_of
        self.scale = scale
        self.seed = seed
        self.rules = rules
        self.months = _months(FIRST_MONTH, date(as_of.year, as_of.month, 1))
        self.rows: dict = defaultdict(list)
        self.paid: dict[date, list[dict]] = {}
        self.next_id: Counter = Counter()
        self.id_serials: Counter = Counter()
        self.id_serials_used: dict[str, set[int]] = defaultdict(set)

    def rng(self, *key: object) -> random.Random:
        return random.Random("/".join(map(str, (self.seed, *key))))

    def new_id(self, table) -> int:
        self.next_id[table.name] += 1
        return self.next_id[table.name]

    def add(self, table, **row) -> int:
        if "id" in table.c and "id" not in row:
            row["id"] = self.new_id(table)
        row = {c.name: None for c in table.c if c.server_default is None} | row
        self.rows[table].append(row)
        return row.get("id")

    def generate(self, report: ProgressCallback) -> dict:
        report(0.05, "streets and communities")
        self.geography()
        report(0.1, "stations, staff and organisations")
        self.network()
        report(0.2, "children in difficulty and subsidies")
        self.register_and_payments()
        self.plant_payment_errors()
        self.grants()
        report(0.4, "crisis cases")
        self.crisis_cases()
        self.training()
        self.add(schema.dataset_info, key="synthetic", value="true")
        self.add(schema.dataset_info, key="as_of", value=self.as_of.isoformat(timespec="minutes"))
        self.add(schema.dataset_info, key="scale", value=str(self.scale))
        self.add(schema.dataset_info, key="seed", value=str(self.seed))
        self.add(schema.dataset_info, key="first_month", value=FIRST_MONTH.isoformat())
        self.add(schema.dataset_info, key="version", value=SAMPLE_VERSION)
        for row in district.district_rows(district.bundled_network("futian").district):
            self.add(schema.dataset_info, **row)
        return {t: self.rows[t] for t in schema.metadata.sorted_tables if self.rows[t]}

    # --- reference network -------------------------------------------------------------

    def geography(self) -> None:
        cells = street_cells()
        self.community_ids: dict[str, list[str]] = {}
        self.community_weights: dict[str, int] = {}
        for order, (sid, name_zh, name_en, lat, lon, communities) in enumerate(STREETS, start=1):
            street_code = f"{FAKE_REGION}{order:03d}"
            self.add(
                schema.streets,
                id=sid,
                code=street_code,
                name_zh=name_zh,
                name_en=name_en,
                lat=lat,
                lon=lon,
                sort_order=order,
                geometry=geometry_json(cells[sid]),
                geometry_crs="WGS84",
                geometry_source="schematic",
            )
            rng = self.rng("communities", sid)
            ids = []
            for number, (c_zh, c_en) in enumerate(communities, start=1):
                cid = f"{sid}-{number:02d}"
                c_lat, c_lon = _point_in(cells[sid], lat, lon, rng)
                self.add(
                    schema.communities,
                    id=cid,
                    street_id=sid,
                    code=f"{street_code}{number:03d}",
                    name_zh=c_zh,
                    name_en=c_en,
                    lat=c_lat,
                    lon=c_lon,
                )
                ids.append(cid)
            self.community_ids[sid] = ids
            self.community_weights[sid] = len(ids)
        self.street_centres = {sid: (lat, lon) for sid, _, _, lat, lon, _ in STREETS}
        self.street_names = {sid: (zh, en) for sid, zh, en, _, _, _ in STREETS}

    def network(self) -> None:
        rng = self.rng("network")
        S = schema.stations
        self.add(S, kind="district_service_centre", name_zh="福田区未成年人保护服务中心",
                 name_en="Futian District Minor Protection Service Centre", status="open",
                 opened_on=date(2020, 6, 1), lat=22.54120, lon=114.05620)
        rescue = self.add(S, kind="district_rescue_centre", name_zh="福田区未成年人救助保护中心",
                          name_en="Futian District Minor Rescue and Protection Centre", status="open",
                          opened_on=date(2020, 3, 1), lat=22.56280, lon=114.04310)
        for number in (1, 2):
            self.add(S, kind="rescue_room", name_zh=f"未成年人救助保护室{number}",
                     name_en=f"Rescue Protection Room {number}", parent_id=rescue, status="open",
                     opened_on=date(2020, 3, 1), beds=4, lat=22.56280 + 0.0003 * number, lon=114.04310)
        self.add(S, kind="planned_facility", name_zh="福利中心二期未成年人保护服务机构（规划）",
                 name_en="Minor protection facility, welfare centre phase II (planned)", parent_id=rescue,
                 status="planned", beds=30, area_m2=2000, lat=22.56020, lon=114.04750)
        self.street_station: dict[str, int] = {}
        for sid, (lat, lon) in self.street_centres.items():
            zh, en = self.street_names[sid]
            self.street_station[sid] = self.add(
                S, kind="street_station", name_zh=f"{zh}街道未成年人保护工作站",
                name_en=f"{en} Street Minor Protection Work Station", street_id=sid, status="open",
                opened_on=date(2020, 7, 1) + timedelta(days=rng.randrange(0, 540)),
                lat=round(lat + rng.uniform(-0.002, 0.002), 5), lon=round(lon + rng.uniform(-0.002, 0.002), 5))

        self.workers: dict[str, list[int]] = {}
        self.directors: dict[str, int] = {}
        for sid in self.street_centres:
            self.staff(rng, "supervisor", sid, station_id=self.street_station[sid])
            self.workers[sid] = [
                self.staff(rng, "social_worker", sid, station_id=self.street_station[sid]) for _ in range(3)
            ]
            for cid in self.community_ids[sid]:
                self.directors[cid] = self.staff(rng, "director", sid, community_id=cid)
        for _ in range(6):
            self.staff(rng, "centre_staff", None, station_id=1)

        orgs = [(cat, word) for cat, words in ORG_NAMES.items() for word in words]
        street_ids = list(self.street_centres)
        self.orgs_by_street: dict[str, list[int]] = defaultdict(list)
        for number, (category, word) in enumerate(orgs):
            sid = street_ids[number % len(street_ids)]
            lat, lon = self.street_centres[sid]
            suffix_zh, suffix_en = ORG_SUFFIX[category]
            org_id = self.add(
                schema.social_orgs, name_zh=f"福田区{word}{suffix_zh}", name_en=f"Futian {_pinyin_word(word)} {suffix_en}",
                category=category, street_id=sid,
                registered_on=date(2014, 1, 1) + timedelta(days=rng.randrange(0, 3000)),
                lat=round(lat + rng.uniform(-0.006, 0.006), 5), lon=round(lon + rng.uniform(-0.006, 0.006), 5))
            self.orgs_by_street[sid].append(org_id)

    def staff(self, rng: random.Random, role: str, street_id: str | None, **where) -> int:
        started = date(2016, 1, 1) + timedelta(days=rng.randrange(0, 1800))
        # Once a training date; still drawn so that every later row of the sample stays as it was.
        if rng.random() < 0.9:
            rng.randrange(0, 270)
        return self.add(schema.staff, name=_name(rng), role=role, street_id=street_id, started_on=started, **where)

    def training(self) -> None:
        """Every year's online courses, live broadcasts and on-site sessions up to the as-of date; each staff
        member in post that day attends with the mode's likelihood."""
        staff = self.rows[schema.staff]
        for year in range(FIRST_MONTH.year, self.as_of.year + 1):
            rng = self.rng("training", year)
            for month, day, mode, topic, hours in TRAINING_PLAN:
                held = date(year, month, day)
                if held > self.as_of.date():
                    return
                session = self.add(schema.training_sessions, held_on=held, mode=mode, topic=topic,
                                   hours=Decimal(hours))
                for person in staff:
                    in_post = person["started_on"] <= held and (person["ended_on"] is None or person["ended_on"] > held)
                    if in_post and rng.random() < ATTENDANCE[mode]:
                        self.add(schema.training_attendance, session_id=session, staff_id=person["id"])

    # --- children in difficulty and subsidies ---------------------------------------------

    def register_and_payments(self) -> None:
        standards = []
        for group, valid_from, valid_to, amount in STANDARDS:
            for category in _categories(group):
                self.add(schema.subsidy_standards, category=category, valid_from=valid_from, valid_to=valid_to,
                         monthly_amount=amount)
                standards.append((category, valid_from, valid_to, amount))

        active: dict[str, list[dict]] = {"full": [], "other": []}
        rng = self.rng("register", "start")
        for group, count in zip(("full", "other"), START_POPULATION):
            for _ in range(count * self.scale):
                registered = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 2190))
                active[group].append(self.child(rng, group, registered))

        for number, month in enumerate(self.months):
            rng = self.rng("register", month)
            last = month_end(month)
            for group_index, group in enumerate(("full", "other")):
                members = active[group]
                still = []
                for child in members:
                    birthday = _birthday(child["birth_date"], 18)
                    if birthday <= last:
                        child.update(exited_on=max(birthday, child["registered_on"]), exit_reason="aged_out")
                    elif rng.random() < 0.008:
                        child.update(exited_on=month + timedelta(days=rng.randrange(0, last.day)),
                                     exit_reason=rng.choice(("adopted", "family_recovered", "moved_away")))
                    else:
                        still.append(child)
                target = self.target(month, number, group_index, rng)
                while len(still) > target:
                    child = still.pop(rng.randrange(len(still)))
                    child.update(exited_on=month + timedelta(days=rng.randrange(0, last.day)),
                                 exit_reason="family_recovered")
                while len(still) < target:
                    still.append(self.child(rng, group, month + timedelta(days=rng.randrange(0, last.day))))
                active[group] = still
                for child in still:
                    self.pay(rng, child, month, standards)

    def target(self, month: date, number: int, group_index: int, rng: random.Random) -> int:
        if month in CALIBRATED_MONTHS and self.scale == 1:
            return CALIBRATED_MONTHS[month][group_index]
        base = START_POPULATION[group_index] + MONTHLY_GROWTH[group_index] * number
        return round((base + rng.uniform(-1.5, 1.5)) * self.scale)

    def child(self, rng: random.Random, group: str, registered: date | None, street_id: str | None = None,
              age_range: tuple[int, int] = (1, 16), age_on: date | None = None) -> dict:
        """A new child, ``age_range`` years old on ``age_on`` (default: the registration date)."""
        street_id = street_id or self.pick_street(rng)
        on = age_on or registered
        birth = on - timedelta(days=rng.randrange(age_range[0] * 365, age_range[1] * 365 + 300))
        child_id = self.new_id(schema.children)
        category = None
        if group == "full":
            category = "orphan" if rng.random() < 0.35 else "de_facto_unsupported"
        elif group == "other":
            category = "other_difficulty"
        row = dict(
            id=child_id,
            file_no=f"FT{child_id:08d}",
            name=_name(rng),
            id_number=self.id_number(birth, rng),
            gender=rng.choice(vocab.GENDERS),
            birth_date=birth,
            street_id=street_id,
            community_id=rng.choice(self.community_ids[street_id]),
            category=category,
            registered_on=registered,
            exited_on=None,
            exit_reason=None,
            # No mobile number in China starts with 100, and 示例路 ("example road") is nowhere.
            guardian_phone=f"100{rng.randrange(10**8):08d}",
            address=f"福田区示例路{rng.randrange(1, 400)}号",
        )
        self.rows[schema.children].append(row)
        return row

    def id_number(self, birth: date, rng: random.Random) -> str:
        key = birth.isoformat()
        self.id_serials[key] += 1
        serial = (self.id_serials[key] * 7 + rng.randrange(0, 7)) % 1000
        # Past 142 children born on one day the serials wrap: take the next free one (a province's scale).
        while serial in self.id_serials_used[key]:
            serial = (serial + 1) % 1000
        self.id_serials_used[key].add(serial)
        body = f"{FAKE_REGION}{birth:%Y%m%d}{serial:03d}"
        return body + idcard.check_character(body)

    def pay(self, rng: random.Random, child: dict, month: date, standards: list) -> None:
        paid_on = month + timedelta(days=9 + rng.randrange(0, 6))
        if paid_on > self.as_of.date():
            return
        amount = next(
            amount
            for category, valid_from, valid_to, amount in standards
            if category == child["category"] and valid_from <= month and (valid_to is None or month < valid_to)
        )
        self.add(schema.subsidy_payments, payment_no=f"P{month:%Y%m}-{child['id']:07d}", child_id=child["id"],
                 month=month, category=child["category"], street_id=child["street_id"], amount=amount,
                 paid_on=paid_on)
        self.paid.setdefault(month, []).append(self.rows[schema.subsidy_payments][-1])

    def plant_payment_errors(self) -> None:
        """A few payment errors of each kind for the reconciliation to find, in 2022 Q2.

        They offset each other, so the quarter's 556 person-times and 641,800 yuan stay as published:
        an underpayment and an overpayment of 100 yuan in April; in May one eligible child goes
        unpaid while another is paid twice; one child is paid after leaving the register in May,
        another after turning 18 in May without having been taken off it.
        """
        april, may, june = date(2022, 4, 1), date(2022, 5, 1), date(2022, 6, 1)
        if june not in self.paid:
            return
        children = {c["id"]: c for c in self.rows[schema.children]}

        def paid_ids(month: date) -> set[int]:
            return {p["child_id"] for p in self.paid[month] if p["category"] in vocab.FULL_STANDARD_CATEGORIES}

        steady = sorted(paid_ids(april) & paid_ids(may) & paid_ids(june))
        rng = self.rng("payment errors")
        under, over, unpaid, twice, left, adult = rng.sample(steady, 6)
        by_child = {(p["child_id"], p["month"]): p for p in self.rows[schema.subsidy_payments]}
        by_child[(under, april)]["amount"] -= 100
        by_child[(over, april)]["amount"] += 100
        self.rows[schema.subsidy_payments].remove(by_child[(unpaid, may)])
        again = dict(by_child[(twice, may)], id=self.new_id(schema.subsidy_payments))
        again["payment_no"] += "-2"
        again["paid_on"] += timedelta(days=3)
        self.rows[schema.subsidy_payments].append(again)
        children[left].update(exited_on=date(2022, 5, 10), exit_reason="moved_away")
        turned = children[adult]
        turned["birth_date"] = date(2004, 5, 20)
        turned["id_number"] = self.id_number(turned["birth_date"], rng)
        # The reconciliation found them: neither is paid again from July.
        stopped = [p for p in self.rows[schema.subsidy_payments]
                   if p["child_id"] in (left, adult) and p["month"] >= date(2022, 7, 1)]
        for payment in stopped:
            self.rows[schema.subsidy_payments].remove(payment)
            self.paid[payment["month"]].remove(payment)
        self.plant_quarterly_errors()

    def plant_quarterly_errors(self) -> None:
        """Every other quarter's few errors, so no quarter's reconciliation is empty by an artefact.

        In the quarter's first month one child is underpaid and another overpaid by the same sum; in its
        second month one child goes unpaid while another of the same category and amount is paid twice.
        They offset each other, so every month's person-times and amount stay as paid. The wrong amounts
        fall on other children in difficulty, so the orphans' 2022 amounts keep the two errors of 2022 Q2.
        Each month's errors use the month's own random stream.
        """
        for first in self.months[::3]:
            if first.month % 3 != 1 or first == date(2022, 4, 1):
                continue
            month, second = first, add_months(first, 1)
            if month in self.paid:
                rng = self.rng("payment errors", month)
                others = sorted((p for p in self.paid[month] if p["category"] == "other_difficulty"),
                                key=lambda p: p["child_id"])
                if len(others) >= 2:
                    under, over = rng.sample(others, 2)
                    sum_ = Decimal(rng.choice(("50", "100", "120")))
                    under["amount"] -= sum_
                    over["amount"] += sum_
            if second in self.paid:
                rng = self.rng("payment errors", second)
                rows = sorted(self.paid[second], key=lambda p: p["child_id"])
                unpaid = rng.choice(rows)
                peers = [p for p in rows if p is not unpaid and p["category"] == unpaid["category"]
                         and p["amount"] == unpaid["amount"]]
                if peers:
                    twice = rng.choice(peers)
                    self.rows[schema.subsidy_payments].remove(unpaid)
                    self.paid[second].remove(unpaid)
                    again = dict(twice, id=self.new_id(schema.subsidy_payments))
                    again["payment_no"] += "-2"
                    again["paid_on"] += timedelta(days=rng.randrange(2, 6))
                    self.rows[schema.subsidy_payments].append(again)
                    self.paid[second].append(again)

    def pick_street(self, rng: random.Random) -> str:
        streets = list(self.community_weights)
        return rng.choices(streets, weights=[self.community_weights[s] for s in streets])[0]

    def grants(self) -> None:
        plan = []
        for year, spring, children_day, mid_autumn in GRANT_DAYS:
            plan += [
                ("spring_festival", spring, "4000.00", 40, f"{year}年春节困境儿童慰问金", f"{year} Spring Festival condolence money"),
                ("special_living", children_day, "3000.00", 10, f"{year}年一次性特殊生活补助", f"{year} one-off special living grant"),
                ("mid_autumn", mid_autumn, "3000.00", 30, f"{year}年中秋困境儿童慰问金", f"{year} Mid-Autumn condolence money"),
            ]
        plan.append(("donation", date(2022, 3, 18), "46000.00", 81,
                     "疫情期间爱心企业和爱心人士捐赠（口罩、护眼台灯、慰问信）",
                     "Epidemic donations from companies and individuals (masks, eye-care lamps, letters)"))
        for year in range(2023, self.as_of.year + 1):
            rng = self.rng("donation", year)
            plan.append(("donation", date(year, 3, 1) + timedelta(days=rng.randrange(0, 60)),
                         f"{rng.randrange(30, 60) * 1000}.00", rng.randrange(60, 100),
                         f"{year}年爱心企业和爱心人士捐赠（学习用品、护眼台灯、慰问信）",
                         f"{year} donations from companies and individuals (school supplies, eye-care lamps, letters)"))
        for kind, on, amount, recipients, zh, en in plan:
            if on <= self.as_of.date():
                self.add(schema.grants, kind=kind, granted_on=on, amount=Decimal(amount), recipients=recipients,
                         street_id=None, description_zh=zh, description_en=en)

    # --- crisis cases -----------------------------------------------------------------------

    def crisis_cases(self) -> None:
        registered = defaultdict(list)
        for child in self.rows[schema.children]:
            if child["category"]:
                registered[child["street_id"]].append(child)
        serials: Counter = Counter()
        for month in self.months:
            rng = self.rng("cases", month)
            count = rng.randint(*CASES_PER_MONTH) * self.scale
            last_day = min(month_end(month), self.as_of.date())
            # A month still running at the as-of date has the reports of its days so far, not a whole month's.
            count = round(count * last_day.day / month_end(month).day)
            for _ in range(count):
                reported = datetime.combine(
                    month + timedelta(days=rng.randrange(0, last_day.day)), time(rng.randrange(7, 23), rng.randrange(60))
                )
                if reported > self.as_of:
                    continue
                serials[reported.year] += 1
                self.case(rng, reported, f"FT-{reported.year}-{serials[reported.year]:05d}", registered)

    def case(self, rng: random.Random, reported: datetime, case_no: str, registered: dict) -> None:
        street_id = self.pick_street(rng)
        day = reported.date()
        child = None
        if rng.random() < 0.2 and registered[street_id]:
            for candidate in rng.choices(registered[street_id], k=5):
                if candidate["registered_on"] <= day and (candidate["exited_on"] is None or candidate["exited_on"] > day):
                    child = candidate
                    break
        if child is None:
            child = self.child(rng, "none", None, street_id=street_id, age_range=(6, 16), age_on=day)
        risk = _weighted(rng, RISK_WEIGHTS)
        crisis = _weighted(rng, CRISIS_WEIGHTS)
        source = _weighted(rng, SOURCE_WEIGHTS)
        rule = self.rules.risk(risk)
        self_harm = crisis in ("suicidal_ideation", "self_harm") or rng.random() < 0.04
        holder = rng.choice(self.workers[street_id]) if rng.random() < 0.7 else self.directors[child["community_id"]]

        late = rng.random() < 0.1
        respond = reported + rule.first_response * (rng.uniform(1.1, 3.0) if late else rng.uniform(0.1, 0.9))
        events = [(reported, "reported", "reported"), (respond, "first_response", "verifying")]
        at = respond
        referred = rng.random() < 0.4
        steps = [("assessing", 1, 5), ("intervening", 2, 10)]
        steps += [("referred", 3, 15)] if referred else []
        steps += [("follow_up", 7, 30)]
        for stage, low, high in steps:
            at += timedelta(days=rng.uniform(low, high))
            events.append((at, "referral" if stage == "referred" else "stage_change", stage))
        closed = at + timedelta(days=rng.uniform(20, 90))
        contacts = []
        contact = respond
        gap_at = rng.random() < 0.3
        while True:
            stretch = rng.uniform(1.3, 3.0) if gap_at and rng.random() < 0.5 else rng.uniform(0.4, 1.0)
            contact += rule.follow_up * stretch
            if contact >= closed:
                break
            contacts.append(contact)
        events += [(c, rng.choice(("home_visit", "phone_contact")), None) for c in contacts]
        events.append((closed, "closed", "closed"))
        events.sort(key=lambda e: e[0])

        stage = "reported"
        kept = []
        for when, kind, new_stage in events:
            if when > self.as_of:
                break
            stage = new_stage or stage
            kept.append((when, kind, stage))
        contact_times = [w for w, k, _ in kept if k in vocab.CONTACT_EVENT_KINDS]
        referral_at = next((w for w, k, _ in kept if k == "referral"), None)
        target = org = status = None
        if referral_at:
            target = rng.choice(vocab.REFERRAL_TARGETS)
            org = rng.choice(self.orgs_by_street[street_id] or [1]) if target == "social_org" else None
            if stage == "closed":
                status = "completed"
            else:
                status = "pending" if self.as_of - referral_at < timedelta(days=5) else "accepted"

        case_id = self.add(
            schema.cases,
            case_no=case_no,
            child_id=child["id"],
            street_id=street_id,
            community_id=child["community_id"],
            risk_level=risk,
            stage=stage,
            crisis_type=crisis,
            source=source,
            mandatory_report=source in vocab.MANDATORY_SOURCES,
            flag_self_harm=self_harm,
            flag_safety_plan=self_harm and risk in ("critical", "high"),
            flag_temp_guardianship=crisis in ("abuse", "neglect") and rng.random() < 0.3,
            assigned_staff_id=holder,
            referral_target=target,
            referral_org_id=org,
            referral_status=status,
            reported_at=reported,
            first_response_at=respond if respond <= self.as_of else None,
            last_contact_at=max(contact_times) if contact_times else None,
            closed_at=closed if closed <= self.as_of else None,
        )
        for when, kind, event_stage in kept:
            self.add(schema.case_events, case_id=case_id, occurred_at=when.replace(second=0, microsecond=0), kind=kind,
                     stage=event_stage, staff_id=holder, note=None)
        row = self.rows[schema.cases][-1]
        for key in ("reported_at", "first_response_at", "last_contact_at", "closed_at"):
            if row[key]:
                row[key] = row[key].replace(second=0, microsecond=0)


def _categories(group: str) -> Iterable[str]:
    return vocab.FULL_STANDARD_CATEGORIES if group == "full" else ("other_difficulty",)


def _birthday(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        return date(birth.year + years, 3, 1)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _point_in(cell, lat: float, lon: float, rng: random.Random) -> tuple[float, float]:
    for _ in range(200):
        p_lat, p_lon = lat + rng.uniform(-0.012, 0.012), lon + rng.uniform(-0.012, 0.012)
        if cell.contains(Point(p_lon, p_lat)):
            return round(p_lat, 5), round(p_lon, 5)
    return lat, lon


_PINYIN = {
    "心晴": "Xinqing", "知心": "Zhixin", "晨曦": "Chenxi", "向阳": "Xiangyang", "心桥": "Xinqiao",
    "守望": "Shouwang", "馨语": "Xinyu", "安心": "Anxin", "青苗": "Qingmiao", "春芽": "Chunya",
    "启航": "Qihang", "同行": "Tongxing", "阳光": "Yangguang", "彩虹": "Caihong", "希望": "Xiwang",
    "成长": "Chengzhang", "朝露": "Zhaolu", "明德": "Mingde", "益友": "Yiyou", "童心": "Tongxin",
    "护苗": "Humiao", "蓝天": "Lantian", "绿洲": "Lüzhou", "星火": "Xinghuo", "暖阳": "Nuanyang",
    "新芽": "Xinya", "善行": "Shanxing",
}


def _pinyin_word(word: str) -> str:
    return _PINYIN[word]
