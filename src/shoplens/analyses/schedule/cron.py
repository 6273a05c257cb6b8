"""A 5-field cron expression (minute hour day-of-month month day-of-week) evaluated in an IANA time zone.

Written here rather than taken from a library because the schedule needs only two questions — the next due time
after an instant and the latest one at or before it — and one-line errors that say which field is wrong.

Syntax as Vixie cron: ``*``, lists ``1,15``, ranges ``1-5``, steps ``*/15`` / ``0-30/10`` / ``5/20`` (from 5 to the
end), month names ``jan``..``dec``, day names ``sun``..``sat`` (0 and 7 are Sunday), and ``@hourly``, ``@daily``,
``@weekly``, ``@monthly``, ``@yearly``. When both day fields are restricted a day matches if either does (cron's
rule: ``0 9 1 * mon`` is the 1st of the month and every Monday).

Times are wall-clock times of the zone: a time skipped by a daylight-saving jump runs at the same instant as the
next valid one would be shifted to (an hour later); a time repeated when clocks go back runs once (its first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                           "nov", "dec"))}
DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
ALIASES = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
           "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"}
EXAMPLE = '"*/30 * * * *" (every 30 minutes) or "0 9 * * mon-fri" (09:00 on weekdays)'
SEARCH_DAYS = 8 * 366 + 1  # every valid expression matches within 8 years (29 February of a given weekday: 28)


class CronError(ValueError):
    """What is wrong with an expression, in English and Chinese (the caller adds where it is)."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en, self.zh = en, zh


def _value(text: str, index: int) -> int:
    name, low, high = FIELDS[index]
    names = MONTHS if index == 3 else DAYS if index == 4 else {}
    word = text.lower()
    if word in names:
        return names[word]
    if not word.isdigit():
        extra = " (or a name such as jan, mon)" if names else ""
        raise CronError(f"{name} {text!r} is not a number{extra}", f"{name} 字段的 {text!r} 不是数字")
    value = int(word)
    if not low <= value <= high:
        raise CronError(f"{name} {value} is out of {low}-{high}", f"{name} 字段的 {value} 超出 {low}-{high}")
    return value


def _field(text: str, index: int) -> frozenset[int]:
    name, low, high = FIELDS[index]
    out: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{name} step {step_text!r} is not a whole number from 1",
                                f"{name} 字段的步长 {step_text!r} 应为不小于 1 的整数")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _value(a, index), _value(b, index)
            if first > last:
                raise CronError(f"{name} range {base!r} runs backwards", f"{name} 字段的范围 {base!r} 起点大于终点")
        elif base:
            first = _value(base, index)
            last = high if step_text else first
        else:
            raise CronError(f"{name} has an empty item in {text!r}", f"{name} 字段 {text!r} 中有空项")
        out.update(range(first, last + 1, step))
    if index == 4 and 7 in out:
        out = (out - {7}) | {0}
    return frozenset(out)


@dataclass(frozen=True)
class Cron:
    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day of month is *
    any_weekday: bool  # day of week is *

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        dom, dow = day.day in self.days, (day.weekday() + 1) % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def _instants(self, day: date, tz: ZoneInfo) -> list[datetime]:
        """The day's due instants (UTC), in order."""
        return sorted({datetime.combine(day, time(h, m), tzinfo=tz).astimezone(UTC)
                       for h in self.hours for m in self.minutes})

    def next_after(self, after: datetime, tz: ZoneInfo) -> datetime | None:
        """The first due instant (UTC) strictly after ``after`` (aware)."""
        start = after.astimezone(tz).date() - timedelta(days=1)
        for i in range(SEARCH_DAYS):
            day = start + timedelta(days=i)
            if self.matches_day(day):
                later = [t for t in self._instants(day, tz) if t > after]
                if later:
                    return later[0]
        return None

    def latest_at(self, at: datetime, tz: ZoneInfo) -> datetime | None:
        """The last due instant (UTC) at or before ``at`` (aware)."""
        start = at.astimezone(tz).date() + timedelta(days=1)
        for i in range(SEARCH_DAYS):
            day = start - timedelta(days=i)
            if self.matches_day(day):
                earlier = [t for t in self._instants(day, tz) if t <= at]
                if earlier:
                    return earlier[-1]
        return None


def parse_cron(text: str) -> Cron:
    """``"*/30 * * * *"`` -> :class:`Cron`; a mistake raises :class:`CronError` saying which field and why."""
    if not isinstance(text, str) or not text.strip():
        raise CronError(f"{text!r} is not a cron expression", f"{text!r} 不是 cron 表达式")
    words = text.strip().lower()
    if words.startswith("@"):
        if words not in ALIASES:
            raise CronError(f"unknown shortcut {text!r} (known: {', '.join(ALIASES)})",
                            f"未知的简写 {text!r}（可用：{', '.join(ALIASES)}）")
        words = ALIASES[words]
    parts = words.split()
    if len(parts) != 5:
        raise CronError(f"{text!r} has {len(parts)} fields, a cron expression has 5 (minute hour day-of-month month "
                        "day-of-week)", f"{text!r} 有 {len(parts)} 个字段，cron 表达式应有 5 个（分 时 日 月 周）")
    sets = [_field(p, i) for i, p in enumerate(parts)]
    cron = Cron(text.strip(), tuple(sorted(sets[0])), tuple(sorted(sets[1])), sets[2], sets[3], sets[4],
                parts[2].startswith("*"), parts[4].startswith("*"))
    if cron.next_after(datetime(2000, 1, 1, tzinfo=UTC), ZoneInfo("UTC")) is None:
        raise CronError(f"{text!r} is never due (no such day)", f"{text!r} 永远不会触发（没有这样的日期）")
    return cron
