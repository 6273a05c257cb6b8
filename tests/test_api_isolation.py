"""Store isolation over the REST API (one real `shoplens serve` for the module, two stores):

- olga (analyst of store ``other``: ox1..ox3, GMV 250 + 350 = 600 USD on 2026-11-01..03) sees only
  ``other`` in every query, list and CSV export; asking for ``demo`` is answered exactly like a store
  that does not exist; ana (store ``demo``) never sees ``other``.
- Injection attempts in values, dimension names, metric ids, steps and store ids get a 4xx with a
  message (or, for filter values, are bound as literals that match nothing), never another store's
  data, and the warehouse answers normally afterwards.
- The API's JSON is the CLI's ``--format json`` for the same request.

Expected values are worked by hand from tests/api_server.py, or computed before the server starts
(Python API on the same file, the CLI on copies of the demo store) since the server holds the
warehouse's write lock while it runs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

import shoplens
from api_server import OTHER_GMV, OTHER_USERS, ApiServer, two_store_db

D1, D3 = date(2026, 11, 1), date(2026, 11, 3)  # the other store's days
NOV = {"from": "2026-11-01", "to": "2026-11-03"}
STEPS = "product_view,add_to_cart,purchase"
CLI_METRICS = ["metrics", "gmv,uv", "--from", "2026-10-25", "--to", "2026-10-27", "--by", "channel", "--format", "json"]
CLI_FUNNEL = ["funnel", "--steps", STEPS, "--window", "1d", "--from", "2026-10-25", "--to", "2026-10-27",
              "--format", "json"]


@dataclass
class Expected:
    """Facts of the warehouse file, read before the server opened it."""

    demo_users: set[str]
    other_users: set[str]
    rows: dict[tuple[str, str], int]  # (table, store) -> rows
    demo_gmv_nov: float  # demo's GMV 2026-11-01..03 (CNY), Python API
    demo_buyer: str  # a demo user with orders
    demo_funnel_nov: list[int]  # demo's step counts 2026-11-01..03, Python API
    demo_dropped_nov: set[str]  # demo users dropped at step 2, 2026-11-01..03
    demo_customers: int  # RFM customers of demo
    cli_metrics: dict[str, Any]  # CLI JSON on a copy of the demo store
    cli_funnel: dict[str, Any]


@dataclass
class Env:
    server: ApiServer
    expected: Expected
    olga: httpx.Client
    ana: httpx.Client
    root: httpx.Client


def _cli(db: Path, args: list[str]) -> subprocess.Popen[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SHOPLENS_LANG": "en", "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-m", "shoplens", "--db", str(db), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _cli_json(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out)


def _facts(db: Path, cli_metrics: dict[str, Any], cli_funnel: dict[str, Any]) -> Expected:
    users = "SELECT user_id FROM {t} WHERE store_id = ? AND user_id IS NOT NULL"
    union = " UNION ".join(users.format(t=t) for t in ("events", "orders", "customers"))
    with shoplens.connect(str(db), read_only=True) as wh:
        con = wh.con
        by_store = {s: {r[0] for r in con.execute(union, [s, s, s]).fetchall()} for s in ("demo", "other")}
        rows = {(t, s): con.execute(f"SELECT count(*) FROM {t} WHERE store_id = ?", [s]).fetchone()[0]
                for t in ("events", "orders") for s in ("demo", "other")}
        demo_gmv = float(shoplens.metrics(wh, "gmv", start=D1, end=D3, store="demo")["gmv"].iloc[0])
        buyer = con.execute("SELECT min(user_id) FROM orders WHERE store_id = 'demo'").fetchone()[0]
        funnel = shoplens.funnel(wh, STEPS, store="demo", start=D1, end=D3).to_dict()
        dropped = shoplens.funnel_dropped(wh, STEPS, 2, store="demo", start=D1, end=D3)
        customers = shoplens.rfm_customers(wh, store="demo").to_dict()
    return Expected(by_store["demo"], by_store["other"], rows, demo_gmv, buyer,
                    [s["count"] for s in funnel["steps"]], {u["user_id"] for u in dropped.users},
                    customers["total"], cli_metrics, cli_funnel)


@pytest.fixture(scope="module")
def env(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("api_isolation")
    db = two_store_db(demo_db, tmp)
    # the CLI on copies of the demo store (the two stores report in different currencies, so a CLI
    # query of "every store" would need --store; ana's API queries default to her one store)
    copies = [tmp / "cli_metrics.duckdb", tmp / "cli_funnel.duckdb"]
    for copy in copies:
        shutil.copy(demo_db, copy)
    procs = [_cli(copies[0], CLI_METRICS), _cli(copies[1], CLI_FUNNEL)]
    cli = [_cli_json(p) for p in procs]
    expected = _facts(db, *cli)
    server = ApiServer(db)
    clients: list[httpx.Client] = []
    try:
        clients = [server.client(u) for u in ("olga", "ana", "root")]
        yield Env(server, expected, *clients)
    finally:
        for c in clients:
            c.close()
        server.stop()


def _strings(data: Any) -> set[str]:
    """Every string (keys and values) in a JSON document."""
    if isinstance(data, dict):
        return set(data) | {s for v in data.values() for s in _strings(v)}
    if isinstance(data, list):
        return {s for v in data for s in _strings(v)}
    return {data} if isinstance(data, str) else set()


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9_-]+", text))


def _ok(r: httpx.Response) -> Any:
    assert r.status_code == 200, (r.url, r.status_code, r.text[:500])
    return r.json()


def _csv(r: httpx.Response) -> list[dict[str, str]]:
    assert r.status_code == 200, (r.url, r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(r.text)))


def _error(r: httpx.Response, status: int | None = None) -> dict[str, Any]:
    assert 400 <= r.status_code < 500, (r.url, r.status_code, r.text[:500])
    if status is not None:
        assert r.status_code == status, (r.url, r.status_code, r.text[:500])
    body = r.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"] and body["error"]["zh"], body
    return body["error"]


def test_fixture_stores_are_disjoint(env: Env) -> None:
    e = env.expected
    assert e.other_users == set(OTHER_USERS) == {"ox1", "ox2", "ox3"}
    assert len(e.demo_users) > 1000 and not e.demo_users & e.other_users
    assert e.rows[("events", "other")] == 6 and e.rows[("orders", "other")] == 2
    assert e.demo_gmv_nov > 0  # demo has sales on the other store's days, so a leak would show


# ---- metrics ---------------------------------------------------------------------------------------
def test_olga_gets_only_her_stores_gmv(env: Env) -> None:
    params = {"metrics": "gmv", **NOV}
    # ana asks the same question first: the engine's caches must not hand her answer to olga
    ana = _ok(env.ana.get("/api/v1/metrics", params=params))
    assert ana["currency"] == "CNY" and ana["rows"] == [{"gmv": pytest.approx(env.expected.demo_gmv_nov)}]
    olga = _ok(env.olga.get("/api/v1/metrics", params=params))
    assert olga["currency"] == "USD"
    assert olga["rows"] == [{"gmv": 600.0}] and OTHER_GMV == 250 + 350 == 600
    # by=store: only her store, for her; both for the admin (the fixture really has both)
    by_store = _ok(env.olga.get("/api/v1/metrics", params={**params, "by": "store"}))
    assert by_store["rows"] == [{"store": "other", "gmv": 600.0}]
    root = _ok(env.root.get("/api/v1/metrics", params={**params, "by": "store", "currency": "USD"}))
    assert {r["store"] for r in root["rows"]} == {"demo", "other"}
    assert _ok(env.ana.get("/api/v1/metrics", params={**params, "by": "store"}))["rows"] == [
        {"store": "demo", "gmv": pytest.approx(env.expected.demo_gmv_nov)}]


ROUTES = [  # (path, params) of every read route that takes a store
    ("/api/v1/metrics", {"metrics": "gmv", **NOV}),
    ("/api/v1/funnel", {"steps": STEPS}),
    ("/api/v1/funnel/dropped", {"steps": STEPS, "step": "2"}),
    ("/api/v1/retention", {}),
    ("/api/v1/paths", {"start": "product_view"}),
    ("/api/v1/rfm", {}),
    ("/api/v1/rfm/customers", {}),
    ("/api/v1/users/ox1/timeline", {}),
]


@pytest.mark.parametrize(("path", "params"), ROUTES, ids=[p for p, _ in ROUTES])
def test_another_store_is_answered_like_a_missing_one(env: Env, path: str, params: dict[str, str]) -> None:
    missing = _error(env.olga.get(path, params={**params, "store": "no-such-store"}), 404)
    for asked in ("demo", "other,demo", "DEMO"):
        seen = _error(env.olga.get(path, params={**params, "store": asked}), 404)
        name = next(s.strip() for s in asked.split(",") if s.strip() != "other")
        assert seen == json.loads(json.dumps(missing).replace("no-such-store", name)), (asked, seen, missing)
    assert missing["message"] == "unknown store 'no-such-store'" and missing["hint"] == "stores: other"
    # and her own store answers
    assert env.olga.get(path, params={**params, "store": "other"}).status_code == 200


def test_where_store_cannot_reach_another_store(env: Env) -> None:
    for where in ("store=demo", "store=demo' OR '1'='1"):
        r = env.olga.get("/api/v1/metrics", params={"metrics": "gmv", **NOV, "where": where, "by": "store"})
        error = _error(r, 400)
        assert error["hint"] == "stores: other"


# ---- behaviour analyses ----------------------------------------------------------------------------
def test_behaviour_analyses_of_olga_show_only_other_users(env: Env) -> None:
    e = env.expected
    seen: set[str] = set()

    funnel = _ok(env.olga.get("/api/v1/funnel", params={"steps": STEPS}))
    # ox1 viewed, carted, bought; ox2 viewed; ox3 viewed and bought (no cart): 3, 1, 1
    assert [s["count"] for s in funnel["steps"]] == [3, 1, 1]
    dropped = _ok(env.olga.get("/api/v1/funnel/dropped", params={"steps": STEPS, "step": "2"}))
    assert {u["user_id"] for u in dropped["users"]} == {"ox2", "ox3"}
    retention = _ok(env.olga.get("/api/v1/retention"))
    assert retention["stores"] == ["other"]
    assert [(c["cohort"], c["size"]) for c in retention["cohorts"]] == [("2026-11", 2)]  # ox1 and ox3 bought
    paths = _ok(env.olga.get("/api/v1/paths", params={"start": "product_view"}))
    assert paths["users"] == 3
    rfm = _ok(env.olga.get("/api/v1/rfm"))
    assert rfm["customers"] == 2 and sum(t["gmv"] for t in rfm["tiers"]) == pytest.approx(600.0)
    customers = _ok(env.olga.get("/api/v1/rfm/customers"))
    assert {(c["store_id"], c["user_id"], c["monetary"]) for c in customers["rows"]} == {
        ("other", "ox1", 250.0), ("other", "ox3", 350.0)}
    timeline = _ok(env.olga.get("/api/v1/users/ox1/timeline"))
    assert timeline["store_id"] == "other" and timeline["user_id"] == "ox1" and timeline["profile"]["gmv"] == 250.0
    for doc in (funnel, dropped, retention, paths, rfm, customers, timeline):
        seen |= _strings(doc)
    assert not seen & e.demo_users
    assert "demo" not in seen and "CNY" not in seen


def test_timeline_of_another_stores_user_is_not_found(env: Env) -> None:
    e = env.expected
    for client, user, store in ((env.olga, e.demo_buyer, "other"), (env.ana, "ox1", "demo")):
        for params in ({}, {"as_of": "2026-11-03"}):
            r = client.get(f"/api/v1/users/{user}/timeline", params=params)
            error = _error(r, 404)
            assert error["message"] == f"unknown user {user!r} in store {store}"
            assert "profile" not in r.text and "items" not in r.json()
            assert not (_tokens(r.text) - {user}) & (e.demo_users | e.other_users)  # no similar ids of the other
    # a near miss only suggests ids of the login's own stores
    hint = _error(env.ana.get("/api/v1/users/ox/timeline"), 404)["hint"]
    assert "ox1" not in hint and "ox3" not in hint
    assert "ox1" in _error(env.olga.get("/api/v1/users/ox/timeline"), 404)["hint"]


def test_ana_never_sees_the_other_store(env: Env) -> None:
    e = env.expected
    customers = _ok(env.ana.get("/api/v1/rfm/customers"))
    assert customers["total"] == e.demo_customers
    assert {c["store_id"] for c in customers["rows"]} == {"demo"}
    assert not {c["user_id"] for c in customers["rows"]} & e.other_users
    funnel = _ok(env.ana.get("/api/v1/funnel", params={"steps": STEPS, **NOV}))
    assert [s["count"] for s in funnel["steps"]] == e.demo_funnel_nov  # other's 3, 1, 1 are not added
    dropped = _ok(env.ana.get("/api/v1/funnel/dropped", params={"steps": STEPS, "step": "2", **NOV}))
    assert {u["user_id"] for u in dropped["users"]} == e.demo_dropped_nov
    for doc in (customers, funnel, dropped, _ok(env.ana.get("/api/v1/retention", params={"by": "store"})),
                _ok(env.ana.get("/api/v1/paths", params={"start": "product_view", **NOV})),
                _ok(env.ana.get("/api/v1/stores")), _ok(env.ana.get("/api/v1/me"))):
        strings = _strings(doc)
        assert not strings & e.other_users and "other" not in strings
    stores = _ok(env.olga.get("/api/v1/stores"))["stores"]
    assert [s["store_id"] for s in stores] == ["other"]
    assert stores[0]["tables"]["events"]["rows"] == 6 and stores[0]["tables"]["orders"]["rows"] == 2


# ---- CSV exports -----------------------------------------------------------------------------------
def test_csv_exports_are_cut_to_the_login_stores(env: Env) -> None:
    e = env.expected
    rows = _csv(env.olga.get("/api/v1/metrics", params={"metrics": "gmv", **NOV, "by": "store", "format": "csv"}))
    assert rows == [{"store": "other", "gmv": "600.0"}]
    rows = _csv(env.olga.get("/api/v1/metrics", params={"metrics": "gmv,uv", **NOV, "by": "channel",
                                                         "format": "csv"}))
    assert sum(float(r["gmv"]) for r in rows) == 600.0 and sum(int(r["uv"]) for r in rows) == 3
    rows = _csv(env.olga.get("/api/v1/funnel/dropped", params={"steps": STEPS, "step": "2", "format": "csv"}))
    assert {r["user_id"] for r in rows} == {"ox2", "ox3"}
    rows = _csv(env.olga.get("/api/v1/rfm/customers", params={"format": "csv"}))
    assert {(r["store_id"], r["user_id"], r["currency"]) for r in rows} == {("other", "ox1", "USD"),
                                                                              ("other", "ox3", "USD")}
    for path, params in (("/api/v1/metrics", {"metrics": "gmv", **NOV, "store": "demo"}),
                         ("/api/v1/funnel/dropped", {"steps": STEPS, "step": "2", "store": "demo"}),
                         ("/api/v1/rfm/customers", {"store": "demo"})):
        r = env.olga.get(path, params={**params, "format": "csv"})
        _error(r, 404)
        assert not _tokens(r.text) & e.demo_users

    rows = _csv(env.ana.get("/api/v1/metrics", params={"metrics": "gmv", **NOV, "by": "store", "format": "csv"}))
    assert [r["store"] for r in rows] == ["demo"]
    assert float(rows[0]["gmv"]) == pytest.approx(e.demo_gmv_nov)
    rows = _csv(env.ana.get("/api/v1/rfm/customers", params={"format": "csv"}))
    assert len(rows) == e.demo_customers and {r["store_id"] for r in rows} == {"demo"}
    assert not {r["user_id"] for r in rows} & e.other_users
    rows = _csv(env.ana.get("/api/v1/funnel/dropped", params={"steps": STEPS, "step": "2", **NOV,
                                                               "format": "csv"}))
    assert {r["user_id"] for r in rows} == e.demo_dropped_nov


# ---- injection attempts ----------------------------------------------------------------------------
M = {"metrics": "gmv", **NOV}
F = {"steps": STEPS}
REFUSED = [  # (path, params): each must be a 4xx with a message
    ("/api/v1/metrics", {**M, "where": "channel; DROP TABLE orders=x"}),
    ("/api/v1/metrics", {**M, "by": "channel; DROP TABLE orders"}),
    ("/api/v1/metrics", {**M, "by": "properties.a'b"}),
    ("/api/v1/metrics", {**M, "where": "properties.a'b=1"}),
    ("/api/v1/metrics", {**NOV, "metrics": "gmv'--"}),
    ("/api/v1/metrics", {**NOV, "metrics": "gmv) UNION SELECT sum(gross_amount) FROM orders --"}),
    ("/api/v1/metrics", {**M, "sort": "gmv; DROP TABLE events"}),
    ("/api/v1/metrics", {**M, "grain": "day' OR '1'='1"}),
    ("/api/v1/metrics", {**M, "store": "other' OR '1'='1"}),
    ("/api/v1/metrics", {**M, "store": "demo'--"}),
    ("/api/v1/metrics", {**M, "currency": "USD' OR '1'='1"}),
    ("/api/v1/metrics", {**M, "where": "channel=x\x00' OR 1=1 --"}),  # a NUL used to cut the SQL short: 500
    ("/api/v1/metrics", {**M, "currency": "USD\x00"}),
    ("/api/v1/funnel", {**F, "where": "channel=x\x00' OR 1=1 --"}),
    ("/api/v1/rfm/customers", {"where": "channel=x\x00"}),
    ("/api/v1/funnel", {"steps": "product_view,purchase' OR 1=1 --"}),
    ("/api/v1/funnel", {"steps": "product_view,(SELECT user_id FROM events)"}),
    ("/api/v1/funnel", {"steps": "product_view;DROP TABLE events,purchase"}),
    ("/api/v1/funnel", {**F, "where": "properties.a'b=1"}),
    ("/api/v1/funnel", {**F, "where": "channel; DROP TABLE orders=x"}),
    ("/api/v1/funnel", {**F, "by": "channel; DROP TABLE orders"}),
    ("/api/v1/funnel", {**F, "exclude": "x' OR 1=1"}),
    ("/api/v1/funnel", {**F, "window": "1d' OR '1'='1"}),
    ("/api/v1/funnel", {**F, "store": "demo' OR '1'='1"}),
    ("/api/v1/funnel/dropped", {**F, "step": "2", "by": "store_id) OR (1=1"}),
    ("/api/v1/retention", {"cohort_event": "purchase' OR 1=1 --"}),
    ("/api/v1/retention", {"by": "channel; DROP TABLE orders"}),
    ("/api/v1/retention", {"where": "properties.a'b=1"}),
    ("/api/v1/paths", {"start": "x' OR 1=1 --"}),
    ("/api/v1/paths", {"start": "product_view", "events": "page_view') OR 1=1 --"}),
    ("/api/v1/rfm", {"where": "channel; DROP TABLE orders=x"}),
    ("/api/v1/rfm/customers", {"tier": "core' OR '1'='1"}),
    ("/api/v1/rfm/customers", {"store": "other','demo"}),
    ("/api/v1/users/ox1' OR '1'='1/timeline", {}),
    ("/api/v1/users/ox1/timeline", {"kinds": "order' OR 1=1"}),
    ("/api/v1/users/ox1/timeline", {"store": "demo' OR '1'='1"}),
]
LITERAL = [  # filter values are values, never SQL: (path, params, the value a 400 names as an unknown channel)
    ("/api/v1/metrics", {**M, "where": "channel=x' OR 1=1 --"}, "x' OR 1=1 --"),
    ("/api/v1/funnel", {**F, "where": "channel=x' OR 1=1 --"}, "x' OR 1=1 --"),
    ("/api/v1/funnel", {"steps": "product_view,purchase[channel=x' OR '1'='1]"}, "x' OR '1'='1"),
    ("/api/v1/rfm/customers", {"where": "channel=x' OR 1=1 --"}, "x' OR 1=1 --"),
    ("/api/v1/retention", {"where": "channel=x') OR ('1'='1"}, "x') OR ('1'='1"),
]


def _intact(env: Env) -> None:
    """The warehouse still answers, every table and row in place."""
    e = env.expected
    stores = {s["store_id"]: s["tables"] for s in _ok(env.root.get("/api/v1/stores"))["stores"]}
    for (table, store), n in e.rows.items():
        assert stores[store][table]["rows"] == n, (table, store)
    assert _ok(env.olga.get("/api/v1/metrics", params=M))["rows"] == [{"gmv": 600.0}]
    assert _ok(env.ana.get("/api/v1/metrics", params=M))["rows"] == [{"gmv": pytest.approx(e.demo_gmv_nov)}]


def test_injection_attempts_get_a_clear_4xx_and_no_data(env: Env) -> None:
    e = env.expected
    problems = []
    for path, params in REFUSED:
        for client in (env.olga, env.ana):
            r = client.get(path, params=params)
            try:
                _error(r)
                foreign = (e.demo_users if client is env.olga else e.other_users) - _tokens(f"{path} {params}")
                assert not _tokens(r.text) & foreign, "names users of another store"
                if client is env.olga:
                    assert "CNY" not in r.text
            except AssertionError as exc:
                problems.append((path, params, r.status_code, r.text[:300], str(exc)[:200]))
    for path, params, value in LITERAL:  # the whole text is one value nobody has (before: 200 and 0 rows)
        r = env.olga.get(path, params=params)  # (channel values are read lower-cased, as imports read them)
        if r.status_code != 400 or not r.json()["error"]["message"].startswith(f"unknown channel {value.lower()!r}") \
                or _tokens(r.text) & e.demo_users:
            problems.append((path, params, r.status_code, r.text[:300], "not one unknown value"))
    r = env.ana.get("/api/v1/metrics", params={**M, "where": "channel=x' OR 1=1 --"})
    assert _error(r)["message"] == "unknown channel \"x' or 1=1 --\""
    assert not problems, "\n".join(map(str, problems))
    _intact(env)


# ---- the API answers what the CLI answers ----------------------------------------------------------
def test_api_json_equals_cli_json(env: Env) -> None:
    e = env.expected
    metrics = _ok(env.ana.get("/api/v1/metrics", params={"metrics": "gmv,uv", "from": "2026-10-25",
                                                         "to": "2026-10-27", "by": "channel"}))
    assert metrics == e.cli_metrics
    assert metrics["rows"] and metrics["currency"] == "CNY"
    funnel = _ok(env.ana.get("/api/v1/funnel", params={"steps": STEPS, "window": "1d", "from": "2026-10-25",
                                                       "to": "2026-10-27"}))
    assert funnel == e.cli_funnel
    assert funnel["steps"][0]["count"] > 0
