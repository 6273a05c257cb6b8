"""The effect on a generated store with a KNOWN injected lift (tests/actions_store.py): +10 pp payment conversion
on paid_search from the action's day, none on the other channels. The effect recovers it within its interval and
tells it from noise; a store without a lift gets an interval holding 0. The daily values and the estimate are
checked against plain SQL over the events table; the store-wide comparison (same weekdays of earlier weeks) too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

import shoplens
from actions_store import LIFT_DAY, build
from shoplens.errors import NotFoundError, ShoplensError


@pytest.fixture(scope="module")
def lifted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("lift") / "lift.duckdb", lift=0.10)


@pytest.fixture(scope="module")
def flat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("flat") / "flat.duckdb", lift=0.0)


def _effect(db: Path, scope: str | None, days: int = 14) -> dict:
    with shoplens.connect(str(db)) as wh:
        a = shoplens.action_add(wh, title="new landing page", metric="conversion_rate", scope=scope, day=LIFT_DAY)
        return shoplens.action_effect(wh, a["id"], days=days).to_dict()


def _sql_rates(db: Path, channels: list[str] | None, start: date, end: date) -> dict[date, float]:
    """Buyers / visitors per UTC day, plain SQL, the channels pooled (None: the whole store)."""
    cond = "" if channels is None else "AND list_contains(?, channel)"
    params: list = [start, end] + ([channels] if channels is not None else [])
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(f"""SELECT CAST(ts AS DATE) d, count(DISTINCT user_id) FILTER (WHERE event = 'purchase')
                               / count(DISTINCT user_id) FROM events WHERE CAST(ts AS DATE) BETWEEN ? AND ? {cond}
                               GROUP BY d""", params).fetchall()
    return dict(rows)


def _did(t: dict[date, float], c: dict[date, float], a: date, days: int, shift: int = 0) -> float:
    before = [t[a - timedelta(days=k)] - c[a - timedelta(days=k + shift)] for k in range(1, days + 1)]
    after = [t[a + timedelta(days=k)] - c[a + timedelta(days=k - shift)] for k in range(1, days + 1)]
    return sum(after) / days - sum(before) / days


def test_known_lift_is_recovered(lifted: Path) -> None:
    e = _effect(lifted, "channel=paid_search")
    eff = e["effect"]
    assert e["comparison"]["kind"] == "other_values" and e["comparison"]["values"] == ["direct", "email"]
    assert eff["low"] <= 0.10 <= eff["high"] and eff["low"] > 0 and eff["significant"]
    assert e["windows"] == {"before": {"from": "2026-02-11", "to": "2026-02-24"},
                            "after": {"from": "2026-02-26", "to": "2026-03-11"}, "action_day": "excluded"}
    # every daily value equals plain SQL; the estimate equals the hand DiD of those values
    lo, hi = LIFT_DAY - timedelta(days=14), LIFT_DAY + timedelta(days=14)
    t = _sql_rates(lifted, ["paid_search"], lo, hi)
    c = _sql_rates(lifted, ["direct", "email"], lo, hi)
    for d in e["daily"]:
        day = date.fromisoformat(d["date"])
        assert d["treated"] == pytest.approx(t[day], abs=1e-9) and d["control"] == pytest.approx(c[day], abs=1e-9)
    assert eff["estimate"] == pytest.approx(_did(t, c, LIFT_DAY, 14), abs=1e-9)
    assert "rose" in e["sentence"]["en"] and "distinguishable from noise" in e["sentence"]["en"]
    assert "not distinguishable" not in e["sentence"]["en"] and "上升" in e["sentence"]["zh"]


def test_no_lift_interval_holds_zero(flat: Path) -> None:
    eff = _effect(flat, "channel=paid_search")["effect"]
    assert eff["low"] < 0 < eff["high"] and not eff["significant"]
    assert abs(eff["estimate"]) < 0.05


def test_other_channels_show_no_lift(lifted: Path) -> None:
    """Logged on email, the lift sits in its comparison group: email moves down relative to the others."""
    eff = _effect(lifted, "channel=email")["effect"]
    assert eff["estimate"] < 0  # paid_search (half of the comparison) rose by 10 pp: -5 pp expected
    assert eff["low"] <= -0.05 <= eff["high"]


def test_store_wide_uses_earlier_weeks(lifted: Path) -> None:
    e = _effect(lifted, None)
    assert e["comparison"]["kind"] == "earlier_weeks" and e["comparison"]["shift_days"] == 35  # 7 * ceil(29 / 7)
    lo, hi = LIFT_DAY - timedelta(days=14 + 35), LIFT_DAY + timedelta(days=14)
    store = _sql_rates(lifted, None, lo, hi)
    assert e["effect"]["estimate"] == pytest.approx(_did(store, store, LIFT_DAY, 14, shift=35), abs=1e-9)
    # a third of the visitors got +10 pp: the store rose about 3.3 pp
    assert e["effect"]["low"] <= 0.1 / 3 <= e["effect"]["high"] and e["effect"]["low"] > 0
    assert "weeks earlier" in e["sentence"]["en"]


def test_clear_errors(lifted: Path) -> None:
    with shoplens.connect(str(lifted)) as wh:
        with pytest.raises(ShoplensError, match=r"unknown channel 'paidsearch'.*paid_search"):
            shoplens.action_add(wh, title="x", metric="conversion_rate", scope="channel=paidsearch")
        with pytest.raises(ShoplensError, match="unknown metric"):
            shoplens.action_add(wh, title="x", metric="conversion", scope="channel=email")
        with pytest.raises(ShoplensError, match="unknown dimension"):
            shoplens.action_add(wh, title="x", metric="conversion_rate", scope="colour=red")
        with pytest.raises(ShoplensError, match="dimension=value"):
            shoplens.action_add(wh, title="x", metric="conversion_rate", scope="channel")
        with pytest.raises(ShoplensError, match="not a scope: an action belongs to one store"):
            shoplens.action_add(wh, title="x", metric="conversion_rate", scope="store=gen")
        with pytest.raises(ShoplensError, match="NUL"):
            shoplens.action_add(wh, title="a\x00b", metric="conversion_rate")
        assert shoplens.action_add(wh, title="x", metric="gmv", scope={})["scope"] == {}
        assert shoplens.action_add(wh, title="x", metric="gmv", scope={"channel": "email"})["scope_text"] == \
            "channel=email"
        with pytest.raises(ShoplensError, match="--title is empty"):
            shoplens.action_add(wh, title=" ", metric="conversion_rate")
        late = shoplens.action_add(wh, title="late", metric="conversion_rate", scope="channel=email",
                                   day=date(2026, 3, 5))
        with pytest.raises(ShoplensError, match=r"only 6 of the 14 days after it have data \(the data ends 2026-03-11"):
            shoplens.action_effect(wh, late["id"])
        assert shoplens.action_effect(wh, late["id"], days=6).to_dict()["effect"]["days_after"] == 6
        # while 2026-03-11 is still running (the store's today), it is not an after-day yet: 5 complete days
        running = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
        with pytest.raises(ShoplensError, match=r"only 5 of the 6 days after it have data \(the data ends 2026-03-10"):
            shoplens.action_effect(wh, late["id"], days=6, now=running)
        early = shoplens.action_add(wh, title="early", metric="conversion_rate", day=date(2026, 1, 20))
        with pytest.raises(ShoplensError, match="needs data from"):
            shoplens.action_effect(wh, early["id"], days=10)
        with pytest.raises(NotFoundError, match="no action 999"):
            shoplens.action_effect(wh, 999)
        with pytest.raises(ShoplensError, match="--days 1 "):
            shoplens.action_effect(wh, late["id"], days=1)
