"""On the demo store (incident: paid_search payment conversion collapses 2026-10-25..27, see
src/shoplens/demo/build.py "The incident"): an action logged on paid_search the day before the incident reports
an effect with an interval, its sign says conversion fell relative to the other channels, and every daily value
equals a plain-SQL count over events and orders (the engine is not asked twice for the same thing)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

import shoplens

INCIDENT = (date(2026, 10, 25), date(2026, 10, 27))  # paid_search payment collapse (DemoSummary.incident)
DAY = date(2026, 10, 24)  # logged the day before: the action day is left out, the incident is the after-window
LOCAL = "CAST(timezone('Asia/Shanghai', timezone('UTC', {ts})) AS DATE)"


@pytest.fixture(scope="module")
def db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("actions_demo") / "demo.duckdb"
    shutil.copy(demo_db, path)
    with shoplens.connect(str(path)) as wh:
        shoplens.action_add(wh, title="payment page fix", metric="conversion_rate", scope="channel=paid_search",
                            day=DAY, recommendation="rec-paid-search-payment", note="from the alert")
    return path


def _sql_daily(db: Path, paid_search: bool, start: date, end: date) -> dict[date, float]:
    """Paying buyers / visitors per local day: paid_search alone, or every other channel pooled."""
    cond = "channel = 'paid_search'" if paid_search else "channel <> 'paid_search'"
    with duckdb.connect(str(db), read_only=True) as con:
        visitors = dict(con.execute(f"""SELECT {LOCAL.format(ts='ts')} d, count(DISTINCT user_id) FROM events
            WHERE store_id = 'demo' AND {cond} AND {LOCAL.format(ts='ts')} BETWEEN ? AND ? GROUP BY d""",
                                    [start, end]).fetchall())
        buyers = dict(con.execute(f"""SELECT {LOCAL.format(ts='coalesce(paid_ts, created_ts)')} d,
            count(DISTINCT user_id) FROM orders WHERE store_id = 'demo' AND {cond}
            AND (paid_ts IS NOT NULL OR status IN ('paid', 'shipped', 'delivered'))
            AND {LOCAL.format(ts='coalesce(paid_ts, created_ts)')} BETWEEN ? AND ? GROUP BY d""",
                                  [start, end]).fetchall())
    return {d: buyers.get(d, 0) / v for d, v in visitors.items()}


@pytest.mark.parametrize("days", [3, 14])
def test_incident_effect_against_plain_sql(db: Path, days: int) -> None:
    with shoplens.connect(str(db), read_only=True) as wh:
        (action,) = shoplens.action_list(wh).to_dict()["actions"]
        e = shoplens.action_effect(wh, action["id"], days=days).to_dict()
    eff = e["effect"]
    lo, hi = DAY - timedelta(days=days), DAY + timedelta(days=days)
    treated, control = _sql_daily(db, True, lo, hi), _sql_daily(db, False, lo, hi)
    diffs = {"before": [], "after": []}
    for d in e["daily"]:
        day = date.fromisoformat(d["date"])
        assert d["treated"] == pytest.approx(treated[day], abs=1e-9)
        assert d["control"] == pytest.approx(control[day], abs=1e-9)
        diffs[d["window"]].append(treated[day] - control[day])
    assert len(diffs["before"]) == len(diffs["after"]) == days
    assert DAY.isoformat() not in {d["date"] for d in e["daily"]}  # the action day is left out
    expected = sum(diffs["after"]) / days - sum(diffs["before"]) / days
    assert eff["estimate"] == pytest.approx(expected, abs=1e-9)
    assert eff["estimate"] < 0 and eff["low"] < eff["estimate"] < eff["high"]  # fell relative to the others
    assert "fell" in e["sentence"]["en"] and "下降" in e["sentence"]["zh"]
    if days == 3:  # all three after-days are incident days (-95 % purchases): clearly not noise
        assert eff["high"] < 0 and eff["significant"] and eff["relative"] < -0.8


def test_incident_days_are_the_known_ones(db: Path) -> None:
    """The test's premise: the incident (DemoSummary.incident, channel from the generator) starts the day after the
    action and its three days are the three after-days, each far below every before-day."""
    from shoplens.demo.config import INCIDENT_CHANNEL

    assert INCIDENT_CHANNEL == "paid_search" and INCIDENT[0] == DAY + timedelta(days=1)
    with shoplens.connect(str(db), read_only=True) as wh:
        e = shoplens.action_effect(wh, 1, days=3).to_dict()
    after = {d["date"]: d["treated"] for d in e["daily"] if d["window"] == "after"}
    before = [d["treated"] for d in e["daily"] if d["window"] == "before"]
    assert sorted(after) == [(INCIDENT[0] + timedelta(days=k)).isoformat() for k in range(3)]
    assert max(after.values()) < 0.2 * min(before)  # purchases -95 %
