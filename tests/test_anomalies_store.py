"""Anomalies on generated stores: injected incidents are found, clean series stay quiet, one expected value is
recomputed by plain SQL; the CLI, the Python API and the REST API give the same JSON; the demo store's figure.

The generated store (UTC, 10 weeks from Monday 2026-03-02): two channels x two devices, each cell with a
weekday traffic pattern (weekends higher) and a fixed 6 % payment conversion. Injected: paid_search converts
at 0.5 % on CONVERSION_DAY (its visitors held); mobile traffic falls to 40 % on TRAFFIC_DAY (conversion held).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from statistics import median

import pytest

import shoplens
from csv_files import import_clean, write_csv
from shoplens.ingest.pipeline import import_files

START = date(2026, 3, 2)
DAYS = 70
CONVERSION_DAY = START + timedelta(days=64)  # a Tuesday in week 10
TRAFFIC_DAY = START + timedelta(days=67)  # a Friday
WEEKDAY = (150, 140, 145, 150, 160, 210, 220)  # visitors per cell, Mon..Sun
WOBBLE = (0, 4, -3, 2, -5, 3, -1, 5, -2, 1, -4)  # deterministic day-to-day variation
CELLS = [(c, d) for c in ("paid_search", "organic_search") for d in ("mobile", "desktop")]


def visitors(day: date, channel: str, device: str) -> int:
    i = (day - START).days
    n = WEEKDAY[day.weekday()] + WOBBLE[(i + 3 * CELLS.index((channel, device))) % len(WOBBLE)]
    return round(n * 0.4) if (day == TRAFFIC_DAY and device == "mobile") else n


def buyers(day: date, channel: str, device: str) -> int:
    rate = 0.005 if (day == CONVERSION_DAY and channel == "paid_search") else 0.06
    return round(visitors(day, channel, device) * rate)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("anomaly_shop")
    events, orders = [], []
    for i in range(DAYS):
        day = START + timedelta(days=i)
        for channel, device in CELLS:
            for k in range(visitors(day, channel, device)):
                user = f"u{i}_{channel[0]}{device[0]}_{k}"
                ts = f"{day}T{8 + k % 12:02d}:{k % 60:02d}:00Z"
                events.append((f"{user}_v", ts, user, "product_view", "p1", channel, device))
                if k < buyers(day, channel, device):
                    events.append((f"{user}_c", ts, user, "add_to_cart", "p1", channel, device))
                    events.append((f"{user}_p", ts, user, "purchase", "p1", channel, device))
                    orders.append((f"o_{user}", user, ts, ts, "paid", str(80 + k % 7 * 10), channel, device))
    files = {
        "events": write_csv(folder / "events.csv", "event_id,ts,user_id,event,product_id,channel,device", events),
        "orders": write_csv(folder / "orders.csv", "order_id,user_id,created_ts,paid_ts,status,gross_amount,"
                            "channel,device", orders),
    }
    path = folder / "shop.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_clean(wh, files, store="s1")
    return path


LAST_WEEKS = {"start": START + timedelta(days=56), "end": START + timedelta(days=DAYS - 1)}


def run(path: Path, metrics: str, by: str) -> dict:
    with shoplens.connect(str(path), read_only=True) as wh:
        return shoplens.anomalies(wh, metrics, by=by, **LAST_WEEKS).to_dict()


def test_channel_conversion_collapse_is_found_and_the_rest_stays_quiet(shop: Path) -> None:
    out = run(shop, "conversion_rate", "channel")
    assert [(a["dims"], a["period"], a["direction"], a["bad"]) for a in out["anomalies"]] == [
        ({"channel": "paid_search"}, CONVERSION_DAY.isoformat(), "down", True)]
    assert out["anomalies"][0]["severity"] == "high" and out["anomalies"][0]["store"] == "s1"
    assert out["checked"]["series"] == 2 and out["checked"]["points"] == 2 * 14


def test_traffic_drop_on_one_device_is_found(shop: Path) -> None:
    out = run(shop, "uv", "device")
    assert [(a["dims"], a["period"], a["direction"], a["bad"]) for a in out["anomalies"]] == [
        ({"device": "mobile"}, TRAFFIC_DAY.isoformat(), "down", True)]
    # its conversion held: no conversion anomaly on mobile (only the paid_search collapse shows, on both devices)
    conv = run(shop, "conversion_rate", "device")
    assert {a["period"] for a in conv["anomalies"]} <= {CONVERSION_DAY.isoformat()}


def test_days_after_the_last_export_are_not_judged_as_zeros(shop: Path) -> None:
    """A range running past the data's last day: those days have no value (nothing was exported yet), so no
    "visitors fell to 0" anomaly; only the collapse inside the data is found (the dashboard once showed high,
    bad anomalies for every day after the end)."""
    end = START + timedelta(days=DAYS - 1)
    with shoplens.connect(str(shop), read_only=True) as wh:
        out = shoplens.anomalies(wh, "uv,gmv,conversion_rate", by="channel", start=LAST_WEEKS["start"],
                                 end=end + timedelta(days=10)).to_dict()
    assert all(a["period"] <= end.isoformat() for a in out["anomalies"]), out["anomalies"]
    assert any(a["period"] == CONVERSION_DAY.isoformat() for a in out["anomalies"])
    assert out["checked"]["skipped"]["no_value"] >= 10 * 3 * 2  # 10 days x 3 metrics x 2 channels


def test_expected_value_matches_plain_sql(shop: Path) -> None:
    """The expected paid_search conversion of the collapse day = median of its 6 previous same weekdays, with
    visitors and buyers counted by plain SQL over the raw tables."""
    import duckdb

    con = duckdb.connect(str(shop), read_only=True)
    rows = con.execute("""
        SELECT v.day, b.n / v.n FROM
          (SELECT CAST(ts AS DATE) AS day, count(DISTINCT user_id) AS n FROM events
           WHERE channel = 'paid_search' GROUP BY 1) v
        JOIN (SELECT CAST(paid_ts AS DATE) AS day, count(DISTINCT user_id) AS n FROM orders
              WHERE channel = 'paid_search' AND status = 'paid' GROUP BY 1) b USING (day)""").fetchall()
    con.close()
    rate = dict(rows)
    history = [rate[CONVERSION_DAY - timedelta(days=7 * w)] for w in range(1, 7)]
    found = run(shop, "conversion_rate", "channel")["anomalies"][0]
    assert found["expected"] == pytest.approx(median(history), rel=1e-5)
    assert found["value"] == pytest.approx(rate[CONVERSION_DAY], rel=1e-5)


def test_cli_json_equals_the_python_api_and_csv_has_the_row(shop: Path) -> None:
    args = [sys.executable, "-m", "shoplens", "--db", str(shop), "anomalies", "conversion_rate", "--by", "channel",
            "--from", LAST_WEEKS["start"].isoformat(), "--to", LAST_WEEKS["end"].isoformat()]
    out = subprocess.run([*args, "--format", "json"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == run(shop, "conversion_rate", "channel")
    csv = subprocess.run([*args, "--format", "csv"], capture_output=True, text=True, check=True).stdout.splitlines()
    assert csv[0].startswith("metric,store,dimension,dimension_value,period,value,expected")
    assert csv[1].startswith(f"conversion_rate,s1,channel,paid_search,{CONVERSION_DAY}")
    assert len(csv) == 2
    bad = subprocess.run([*args, "--sensitivity", "extreme"], capture_output=True, text=True)
    assert bad.returncode != 0 and "--sensitivity 'extreme'" in bad.stderr and "Traceback" not in bad.stderr


def test_a_metric_the_store_lacks_is_skipped_with_a_note(tmp_path: Path) -> None:
    """An orders-only store has no visitors: uv is skipped with a note, gmv is still judged."""
    stamp = [f"{START + timedelta(days=i)}T10:00:00Z" for i in range(DAYS)]
    rows = [(f"o{i}_{k}", f"u{i}_{k}", stamp[i], stamp[i], "paid", "100", "direct", "mobile")
            for i in range(DAYS) for k in range(30)]
    file = write_csv(tmp_path / "orders.csv", "order_id,user_id,created_ts,paid_ts,status,gross_amount,channel,device",
                     rows)
    path = tmp_path / "orders_only.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_files(wh, [file], table="orders", store="o1", currency="USD", timezone="UTC")
    out = run(path, "uv,gmv", None)  # type: ignore[arg-type]
    assert any(k.startswith("anomalies:uv:o1") for k in out["notes"])
    assert out["checked"]["series"] == 1 and out["checked"]["points"] == 14 and out["anomalies"] == []


def test_a_promotion_in_the_config_file_is_not_flagged(shop: Path, tmp_path: Path) -> None:
    """The collapse day declared a promotion in shoplens.yaml: not judged, and the CLI reads the file."""
    config = tmp_path / "shoplens.yaml"
    config.write_text(f"calendar:\n  before: 0\n  after: 0\n  promotions:\n    flash_sale: {CONVERSION_DAY}\n",
                      encoding="utf-8")
    args = [sys.executable, "-m", "shoplens", "--db", str(shop), "anomalies", "conversion_rate", "--by", "channel",
            "--from", LAST_WEEKS["start"].isoformat(), "--to", LAST_WEEKS["end"].isoformat(), "--format", "json"]
    out = json.loads(subprocess.run([*args, "--config", str(config)], capture_output=True, text=True,
                                    check=True).stdout)
    assert out["anomalies"] == [] and out["checked"]["skipped"]["promotion"] == 2  # one day, two channels
    config.write_text("calendar:\n  promotions:\n    flash_sale: {from: 2026-05-01, to: 2026-04-01}\n",
                      encoding="utf-8")
    bad = subprocess.run([*args, "--config", str(config)], capture_output=True, text=True)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert "calendar.promotions.flash_sale" in bad.stderr and "is before from" in bad.stderr
