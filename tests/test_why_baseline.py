"""`shoplens why --compare baseline` and the cart-level factor tree of payment conversion, on a tiny store whose
numbers are worked out by hand.

The store ("tiny", UTC) has data on five Sundays only. Per Sunday and channel: visitors, how many of them added to
cart, how many of those bought, how many bought without an add-to-cart event, and the amount of each order (one
order per buyer):

    Sunday       email: v  cart  cart-buy  other-buy  amount    social: v  cart  cart-buy  other-buy  amount
    2026-11-01          10   4      2         0         50               10   2      1         0         25
    2026-11-08          10   5      2         1         40               20   4      2         0         30
    2026-11-15          20   6      3         1         50               10   2      1         0         40
    2026-11-22          20   5      4         0         35               20   6      2         2         25
    2026-11-29          16   4      1         0         60               24   6      3         1         30

Store per Sunday: visitors 20, 30, 30, 40 (mean 30); cart adders 6, 9, 8, 11 (8.5); cart buyers 3, 4, 4, 6
(4.25); buyers 3, 5, 5, 8 (5.25); GMV 125, 180, 240, 240 (196.25). On 2026-11-29: 40 visitors, 10 adders,
4 cart buyers, 5 buyers, GMV 180. The baseline of 2026-11-29 is the mean of the four Sundays before it: GMV
196.25, change −16.25; conversion 5.25 / 30 = 17.5 % (the mean of the four days' rates, 17.08 %, is not it).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

import shoplens
from csv_files import import_clean, write_csv
from shoplens.errors import ShoplensError
from shoplens.metrics.periods import baseline_periods

# (visitors, cart adders, cart buyers, buyers without a cart event, amount per order) per day and channel
TABLE = {
    date(2026, 11, 1): {"email": (10, 4, 2, 0, 50), "social": (10, 2, 1, 0, 25)},
    date(2026, 11, 8): {"email": (10, 5, 2, 1, 40), "social": (20, 4, 2, 0, 30)},
    date(2026, 11, 15): {"email": (20, 6, 3, 1, 50), "social": (10, 2, 1, 0, 40)},
    date(2026, 11, 22): {"email": (20, 5, 4, 0, 35), "social": (20, 6, 2, 2, 25)},
    date(2026, 11, 29): {"email": (16, 4, 1, 0, 60), "social": (24, 6, 3, 1, 30)},
}
DAY = date(2026, 11, 29)
SUNDAYS = [date(2026, 11, 1), date(2026, 11, 8), date(2026, 11, 15), date(2026, 11, 22)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("why_baseline")
    events, orders = [], []
    for day, channels in TABLE.items():
        for ch, (visitors, adders, cart_buyers, other_buyers, amount) in channels.items():
            for i in range(visitors):
                user, ts = f"{day:%m%d}-{ch}-{i}", f"{day}T10:{i:02d}:00Z"
                events.append((f"{user}-v", ts, user, "page_view", ch))
                buys = i < cart_buyers or adders <= i < adders + other_buyers
                if i < adders:
                    events.append((f"{user}-c", f"{day}T11:{i:02d}:00Z", user, "add_to_cart", ch))
                if buys:
                    events.append((f"{user}-p", f"{day}T12:{i:02d}:00Z", user, "purchase", ch))
                    orders.append((f"o-{user}", user, f"{day}T12:{i:02d}:00Z", f"{day}T12:{i:02d}:00Z", "paid",
                                   str(amount), ch))
    db = tmp / "tiny.duckdb"
    with shoplens.connect(str(db)) as wh:
        import_clean(wh, {
            "events": write_csv(tmp / "events.csv", "event_id,ts,user_id,event,channel", events),
            "orders": write_csv(tmp / "orders.csv", "order_id,user_id,created_ts,paid_ts,status,gross_amount,channel",
                                orders)}, store="tiny")
    return db


def _why(db: Path, metric: str = "gmv", **kw: Any) -> dict[str, Any]:
    with shoplens.connect(str(db), read_only=True) as wh:
        return shoplens.why(wh, metric, **kw).to_dict()


def _totals(day: date, channel: str | None = None) -> dict[str, float]:
    """Visitors, adders, cart buyers, buyers, GMV of a day (one channel or the store) from TABLE."""
    rows = [r for ch, r in TABLE[day].items() if channel in (None, ch)]
    return {"uv": sum(r[0] for r in rows), "adders": sum(r[1] for r in rows), "cart_buyers": sum(r[2] for r in rows),
            "buyers": sum(r[2] + r[3] for r in rows), "gmv": sum((r[2] + r[3]) * r[4] for r in rows)}


def _mean(days: list[date], channel: str | None = None) -> dict[str, float]:
    return {k: sum(_totals(d, channel)[k] for d in days) / len(days) for k in _totals(days[0])}


def test_baseline_periods_keep_the_weekdays() -> None:
    """One day: the same weekday of the previous 4 weeks; 7 days: the 4 weeks before; 3 days: the same 3 weekdays
    of the previous 4 weeks; 10 days: steps of 14 days (whole weeks), so each period has the same weekdays."""
    assert baseline_periods(DAY, DAY) == [(d, d) for d in SUNDAYS]
    week = baseline_periods(date(2026, 11, 23), date(2026, 11, 29))
    assert week == [(date(2026, 11, 23) - timedelta(days=7 * k), date(2026, 11, 29) - timedelta(days=7 * k))
                    for k in (4, 3, 2, 1)]
    assert baseline_periods(date(2026, 11, 27), DAY)[-1] == (date(2026, 11, 20), date(2026, 11, 22))
    ten = baseline_periods(date(2026, 11, 20), DAY)
    assert ten[-1] == (date(2026, 11, 6), date(2026, 11, 15)) and ten[0] == (date(2026, 9, 25), date(2026, 10, 4))
    assert all(s.weekday() == 4 and (e - s).days == 9 for s, e in ten)


def test_gmv_baseline_is_the_mean_of_the_four_sundays(tiny: Path) -> None:
    answer = _why(tiny, day=DAY, compare="baseline", by="channel")
    assert answer["reference"] == {"from": "2026-11-01", "to": "2026-11-22", "kind": "baseline",
                                   "periods": [{"from": str(d), "to": str(d)} for d in SUNDAYS]}
    assert answer["value"] == pytest.approx(180) and answer["reference_value"] == pytest.approx(196.25)
    assert answer["change"] == pytest.approx(-16.25)
    f = {x["factor"]: x for x in answer["factors"]}
    assert list(f) == ["uv", "conversion_rate", "orders_per_buyer", "aov"]
    assert f["uv"]["reference_value"] == pytest.approx(30)
    assert f["conversion_rate"]["reference_value"] == pytest.approx(0.175)  # 5.25 / 30, not the mean rate 17.08 %
    assert f["aov"]["reference_value"] == pytest.approx(196.25 / 5.25)
    assert sum(x["contribution"] for x in answer["factors"]) == pytest.approx(-16.25, abs=1e-9)
    # LMDI over the averaged factors: L(180, 196.25) · ln(f1 / f0)
    weight = (180 - 196.25) / math.log(180 / 196.25)
    assert f["uv"]["contribution"] == pytest.approx(weight * math.log(40 / 30))
    assert f["conversion_rate"]["contribution"] == pytest.approx(weight * math.log(0.125 / 0.175))
    # one level deeper: add-to-cart 8.5/30 → 10/40, cart-to-purchase 4.25/8.5 → 4/10, buyers per cart buyer
    # 5.25/4.25 → 5/4; they add up to conversion's contribution
    sub = {x["factor"]: x for x in f["conversion_rate"]["factors"]}
    assert list(sub) == ["add_to_cart_rate", "cart_to_purchase_rate", "buyers_per_cart_buyer"]
    for name, before, now in (("add_to_cart_rate", 8.5 / 30, 0.25), ("cart_to_purchase_rate", 0.5, 0.4),
                              ("buyers_per_cart_buyer", 5.25 / 4.25, 1.25)):
        assert sub[name]["reference_value"] == pytest.approx(before) and sub[name]["value"] == pytest.approx(now)
        assert sub[name]["contribution"] == pytest.approx(weight * math.log(now / before))
    assert sum(x["contribution"] for x in sub.values()) == pytest.approx(f["conversion_rate"]["contribution"],
                                                                         abs=1e-9)
    # channels: email's mean GMV (100+120+200+140)/4 = 140 → 60; social's (25+60+40+100)/4 = 56.25 → 120
    values = {v["value"]: v for v in answer["dimensions"][0]["values"]}
    assert set(values) == {"email", "social"}
    assert values["email"]["value_before"] == pytest.approx(140)
    assert values["email"]["contribution"] == pytest.approx(-80)
    assert values["social"]["value_before"] == pytest.approx(56.25)
    assert values["social"]["contribution"] == pytest.approx(63.75)
    assert "against the average Sunday of the previous 4 weeks (2026-11-01, 2026-11-08, 2026-11-15, 2026-11-22)" \
        in answer["summary"]["en"]
    assert "与前 4 周同日均值（2026-11-01, 2026-11-08, 2026-11-15, 2026-11-22）相比下降" in answer["summary"]["zh"]
    assert answer["notes"] == []


def test_ratio_baseline_from_averaged_parts(tiny: Path) -> None:
    """conversion_rate against its baseline: 5.25 / 30 = 17.5 % → 5 / 40 = 12.5 %; by channel, rate and mix
    effects of the averaged parts (email: 3.25 buyers / 15 visitors; social: 2 / 15) add up to −5 pt."""
    answer = _why(tiny, "conversion_rate", day=DAY, compare="baseline", by="channel")
    assert answer["reference_value"] == pytest.approx(0.175) and answer["value"] == pytest.approx(0.125)
    assert answer["change"] == pytest.approx(-0.05)
    dim = answer["dimensions"][0]
    assert sum(v["contribution"] for v in dim["values"]) == pytest.approx(-0.05, abs=1e-12)
    mean_total = (0.175 + 0.125) / 2
    for ch, (b0, v0), (b1, v1) in (("email", (3.25, 15), (1, 16)), ("social", (2, 15), (4, 24))):
        w0, w1, r0, r1 = v0 / 30, v1 / 40, b0 / v0, b1 / v1
        value = next(v for v in dim["values"] if v["value"] == ch)
        assert value["value_before"] == pytest.approx(r0) and value["value_now"] == pytest.approx(r1)
        assert value["rate_effect"] == pytest.approx((w0 + w1) / 2 * (r1 - r0))
        assert value["mix_effect"] == pytest.approx(((r0 + r1) / 2 - mean_total) * (w1 - w0))
    # the factors of conversion itself: add-to-cart × cart-to-purchase × buyers per cart buyer, LMDI
    weight = (0.125 - 0.175) / math.log(0.125 / 0.175)
    f = {x["factor"]: x["contribution"] for x in answer["factors"]}
    assert list(f) == ["add_to_cart_rate", "cart_to_purchase_rate", "buyers_per_cart_buyer"]
    assert f["cart_to_purchase_rate"] == pytest.approx(weight * math.log(0.4 / 0.5))
    assert sum(f.values()) == pytest.approx(-0.05, abs=1e-12)


def test_cart_tree_by_hand_without_baseline(tiny: Path) -> None:
    """wow (2026-11-22 → 2026-11-29), per channel too: each factor is the hand count's ratio, the product is the
    conversion, the contributions add up to it. social on 11-29: 24 visitors, 6 adders, 3 cart buyers, 4 buyers."""
    answer = _why(tiny, "conversion_rate", day=DAY, compare="wow", by="channel")
    for key, row in [(None, answer), *((v["value"], v) for v in answer["dimensions"][0]["values"] if v["factors"])]:
        for side, day in (("value", DAY), ("reference_value", date(2026, 11, 22))):
            t = _totals(day, key)
            factors = {x["factor"]: x[side] for x in row["factors"]}
            assert factors == pytest.approx({"add_to_cart_rate": t["adders"] / t["uv"],
                                             "cart_to_purchase_rate": t["cart_buyers"] / t["adders"],
                                             "buyers_per_cart_buyer": t["buyers"] / t["cart_buyers"]})
            assert math.prod(factors.values()) == pytest.approx(t["buyers"] / t["uv"])
    assert sum(x["contribution"] for x in answer["factors"]) == pytest.approx(answer["change"], abs=1e-12)
    social = next(v for v in answer["dimensions"][0]["values"] if v["value"] == "social")
    assert social["value_now"] == pytest.approx(4 / 24)


def test_periods_before_the_first_day_are_left_out(tiny: Path) -> None:
    """2026-11-15: its Sundays 10-18 and 10-25 are before the store's first day (11-01): the mean of 11-01 and
    11-08 (GMV (125 + 180) / 2 = 152.5), with a note; 2026-11-01 has no baseline at all: one clear error."""
    answer = _why(tiny, day=date(2026, 11, 15), compare="baseline", by="channel")
    assert answer["reference_value"] == pytest.approx(152.5)
    assert answer["reference"]["periods"] == [{"from": "2026-11-01", "to": "2026-11-01"},
                                              {"from": "2026-11-08", "to": "2026-11-08"}]
    assert answer["reference"]["from"] == "2026-11-01" and answer["reference"]["to"] == "2026-11-08"
    note = answer["notes"][0]
    assert "2 of the 4 reference periods" in note["en"] and "2026-11-01" in note["en"] and note["zh"]
    assert "previous 2 weeks" in answer["summary"]["en"] and "前 2 周同日均值" in answer["summary"]["zh"]
    with pytest.raises(ShoplensError, match="no baseline") as err:
        _why(tiny, day=date(2026, 11, 1), compare="baseline")
    assert err.value.hint and err.value.zh


def test_bad_compare_is_one_line_with_the_choices(tiny: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(tiny), "why", "gmv", "--date", str(DAY),
                          "--compare", "baselin"], capture_output=True, text=True)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    assert "baselin" in lines[0] and "did you mean baseline" in lines[0]
    assert "previous, wow, yoy, baseline" in lines[0]
    none = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(tiny), "why", "gmv", "--date", "2026-11-01",
                           "--compare", "baseline"], capture_output=True, text=True)
    lines = [line for line in none.stderr.splitlines() if line.strip()]
    assert none.returncode != 0 and len(lines) == 1 and "no baseline" in lines[0] and "--compare wow" in lines[0]


def test_cart_tree_on_the_demo_matches_plain_sql(demo_db: Path) -> None:
    """gmv on 2026-10-27 (wow): conversion's sub-factors for the store and for paid_search, recounted from the
    events and orders tables (visitors, add-to-cart visitors, visitors with both an add-to-cart and a purchase
    event, distinct paying order users; local day = UTC + 8 h); they add up to conversion's contribution."""
    day, before = date(2026, 10, 27), date(2026, 10, 20)
    answer = _why(demo_db, day=day, compare="wow", by="channel")
    con = duckdb.connect(str(demo_db), read_only=True)

    def counts(d: date, channel: str | None) -> tuple[int, int, int, int]:
        ch = "AND channel = ?" if channel else ""
        args = [d, *([channel] if channel else [])]
        ev = con.execute(
            f"""SELECT count(DISTINCT user_id), count(DISTINCT user_id) FILTER (event = 'add_to_cart'),
                (SELECT count(*) FROM (SELECT user_id FROM events WHERE store_id = 'demo'
                   AND CAST(ts + INTERVAL 8 HOUR AS DATE) = $1 {ch.replace('?', '$2')} GROUP BY user_id
                   HAVING bool_or(event = 'add_to_cart') AND bool_or(event = 'purchase')))
                FROM events WHERE store_id = 'demo' AND CAST(ts + INTERVAL 8 HOUR AS DATE) = $1
                {ch.replace('?', '$2')}""", args).fetchone()
        buyers = con.execute(
            f"""SELECT count(DISTINCT user_id) FROM orders WHERE store_id = 'demo'
                AND CAST(coalesce(paid_ts, created_ts) + INTERVAL 8 HOUR AS DATE) = $1 {ch.replace('?', '$2')}
                AND (paid_ts IS NOT NULL OR status IN ('paid', 'shipped', 'delivered'))""", args).fetchone()[0]
        return ev[0], ev[1], ev[2], buyers

    paid_search = next(v for v in answer["dimensions"][0]["values"] if v["value"] == "paid_search")
    try:
        for row in (answer, paid_search):
            channel = None if row is answer else "paid_search"
            conv = next(x for x in row["factors"] if x["factor"] == "conversion_rate")
            for side, d in (("value", day), ("reference_value", before)):
                uv, adders, cart_buyers, buyers = counts(d, channel)
                sub = {x["factor"]: x[side] for x in conv["factors"]}
                assert sub["add_to_cart_rate"] == pytest.approx(adders / uv, abs=1e-9)
                assert sub["cart_to_purchase_rate"] == pytest.approx(cart_buyers / adders, abs=1e-9)
                assert sub["buyers_per_cart_buyer"] == pytest.approx(buyers / cart_buyers, abs=1e-9)
                assert conv[side] == pytest.approx(buyers / uv, abs=1e-9)  # the identity
            assert sum(x["contribution"] for x in conv["factors"]) == pytest.approx(conv["contribution"], rel=1e-9)
    finally:
        con.close()


