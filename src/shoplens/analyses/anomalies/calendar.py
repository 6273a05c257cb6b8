"""The store calendar: promotion days that are expected spikes, not anomalies (config ``calendar:``).

::

    calendar:
      before: 1            # days before each promotion that are neither judged nor learned from (default 1)
      after: 3             # days after it (default 3: the hangover of a big sale runs two or three days)
      promotions:
        "618": {from: 06-01, to: 06-18}      # MM-DD: every year
        双11: {from: 10-31, to: 11-11}
        anniversary: 2026-09-09              # one day
        summer_sale: {from: 2026-07-01, to: 2026-07-03, store: s1}   # one store only
        双11: off                             # drop a shipped promotion

618 and 双11 are shipped (``DEFAULT_PROMOTIONS``); a promotion of the same name in the file replaces
them. Every mistake is one line naming the place in the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from shoplens.config import config_path, read_config
from shoplens.errors import ShoplensError

DEFAULT_PROMOTIONS: dict[str, Any] = {"618": {"from": "06-01", "to": "06-18"},
                                      "双11": {"from": "10-31", "to": "11-11"}}
DEFAULT_BEFORE, DEFAULT_AFTER = 1, 3
KEYS = ("before", "after", "promotions")
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class Promotion:
    name: str
    first: str | date  # "MM-DD" repeats every year
    last: str | date
    store: str | None = None

    def spans(self, start: date, end: date) -> list[tuple[date, date]]:
        """The (first, last) days of this promotion that touch the years of ``start``..``end``."""
        if isinstance(self.first, date) and isinstance(self.last, date):
            return [(self.first, self.last)]
        out = []
        for year in range(start.year - 1, end.year + 1):
            first, last = _in_year(str(self.first), year), _in_year(str(self.last), year)
            if last < first:  # e.g. 12-28 .. 01-03
                last = _in_year(str(self.last), year + 1)
            out.append((first, last))
        return out


@dataclass(frozen=True)
class StoreCalendar:
    promotions: tuple[Promotion, ...]
    before: int = DEFAULT_BEFORE
    after: int = DEFAULT_AFTER

    def spans(self, store: str, start: date, end: date) -> list[tuple[date, date]]:
        return [s for p in self.promotions if p.store in (None, store) for s in p.spans(start, end)]


def _in_year(month_day: str, year: int) -> date:
    m = _MONTH_DAY.match(month_day)
    assert m is not None
    month, day = int(m.group(1)), int(m.group(2))
    return date(year, month, min(day, 28) if (month, day) == (2, 29) else day)


def _bad(where: str, message: str, zh: str) -> ShoplensError:
    return ShoplensError(message, where=where, hint="see README, section Anomalies (calendar)",
                         zh=f"配置文件有误：{zh}", zh_hint="参见 README 的“异常检测”一节（calendar）")


def _day(value: Any, where: str) -> str | date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    m = _MONTH_DAY.match(text)
    if m:
        try:
            date(2024, int(m.group(1)), int(m.group(2)))  # a leap year: 02-29 is a valid every-year day
            return f"{int(m.group(1)):02d}-{int(m.group(2)):02d}"
        except ValueError:
            pass
    else:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _bad(where, f"{text!r} is not a date (YYYY-MM-DD, or MM-DD for every year)",
               f"{text!r} 不是日期（YYYY-MM-DD，或每年重复的 MM-DD）")


def _promotion(name: str, raw: Any, where: str) -> Promotion:
    if isinstance(raw, dict):
        unknown = [str(k) for k in raw if k not in ("from", "to", "store")]
        if unknown or "from" not in raw:
            what, what_zh = (f"unknown key {unknown[0]!r}", f"未知的键 {unknown[0]!r}") if unknown else (
                "needs from (and to)", "缺少 from")
            raise _bad(where, f"{what} (known: from, to, store)", f"{what_zh}（可用：from、to、store）")
        first, last = _day(raw["from"], where + ".from"), _day(raw.get("to", raw["from"]), where + ".to")
        store = None if raw.get("store") is None else str(raw["store"])
    else:
        first = last = _day(raw, where)
        store = None
    if isinstance(first, date) != isinstance(last, date):
        raise _bad(where, "from and to must both be YYYY-MM-DD or both MM-DD",
                   "from 和 to 须同为 YYYY-MM-DD 或同为 MM-DD")
    if isinstance(first, date) and isinstance(last, date) and last < first:
        raise _bad(where, f"to {last} is before from {first}", f"to {last} 早于 from {first}")
    return Promotion(name, first, last, store)


def _margin(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 30:
        raise _bad(where, f"{value!r} is not a number of days from 0 to 30", f"{value!r} 不是 0 到 30 之间的天数")
    return value


def parse_calendar(section: Any, where: str) -> StoreCalendar:
    """The calendar of a config file's ``calendar:`` section (None: the shipped one)."""
    section = {} if section is None else section
    if not isinstance(section, dict):
        raise _bad(where, "the calendar section must be a mapping (before, after, promotions)",
                   "calendar 部分应为键值映射（before、after、promotions）")
    unknown = [str(k) for k in section if k not in KEYS]
    if unknown:
        raise _bad(where, f"unknown key {unknown[0]!r} (known: {', '.join(KEYS)})",
                   f"未知的键 {unknown[0]!r}（可用：{'、'.join(KEYS)}）")
    raw = section.get("promotions") or {}
    if not isinstance(raw, dict):
        raise _bad(f"{where}.promotions", "promotions must be a mapping of name: day or name: {from, to}",
                   "promotions 应为“名称: 日期”或“名称: {from, to}”的映射")
    merged = {**DEFAULT_PROMOTIONS, **{str(k): v for k, v in raw.items()}}
    promos = tuple(_promotion(name, value, f"{where}.promotions.{name}") for name, value in merged.items()
                   if value not in (False, "off"))
    return StoreCalendar(promos, _margin(section.get("before", DEFAULT_BEFORE), f"{where}.before"),
                         _margin(section.get("after", DEFAULT_AFTER), f"{where}.after"))


def load_calendar(explicit: str | os.PathLike[str] | None = None) -> StoreCalendar:
    """The ``calendar:`` section of the config file (``--config``, $SHOPLENS_CONFIG, ./shoplens.yaml)."""
    path = config_path(explicit)
    if path is None:
        return parse_calendar(None, "calendar")
    data = read_config(path)
    return parse_calendar(data.get("calendar") if isinstance(data, dict) else None, f"{path}: calendar")
