"""The summary tables (schema.SUMMARY_TABLES): monthly figures kept so that no chart reads every row.

``refresh_summaries`` rebuilds them from the rows on an open transaction: the importer calls it for the
kinds an import wrote, before it commits, and the sample build and the migration that created them for
all; a failed import rolls back with them. ``python -m data_access.summaries`` rebuilds them all.

- payments: per month, street and category the person-times, distinct children, amount and the payments
  for a child who was not on the register at the month's end; and the distinct children paid over the
  windows the pages ask (every month, the first one to three months of a quarter, the first four to
  twelve of a year), per street and for the whole district.
- register: children on the register at each month's last day, and of those the ones not yet 18, per
  street and category, for the months from the first registration to a year after the later of today
  and the newest date in the data (``summary_coverage``).
- quality: the children's file checks per street and for the whole district.
- cases: cases reported per month, street and risk level.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, and_, case, delete, distinct, func, insert, literal, not_, or_, select, union_all
from sqlalchemy import Date, Integer, String

from data_access import schema
from data_access.types import add_months

P, CH = schema.subsidy_payments, schema.children
SP, SPC, SR, SQ, SC, COV = (schema.summary_payments, schema.summary_payment_children, schema.summary_register,
                            schema.summary_quality, schema.summary_cases, schema.summary_coverage)
K = schema.cases
ALL = schema.ALL_STREETS
ADULT_MONTHS = 18 * 12
# The summaries each imported kind changes; kinds missing here change none.
AFFECTED = {
    "payments": ("payments",),
    "children": ("payments", "register", "quality"),  # payments: whether the child was on the register
    "streets": ("quality",),
    "communities": ("quality",),
    "cases": ("cases",),
}
SUMMARIES = ("payments", "register", "quality", "cases")


def refresh_summaries(conn: Connection, kinds: tuple[str, ...] | list[str] | None = None,
                      months: set[date] | None = None) -> tuple[str, ...]:
    """Rebuild the summaries the imported ``kinds`` affect (every summary when None); returns those rebuilt.

    ``months``: for an import of payments only, the months its rows were and are for; the payment summaries
    are then rebuilt for those months (and the quarters and years around them) only."""
    wanted = set(SUMMARIES) if kinds is None else {name for kind in kinds for name in AFFECTED.get(kind, ())}
    done = tuple(name for name in SUMMARIES if name in wanted)
    for name in done:
        if name == "payments":
            _payments(conn, months if kinds is not None and set(kinds) == {"payments"} else None)
        else:
            {"register": _register, "quality": _quality, "cases": _cases}[name](conn)
    return done


# --- payments -------------------------------------------------------------------------------------------


def window_kept(start: date, months: int) -> bool:
    """Whether summary_payment_children keeps the distinct children of the ``months`` months from ``start``
    (a window with no row there had no payment)."""
    return start.day == 1 and (months == 1 or (start.month % 3 == 1 and months <= 3) or (start.month == 1 and months <= 12))


def _payments(conn: Connection, only: set[date] | None = None) -> None:
    """Rebuild the payment summaries: all of them, or those of the months ``only`` (with the windows of their
    quarters and years)."""
    from data_access.quality import _unregistered_reason  # the same test as the data-quality check
    from data_access.subsidies import months_table

    if only is not None:
        only = sorted({date(m.year, m.month, 1) for m in only})
    if not only and only is not None:
        return
    quarters = None if only is None else sorted({date(m.year, m.month - (m.month - 1) % 3, 1) for m in only})
    years = None if only is None else sorted({date(m.year, 1, 1) for m in only})
    if only is None:
        conn.execute(delete(SP))
        conn.execute(delete(SPC))
    else:
        conn.execute(delete(SP).where(SP.c.month.in_(only)))
        conn.execute(delete(SPC).where(or_(
            and_(SPC.c.start_month.in_(only), SPC.c.months == 1),
            and_(SPC.c.start_month.in_(quarters), SPC.c.months.in_((2, 3))),
            and_(SPC.c.start_month.in_(years), SPC.c.months >= 4))))
    first, last = conn.execute(select(func.min(P.c.month), func.max(P.c.month))).one()
    if first is None:
        return
    chosen = [] if only is None else [P.c.month.in_(only)]
    months = months_table(first, add_months(last, 1)) if only is None else months_table(only[0], add_months(only[-1], 1))
    unregistered = and_(months.c.month.is_not(None), _unregistered_reason(months).is_not(None))
    by_month = (
        select(P.c.month, P.c.street_id, P.c.category, func.count(), func.count(distinct(P.c.child_id)),
               func.sum(P.c.amount), func.sum(case((unregistered, 1), else_=0)))
        .select_from(P)
        .outerjoin(months, P.c.month == months.c.month)
        .outerjoin(CH, P.c.child_id == CH.c.id)
        .where(*chosen)
        .group_by(P.c.month, P.c.street_id, P.c.category)
    )
    conn.execute(insert(SP).from_select(
        ["month", "street_id", "category", "person_times", "children", "amount", "unregistered"], by_month))
    every = range(first.year, last.year + 1)
    anchors = {
        3: quarters or [date(year, month, 1) for year in every for month in range(1, 13, 3)],
        12: years or [date(year, 1, 1) for year in every],
    }
    for street in (P.c.street_id, literal(ALL, String)):
        conn.execute(insert(SPC).from_select(
            ["start_month", "months", "street_id", "children"],
            select(P.c.month, literal(1, Integer), street, func.count(distinct(P.c.child_id)))
            .where(*chosen)
            .group_by(P.c.month, street)))
        rows = [
            {"start_month": start, "months": months, "street_id": key, "children": children}
            for size in (3, 12)
            for start, key, children_by_months in _children_from(conn, anchors[size], size, street)
            for months, children in children_by_months.items()
            if months > 1 and (size == 3 or months > 3)
        ]
        for start in range(0, len(rows), 5000):
            conn.execute(insert(SPC), rows[start:start + 5000])


def _children_from(conn: Connection, anchors: list[date], size: int, street) -> list:
    """Per quarter (``size`` 3) or year (12) starting on an anchor, and per street (or ALL): the distinct
    children paid in its first n months, for each n; a child counts from the first month they are paid in."""
    parts = [select(literal(start, Date).label("start_month"), literal(add_months(start, size), Date).label("end_month"))
             for start in anchors]
    periods = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("periods")
    firsts = (
        select(periods.c.start_month, street.label("street_id"), func.min(P.c.month).label("first_month"))
        .select_from(periods)
        .join(P, and_(P.c.month >= periods.c.start_month, P.c.month < periods.c.end_month))
        .group_by(periods.c.start_month, street, P.c.child_id)
        .subquery("firsts")
    )
    counts = defaultdict(lambda: defaultdict(int))
    for start, key, first_month, children in conn.execute(
            select(firsts.c.start_month, firsts.c.street_id, firsts.c.first_month, func.count())
            .group_by(firsts.c.start_month, firsts.c.street_id, firsts.c.first_month)):
        counts[(start, key)][_index(first_month) - _index(start) + 1] += children
    out = []
    for (start, key), by_first in counts.items():
        total, running = {}, 0
        for months in range(1, size + 1):
            running += by_first.get(months, 0)
            total[months] = running
        out.append((start, key, total))
    return out


# --- register -------------------------------------------------------------------------------------------


def _index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _month_end(index: int) -> date:
    return _month(index + 1) - timedelta(days=1)


def _adult_index(birth: date) -> int:
    """The first month at whose last day the child is 18 (as subsidies' eligibility counts it)."""
    from data_access.subsidies import _years_before

    index = _index(birth) + ADULT_MONTHS
    return index if birth <= _years_before(_month_end(index), 18) else index + 1


def _register(conn: Connection) -> None:
    conn.execute(delete(SR))
    conn.execute(delete(COV).where(COV.c.name == "register"))
    rows = conn.execute(
        select(CH.c.street_id, CH.c.category, CH.c.registered_on, CH.c.exited_on, CH.c.birth_date)
        .where(CH.c.category.is_not(None), CH.c.registered_on.is_not(None))
    ).all()
    newest = conn.execute(select(func.max(P.c.month))).scalar()
    days = [date.today(), *(d for d in (newest,) if d)]
    days += [d for row in rows for d in (row.registered_on, row.exited_on) if d]
    if not rows:
        return
    first = min(_index(row.registered_on) for row in rows)
    end = _index(max(days)) + 13  # a year past the newest month
    # Each child is on the register for the months [registered, exited) and eligible until 18 as well:
    # +1 where an interval starts, -1 where it ends, summed month by month.
    on, eligible = defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int))
    for row in rows:
        key, start = (row.street_id, row.category), _index(row.registered_on)
        stop = _index(row.exited_on) if row.exited_on else end
        on[key][start] += 1
        on[key][stop] -= 1
        adult = min(stop, _adult_index(row.birth_date))
        if adult > start:
            eligible[key][start] += 1
            eligible[key][adult] -= 1
    out = []
    for key in sorted(on):
        registered = young = 0
        for index in range(first, end):
            registered += on[key].get(index, 0)
            young += eligible[key].get(index, 0)
            if registered:
                out.append({"month": _month(index), "street_id": key[0], "category": key[1],
                            "on_register": registered, "eligible": young})
    for start in range(0, len(out), 5000):
        conn.execute(insert(SR), out[start:start + 5000])
    conn.execute(insert(COV).values(name="register", first_month=_month(first), end_month=_month(end)))


