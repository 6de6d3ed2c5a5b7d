"""The one catalogue of visible strings, in Chinese (default) and English."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from data_access.types import Period

CATALOGUE: dict[str, tuple[str, str]] = {
    # app shell
    "app.title": ("福田区未成年人保护数据看板", "Futian Minor Protection Dashboard"),
    "app.short_title": ("未保数据看板", "Minor Protection"),
    "nav.overview": ("总览", "Overview"),
    "nav.map": ("站点覆盖地图", "Coverage map"),
    "nav.cases": ("危机个案", "Crisis cases"),
    "nav.subsidies": ("困境儿童补贴", "Subsidies"),
    "nav.explore": ("自助分析", "Explore"),
    "nav.data": ("数据管理", "Data"),
    "filter.heading": ("筛选", "Filters"),
    "filter.language": ("语言", "Language"),
    "filter.period": ("统计期间", "Period"),
    "filter.street": ("街道", "Street"),
    "filter.all_streets": ("全区", "Whole district"),
    "notice.bad_param": ("网址参数 {name}={value} 无效，已改用默认值：{fallback}。",
                         "The URL parameter {name}={value} is not valid; showing the default instead: {fallback}."),
    "notice.period_outside": ("期间 {value} 不在数据范围内（{first} 至 {last}），已改用默认值：{fallback}。",
                              "The period {value} is outside the data ({first} to {last}); showing the default instead: {fallback}."),
    "badge.synthetic": ("合成示例数据", "Synthetic sample data"),
    "badge.synthetic_help": ("本看板显示的是程序生成的示例数据，并非真实儿童信息；数字按福田区民政局2022年公开答复校准。",
                             "This dashboard shows generated sample data, not real children; the figures are calibrated to the bureau's published 2022 reply."),
    "caption.as_of": ("数据截至 {as_of}", "Data as of {as_of}"),
    "caption.period": ("统计期间：{period}", "Period: {period}"),
    "caption.scope": ("范围：{scope}", "Scope: {scope}"),
    "setup.building": ("首次运行：正在生成示例数据库…", "First run: building the sample database…"),
    "setup.built": ("示例数据库已生成（{seconds:.1f} 秒）。", "Sample database built ({seconds:.1f} s)."),
    "db.unreachable.title": ("无法连接数据库 {server}", "Cannot reach the database at {server}"),
    "db.unreachable.body": (
        "请检查：数据库服务是否在运行；DATABASE_URL 中的主机、端口、库名和账号是否正确；网络或防火墙是否放行。数据库恢复后页面会自动刷新。",
        "Check that the database server is running, that the host, port, database name and account in DATABASE_URL are right, and that the network or firewall lets the connection through. The page reloads by itself once the database is back.",
    ),
    "db.schema.title": ("数据库 {server} 缺少数据表", "The database at {server} is missing tables"),
    "db.schema.body": (
        "缺少：{tables}。请先建库，例如运行 python -m sample_data --db <URL> 生成示例数据。",
        "Missing: {tables}. Create the schema first, e.g. run python -m sample_data --db <URL> to build the sample data.",
    ),
    "db.detail": ("技术细节：{detail}", "Technical detail: {detail}"),
    "db.retry": ("立即重试", "Retry now"),
    "empty.no_data": ("所选范围内暂无数据。", "No data for this selection."),
    # overview
    "overview.title": ("全区总览", "District overview"),
    "overview.network": ("服务网络", "Service network"),
    "overview.children": ("在册困境儿童", "Registered children in difficulty"),
    "overview.cases": ("危机个案", "Crisis cases"),
    "overview.subsidies": ("困境儿童补贴", "Children-in-difficulty subsidies"),
    "kpi.stations": ("街道未保工作站", "Street work stations"),
    "kpi.stations_note": ("覆盖 {covered}/{streets} 个街道", "in {covered} of {streets} streets"),
    "kpi.supervisors": ("街道儿童督导员", "Street supervisors"),
    "kpi.directors": ("社区儿童主任", "Community directors"),
    "kpi.directors_note": ("覆盖 {covered}/{communities} 个社区", "in {covered} of {communities} communities"),
    "kpi.orgs": ("涉未社会组织", "Social organisations"),
    "kpi.orgs_note": ("心理咨询 {psych_counselling} · 社会团体 {youth_social_group} · 其他 {youth_service_other}",
                      "counselling {psych_counselling} · social groups {youth_social_group} · other {youth_service_other}"),
    "kpi.rescue": ("救助保护室", "Rescue rooms"),
    "kpi.rescue_note": ("规划新增 {beds} 张床位", "{beds} beds planned"),
    "kpi.children_total": ("合计", "Total"),
    "kpi.open_cases": ("在办危机个案", "Open crisis cases"),
    "kpi.overdue": ("逾期个案", "Overdue cases"),
    "kpi.reported": ("本期新接报", "Reported this period"),
    "kpi.person_times": ("发放人次", "Person-times paid"),
    "kpi.amount": ("发放金额", "Amount paid"),
    "kpi.children_paid": ("受助儿童", "Children paid"),
    "kpi.vs_previous": ("较上期（{period}）", "vs {period}"),
    "chart.subsidy_trend": ("近12个月补贴发放", "Subsidies paid, last 12 months"),
    # map
    "map.title": ("站点覆盖地图", "Station coverage map"),
    "map.schematic": ("街道范围为示意图，非官方边界。", "Street cells are schematic, not official boundaries."),
    "map.legend": ("图例", "Legend"),
    "map.layer.streets": ("街道（示意范围）", "Streets (schematic cells)"),
    "map.stations": ("站点一览", "Stations"),
    # cases
    "cases.title": ("危机个案队列", "Crisis-case queue"),
    "cases.none": ("没有符合条件的个案。", "No case matches these filters."),
    "cases.filters": ("筛选条件", "Filters"),
    "cases.filter.any": ("不限", "Any"),
    "cases.filter.open": ("在办（全部在办阶段）", "Open (every open stage)"),
    "cases.filter.source": ("报告来源", "Report source"),
    "cases.filter.reported": ("接报日期", "Reported between"),
    "cases.filter.due": ("时限状态", "Deadline"),
    "cases.filter.no_contact": ("超过天数未联系", "No contact for"),
    "cases.filter.days": ("{days} 天以上", "{days}+ days"),
    "cases.filter.case_no": ("个案编号", "Case number"),
    "cases.source.mandatory": ("强制报告", "Mandatory report"),
    "cases.source.other": ("非强制报告", "Other sources"),
    "cases.due.overdue": ("已逾期", "Overdue"),
    "cases.due.due_24h": ("24小时内到期", "Due within 24 h"),
    "cases.due.on_time": ("按期", "On time"),
    "cases.due.closed": ("已结案", "Closed"),
    "cases.kind.first_response": ("首次响应", "First response"),
    "cases.kind.follow_up": ("回访", "Follow-up"),
    "cases.overdue_by": ("逾期 {span}", "overdue {span}"),
    "cases.due_in": ("{span}后到期", "due in {span}"),
    "cases.due_now": ("现在到期", "due now"),
    "cases.matrix": ("待办矩阵", "Needs action"),
    "cases.matrix.help": ("只看{risk}、{due}的个案；再点一次取消", "Show only {risk} cases that are {due}; click again to clear"),
    "cases.queue": ("个案队列", "Queue"),
    "cases.queue.caption": ("共 {total} 件 · 第 {page}/{pages} 页 · 逾期优先，其次按风险等级和剩余时间排序；点击一行查看详情。",
                            "{total} cases · page {page} of {pages} · overdue first, then by risk and time left; select a row for its detail."),
    "cases.page": ("页码", "Page"),
    "cases.not_found": ("没有找到个案 {case_no}，或该个案不在您的查看范围内。", "Case {case_no} was not found or is outside what you may see."),
    "cases.detail": ("个案 {case_no}", "Case {case_no}"),
    "cases.child": ("儿童", "Child"),
    "cases.age": ("{age} 岁", "{age} years"),
    "cases.referral": ("转介", "Referral"),
    "cases.no_referral": ("未转介", "Not referred"),
    "cases.source": ("来源", "Source"),
    "cases.sla": ("时限", "Deadline"),
    "cases.closed_at": ("已于 {at} 结案", "Closed on {at}"),
    "cases.rule": ("规则：{risk}个案须在接报后 {hours} 小时内首次响应，此后至少每 {days} 天回访一次。",
                   "Rule: a {risk} case needs a first response within {hours} h of the report and a follow-up at least every {days} days."),
    "cases.timeline": ("处置时间线", "Timeline"),
    "cases.event.time": ("时间", "Time"),
    "cases.event.kind": ("事件", "Event"),
    "cases.workload": ("人员工作量", "Workload by worker"),
    "cases.open": ("在办", "Open"),
    "cases.overdue": ("逾期", "Overdue"),
    "cases.caseload": ("负荷", "Caseload"),
    "cases.band.summary": ("{band}：{count}", "{band}: {count}"),
    "cases.band.lt_10": ("10件以下", "under 10"),
    "cases.band.10_19": ("10–19件", "10–19"),
    "cases.band.20_29": ("20–29件", "20–29"),
    "cases.band.30_plus": ("30件及以上", "30 or more"),
    "cases.indicators": ("处置指标", "Performance"),
    "cases.indicators.caption": ("本期接报、符合筛选条件的个案：从接报到首次响应的用时。",
                                 "Cases reported in the period that match the filters: time from report to first response."),
    "cases.response.le_2h": ("2小时内", "≤ 2 h"),
    "cases.response.2h_24h": ("2–24小时", "2–24 h"),
    "cases.response.1d_3d": ("1–3天", "1–3 days"),
    "cases.response.gt_3d": ("3天以上", "> 3 days"),
    "cases.response.awaiting": ("尚未响应", "Awaiting"),
    "cases.closed_in_period": ("本期结案", "Closed this period"),
    "cases.mean_close_days": ("平均结案天数", "Mean days to close"),
    "cases.funnel": ("各街道个案阶段分布（本期接报）", "Stage by street (reported this period)"),
    "cases.generated": ("计算时刻：{at}", "Computed as of {at}"),
    "export.csv": ("导出 CSV", "Export CSV"),
    "export.xlsx": ("导出 Excel", "Export Excel"),
    "notice.reversed_dates": ("接报日期范围的起始日 {first} 晚于截止日 {last}，已忽略该范围。",
                              "The report date range starts ({first}) after it ends ({last}); the range is ignored."),
    "gender.F": ("女", "female"),
    "gender.M": ("男", "male"),
    "unit.minutes": ("{n} 分钟", "{n} min"),
    "unit.hours": ("{n} 小时", "{n} h"),
    "unit.days": ("{n} 天", "{n} days"),
    # subsidies
    "subsidies.title": ("困境儿童补贴", "Children-in-difficulty subsidies"),
    "subsidies.by_month": ("按月发放金额（分类别）", "Amount paid by month and category"),
    "subsidies.none": ("{period} 没有补贴发放记录。", "No subsidy payments in {period}."),
    "subsidies.standards": ("月保障标准", "Monthly standards"),
    "subsidies.grants": ("慰问金与捐赠", "Grants and donations"),
    "subsidies.no_grants": ("本期无慰问金或捐赠。", "No grants or donations in this period."),
    # explore
    "explore.title": ("自助分析", "Explore"),
    "explore.dataset": ("数据集", "Dataset"),
    "explore.rows": ("共 {rows} 行", "{rows} rows"),
    "explore.staff": ("工作人员", "Staff"),
    # data
    "data.title": ("数据管理", "Data"),
    "data.source": ("数据来源", "Data source"),
    "data.database": ("数据库：{url}", "Database: {url}"),
    "data.synthetic": ("本库为合成示例数据（生成于可复现的随机种子），不含任何真实个人信息。",
                       "This database holds synthetic sample data (from a reproducible random seed) and no real personal data."),
    "data.real": ("本库为正式数据。", "This database holds production data."),
    "data.tables": ("数据表行数", "Rows per table"),
    # columns
    "col.case_no": ("个案编号", "Case no."),
    "col.street": ("街道", "Street"),
    "col.community": ("社区", "Community"),
    "col.risk": ("风险等级", "Risk level"),
    "col.stage": ("阶段", "Stage"),
    "col.crisis_type": ("危机类型", "Crisis type"),
    "col.reported_at": ("接报时间", "Reported at"),
    "col.first_response_at": ("首次响应", "First response"),
    "col.last_contact_at": ("最近联系", "Last contact"),
    "col.staff": ("负责人", "Assigned to"),
    "col.overdue": ("逾期", "Overdue"),
    "col.flags": ("标记", "Flags"),
    "col.next_due": ("下一时限", "Next deadline"),
    "col.days_open": ("在办天数", "Days open"),
    "col.cases": ("个案数", "Cases"),
    "col.month": ("月份", "Month"),
    "col.category": ("类别", "Category"),
    "col.person_times": ("人次", "Person-times"),
    "col.children": ("儿童数", "Children"),
    "col.amount": ("金额（元）", "Amount (yuan)"),
    "col.valid_from": ("起始", "From"),
    "col.valid_to": ("截止", "Until"),
    "col.monthly_amount": ("每月标准（元）", "Monthly standard (yuan)"),
    "col.kind": ("类型", "Kind"),
    "col.name": ("名称", "Name"),
    "col.person": ("姓名", "Name"),
    "col.role": ("岗位", "Role"),
    "col.status": ("状态", "Status"),
    "col.opened_on": ("启用日期", "Opened"),
    "col.registered_on": ("登记日期", "Registered"),
    "col.granted_on": ("发放日期", "Date"),
    "col.recipients": ("受助人数", "Recipients"),
    "col.description": ("说明", "Description"),
    "col.code": ("代码", "Code"),
    "col.table": ("数据表", "Table"),
    "col.rows": ("行数", "Rows"),
    "col.trained": ("已完成年度培训", "Trained this year"),
    "col.beds": ("床位", "Beds"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "unit.yuan": ("元", "yuan"),
    "unit.person_times": ("人次", "person-times"),
}

VOCAB: dict[str, dict[str, tuple[str, str]]] = {
    "table": {
        "dataset_info": ("数据集信息", "Dataset facts"),
        "streets": ("街道", "Streets"),
        "communities": ("社区", "Communities"),
        "stations": ("站点", "Stations"),
        "staff": ("工作人员", "Staff"),
        "social_orgs": ("社会组织", "Social organisations"),
        "children": ("儿童档案", "Children"),
        "cases": ("危机个案", "Crisis cases"),
        "case_events": ("个案事件", "Case events"),
        "subsidy_standards": ("补贴标准", "Subsidy standards"),
        "subsidy_payments": ("补贴发放", "Subsidy payments"),
        "grants": ("慰问金与捐赠", "Grants and donations"),
        "users": ("用户", "Users"),
        "audit_log": ("审计日志", "Audit log"),
    },
    "category": {
        "orphan": ("孤儿", "Orphans"),
        "de_facto_unsupported": ("事实无人抚养儿童", "De-facto unsupported children"),
        "other_difficulty": ("其他困境儿童", "Other children in difficulty"),
    },
    "stage": {
        "reported": ("接报", "Reported"),
        "verifying": ("核查", "Verifying"),
        "assessing": ("评估", "Assessing"),
        "intervening": ("干预", "Intervening"),
        "referred": ("转介", "Referred"),
        "follow_up": ("跟踪回访", "Follow-up"),
        "closed": ("结案", "Closed"),
    },
    "crisis_type": {
        "suicidal_ideation": ("自杀意念", "Suicidal ideation"),
        "self_harm": ("自伤行为", "Self-harm"),
        "depression_anxiety": ("抑郁焦虑", "Depression / anxiety"),
        "family_conflict": ("家庭冲突", "Family conflict"),
        "abuse": ("遭受侵害", "Abuse"),
        "neglect": ("监护缺失", "Neglect"),
        "bullying": ("校园欺凌", "Bullying"),
        "school_refusal": ("拒学厌学", "School refusal"),
    },
    "source": {
        "school": ("学校（强制报告）", "School (mandatory report)"),
        "hospital": ("医院（强制报告）", "Hospital (mandatory report)"),
        "police": ("公安（强制报告）", "Police (mandatory report)"),
        "community": ("社区（强制报告）", "Community (mandatory report)"),
        "hotline": ("热线（强制报告）", "Hotline (mandatory report)"),
        "active_discovery": ("主动发现", "Active discovery"),
        "family": ("家庭求助", "Family"),
        "self": ("儿童本人", "The child"),
    },
    "flag": {
        "self_harm": ("自伤念头", "self-harm"),
        "safety_plan": ("安全计划", "safety plan"),
        "temp_guardianship": ("临时监护", "guardianship"),
        "mandatory_report": ("强制报告", "mandatory"),
    },
    "event_kind": {
        "reported": ("接报", "Reported"),
        "first_response": ("首次响应", "First response"),
        "stage_change": ("阶段变更", "Stage change"),
        "home_visit": ("入户走访", "Home visit"),
        "phone_contact": ("电话联系", "Phone contact"),
        "referral": ("转介", "Referral"),
        "closed": ("结案", "Closed"),
    },
    "referral_target": {
        "social_org": ("社会组织", "Social organisation"),
        "hospital": ("医院", "Hospital"),
        "school": ("学校", "School"),
        "police": ("公安", "Police"),
    },
    "referral_status": {
        "pending": ("待接收", "pending"),
        "accepted": ("已接收", "accepted"),
        "completed": ("已完成", "completed"),
        "declined": ("被拒绝", "declined"),
    },
    "station_kind": {
        "district_service_centre": ("区未成年人保护服务中心", "District service centre"),
        "district_rescue_centre": ("区未成年人救助保护中心", "District rescue centre"),
        "rescue_room": ("救助保护室", "Rescue protection room"),
        "street_station": ("街道未保工作站", "Street work station"),
        "planned_facility": ("规划机构", "Planned facility"),
    },
    "station_status": {
        "open": ("运行中", "open"),
        "planned": ("规划中", "planned"),
        "closed": ("已关闭", "closed"),
    },
    "org_category": {
        "psych_counselling": ("卫生心理咨询类", "Psychological counselling"),
        "youth_social_group": ("青少年服务社会团体", "Youth social group"),
        "youth_service_other": ("青少年服务其他类", "Other youth service"),
    },
    "staff_role": {
        "supervisor": ("街道儿童督导员", "Street child supervisor"),
        "director": ("社区儿童主任", "Community child director"),
        "social_worker": ("社工", "Social worker"),
        "centre_staff": ("中心工作人员", "Centre staff"),
    },
    "grant_kind": {
        "spring_festival": ("春节慰问金", "Spring Festival money"),
        "mid_autumn": ("中秋慰问金", "Mid-Autumn money"),
        "special_living": ("一次性特殊生活补助", "Special living grant"),
        "donation": ("社会捐赠", "Donation"),
    },
}

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_QUARTERS_ZH = ("一", "二", "三", "四")


def t(key: str, lang: str, **values: object) -> str:
    zh, en = CATALOGUE[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def label(vocabulary: str, code: str | None, lang: str) -> str:
    """The visible label of a stored code; an unknown code is shown as it is."""
    if code is None:
        return ""
    pair = VOCAB[vocabulary].get(code)
    if pair is None:
        return str(code)
    return pair[1] if lang == "en" else pair[0]


def period_label(period: Period, lang: str) -> str:
    if lang == "en":
        if period.kind == "year":
            return str(period.year)
        if period.kind == "quarter":
            return f"{period.year} Q{period.number}"
        return f"{_MONTHS_EN[period.number - 1]} {period.year}"
    if period.kind == "year":
        return f"{period.year}年"
    if period.kind == "quarter":
        return f"{period.year}年第{_QUARTERS_ZH[period.number - 1]}季度"
    return f"{period.year}年{period.number}月"


def format_yuan(amount: float, lang: str) -> str:
    if lang == "en":
        return f"{amount:,.2f} yuan"
    return f"{amount:,.2f} 元"


def format_moment(moment: datetime | date | None) -> str:
    if moment is None or pd.isna(moment):
        return "—"
    if isinstance(moment, datetime):
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()
