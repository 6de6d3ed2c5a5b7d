"""The one catalogue of visible strings, in Chinese (default) and English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pandas as pd

from data_access.types import Period, Span

CATALOGUE: dict[str, tuple[str, str]] = {
    # app shell
    "app.title": ("{district}未成年人保护数据看板", "{district} Minor Protection Dashboard"),
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
    "notice.unused_param": ("网址参数 {name}={value} 不适用于“{context}”，已忽略。",
                            "The URL parameter {name}={value} does not apply to {context}; it was ignored."),
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
    "empty.missing": ("数据库中还没有{tables}：导入后这里显示相应数字。", "The database holds no {tables} yet: they show here once imported."),
    "empty.import": ("去导入数据", "Import data"),
    "empty.table.children": ("儿童档案", "children"),
    "empty.table.cases": ("危机个案", "crisis cases"),
    "empty.table.subsidy_payments": ("补贴发放记录", "subsidy payments"),
    "empty.table.subsidy_standards": ("补贴标准", "subsidy standards"),
    "empty.table.stations": ("站点", "stations"),
    "empty.table.staff": ("工作人员", "staff"),
    "empty.table.social_orgs": ("社会组织", "social organisations"),
    "empty.no_stations": ("还没有街道工作站，无法计算服务圈覆盖。", "No street work station yet, so there is no coverage to compute."),
    "empty.no_payments": ("还没有补贴发放记录。", "No subsidy payments yet."),
    # overview
    "overview.title": ("全区总览", "District overview"),
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
    "kpi.vs_moment": ("较 {date}", "vs {date}"),
    "kpi.vs_same_span": ("截至{date}，较{period}同期", "to {date}, against the same days of {period}"),
    "kpi.vs_months": ("{months}，较{before}", "{months}, against {before}"),
    "kpi.no_complete_month": ("本期尚无已结束的月份", "no month of this period is over yet"),
    # The same period a year before: the second comparison of every figure that has one.
    "kpi.yoy.same_days": ("截至{date}，较去年同期（{period}）", "to {date}, against the same days last year ({period})"),
    "kpi.yoy.period": ("较去年同期（{period}）", "against the same period last year ({period})"),
    "kpi.yoy.months": ("{months}，较去年同期（{before}）", "{months}, against the same months last year ({before})"),
    "kpi.yoy.moment": ("较去年同期（{date}）", "against the same date last year ({date})"),
    "kpi.change_line": ("{against} {change}", "{change} {against}"),
    "kpi.vs_previous_end": ("较上期末（{date}）", "against the previous period's end ({date})"),
    "kpi.help.year_before": ("每项变化还与去年同期比较：期间未结束时为去年同一时段（截至同月同日同时刻，2月29日对应前一年2月28日），补贴为去年同样的已结束月份，存量为去年同一时点；期间已结束时为去年同一期间。",
                             "Each change is also set against the same period last year: while the period runs, the same span a year earlier (to the same month, day and hour; 29 February is matched with 28 February), for payments the same complete months, for stocks the same moment; once the period is over, all of last year's period."),
    "subsidies.quarters.to_date": ("本季度尚未结束：环比、同比按已结束的月份与前期同样月份比较。",
                                   "This quarter is not over: its changes compare its complete months with the same months before."),
    "period.to_date": ("{period}（截至目前）", "{period} (to date)"),
    "kpi.median_all_levels": ("首次响应中位时长（各等级合并）", "Median time to first response (all levels together)"),
    "kpi.limit_hours": ("{hours:g} 小时", "{hours:g} h"),
    "kpi.within_limit": ("首次响应及时率", "First response within limit"),
    "kpi.within_note": ("{within}/{due} 件按时", "{within} of {due} on time"),
    "kpi.level_response": ("{share}，中位{hours}", "{share}, median {hours}"),
    "kpi.median_detail": ("各等级合并中位 {hours}", "median of all levels together {hours}"),
    "kpi.help.within": ("本期接报、到数据时点已应响应的个案中（已响应，或未响应但已超过时限），在本风险等级规定时限内（{limits}）首次响应的比例；下方为各等级的比例和中位时长。",
                        "Of the cases reported in the period that were due by the as-of moment (answered, or past their limit unanswered), the share first answered within their risk level's limit ({limits}); below, each level's share and median time."),
    "col.risk_level": ("风险等级", "Risk level"),
    "col.limit": ("时限", "Limit"),
    "col.due_response": ("已到响应时限或已响应", "Due or answered"),
    "col.within": ("按时响应", "Answered in time"),
    "col.within_share": ("及时率", "Within limit"),
    "col.median_hours": ("中位时长", "Median time"),
    "kpi.hours": ("{hours:.1f} 小时", "{hours:.1f} h"),
    "kpi.critical_open": ("一级·红在办", "Open critical cases"),
    "kpi.training": ("本年参训率", "Trained this year"),
    "kpi.points": ("{change} 个百分点", "{change} pp"),
    "kpi.training_vs_year": ("本年参训率（上期列为上年同日 {date}）", "Trained this year (previous column: same day a year before, {date})"),
    "kpi.training_no_session": ("本年尚未举办培训", "no session held yet this year"),
    "kpi.training_note": ("{trained}/{staff} 名在岗人员", "{trained} of {staff} staff in post"),
    # One-line definitions of every figure: what is counted, at which moment, against what (card help,
    # meeting mode and the briefing's footnotes all read them here).
    "kpi.help.children": ("统计期末（期间未结束时为数据时点）仍在册的困境儿童；变化与上期末相比。",
                          "Children in difficulty on the register at the period's last day (the as-of date while it runs); the change is against the previous period's end."),
    "kpi.help.critical": ("一级·红个案中截至数据时点仍未结案的；变化与上期末相比。",
                          "Critical (level 1) cases not closed at the as-of moment; the change is against the previous period's end."),
    "kpi.help.reported": ("本期接报的个案（期间未结束时至数据时点）；与上期同一时段相比。",
                          "Cases reported in the period (up to the as-of moment while it runs), against the same span of the previous period."),
    "kpi.help.person_times": ("本期各月（期间未结束时只计已结束的月份）发放基本生活补贴的人次，一人一月计一次；与上期同样多的月份相比。",
                              "Monthly subsidy payments in the period's months (only the months already over while it runs), one per child per month, against as many months of the previous period."),
    "kpi.help.amount": ("同一月份范围内发放的补贴金额合计；与上期同样多的月份相比。",
                        "The sum paid in the same months, against as many months of the previous period."),
    "kpi.help.children_paid": ("同一月份范围内领到补贴的儿童（每人只计一次）。",
                               "Children paid at least once in the same months, each counted once."),
    "kpi.help.stations": ("数据时点已启用的街道未成年人保护工作站；下方为已建站的街道数。",
                          "Street work stations open at the as-of date; below, how many streets have one."),
    "kpi.help.supervisors": ("数据时点在岗的街道儿童督导员。", "Street child supervisors in post at the as-of date."),
    "kpi.help.directors": ("数据时点在岗的社区儿童主任；下方为有儿童主任的社区数。",
                           "Community child directors in post at the as-of date; below, how many communities have one."),
    "kpi.help.orgs": ("数据时点已登记的涉未成年人社会组织，按类别。",
                      "Social organisations working with minors registered by the as-of date, by category."),
    "kpi.help.rescue": ("已启用的救助保护室；下方为规划中设施的床位。",
                        "Rescue protection rooms open; below, the beds of planned facilities."),
    "kpi.help.median_all": ("本期接报且已首次响应的个案从接报到首次响应的时长中位数，各风险等级合并（仅作参考，以各等级及时率为准）。",
                            "Median time from report to first response of the period's answered cases, all risk levels together (a detail: read the share within each level's limit)."),
    "chart.help.cases_trend": ("近12个月每月接报的个案，按风险等级；本月截至数据时点。",
                               "Cases reported each month of the last 12, by risk level; this month up to the as-of moment."),
    "chart.help.subsidy_trend": ("近12个月每月发放的补贴金额，按儿童类别；本月可能尚未发放完毕。",
                                 "Subsidy paid each month of the last 12, by category; this month's payments may not all be made yet."),
    "kpi.help.open": ("截至数据时点仍未结案的个案；变化与上期末相比。", "Cases not closed at the data's as-of moment; the change is against the previous period's end."),
    "kpi.help.overdue": ("首次响应或回访已超过个案规则时限的在办个案（数据时点）；变化与上期末相比。",
                         "Open cases past their first-response or follow-up deadline under the case rules, at the as-of moment; the change is against the previous period's end."),
    "kpi.help.training": ("在岗督导员、儿童主任、社工和中心人员中，自本年1月1日至统计期末（不晚于数据时点）参加过至少一次培训（网络课程、直播或现场培训）的比例；变化与上年同日相比。",
                          "Share of supervisors, directors, social workers and centre staff in post who attended at least one training session (online course, live broadcast or on-site) between 1 January and the period's last day (at most the as-of date); the change is against the same day a year before."),
    "overview.workforce": ("服务网络与队伍", "Service network and workforce"),
    "overview.trends": ("近12个月趋势", "The last 12 months"),
    "overview.pressure": ("各街道个案压力", "Case pressure by street"),
    "overview.pressure.caption": ("按逾期、一级·红、在办个案数排序；点击“打开”查看该街道的个案队列。",
                                  "Ranked by overdue, then critical, then open cases; “Open” shows that street's case queue."),
    "overview.gaps": ("短板与待办", "Gaps and actions"),
    "overview.no_gaps": ("所选范围内未发现需要跟进的短板。", "No gaps to follow up in this selection."),
    "overview.link.queue": ("个案队列", "Case queue"),
    "overview.link.overdue": ("逾期个案", "Overdue cases"),
    "overview.link.critical": ("一级·红个案", "Critical cases"),
    "overview.link.indicators": ("个案指标", "Indicators"),
    "overview.link.subsidies": ("补贴明细", "Subsidies"),
    "overview.link.map": ("覆盖地图", "Map"),
    "overview.link.staff": ("按街道", "By street"),
    "overview.link.staff_role": ("按岗位", "By role"),
    "overview.link.training_mode": ("按形式", "By mode"),
    "overview.link.register": ("在册儿童", "Register"),
    "overview.link.open": ("打开", "Open"),
    "overview.meeting": ("会议模式", "Meeting mode"),
    "overview.briefing": ("下载简报", "Briefing"),
    "overview.briefing.help": ("生成所选期间和街道的简报（HTML，可直接打印为A4），不需要联网。",
                               "A briefing for the chosen period and street (HTML that prints on A4); needs no network."),
    "chart.cases_trend": ("每月新接报危机个案（按风险等级）", "Crisis cases reported per month, by risk level"),
    "chart.subsidy_trend_short": ("每月补贴发放金额（按儿童类别）", "Subsidy paid per month, by category"),
    "col.risk_level": ("风险等级", "Risk level"),
    "col.open_cases": ("在办", "Open"),
    "col.overdue_cases": ("逾期", "Overdue"),
    "col.critical_cases": ("一级·红", "Critical"),
    "col.queue": ("个案队列", "Case queue"),
    "col.indicator": ("指标", "Indicator"),
    "col.this_period": ("本期", "This period"),
    "col.previous_period": ("上期", "Previous period"),
    "col.change": ("变化", "Change"),
    # gaps and actions
    "gap.overdue": ("逾期个案 {n} 件，主要在{streets}。", "{n} overdue cases, mostly in {streets}."),
    "gap.overdue.action": ("督促相关街道24小时内完成首次响应或回访，并在系统中登记。",
                           "Have the streets concerned make the first response or follow-up within 24 hours and record it."),
    "gap.critical": ("一级·红在办个案 {n} 件。", "{n} open critical cases."),
    "gap.critical.action": ("逐案确认安全计划、临时监护安排和联系频次。",
                            "Confirm each case's safety plan, temporary guardianship and contact frequency."),
    "gap.no_director": ("{n} 个社区暂无在岗儿童主任。", "{n} communities have no community director in post."),
    "gap.no_director.action": ("尽快补齐社区儿童主任，空缺期间由街道督导员兼管。",
                               "Appoint the missing directors; the street supervisor covers until then."),
    "gap.outside": ("{n} 个社区在工作站 {km} 服务半径以外：{names}。",
                    "{n} communities lie beyond {km} of a work station: {names}."),
    "gap.outside.action": ("安排流动服务或就近设立服务点。", "Arrange mobile services or a nearer service point."),
    "gap.unpaid": ("{n} 个应发未发的儿童月份（符合条件但未发放），涉及 {amount}。",
                   "{n} child-months eligible but not paid, {amount} in all."),
    "gap.unpaid.action": ("核实后及时补发，做到应保尽保、及时足额。",
                          "Check and pay what is due: cover everyone eligible, on time and in full."),
    "gap.anomalies": ("{n} 项补贴发放异常（金额不符、不符合条件、重复或无标准），涉及 {amount}。",
                      "{n} payment problems (wrong amount, not eligible, paid twice or no standard), {amount} in all."),
    "gap.anomalies.action": ("逐笔核对，多发追回、少发补差。", "Check each one: recover overpayments, pay the difference."),
    "gap.training": ("{n} 名在岗人员本年度尚未参加任何培训（参训率 {rate}）。",
                     "{n} staff in post have not attended any training session this year ({rate} have)."),
    "gap.training.action": ("安排网络课程、直播课程或线下面授。", "Schedule online, live or face-to-face courses."),
    # meeting mode
    "meeting.screen.network": ("服务网络", "Service network"),
    "meeting.screen.cases": ("危机个案", "Crisis cases"),
    "meeting.screen.subsidies": ("困境儿童补贴", "Subsidies"),
    "meeting.screen.gaps": ("短板与待办", "Gaps and actions"),
    "meeting.previous": ("上一页", "Previous"),
    "meeting.next": ("下一页", "Next"),
    "meeting.exit": ("退出会议模式", "Leave meeting mode"),
    "meeting.position": ("第 {n}/{total} 屏", "Screen {n} of {total}"),
    # briefing
    "briefing.title": ("{district}未成年人保护工作简报", "{district} Minor Protection Briefing"),
    "briefing.subtitle": ("{period} · 范围：{scope}", "{period} · scope: {scope}"),
    "briefing.summary": ("概况", "Summary"),
    "briefing.kpis": ("主要指标", "Key figures"),
    "briefing.charts": ("趋势", "Trends"),
    "briefing.generated": ("生成于 {moment}，数据截至 {as_of}。", "Generated {moment}; data as of {as_of}."),
    "briefing.synthetic": ("本简报基于合成示例数据，不含真实儿童信息。",
                           "This briefing is built from synthetic sample data; it holds no real child's information."),
    "summary.children": ("截至{date}，{scope}在册困境儿童{total}人，其中孤儿{orphan}人、事实无人抚养儿童{de_facto_unsupported}人、其他困境儿童{other_difficulty}人。",
                         "As of {date}, {scope} has {total} registered children in difficulty: {orphan} orphans, {de_facto_unsupported} de-facto unsupported and {other_difficulty} other children in difficulty."),
    "summary.subsidies": ("{period}累计发放困境儿童补贴{person_times}人次、{amount}万元，{change}。",
                          "In {period}, {person_times} person-times of subsidy were paid, {amount} yuan in all, {change}."),
    "summary.change.up": ("较上期增加{pct}", "up {pct} on the previous period"),
    "summary.change.down": ("较上期减少{pct}", "down {pct} on the previous period"),
    "summary.change.flat": ("与上期持平", "the same as the previous period"),
    "summary.change.none": ("上期无发放", "with none paid the period before"),
    "summary.change.up.same": ("较上期同期增加{pct}", "up {pct} on the same months of the previous period"),
    "summary.change.down.same": ("较上期同期减少{pct}", "down {pct} on the same months of the previous period"),
    "summary.change.flat.same": ("与上期同期持平", "the same as the same months of the previous period"),
    "summary.subsidies.no_month": ("{period}尚无已结束的月份，补贴发放待月末后统计。",
                                   "No month of {period} is over yet, so its subsidy payments are counted after the month ends."),
    "col.previous_same_span": ("上期（接报、响应、发放为同期）", "Previous period (reports, responses, payments: same span)"),
    "summary.cases": ("在办危机个案{open}件，其中一级·红{critical}件，逾期{overdue}件；本期新接报{reported}件{response}。",
                      "{open} crisis cases are open, {critical} of them critical and {overdue} overdue; {reported} were reported this period{response}."),
    "summary.response": ("，已到响应时限的{due}件中{within}件在规定时限内首次响应（{share}）",
                         ", and {within} of the {due} cases due were first answered within their level's limit ({share})"),
    "summary.network": ("{streets_with_station}个街道均已建立未成年人保护工作站（{streets}个街道全覆盖）" ,
                        "Work stations are open in {streets_with_station} of {streets} streets"),
    "summary.network.partial": ("{streets}个街道中{streets_with_station}个已建立未成年人保护工作站",
                                "Work stations are open in {streets_with_station} of {streets} streets"),
    "summary.workforce": ("，配备街道儿童督导员{supervisors}名、社区儿童主任{directors}名（覆盖{covered}/{communities}个社区），涉未社会组织{orgs}家；本年参加过培训的在岗人员占{rate}。",
                          "; {supervisors} street supervisors and {directors} community directors (in {covered} of {communities} communities) are in post, with {orgs} social organisations; {rate} of staff in post have attended a training session this year."),
    # map
    "map.title": ("站点覆盖地图", "Station coverage map"),
    "map.schematic": ("街道范围为示意图，非官方边界。", "Street cells are schematic, not official boundaries."),
    "map.legend": ("图例", "Legend"),
    "map.layer.streets": ("街道（示意范围）", "Streets (schematic cells)"),
    "map.stations": ("站点一览", "Stations"),
    "map.controls.metric": ("街道着色指标", "Colour streets by"),
    "map.controls.radius": ("服务半径（公里）", "Service radius (km)"),
    "map.controls.layers": ("图层", "Layers"),
    "map.layer.cells": ("街道", "Streets"),
    "map.layer.stations": ("站点", "Stations"),
    "map.layer.rings": ("服务圈", "Service rings"),
    "map.layer.communities": ("社区", "Communities"),
    "map.layer.orgs": ("社会组织", "Social organisations"),
    "map.metric.children": ("在册困境儿童", "Children in difficulty"),
    "map.metric.open_cases": ("在办危机个案", "Open crisis cases"),
    "map.metric.cases_per_100": ("每百名困境儿童在办个案", "Open cases per 100 children in difficulty"),
    "map.metric.overdue_cases": ("逾期个案", "Overdue cases"),
    "map.metric.director_share": ("配备儿童主任的社区占比", "Communities with a director (%)"),
    "map.legend.streets": ("街道：{metric}", "Streets: {metric}"),
    "map.legend.schematic": ("（示意范围）", " (schematic cells)"),
    "map.legend.no_data": ("无数据", "No data"),
    "map.legend.ring": ("街道工作站周边 {km} 公里", "{km} km around a street station"),
    "map.legend.communities": ("社区：最近一次入户走访", "Communities: last home visit"),
    "map.legend.no_director": ("黑色粗边：未配备在岗儿童主任", "Thick black edge: no active child director"),
    "map.visit.le_30": ("30 天内", "Within 30 days"),
    "map.visit.le_60": ("31–60 天", "31–60 days ago"),
    "map.visit.le_90": ("61–90 天", "61–90 days ago"),
    "map.visit.gt_90": ("超过 90 天", "Over 90 days ago"),
    "map.visit.none": ("无走访记录", "No visit recorded"),
    "map.kind.community": ("社区 · {street}", "Community · {street}"),
    "map.tip.metric": ("{metric}：{value}", "{metric}: {value}"),
    "map.tip.counts": ("困境儿童 {children} · 在办个案 {open} · 逾期 {overdue}",
                       "Children in difficulty {children} · open cases {open} · overdue {overdue}"),
    "map.tip.rate": ("每百名困境儿童在办个案：{value}", "Open cases per 100 children in difficulty: {value}"),
    "map.tip.directors": ("配备儿童主任的社区：{covered}/{total}", "Communities with a director: {covered}/{total}"),
    "map.tip.supervisor": ("督导员：{name}", "Supervisor: {name}"),
    "map.tip.opened": ("启用日期：{date}", "Opened: {date}"),
    "map.tip.planned": ("规划中，尚未启用", "Planned, not yet open"),
    "map.tip.staff": ("在岗工作人员：{n}", "Staff in post: {n}"),
    "map.tip.beds": ("床位：{n}", "Beds: {n}"),
    "map.tip.area": ("面积：约 {n} ㎡", "Area: about {n} m²"),
    "map.tip.reach": ("{km} 公里内社区：{n}", "Communities within {km} km: {n}"),
    "map.tip.director": ("儿童主任：{name}", "Child director: {name}"),
    "map.tip.no_director": ("未配备在岗儿童主任", "No active child director"),
    "map.tip.last_visit": ("最近入户走访：{date}（{days} 天前）", "Last home visit: {date} ({days} days ago)"),
    "map.tip.no_visit": ("无入户走访记录", "No home visit recorded"),
    "map.tip.registered": ("登记日期：{date}", "Registered: {date}"),
    "map.coverage": ("覆盖情况", "Coverage"),
    "map.coverage.communities": ("服务圈内社区", "Communities within reach"),
    "map.coverage.children": ("服务圈内困境儿童", "Children in difficulty within reach"),
    "map.coverage.note": ("{covered}/{total}，街道工作站 {km} 公里内", "{covered} of {total}, within {km} km of a street station"),
    "map.coverage.outside": ("服务圈外社区", "Communities outside every ring"),
    "map.coverage.no_director": ("未配备儿童主任的社区", "Communities without an active director"),
    "map.coverage.outside_short": ("圈外社区", "Outside rings"),
    "map.coverage.no_director_short": ("缺儿童主任", "No director"),
    "map.coverage.help": ("按社区中心点到最近的街道工作站的球面距离计算；困境儿童按所在社区计。",
                          "Great-circle distance from each community's centre to the nearest street station; children in difficulty count where their community is."),
    "map.gaps": ("服务缺口", "Gaps"),
    "map.gaps.outside_none": ("所有社区都在街道工作站 {km} 公里内。", "Every community lies within {km} km of a street station."),
    "map.gaps.director_none": ("所有社区都配备了在岗儿童主任。", "Every community has an active child director."),
    "map.panel.title": ("{street}街道", "{street} Street"),
    "map.panel.hint": ("点击地图上的街道、站点或社区，或在左侧选择街道，可查看该街道的详情。",
                       "Click a street, station or community on the map, or choose a street in the sidebar, to see that street's detail."),
    "map.panel.station": ("街道工作站", "Street work station"),
    "map.panel.no_station": ("尚无街道工作站", "No street work station yet"),
    "map.panel.supervisor": ("街道儿童督导员", "Street child supervisor"),
    "map.panel.none": ("未配备", "none"),
    "map.panel.field": ("**{label}**：{value}", "**{label}**: {value}"),
    "map.panel.directors": ("各社区儿童主任", "Child directors by community"),
    "map.panel.cases_link": ("查看本街道危机个案队列", "Open this street's crisis-case queue"),
    "map.panel.overdue_link": ("只看本街道逾期个案", "Only this street's overdue cases"),
    "map.panel.clear": ("返回全区", "Back to the whole district"),
    "map.boundary.official": ("街道边界来自官方文件 {file}（{crs}）。", "Street boundaries from the official file {file} ({crs})."),
    "map.boundary.unreadable": ("无法读取街道边界文件 {file}（{detail}），已改用示意街道范围。",
                                "The street boundary file {file} cannot be read ({detail}); the schematic street cells are shown instead."),
    "map.boundary.not_geojson": ("街道边界文件 {file} 不是有效的 GeoJSON（应为 FeatureCollection 或 Feature 列表），已改用示意街道范围。",
                                 "The street boundary file {file} is not valid GeoJSON (a FeatureCollection or a list of Features is expected); the schematic street cells are shown instead."),
    "map.boundary.unknown_crs": ("DASHBOARD_BOUNDARY_CRS 的值 {crs} 无效（可选 {allowed}），无法使用街道边界文件 {file}，已改用示意街道范围。",
                                 "DASHBOARD_BOUNDARY_CRS={crs} is not valid (use {allowed}), so the street boundary file {file} is not used; the schematic street cells are shown instead."),
    "map.boundary.missing_streets": ("街道边界文件 {file} 中找不到这些街道：{streets}，已改用示意街道范围。",
                                     "The street boundary file {file} lacks these streets: {streets}; the schematic street cells are shown instead."),
    "map.boundary.outside": ("街道边界文件 {file} 的坐标按 {crs} 换算后落在{district_name}之外（文件：{bounds}；{district_name}：{district}）。请检查文件和 DASHBOARD_BOUNDARY_CRS，已改用示意街道范围。",
                             "The coordinates in the street boundary file {file}, read as {crs}, fall outside {district_name} (file: {bounds}; district: {district}). Check the file and DASHBOARD_BOUNDARY_CRS; the schematic street cells are shown instead."),
    "map.basemap": ("底图：{url}（{crs}），图上所有要素已换算到该坐标系。", "Basemap: {url} ({crs}); everything drawn is converted to its coordinate system."),
    "map.basemap.bad_crs": ("DASHBOARD_BASEMAP_CRS 的值 {crs} 无效（可选 {allowed}），按 WGS84 绘制。",
                            "DASHBOARD_BASEMAP_CRS={crs} is not valid (use {allowed}); drawing in WGS84."),
    "col.director": ("儿童主任", "Child director"),
    "col.last_visit": ("最近入户走访", "Last home visit"),
    "col.nearest_station": ("最近的街道工作站", "Nearest street station"),
    "col.distance_km": ("距离（公里）", "Distance (km)"),
    "col.staff_count": ("在岗人员", "Staff"),
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
    "subsidies.none": ("{period} 没有补贴发放记录。", "No subsidy payments in {period}."),
    "subsidies.no_children": ("{scope} 在 {period} 没有在册困境儿童，也没有补贴发放。",
                              "{scope} has no registered children in difficulty and no payments in {period}."),
    "subsidies.trend": ("补贴发放趋势", "Subsidy trend"),
    "subsidies.trend.caption": ("按月发放金额；在图上拖动选取时间段，下方表格随之筛选。灰色底为当前统计期间。",
                                "Amount paid by month; drag across the chart to pick months and the tables below follow. The shaded band is the selected period."),
    "subsidies.by": ("分组", "Split by"),
    "subsidies.by.category": ("按类别", "By category"),
    "subsidies.by.street": ("按街道", "By street"),
    "subsidies.measure": ("指标", "Measure"),
    "subsidies.measure.amount": ("金额", "Amount"),
    "subsidies.measure.person_times": ("人次", "Person-times"),
    "subsidies.brushed": ("下方表格只显示图上选取的 {first} 至 {last}。", "The tables below show only the months picked on the chart: {first} to {last}."),
    "subsidies.brush_outside": ("图上选取的月份不在统计期间内，表格仍按统计期间显示。",
                                "The months picked on the chart lie outside the period; the tables show the whole period."),
    "subsidies.standards": ("月保障标准", "Monthly standards"),
    "subsidies.standard_changed": ("注意：本期内保障标准有调整——{changes}。", "Note: the standard changed within this period: {changes}."),
    "subsidies.standard_change": ("{category} {date} 起 {before} → {after} 元", "{category} from {date}: {before} → {after} yuan"),
    "subsidies.ytd": ("年内累计（与上年比较）", "Year to date vs last year"),
    "subsidies.grants": ("慰问金与捐赠", "Grants and donations"),
    "subsidies.no_grants": ("本期无慰问金或捐赠。", "No grants or donations in this period."),
    "subsidies.quarters": ("季度发放情况", "Quarter by quarter"),
    "subsidies.reconciliation": ("发放核对（应保尽保、及时足额）", "Reconciliation: everyone eligible paid, on time and in full"),
    "subsidies.reconciliation.caption": ("每月月末在册且未满18周岁的困境儿童为应发对象，按当月1日执行的标准核对。",
                                         "A child is due a payment for a month when on the register and under 18 at the month's end, at the standard in force on the month's first day."),
    "subsidies.clean": ("未发现问题。", "Nothing found."),
    "subsidies.at_issue_total": ("{count} 条 · 涉及金额 {amount}", "{count} rows · money at issue {amount}"),
    "subsidies.kind.unpaid": ("应发未发", "Eligible, not paid"),
    "subsidies.kind.wrong_amount": ("少发或多发", "Paid less or more"),
    "subsidies.kind.ineligible": ("不应发而发", "Paid while not eligible"),
    "subsidies.kind.duplicate": ("重复发放", "Paid twice"),
    "subsidies.kind.no_standard": ("无标准发放", "Paid with no standard"),
    "subsidies.reason.not_registered": ("未在册", "not on the register"),
    "subsidies.reason.before_registration": ("登记前", "before registration"),
    "subsidies.reason.after_exit": ("退出后", "after leaving the register"),
    "subsidies.reason.after_18": ("年满18周岁后", "after turning 18"),
    "col.quarter": ("季度", "Quarter"),
    "col.average": ("人均（元/人次）", "Average (yuan per person-time)"),
    "col.vs_previous": ("环比", "vs previous quarter"),
    "col.vs_year_before": ("同比", "vs same quarter last year"),
    "col.eligible": ("应发人数", "Eligible"),
    "col.paid_children": ("实发人数", "Paid"),
    "col.payments": ("发放笔数", "Payments"),
    "col.due": ("应发金额（元）", "Due (yuan)"),
    "col.paid_amount": ("实发金额（元）", "Paid (yuan)"),
    "col.gap": ("差额（元）", "Difference (yuan)"),
    "col.file_no": ("档案号", "File no."),
    "col.child": ("儿童", "Child"),
    "col.payment_no": ("发放编号", "Payment no."),
    "col.standard": ("标准（元）", "Standard (yuan)"),
    "col.at_issue": ("涉及金额（元）", "At issue (yuan)"),
    "col.reason": ("原因", "Reason"),
    "col.year": ("年份", "Year"),
    "col.cumulative": ("累计金额（元）", "Cumulative (yuan)"),
    # access
    "nav.admin": ("系统管理", "Administration"),
    "auth.sign_in": ("登录", "Sign in"),
    "auth.username": ("用户名", "Username"),
    "auth.password": ("密码", "Password"),
    "auth.sign_out": ("退出登录", "Sign out"),
    "auth.signed_in_as": ("当前用户：{user}（{role}）", "Signed in as {user} ({role})"),
    "auth.idle": ("超过 {minutes} 分钟未操作，已自动退出，请重新登录。", "You were signed out after {minutes} minutes without activity. Please sign in again."),
    "auth.error.invalid": ("用户名或密码不正确。", "The username or password is not right."),
    "auth.error.locked": ("登录失败次数过多，账户已锁定 {minutes} 分钟。", "Too many failed sign-ins: the account is locked for {minutes} minutes."),
    "auth.error.disabled": ("该账户已停用，请联系系统管理员。", "This account is disabled; ask an administrator."),
    "auth.error.unavailable": ("暂时无法连接数据库，请稍后再试。", "The database cannot be reached just now; please try again shortly."),
    "auth.expired": ("登录已满 {hours} 小时，请重新登录。", "Your sign-in ended after {hours} hours. Please sign in again."),
    "auth.ended": ("已退出登录，请重新登录。", "You are signed out. Please sign in again."),
    "auth.sso": ("使用统一身份认证登录", "Sign in with single sign-on"),
    "auth.sso_unknown": ("身份 {identity} 没有看板账户，请联系系统管理员。", "The identity {identity} has no dashboard account; ask an administrator."),
    "auth.demo": ("演示模式 DEMO", "DEMO mode"),
    "auth.demo_role": ("以此角色查看", "View as"),
    "cases.reveal": ("显示完整信息", "Show in full"),
    "cases.reveal.help": ("显示本个案儿童的姓名、证件号、联系电话和住址；此操作将记入审计日志。",
                          "Shows this child's name, ID number, phone and address; the reveal is written to the audit log."),
    "admin.title": ("系统管理", "Administration"),
    "admin.only": ("只有系统管理员可以查看此页。", "Only administrators may see this page."),
    "admin.accounts": ("账户", "Accounts"),
    "admin.active": ("启用", "Active"),
    "admin.last_sign_in": ("最近登录", "Last sign-in"),
    "admin.locked_until": ("锁定至", "Locked until"),
    "admin.add": ("新增账户", "Add an account"),
    "admin.street_id": ("街道代码（督导员、儿童主任）", "Street id (supervisors, directors)"),
    "admin.community_id": ("社区代码（儿童主任）", "Community id (directors)"),
    "admin.change": ("修改账户", "Change an account"),
    "admin.new_password": ("新密码", "New password"),
    "admin.set_password": ("重设密码", "Set password"),
    "admin.disable": ("停用账户", "Disable account"),
    "admin.done": ("已保存。", "Saved."),
    "admin.audit": ("审计日志", "Audit trail"),
    "admin.action": ("操作", "Action"),
    "admin.days": ("最近天数", "Last days"),
    "admin.contains": ("包含文字", "Containing"),
    "admin.target": ("对象", "Target"),
    "admin.detail": ("详情", "Detail"),
    "admin.chain_ok": ("审计日志哈希链校验通过：最近 {rows:,} 条记录无改动或删除（全部记录由每晚的恢复演练和 python -m data_access.audit verify 校验）。",
                       "The audit trail's hash chain verifies: none of the newest {rows:,} entries altered or removed (the nightly restore drill and python -m data_access.audit verify check them all)."),
    "admin.chain_broken": ("审计日志哈希链在第 {id} 号记录处断开：该记录或其前一条记录已被拥有数据库所有者权限的人改动或删除。"
                           "请从备份核对，并运行 python -m data_access.audit verify。",
                           "The audit trail's hash chain breaks at entry {id}: that entry or the one before it was "
                           "altered or removed by someone with the database owner's rights. Compare with a backup and "
                           "run python -m data_access.audit verify."),
    # explore
    "explore.title": ("自助分析", "Explore"),
    "explore.dataset": ("数据集", "Dataset"),
    "explore.rows": ("共 {rows} 行", "{rows} rows"),
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
    # data-quality panel (/data?check=...)
    "quality.title": ("数据质量", "Data quality"),
    "quality.caption": ("按当前范围统计，截至 {as_of}；补贴发放按所选统计期间。点击“查看明细”列出问题记录，网址可转发。",
                        "Counted in the current scope as of {as_of}; payments in the selected period. \"Show rows\" lists the records behind a check; the URL can be shared."),
    "quality.completeness": ("档案完整率", "Complete files"),
    "quality.completeness_note": ("{complete:,} / {total:,} 份儿童档案信息完整", "{complete:,} of {total:,} children's files are complete"),
    "quality.no_files": ("范围内没有儿童档案", "No children's files in this scope"),
    "quality.none": ("无此类问题", "None found"),
    "quality.show": ("查看明细", "Show rows"),
    "quality.close": ("收起明细", "Close"),
    "quality.count_only": ("仅显示数量", "Count only"),
    "quality.counts_only": ("局领导视图只显示数量，不列出涉及个人的记录。", "Leadership sees the counts only, not the records about people."),
    "quality.rows_title": ("{check}：{count:,} 条", "{check}: {count:,}"),
    "quality.truncated": ("只列出前 {shown:,} 条（共 {total:,} 条）。", "Only the first {shown:,} of {total:,} are listed."),
    "quality.clean": ("当前范围内没有此类问题。", "No such problem in this scope."),
    "quality.duplicate_note": ("{people:,} 人共有 {files:,} 份档案（姓名和出生日期相同）；同组档案编号相同。",
                               "{people:,} people have {files:,} files between them (same name and birth date); files of one person share a group number."),
    "quality.to_subsidies": ("在补贴页查看对账明细", "Open the reconciliation on the subsidies page"),
    "quality.listed_elsewhere": ("其中 {count:,} 条列在补贴页对账的“{tab}”清单中，此处只列出补贴页无法列出的记录（查无此儿童）。",
                                 "{count:,} of them are listed on the subsidy page's reconciliation under \"{tab}\"; only those it cannot list (no such child) are listed here."),
    "quality.to_cases": ("在个案页查看逾期个案", "Open the overdue cases on the case page"),
    "quality.check.incomplete": ("档案信息不完整", "Incomplete files"),
    "quality.check.duplicates": ("疑似重复档案", "Possible duplicates"),
    "quality.check.no_community": ("儿童未落社区", "No community on file"),
    "quality.check.no_holder": ("在办个案无负责人", "Open cases without a holder"),
    "quality.check.no_contact": ("超过回访周期未联系", "Follow-up contact overdue"),
    "quality.check.unregistered_payments": ("补贴发放对象未在册", "Paid while not registered"),
    "quality.check.outside_district": ("坐标不在{district_name}内", "Outside {district_name}"),
    "quality.help.incomplete": ("缺少姓名、身份证号（18位）、出生日期、社区、监护人电话、住址之一，或困境儿童类别与登记日期不一致。",
                                "Missing a name, an 18-character ID number, a birth date, a community, the guardian's phone or the address, or a category without a registration date (or the reverse)."),
    "quality.help.duplicates": ("姓名和出生日期相同的人数（身份证号在库中唯一，重复档案多因证件号录入不同）。",
                                "People whose name and birth date appear on more than one file (ID numbers are unique, so duplicates usually differ in the ID number)."),
    "quality.help.no_community": ("没有所属社区，或社区不属于儿童所在街道。", "No community, or a community of another street."),
    "quality.help.no_holder": ("在办个案没有指定负责人，或负责人已离岗。", "Open cases nobody holds, or whose holder has left their post."),
    "quality.help.no_contact": ("最近一次联系（没有联系时为接报时间）早于该风险等级的回访周期。",
                                "The last contact (or, without any, the report) is older than the risk level's follow-up cadence."),
    "quality.help.unregistered_payments": ("所选期间内，发放月份儿童不在困境儿童名册上（未登记、登记前、退出后，或查无此儿童）。",
                                           "Payments in the period for a month in which the child was not on the register (never registered, before registration, after leaving, or no such child)."),
    "quality.help.outside_district": ("工作站、社区、社会组织的坐标落在{district_name}范围（外扩约100米）之外，常见原因是坐标系或经纬度写反。",
                                      "Stations, communities and social organisations whose coordinates fall outside the box of {district_name} (plus about 100 m); usually a wrong coordinate system or swapped latitude and longitude."),
    "quality.field.name": ("姓名", "name"),
    "quality.field.id_number": ("身份证号", "ID number"),
    "quality.field.birth_date": ("出生日期", "birth date"),
    "quality.field.community": ("社区", "community"),
    "quality.field.guardian_phone": ("监护人电话", "guardian's phone"),
    "quality.field.address": ("住址", "address"),
    "quality.field.registration": ("类别与登记日期", "category and registration date"),
    "quality.reason.none": ("未指定", "nobody assigned"),
    "quality.reason.left": ("负责人已离岗", "holder has left"),
    "quality.reason.unknown_child": ("查无此儿童", "no such child"),
    "quality.place.station": ("站点", "station"),
    "quality.place.community": ("社区", "community"),
    "quality.place.social_org": ("社会组织", "social organisation"),
    "quality.col.missing": ("缺少", "Missing"),
    "quality.col.group": ("重复组", "Group"),
    "quality.col.files": ("档案数", "Files"),
    "quality.col.id_number": ("身份证号", "ID number"),
    "quality.col.birth_date": ("出生日期", "Birth date"),
    "quality.col.gender": ("性别", "Gender"),
    "quality.col.phone": ("监护人电话", "Guardian's phone"),
    "quality.col.address": ("住址", "Address"),
    "quality.col.left_on": ("离岗日期", "Left on"),
    "quality.col.cadence": ("回访周期（天）", "Cadence (days)"),
    "quality.col.days_without": ("未联系天数", "Days without contact"),
    "quality.col.child_id": ("儿童编号", "Child id"),
    "quality.col.lat": ("纬度", "Latitude"),
    "quality.col.lon": ("经度", "Longitude"),
    # data import
    "import.title": ("导入数据", "Import data"),
    "import.help": ("上传 CSV（UTF-8 或 GBK）或 Excel .xlsx 文件；表头可用中文或英文，各类数据可用的列见 docs/import.md。先检查，无误后再写入；整个文件在一个事务中写入。",
                    "Upload a CSV (UTF-8 or GBK) or Excel .xlsx file; headers may be Chinese or English, and docs/import.md lists the columns of each kind. The file is checked first and written only when you say so, in one transaction."),
    "import.kind": ("数据类别", "Kind of data"),
    "import.kind.children": ("儿童档案", "Children"),
    "import.kind.cases": ("危机个案", "Crisis cases"),
    "import.kind.case_events": ("个案事件", "Case events"),
    "import.kind.payments": ("补贴发放", "Subsidy payments"),
    "import.kind.staff": ("工作人员", "Staff"),
    "import.kind.training_sessions": ("培训场次", "Training sessions"),
    "import.kind.training": ("培训出勤", "Training attendance"),
    "import.kind.streets": ("街道", "Streets"),
    "import.kind.communities": ("社区", "Communities"),
    "import.kind.stations": ("站点与机构", "Stations"),
    "import.kind.social_orgs": ("社会组织", "Social organisations"),
    "import.kind.subsidy_standards": ("补贴标准", "Subsidy standards"),
    "import.kind.grants": ("慰问金与捐赠", "Grants and donations"),
    "import.mode": ("有错误时", "When rows have errors"),
    "import.mode.all-or-nothing": ("全部不写入", "write nothing"),
    "import.mode.skip-bad": ("跳过错误行", "skip the bad rows"),
    "import.file": ("文件", "File"),
    "import.preview": ("预览（前 10 行；表头后为对应字段）", "Preview (first 10 rows; each header shows the field it maps to)"),
    "import.no_problems": ("检查通过：{rows} 行均无问题。", "Checked: no problems in {rows} rows."),
    "import.problems": ("{file} 有 {count} 处问题：", "Problems in {file}: {count}"),
    "import.col.row": ("行", "Row"),
    "import.col.column": ("列", "Column"),
    "import.col.reason": ("问题", "Problem"),
    "import.would": ("写入后将会", "Writing would give"),
    "import.result": ("写入结果", "Result"),
    "import.count.read": ("读取行数", "Rows read"),
    "import.count.inserted": ("新增", "Inserted"),
    "import.count.updated": ("更新", "Updated"),
    "import.count.unchanged": ("未变", "Unchanged"),
    "import.count.rejected": ("拒绝", "Rejected"),
    "import.write": ("写入数据库", "Write to the database"),
    "import.written": ("{file} 已写入，其他页面已显示新数据。", "{file} is written; the other pages show the new figures."),
    "import.not_written": ("有错误，未写入任何数据。", "There are errors; nothing was written."),
    "import.rejects": ("下载被拒绝的行（CSV）", "Download the rejected rows (CSV)"),
    # explore: ad-hoc analysis
    "explore.caption": ("选择数据集、分组维度和指标；全部在数据库中汇总，只显示汇总数字，不含个人信息。链接可直接转发。",
                        "Pick a dataset, how to group it and what to measure. Everything is summed up in the database and only "
                        "totals are shown, never a person. The link reproduces this view."),
    "explore.dataset.cases": ("危机个案（本期接报）", "Crisis cases (reported in the period)"),
    "explore.dataset.children": ("在册困境儿童（期末）", "Children in difficulty (on the register at period end)"),
    "explore.dataset.payments": ("补贴发放（本期月份）", "Subsidy payments (months of the period)"),
    "explore.dataset.staff": ("工作人员（期末在岗）", "Staff (in post at period end)"),
    "explore.dataset.training": ("培训出勤（本期培训场次）", "Training attendance (sessions held in the period)"),
    "explore.dataset.stations": ("站点与机构", "Stations and facilities"),
    "explore.dim": ("分组维度", "Group by"),
    "explore.dim2": ("第二维度（热力图、透视表）", "Second dimension (heat map, pivot)"),
    "explore.dim2.none": ("（无）", "(none)"),
    "explore.dim.street": ("街道", "Street"),
    "explore.dim.community": ("社区", "Community"),
    "explore.dim.month": ("月份", "Month"),
    "explore.dim.quarter": ("季度", "Quarter"),
    "explore.dim.year": ("年份", "Year"),
    "explore.dim.risk": ("风险等级", "Risk level"),
    "explore.dim.stage": ("阶段", "Stage"),
    "explore.dim.type": ("危机类型", "Crisis type"),
    "explore.dim.source": ("报告来源", "Report source"),
    "explore.dim.category": ("困境类别", "Category"),
    "explore.dim.sex": ("性别", "Sex"),
    "explore.dim.age_band": ("年龄段", "Age band"),
    "explore.dim.role": ("岗位", "Staff role"),
    "explore.dim.trained": ("已完成年度培训", "Trained this year"),
    "explore.dim.mode": ("培训形式", "Training mode"),
    "explore.dim.kind": ("站点类型", "Station kind"),
    "explore.dim.status": ("状态", "Status"),
    "explore.time_note.cases": ("时间维度按接报时间。", "Time dimensions use the report time."),
    "explore.time_note.children": ("时间维度按登记时间。", "Time dimensions use the registration date."),
    "explore.time_note.payments": ("时间维度按补贴所属月份。", "Time dimensions use the month paid for."),
    "explore.measure": ("指标", "Measure"),
    "explore.measure.count": ("计数", "Count"),
    "explore.measure.children": ("涉及儿童数（去重）", "Distinct children"),
    "explore.measure.sum": ("合计", "Sum"),
    "explore.measure.mean": ("平均", "Mean"),
    "explore.measure.median": ("中位数", "Median"),
    "explore.measure_of": ("{column}（{measure}）", "{measure} of {column}"),
    "explore.column": ("数值字段", "Of"),
    "explore.column.response_hours": ("首次响应用时（小时）", "time to first response (hours)"),
    "explore.column.age": ("儿童年龄（岁）", "child's age (years)"),
    "explore.column.amount": ("发放金额（元）", "amount paid (yuan)"),
    "explore.column.service_years": ("在岗年限（年）", "years in post"),
    "explore.column.hours": ("学时", "hours"),
    "explore.column.beds": ("床位数", "beds"),
    "explore.column.area_m2": ("面积（平方米）", "floor area (m²)"),
    "explore.count.cases": ("个案数", "Cases"),
    "explore.count.children": ("儿童人数", "Children"),
    "explore.count.payments": ("发放人次", "Person-times"),
    "explore.count.staff": ("人数", "Staff"),
    "explore.count.training": ("出勤人次", "Attendances"),
    "explore.count.stations": ("站点数", "Stations"),
    "explore.chart": ("图表", "Chart"),
    "explore.chart.bar": ("柱状图", "Bar"),
    "explore.chart.line": ("折线图", "Line"),
    "explore.chart.area": ("面积图", "Area"),
    "explore.chart.heatmap": ("热力图", "Heat map"),
    "explore.chart.map": ("地图", "Map"),
    "explore.all": ("全部", "All"),
    "explore.filters": ("数据集筛选（不选为全部）", "Dataset filters (none chosen means all)"),
    "explore.filter.risk": ("风险等级", "Risk level"),
    "explore.filter.stage": ("阶段", "Stage"),
    "explore.filter.type": ("危机类型", "Crisis type"),
    "explore.filter.source": ("报告来源", "Report source"),
    "explore.filter.category": ("困境类别", "Category"),
    "explore.filter.sex": ("性别", "Sex"),
    "explore.filter.role": ("岗位", "Staff role"),
    "explore.filter.mode": ("培训形式", "Training mode"),
    "explore.filter.kind": ("站点类型", "Station kind"),
    "explore.filter.status": ("状态", "Status"),
    "explore.sex.F": ("女童", "Girls"),
    "explore.sex.M": ("男童", "Boys"),
    "explore.trained.yes": ("已培训", "Trained"),
    "explore.trained.no": ("未培训", "Not trained"),
    "explore.age_band": ("{band} 岁", "aged {band}"),
    "explore.no_street": ("区级（不属于街道）", "District level (no street)"),
    "explore.no_community": ("街道层面（不属于社区）", "Street level (no community)"),
    "explore.table": ("汇总表", "Table"),
    "explore.pivot": ("透视表：{rows} × {columns}", "Pivot: {rows} × {columns}"),
    "explore.total": ("合计 {value}", "Total {value}"),
    "explore.invalid": ("无法计算：{error}", "Cannot compute this view: {error}"),
    "explore.map_schematic": ("街道范围为示意图，不是官方边界。", "Street cells are schematic, not official boundaries."),
}

VOCAB: dict[str, dict[str, tuple[str, str]]] = {
    "role": {
        "leader": ("局领导", "Leadership"),
        "supervisor": ("街道儿童督导员", "Street supervisor"),
        "director": ("社区儿童主任", "Community director"),
        "analyst": ("分析人员", "Analyst"),
        "admin": ("系统管理员", "Administrator"),
    },
    "audit_action": {
        "sign_in": ("登录", "sign-in"),
        "sign_out": ("退出", "sign-out"),
        "sign_in_failed": ("登录失败", "failed sign-in"),
        "account_locked": ("账户锁定", "account locked"),
        "case_view": ("查看个案", "case viewed"),
        "reveal": ("显示个人信息", "personal data shown"),
        "export": ("导出", "export"),
        "import": ("导入", "import"),
        "account": ("账户变更", "account change"),
    },
    "table": {
        "dataset_info": ("数据集信息", "Dataset facts"),
        "streets": ("街道", "Streets"),
        "communities": ("社区", "Communities"),
        "stations": ("站点", "Stations"),
        "staff": ("工作人员", "Staff"),
        "training_sessions": ("培训场次", "Training sessions"),
        "training_attendance": ("培训出勤", "Training attendance"),
        "social_orgs": ("社会组织", "Social organisations"),
        "children": ("儿童档案", "Children"),
        "cases": ("危机个案", "Crisis cases"),
        "case_events": ("个案事件", "Case events"),
        "subsidy_standards": ("补贴标准", "Subsidy standards"),
        "subsidy_payments": ("补贴发放", "Subsidy payments"),
        "grants": ("慰问金与捐赠", "Grants and donations"),
        "users": ("用户", "Users"),
        "user_sessions": ("登录会话", "Sign-in sessions"),
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
    "training_mode": {
        "online": ("网络课程", "Online course"),
        "live": ("直播", "Live broadcast"),
        "on_site": ("现场培训", "On-site session"),
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


_district_name: Callable[[str], str] = lambda _lang: ""


def set_district_name(provider: Callable[[str], str]) -> None:
    """Where texts naming the district ({district}) get its name: the database's own, set by dashboard.data."""
    global _district_name
    _district_name = provider


