"""Retention cohorts on a tiny hand-made warehouse: every expected table below is worked out by hand.

Store ``a`` (Asia/Shanghai, UTC+8) imports events only. Local times are given; UTC = local - 8 h,
so local 01:00 is 17:00 UTC of the previous day. Its data runs from 2025-12-20 to 2026-03-10
(local), so March 2026, ISO week 2026-W11 (Mon 03-09 .. Sun 03-15) are partial periods.

    id   local time          user  event         channel
    a01  2025-12-20 10:00    u5    purchase      email
    a02  2025-12-30 10:00    u6    purchase      direct       (ISO week 2026-W01 starts Mon 2025-12-29)
    a03  2026-01-05 10:00    u1    purchase      direct
    a19  2026-01-05 11:00    u1    coupon_claim  direct       (a custom event)
    a04  2026-01-06 10:00    u6    purchase      direct
    a05  2026-01-10 10:00    u3    page_view     organic_search
    a06  2026-01-20 10:00    u3    purchase      kol
    a07  2026-01-27 10:00    u3    purchase      direct
    a08  2026-02-01 01:00    u2    purchase      live_stream  (2026-01-31 17:00 UTC: February only locally)
    a09  2026-02-02 10:00    u5    purchase      direct
    a10  2026-02-03 00:30    u2    page_view     live_stream  (2026-02-02 16:30 UTC)
    a11  2026-02-10 10:00    u1    purchase      kol
    a12  2026-02-14 10:00    u4    page_view     social
    a13  2026-02-20 10:00    u1    purchase      direct
    a14  2026-03-02 10:00    u1    page_view     direct
    a15  2026-03-03 10:00    u2    purchase      kol
    a16  2026-03-09 10:00    u4    purchase      (none)
    a17  2026-03-10 10:00    u9    page_view     direct       (last data day of store a)

Store ``b`` (America/New_York: UTC-5, UTC-4 from 2026-03-08) imports orders only, so its paid
orders are its purchase events:

    order  user   paid (UTC)            local                  status     channel
    o1     u1     2026-01-10 03:00      2026-01-09 22:00       paid       marketplace_ads
    o2     u1     2026-02-01 02:00      2026-01-31 21:00       paid       marketplace_ads
    o3     u7     2026-02-15 15:00      2026-02-15 10:00       delivered  email
    o4     u7     2026-03-10 04:30      2026-03-10 00:30 EDT   paid       email  (03-09 in EST)
    o5     u8     -- (created 02-20)    --                     created    never paid: not a purchase
    o6     guest  2026-02-16 15:00      2026-02-16 10:00       paid       no user: left out

User ``u1`` of store b is not ``u1`` of store a. (Events need a user id to import; guest orders
have none and are left out.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import shoplens
from csv_files import write_csv
from shoplens.analyses.retention import retention
from shoplens.errors import ShoplensError
from shoplens.ingest.pipeline import import_files

REPO = Path(__file__).resolve().parents[1]

EVENTS_A = ("event_id,ts,user_id,event,channel", [
    ("a01", "2025-12-20T02:00:00Z", "u5", "purchase", "email"),
    ("a02", "2025-12-30T02:00:00Z", "u6", "purchase", "direct"),
    ("a03", "2026-01-05T02:00:00Z", "u1", "purchase", "direct"),
    ("a19", "2026-01-05T03:00:00Z", "u1", "coupon_claim", "direct"),
    ("a04", "2026-01-06T02:00:00Z", "u6", "purchase", "direct"),
    ("a05", "2026-01-10T02:00:00Z", "u3", "page_view", "organic_search"),
    ("a06", "2026-01-20T02:00:00Z", "u3", "purchase", "kol"),
    ("a07", "2026-01-27T02:00:00Z", "u3", "purchase", "direct"),
    ("a08", "2026-01-31T17:00:00Z", "u2", "purchase", "live_stream"),
    ("a09", "2026-02-02T02:00:00Z", "u5", "purchase", "direct"),
    ("a10", "2026-02-02T16:30:00Z", "u2", "page_view", "live_stream"),
    ("a11", "2026-02-10T02:00:00Z", "u1", "purchase", "kol"),
    ("a12", "2026-02-14T02:00:00Z", "u4", "page_view", "social"),
    ("a13", "2026-02-20T02:00:00Z", "u1", "purchase", "direct"),
    ("a14", "2026-03-02T02:00:00Z", "u1", "page_view", "direct"),
    ("a15", "2026-03-03T02:00:00Z", "u2", "purchase", "kol"),
    ("a16", "2026-03-09T02:00:00Z", "u4", "purchase", ""),
    ("a17", "2026-03-10T02:00:00Z", "u9", "page_view", "direct"),
])
ORDERS_B = ("order_id,user_id,created_ts,paid_ts,status,gross_amount,channel", [
    ("o1", "u1", "2026-01-10T02:50:00Z", "2026-01-10T03:00:00Z", "paid", "10", "marketplace_ads"),
    ("o2", "u1", "2026-02-01T01:50:00Z", "2026-02-01T02:00:00Z", "paid", "10", "marketplace_ads"),
    ("o3", "u7", "2026-02-15T14:50:00Z", "2026-02-15T15:00:00Z", "delivered", "10", "email"),
    ("o4", "u7", "2026-03-10T04:20:00Z", "2026-03-10T04:30:00Z", "paid", "10", "email"),
    ("o5", "u8", "2026-02-20T15:00:00Z", "", "created", "10", "email"),
    ("o6", "", "2026-02-16T14:50:00Z", "2026-02-16T15:00:00Z", "paid", "10", "email"),
])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("retention")
    path = folder / "r.duckdb"
    with shoplens.connect(str(path)) as wh:
        for store, table, tz, cur, (header, rows) in (("a", "events", "Asia/Shanghai", "CNY", EVENTS_A),
                                                      ("b", "orders", "America/New_York", "USD", ORDERS_B)):
            summary = import_files(wh, [write_csv(folder / f"{store}.csv", header, rows)], table=table, store=store,
                                   timezone=tz, currency=cur)
            assert summary.files[0].quarantined == 0, summary.examples
        try:
            from shoplens.analyses.segments.store import save_segment
        except ImportError:  # segments not built yet: the segment test skips
            return path
        save_segment(wh, "viewers", "did(page_view)")
    return path


@pytest.fixture(scope="module")
def wh(db: Path) -> Iterator[Any]:
    with shoplens.connect(str(db), read_only=True) as warehouse:
        yield warehouse


def table(result: Any) -> dict[Any, tuple[int, list[int], bool]]:
    """{cohort (or (cohort, group) with --by): (size, values, complete)}."""
    return {(c.cohort, c.group) if result.by else c.cohort: (c.size, list(c.values), c.complete)
            for c in result.cohorts}


def both(wh: Any, **kw: Any) -> Any:
    """The result, after checking that the rollup (when it applies) gives exactly the events' answer."""
    events = retention(wh, source="events", **kw)
    try:
        rollup = retention(wh, source="rollup", **kw)
    except ShoplensError:
        return events
    assert rollup.source == "rollup" and events.source == "events"
    assert rollup.cohorts == events.cohorts and rollup.average == events.average
    return events