def register_covers(conn: Connection, start: date, end: date) -> bool:
    """Whether the register summary holds every month from ``start``'s up to ``end`` (exclusive)."""
    found = conn.execute(select(COV.c.first_month, COV.c.end_month).where(COV.c.name == "register")).first()
    return found is not None and found.first_month <= start and end <= found.end_month


# --- quality --------------------------------------------------------------------------------------------


def _quality(conn: Connection) -> None:
    from data_access.quality import _blank, _file_gaps, _without_community

    conn.execute(delete(SQ))
    # Every gap but a birth date after the as-of moment, which depends on that moment: the latest birth
    # date of the files otherwise complete tells whether it adds any.
    gaps = {**_file_gaps(datetime.now()), "birth_date": CH.c.birth_date.is_(None)}
    incomplete = case((or_(*gaps.values()), 1), else_=0)
    complete_birth = case((not_(or_(*gaps.values())), CH.c.birth_date), else_=None)
    no_community = case((_without_community(), 1), else_=0)
    per_street = conn.execute(
        select(CH.c.street_id, func.count(), func.sum(incomplete), func.max(complete_birth), func.sum(no_community))
        .group_by(CH.c.street_id)
    ).all()
    name = func.trim(CH.c.name)
    groups = (select(CH.c.street_id, func.count().label("files"))
              .where(not_(_blank(CH.c.name))).group_by(CH.c.street_id, name, CH.c.birth_date)
              .having(func.count() > 1).subquery("groups"))
    doubled = {street: (people, files) for street, people, files in conn.execute(
        select(groups.c.street_id, func.count(), func.sum(groups.c.files)).group_by(groups.c.street_id))}
    whole = (select(func.count().label("files")).where(not_(_blank(CH.c.name))).group_by(name, CH.c.birth_date)
             .having(func.count() > 1).subquery("whole"))
    people, files = conn.execute(select(func.count(), func.coalesce(func.sum(whole.c.files), 0))).one()
    rows = [
        {"street_id": street, "files": count, "incomplete": int(gaps_ or 0), "latest_birth": latest,
         "no_community": int(lacking or 0), "duplicate_people": doubled.get(street, (0, 0))[0],
         "duplicate_files": int(doubled.get(street, (0, 0))[1])}
        for street, count, gaps_, latest, lacking in per_street
    ]
    births = [row["latest_birth"] for row in rows if row["latest_birth"] is not None]
    rows.append({"street_id": ALL, "files": sum(r["files"] for r in rows),
                 "incomplete": sum(r["incomplete"] for r in rows), "latest_birth": max(births, default=None),
                 "no_community": sum(r["no_community"] for r in rows), "duplicate_people": int(people),
                 "duplicate_files": int(files)})
    conn.execute(insert(SQ), rows)


