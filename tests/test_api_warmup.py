"""The answer cache and its warm-up: keys by meaning, admission of computations, per-write facts, and a real
server that computes the dashboard's landing pages at start and again after an import.

The landing range is worked out here independently of :mod:`shoplens.server.warmup`: plain SQL for the
store's last local day with events or orders, then the dashboard's rule (that day and the 29 before).
The expected answers come from the Python API on the file before the server starts (the server then
holds the file's lock).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import shoplens
from api_server import ApiServer, two_store_db
from shoplens.server.cache import ResultCache, answer_key
from shoplens.server.deps import ServerState
from shoplens.server.warmup import DEFAULT_FUNNEL, OVERVIEW_KPIS, last_local_day

LAST_DAY_SQL = """
SELECT max(d) FROM (
  SELECT CAST(timezone(s.timezone, timezone('UTC', e.ts)) AS DATE) AS d FROM events e JOIN stores s USING (store_id)
  WHERE e.store_id = ?
  UNION ALL
  SELECT CAST(timezone(s.timezone, timezone('UTC', o.created_ts)) AS DATE) FROM orders o JOIN stores s USING (store_id)
  WHERE o.store_id = ?)
"""


def _plain(data: Any) -> Any:
    """What the API's JSON of ``data`` reads back as (dates and decimals as text)."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


# ---- units --------------------------------------------------------------------------------------------
def test_last_local_day_is_the_later_of_events_and_orders_in_the_store_time_zone() -> None:
    row = {"timezone": "Asia/Shanghai", "tables": {"events": {"max_ts": "2026-11-03T15:59:59+00:00"},
                                                   "orders": {"max_ts": "2026-11-03T16:00:00"}}}
    assert last_local_day(row) == date(2026, 11, 4)  # 16:00 UTC is midnight in Shanghai (UTC+8)
    row["tables"]["orders"] = {"max_ts": None}
    assert last_local_day(row) == date(2026, 11, 3)
    assert last_local_day({"timezone": "UTC", "tables": {}}) is None


def test_a_key_is_what_was_asked_not_how(tmp_path: Path) -> None:
    with shoplens.connect(str(tmp_path / "k.duckdb")) as wh:
        state = ServerState(wh, "s" * 40)

        def run(view: Any, **options: Any) -> None: ...

        def other(view: Any, **options: Any) -> None: ...

        key = answer_key(state, ["a"], run, {"metrics": "gmv", "by": [], "where": {}, "segment": None, "limit": 5})
        assert key == answer_key(state, ["a"], run, {"limit": 5, "metrics": "gmv"})  # empty = not given; any order
        assert key != answer_key(state, ["b"], run, {"limit": 5, "metrics": "gmv"})  # other stores
        assert key != answer_key(state, ["a"], other, {"limit": 5, "metrics": "gmv"})  # other function
        assert key != answer_key(state, ["a"], run, {"limit": 6, "metrics": "gmv"})
        listed = answer_key(state, ["a"], run, {"where": {"channel": ["x", "y"]}})
        assert listed == answer_key(state, ["a"], run, {"where": {"channel": ("x", "y")}})
        about = answer_key(state, ["a"], run, {"metrics": "gmv", "segment": "buyers"})
        with state.writing():
            shoplens.save_segment(wh, "buyers", "did(purchase)")  # changes the answers about segments only
        assert key == answer_key(state, ["a"], run, {"metrics": "gmv", "limit": 5})
        assert about != answer_key(state, ["a"], run, {"metrics": "gmv", "segment": "buyers"})
        events = tmp_path / "e.csv"
        events.write_text("event_id,ts,user_id,event\ne1,2026-01-01T00:00:00Z,u1,purchase\n", encoding="utf-8")
        with state.writing():
            shoplens.import_files(wh, [events], table="events", store="s", currency="USD", timezone="UTC")
        assert key != answer_key(state, ["a"], run, {"metrics": "gmv", "limit": 5})  # an import changes every key