# ---- months ---------------------------------------------------------------------------------------
def test_monthly_recurring_repurchase(wh: Any) -> None:
    r = both(wh, store="a", cohort_event="purchase", period="month")
    assert r.data_end == date(2026, 3, 10) and r.periods == 12
    assert table(r) == {
        # Dec: u5 (12-20), u6 (12-30); Jan: u6 (01-06); Feb: u5 (02-02); Mar: nobody. March is partial.
        "2025-12": (2, [2, 1, 1, 0], False),
        # Jan: u1 (01-05), u3 (01-20, 01-27), u6 (01-06); Feb: u1; Mar: nobody
        "2026-01": (3, [3, 1, 0], False),
        # Feb: u2 (02-01 local, not Jan 31), u5, u1; Mar: u2 (03-03)
        "2026-02": (3, [3, 1], False),
        # Mar: u2, u4
        "2026-03": (2, [2], False),
    }


def test_monthly_first_time_repurchase_and_average(wh: Any) -> None:
    r = both(wh, store="a", cohort_event="purchase", return_event="purchase", period="month", first_time=True)
    assert table(r) == {
        "2025-12": (2, [2, 1, 1, 0], False),  # u5, u6 (as above)
        "2026-01": (2, [2, 1, 0], False),  # u1, u3 (u6 bought first in Dec); Feb: u1
        "2026-02": (1, [1, 1], False),  # u2 only (u1, u5 bought before); Mar: u2
        "2026-03": (1, [1], False),  # u4
    }
    assert [list(c.rates) for c in r.cohorts][:2] == [[1.0, 0.5, 0.5, 0.0], [1.0, 0.5, 0.0]]
    # average over complete periods (March is partial): k0 Dec+Jan+Feb 5/5; k1 Dec+Jan 2/4; k2 Dec 1/2
    (avg,) = r.average
    assert (avg.group, avg.sizes, avg.values, avg.rates) == (None, (5, 4, 2), (5, 2, 1), (1.0, 0.5, 0.5))


