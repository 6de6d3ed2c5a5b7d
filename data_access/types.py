"""Value types passed to every query function: who looks (Scope), at what (Filters), when (Period)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

PeriodKind = Literal["year", "quarter", "month"]
_PERIOD_PATTERNS = (
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
)


@dataclass(frozen=True, order=True)
class Period:
    """A calendar year, quarter or month: ``2022``, ``2022Q2`` or ``2022-04``."""

    kind: PeriodKind
    year: int
    number: int = 0  # quarter 1-4 or month 1-12; 0 for a year

    @classmethod
    def parse(cls, text: str) -> Period:
        text = (text or "").strip()
        for pattern, kind in _PERIOD_PATTERNS:
            match = pattern.match(text)
            if match:
                year = int(match.group(1))
                if not 1990 <= year <= 2100:
                    break
                number = int(match.group(2)) if kind != "year" else 0
                return cls(kind, year, number)
        raise ValueError(f"not a period: {text!r} (expected 2022, 2022Q2 or 2022-04)")

    @classmethod
    def containing(cls, day: date, kind: PeriodKind = "quarter") -> Period:
        if kind == "year":
            return cls("year", day.year)
        if kind == "quarter":
            return cls("quarter", day.year, (day.month - 1) // 3 + 1)
        return cls("month", day.year, day.month)

    @property
    def code(self) -> str:
        if self.kind == "year":
            return f"{self.year}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.number}"
        return f"{self.year}-{self.number:02d}"

    def __str__(self) -> str:
        return self.code

    @property
    def start(self) -> date:
        if self.kind == "year":
            return date(self.year, 1, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * self.number - 2, 1)
        return date(self.year, self.number, 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        months = {"year": 12, "quarter": 3, "month": 1}[self.kind]
        return add_months(self.start, months)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def register_day(self, moment: datetime) -> date:
        """The day the period's stocks (children on the register, staff in post, trained so far) are read on:
        its last day, or ``moment``'s day while the period runs. A child counts on the period's last day."""
        return min(self.last_day, moment.date())

    @classmethod
    def twelve_months_to(cls, day: date) -> tuple[date, date]:
        """The rolling twelve months of the trend charts: the first day of the month eleven months before
        ``day``'s, and the first day after ``day``'s month (so the running month is the last of the twelve)."""
        month = cls.containing(day, "month")
        return add_months(month.start, -11), month.end

    def previous(self) -> Period:
        if self.kind == "year":
            return Period("year", self.year - 1)
        size = 4 if self.kind == "quarter" else 12
        if self.number == 1:
            return Period(self.kind, self.year - 1, size)
        return Period(self.kind, self.year, self.number - 1)

    def year_before(self) -> Period:
        return Period(self.kind, self.year - 1, self.number)

    def months(self) -> list[date]:
        return months_between(self.start, self.end)

    def running(self, moment: datetime) -> bool:
        """Whether the period has begun and its last day has not come by ``moment``: data as of a period's
        last day (the day's work done) is that period's, complete."""
        return self.start <= moment.date() < self.last_day

    def complete_months(self, moment: datetime) -> list[date]:
        """The period's months whose last day has come by ``moment``."""
        return [month for month in self.months() if add_months(month, 1) <= moment.date() + timedelta(days=1)]

    def same_moment(self, moment: datetime, other: Period) -> datetime:
        """The moment as far into ``other`` as ``moment`` is into this period: the same month of the
        period, the same day (at most the month's last) and the same time of day."""
        offset = (moment.year - self.start.year) * 12 + moment.month - self.start.month
        month = add_months(other.start, offset)
        day = min(moment.day, calendar.monthrange(month.year, month.month)[1])
        return datetime.combine(month.replace(day=day), moment.time())


@dataclass(frozen=True)
class Span:
    """What of a period is counted: reports and responses up to ``until``, payments for ``months``.

    A period that runs at the as-of moment is counted up to that moment and its complete months; a period
    it is compared with is counted over the same span (``like_for_like``), so two unequal spans are never set
    side by side.
    """

    period: Period
    until: datetime
    months: tuple[date, ...]
    running: bool = False
    like_for_like: bool = False

    @classmethod
    def of(cls, period: Period, as_of: datetime) -> Span:
        if period.running(as_of):
            return cls(period, as_of, tuple(period.complete_months(as_of)), running=True)
        return cls(period, as_of, tuple(period.months()) if period.start <= as_of.date() else ())

    def matching(self, other: Period) -> Span:
        """The same span of ``other``: all of it if this period is over, else as far into it as this one."""
        if not self.running:
            end = datetime.combine(other.end, time())
            return Span(other, end, tuple(other.months()))
        return Span(other, self.period.same_moment(self.until, other), tuple(other.months()[:len(self.months)]),
                    like_for_like=True)

    def year_before(self) -> Span:
        """The same span of the same period a year before: up to the same moment while the period runs (a span
        to 29 February is matched to 28 February), its same complete months, or all of it."""
        return self.matching(self.period.year_before())

    @property
    def start(self) -> datetime:
        return datetime.combine(self.period.start, time())

    @property
    def months_end(self) -> date:
        """The first day after the counted months (the period's start when none is counted)."""
        return add_months(self.months[-1], 1) if self.months else self.period.start


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    """The first days of the months from ``start``'s up to ``end`` (exclusive)."""
    first, out = date(start.year, start.month, 1), []
    while first < end:
        out.append(first)
        first = add_months(first, 1)
    return out


def periods_between(first: date, last: date) -> list[Period]:
    """Every year, quarter and month touching [first, last], newest first within each kind."""
    out: list[Period] = []
    for kind in ("year", "quarter", "month"):
        period = Period.containing(last, kind)
        while period.end > first:
            out.append(period)
            period = period.previous()
    return out


@dataclass(frozen=True)
class Scope:
    """What a viewer may see. ``None`` means no restriction at that level.

    - District level, seen by every scope: the district's own stations (service and rescue centres,
      rescue rooms, planned facilities) and the district-wide grants.
    - Street level, for a scope with ``streets``: those streets, their street stations (with the number
      of staff in post at each), their supervisors, their social organisations and their grants. A
      scope bound to communities sees these of its communities' streets too (``street_level``).
    - Community level, for a scope with ``communities``: only those communities, and only their
      children, cases, payments, staff and directors, with every figure counted from them. Other
      communities of the same street are not shown, not even by name.
    - ``show_names``: one case at a time may be opened with the child's personal data in clear (each
      reveal audited); every list masks them whatever the scope (data_access.masking).

    By role (data_access.users.scope_for): leader, analyst and admin see the district without names;
    a supervisor sees one street with names; a director sees one community of one street with names,
    and that street's street-level facts.
    """

    streets: frozenset[str] | None = None
    communities: frozenset[str] | None = None
    show_names: bool = False

    @classmethod
    def district(cls, show_names: bool = False) -> Scope:
        return cls(show_names=show_names)

    @classmethod
    def street(cls, street_id: str, show_names: bool = True) -> Scope:
        return cls(streets=frozenset({street_id}), show_names=show_names)

    @property
    def street_level(self) -> Scope:
        """The scope for street-level facts (streets, street stations, supervisors, organisations)."""
        return Scope(streets=self.streets, show_names=self.show_names)

    def allows_street(self, street_id: str) -> bool:
        return self.streets is None or street_id in self.streets


@dataclass(frozen=True)
class Filters:
    """What the viewer asked for. Narrows the scope; never widens it."""

    period: Period = field(default_factory=lambda: Period("quarter", 2022, 2))
    street_id: str | None = None
    community_id: str | None = None
