"""Alerts on a real data set (UCI Online Retail, preset online-retail) against an INDEPENDENT computation.

Daily GMV comes from the raw CSV with pandas (tests/test_monitor_datasets.py ``retail_orders``: every sale line
of an order, merchandise and postage, fees or manual lines alike, since GMV keeps every line; cancellations and
bad-debt adjustments are not sales). The days are picked from that computation, not from a shoplens run: the
first days whose GMV fell by at least the shipped ``gmv_dod_drop`` threshold against a previous day with sales
must raise the alert with value and reference equal to pandas' two days, and a day that fell by clearly less
must not."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

import shoplens
from shoplens.analyses.alerts import load_rules
from test_monitor_datasets import RETAIL, close, daily, retail_orders

RULE = next(r for r in load_rules(None) if r.id == "gmv_dod_drop")
DROP = RULE.params["drop"]


@pytest.fixture(scope="module")
def gmv(datasets: Path) -> dict[date, float]:
    return daily(retail_orders(datasets / RETAIL))["gmv"]


@pytest.fixture(scope="module")
def days(gmv: dict[date, float]) -> dict[str, list[date]]:
    """Days after a day with sales: fell by the threshold or more (with a margin against rounding), or by far less."""
    pairs = [(d, v / gmv[d - timedelta(days=1)] - 1) for d, v in sorted(gmv.items())
             if gmv.get(d - timedelta(days=1), 0) > 0 and v > 0]
    return {"fired": [d for d, c in pairs if c <= -DROP - 0.01][:2],
            "quiet": [d for d, c in pairs if -DROP + 0.1 <= c <= 0][:1]}


def test_gmv_dod_drop_equals_pandas(retail_db: Path, tmp_path: Path, gmv: dict[date, float],
                                    days: dict[str, list[date]]) -> None:
    assert len(days["fired"]) == 2 and len(days["quiet"]) == 1, days
    db = tmp_path / "retail.duckdb"
    shutil.copy(retail_db, db)
    with shoplens.connect(str(db)) as wh:
        for d in days["fired"]:
            out = shoplens.alerts_check(wh, day=d, rules=[RULE], explain=False).to_dict()
            assert [(a["rule"], a["store"], a["period"]) for a in out["alerts"]] == [("gmv_dod_drop", "uk", str(d))]
            a = out["alerts"][0]
            assert close(a["value"], gmv[d]) and close(a["reference"], gmv[d - timedelta(days=1)]), (a, d)
            assert close(a["change"], gmv[d] / gmv[d - timedelta(days=1)] - 1)
        for d in days["quiet"]:
            assert shoplens.alerts_check(wh, day=d, rules=[RULE], explain=False).alerts == []
    # the CLI with every shipped rule: the same alert, stored once (already there from the check above)
    d = days["fired"][0]
    out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), "alerts", "check", "--date", str(d),
                          "--no-why", "--format", "json"], capture_output=True, text=True, check=True)
    answer = json.loads(out.stdout)
    fired = [a for a in answer["alerts"] if a["rule"] == "gmv_dod_drop"]
    assert len(fired) == 1 and close(fired[0]["value"], gmv[d]) and answer["checked"]["unchanged"] >= 1
