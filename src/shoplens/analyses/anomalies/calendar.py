"""The store calendar (config ``calendar:``): promotion days that are expected spikes, and days a store is closed.

::

    calendar:
      before: 1            # days before each promotion that are neither judged nor learned from (default 1)
      after: 3             # days after it (default 3: the hangover of a big sale runs two or three days)
      promotions:
        "618": {from: 06-01, to: 06-18, markets: [CN]}   # MM-DD: every year; shipped, like 双11
        anniversary: 2026-09-09                          # one day, every store (no scope)
        summer_sale: {from: 2026-07-01, to: 2026-07-03, stores: [s1]}   # one store only
        双11: off                                         # drop a shipped promotion
      closed:                                            # days without trade: neither judged nor learned from
        christmas: {from: 12-24, to: 01-03, stores: [uk]}
        royal_wedding: {from: 2011-04-29, markets: [GB]}
        bank_holidays: {days: [2011-05-02, 2011-05-30], stores: [uk]}

An entry without ``stores``/``markets`` applies to every store. A store is in a market (:data:`MARKETS`) when its
reporting currency is the market's currency or its time zone is one of the market's; the shipped 618 and 双11 are
scoped to ``CN``. A promotion of a shipped name in the file replaces it (its scope too). Every mistake is one line
naming the place in the file; unknown stores are refused when the warehouse is known (:meth:`check_stores`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shoplens.config import config_section
from shoplens.errors import ShoplensError
from shoplens.warehouse.scope import StoreInfo

DEFAULT_PROMOTIONS: dict[str, Any] = {"618": {"from": "06-01", "to": "06-18", "markets": ["CN"]},
                                      "双11": {"from": "10-31", "to": "11-11", "markets": ["CN"]}}
DEFAULT_BEFORE, DEFAULT_AFTER = 1, 3
KEYS = ("before", "after", "promotions", "closed")
ENTRY_KEYS = ("from", "to", "stores", "store", "markets")
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
# market -> (its own currency, its time zones, legacy names included): a store whose reporting currency or time zone
# is one of them is in the market. USD is the reporting currency of cross-border sellers everywhere (a Tmall Global
# store in Shanghai reporting in dollars is not a US store), so the US market goes by time zone alone.
MARKETS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "CN": ("CNY", ("Asia/Shanghai", "Asia/Urumqi", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "Asia/Kashgar",
                   "PRC")),
    "HK": ("HKD", ("Asia/Hong_Kong", "Hongkong")),
    "TW": ("TWD", ("Asia/Taipei", "ROC")),
    "JP": ("JPY", ("Asia/Tokyo", "Japan")),
    "KR": ("KRW", ("Asia/Seoul", "ROK")),
    "SG": ("SGD", ("Asia/Singapore", "Singapore")),
    "GB": ("GBP", ("Europe/London", "GB", "GB-Eire", "Europe/Belfast")),
    "US": (None, ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
                   "America/Anchorage", "America/Detroit", "America/Boise", "Pacific/Honolulu", "US/Eastern",
                   "US/Central", "US/Mountain", "US/Arizona", "US/Pacific", "US/Alaska", "US/Hawaii")),
}


def in_market(store: StoreInfo, market: str) -> bool:
    currency, zones = MARKETS[market]
    return store.currency == currency or store.timezone in zones


@dataclass(frozen=True)
class Promotion:
    """One calendar entry (a promotion or closed days); ``stores``/``markets`` None: every store."""

    name: str
    first: str | date  # "MM-DD" repeats every year
    last: str | date
    stores: tuple[str, ...] | None = None
    markets: tuple[str, ...] | None = None
    where: str = "calendar"

    def applies(self, store: StoreInfo) -> bool:
        if self.stores is None and self.markets is None:
            return True
        return store.store_id in (self.stores or ()) or any(in_market(store, m) for m in self.markets or ())

    def spans(self, start: date, end: date) -> list[tuple[date, date]]:
        """The (first, last) days of this entry that touch the years of ``start``..``end``."""
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
    closed: tuple[Promotion, ...] = ()

    def spans(self, store: StoreInfo, start: date, end: date) -> list[tuple[date, date]]:
        """The promotions of ``store`` (those scoped to it and the unscoped ones) around ``start``..``end``."""
        return [s for p in self.promotions if p.applies(store) for s in p.spans(start, end)]

    def closed_days(self, store: StoreInfo, start: date, end: date) -> frozenset[date]:
        """Every day of ``store``'s closed entries (no margin around them) around ``start``..``end``."""
        out: set[date] = set()
        for first, last in (s for c in self.closed if c.applies(store) for s in c.spans(start, end)):
            out.update(first + timedelta(days=i) for i in range((last - first).days + 1))
        return frozenset(out)

    def check_stores(self, known: Iterable[str]) -> None:
        """A ``stores:`` entry naming a store the warehouse does not have is a one-line error naming its place."""
        ids = sorted(known)
        for entry in (*self.promotions, *self.closed):
            for s in entry.stores or ():
                if s not in ids:
                    raise _bad(f"{entry.where}.stores", f"unknown store {s!r} (stores: {', '.join(ids)})",
                               f"未知店铺 {s!r}（已有店铺：{'、'.join(ids)}）")


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


