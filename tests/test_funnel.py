"""Funnels: the reference cases, a brute-force cross-check on random journeys, hand-made edge cases,
the real Taobao sample, and the CLI.

Expected values come from ../shared/reference/funnel_cases.json, from tests/funnel_reference.py (a
plain-Python funnel written from the documented semantics) or are worked out by hand in comments.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from conftest import datasets_dir
from csv_files import write_csv
from funnel_reference import Ev, funnel_reference
from shoplens.analyses.funnel import funnel, funnel_dropped, parse_window
from shoplens.errors import ShoplensError
from shoplens.ingest.pipeline import import_files

REPO = Path(__file__).resolve().parents[1]
CASES = datasets_dir().parent / "reference" / "funnel_cases.json"  # shared/ beside this or the origin checkout
T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def write_events(path: Path, rows: list[tuple[str, ...]], header: str = "event_id,ts,user_id,event,channel") -> Path:
    return write_csv(path, header, rows)


def load(tmp: Path, rows: list[tuple[str, ...]], zone: str = "UTC", store: str = "s", **kw: Any) -> Any:
    """Import the events, then reopen read-only (so CLI subprocesses can read the file too)."""
    with shoplens.connect(str(tmp / "w.duckdb")) as wh:
        summary = import_files(wh, [write_events(tmp / f"{store}_events.csv", rows, **kw)], table="events",
                               store=store, currency="USD", timezone=zone)
    assert summary.files[0].quarantined == 0, summary.examples
    return shoplens.connect(str(tmp / "w.duckdb"), read_only=True)


def iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- the reference cases

def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    data = json.loads(CASES.read_text(encoding="utf-8")) if CASES.exists() else {"cases": []}
    return [(c["name"], mode, c) for c in data["cases"] for mode in c["expected"]]


@pytest.mark.parametrize(("name", "mode", "case"), _cases(), ids=[f"{n}-{m}" for n, m, _ in _cases()])
def test_reference_cases(tmp_path: Path, name: str, mode: str, case: dict[str, Any]) -> None:
    rows = [(f"e{i}", e["ts"], e["user_id"], e["event"], "") for i, e in enumerate(case["events"])]
    with load(tmp_path, rows) as wh:
        result = funnel(wh, case["steps"], window=case["window_seconds"], mode=mode)
    assert [s.count for s in result.steps] == case["expected"][mode]


def test_reference_file_is_there() -> None:
    if not CASES.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the funnel reference cases are not at {CASES}")
        pytest.skip(f"the funnel reference cases are not at {CASES}")
    assert len(_cases()) >= 5


# ---------------------------------------------------------------- random journeys vs brute force

def _random_events(seed: int) -> list[Ev]:
    rnd = random.Random(seed)
    events, n = [], 0
    for u in range(70):
        taken: set[tuple[int, str]] = set()
        for _ in range(rnd.randint(1, 14)):
            minute, name = rnd.randint(0, 3 * 24 * 60 // 7) * 7, rnd.choice("aabbcx")
            if (minute, name) in taken:  # same name at the same time: the tie order would be a coin toss
                continue
            taken.add((minute, name))
            channel = rnd.choice(["direct", "email"])
            events.append(Ev(f"u{u}", minute * 60.0, name, f"e{n:05d}", (("channel", channel),)))
            n += 1
    return events


@pytest.fixture(scope="module")
def random_wh(tmp_path_factory: pytest.TempPathFactory) -> Any:
    events = _random_events(11)
    rows = [(e.eid, iso(e.ts), e.user, e.event, dict(e.props)["channel"]) for e in events]
    with load(tmp_path_factory.mktemp("random"), rows) as wh:
        yield wh, events


STEP_LISTS = [
    ("a,b,c", [("a", ()), ("b", ()), ("c", ())]),
    ("a,a,b", [("a", ()), ("a", ()), ("b", ())]),
    ("a,b[channel=direct],c", [("a", ()), ("b", (("channel", "direct"),)), ("c", ())]),
    ("b,a,b,a", [("b", ()), ("a", ()), ("b", ()), ("a", ())]),
]


@pytest.mark.parametrize("mode", ["ordered", "strict", "unordered"])
@pytest.mark.parametrize("window", ["35m", "6h", "2d"])
@pytest.mark.parametrize(("text", "steps"), STEP_LISTS, ids=[t for t, _ in STEP_LISTS])
def test_random_journeys_match_brute_force(random_wh: Any, mode: str, window: str, text: str,
                                           steps: list[Any]) -> None:
    wh, events = random_wh
    expected = funnel_reference(events, steps, parse_window(window), mode)
    result = funnel(wh, text, window=window, mode=mode, trend=False)
    assert [s.count for s in result.steps] == expected["counts"]
    for k, step in enumerate(result.steps[1:], 2):
        assert step.median_seconds == pytest.approx(expected["median"].get(k), abs=1e-6)
        assert step.avg_seconds == pytest.approx(expected["avg"].get(k), abs=1e-6)
    for k in range(2, len(steps) + 1):  # the drop-off lists are exactly the users stuck at k-1
        dropped = funnel_dropped(wh, text, k, window=window, mode=mode)
        assert {u["user_id"] for u in dropped.users} == {u for u, lv in expected["levels"].items() if lv == k - 1}


# ---------------------------------------------------------------- hand-made edges

@pytest.fixture(scope="module")
def edge_wh(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Store in Asia/Shanghai (UTC+8). Seconds are from 2026-03-02 00:00 UTC (= 08:00 local)."""
    day = 86400
    rows = [
        # w1: cart exactly 1 day after the view -> inside a 1d window (the window includes its end)
        ("w1a", iso(0), "w1", "product_view", "organic_search"), ("w1b", iso(day), "w1", "add_to_cart", ""),
        # w2: cart 1 day + 1 s after -> outside 1d; inside 2d
        ("w2a", iso(0), "w2", "product_view", "paid_search"), ("w2b", iso(day + 1), "w2", "add_to_cart", ""),
        # w3: view and cart in the same second -> counts (same timestamp)
        ("w3b", iso(100), "w3", "add_to_cart", ""), ("w3a", iso(100), "w3", "product_view", "paid_search"),
        # w4: an early view (channel social), a cart 3 days later, then a second view 10 min before a second cart:
        #     the 1d attempt is the second one (latest start): 600 s to cart, breakdown value = kol
        ("w4a", iso(0), "w4", "product_view", "social"), ("w4b", iso(3 * day), "w4", "add_to_cart", ""),
        ("w4c", iso(5 * day), "w4", "product_view", "kol"), ("w4d", iso(5 * day + 600), "w4", "add_to_cart", ""),
        ("w4e", iso(5 * day + 900), "w4", "purchase", ""),
        # w5: view on 2026-03-01 23:59:59 local (15:59:59 UTC Mar 1) -> before a --from 2026-03-02 range
        ("w5a", iso(-8 * 3600 - 1), "w5", "product_view", "direct"), ("w5b", iso(60), "w5", "add_to_cart", ""),
        # w6: view 16:00 UTC Mar 2 = 00:00 local Mar 3 -> local day 2026-03-03 in the trend; searched in between
        ("w6a", iso(16 * 3600), "w6", "product_view", "direct"), ("w6s", iso(16 * 3600 + 5), "w6", "search", ""),
        ("w6b", iso(16 * 3600 + 30), "w6", "add_to_cart", ""),
        ("w6c", iso(16 * 3600 + 90), "w6", "purchase", "live_stream"),
    ]
    with load(tmp_path_factory.mktemp("edges"), rows, zone="Asia/Shanghai") as wh:
        yield wh