def test_cohort_event_differs_from_return_event(wh: Any) -> None:
    # first page_view: u3 01-10, u2 02-03 (local), u4 02-14, u1 03-02, u9 03-10
    r = both(wh, store="a", cohort_event="page_view", return_event="purchase", first_time=True)
    assert table(r) == {
        "2026-01": (1, [1, 0, 0], False),  # u3 bought 01-20, then never again
        # u2 bought 02-01, before its page view but in the same month (period-level); Mar: u2 and u4 bought
        "2026-02": (2, [1, 2], False),
        "2026-03": (2, [0], False),  # u1 bought before March only, u9 never; u1's earlier purchases don't count
    }


def test_custom_event_uses_the_events(wh: Any) -> None:
    r = retention(wh, store="a", cohort_event="coupon_claim", return_event="buy", first_time=True)
    assert r.source == "events" and r.return_event == "purchase"
    assert table(r) == {"2026-01": (1, [1, 1, 0], False)}  # u1: purchases in Jan, Feb, none in Mar


# ---- weeks and days -------------------------------------------------------------------------------
def test_weekly_first_time_with_iso_labels(wh: Any) -> None:
    r = both(wh, store="a", cohort_event="purchase", period="week", first_time=True, periods=2)
    assert table(r) == {
        "2025-W51": (1, [1, 0, 0], True),  # u5 (Sat 12-20)
        "2026-W01": (1, [1, 1, 0], True),  # u6 (Tue 12-30, week of Mon 12-29), again 01-06 in W02
        "2026-W02": (1, [1, 0, 0], True),  # u1 (01-05); next purchase 02-10 = W07 (k = 5 > 2)
        "2026-W04": (1, [1, 1, 0], True),  # u3 01-20, again 01-27 (W05)
        "2026-W05": (1, [1, 0, 0], True),  # u2 (Sun 02-01 local)
        "2026-W11": (1, [1], False),  # u4 (03-09); W11 runs to 03-15, data ends 03-10
    }
    assert r.cohorts[1].start == date(2025, 12, 29)


def test_days_cut_in_the_store_time_zone(wh: Any) -> None:
    # cohorts by start day in 01-31 .. 02-02; u2's purchase is 02-01 local (01-31 in UTC) and its page view
    # 02-03 00:30 local (02-02 in UTC): k = 2. u5 bought 02-02 and never viewed a page.
    r = both(wh, store="a", cohort_event="purchase", return_event="page_view", period="day", periods=2,
             start=date(2026, 1, 31), end=date(2026, 2, 2))
    assert table(r) == {"2026-02-01": (1, [0, 0, 1], True), "2026-02-02": (1, [0, 0, 0], True)}