# --- cases ----------------------------------------------------------------------------------------------


def _cases(conn: Connection) -> None:
    conn.execute(delete(SC))
    first, last = conn.execute(select(func.min(K.c.reported_at), func.max(K.c.reported_at))).one()
    if first is None:
        return
    for year in range(first.year, last.year + 1):
        # One query per year (SQLite allows at most 500 parts in a UNION ALL), each month's bounds constants.
        months = union_all(*(
            select(literal(date(year, month, 1), Date).label("month"),
                   literal(add_months(date(year, month, 1), 1), Date).label("next_month"))
            for month in range(1, 13)
        )).subquery("months")
        query = (
            select(months.c.month, K.c.street_id, K.c.risk_level, func.count())
            .select_from(months)
            .join(K, and_(K.c.reported_at >= months.c.month, K.c.reported_at < months.c.next_month))
            .group_by(months.c.month, K.c.street_id, K.c.risk_level)
        )
        conn.execute(insert(SC).from_select(["month", "street_id", "risk_level", "reported"], query))


def main(argv: list[str] | None = None) -> int:
    from data_access.config import exit_on_bad_settings
    from data_access.engine import make_engine

    exit_on_bad_settings()
    parser = argparse.ArgumentParser(prog="python -m data_access.summaries",
                                     description="Rebuild the summary tables from the rows, in one transaction.")
    parser.add_argument("--database-url", help="default: the configured database")
    args = parser.parse_args(argv)
    from data_access.config import database_url

    engine = make_engine(args.database_url or database_url())
    with engine.begin() as conn:
        done = refresh_summaries(conn)
    print(f"rebuilt: {', '.join(done)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
