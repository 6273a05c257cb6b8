"""The engine reads only some days of a range (``query(..., days=)``) and computes a query once for every thread
that asks for it at the same time: what root cause and the alert check use to read a day and its reference in
one query, and to share the queries of alerts that ask the same question."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest

from shoplens.analyses.alerts.evaluate import Bundle
from shoplens.analyses.alerts.rules import load_rules
from shoplens.demo import build_demo
from shoplens.metrics.engine import MetricsEngine

END = date(2026, 11, 15)
KPIS = ["gmv", "orders", "uv", "conversion_rate", "aov", "pv", "bounce_rate", "refund_rate", "roi"]


@pytest.fixture
def demo_wh(wh: Any) -> Any:
    build_demo(wh, events=20_000, days=60, seed=3, end_date=END)
    return wh


def _by_day(rows: list[dict[str, Any]], dim: str | None) -> dict[tuple[str, Any], dict[str, Any]]:
    return {(str(r["period"])[:10], r.get(dim) if dim else None): r for r in rows}


@pytest.mark.parametrize("dim", [None, "channel", "category", "new_vs_returning"])
def test_chosen_days_equal_their_own_queries(demo_wh: Any, dim: str | None) -> None:
    """Each chosen day's rows are those of a query of that day alone (sessions cross midnight: bounce rate)."""
    engine = MetricsEngine(demo_wh)
    days = (END - timedelta(days=14), END - timedelta(days=7), END)
    by = [dim] if dim else []
    kpis = [m for m in KPIS if not dim or dim in engine.catalog.metric_dims(m)]
    got = _by_day(engine.query(kpis, by=by, start=days[0], end=END, grain="day", targets=False, days=days).rows,
                  dim)
    for d in days:
        alone = _by_day(engine.query(kpis, by=by, start=d, end=d, grain="day", targets=False).rows, dim)
        assert alone and {k: v for k, v in got.items() if k[0] == d.isoformat()} == alone
    other = [r for k, r in got.items() if k[0] == (END - timedelta(days=1)).isoformat()]
    assert all(not r.get("orders") and not r.get("uv") for r in other)  # a day not chosen is not read


def test_days_need_a_daily_grain_within_the_range(demo_wh: Any) -> None:
    engine = MetricsEngine(demo_wh)
    with pytest.raises(ValueError):
        engine.query(["gmv"], start=END - timedelta(days=3), end=END, days=(END,))  # no grain
    with pytest.raises(ValueError):
        engine.query(["gmv"], start=END - timedelta(days=3), end=END, grain="day", days=(END + timedelta(days=1),))


def _ask(wh: Any, results: list[Any], metrics: list[str], **query: Any) -> None:
    """One query on a cursor of its own (as a server thread asks), its rows or its error appended to ``results``."""
    view = wh.cursor()
    try:
        results.append(MetricsEngine(view).query(metrics, start=END, end=END, **query).rows)
    except RuntimeError as exc:
        results.append(exc)
    finally:
        view.close()


