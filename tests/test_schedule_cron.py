"""The 5-field cron evaluator and the ``schedule:`` config: hand cases checked against a calendar (lists, ranges,
steps, names of days and months, cron's either-day rule, time zones and a daylight-saving jump), and the one-line
bilingual errors naming the place."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shoplens.analyses.schedule import CronError, due_now, load_schedule, next_due, parse_cron, parse_schedule
from shoplens.errors import ShoplensError

Z = ZoneInfo("UTC")


def at(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def upcoming(expr: str, start: str, n: int, zone: str = "UTC") -> list[str]:
    cron, tz, t, out = parse_cron(expr), ZoneInfo(zone), at(start), []
    for _ in range(n):
        t = cron.next_after(t, tz)
        out.append(t.astimezone(tz).isoformat(timespec="minutes"))
    return out


def brute(expr: str, start: datetime, end: datetime) -> list[datetime]:
    """Every minute of [start, end) that matches, tested field by field with plain integer arithmetic."""
    minute, hour, dom, month, dow = expr.split()

    def ok(field: str, value: int) -> bool:
        return any(_item(item, value) for item in field.split(","))

    out, t = [], start
    while t < end:
        weekday = (t.weekday() + 1) % 7
        days = (ok(dom, t.day) or ok(dow, weekday)) if "*" not in (dom[0], dow[0]) else (
            ok(dom, t.day) and ok(dow, weekday))
        if ok(minute, t.minute) and ok(hour, t.hour) and ok(month, t.month) and days:
            out.append(t)
        t += timedelta(minutes=1)
    return out


def _item(item: str, value: int) -> bool:
    base, _, step = item.partition("/")
    lo, hi = (0, 99) if base == "*" else (int(base.split("-")[0]), int(base.split("-")[-1]))
    if step and "-" not in base and base != "*":
        hi = 99
    return lo <= value <= hi and (value - lo) % int(step or 1) == 0


def test_hand_cases() -> None:
    # a step over the whole hour
    assert upcoming("*/20 * * * *", "2026-10-28T09:05", 4) == [
        "2026-10-28T09:20+00:00", "2026-10-28T09:40+00:00", "2026-10-28T10:00+00:00", "2026-10-28T10:20+00:00"]
    # day names in a range: 2026-10-30 is a Friday, so next are Mon 2 Nov and Tue 3 Nov
    assert date(2026, 10, 30).weekday() == 4
    assert upcoming("30 8 * * mon-fri", "2026-10-30T09:00", 3) == [
        "2026-11-02T08:30+00:00", "2026-11-03T08:30+00:00", "2026-11-04T08:30+00:00"]
    # a list with a range and a step; 7 is Sunday too; month names
    assert upcoming("0 0,12-14/2 * * *", "2026-10-28T00:00", 3) == [
        "2026-10-28T12:00+00:00", "2026-10-28T14:00+00:00", "2026-10-29T00:00+00:00"]
    assert upcoming("0 6 * * 7", "2026-10-28T00:00", 1) == ["2026-11-01T06:00+00:00"]  # Sunday 1 Nov
    assert upcoming("0 0 1 feb,Mar *", "2026-10-28T00:00", 2) == ["2027-02-01T00:00+00:00", "2027-03-01T00:00+00:00"]
    # both day fields restricted: the 13th OR a Friday (13 Nov 2026 is itself a Friday)
    assert upcoming("0 0 13 * fri", "2026-11-01T00:00", 3) == [
        "2026-11-06T00:00+00:00", "2026-11-13T00:00+00:00", "2026-11-20T00:00+00:00"]
    # 29 February: the next leap year
    assert upcoming("0 0 29 2 *", "2026-10-28T00:00", 1) == ["2028-02-29T00:00+00:00"]
    assert upcoming("@daily", "2026-10-28T09:00", 1) == ["2026-10-29T00:00+00:00"]


@pytest.mark.parametrize("expr", ["*/7 */5 * * *", "5/20 1-3 * * 0,3", "0 12 10-20/3 * 1-5", "15 4 1 * 0"])
def test_against_brute_force(expr: str) -> None:
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC)
    want = brute(expr, start, end)
    got, t, cron = [], start - timedelta(minutes=1), parse_cron(expr)
    while (t := cron.next_after(t, Z)) < end:
        got.append(t)
    assert got == want and want
    assert cron.latest_at(want[5] + timedelta(seconds=59), Z) == want[5]
    assert cron.latest_at(want[5], Z) == want[5]  # at a due time: that time


def test_time_zones_and_dst() -> None:
    # 09:00 in Shanghai is 01:00 UTC
    cron = parse_cron("0 9 * * *")
    assert cron.latest_at(at("2026-10-28T09:00+08:00"), ZoneInfo("Asia/Shanghai")) == at("2026-10-28T01:00")
    assert cron.latest_at(at("2026-10-28T08:59+08:00"), ZoneInfo("Asia/Shanghai")) == at("2026-10-27T01:00")
    # New York springs forward on 8 March 2026: 02:30 does not exist that day; it runs once, an hour later in UTC
    ny = upcoming("30 2 * * *", "2026-03-07T00:00", 3, "America/New_York")
    assert ny[0] == "2026-03-07T02:30-05:00" and ny[2] == "2026-03-09T02:30-04:00"
    assert len(set(ny)) == 3


@pytest.mark.parametrize(("expr", "says"), [
    ("0 9 * *", "has 4 fields, a cron expression has 5"),
    ("61 * * * *", "minute 61 is out of 0-59"),
    ("0 9 * * mnd", "day of week 'mnd' is not a number (or a name such as jan, mon)"),
    ("*/0 * * * *", "minute step '0' is not a whole number from 1"),
    ("0 9 5-1 * *", "day of month range '5-1' runs backwards"),
    ("0 0 30 2 *", "is never due"),
    ("@fortnightly", "unknown shortcut"),
])
def test_cron_errors(expr: str, says: str) -> None:
    with pytest.raises(CronError) as info:
        parse_cron(expr)
    assert says in info.value.en and info.value.zh


def one_line(section: object) -> ShoplensError:
    with pytest.raises(ShoplensError) as info:
        parse_schedule(section, "shoplens.yaml: schedule")
    err = info.value
    for text in (err.render("en"), err.render("zh")):
        assert "\n" not in text
    return err


def test_config_errors_name_the_place() -> None:
    err = one_line({"morning": {"cron": "0 25 * * *", "run": "alerts"}})
    assert err.where == "shoplens.yaml: schedule.morning.cron" and "hour 25 is out of 0-23" in err.message
    assert '"*/30 * * * *"' in err.hint and "例如" in err.zh_hint and "超出" in err.zh
    err = one_line({"morning": {"cron": "0 9 * * *", "run": "alert_send"}})
    assert err.where == "shoplens.yaml: schedule.morning.run" and err.hint.startswith("did you mean alerts_send")
    assert "是否想用 alerts_send" in err.zh_hint
    err = one_line({"m": {"cron": "0 9 * * *", "run": "alerts", "timezone": "Asia/Shangai"}})
    assert err.where.endswith("schedule.m.timezone") and "Asia/Shanghai" in err.hint
    err = one_line({"m": {"cron": "0 9 * * *", "run": "alerts", "every": 3}})
    assert err.where.endswith("schedule.m.every")
    assert one_line({"m": {"run": "alerts"}}).message == "the job needs cron"
    assert one_line({"m": {"cron": "0 9 * * *", "run": "alerts", "enabled": "yes"}}).where.endswith("m.enabled")
    assert one_line(["m"]).where == "shoplens.yaml: schedule"


def test_config_defaults_and_order(tmp_path: Path) -> None:
    cfg = tmp_path / "shoplens.yaml"
    cfg.write_text('schedule:\n  b: {cron: "0 9 * * *", run: alerts}\n'
                   '  a: {cron: "0 9 * * *", run: alerts_send, timezone: Asia/Shanghai, enabled: false}\n',
                   encoding="utf-8")
    jobs = load_schedule(cfg)
    assert [(j.name, j.timezone, j.enabled) for j in jobs] == [("b", "UTC", True), ("a", "Asia/Shanghai", False)]
    now = at("2026-10-28T09:00")
    assert [j.name for j, _ in due_now(jobs, now, {}, now)] == ["b"]  # a is disabled
    assert next_due(jobs, now) == at("2026-10-29T09:00")


def test_missed_runs_run_once() -> None:
    """A daily job whose last run was 3 days ago is due once, for the latest missed time; a job without any run
    is due only at its time after the scheduler started, not caught up."""
    (job,) = parse_schedule({"d": {"cron": "0 9 * * *", "run": "alerts"}}, "schedule")
    now = at("2026-10-28T10:30")
    due = due_now([job], now, {"d": datetime(2026, 10, 25, 9, 0)}, now)
    assert due == [(job, at("2026-10-28T09:00"))]
    assert due_now([job], now, {"d": datetime(2026, 10, 28, 9, 0)}, now) == []  # ran: nothing more
    assert due_now([job], now, {}, now) == []  # never ran, started at 10:30: next is tomorrow 09:00
    assert due_now([job], at("2026-10-28T09:00:40"), {}, at("2026-10-28T09:00:40"))  # started in its minute