def test_day_window_across_64_periods(wh: Any) -> None:
    # first-time day cohorts over all data from 2025-12-20: 81 days, two 64-day words. u2's first purchase
    # 02-01 (day 43 of the data) and its next one 03-03 = k 30 (day 73, in the second word).
    r = both(wh, store="a", cohort_event="purchase", period="day", first_time=True, periods=30)
    assert table(r)["2026-02-01"] == (1, [1] + [0] * 29 + [1], True)
    assert table(r)["2025-12-20"] == (1, [1] + [0] * 30, True)  # u5: its 02-02 purchase is k 44
    # with --from the return days start at the first cohort (one word), the first purchase is still all-time
    r = both(wh, store="a", cohort_event="purchase", period="day", first_time=True, periods=30,
             start=date(2026, 2, 1), end=date(2026, 2, 1))
    assert table(r) == {"2026-02-01": (1, [1] + [0] * 29 + [1], True)}
    assert both(wh, store="a", period="day", first_time=True, start=date(2026, 2, 2)).cohorts[0].cohort == "2026-03-09"


def test_periods_cap_k(wh: Any) -> None:
    r = both(wh, store="a", cohort_event="purchase", period="month", periods=1)
    assert table(r)["2025-12"] == (2, [2, 1], True)  # capped before the partial March: complete
    assert [len(c.values) for c in both(wh, store="a", period="month", periods=0).cohorts] == [1, 1, 1, 1]


def test_from_to_select_cohorts_by_period_start(wh: Any) -> None:
    # the December cohort starts 12-01, before --from; the return activity after --to is still followed
    r = both(wh, store="a", cohort_event="purchase", period="month", start=date(2025, 12, 15), end=date(2026, 1, 31))
    assert table(r) == {"2026-01": (3, [3, 1, 0], False)}
    assert retention(wh, store="a", start=date(2027, 1, 1)).cohorts == ()


# ---- breakdowns and filters -----------------------------------------------------------------------
def test_by_channel_of_the_first_cohort_event(wh: Any) -> None:
    first = retention(wh, store="a", cohort_event="purchase", first_time=True, by="channel")
    assert first.source == "events"
    assert table(first) == {  # channel of the first purchase ever; groups sorted, missing value last
        ("2025-12", "direct"): (1, [1, 1, 0, 0], False),  # u6
        ("2026-01", "direct"): (1, [1, 1, 0], False),  # u1 (01-05 direct)
        ("2025-12", "email"): (1, [1, 0, 1, 0], False),  # u5
        ("2026-01", "kol"): (1, [1, 0, 0], False),  # u3 (01-20 kol)
        ("2026-02", "live_stream"): (1, [1, 1], False),  # u2
        ("2026-03", None): (1, [1], False),  # u4, no channel
    }
    recurring = retention(wh, store="a", cohort_event="purchase", by="channel")
    assert table(recurring) == {  # channel of the first purchase in the cohort month
        ("2025-12", "direct"): (1, [1, 1, 0, 0], False),  # u6
        ("2026-01", "direct"): (2, [2, 1, 0], False),  # u1 (01-05), u6 (01-06); Feb: u1
        ("2026-02", "direct"): (1, [1, 0], False),  # u5 (02-02)
        ("2025-12", "email"): (1, [1, 0, 1, 0], False),  # u5
        ("2026-01", "kol"): (1, [1, 0, 0], False),  # u3: 01-20 kol comes before 01-27 direct
        ("2026-02", "kol"): (1, [1, 0], False),  # u1: 02-10 kol before 02-20 direct
        ("2026-03", "kol"): (1, [1], False),  # u2 (03-03)
        ("2026-02", "live_stream"): (1, [1, 1], False),  # u2
        ("2026-03", None): (1, [1], False),  # u4
    }
    avg = {a.group: (a.sizes, a.values) for a in recurring.average}
    # sizes k0: Dec 1 + Jan 2 + Feb 1, k1: Dec + Jan, k2: Dec; values k1: u6 (Dec) + u1 (Jan), k2: none
    assert avg["direct"] == ((4, 3, 1), (4, 2, 0))
    assert avg[None] == ((), ())  # only a partial period