def test_window_includes_its_end_and_same_second_counts(edge_wh: Any) -> None:
    # 1d: w1 (exactly 1 day), w3 (same second), w4 (second attempt), w5 (8 h 01 min), w6; not w2 (1 day + 1 s)
    r = funnel(edge_wh, "product_view,add_to_cart", window="1d")
    assert [s.count for s in r.steps] == [6, 5]
    dropped = funnel_dropped(edge_wh, "product_view,add_to_cart", 2, window="1d")
    assert {u["user_id"] for u in dropped.users} == {"w2"}
    r2 = funnel(edge_wh, "product_view,add_to_cart", window="86401s")
    assert [s.count for s in r2.steps] == [6, 6]


def test_step_times_median_and_average(edge_wh: Any) -> None:
    # 2d window: w1 86400 s, w2 86401 s, w3 0 s, w4 600 s (latest start), w6 30 s; w5: view at -28801 s, cart at
    # +60 s -> 28861 s. Sorted: 0, 30, 600, 28861, 86400, 86401 -> median (600 + 28861) / 2 = 14730.5
    r = funnel(edge_wh, "product_view,add_to_cart", window="2d")
    assert [s.count for s in r.steps] == [6, 6]
    assert r.steps[1].median_seconds == pytest.approx(14730.5)
    assert r.steps[1].avg_seconds == pytest.approx((0 + 30 + 600 + 28861 + 86400 + 86401) / 6)
    assert r.steps[1].conversion == 1.0 and r.steps[1].step_conversion == 1.0