def t(key: str, lang: str, **values: object) -> str:
    zh, en = CATALOGUE[key]
    text = en if lang == "en" else zh
    if "{district" in text:
        name = _district_name(lang)
        values.setdefault("district", name)  # titles: without a name, none
        values.setdefault("district_name", name or ("本区" if lang == "zh" else "the district"))  # sentences
        return text.format(**values).strip()
    return text.format(**values) if values else text


def label(vocabulary: str, code: str | None, lang: str) -> str:
    """The visible label of a stored code; an unknown code is shown as it is."""
    if code is None:
        return ""
    pair = VOCAB[vocabulary].get(code)
    if pair is None:
        return str(code)
    return pair[1] if lang == "en" else pair[0]


def period_label(period: Period, lang: str, as_of: datetime | None = None) -> str:
    """The period's name; with ``as_of``, marked "to date" while it runs."""
    if as_of is not None and period.running(as_of):
        return t("period.to_date", lang, period=period_label(period, lang))
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


def short_date(day: date, lang: str) -> str:
    return f"{day.day} {_MONTHS_EN[day.month - 1]}" if lang == "en" else f"{day.month}月{day.day}日"


def months_label(months: tuple[date, ...], lang: str) -> str:
    """``2026年10月`` or ``2026年10–11月``; ``Oct 2026`` or ``Oct–Nov 2026``."""
    first, last = months[0], months[-1]
    if lang == "en":
        if first == last:
            return f"{_MONTHS_EN[first.month - 1]} {first.year}"
        head = _MONTHS_EN[first.month - 1] + ("" if first.year == last.year else f" {first.year}")
        return f"{head}–{_MONTHS_EN[last.month - 1]} {last.year}"
    if first == last:
        return f"{first.year}年{first.month}月"
    if first.year == last.year:
        return f"{first.year}年{first.month}–{last.month}月"
    return f"{first.year}年{first.month}月–{last.year}年{last.month}月"