def test_cli_python_and_rest_agree_on_a_baseline(demo_db: Path, tmp_path: Path) -> None:
    from api_server import ApiServer, two_store_db

    python = _why(demo_db, day=date(2026, 10, 26), compare="baseline", by="channel")
    assert python["reference"]["kind"] == "baseline" and len(python["reference"]["periods"]) == 4
    cli = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(demo_db), "why", "gmv", "--date",
                          "2026-10-26", "--compare", "baseline", "--by", "channel", "--format", "json"],
                         capture_output=True, text=True, check=True)
    assert json.loads(cli.stdout) == json.loads(json.dumps(python))
    srv = ApiServer(two_store_db(demo_db, tmp_path))  # login vic sees the demo store only
    try:
        client = srv.client("vic")
        q = {"metric": "gmv", "date": "2026-10-26", "compare": "baseline", "by": "channel"}
        r = client.get("/api/v1/why", params=q)
        assert r.status_code == 200, r.text
        assert r.json() == json.loads(json.dumps(python))
        bad = client.get("/api/v1/why", params={**q, "compare": "baselin"})
        assert bad.status_code == 422 and "baseline" in json.dumps(bad.json()["error"])
    finally:
        srv.stop()


def test_cli_csv_and_table_of_a_baseline(tiny: Path) -> None:
    """--format csv: the values on stdout, the baseline's note on stderr (print_result, as paths and anomalies);
    the table: conversion's own factors under it, the mean visitors (30 → 15 for a channel: 2 Sundays) unrounded."""
    base = [sys.executable, "-m", "shoplens", "--db", str(tiny), "why", "gmv", "--date", "2026-11-15",
            "--compare", "baseline", "--by", "channel"]
    env = {**os.environ, "COLUMNS": "200", "SHOPLENS_LANG": "en"}
    csv_out = subprocess.run([*base, "--format", "csv"], capture_output=True, text=True, check=True, env=env)
    lines = csv_out.stdout.splitlines()
    assert lines[0].startswith("dimension,value,value_now,value_before,contribution")
    assert {line.split(",")[1] for line in lines[1:]} == {"email", "social"}
    assert "2 of the 4 reference periods" in csv_out.stderr and "2 of the 4" not in csv_out.stdout
    table = subprocess.run(base, capture_output=True, text=True, check=True, env=env).stdout
    assert "against the average Sunday of the previous 2 weeks (2026-11-01, 2026-11-08)" in table
    rows = table.splitlines()
    conv = next(i for i, line in enumerate(rows) if "Payment conversion rate" in line)
    assert "└ Add-to-cart rate" in rows[conv + 1] and "└ Cart-to-purchase rate" in rows[conv + 2]
    assert "└ buyers per cart buyer" in rows[conv + 3]
    uv = next(line for line in rows if "Visitors (UV)" in line)
    assert " 25 " in uv  # 11-01: 20 visitors, 11-08: 30 → mean 25
    assert "* baseline: 2 of the 4 reference periods" in table


