"""Builders of the files the importer takes: headers, rows, fake ID numbers, CSV (UTF-8 or GBK) and .xlsx bytes,
the national system's export, and the go-live drill's files for a whole district."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import Engine, text

from data_access import idcard, importer

TODAY = date(2022, 6, 30)  # the day the files are imported on
# The network files of a made-up second district.
CUIYU = Path(__file__).resolve().parent / "fixtures" / "cuiyu"


def fake_id(birth: str, serial: str = "001") -> str:
    """A fake ID number (region 990304, which does not exist) with its right check character."""
    body = f"990304{birth.replace('-', '')}{serial}"
    return body + idcard.check_character(body)


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode(encoding)


def gbk_csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("gbk")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CHILD_HEADER = ["档案编号", "姓名", "身份证号", "性别", "出生日期", "街道", "社区", "儿童类别", "登记日期", "监护人电话", "住址"]


def child(file_no: str = "FT90000001", **change: str) -> list[str]:
    row = dict(档案编号=file_no, 姓名="测试甲", 身份证号=fake_id("2010-01-01"), 性别="男", 出生日期="2010-01-01",
               街道="福田", 社区="岗厦", 儿童类别="孤儿", 登记日期="2022-05-01", 监护人电话="10012345678",
               住址="福田区示例路1号")
    row.update(change)
    return [row[h] for h in CHILD_HEADER]


def children_file(*rows: list[str]) -> bytes:
    return csv_bytes([CHILD_HEADER, *rows])


PAY_HEADER = ["发放编号", "儿童", "发放月份", "发放金额", "发放日期"]
CASE_HEADER = ["个案编号", "儿童", "风险等级", "阶段", "危机类型", "来源", "接报时间", "负责人编号", "结案时间"]
EVENT_HEADER = ["个案编号", "发生时间", "事件类型", "事件后阶段", "工作人员编号"]
STAFF_HEADER = ["工作人员编号", "姓名", "岗位", "街道", "社区", "入职日期"]
# The national system's export: no file number.
NATIONAL = ["姓名", "身份证号", "性别", "出生日期", "街道", "社区", "儿童类别"]
GOOD_CASE = ["FT-2022-90001", "FT00000001", "二级", "接报", "家庭冲突", "学校", "2022-06-01 10:00", "1", ""]


@dataclass(frozen=True)
class DrillFile:
    kind: str
    name: str
    data: bytes
    rows: int


def drill_files(engine: Engine) -> list[DrillFile]:
    """A bureau's files for the district in the database, in the order they must be imported."""
    with engine.connect() as conn:
        streets = conn.execute(text("SELECT id, code, name_zh, lat, lon FROM streets ORDER BY sort_order")).all()
        communities = conn.execute(text("SELECT id, street_id, name_zh FROM communities ORDER BY id")).all()
    first = streets[0]
    stations = [["站点编号", "站点类型", "名称", "街道", "上级站点编号", "状态", "启用日期", "床位", "面积", "纬度", "经度"],
                # the room comes before its centre: the parent may follow in the same file
                [3, "救助保护室", "救助保护室一", "", 2, "运行中", "2021-03-01", 4, "", first.lat, first.lon],
                [1, "区未成年人保护服务中心", "区未成年人保护服务中心", "", "", "运行中", "2020-06-01", "", "", first.lat, first.lon],
                [2, "区未成年人救助保护中心", "区未成年人救助保护中心", "", "", "运行中", "2020-03-01", "", "", first.lat, first.lon],
                [4, "规划机构", "福利中心二期（规划）", "", 2, "规划中", "", 30, 2000, first.lat, first.lon]]
    for number, street in enumerate(streets, start=10):
        opened = "2021-05-01" if number % 3 else "2022-09-01"  # one street's station opens after the drill's day
        stations.append([number, "街道未保工作站", f"{street.name_zh}街道工作站", f"{street.name_zh}街道", "", "运行中",
                         opened, "", "", round(street.lat + 0.0005, 5), street.lon])
    orgs = [["组织编号", "名称", "组织类别", "街道", "登记日期", "纬度", "经度"]]
    for number, (category, street) in enumerate(zip(["卫生心理咨询类", "青少年服务社会团体", "青少年服务其他类"] * 2,
                                                    streets * 2), start=1):
        orgs.append([number, f"示例组织{number}", category, street.code, f"2019-0{number}-01", street.lat, street.lon])
    staff = [["工作人员编号", "姓名", "岗位", "街道", "社区", "入职日期"]]
    for number, street in enumerate(streets, start=100):
        staff.append([number, f"督导员{number}", "街道儿童督导员", street.name_zh, "", "2020-01-01"])
    for number, community in enumerate(communities[::2], start=200):
        staff.append([number, f"主任{number}", "社区儿童主任", community.street_id, community.name_zh + "社区",
                      "2020-01-01"])
    sessions = [["培训编号", "培训日期", "培训形式", "培训主题", "学时"],
                [1, "2021-11-20", "现场培训", "上年度培训", "3"], [2, "2022-04-01", "直播", "强制报告制度", "1.5"],
                [3, "2022-05-10", "网络课程", "政策解读", ""]]
    attendance = [["培训编号", "工作人员编号"], [1, 200]]
    attendance += [[2, number] for number in range(100, 100 + len(streets))] + [[3, 100]]
    # The national system's export: no file number, street and community as people write them.
    national = [["姓名", "身份证号", "性别", "出生日期", "街道", "社区", "儿童类别"]]
    registered = [["档案编号", "姓名", "身份证号", "性别", "街道", "社区", "儿童类别", "登记日期"]]
    ids = []
    for number in range(12):
        community = communities[number % len(communities)]
        street = next(s for s in streets if s.id == community.street_id)
        born = f"201{number % 8}-0{number % 9 + 1}-1{number % 9}"
        id_number = fake_id(born, f"{number + 1:03d}")
        ids.append(id_number)
        category = ["孤儿", "事实无人抚养儿童", "其他困境儿童"][number % 3]
        if number % 2:
            national.append([f"儿童{number}", id_number, "女" if number % 4 else "男", born, street.name_zh + "街道",
                             community.name_zh + "社区", category])
        else:
            registered.append([f"F{number:04d}", f"儿童{number}", id_number, "男", street.code, community.id, category,
                               "2022-01-15"])
    standards = [["儿童类别", "起始日期", "截止日期", "月标准"],
                 ["孤儿", "2022-01-01", "", "2454"], ["事实无人抚养儿童", "2022-01-01", "", "2,454.00"],
                 ["其他困境儿童", "2022-01-01", "", "841"]]
    risks = ["一级", "二级", "三级", "四级", "二级"]
    cases = [["个案编号", "儿童", "风险等级", "阶段", "危机类型", "来源", "接报时间", "负责人编号", "首次响应时间", "结案时间"]]
    events = [["个案编号", "发生时间", "事件类型", "事件后阶段", "工作人员编号"]]
    for number in range(5):
        case_no = f"CASE-{number + 1:03d}"
        closed = number == 4
        reported = f"2022-0{4 + number % 3}-0{number + 2} 09:00"
        cases.append([case_no, ids[number], risks[number], "结案" if closed else "干预", "家庭冲突", "学校", reported,
                      100, "" if number == 1 else reported.replace("09:00", "10:30"),
                      "2022-06-20 17:00" if closed else ""])
        events.append([case_no, reported, "接报", "接报", 100])
        if number != 1:
            events.append([case_no, reported.replace("09:00", "10:30"), "首次响应", "核查", 100])
    payments = [["发放编号", "儿童", "发放月份", "发放金额", "发放日期"]]
    for number, id_number in enumerate(ids[::2]):  # the children with file numbers, registered in January
        amount = "841" if (number * 2) % 3 == 2 else "2454"
        for month in (4, 5, 6):
            payments.append([f"P2022{month:02d}-{number:03d}", f"F{number * 2:04d}", f"2022-{month:02d}", amount,
                             f"2022-{month:02d}-20"])
    grants = [["补助类型", "发放日期", "金额", "受助人数", "街道", "说明"],
              ["春节慰问金", "2022-01-20", "5000", 10, "", "春节慰问"],
              ["社会捐赠", "2022-03-15", "46000", 81, first.name_zh, "爱心企业捐赠"]]
    files = [("stations", "站点.xlsx", xlsx_bytes, stations), ("social_orgs", "社会组织.csv", gbk_csv, orgs),
             ("staff", "工作人员.xlsx", xlsx_bytes, staff), ("training_sessions", "培训场次.csv", gbk_csv, sessions),
             ("training", "培训签到.xlsx", xlsx_bytes, attendance), ("children", "全国系统导出.csv", gbk_csv, national),
             ("children", "儿童档案.xlsx", xlsx_bytes, registered), ("subsidy_standards", "补贴标准.csv", gbk_csv, standards),
             ("cases", "危机个案.xlsx", xlsx_bytes, cases), ("case_events", "个案事件.csv", gbk_csv, events),
             ("payments", "补贴发放.xlsx", xlsx_bytes, payments), ("grants", "慰问金.csv", gbk_csv, grants)]
    return [DrillFile(kind, name, make(rows), len(rows) - 1) for kind, name, make, rows in files]


def import_all(engine: Engine, files: list[DrillFile]) -> list[importer.ImportResult]:
    """Import the drill's files in their order; every row of each must be read and none refused."""
    results = []
    for file in files:
        result = importer.run_import(engine, file.kind, file.data, file.name, username="admin", today=TODAY)
        assert not result.problems, (file.name, result.report("en"))
        assert result.rows_read == file.rows
        results.append(result)
    return results