def versus(now: Span, before: Span, lang: str) -> str:
    """What a flow is compared with: the previous period, or its same days while the chosen one runs."""
    if before.like_for_like:
        return t("kpi.vs_same_span", lang, date=short_date(now.until.date(), lang),
                 period=period_label(before.period, lang))
    return t("kpi.vs_previous", lang, period=period_label(before.period, lang))


def versus_months(now: Span, before: Span, lang: str) -> str:
    """What payments are compared with: while a period runs, its complete months against as many before."""
    if not before.like_for_like:
        return t("kpi.vs_previous", lang, period=period_label(before.period, lang))
    if not now.months:
        return t("kpi.no_complete_month", lang)
    return t("kpi.vs_months", lang, months=months_label(now.months, lang), before=months_label(before.months, lang))


def versus_year(now: Span, before: Span, lang: str) -> str:
    """What a flow is compared with a year before: the same days while the period runs, else the whole period."""
    if before.like_for_like:
        return t("kpi.yoy.same_days", lang, date=short_date(now.until.date(), lang),
                 period=period_label(before.period, lang))
    return t("kpi.yoy.period", lang, period=period_label(before.period, lang))


def versus_year_months(now: Span, before: Span, lang: str) -> str:
    """What payments are compared with a year before: while the period runs, the same complete months."""
    if not before.like_for_like:
        return versus_year(now, before, lang)
    if not now.months:
        return t("kpi.no_complete_month", lang)
    return t("kpi.yoy.months", lang, months=months_label(now.months, lang), before=months_label(before.months, lang))


