"""The pure detector on hand-made series (no warehouse): expected values, bands, guards, promotions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shoplens.analyses.anomalies.calendar import parse_calendar
from shoplens.analyses.anomalies.detect import Checked, Params, Series, baseline, excluded_days, judge
from shoplens.errors import ShoplensError
from shoplens.warehouse.scope import StoreInfo

START = date(2026, 1, 5)  # a Monday
WEEKLY = [100.0, 90.0, 95.0, 100.0, 110.0, 150.0, 160.0]  # Mon..Sun
NOISE = [0.0, 2.0, -2.0, 1.0, -1.0, 3.0, -3.0, 0.0, 1.0, -1.0]


def weekly(weeks: int = 10) -> dict[date, float | None]:
    """A weekly pattern with a small repeating noise (so the MAD is not 0)."""
    return {START + timedelta(days=i): WEEKLY[i % 7] + NOISE[i % len(NOISE)] for i in range(7 * weeks)}


def run(series: Series, days: list[date], **kw: object) -> tuple[list[dict], Checked]:
    checked = Checked()
    return judge(series, days, Params(**kw), checked), checked  # type: ignore[arg-type]


def last_week() -> list[date]:
    return [START + timedelta(days=i) for i in range(63, 70)]


def test_clean_weekly_pattern_stays_quiet() -> None:
    found, checked = run(Series("uv", "s1", {}, "up", weekly()), last_week())
    assert found == []
    assert checked.points == 7 and checked.series == 1


def test_expected_value_is_the_same_weekday_median_by_hand() -> None:
    values = weekly()
    day = START + timedelta(days=63)  # a Monday; its 6 previous Mondays are days 21, 28, ..., 56
    mondays = sorted(values[START + timedelta(days=i)] for i in range(21, 63, 7))
    expected, scale, same = baseline(Series("uv", "s1", {}, "up", values), day, Params())
    assert len(same) == 6
    assert expected == (mondays[2] + mondays[3]) / 2
    assert scale >= 0.02 * expected


def test_injected_drop_and_spike_are_found_with_direction_and_bad() -> None:
    values = weekly()
    drop, spike = START + timedelta(days=65), START + timedelta(days=68)  # Wednesday, Saturday
    values[drop], values[spike] = 40.0, 400.0
    found, _ = run(Series("conversion_rate", "s1", {"channel": "paid_search"}, "up", values), last_week())
    by_day = {a["period"]: a for a in found}
    assert set(by_day) == {drop.isoformat(), spike.isoformat()}
    assert by_day[drop.isoformat()]["direction"] == "down" and by_day[drop.isoformat()]["bad"] is True
    assert by_day[spike.isoformat()]["direction"] == "up" and by_day[spike.isoformat()]["bad"] is False
    assert by_day[drop.isoformat()]["severity"] == "high"  # 55 below ~95 with a scale of a few units
    assert by_day[drop.isoformat()]["dims"] == {"channel": "paid_search"}
    # a metric where lower is better (refund rate): the spike is the bad one
    found, _ = run(Series("refund_rate", "s1", {}, "down", values), last_week())
    assert {a["period"]: a["bad"] for a in found} == {drop.isoformat(): False, spike.isoformat(): True}
    # neutral: never bad
    found, _ = run(Series("ad_spend", "s1", {}, "neutral", values), last_week())
    assert not any(a["bad"] for a in found)


def test_an_outlier_in_the_history_barely_widens_the_band() -> None:
    clean, dirty = weekly(), weekly()
    dirty[START + timedelta(days=56)] = 5000.0  # one absurd Monday in the history
    day = START + timedelta(days=63)
    e1, s1, _ = baseline(Series("uv", "s1", {}, "up", clean), day, Params())
    e2, s2, _ = baseline(Series("uv", "s1", {}, "up", dirty), day, Params())
    assert abs(e2 - e1) <= 2.0  # the median moves at most one neighbouring value
    assert s2 <= s1 * 1.3  # a mean/sd band would be ~10x wider
    values = dict(dirty)
    values[day] = 40.0  # and a real drop right after it is still found
    found, _ = run(Series("uv", "s1", {}, "up", values), [day])
    assert [a["period"] for a in found] == [day.isoformat()]


def test_promotion_day_is_not_flagged_and_does_not_poison_the_baseline() -> None:
    values = weekly()
    promo = START + timedelta(days=56)  # a Monday, 3x traffic
    values[promo] = 300.0
    excluded = excluded_days([(promo, promo)], 1, 1)
    series = Series("uv", "s1", {}, "up", values, excluded=excluded)
    found, checked = run(series, [promo - timedelta(days=1), promo, promo + timedelta(days=1)])
    assert found == [] and checked.skipped["promotion"] == 3
    day = START + timedelta(days=63)  # the next Monday learns without the promotion
    with_promo = baseline(Series("uv", "s1", {}, "up", values), day, Params())
    without = baseline(series, day, Params())
    assert isinstance(without, tuple) and isinstance(with_promo, tuple)
    assert len(without[2]) == 5 and len(with_promo[2]) == 6
    clean = baseline(Series("uv", "s1", {}, "up", weekly()), day, Params())
    assert isinstance(clean, tuple) and abs(without[0] - clean[0]) <= 2.0


def test_low_volume_is_not_judged() -> None:
    values = weekly()
    values[START + timedelta(days=65)] = 0.0  # a collapse, but on a series of 12 visitors a day
    volume = {d: 12.0 for d in values}
    found, checked = run(Series("conversion_rate", "s1", {}, "up", values, volume, 100.0), last_week())
    assert found == [] and checked.skipped["volume"] == 7 and checked.points == 0
    volume = {d: 500.0 for d in values}
    found, _ = run(Series("conversion_rate", "s1", {}, "up", values, volume, 100.0), last_week())
    assert len(found) == 1


def test_too_little_history_gives_no_verdict() -> None:
    values = weekly(3)  # 3 weeks: the third week has only 2 same-weekday days before it
    days = [START + timedelta(days=i) for i in range(14, 21)]
    found, checked = run(Series("uv", "s1", {}, "up", values), days)
    assert found == [] and checked.skipped["history"] == 7 and checked.points == 0


@pytest.mark.parametrize("sensitivity", ["low", "medium", "high"])
def test_sensitivity_widens_or_narrows_the_band(sensitivity: str) -> None:
    values = weekly()
    day = START + timedelta(days=63)
    base = baseline(Series("uv", "s1", {}, "up", values), day, Params())
    assert isinstance(base, tuple)
    values[day] = base[0] - 3.0 * base[1]  # 3 robust sd below: only the high sensitivity (k=2.5) flags it
    found, _ = run(Series("uv", "s1", {}, "up", values), [day], sensitivity=sensitivity)
    assert bool(found) == (sensitivity == "high")


def test_calendar_parses_defaults_and_user_promotions() -> None:
    cal = parse_calendar({"before": 2, "promotions": {"anniversary": date(2026, 9, 9), "双11": "off",
                                                       "summer": {"from": "07-01", "to": "07-03", "store": "s1"}}},
                         "shoplens.yaml: calendar")
    names = {p.name for p in cal.promotions}
    assert names == {"618", "anniversary", "summer"} and cal.before == 2 and cal.after == 3
    s1, s2 = StoreInfo("s1", "Asia/Shanghai", "CNY"), StoreInfo("s2", "Asia/Shanghai", "CNY")
    spans = cal.spans(s1, date(2026, 1, 1), date(2026, 12, 31))
    assert (date(2026, 6, 1), date(2026, 6, 18)) in spans and (date(2026, 7, 1), date(2026, 7, 3)) in spans
    assert (date(2026, 7, 1), date(2026, 7, 3)) not in cal.spans(s2, date(2026, 1, 1), date(2026, 12, 31))
    default = parse_calendar(None, "calendar")
    assert (date(2026, 10, 31), date(2026, 11, 11)) in default.spans(s2, date(2026, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize("section, words", [
    ({"promotions": {"x": "13-01"}}, "'13-01' is not a date"),
    ({"promotions": {"x": {"from": "2026-07-03", "to": "2026-07-01"}}}, "is before from"),
    ({"promotions": {"x": {"form": "07-01"}}}, "unknown key 'form'"),
    ({"after": "three"}, "'three' is not a number of days"),
    ({"promotion": {}}, "unknown key 'promotion'"),
    ([1, 2], "must be a mapping"),
])
def test_calendar_mistakes_are_one_line_with_the_place(section: object, words: str) -> None:
    with pytest.raises(ShoplensError) as info:
        parse_calendar(section, "shoplens.yaml: calendar")
    text = info.value.render("en")
    assert words in text and "shoplens.yaml: calendar" in text and "\n" not in text
    assert info.value.render("zh") != text
