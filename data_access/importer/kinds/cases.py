"""Crisis cases: the child, the place, risk, stage, flags, holder and key times."""

from __future__ import annotations

from data_access import schema, vocab
from data_access.importer.kind import CHILD_REF, COMMUNITY, STREET, Field, Kind, Row, has_problem, not_before
from data_access.importer.lookups import Lookups
from data_access.importer.problems import Problem
from data_access.importer.values import CRISIS, REFERRAL, RISK, SOURCE, STAGE


def _check_case(row: Row, _found: Lookups, _child: dict | None) -> None:
    values, headers = row.values, row.headers
    if values.get("mandatory_report") is None and values.get("source"):
        values["mandatory_report"] = values["source"] in vocab.MANDATORY_SOURCES
    for column in ("flag_self_harm", "flag_safety_plan", "flag_temp_guardianship"):
        if column in values and values[column] is None:
            values[column] = False
    for later in ("first_response_at", "closed_at"):
        not_before(row, later, "reported_at")
    if not values.get("community_id") and not row.problems:
        row.problems.append(Problem(row.number, headers.get("community_id", "社区 / community"), "value.required"))
    if "closed_at" in headers and values.get("stage"):
        if values["stage"] == "closed" and values.get("closed_at") is None and not has_problem(row, "closed_at"):
            row.problems.append(Problem(row.number, headers["closed_at"], "value.closed_at"))
        if values["stage"] != "closed" and values.get("closed_at") is not None:
            row.problems.append(Problem(row.number, headers["closed_at"], "value.not_closed"))


KIND = Kind("cases", schema.cases, ("case_no",), (
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
), checks=(_check_case,))