def test_where_filters_every_event_and_first_means_first_matching(wh: Any) -> None:
    # kol purchases: u3 01-20, u1 02-10, u2 03-03 -> u1's first kol purchase is in February
    r = retention(wh, store="a", cohort_event="purchase", first_time=True, where="channel=kol")
    assert table(r) == {"2026-01": (1, [1, 0, 0], False), "2026-02": (1, [1, 0], False),
                        "2026-03": (1, [1], False)}
    assert r.source == "events"


def test_step_conditions_on_the_cohort_event_only(wh: Any) -> None:
    # cohort: live_stream purchases (u2, Feb); return: any purchase (u2 02-01, 03-03)
    r = retention(wh, store="a", cohort_event="purchase[channel=live_stream]", return_event="purchase")
    assert r.cohort_event == "purchase[channel=live_stream]"
    assert table(r) == {"2026-02": (1, [1, 1], False)}


def test_segment_keeps_its_members(wh: Any) -> None:
    try:
        from shoplens.analyses.segments.store import get_segment
        get_segment(wh, "viewers")
    except (ImportError, ShoplensError):
        pytest.skip("saved segments are not available")
    # viewers = users with a page view: u1, u2, u3, u4, u9 (u5 and u6 only bought)
    r = retention(wh, store="a", first_time=True, segment="viewers")
    assert r.source == "events"
    assert table(r) == {"2026-01": (2, [2, 1, 0], False), "2026-02": (1, [1, 1], False), "2026-03": (1, [1], False)}


# ---- orders as purchases, several stores ----------------------------------------------------------
def test_orders_count_as_purchases_in_local_time(wh: Any) -> None:
    r = retention(wh, store="b", cohort_event="purchase", first_time=True)
    assert r.source == "events" and r.data_end == date(2026, 3, 10)
    # u1: o1 and o2 are both January locally (o2 is Feb 1 in UTC); u7: Feb and Mar; u8 never paid
    assert table(r) == {"2026-01": (1, [1, 0, 0], False), "2026-02": (1, [1, 1], False)}
    by = retention(wh, store="b", cohort_event="purchase", first_time=True, by="channel")
    assert table(by) == {("2026-01", "marketplace_ads"): (1, [1, 0, 0], False),
                         ("2026-02", "email"): (1, [1, 1], False)}
    with pytest.raises(ShoplensError, match="rollup"):
        retention(wh, store="b", source="rollup")


def test_daylight_saving_day(wh: Any) -> None:
    # o4 is 03-10 04:30 UTC = 00:30 EDT on 03-10 (it would be 03-09 at the winter offset)
    r = retention(wh, store="b", period="day", periods=1, start=date(2026, 3, 9))
    assert table(r) == {"2026-03-10": (1, [1], True)}  # the last data day is a whole day


def test_several_stores_keep_users_apart(wh: Any) -> None:
    r = retention(wh, cohort_event="purchase", first_time=True)
    assert r.stores == ("a", "b") and r.data_end == date(2026, 3, 10)
    assert table(r) == {
        "2025-12": (2, [2, 1, 1, 0], False),  # a:u5, a:u6
        "2026-01": (3, [3, 1, 0], False),  # a:u1, a:u3, b:u1 (not merged with a:u1); Feb: a:u1
        "2026-02": (2, [2, 2], False),  # a:u2, b:u7; Mar: both
        "2026-03": (1, [1], False),  # a:u4
    }
    r = retention(wh, cohort_event="purchase", first_time=True, by="store")
    assert table(r)[("2026-01", "b")] == (1, [1, 0, 0], False)


