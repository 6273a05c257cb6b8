"""Request parameters the CLI and the REST API read the same way (a light module: no Ibis, no DuckDB)."""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime

from shoplens.errors import ShoplensError


def split_values(values: str | list[str] | None) -> list[str]:
    """``["a,b", "c"]`` (repeated and/or comma-separated options) -> ``["a", "b", "c"]``."""
    items = [values] if isinstance(values, str) else values or []
    return [v.strip() for item in items for v in item.split(",") if v.strip()]


def where_pairs(values: list[str] | None) -> dict[str, list[str]]:
    """``--where DIM=VALUE`` options (repeatable; the same DIM twice means either) -> ``{dim: [values]}``."""
    out: dict[str, list[str]] = {}
    for item in values or []:
        dim, sep, value = item.partition("=")
        if not sep or not dim.strip():
            raise ShoplensError(f"--where {item!r} is not DIM=VALUE", hint="e.g. --where channel=paid_search",
                                zh=f"--where {item!r} 不是 维度=值 的形式", zh_hint="例如 --where channel=paid_search")
        out.setdefault(dim.strip(), []).append(value.strip())
    return out


# The day spellings imports read (ingest/parse.py: ISO, 2026/10/01, 20261001, 2026年10月1日; month and day
# may have one digit), so a date copied from a data file works as --from/--to too. Always year first, four
# digits: 01/10/2026 is January in one country and October in another, so it stays an error.
_DAY = re.compile(r"(\d{4})(?:([-/])(\d{1,2})\2(\d{1,2})|(\d{2})(\d{2})|年(\d{1,2})月(\d{1,2})日)")
DAY_SPELLINGS = "YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or YYYY年MM月DD日"


def parse_day(value: str | None, option: str) -> date | None:
    """``--from 2026/10/01`` and the other spellings imports accept -> a ``date`` (None stays None)."""
    if value is None:
        return None
    match = _DAY.fullmatch(value.strip())
    if match:
        year, month, day = (int(g) for g in match.groups() if g is not None and g not in "-/")
        with contextlib.suppress(ValueError):
            return check_day(date(year, month, day), option)
    raise ShoplensError(f"{option} {value!r} is not a date", hint=f"use {DAY_SPELLINGS}, e.g. 2026-10-01",
                        zh=f"{option} {value!r} 不是日期", zh_hint=f"请用 {DAY_SPELLINGS} 格式，例如 2026-10-01")
# The days every command, the Python API and every route accept (one rule everywhere): far enough for any shop's
# history and plan, and a range shifted back a year (compare=yoy) or forward never leaves the calendar.
DATE_MIN = date(1970, 1, 1)
DATE_MAX = date(2099, 12, 31)


def check_day(day: date | str | None, option: str) -> date | None:
    """``day`` if it lies within DATE_MIN .. DATE_MAX (None stays None), else a clear error naming ``option``; text
    (the Python API's ``day="2026-10-26"``) is read as :func:`parse_day` reads it."""
    if isinstance(day, str):
        return parse_day(day, option)
    if isinstance(day, datetime):  # a datetime is a date too: its day, not an instant, is meant
        day = day.date()
    if day is not None and not DATE_MIN <= day <= DATE_MAX:
        raise ShoplensError(f"{option} {day} is outside {DATE_MIN} .. {DATE_MAX}", hint="give a real date",
                            zh=f"{option} {day} 不在 {DATE_MIN} 至 {DATE_MAX} 之间", zh_hint="请给出实际日期")
    return day
