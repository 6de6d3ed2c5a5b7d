"""Subsidy payments, standards and grants, and the reconciliation of payments against the register.

A child is eligible for a month when, at the month's last day, they are on the register of
children in difficulty (registered, not exited) and not yet 18. Each eligible child should be
paid the standard in force for their category on the first day of that month, exactly once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Date, Engine, and_, bindparam, case, distinct, exists, func, literal, not_, or_, select, union_all

from data_access import schema
from data_access.cases import unindexed
from data_access.masking import mask_personal
from data_access.parallel import together
from data_access.scoping import scope_conditions, summary_streets, summed_streets
from data_access.summaries import register_covers
from data_access.types import Filters, Period, Scope, add_months, months_between

P, SS, CH, S = schema.subsidy_payments, schema.subsidy_standards, schema.children, schema.streets
SP, SPC, SR = schema.summary_payments, schema.summary_payment_children, schema.summary_register
ANOMALY_KINDS = ("unpaid", "wrong_amount", "ineligible", "duplicate", "no_standard")


def payment_scope(scope: Scope, filters: Filters) -> list:
    """Payments carry their street; their community is the child's."""
    conditions = scope_conditions(scope.street_level, filters, P.c.street_id)
    if scope.communities is not None:
        conditions.append(P.c.child_id.in_(select(CH.c.id).where(CH.c.community_id.in_(sorted(scope.communities)))))
    return conditions


def _window(filters: Filters, start: date | None, end: date | None) -> tuple[date, date]:
    return start or filters.period.start, end or filters.period.end


def payments_by_month(
    engine: Engine, scope: Scope, filters: Filters, start: date | None = None, end: date | None = None,
    by: str = "category",
) -> pd.DataFrame:
    """Per month and category (or street): person-times and amount paid.

    Months from ``start`` up to ``end`` (exclusive); by default those of the filtered period. No
    distinct-children count: it cannot be summed over months or streets, and counting it sorts every
    payment (twice the time at scale 100); the quarter table and the key figures count children.
    """
    start, end = _window(filters, start, end)
    keys = summary_streets(scope, filters)
    if keys is not None:
        query = _payments_by_month_summary(keys, start, end, by)
    else:
        group = {"category": P.c.category, "street": P.c.street_id}[by]
        query = (
            select(
                P.c.month,
                group.label(by),
                func.count().label("person_times"),
                func.sum(P.c.amount).label("amount"),
            )
            .where(P.c.month >= start, P.c.month < end, *payment_scope(scope, filters))
            .group_by(P.c.month, group)
            .order_by(P.c.month, group)
        )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    frame["month"] = pd.to_datetime(frame["month"])
    frame["amount"] = frame["amount"].astype(float).round(2)
    return frame


def _payments_by_month_summary(keys: list[str], start: date, end: date, by: str):
    """payments_by_month's query on summary_payments (street scopes)."""
    group = {"category": SP.c.category, "street": SP.c.street_id}[by]
    return (
        select(SP.c.month, group.label(by), func.sum(SP.c.person_times).label("person_times"),
               func.sum(SP.c.amount).label("amount"))
        .where(SP.c.month >= start, SP.c.month < end, *summed_streets(keys, SP.c.street_id))
        .group_by(SP.c.month, group)
        .order_by(SP.c.month, group)
    )