# ---- results, errors, CLI -------------------------------------------------------------------------
def test_to_dict_and_to_pandas(wh: Any) -> None:
    r = retention(wh, store="a", first_time=True)
    d = r.to_dict()
    assert d["cohorts"][0] == {"cohort": "2025-12", "start": "2025-12-01", "group": None, "size": 2,
                               "values": [2, 1, 1, 0], "rates": [1.0, 0.5, 0.5, 0.0], "complete": False}
    assert (d["from"], d["to"], d["data_end"], d["period"]) == (None, None, "2026-03-10", "month")
    frame = r.to_pandas()
    assert list(frame.columns) == ["cohort", "group", "size", "k", "users", "rate", "complete"]
    assert len(frame) == 4 + 3 + 2 + 1
    dec = frame[frame.cohort == "2025-12"]
    assert dec.users.tolist() == [2, 1, 1, 0] and dec.complete.tolist() == [True, True, True, False]


@pytest.mark.parametrize(("kw", "text"), [
    ({"period": "year"}, "unknown period"),
    ({"periods": 64}, "out of range"),
    ({"periods": -1}, "out of range"),
    ({"by": "session_id"}, "not a dimension"),
    ({"cohort_event": "purchase,page_view"}, "one cohort event"),
    ({"return_event": "Not An Event"}, "not an event name"),
    ({"source": "rollup", "where": "channel=kol"}, "rollup cannot"),
])
def test_user_mistakes(wh: Any, kw: dict[str, Any], text: str) -> None:
    with pytest.raises(ShoplensError, match=text) as info:
        retention(wh, store="a", **kw)
    assert info.value.zh


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "SHOPLENS_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "shoplens.cli", "--db", str(db), "retention", *args],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)


def test_cli_json(db: Path) -> None:
    out = cli(db, "--store", "a", "--cohort-event", "purchase", "--first-time", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [(c["cohort"], c["size"], c["values"]) for c in data["cohorts"]] == [
        ("2025-12", 2, [2, 1, 1, 0]), ("2026-01", 2, [2, 1, 0]), ("2026-02", 1, [1, 1]), ("2026-03", 1, [1])]
    assert data["average"][0]["rates"] == [1.0, 0.5, 0.5] and data["source"] == "rollup"
    out = cli(db, "-s", "a", "-c", "page_view", "-r", "purchase", "--period", "week", "--from", "2026-02-02",
              "--to", "2026-02-15", "--where", "device!=tablet", "--by", "channel", "-f", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    # page views in weeks W06 (u2 02-03) and W07 (u4 02-14); u2 bought in W10 (k4), u4 in W11 (k4)
    assert [(c["cohort"], c["group"], c["values"][:5]) for c in data["cohorts"]] == [
        ("2026-W06", "live_stream", [0, 0, 0, 0, 1]), ("2026-W07", "social", [0, 0, 0, 0, 1])]
    assert data["from"] == "2026-02-02" and data["by"] == "channel"


def test_cli_table_csv_and_errors(db: Path) -> None:
    out = cli(db, "--store", "a", "--first-time", "--percent")
    assert out.returncode == 0, out.stderr
    assert "Month 3" in out.stdout and "50.0%" in out.stdout and "0.0%*" in out.stdout
    assert "Weighted avg" in out.stdout and "partial" in out.stdout
    out = cli(db, "--store", "a", "--first-time", "--format", "csv")
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "cohort,group,size,k,users,rate,complete" and lines[1] == "2025-12,,2,0,2,1.0,True"
    out = cli(db, "--period", "year")
    assert out.returncode == 2 and "unknown period" in out.stderr and "Traceback" not in out.stderr