def test_uv_value_alert_reference_and_its_root_cause(demo_db: Path, tmp_path: Path) -> None:
    """uv_value_drop on 2026-10-26 (demo): the rule's reference is the mean of the daily UV values of the 4 Mondays
    before; its root cause is explained against the last of them (wow: one reference period instead of four keeps
    a check within its time budget, and `why --compare baseline` is one command away), whose reference is that
    Monday's GMV over its visitors (both recounted in plain SQL; local day = UTC + 8 h)."""
    import shutil

    day = date(2026, 10, 26)
    mondays = [day - timedelta(days=7 * k) for k in (4, 3, 2, 1)]
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        gmv = dict(con.execute("""SELECT CAST(coalesce(paid_ts, created_ts) + INTERVAL 8 HOUR AS DATE) AS d,
            sum(gross_amount_rc) FROM orders WHERE store_id = 'demo'
            AND (paid_ts IS NOT NULL OR status IN ('paid', 'shipped', 'delivered')) GROUP BY 1""").fetchall())
        uv = dict(con.execute("""SELECT CAST(ts + INTERVAL 8 HOUR AS DATE), count(DISTINCT user_id) FROM events
            WHERE store_id = 'demo' GROUP BY 1""").fetchall())
    finally:
        con.close()
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, copy)
    with shoplens.connect(str(copy)) as wh:
        alerts = {a["rule"]: a for a in shoplens.alerts_check(wh, day=day, store="demo").alerts}
    alert = alerts["uv_value_drop"]
    assert alert["reference"] == pytest.approx(sum(float(gmv[d]) / uv[d] for d in mondays) / 4, rel=1e-8)
    why = alert["root_cause"]
    last = mondays[-1]
    assert why["reference"] == {"from": str(last), "to": str(last), "kind": "wow"}
    assert why["reference_value"] == pytest.approx(float(gmv[last]) / uv[last], rel=1e-8)
    assert alerts["gmv_wow_drop"]["root_cause"]["reference"]["kind"] == "wow"


def test_a_week_against_the_previous_weeks(tiny: Path) -> None:
    """2026-11-23..29 (Mon–Sun): the previous 4 weeks, of which 10-26..11-01 starts before the store's first day
    (11-01) and is left out; the other three hold one Sunday each: GMV (180 + 240 + 240) / 3 = 220 → 180."""
    answer = _why(tiny, start=date(2026, 11, 23), end=DAY, compare="baseline", by="channel")
    assert answer["reference"]["periods"] == [{"from": "2026-11-02", "to": "2026-11-08"},
                                              {"from": "2026-11-09", "to": "2026-11-15"},
                                              {"from": "2026-11-16", "to": "2026-11-22"}]
    assert answer["reference_value"] == pytest.approx(220) and answer["change"] == pytest.approx(-40)
    assert "1 of the 4 reference periods" in answer["notes"][0]["en"]
    assert "against the average of the previous 3 periods of 7 days on the same weekdays (2026-11-02..2026-11-22)" \
        in answer["summary"]["en"]
    assert "前 3 个星期分布相同的 7 天周期均值（2026-11-02..2026-11-22）相比下降" in answer["summary"]["zh"]
