"""Grains, period labels and comparison ranges.

Periods are cut in the store's local time; weeks start on Monday and are labelled ISO-style
(``2026-W47``); months ``2026-11``, quarters ``2026-Q4``, years ``2026``, days ``2026-11-15``,
hours ``2026-11-15 09:00``. A period at the edge of the range only covers the part inside it
(``days`` counts those days).

Comparisons shift the whole range: ``previous`` = the same number of days just before (whole
calendar months shift by months, so March compares with February); ``wow`` = 7 days earlier;
``yoy`` = one calendar year earlier (52 weeks for a weekly grain, so weekdays line up; 29 Feb
maps to 28 Feb). Days and hours line up by position; a longer period is compared with its own
days shifted back (see ``MetricsEngine._comparison``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shoplens.errors import ShoplensError

GRAINS = ("hour", "day", "week", "month", "quarter", "year")
IBIS_UNIT = {"hour": "h", "day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
COMPARES = ("previous", "yoy", "wow")


def check_grain(grain: str | None) -> str | None:
    if grain is not None and grain not in GRAINS:
        raise ShoplensError(f"unknown grain {grain!r}", hint=f"one of {', '.join(GRAINS)}",
                            zh=f"未知的时间粒度 {grain!r}", zh_hint=f"可选：{', '.join(GRAINS)}")
    return grain


def truncate(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if grain == "year":
        return date(day.year, 1, 1)
    return day


def next_start(start: date, grain: str) -> date:
    if grain == "week":
        return start + timedelta(days=7)
    if grain in ("month", "quarter", "year"):
        return add_months(start, {"month": 1, "quarter": 3, "year": 12}[grain])
    return start + timedelta(days=1)


def label(start: datetime | date, grain: str | None) -> str | None:
    if grain is None:
        return None
    if grain == "hour":
        return f"{start:%Y-%m-%d %H}:00"
    if grain == "day":
        return f"{start:%Y-%m-%d}"
    if grain == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if grain == "month":
        return f"{start:%Y-%m}"
    if grain == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}"


@dataclass(frozen=True)
class Period:
    start: date  # the period's own start (may lie before the range)
    first: date  # first day inside the range
    last: date  # last day inside the range

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def periods(start: date, end: date, grain: str | None) -> list[Period]:
    """Day-or-longer periods covering [start, end] (one for the whole range without a grain)."""
    if grain is None:
        return [Period(start, start, end)]
    if grain == "hour":
        return [Period(start + timedelta(days=i), start + timedelta(days=i), start + timedelta(days=i))
                for i in range((end - start).days + 1)]
    out, cur = [], truncate(start, grain)
    while cur <= end:
        nxt = next_start(cur, grain)
        out.append(Period(cur, max(cur, start), min(nxt - timedelta(days=1), end)))
        cur = nxt
    return out


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _whole_months(start: date, end: date) -> int:
    if start.day != 1 or end != add_months(end.replace(day=1), 1) - timedelta(days=1):
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


@dataclass(frozen=True)
class Shift:
    """Maps a date of the base range onto the comparison range (``back``) and back (``forward``)."""

    days: int = 0
    months: int = 0
    month_ends: bool = False  # whole months: a month's last day maps to the last day of the target month

    def back(self, day: date) -> date:
        out = add_months(day, -self.months) - timedelta(days=self.days)
        if self.month_ends and _is_month_end(day):
            out = add_months(out.replace(day=1), 1) - timedelta(days=1)
        return out

    def forward(self, day: date) -> date:
        return add_months(day + timedelta(days=self.days), self.months)


def shift_for(compare: str, start: date, end: date, grain: str | None) -> Shift:
    if compare not in COMPARES:
        raise ShoplensError(f"unknown comparison {compare!r}", hint=f"one of {', '.join(COMPARES)}",
                            zh=f"未知的对比方式 {compare!r}", zh_hint=f"可选：{', '.join(COMPARES)}")
    if compare == "wow":
        return Shift(days=7)
    months = _whole_months(start, end)  # whole calendar months compare with whole months
    if compare == "yoy":
        return Shift(days=364) if grain == "week" else Shift(months=12, month_ends=months > 0)
    return Shift(months=months, month_ends=True) if months else Shift(days=(end - start).days + 1)

PERIOD_UNITS = ("day", "week", "month", "quarter", "year")


BASELINE_PERIODS = 4  # "the usual": the mean over this many earlier periods


def baseline_periods(start: date, end: date, count: int = BASELINE_PERIODS) -> list[tuple[date, date]]:
    """The ``count`` earlier periods "the usual" means, earliest first: each covers the same days of the week.

    A period of N days steps back N days rounded up to whole weeks: one day → the same weekday of each of the
    previous ``count`` weeks (the ``same_weekday`` alert baseline); 7 or 14 days → the equal-length periods just
    before; Fri–Sun → the Fri–Sun of the previous weeks. One definition for alerts and root cause."""
    step = 7 * -(-((end - start).days + 1) // 7)
    return [(start - timedelta(days=step * k), end - timedelta(days=step * k)) for k in range(count, 0, -1)]