def standards(engine: Engine) -> pd.DataFrame:
    query = select(SS.c.category, SS.c.valid_from, SS.c.valid_to, SS.c.monthly_amount).order_by(
        SS.c.category, SS.c.valid_from
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    frame["monthly_amount"] = frame["monthly_amount"].astype(float)
    return frame


def standards_by_month(engine: Engine, start: date, end: date) -> pd.DataFrame:
    """The standard in force on the first day of each month, per category (missing when none)."""
    months = months_table(start, end)
    query = (
        select(months.c.month, SS.c.category, SS.c.monthly_amount)
        .join(SS, and_(SS.c.valid_from <= months.c.month, or_(SS.c.valid_to.is_(None), SS.c.valid_to > months.c.month)))
        .order_by(months.c.month, SS.c.category)
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    frame["month"] = pd.to_datetime(frame["month"])
    frame["monthly_amount"] = frame["monthly_amount"].astype(float)
    return frame


def grants_in(engine: Engine, scope: Scope, period: Period | None = None, start: date | None = None,
              end: date | None = None) -> pd.DataFrame:
    """Grants in the window: district-wide ones and those of the scope's streets."""
    g = schema.grants
    start, end = (period.start, period.end) if period else (start, end)
    streets = scope_conditions(scope.street_level, None, g.c.street_id)
    query = (
        select(g.c.kind, g.c.granted_on, g.c.amount, g.c.recipients, g.c.description_zh, g.c.description_en)
        .where(g.c.granted_on >= start, g.c.granted_on < end, or_(g.c.street_id.is_(None), *streets))
        .order_by(g.c.granted_on)
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    frame["amount"] = frame["amount"].astype(float)
    return frame


def quarter_table(engine: Engine, scope: Scope, filters: Filters, first: date, last: date,
                  as_of: datetime | None = None) -> pd.DataFrame:
    """Every quarter from ``first`` to ``last``: person-times, distinct children, amount, average,
    and the change against the previous quarter and the same quarter a year before.

    A quarter still running at ``as_of`` is marked ``to_date`` and compared by its complete months
    against the same months of the two earlier quarters (no change while none is complete)."""
    quarters = []
    quarter = Period.containing(first, "quarter")
    while quarter.start <= last:
        quarters.append(quarter)
        quarter = Period("quarter", quarter.year + quarter.number // 4, quarter.number % 4 + 1)
    # One aggregate per quarter over its own range of the month index: grouping every payment by a
    # CASE on the month sorts them all twice (groups and distinct children), 4× slower at scale 100.
    keys = summary_streets(scope, filters)
    if keys is not None and len(keys) == 1:
        def part(label, start, end, months):
            return _quarter_part_summary(keys[0], label, start, end, months)
    else:
        def part(label, start, end, months):
            return (select(literal(label).label("quarter"), func.count().label("person_times"),
                           func.count(distinct(P.c.child_id)).label("children"), func.sum(P.c.amount).label("amount"))
                    .where(P.c.month >= start, P.c.month < end, *payment_scope(scope, filters)))
    parts = [part(q.code, q.start, q.end, 3) for q in quarters]
    running = next((q for q in quarters if as_of is not None and q.running(as_of)), None)
    if running is not None:
        complete = len(running.complete_months(as_of))
        windows = {"now": running, "previous": running.previous(), "year_before": running.year_before()}
        parts += [
            part(f"same:{name}", q.start, add_months(q.start, complete), complete)
            for name, q in windows.items()
        ] if complete else []
    with engine.connect() as conn:
        found = {row.quarter: row for row in conn.execute(union_parts(parts)) if row.person_times}
    same = {key.removeprefix("same:"): float(row.amount) for key, row in found.items() if key.startswith("same:")}
    frame = pd.DataFrame(
        [
            {
                "quarter": q.code,
                "person_times": found[q.code].person_times if q.code in found else 0,
                "children": found[q.code].children if q.code in found else 0,
                "amount": round(float(found[q.code].amount), 2) if q.code in found else 0.0,
            }
            for q in quarters
        ]
    )
    frame["average"] = (frame["amount"] / frame["person_times"].where(frame["person_times"] > 0)).round(2)
    by_code = frame.set_index("quarter")["amount"]
    previous = [by_code.get(Period.parse(code).previous().code) for code in frame["quarter"]]
    year_before = [by_code.get(Period.parse(code).year_before().code) for code in frame["quarter"]]
    frame["vs_previous"] = [_change(now, then) for now, then in zip(frame["amount"], previous)]
    frame["vs_year_before"] = [_change(now, then) for now, then in zip(frame["amount"], year_before)]
    frame["to_date"] = [q == running for q in quarters]
    if running is not None:
        row = frame.index[frame["to_date"]][0]
        now = same.get("now")
        frame.loc[row, "vs_previous"] = _change(now, same.get("previous")) if now is not None else None
        frame.loc[row, "vs_year_before"] = _change(now, same.get("year_before")) if now is not None else None
    return frame


def _quarter_part_summary(key: str, label: str, start: date, end: date, months: int):
    """One part of quarter_table on the summaries, for one street or the whole district (``key``)."""
    children = select(SPC.c.children).where(SPC.c.start_month == start, SPC.c.months == months,
                                            SPC.c.street_id == key).scalar_subquery()
    return (select(literal(label).label("quarter"), func.sum(SP.c.person_times).label("person_times"),
                   func.coalesce(children, 0).label("children"), func.sum(SP.c.amount).label("amount"))
            .where(SP.c.month >= start, SP.c.month < end, *summed_streets([key], SP.c.street_id)))


def _change(now: float, then: float | None) -> float | None:
    """Relative change, or None when there is nothing to compare with."""
    if then is None or pd.isna(then) or then == 0:
        return None
    return round((now - then) / then, 4)


# --- reconciliation ---------------------------------------------------------------------------------


def _months(start: date, end: date) -> list[date]:
    """The months of [start, end); a window that ends before it starts stands for its first month."""
    return months_between(start, end) if start < end else [start]


def _month_bounds(start: date, end: date) -> list[tuple[date, date, date]]:
    """The months of [start, end): first day, last day, and the latest birth date of someone who is 18
    by the last day."""
    bounds = []
    for month in _months(start, end):
        last = add_months(month, 1) - timedelta(days=1)
        bounds.append((month, last, _years_before(last, 18)))
    return bounds


def months_table(start: date, end: date):
    """``_month_bounds`` as a table (a UNION ALL, because SQLite cannot name VALUES columns)."""
    rows = [select(literal(month, Date).label("month"), literal(last, Date).label("month_end"),
                   literal(born_by, Date).label("born_by"))
            for month, last, born_by in _month_bounds(start, end)]
    return union_all(*rows).subquery("months") if len(rows) > 1 else rows[0].subquery("months")


def union_parts(parts: list):
    """The parts' rows in one query (UNION ALL)."""
    return union_all(*parts) if len(parts) > 1 else parts[0]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _eligible(month_end, born_by) -> list:
    """The child is on the register at the month's end and not yet 18 then (born after ``born_by``)."""
    return [
        CH.c.category.is_not(None),
        CH.c.registered_on <= month_end,
        or_(CH.c.exited_on.is_(None), CH.c.exited_on > month_end),
        CH.c.birth_date > born_by,
    ]


def _standard_for(category_column, month_column):
    return and_(SS.c.category == category_column, SS.c.valid_from <= month_column,
                or_(SS.c.valid_to.is_(None), SS.c.valid_to > month_column))


def reconciliation_summary(engine: Engine, scope: Scope, filters: Filters, start: date | None = None,
                           end: date | None = None) -> pd.DataFrame:
    """Per month: children eligible, children paid, payments, amount paid and amount due."""
    start, end = _window(filters, start, end)
    keys = summary_streets(scope, filters)
    with engine.connect() as conn:
        summarised = keys is not None and len(keys) == 1 and register_covers(conn, _months(start, end)[0],
                                                                               add_months(_months(start, end)[-1], 1))
    if summarised:
        counts, paid = _reconciliation_summary_parts(keys[0], start, end)
    else:
        counts, paid = _reconciliation_summary_parts_raw(scope, filters, start, end)
    eligible = (
        select(counts.c.month, func.sum(counts.c.children).label("eligible"),
               func.sum(counts.c.children * SS.c.monthly_amount).label("due"))
        .select_from(counts)
        .outerjoin(SS, _standard_for(counts.c.category, counts.c.month))
        .group_by(counts.c.month)
    )
    with engine.connect() as conn:
        due = pd.read_sql(eligible, conn)
        done = pd.read_sql(paid, conn)
    frame = pd.DataFrame({"month": months_between(start, end)})
    for part in (due, done):
        part["month"] = pd.to_datetime(part["month"]).dt.date
        frame = frame.merge(part, on="month", how="left")
    for name in ("eligible", "paid_children", "payments"):
        frame[name] = frame[name].fillna(0).astype(int)
    for name in ("due", "amount"):
        frame[name] = frame[name].astype(float).fillna(0.0).round(2)
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def _reconciliation_summary_parts(key: str, start: date, end: date):
    """reconciliation_summary's children eligible per month and category, and payments per month, from the
    summaries, for one street or the whole district (``key``)."""
    months = _months(start, end)
    counts = (
        select(SR.c.month, SR.c.category, func.sum(SR.c.eligible).label("children"))
        .where(SR.c.month >= months[0], SR.c.month <= months[-1], *summed_streets([key], SR.c.street_id))
        .group_by(SR.c.month, SR.c.category)
        .having(func.sum(SR.c.eligible) > 0)
        .subquery("counts")
    )
    sums = (
        select(SP.c.month, func.sum(SP.c.person_times).label("payments"), func.sum(SP.c.amount).label("amount"))
        .where(SP.c.month >= start, SP.c.month < end, *summed_streets([key], SP.c.street_id))
        .group_by(SP.c.month)
        .subquery("sums")
    )
    paid = (
        select(sums.c.month, func.coalesce(SPC.c.children, 0).label("paid_children"), sums.c.payments, sums.c.amount)
        .select_from(sums)
        .outerjoin(SPC, and_(SPC.c.start_month == sums.c.month, SPC.c.months == 1, SPC.c.street_id == key))
    )
    return counts, paid


def _reconciliation_summary_parts_raw(scope: Scope, filters: Filters, start: date, end: date):
    """reconciliation_summary's parts from the register and the payments themselves."""
    # Children are counted per month and category, one part per month with its bounds as constants (the
    # register's index then answers alone), and the standard is looked up per count, not per child.
    counts = union_parts([
        select(literal(month, Date).label("month"), CH.c.category, func.count().label("children"))
        .where(*_eligible(last, born_by), *scope_conditions(scope, filters, CH.c.street_id, CH.c.community_id))
        .group_by(CH.c.category)
        for month, last, born_by in _month_bounds(start, end)
    ]).subquery("counts")
    paid = (
        select(P.c.month, func.count(distinct(P.c.child_id)).label("paid_children"),
               func.count().label("payments"), func.sum(P.c.amount).label("amount"))
        .where(P.c.month >= start, P.c.month < end, *payment_scope(scope, filters))
        .group_by(P.c.month)
    )
    return counts, paid


def _child_columns():
    return [CH.c.id.label("child_id"), CH.c.file_no, CH.c.name.label("child_name"), CH.c.category,
            S.c.name_zh.label("street_zh"), S.c.name_en.label("street_en")]


def _finish(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    if "month" in frame:
        frame["month"] = pd.to_datetime(frame["month"])
    for name in ("amount", "standard", "at_issue"):
        if name in frame:
            frame[name] = frame[name].astype(float).round(2)
    # Lists of many children never carry names in clear, whatever the scope: names are revealed
    # one case at a time, and logged, on the case page only.
    return mask_personal(frame)


def unpaid_eligible(engine: Engine, scope: Scope, filters: Filters, start: date | None = None,
                    end: date | None = None) -> pd.DataFrame:
    """Eligible children with no payment for the month; the money at issue is the standard.

    The unpaid are found first, from the register's index alone, one part per month with its bounds as
    constants, and only they are read in full. On SQLite the month's paid children are an IN list, built
    once and probed in memory: asking the payment index once per child and month takes 2.5× as long at
    scale 100. PostgreSQL turns NOT EXISTS into an anti-join of its own.
    """
    start, end = _window(filters, start, end)
    parts = []
    for month, last, born_by in _month_bounds(start, end):
        when = literal(month, Date)
        if engine.dialect.name == "sqlite":
            unpaid = CH.c.id.not_in(select(P.c.child_id).where(P.c.month == when))
        else:
            unpaid = not_(exists().where(P.c.child_id == CH.c.id, P.c.month == when))
        parts.append(select(when.label("month"), CH.c.id.label("child_id")).where(
            *_eligible(last, born_by), unpaid, *scope_conditions(scope, filters, CH.c.street_id, CH.c.community_id)))
    missing = union_parts(parts).subquery("missing")
    query = (
        select(missing.c.month, *_child_columns(), SS.c.monthly_amount.label("standard"),
               SS.c.monthly_amount.label("at_issue"))
        .select_from(missing)
        .join(CH, CH.c.id == missing.c.child_id)
        .join(S, CH.c.street_id == S.c.id)
        .outerjoin(SS, _standard_for(CH.c.category, missing.c.month))
        .order_by(missing.c.month, CH.c.id)
    )
    with engine.connect() as conn:
        return _finish(pd.read_sql(query, conn), scope)


def payment_problems(engine: Engine, scope: Scope, filters: Filters, start: date | None = None,
                     end: date | None = None) -> dict[str, pd.DataFrame]:
    """The window's flagged payments, read in one pass: ``wrong_amount`` (at issue: paid minus the
    standard in force for the month), ``ineligible`` (paid for a month in which the child was not
    eligible, with the reason; at issue: the whole payment) and ``no_standard`` (no standard in force
    for the category; at issue: the whole payment). A payment can be in more than one list."""
    start, end = _window(filters, start, end)
    months = months_table(start, end)
    eligible = and_(*_eligible(months.c.month_end, months.c.born_by))
    reason = case(  # why an ineligible payment is one; kept on that list only
        (CH.c.category.is_(None), literal("not_registered")),
        (CH.c.registered_on > months.c.month_end, literal("before_registration")),
        (and_(CH.c.exited_on.is_not(None), CH.c.exited_on <= months.c.month_end), literal("after_exit")),
        else_=literal("after_18"),
    )
    flags = {
        "wrong_amount": and_(SS.c.monthly_amount.is_not(None), P.c.amount != SS.c.monthly_amount),
        "ineligible": not_(eligible),
        "no_standard": SS.c.category.is_(None),
    }
    # Flagged payments are few: they are found first, from the payment index and the children's eligibility,
    # and only they are read in full. MATERIALIZED on PostgreSQL: inlined, its planner looked each of a
    # province's payments up in the flagged ones instead.
    found = (
        select(P.c.id)
        .join(months, P.c.month == months.c.month)
        .join(CH, P.c.child_id == CH.c.id)
        .outerjoin(SS, _standard_for(P.c.category, P.c.month))
        .where(or_(*flags.values()), *payment_scope(scope, filters))
        .cte("flagged")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    query = (
        select(P.c.month, *_child_columns(), P.c.payment_no, P.c.amount, SS.c.monthly_amount.label("standard"),
               (P.c.amount - SS.c.monthly_amount).label("difference"), reason.label("reason"), CH.c.exited_on,
               CH.c.birth_date, *(case((flag, 1), else_=0).label(kind) for kind, flag in flags.items()))
        .join(months, unindexed(P.c.month) == months.c.month)  # read the flagged by id, not the months
        .join(CH, P.c.child_id == CH.c.id)
        .join(S, P.c.street_id == S.c.id)
        .outerjoin(SS, _standard_for(P.c.category, P.c.month))
        .where(P.c.id.in_(select(found.c.id)))
        .order_by(P.c.month, P.c.payment_no)
    )
    with engine.connect() as conn:
        found = pd.read_sql(query, conn)
    paid = ["month", "child_id", "file_no", "child_name", "category", "street_zh", "street_en", "payment_no", "amount"]

    def flagged(kind: str, at_issue: str, before: tuple = (), after: tuple = ()) -> pd.DataFrame:
        rows = found[found[kind] == 1].assign(at_issue=lambda f: f[at_issue])
        return _finish(rows[[*paid, *before, "at_issue", *after]].reset_index(drop=True), scope)

    return {
        "wrong_amount": flagged("wrong_amount", "difference", before=("standard",)),
        "ineligible": flagged("ineligible", "amount", after=("reason", "exited_on", "birth_date")),
        "no_standard": flagged("no_standard", "amount"),
    }


def wrong_amounts(engine: Engine, scope: Scope, filters: Filters, start: date | None = None,
                  end: date | None = None) -> pd.DataFrame:
    """Payments that differ from the standard in force for the month (see ``payment_problems``)."""
    return payment_problems(engine, scope, filters, start, end)["wrong_amount"]


def paid_ineligible(engine: Engine, scope: Scope, filters: Filters, start: date | None = None,
                    end: date | None = None) -> pd.DataFrame:
    """Payments for a month in which the child was not eligible, with the reason (see ``payment_problems``)."""
    return payment_problems(engine, scope, filters, start, end)["ineligible"]


def payments_without_standard(engine: Engine, scope: Scope, filters: Filters, start: date | None = None,
                              end: date | None = None) -> pd.DataFrame:
    """Payments for a month in which no standard was in force for the category (see ``payment_problems``)."""
    return payment_problems(engine, scope, filters, start, end)["no_standard"]


def duplicate_payments(engine: Engine, scope: Scope, filters: Filters, start: date | None = None,
                       end: date | None = None) -> pd.DataFrame:
    """Children paid more than once for one month; at issue: everything beyond the first payment."""
    start, end = _window(filters, start, end)
    repeated = (
        select(P.c.month, P.c.child_id, func.count().label("payments"), func.sum(P.c.amount).label("amount"),
               func.min(P.c.amount).label("first"))
        .where(P.c.month >= start, P.c.month < end, *payment_scope(scope, filters))
        .group_by(P.c.month, P.c.child_id)  # the order of an index: counted as read, with no hash table to spill
        .having(func.count() > 1)
    )
    with engine.connect() as conn:
        found = pd.read_sql(repeated, conn)
        # The repeated are few: their children are read by id. Joined in one statement, PostgreSQL expected a
        # third of all children and read every one of them (a province's 776,000 for one duplicate).
        ids = bindparam("ids", sorted(set(found["child_id"].tolist())), expanding=True, literal_execute=True)
        children = pd.read_sql(select(*_child_columns()).join(S, CH.c.street_id == S.c.id).where(CH.c.id.in_(ids)),
                               conn)
    table = found.merge(children, on="child_id").assign(at_issue=lambda f: f["amount"] - f["first"])
    columns = ["month", *children.columns, "payments", "amount", "at_issue"]
    return _finish(table.sort_values(["month", "child_id"])[columns].reset_index(drop=True), scope)


def reconciliation(engine: Engine, scope: Scope, filters: Filters, start: date | None = None,
                   end: date | None = None) -> dict[str, pd.DataFrame]:
    """Every list of the reconciliation, by kind (see ANOMALY_KINDS)."""
    problems, unpaid, duplicate = together(
        engine,
        lambda: payment_problems(engine, scope, filters, start, end),
        lambda: unpaid_eligible(engine, scope, filters, start, end),
        lambda: duplicate_payments(engine, scope, filters, start, end),
    )
    return {
        "unpaid": unpaid,
        "wrong_amount": problems["wrong_amount"],
        "ineligible": problems["ineligible"],
        "duplicate": duplicate,
        "no_standard": problems["no_standard"],
    }


def standard_changes(engine: Engine, start: date, end: date) -> pd.DataFrame:
    """Standards that took effect after ``start`` and before ``end``, with the amount they replaced."""
    before = SS.alias("before")
    query = (
        select(SS.c.category, SS.c.valid_from, before.c.monthly_amount.label("before"),
               SS.c.monthly_amount.label("after"))
        .outerjoin(before, and_(before.c.category == SS.c.category, before.c.valid_to == SS.c.valid_from))
        .where(SS.c.valid_from > start, SS.c.valid_from < end)
        .order_by(SS.c.valid_from, SS.c.category)
    )
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    for name in ("before", "after"):
        frame[name] = frame[name].astype(float)
    return frame
