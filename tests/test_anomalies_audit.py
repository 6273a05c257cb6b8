"""Anomalies: a range without data is an error (CLI, Python, REST; `why` and `alerts check` alike), a range partly
without data a note; a cut's empty value (orders without a category) is no "store has no data" note; the band
stays inside the values a metric can take."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

import shoplens
from api_server import ApiServer
from shoplens.analyses.anomalies.detect import Checked, Params, Series, judge
from shoplens.analyses.anomalies.query import bounds
from shoplens.errors import ShoplensError
from shoplens.metrics import load_catalog

EMPTY = {"start": date(2020, 1, 1), "end": date(2020, 1, 31)}  # years before the demo's data


def test_a_range_without_data_is_an_error_everywhere(demo_db: Path) -> None:
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        with pytest.raises(ShoplensError) as bad:
            shoplens.anomalies(wh, "gmv", **EMPTY)
        assert "no data in 2020-01-01..2020-01-31" in str(bad.value) and "2026-05-20..2026-11-15" in bad.value.hint
        with pytest.raises(ShoplensError):
            shoplens.why(wh, "gmv", day=date(2020, 1, 5))
        with pytest.raises(ShoplensError) as check:
            shoplens.alerts_check(wh, day=date(2020, 1, 5))
        assert "no data on 2020-01-05" in str(check.value)
        # partly without data: judged where there is data, the rest a note
        part = shoplens.anomalies(wh, "gmv", start=date(2026, 11, 1), end=date(2026, 12, 31)).to_dict()
        assert part["checked"]["points"] > 0 and any("outside it have no values" in n["en"]
                                                     for n in part["notes"].values())
    for lang, says in (("en", "no data in 2020-01-01..2020-01-31"), ("zh", "没有数据")):
        out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(demo_db), "--lang", lang, "anomalies",
                              "gmv", "--from", "2020-01-01", "--to", "2020-01-31"], capture_output=True, text=True)
        assert out.returncode != 0 and out.stdout == "" and "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and says in out.stderr, out.stderr
    for args in (["why", "gmv", "--date", "2020-01-05"], ["alerts", "check", "--date", "2020-01-05"]):
        out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(demo_db), *args], capture_output=True,
                             text=True)
        assert out.returncode != 0 and len(out.stderr.strip().splitlines()) == 1, (args, out.stderr)


def test_rest_answers_400_for_a_range_without_data(two_store_api: ApiServer) -> None:
    r = two_store_api.client("root").get("/api/v1/anomalies", params={"metrics": "gmv", "store": "demo",
                                                                       "from": "2020-01-01", "to": "2020-01-31"})
    assert r.status_code == 400 and "no data" in r.json()["error"]["message"] and r.json()["error"]["zh"]


def test_refund_rate_by_category_has_no_false_no_data_note(demo_db: Path) -> None:
    """Orders of the demo's days without any category line make an empty cut (category NULL, no value): that is
    not "the store has no refund_rate" (it has one in every category)."""
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        out = shoplens.anomalies(wh, "refund_rate", by="category").to_dict()
    assert out["notes"] == {} and out["checked"]["series"] >= 8


def test_band_is_clamped_to_the_metrics_range() -> None:
    """A rate near 0 with a wide scale: the band's lower end is 0, not negative; a share near 1: upper is 1."""
    start = date(2026, 1, 5)
    wobble = [0.002, 0.030, 0.001, 0.025, 0.004]  # a 5-day cycle: every weekday sees it all
    low = {start + timedelta(days=i): wobble[i % 5] for i in range(70)}
    catalog = load_catalog().metrics
    days = [start + timedelta(days=69)]
    low[days[0]] = 0.2
    found = judge(Series("add_to_cart_rate", "s1", {}, "up", low, bounds=bounds(catalog["add_to_cart_rate"])),
                  days, Params(), Checked())
    assert found and found[0]["lower"] == 0.0 and found[0]["expected"] > 0
    high = {d: 1 - v for d, v in low.items()}
    high[days[0]] = 0.5
    found = judge(Series("on_time_delivery_rate", "s1", {}, "up", high,
                         bounds=bounds(catalog["on_time_delivery_rate"])), days, Params(), Checked())
    assert found and found[0]["upper"] == 1.0
    assert bounds(catalog["gmv"]) == (0.0, None) and bounds(catalog["gross_profit"]) == (None, None)
    assert bounds(catalog["refund_rate"]) == (0.0, None)  # refunds of earlier sales can exceed a day's GMV


def test_demo_bands_never_leave_the_metrics_range(demo_db: Path) -> None:
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        out = shoplens.anomalies(wh, "refund_rate,conversion_rate,add_to_cart_rate,gmv", by="channel",
                                 start=date(2026, 7, 1), end=date(2026, 11, 15), sensitivity="high").to_dict()
    assert out["anomalies"]
    assert all(a["lower"] >= 0 for a in out["anomalies"]), [a for a in out["anomalies"] if a["lower"] < 0][:3]


def test_help_states_the_30_day_default() -> None:
    out = subprocess.run([sys.executable, "-m", "shoplens", "anomalies", "--help"], capture_output=True, text=True,
                         check=True, env={**__import__("os").environ, "COLUMNS": "220"})
    line = next(x for x in out.stdout.splitlines() if "--from" in x and "DATE" in x)
    assert "all data" not in line and "30 days ending at --to" in line and "截至 --to 的 30 天" in line
