"""The last complete day (analyses/complete_day.py), shared by anomalies and alerts, on hand-made stores.

Two stores (Asia/Shanghai, orders only, 8 weeks from Monday 2026-03-02): every day 30 orders placed at local
09:00 + 20 min x k (the last at 18:40); on the last day, 2026-04-26, store ``cut`` has only the first 10 (09:00 ..
12:00: an export cut at noon), store ``full`` all 30. By the documented rule the last day of ``cut`` is incomplete
(its data stops at 12:00, before 18:40, the earliest end of its previous 28 days) and that of ``full`` complete.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

import shoplens
from csv_files import import_clean, write_csv
from shoplens.analyses.complete_day import DataEnd, data_ends, last_complete_day

START = date(2026, 3, 2)
DAYS = 56
LAST = START + timedelta(days=DAYS - 1)  # Sunday 2026-04-26
PER_DAY, CUT_AT = 30, 10  # orders a day; the cut store's last day has the first 10 (the 10th at 12:00 local)


def local_times(n: int) -> list[time]:
    return [time(9 + (20 * k) // 60, (20 * k) % 60) for k in range(n)]


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("complete_day")
    path = folder / "w.duckdb"
    with shoplens.connect(str(path)) as wh:
        for store in ("cut", "full"):
            rows = []
            for i in range(DAYS):
                day = START + timedelta(days=i)
                n = CUT_AT if (store == "cut" and day == LAST) else PER_DAY
                for k, t in enumerate(local_times(n)):
                    ts = (datetime.combine(day, t) - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")  # UTC+8
                    rows.append((f"{store}{i}_{k}", f"u{k}", ts, ts, "paid", str(100 + (i * 7 + k) % 13)))
            file = write_csv(folder / f"{store}.csv", "order_id,user_id,created_ts,paid_ts,status,gross_amount", rows)
            import_clean(wh, {"orders": file}, store=store, currency="USD", timezone="Asia/Shanghai")
    return path


def test_the_rule_on_hand_made_ends() -> None:
    now = datetime(2026, 12, 7, tzinfo=UTC)
    cut = DataEnd(LAST, time(12, 0), time(18, 40))
    assert last_complete_day(LAST, "Asia/Shanghai", now, cut) == LAST - timedelta(days=1)  # stops before usual
    at_usual = DataEnd(LAST, time(18, 40), time(18, 40))
    assert last_complete_day(LAST, "Asia/Shanghai", now, at_usual) == LAST  # as late as the earliest end: complete
    assert last_complete_day(LAST, "Asia/Shanghai", now, DataEnd(LAST, time(1, 0), None)) == LAST  # too few days
    # the clock still rules: a day that has not ended is never complete, however late its data runs
    running = datetime(2026, 4, 26, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    assert last_complete_day(LAST, "Asia/Shanghai", running, at_usual) == LAST - timedelta(days=1)
    # data dated after today (a clock behind the data): only the data can tell
    early = datetime(2026, 1, 1, tzinfo=UTC)
    assert last_complete_day(LAST, "Asia/Shanghai", early, at_usual) == LAST
    assert last_complete_day(LAST, "Asia/Shanghai", early, cut) == LAST - timedelta(days=1)


def test_data_ends_read_the_local_times(shops: Path) -> None:
    with shoplens.connect(str(shops), read_only=True) as wh:
        stores = shoplens.MetricsEngine(wh).stores(wh.data_version())
        ends = data_ends(wh, stores)
    assert ends["cut"] == DataEnd(LAST, time(12, 0), time(18, 40))
    assert ends["full"] == DataEnd(LAST, time(18, 40), time(18, 40))


def test_anomalies_default_range_ends_on_the_last_complete_day(shops: Path) -> None:
    with shoplens.connect(str(shops), read_only=True) as wh:
        cut = shoplens.anomalies(wh, "gmv", store="cut").to_dict()
        full = shoplens.anomalies(wh, "gmv", store="full").to_dict()
        both = shoplens.anomalies(wh, "gmv").to_dict()
    day_before = (LAST - timedelta(days=1)).isoformat()
    assert (cut["from"], cut["to"]) == ((LAST - timedelta(days=30)).isoformat(), day_before)
    assert (full["from"], full["to"]) == ((LAST - timedelta(days=29)).isoformat(), LAST.isoformat())
    note = cut["notes"]["anomalies:incomplete:cut"]
    assert f"the last day, {LAST}, is incomplete: data stops at 12:00 local" in note["en"] and "12:00" in note["zh"]
    assert not any(k.startswith("anomalies:incomplete") for k in full["notes"])
    # both stores share a range up to 04-26: full's 04-26 is judged, cut's (a third of a day) is not
    assert both["to"] == LAST.isoformat() and "anomalies:incomplete:cut" in both["notes"]
    assert cut["checked"]["points"] == full["checked"]["points"] == 30
    assert both["checked"]["points"] == 29 + 30  # cut: 03-28 .. 04-25; full: 03-28 .. 04-26
    assert not [a for a in both["anomalies"] if a["period"] == LAST.isoformat()]


def test_an_explicit_end_judges_the_incomplete_day_with_a_note(shops: Path) -> None:
    with shoplens.connect(str(shops), read_only=True) as wh:
        out = shoplens.anomalies(wh, "gmv", store="cut", start=LAST - timedelta(days=6), end=LAST).to_dict()
    (flag,) = out["anomalies"]  # a third of the day's orders: gmv far below the band, and the note says why
    assert flag["period"] == LAST.isoformat() and flag["direction"] == "down"
    assert out["checked"]["points"] == 7
    assert "data stops at 12:00 local" in out["notes"]["anomalies:incomplete:cut"]["en"]


def test_alerts_check_the_same_day(shops: Path, tmp_path: Path) -> None:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(shops.read_bytes())
    with shoplens.connect(str(copy)) as wh:
        out = shoplens.alerts_check(wh, rules=[], explain=False).to_dict()
    assert out["checked"]["days"] == {"cut": (LAST - timedelta(days=1)).isoformat(), "full": LAST.isoformat()}
    assert "12:00" in out["notes"]["alerts:incomplete:cut"]["en"]


def test_the_cli_prints_the_note(shops: Path) -> None:
    args = [sys.executable, "-m", "shoplens", "--db", str(shops), "anomalies", "gmv", "--store", "cut"]
    table = subprocess.run([*args, "--to", LAST.isoformat()], capture_output=True, text=True, check=True).stdout
    assert f"the last day, {LAST}, is incomplete: data stops at 12:00 local" in table
    out = json.loads(subprocess.run([*args, "--format", "json"], capture_output=True, text=True, check=True).stdout)
    assert out["to"] == (LAST - timedelta(days=1)).isoformat()