def stock_day(span: Span, moment: datetime) -> date:
    """The day a stock of ``span`` is read on: its period's last day, or ``moment``'s day if earlier."""
    return min(span.period.end - timedelta(days=1), moment.date())


def arrow(change: float | None) -> str:
    """The arrow of a change: up for a rise, down for a fall, level for none."""
    if change is None:
        return ""
    return "↑" if change > 0 else "↓" if change < 0 else "→"


def signed_percent(now: float, before: float) -> str | None:
    """The relative change with its sign first (``-32.8%``), so an arrow read from it points the right way;
    None when there is nothing to compare with."""
    if not before:
        return None
    ratio = (float(now) - float(before)) / float(before)
    if round(ratio, 3) == 0:
        return "0.0%"
    return f"{'+' if ratio > 0 else '-'}{abs(ratio):.1%}"


def change_line(difference: float | None, shown: str | None, against: str, lang: str) -> str:
    """A change with its arrow and what it is against: ``截至12月4日，较去年同期（…） ↑ +12``; ``shown`` is
    the change as written (``+12``, ``-3.2%``), ``difference`` its value, which picks the arrow."""
    if difference is None or shown is None:
        return t("kpi.change_line", lang, change="—", against=against)
    return t("kpi.change_line", lang, change=f"{arrow(difference)} {shown}", against=against)


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


def signed(value: float, decimals: int = 0) -> str:
    """A change with its sign: +5, -3, 0 (st.metric reads the sign to pick the arrow)."""
    text = f"{abs(value):,.{decimals}f}"
    if round(value, decimals) == 0:
        return text
    return ("+" if value > 0 else "-") + text


def format_share(share: float | None) -> str:
    return "—" if share is None else f"{share:.1%}"
