"""The calendar's scopes (stores, markets) and closed days: parsing, the one-line errors, and what the detector does
with a closed day on a hand-made series."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

import shoplens
from csv_files import import_clean, write_csv
from shoplens.analyses.anomalies.calendar import parse_calendar
from shoplens.analyses.anomalies.detect import Checked, Params, Series, baseline, judge
from shoplens.errors import ShoplensError
from shoplens.warehouse.scope import StoreInfo

YEAR = (date(2011, 1, 1), date(2011, 12, 31))
UK = StoreInfo("uk", "Europe/London", "GBP")
TMALL = StoreInfo("tm", "Asia/Shanghai", "USD")  # a China store reporting in dollars: CN by its zone
CNY_US = StoreInfo("cn_us", "America/New_York", "CNY")  # reporting in yuan: CN by its currency
DOUBLE_11 = (date(2011, 10, 31), date(2011, 11, 11))


def test_the_shipped_promotions_are_china_s() -> None:
    cal = parse_calendar(None, "calendar")
    assert cal.spans(UK, *YEAR) == []
    assert DOUBLE_11 in cal.spans(TMALL, *YEAR) and DOUBLE_11 in cal.spans(CNY_US, *YEAR)
    # a user entry of a shipped name without a scope applies to every store; with one, to those only
    every = parse_calendar({"promotions": {"双11": {"from": "10-31", "to": "11-11"}}}, "c")
    assert DOUBLE_11 in every.spans(UK, *YEAR)
    mine = parse_calendar({"promotions": {"boxing_day": {"from": "12-26", "stores": ["uk"]},
                                          "black_friday": {"from": "2011-11-25", "markets": ["us", "GB"]}}}, "c")
    assert mine.spans(UK, *YEAR) == [(date(2010, 12, 26), date(2010, 12, 26)), (date(2011, 12, 26),
                                                                                date(2011, 12, 26)),
                                     (date(2011, 11, 25), date(2011, 11, 25))]
    assert (date(2011, 11, 25), date(2011, 11, 25)) not in mine.spans(TMALL, *YEAR)  # USD alone is not the US
    assert mine.spans(StoreInfo("us", "America/Chicago", "USD"), *YEAR) == [(date(2011, 11, 25), date(2011, 11, 25))]


def test_closed_days_in_every_form() -> None:
    cal = parse_calendar({"closed": {
        "christmas": {"from": "12-24", "to": "01-03", "stores": ["uk"]},  # across the new year, every year
        "royal_wedding": date(2011, 4, 29),  # a bare day: every store
        "bank_holidays": {"days": [date(2011, 5, 2), "2011-05-30"], "markets": ["GB"]},
    }}, "c")
    uk = cal.closed_days(UK, *YEAR)
    assert {date(2010, 12, 24), date(2011, 1, 3), date(2011, 12, 31), date(2011, 4, 29), date(2011, 5, 2),
            date(2011, 5, 30)} <= uk
    assert date(2011, 1, 4) not in uk and date(2011, 12, 23) not in uk and date(2011, 4, 28) not in uk
    assert len(uk) == 11 + 11 + 1 + 2  # christmas 2010/11 and 2011/12 (11 days each), the wedding, 2 holidays
    assert cal.closed_days(TMALL, *YEAR) == {date(2011, 4, 29)}
    assert parse_calendar({"closed": ["2011-04-29", {"from": "12-25"}]}, "c").closed_days(TMALL, *YEAR) == {
        date(2011, 4, 29), date(2010, 12, 25), date(2011, 12, 25)}
    assert cal.before == 1 and cal.spans(TMALL, *YEAR)  # closed days do not touch promotions


@pytest.mark.parametrize("section, words, zh", [
    ({"promotions": {"x": {"from": "07-01", "markets": ["XX"]}}}, "unknown market 'XX'", "未知市场"),
    ({"promotions": {"x": {"from": "07-01", "stores": [1]}}}, "stores must be a list of names", "名称列表"),
    ({"closed": {"x": {"from": "07-01", "shop": "s1"}}}, "unknown key 'shop'", "未知的键"),
    ({"closed": {"x": {"days": "2011-04-29"}}}, "days must be a list of days", "日期列表"),
    ({"closed": {"x": {"days": ["2011-13-01"]}}}, "'2011-13-01' is not a date", "不是日期"),
    ({"closed": "2011-04-29"}, "closed must be a list of days or a mapping", "closed 应为"),
    ({"closed": [3]}, "3 is not a day", "不是日期"),
])
def test_calendar_scope_mistakes_are_one_line(section: object, words: str, zh: str) -> None:
    with pytest.raises(ShoplensError) as info:
        parse_calendar(section, "shoplens.yaml: calendar")
    text = info.value.render("en")
    assert words in text and "shoplens.yaml: calendar" in text and "\n" not in text
    assert zh in info.value.render("zh") and "\n" not in info.value.render("zh")


def test_an_unknown_store_is_refused_with_its_place() -> None:
    cal = parse_calendar({"closed": {"easter": {"from": "2011-04-22", "to": "2011-04-25", "stores": ["ukk"]}}},
                         "shoplens.yaml: calendar")
    cal.check_stores(["ukk"])
    with pytest.raises(ShoplensError) as info:
        cal.check_stores(["uk", "demo"])
    text = info.value.render("en")
    assert "unknown store 'ukk' (stores: demo, uk)" in text and "calendar.closed.easter.stores" in text
    assert "未知店铺 'ukk'" in info.value.render("zh")


def test_a_closed_day_is_neither_judged_nor_learned_from() -> None:
    """A flat series of 100 with one closed Monday at 0 inside the history and one on the judged day: without the
    calendar the history Monday drags nothing (median) but the judged 0 is flagged; with it, neither counts."""
    start = date(2026, 1, 5)  # a Monday
    values = {start + timedelta(days=i): 100.0 + (i % 3) for i in range(49)}
    holiday, day = start + timedelta(days=35), start + timedelta(days=42)  # two Mondays
    values[holiday] = values[day] = 0.0
    plain, closed = Checked(), Checked()
    assert [a["period"] for a in judge(Series("gmv", "s", {}, "up", values), [day], Params(), plain)] == [str(day)]
    series = Series("gmv", "s", {}, "up", values, closed=frozenset({holiday, day}))
    assert judge(series, [day], Params(), closed) == [] and closed.to_dict()["skipped"]["closed"] == 1
    # the next Monday learns from the 4 open Mondays of its 6 (101, 102, 100, 101): median 101, not 100.5
    nxt = day + timedelta(days=7)
    values[nxt] = 100.0
    base = baseline(series, nxt, Params())
    assert not isinstance(base, str) and len(base[2]) == 4 and base[0] == 101.0
    with_zeros = baseline(Series("gmv", "s", {}, "up", values), nxt, Params())
    assert not isinstance(with_zeros, str) and with_zeros[0] == 100.5


def test_closed_days_on_a_store(tmp_path: Path) -> None:
    """A store closed on one Monday: flagged (a real 0) by default, skipped as closed with the config."""
    start = date(2026, 3, 2)  # a Monday
    holiday = start + timedelta(days=49)
    rows = [(f"o{i}_{k}", f"u{k}", f"{start + timedelta(days=i)}T10:{k:02d}:00Z",
             f"{start + timedelta(days=i)}T10:{k:02d}:00Z", "paid", str(100 + k % 5))
            for i in range(56) if start + timedelta(days=i) != holiday for k in range(25)]
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        import_clean(wh, {"orders": write_csv(tmp_path / "o.csv", "order_id,user_id,created_ts,paid_ts,status,"
                                                                  "gross_amount", rows)}, store="s1")
        window = {"start": start + timedelta(days=42), "end": start + timedelta(days=55)}
        plain = shoplens.anomalies(wh, "gmv", **window).to_dict()
        config = tmp_path / "shoplens.yaml"
        config.write_text(f"calendar:\n  closed:\n    spring: {{from: {holiday}, stores: [s1]}}\n", encoding="utf-8")
        skipped = shoplens.anomalies(wh, "gmv", config=config, **window).to_dict()
        config.write_text(f"calendar:\n  closed:\n    spring: {{from: {holiday}, stores: [s2]}}\n", encoding="utf-8")
        with pytest.raises(ShoplensError, match="unknown store 's2'"):
            shoplens.anomalies(wh, "gmv", config=config, **window)
    assert [(a["period"], a["value"]) for a in plain["anomalies"]] == [(str(holiday), 0.0)]
    assert skipped["anomalies"] == [] and skipped["checked"]["skipped"]["closed"] == 1
    assert skipped["checked"]["points"] == plain["checked"]["points"] - 1