def _names(raw: Any, where: str, what: str, what_zh: str) -> tuple[str, ...]:
    """A list of names (one name alone is a list of one)."""
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items or not all(isinstance(x, str) and x.strip() for x in items):
        raise _bad(where, f"{what} must be a list of names, e.g. [s1, s2]", f"{what_zh} 应为名称列表，例如 [s1, s2]")
    return tuple(x.strip() for x in items)


def _scope(raw: dict[Any, Any], where: str) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    stores = None
    if raw.get("stores") is not None or raw.get("store") is not None:
        key = "stores" if raw.get("stores") is not None else "store"
        stores = _names(raw[key], f"{where}.{key}", key, key)
    markets = None if raw.get("markets") is None else tuple(
        m.upper() for m in _names(raw["markets"], f"{where}.markets", "markets", "markets"))
    for m in markets or ():
        if m not in MARKETS:
            raise _bad(f"{where}.markets", f"unknown market {m!r} (known: {', '.join(MARKETS)})",
                       f"未知市场 {m!r}（可用：{'、'.join(MARKETS)}）")
    return stores, markets


def _promotion(name: str, raw: Any, where: str) -> Promotion:
    stores = markets = None
    if isinstance(raw, dict):
        unknown = [str(k) for k in raw if k not in ENTRY_KEYS]
        if unknown or "from" not in raw:
            what, what_zh = (f"unknown key {unknown[0]!r}", f"未知的键 {unknown[0]!r}") if unknown else (
                "needs from (and to)", "缺少 from")
            raise _bad(where, f"{what} (known: {', '.join(ENTRY_KEYS)})", f"{what_zh}（可用：{'、'.join(ENTRY_KEYS)}）")
        first, last = _day(raw["from"], where + ".from"), _day(raw.get("to", raw["from"]), where + ".to")
        stores, markets = _scope(raw, where)
    elif isinstance(raw, (str, date)) and not isinstance(raw, bool):
        first = last = _day(raw, where)
    else:
        raise _bad(where, f"{raw!r} is not a day or {{from, to}}", f"{raw!r} 不是日期或 {{from, to}}")
    if isinstance(first, date) != isinstance(last, date):
        raise _bad(where, "from and to must both be YYYY-MM-DD or both MM-DD",
                   "from 和 to 须同为 YYYY-MM-DD 或同为 MM-DD")
    if isinstance(first, date) and isinstance(last, date) and last < first:
        raise _bad(where, f"to {last} is before from {first}", f"to {last} 早于 from {first}")
    return Promotion(name, first, last, stores, markets, where)


def _closed_entry(name: str, raw: Any, where: str) -> list[Promotion]:
    """One closed entry: a day, {from, to, stores, markets}, or {days: [...], stores, markets}."""
    if not (isinstance(raw, dict) and "days" in raw):
        return [_promotion(name, raw, where)]
    unknown = [str(k) for k in raw if k not in ("days", "stores", "store", "markets")]
    if unknown:
        raise _bad(where, f"unknown key {unknown[0]!r} (known: days, stores, markets)",
                   f"未知的键 {unknown[0]!r}（可用：days、stores、markets）")
    if not isinstance(raw["days"], list) or not raw["days"]:
        raise _bad(f"{where}.days", "days must be a list of days, e.g. [2011-04-29, 2011-05-02]",
                   "days 应为日期列表，例如 [2011-04-29, 2011-05-02]")
    scope = {k: v for k, v in raw.items() if k != "days"}
    return [_promotion(name, {"from": d, **scope}, f"{where}.days[{i + 1}]") for i, d in enumerate(raw["days"])]


def _closed(raw: Any, where: str) -> tuple[Promotion, ...]:
    """``closed:`` as a mapping of name: entry (:func:`_closed_entry`), or a list of days and entries."""
    if raw is None:
        return ()
    if isinstance(raw, list):
        return tuple(e for i, v in enumerate(raw) for e in _closed_entry(str(i + 1), v, f"{where}[{i + 1}]"))
    if isinstance(raw, dict):
        return tuple(e for k, v in raw.items() for e in _closed_entry(str(k), v, f"{where}.{k}"))
    raise _bad(where, "closed must be a list of days or a mapping of name: day or name: {from, to}",
               "closed 应为日期列表，或“名称: 日期”“名称: {from, to}”的映射")


def _margin(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 30:
        raise _bad(where, f"{value!r} is not a number of days from 0 to 30", f"{value!r} 不是 0 到 30 之间的天数")
    return value


def parse_calendar(section: Any, where: str) -> StoreCalendar:
    """The calendar of a config file's ``calendar:`` section (None: the shipped one)."""
    section = {} if section is None else section
    if not isinstance(section, dict):
        raise _bad(where, "the calendar section must be a mapping (before, after, promotions, closed)",
                   "calendar 部分应为键值映射（before、after、promotions、closed）")
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
                         _margin(section.get("after", DEFAULT_AFTER), f"{where}.after"),
                         _closed(section.get("closed"), f"{where}.closed"))


def load_calendar(explicit: str | os.PathLike[str] | None = None) -> StoreCalendar:
    """The ``calendar:`` section of the config file (``--config``, $SHOPLENS_CONFIG, ./shoplens.yaml)."""
    return parse_calendar(*config_section(explicit, "calendar"))
