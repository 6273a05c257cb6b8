"""`why --where`: one slice of the store explained (e.g. the channel an alert fanned out to), on the demo store.

Every number of a slice is read within it: recounted here in plain SQL over the warehouse tables. An alert of one
channel gets its root cause within that channel.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

import shoplens
from demo_sql import LOCAL, PAID
from demo_sql import why_json as _why
from shoplens.errors import ShoplensError

DAY, BEFORE = date(2026, 10, 26), date(2026, 10, 19)  # an incident day of the demo and the same weekday before


@pytest.fixture(scope="module")
def paid_search(demo_db: Path) -> dict[str, Any]:
    return _why(demo_db, day=DAY, compare="wow", by="channel,device", where={"channel": "paid_search"})


def test_slice_values_are_the_slice_in_plain_sql(demo_db: Path, paid_search: dict[str, Any]) -> None:
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        gmv = dict(((dev, d), float(v)) for dev, d, v in con.execute(
            f"SELECT device, {LOCAL.format(ts='coalesce(paid_ts, created_ts)')} AS d, sum(gross_amount_rc)"
            f" FROM orders WHERE store_id = 'demo' AND channel = 'paid_search' AND {PAID} GROUP BY ALL").fetchall())
        uv = dict(con.execute(f"SELECT {LOCAL.format(ts='ts')} AS d, count(DISTINCT user_id) FROM events"
                              " WHERE store_id = 'demo' AND channel = 'paid_search' GROUP BY ALL").fetchall())
    finally:
        con.close()
    assert paid_search["where"] == {"channel": ["paid_search"]}
    assert paid_search["value"] == pytest.approx(sum(v for (_, d), v in gmv.items() if d == DAY), abs=1e-4)
    assert paid_search["reference_value"] == pytest.approx(sum(v for (_, d), v in gmv.items() if d == BEFORE),
                                                           abs=1e-4)
    factors = {f["factor"]: f for f in paid_search["factors"]}
    assert factors["uv"]["value"] == uv[DAY] and factors["uv"]["reference_value"] == uv[BEFORE]
    assert sum(f["contribution"] for f in paid_search["factors"]) == pytest.approx(paid_search["change"], abs=1e-6)
    # the slice's own dimension is not cut again (a note says so); the others are, and add up to the change
    assert [d["dimension"] for d in paid_search["dimensions"]] == ["device"]
    assert any(n["dimension"] == "channel" and "paid_search" in n["en"] for n in paid_search["notes"])
    device = paid_search["dimensions"][0]
    assert sum(v["contribution"] for v in device["values"]) == pytest.approx(paid_search["change"], abs=1e-6)
    for v in device["values"]:
        assert v["value_now"] == pytest.approx(gmv.get((v["value"], DAY), 0.0), abs=1e-4)
    # the incident: payment conversion of paid_search collapsed while its visitors held
    assert factors["conversion_rate"]["contribution"] < 0 and abs(factors["uv"]["contribution"]) < \
        abs(factors["conversion_rate"]["contribution"]) / 5
    assert paid_search["summary"]["en"].startswith("GMV of channel paid_search fell")
    assert "paid_search 的" in paid_search["summary"]["zh"]


def test_bad_slices_are_one_clear_error(demo_db: Path) -> None:
    with pytest.raises(ShoplensError, match="did you mean"):
        _why(demo_db, day=DAY, where={"channel": "paid_serch"})
    with pytest.raises(ShoplensError, match="cannot be cut by carrier"):
        _why(demo_db, day=DAY, where={"carrier": "SF"})


def test_cli_where_equals_python(demo_db: Path, paid_search: dict[str, Any]) -> None:
    out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(demo_db), "why", "gmv", "--date", str(DAY),
                          "--compare", "wow", "--by", "channel,device", "--where", "channel=paid_search",
                          "--format", "json"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == json.loads(json.dumps(paid_search))


def test_a_channel_alert_is_explained_within_its_channel(demo_db: Path, tmp_path: Path) -> None:
    """paid_channel_roi_below_1 fires for paid_search on 2026-10-27: its root cause is paid_search's ROI (the
    alert's own value), not the store's."""
    import shutil

    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    with shoplens.connect(str(db)) as wh:
        alerts = shoplens.alerts_check(wh, day=date(2026, 10, 27), store="demo").alerts
    roi = next(a for a in alerts if a["rule"] == "paid_channel_roi_below_1")
    assert roi["dims"] == {"channel": "paid_search"}
    cause = roi["root_cause"]
    assert cause["where"] == {"channel": ["paid_search"]}
    assert cause["value"] == pytest.approx(roi["value"], rel=1e-9)
    assert cause["summary"]["en"].startswith("ROI (ROAS) of channel paid_search")
