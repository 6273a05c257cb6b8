"""Which week a review reads: ``--week 2026-W43`` (ISO 8601: Monday to Sunday, in the store's time zone), or by
default the store's last complete week, the one whose Sunday is complete (:mod:`shoplens.analyses.complete_day`).

A week the data does not reach, or that is still running (its Sunday is not complete yet), is an error naming the
weeks that can be read: a review of half a week would compare 4 days with 7.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from shoplens.errors import ShoplensError

WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def label(monday: date) -> str:
    """``2026-W43``: the ISO week holding ``monday``."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(value: str | date | None) -> date | None:
    """The Monday of ``2026-W43`` (also ``2026W43``, ``2026-w43``), a date's Monday, or None; bad text is an error."""
    if value is None or isinstance(value, date):
        return None if value is None else value - timedelta(days=value.weekday())
    m = WEEK.match(value.strip())
    try:
        if m is None:
            raise ValueError
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise ShoplensError(f"--week {value!r} is not an ISO week",
                            hint="write YEAR-Wnn, e.g. 2026-W43 (weeks 01..52, 53 in long years)",
                            zh=f"--week {value!r} 不是 ISO 周",
                            zh_hint="格式为 年-W周，例如 2026-W43（01..52 周，长年有第 53 周）") from None


def last_year(monday: date) -> date | None:
    """The Monday of the same ISO week number a year earlier; None when that year has no such week (W53)."""
    year, week, _ = monday.isocalendar()
    try:
        return date.fromisocalendar(year - 1, week, 1)
    except ValueError:
        return None


def pick_week(monday: date | None, first: date, complete: date, store: str) -> date:
    """The asked week's Monday, checked against the data (``first`` day, last ``complete`` day); default: the last
    complete week."""
    last_sunday = complete - timedelta(days=(complete.weekday() + 1) % 7)
    first_monday = first + timedelta(days=-first.weekday() % 7)  # the first week the data covers whole
    newest = label(last_sunday - timedelta(days=6))
    oldest = label(first_monday)
    if last_sunday < first_monday + timedelta(days=6):
        raise ShoplensError(f"store {store} has no complete week yet: its data covers {first}..{complete}",
                            where="--week", hint="a review needs a whole Monday-Sunday week of data",
                            zh=f"店铺 {store} 还没有完整的一周：数据范围是 {first}..{complete}",
                            zh_hint="周复盘需要完整的一周（周一至周日）数据")
    if monday is None:
        return last_sunday - timedelta(days=6)
    sunday = monday + timedelta(days=6)
    asked = label(monday)
    if monday < first_monday:  # before the data, or its first days only (4 days against a 7-day target)
        raise ShoplensError(f"--week {asked} ({monday}..{sunday}) is not covered by the data of store {store}, which "
                            f"starts on {first}", hint=f"pick a week in {oldest}..{newest}",
                            zh=f"--week {asked}（{monday}..{sunday}）不在店铺 {store} 的完整数据范围内（数据从 {first} "
                               "开始）", zh_hint=f"请选择 {oldest}..{newest} 之间的周")
    if sunday > last_sunday:
        raise ShoplensError(f"--week {asked} ({monday}..{sunday}) is not complete: store {store}'s last complete "
                            f"day is {complete}",
                            hint=f"the last complete week is {newest}; pick a week in {oldest}..{newest}",
                            zh=f"--week {asked}（{monday}..{sunday}）尚未结束：店铺 {store} 最后一个完整日是 "
                               f"{complete}",
                            zh_hint=f"最后一个完整周是 {newest}；请选择 {oldest}..{newest} 之间的周")
    return monday