def test_one_query_asked_by_two_threads_is_computed_once(demo_wh: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[int] = []
    original = MetricsEngine._query

    def slow(self: MetricsEngine, *args: Any, **kwargs: Any) -> Any:
        computed.append(1)
        time.sleep(0.3)  # the second thread asks while the first computes
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MetricsEngine, "_query", slow)
    answers: list[Any] = []
    threads = [threading.Thread(target=_ask, args=(demo_wh, answers, ["gmv", "uv"]), kwargs={"by": ["channel"]})
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(computed) == 1 and len(answers) == 2 and answers[0] == answers[1] and answers[0]


def test_a_failed_query_is_tried_again_by_the_thread_that_waited(demo_wh: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    original = MetricsEngine._query
    calls: list[int] = []

    def first_fails(self: MetricsEngine, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.3)
            raise RuntimeError("disk hiccup")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MetricsEngine, "_query", first_fails)
    results: list[Any] = []
    threads = [threading.Thread(target=_ask, args=(demo_wh, results, ["orders"])) for _ in range(2)]
    threads[0].start()
    time.sleep(0.1)
    threads[1].start()
    for t in threads:
        t.join()
    assert len(calls) == 2 and isinstance(results[0], RuntimeError) and results[1][0]["orders"] > 0


def test_alert_bundle_reads_only_the_days_its_rules_look_at() -> None:
    """The shipped rules look at the day, the same weekday of the 4 weeks before (UV value) and a threshold's
    days; a 3-day threshold adds its 3 days."""
    day = date(2026, 10, 26)
    rules = [r for r in load_rules(None) if r.enabled]
    bundle = Bundle.of(rules, day)
    weekdays = {day - timedelta(days=7 * k) for k in range(5)}
    assert weekdays <= bundle.days and bundle.first == day - timedelta(days=28)
    three = next(r for r in rules if r.kind == "threshold")
    three.params["days"] = 3
    assert Bundle.of([three], day).days == {day, day - timedelta(days=1), day - timedelta(days=2)}


def test_server_limits_count_the_chosen_days_only(demo_wh: Any) -> None:
    """A root cause against the 4-week baseline reads 5 days of a 29-day span: the API's limits count the 5 (the
    two-query way counted one day per query), so a cap of 14 days per daily query or 60 cells by category holds."""
    from shoplens.analyses.why import why
    from shoplens.metrics.limits import MAX_DAYS, QueryLimits, applied

    day = END - timedelta(days=2)
    limits = QueryLimits(max_days={**MAX_DAYS, "day": 14}, max_cells=60)  # the demo has 9 categories: 5 x 9 = 45
    with applied(limits):
        answer = why(demo_wh, "gmv", day=day, compare="baseline", by=["category"]).to_dict()
        assert answer["dimensions"][0]["dimension"] == "category"
        span = (day - timedelta(days=28), day)
        with pytest.raises(Exception, match="29 days"):  # the whole span, daily, is still refused
            MetricsEngine(demo_wh).query(["gmv"], start=span[0], end=span[1], grain="day")


def test_one_at_a_time_releases_the_waiting_thread_when_the_first_fails() -> None:
    from shoplens.metrics import single_flight

    entered = threading.Event()
    order: list[str] = []

    def first() -> None:
        try:
            with single_flight.one_at_a_time("k"):
                entered.set()
                time.sleep(0.2)
                raise RuntimeError("first fails")
        except RuntimeError:
            order.append("first failed")

    def second() -> None:
        entered.wait()
        with single_flight.one_at_a_time("k"):
            order.append("second ran")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=5)
    assert order == ["first failed", "second ran"] and single_flight._RUNNING == {}


def test_currency_needs_rates_on_the_chosen_days_only(tmp_path: Any) -> None:
    """Store x (CNY) has orders on 1-3 March and a USD rate for the 1st and 3rd only: converting the three days is
    refused (the 2nd has no rate), the 1st and 3rd alone convert (700 / 7 and 2100 / 7)."""
    import shoplens
    from csv_files import write_csv
    from shoplens.errors import ShoplensError
    from shoplens.ingest.pipeline import import_files

    orders = "order_id,user_id,created_ts,paid_ts,status,gross_amount"
    rows = [(f"o{d}", f"u{d}", f"2026-03-0{d}T02:00:00Z", f"2026-03-0{d}T02:00:00Z", "paid", str(700 * d))
            for d in (1, 2, 3)]
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        import_files(wh, [write_csv(tmp_path / "x.csv", orders, rows)], table="orders", store="x", currency="CNY",
                     timezone="Asia/Shanghai")
        import_files(wh, [write_csv(tmp_path / "fx.csv", "date,currency,rate_to", [
            ("2026-03-01", "USD", "7.0"), ("2026-03-03", "USD", "7.0")])], table="fx_rates", store="x")
        import_files(wh, [write_csv(tmp_path / "y.csv", orders, [("p1", "v1", "2026-03-01T02:00:00Z",
                                                                  "2026-03-01T02:00:00Z", "paid", "5")])],
                     table="orders", store="y", currency="USD", timezone="UTC")
        engine = MetricsEngine(wh)
        ask = {"start": date(2026, 3, 1), "end": date(2026, 3, 3), "grain": "day", "currency": "USD",
               "by": ["store"], "targets": False}
        with pytest.raises(ShoplensError, match="no USD rate for 1 of 3 days"):
            engine.query(["gmv"], **ask)
        got = engine.query(["gmv"], **ask, days=(date(2026, 3, 1), date(2026, 3, 3))).rows
        x = {r["period"][:10]: r["gmv"] for r in got if r["store"] == "x"}
        assert x["2026-03-01"] == pytest.approx(100.0) and x["2026-03-03"] == pytest.approx(300.0)