def test_first_step_must_be_in_range_later_steps_may_follow(edge_wh: Any) -> None:
    # --from 2026-03-02 (local): w5's view (Mar 1 local) no longer starts a funnel.
    # --to 2026-03-02 (local, ends 16:00 UTC Mar 2): w6's view at 00:00 Mar 3 local is out; w1's cart on Mar 3 local
    # (1 day later) still counts because later steps may happen within the window after the range.
    r = funnel(edge_wh, "product_view,add_to_cart", window="1d", start=date(2026, 3, 2), end=date(2026, 3, 2))
    assert [s.count for s in r.steps] == [4, 2]  # w1, w2, w3, w4(first view only: its cart is 3 days later)
    users = funnel_dropped(edge_wh, "product_view,add_to_cart", 2, window="1d", start=date(2026, 3, 2),
                           end=date(2026, 3, 2)).users
    assert {u["user_id"] for u in users} == {"w2", "w4"}


def test_breakdown_takes_the_first_steps_value_and_adds_up(edge_wh: Any) -> None:
    r = funnel(edge_wh, "product_view,add_to_cart,purchase", window="1d", by="channel")
    groups = {g.value: [s.count for s in g.steps] for g in r.breakdown["groups"]}
    # w1 organic_search, w2 paid_search (view only), w3 paid_search, w4 kol (latest attempt, bought), w5 direct
    # (view on its own: the cart is 60 s after its view -> in 1d), w6 direct (bought)
    assert groups == {"kol": [1, 1, 1], "direct": [2, 2, 1], "paid_search": [2, 1, 0],
                      "organic_search": [1, 1, 0]}
    assert [sum(g[k] for g in groups.values()) for k in range(3)] == [s.count for s in r.steps]


def test_trend_by_local_day_of_the_first_step(edge_wh: Any) -> None:
    r = funnel(edge_wh, "product_view,add_to_cart", window="1d")
    trend = {d.day.isoformat(): (d.entered, d.converted) for d in r.trend}
    # local days (UTC+8) of the chosen first steps: w5 Mar 1; w1, w2, w3 Mar 2; w6 Mar 3; w4 (second attempt) Mar 7
    assert trend == {"2026-03-01": (1, 1), "2026-03-02": (3, 2), "2026-03-03": (1, 1), "2026-03-07": (1, 1)}


def test_exclusion_and_step_filters(edge_wh: Any) -> None:
    r = funnel(edge_wh, "product_view,add_to_cart,purchase", window="1d", exclude="search")
    assert r.excluded == 1 and [s.count for s in r.steps] == [5, 4, 1]  # w6 searched during its attempt
    r = funnel(edge_wh, "product_view,add_to_cart,purchase[channel=live_stream]", window="1d")
    assert [s.count for s in r.steps] == [6, 5, 1]  # only w6's purchase came from a live stream
    r = funnel(edge_wh, "product_view,add_to_cart", window="1d", where=["channel!=paid_search"])
    # the filter applies to every event: w2 and w3 lose their views (events without a channel stay)
    assert [s.count for s in r.steps] == [4, 4]