def test_computations_are_admitted_a_few_at_a_time() -> None:
    cache = ResultCache(slots=2)
    running, most, lock = [0], [0], threading.Lock()

    def slow() -> str:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return "done"

    threads = [threading.Thread(target=cache.get, args=(f"k{i}", slow, "slow")) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert most[0] == 2 and cache.stats()["misses"] == {"slow": 8}
    assert cache.get("k3", slow, "slow") == "done" and cache.stats()["hits"] == {"slow": 1}


def test_facts_are_read_once_per_write(tmp_path: Path) -> None:
    with shoplens.connect(str(tmp_path / "m.duckdb")) as wh:
        state = ServerState(wh, "s" * 40)
        reads, pokes = [], []
        state.after_write.append(lambda: pokes.append(1))

        def stores(view: Any) -> list[str]:
            reads.append(1)
            return [r[0] for r in view.con.execute("SELECT store_id FROM stores").fetchall()]

        assert state.memo("stores", stores) == [] and state.memo("stores", stores) == [] and len(reads) == 1
        with state.writing() as locked:
            locked.con.execute("INSERT INTO stores (store_id) VALUES ('s1')")
        assert pokes == [1]
        assert state.memo("stores", stores) == ["s1"] and len(reads) == 2


# ---- a real server ------------------------------------------------------------------------------------
def _landing(wh: Any, store: str) -> tuple[date, date]:
    last = wh.con.execute(LAST_DAY_SQL, [store, store]).fetchone()[0]
    return last - timedelta(days=29), last


def _expected(wh: Any, store: str) -> dict[str, Any]:
    start, end = _landing(wh, store)
    engine = shoplens.MetricsEngine(wh)
    common = {"start": start, "end": end, "compare": "previous", "store": [store]}
    return {"range": (start, end),
            "totals": _plain(engine.query(OVERVIEW_KPIS, **common).to_dict()),
            "daily": _plain(engine.query(OVERVIEW_KPIS, grain="day", **common).to_dict()),
            "funnel": _plain(shoplens.funnel(wh, store=[store], start=start, end=end, **DEFAULT_FUNNEL).to_dict())}


def _dashboard_requests(client: httpx.Client, store: str, start: date, end: date) -> dict[str, Any]:
    """The overview's and the conversion page's first requests, spelt the way the dashboard spells them."""
    span = {"store": store, "from": start.isoformat(), "to": end.isoformat()}
    got = {"totals": client.get("/api/v1/metrics", params={"metrics": OVERVIEW_KPIS, **span, "compare": "previous"}),
           "daily": client.get("/api/v1/metrics", params={"compare": "previous", "grain": "day", **span,
                                                          "metrics": OVERVIEW_KPIS}),
           "funnel": client.get("/api/v1/funnel", params={**DEFAULT_FUNNEL, **span})}
    for name, r in got.items():
        assert r.status_code == 200, (name, r.text)
    return {name: r.json() for name, r in got.items()}


def _misses(root: httpx.Client) -> dict[str, int]:
    return root.get("/api/v1/server").json()["cache"]["misses"]


def _landing_misses(root: httpx.Client) -> dict[str, int]:
    """Computations of the landing kinds so far (store info is computed too, and counted apart)."""
    misses = _misses(root)
    return {kind: misses.get(kind, 0) for kind in ("metric_query", "funnel")}


@pytest.fixture(scope="module")
def admin_of_other(env: dict[str, Any]) -> Iterator[httpx.Client]:
    root = env["root"]
    made = root.post("/api/v1/accounts", json={"username": "oadmin", "password": "correct-horse-7", "role": "admin",
                                                "stores": ["other"]})
    assert made.status_code == 201, made.text
    with env["server"].client("oadmin") as client:
        yield client


@pytest.fixture(scope="module")
def env(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = two_store_db(demo_db, tmp_path_factory.mktemp("warmup"))
    with shoplens.connect(str(db), read_only=True) as wh:
        expected = {store: _expected(wh, store) for store in ("demo", "other")}
    server = ApiServer(db)
    clients = {user: server.client(user) for user in ("root", "vic", "olga")}
    server.wait_warm(clients["root"])
    try:
        yield {"server": server, "expected": expected, **clients}
    finally:
        for client in clients.values():
            client.close()
        server.stop()


def test_the_landing_pages_are_computed_before_anyone_asks(env: dict[str, Any]) -> None:
    assert _landing_misses(env["root"]) == {"metric_query": 4, "funnel": 2}  # 2 stores x (totals, daily, funnel)
    want = env["expected"]["demo"]
    got = _dashboard_requests(env["vic"], "demo", *want["range"])
    assert _landing_misses(env["root"]) == {"metric_query": 4, "funnel": 2}  # nothing new was computed for vic
    for name in ("totals", "daily", "funnel"):
        assert got[name] == want[name], name
    hits = env["root"].get("/api/v1/server").json()["cache"]["hits"]
    assert hits["metric_query"] >= 2 and hits["funnel"] >= 1


def test_only_an_admin_of_every_store_sees_the_cache(env: dict[str, Any], admin_of_other: httpx.Client) -> None:
    assert env["vic"].get("/api/v1/server").status_code == 403
    assert admin_of_other.get("/api/v1/server").status_code == 403  # it would tell of store demo's activity
    assert httpx.get(env["server"].url + "/api/v1/server").status_code == 401
    assert set(httpx.get(env["server"].url + "/health").json()) == {"status", "version", "schema"}
    body = env["root"].get("/api/v1/server").json()
    assert body["warm"] is True and body["computing_slots"] >= 2


def test_an_empty_option_is_not_given_whether_cached_or_not(env: dict[str, Any]) -> None:
    vic = env["vic"]
    first = vic.get("/api/v1/metrics", params={"metrics": "uv", "store": "demo", "grain": "", "by": ""})
    second = vic.get("/api/v1/metrics", params={"metrics": "uv", "store": "demo"})
    third = vic.get("/api/v1/metrics", params={"metrics": "uv", "store": "demo", "grain": ""})
    assert first.status_code == second.status_code == third.status_code == 200
    assert first.json() == second.json() == third.json()


def test_member_lists_are_not_kept(env: dict[str, Any]) -> None:
    root, vic = env["root"], env["vic"]
    params = {"steps": "product_view,purchase", "step": 2, "store": "demo", "limit": 5}
    before = _misses(root).get("funnel_dropped", 0)
    answers = [vic.get("/api/v1/funnel/dropped", params=params) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200] and answers[0].json() == answers[1].json()
    assert _misses(root)["funnel_dropped"] == before + 2  # computed each time, never kept


def test_a_segment_save_keeps_the_landing_answers(env: dict[str, Any]) -> None:
    root = env["root"]
    before = _landing_misses(root)
    assert root.post("/api/v1/segments", json={"name": "warm_check", "rule": "orders>=1"}).status_code == 200
    _dashboard_requests(env["vic"], "demo", *env["expected"]["demo"]["range"])
    assert _landing_misses(root) == before
    assert root.delete("/api/v1/segments/warm_check").status_code == 200


def test_the_dashboard_asks_what_the_warm_up_computes() -> None:
    """The landing requests are written twice, in JavaScript and in Python: they must say the same."""
    import re

    static = Path(shoplens.__file__).parent / "server" / "dashboard" / "static" / "pages"
    kpis = re.search(r"export const KPIS = \[([^\]]*)\]", (static / "overview.js").read_text(encoding="utf-8"))
    assert kpis and ",".join(re.findall(r'"(\w+)"', kpis.group(1))) == OVERVIEW_KPIS
    form = re.search(r"const form = \{([^}]*)\}", (static / "conversion.js").read_text(encoding="utf-8"))
    assert form
    fields = dict(re.findall(r'(\w+): "([^"]*)"', form.group(1)))
    assert {k: fields[k] for k in DEFAULT_FUNNEL} == DEFAULT_FUNNEL and fields.get("by", "") == ""


def test_an_import_warms_the_new_landing_range(env: dict[str, Any]) -> None:
    root, olga = env["root"], env["olga"]
    before = _landing_misses(root)
    # the last event of store other (tests/api_server.py) is on 2026-11-03 UTC
    assert env["expected"]["other"]["range"] == (date(2026, 10, 5), date(2026, 11, 3))
    new = "event_id,ts,user_id,event,channel\noe7,2026-11-10T08:00:00Z,ox4,product_view,email\n"
    r = root.post("/api/v1/imports", files={"file": ("late.csv", new.encode(), "text/csv")},
                  data={"table": "events", "store": "other", "timezone": "UTC", "currency": "USD"})
    assert r.status_code == 200, r.text
    env["server"].wait_warm(root)
    after = _landing_misses(root)
    assert after == {"metric_query": before["metric_query"] + 4, "funnel": before["funnel"] + 2}
    got = _dashboard_requests(olga, "other", date(2026, 10, 12), date(2026, 11, 10))
    assert _landing_misses(root) == after  # olga's landing page after the import was ready for her
    assert got["totals"]["rows"][0]["uv"] == 4  # ox1..ox3 and the new visitor ox4


def test_one_login_may_have_a_few_answers_computing(tmp_path: Path) -> None:
    """Beyond PER_LOGIN answers computing or queued, a login gets 429 (others and answers from memory do not)."""
    from fastapi import HTTPException

    from shoplens.server.accounts import Account
    from shoplens.server.cache import PER_LOGIN, RUNNING
    from shoplens.server.deps import Session

    gate, started = threading.Event(), threading.Semaphore(0)

    def slow(view: Any, store: list[str], n: int) -> int:
        started.release()
        gate.wait(30)
        return n

    with shoplens.connect(str(tmp_path / "q.duckdb")) as wh:
        state = ServerState(wh, "s" * 40)
        ana = Session(state, Account("ana", "viewer", ("*",)), "t", False)
        bob = Session(state, Account("bob", "viewer", ("*",)), "t", False)
        gate.set()
        assert ana.answer(["a"], slow, n=0) == 0  # one answer kept in memory
        assert started.acquire(timeout=1)
        gate.clear()
        threads = [threading.Thread(target=ana.answer, args=(["a"], slow), kwargs={"n": i}) for i in range(1, 9)]
        for th in threads[:PER_LOGIN]:
            th.start()
        deadline = time.monotonic() + 10
        while RUNNING.count("ana") < PER_LOGIN:  # computing (2 slots) or waiting their turn: all counted
            assert time.monotonic() < deadline
            time.sleep(0.01)
        with pytest.raises(HTTPException) as refused:
            ana.answer(["a"], slow, n=99)
        assert refused.value.status_code == 429 and refused.value.headers == {"Retry-After": "2"}
        assert refused.value.detail["zh"] and refused.value.detail["zh_hint"]
        assert ana.answer(["a"], slow, n=0) == 0  # from memory: never refused
        bob_thread = threading.Thread(target=bob.answer, args=(["a"], slow), kwargs={"n": 50})
        bob_thread.start()  # another login is not refused
        gate.set()
        for th in [*threads[:PER_LOGIN], bob_thread]:
            th.join(timeout=30)
        assert ana.answer(["a"], slow, n=PER_LOGIN) == PER_LOGIN  # done and kept