def test_orders_count_as_purchases_in_an_orders_only_store(tmp_path: Path) -> None:
    wh = shoplens.connect(str(tmp_path / "w.duckdb"))
    path = write_events(tmp_path / "orders.csv", [
        ("o1", "b1", iso(0), iso(0), "paid", "10"), ("o2", "b1", iso(3600), iso(3600), "paid", "5"),
        ("o3", "b2", iso(0), "", "created", "7"), ("o4", "b3", iso(0), iso(60), "paid", "1")],
        header="order_id,user_id,created_ts,paid_ts,status,gross_amount")
    import_files(wh, [path], table="orders", store="o", currency="USD", timezone="UTC")
    r = funnel(wh, "purchase,purchase", window="1d")
    assert [s.count for s in r.steps] == [2, 1]  # b2's order was never paid; b1 bought twice
    assert r.steps[1].median_seconds == 3600
    wh.close()


def test_bad_requests_say_what_to_do(edge_wh: Any) -> None:
    for kwargs, text in [({"steps": "product_view"}, "2 to 10 steps"), ({"window": "7 days"}, "not a duration"),
                         ({"mode": "loose"}, "unknown funnel mode"), ({"by": "colour"}, "cannot break down"),
                         ({"steps": "product_view,add to cart"}, "not an event name"),
                         ({"where": ["colour=red"]}, "unknown key")]:
        args = {"steps": "product_view,add_to_cart", **kwargs}
        with pytest.raises(ShoplensError, match=text):
            funnel(edge_wh, args.pop("steps"), **args)


# ---------------------------------------------------------------- real data: taobao

def test_taobao_ordered_funnel_matches_an_independent_computation(datasets: Path, taobao_db: Path) -> None:
    raw = pd.read_csv(datasets / "taobao_userbehavior_sample/UserBehavior_head.csv.gz", header=None,
                      names=["user", "item", "category", "behavior", "ts"], dtype={"user": str, "item": str})
    names = {"pv": "product_view", "cart": "add_to_cart", "buy": "purchase", "fav": "favorite"}
    events = [Ev(u, float(t), names[b], f"{u}-{t}-{i}-{b}-{n}") for n, (u, i, b, t) in
              enumerate(zip(raw.user, raw.item, raw.behavior, raw.ts, strict=True))]
    steps = [("product_view", ()), ("add_to_cart", ()), ("purchase", ())]
    expected = funnel_reference(events, steps, 86400, "ordered")
    with shoplens.connect(str(taobao_db), read_only=True) as wh:
        result = funnel(wh, "product_view,add_to_cart,purchase", window="1d")
    assert [s.count for s in result.steps] == expected["counts"]
    assert expected["counts"][2] > 100  # a real funnel, not an empty one
    for k, step in enumerate(result.steps[1:], 2):
        assert step.median_seconds == pytest.approx(expected["median"][k])
        assert step.avg_seconds == pytest.approx(expected["avg"][k])


# ---------------------------------------------------------------- CLI

def test_cli_json_and_dropped_csv(edge_wh: Any, tmp_path: Path) -> None:
    db = str(edge_wh.path)
    run = [sys.executable, "-m", "shoplens", "--db", db, "funnel", "--steps", "product_view,add_to_cart,purchase",
           "--window", "1d", "--by", "channel"]
    out = subprocess.run([*run, "--format", "json"], capture_output=True, text=True, timeout=120,
                         env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "SHOPLENS_LOCK_WAIT": "1"})
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [s["count"] for s in data["steps"]] == [6, 5, 2]
    assert set(data["steps"][1]) >= {"event", "count", "conversion", "step_conversion", "median_seconds",
                                     "avg_seconds"}
    assert data["breakdown"]["by"] == "channel" and data["trend"]
    target = tmp_path / "lost.csv"
    out = subprocess.run([*run, "--dropped-at", "3", "--out", str(target)], capture_output=True, text=True,
                         timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "SHOPLENS_LOCK_WAIT": "1"})
    assert out.returncode == 0, out.stderr
    lost = pd.read_csv(target)
    assert set(lost.user_id) == {"w1", "w3", "w5"}  # carted within the day, never bought
