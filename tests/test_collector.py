"""The event collector over real HTTP: ``shoplens serve`` on loopback, then the warehouse file read with plain SQL.

Each test that counts rows in the warehouse stops its server first (DuckDB: one process holds the file), so the
counts are what the server really wrote, read independently with duckdb.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest

from api_server import ApiServer
from collect_shop import BROWSER_UA, PHONE_UA, make_shop
from shoplens.server.collect.events import channel_of, device_of, is_bot
from shoplens.warehouse.migrations import current_version, migrate_to_latest

ROOT = Path(__file__).resolve().parents[1]
ORIGIN = "https://shop.example"


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", "SHOPLENS_LANG": "en"})


def _key(db: Path, store: str = "shop", origin: str = ORIGIN) -> str:
    out = _cli(db, "collect", "keys", "create", "--store", store, "--origin", origin, "-f", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["key"]


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, Path]:
    return make_shop(tmp_path)


def _server(db: Path, config: Path) -> ApiServer:
    return ApiServer(db, env={"SHOPLENS_CONFIG": str(config)})


def _post(server: ApiServer, body: object, *, ua: str = BROWSER_UA, headers: dict[str, str] | None = None
          ) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(server.url + "/collect", content=raw, timeout=30,
                      headers={"User-Agent": ua, "Content-Type": "text/plain", **(headers or {})})


def _flushed(server: ApiServer, admin: httpx.Client, store: str, n: int) -> None:
    """Until the server says ``n`` events of ``store`` went through its flush (at most a few seconds)."""
    deadline = time.monotonic() + 30
    while True:
        stats = admin.get("/api/v1/collect/stats").json()
        if stats["flushed"].get(store, 0) >= n and not stats["waiting"].get(store):
            return
        assert time.monotonic() < deadline, stats
        time.sleep(0.1)


def _sql(db: Path, query: str, params: list[object] | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def serving(db: Path, config: Path) -> Iterator[tuple[ApiServer, str, Path]]:
    """``shoplens serve`` over ``db`` with a new write key of store ``shop``: (server, key, db), stopped after."""
    key = _key(db)
    server = _server(db, config)
    try:
        yield server, key, db
    finally:
        server.stop()


@pytest.fixture
def running(shop: tuple[Path, Path]) -> Iterator[tuple[ApiServer, str, Path]]:
    yield from serving(*shop)


def test_good_batch_lands_duplicates_dropped_bad_events_quarantined(running: tuple[ApiServer, str, Path]) -> None:
    server, key, db = running
    admin = server.client("root")
    sent_at = datetime.now(UTC).replace(tzinfo=None)
    events = [
        {"event_id": "g1", "event": "page_view", "user_id": "a1", "session_id": "s1", "source": "google",
         "medium": "cpc", "campaign": "w49", "url": "https://shop.example/", "ts": "2026-11-02T10:00:00Z"},
        {"event_id": "g2", "event": "product_view", "user_id": "a1", "product_id": "P7", "ts": 1793700000000},
        {"event_id": "g3", "event": "add_to_cart", "user_id": "a1", "product_id": "P7"},  # no ts: the server's
        {"event_id": "g2", "event": "product_view", "user_id": "a1"},  # the same id again in the batch
        {"event_id": "b1", "event": "Not An Event!", "user_id": "a1"},
        {"event_id": "b2", "event": "purchase", "ts": "yesterday-ish"},  # a bad ts (first) and no user_id
        {"event_id": "b5", "event": "purchase"},  # no user_id
        {"event_id": "b3", "event": "purchase", "user_id": "a2", "ts": "31/02/2026 99:00"},
        "not an object",
        {"event_id": "b4", "event": "page_view", "user_id": "a3", "device": "smart fridge"},
        {"event_id": "g4", "event": "search", "user_id": "a9", "ts": "2026-11-02T18:00:00+08:00"},
    ]
    r = _post(server, {"write_key": key, "events": events}, ua=PHONE_UA, headers={"X-Country": "de"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["accepted"], answer["duplicates"], answer["bots"]) == (4, 1, 0)
    rejected = {x["index"]: (x["reason"], x["field"]) for x in answer["rejected"]}
    assert rejected == {4: ("not_allowed", "event"), 5: ("invalid_timestamp", "ts"), 6: ("missing_required", "user_id"),
                        7: ("invalid_timestamp", "ts"), 8: ("bad_json_line", None), 9: ("not_allowed", "device")}
    assert all(x["message"] and x["zh"] and x["hint"] and x["zh_hint"] for x in answer["rejected"])
    assert "snake_case" in answer["rejected"][0]["hint"] and "snake_case" in answer["rejected"][0]["zh_hint"]
    again = _post(server, {"write_key": key, "events": events[:3]})  # the client retries: nothing new
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 3
    _flushed(server, admin, "shop", 4 + 6)
    server.stop()

    rows = {r[0]: r[1:] for r in _sql(db, "SELECT event_id, ts, user_id, event, channel, device, country, campaign,"
                                          " properties FROM events WHERE store_id = 'shop'")}
    assert set(rows) == {"g1", "g2", "g3", "g4"}
    assert rows["g4"][0] == datetime(2026, 11, 2, 10)  # 18:00 at +08:00
    assert rows["g1"][0] == datetime(2026, 11, 2, 10) and rows["g1"][3:7] == ("paid_search", "mobile", "DE", "w49")
    assert json.loads(rows["g1"][7]) == {"url": "https://shop.example/"}
    assert rows["g2"][0] == datetime(2026, 11, 3, 10)  # 1793700000000 ms: `date -u -d @1793700000`
    assert sent_at - timedelta(seconds=1) <= rows["g3"][0] <= sent_at + timedelta(seconds=30)  # the server's clock
    # the pipeline's own quarantine agrees with the answer: the flush file has the batch's first-seen events in order
    # (the repeated g2 is not written), so event index i > 3 is line i of the file
    lines = dict(_sql(db, "SELECT line, reason FROM quarantine WHERE store_id = 'shop'"
                          " AND file LIKE '%collect-shop-%'"))
    assert lines == {i: reason for i, (reason, _) in rejected.items()}
    # one import per flush in the manifest; nothing written twice; the visitor-day rollup has the visitor
    manifest = _sql(db, "SELECT sum(loaded), sum(quarantined), count(*) FILTER (file <> 'collector')"
                        " FROM import_manifest WHERE preset = 'collector'")
    assert manifest == [(4, 6, 0)]  # one source named `collector`, not a temp file per flush
    rollup = _sql(db, "SELECT day, n_events FROM _rollup_user_day WHERE store_id = 'shop' AND user_id = 'a1'"
                      " ORDER BY day")
    assert rollup == [(datetime(2026, 11, 2).date(), 1), (datetime(2026, 11, 3).date(), 1), (rows["g3"][0].date(), 1)]


def test_bots_counted_and_dropped_and_future_clock_clamped(running: tuple[ApiServer, str, Path]) -> None:
    server, key, db = running
    admin = server.client("root")
    bot = _post(server, {"write_key": key, "events": [{"event_id": "x1", "event": "page_view", "user_id": "b"}]},
                ua="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    assert bot.json() == {"accepted": 0, "duplicates": 0, "bots": 1, "rejected": []}
    no_ua = httpx.post(server.url + "/collect", json={"write_key": key, "events": [
        {"event_id": "x2", "event": "page_view", "user_id": "b"}]}, headers={"User-Agent": ""})
    assert no_ua.json()["bots"] == 1
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    r = _post(server, {"write_key": key, "events": [{"event_id": "f1", "event": "page_view", "user_id": "c",
                                                     "ts": future}]})
    assert r.json()["accepted"] == 1
    _flushed(server, admin, "shop", 1)
    assert admin.get("/api/v1/collect/stats").json()["bots"] == {"shop": 2}
    server.stop()
    assert [r[0] for r in _sql(db, "SELECT event_id FROM events WHERE store_id = 'shop'")] == ["f1"]
    ts, props = _sql(db, "SELECT ts, properties FROM events WHERE event_id = 'f1'")[0]
    assert ts < datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=1)  # not three days ahead
    assert json.loads(props)["client_ts"].startswith(future[:16])


def test_keys_refuse_wrong_other_store_revoked_and_bad_origins(running: tuple[ApiServer, str, Path]) -> None:
    server, key, _ = running
    admin = server.client("root")
    one = [{"event_id": str(uuid.uuid4()), "event": "page_view", "user_id": "k"}]
    wrong = _post(server, {"write_key": key[:-3] + "abc", "events": one})
    assert wrong.status_code == 401 and wrong.json()["error"]["zh"]
    assert _post(server, {"write_key": "nonsense", "events": one}).status_code == 401
    other = _post(server, {"write_key": key, "store": "other", "events": one})
    assert other.status_code == 403 and "'shop'" in other.json()["error"]["message"]
    assert _post(server, {"write_key": key, "store": "shop", "events": one}).status_code == 200
    # the key in a header works as well as in the body
    assert _post(server, {"events": one}, headers={"X-Shoplens-Key": key}).json()["duplicates"] == 1
    # CORS: the key's origin is echoed; another origin is refused and gets no Allow-Origin
    ok = _post(server, {"write_key": key, "events": one}, headers={"Origin": ORIGIN})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ORIGIN
    evil = _post(server, {"write_key": key, "events": one}, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers
    pre = httpx.options(server.url + "/collect", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == ORIGIN
    bad_pre = httpx.options(server.url + "/collect", headers={"Origin": "https://evil.example",
                                                              "Access-Control-Request-Method": "POST"})
    assert bad_pre.status_code == 403 and "access-control-allow-origin" not in bad_pre.headers
    # REST for admins: create (shown once), list (never the key), revoke -> 401 from then on
    made = admin.post("/api/v1/collect/keys", json={"store": "other", "origins": ["https://other.example/"]})
    assert made.status_code == 201 and made.json()["origins"] == ["https://other.example"]
    listed = admin.get("/api/v1/collect/keys").json()["keys"]
    assert {k["key_id"] for k in listed} >= {made.json()["key_id"]} and "key" not in listed[0]
    assert _post(server, {"write_key": made.json()["key"], "events": one}).status_code == 200
    assert admin.delete(f"/api/v1/collect/keys/{made.json()['key_id']}").json()["revoked_at"]
    assert _post(server, {"write_key": made.json()["key"], "events": one}).status_code == 401
    bad = admin.post("/api/v1/collect/keys", json={"store": "other", "origins": ["shop.example"]})
    assert bad.status_code == 400 and bad.json()["error"]["zh"]
    assert admin.post("/api/v1/collect/keys", json={"store": "nope", "origins": [ORIGIN]}).status_code == 404


def test_size_and_rate_limits(running: tuple[ApiServer, str, Path]) -> None:
    server, key, _ = running  # limits of tests/collect_shop.LIMITS: 50 events, 16 KiB, 2 events/s, burst 40
    many = [{"event_id": f"m{i}", "event": "page_view", "user_id": "m"} for i in range(51)]
    too_many = _post(server, {"write_key": key, "events": many})
    assert too_many.status_code == 413 and "50" in too_many.json()["error"]["message"]
    big = _post(server, {"write_key": key, "events": [{"event_id": "big", "event": "page_view", "user_id": "m",
                                                       "properties": {"x": "y" * 20_000}}]})
    assert big.status_code == 413
    statuses = []
    for n in range(6):  # 6 x 10 events at once: the bucket (40, +2/s: < 10 in the few seconds this takes) lets 4 pass
        events = [{"event_id": f"r{n}-{i}", "event": "page_view", "user_id": "r"} for i in range(10)]
        statuses.append(_post(server, {"write_key": key, "events": events}))
    assert [r.status_code for r in statuses] == [200] * 4 + [429] * 2
    assert int(statuses[-1].headers["retry-after"]) >= 1 and statuses[-1].json()["error"]["zh"]
    time.sleep(1.5)  # 2 events/s: at least 3 tokens more
    assert _post(server, {"write_key": key, "events": many[:3]}).status_code == 200


def test_snippet_served() -> None:
    from shoplens.server.collect.routes import SNIPPET

    text = SNIPPET.read_text(encoding="utf-8")
    for needed in ("sendBeacon", "randomUUID", "localStorage", "30 * 60 * 1000", "utm_"):
        assert needed in text


def test_cli_keys_create_list_revoke(shop: tuple[Path, Path]) -> None:
    db, _ = shop
    key = _key(db)
    listed = json.loads(_cli(db, "collect", "keys", "list", "-f", "json").stdout)["keys"]
    assert len(listed) == 1 and listed[0]["store"] == "shop" and listed[0]["revoked_at"] is None
    key_id = listed[0]["key_id"]
    assert key.startswith(f"slk_{key_id}_")
    stored = _sql(db, "SELECT key_hash FROM collect_keys")[0][0]
    assert key not in stored and len(stored) == 64  # only the digest is kept
    assert _cli(db, "collect", "keys", "revoke", key_id).returncode == 0
    assert json.loads(_cli(db, "collect", "keys", "list", "-f", "json").stdout)["keys"][0]["revoked_at"]
    missing = _cli(db, "collect", "keys", "revoke", "deadbeef")
    assert missing.returncode != 0 and "deadbeef" in missing.stderr and "Traceback" not in missing.stderr
    unknown = _cli(db, "collect", "keys", "create", "--store", "nope", "--origin", ORIGIN)
    assert unknown.returncode != 0 and "nope" in unknown.stderr and "Traceback" not in unknown.stderr


def test_standalone_collector_and_load_script(tmp_path: Path) -> None:
    """`shoplens collect` under the load script, briefly and slowly (correctness, not speed): every event sent
    is in the warehouse once, re-sent batches are duplicates."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "collect_load.py"), "--rate", "200", "--seconds", "2",
                          "--threads", "2", "--batch", "20", "--json"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    result = json.loads(out.stdout)
    assert result["stored"] == result["distinct_ids"] == result["sent"] == 400
    assert result["resent_duplicates"] == result["resent"] > 0


def test_channel_device_and_bot_rules() -> None:
    assert channel_of("google", "cpc", None, None) == "paid_search"
    assert channel_of("google", None, None, None) == "organic_search"
    assert channel_of("newsletter", "email", None, None) == "email"
    assert channel_of("tiktok", None, None, None) == "short_video"
    assert channel_of("partner-x", "banner", None, None) == "other"
    assert channel_of(None, None, "https://www.bing.com/search?q=x", "shop.example") == "organic_search"
    assert channel_of(None, None, "https://blog.example/post", "shop.example") == "referral"
    assert channel_of(None, None, "https://shop.example/cart", "shop.example") == "direct"
    assert channel_of(None, None, None, "shop.example") == "direct"
    assert device_of(PHONE_UA) == "mobile" and device_of(BROWSER_UA) == "desktop"
    assert device_of("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)") == "tablet"
    assert is_bot("Mozilla/5.0 (compatible; bingbot/2.0)") and is_bot("curl/8.4.0") and is_bot(None)
    assert is_bot("Mozilla/5.0 HeadlessChrome/120.0") and not is_bot(BROWSER_UA)


def test_migration_gap_is_filled_later(tmp_path: Path) -> None:
    """A warehouse migrated by a list that jumps 14 -> 16 gets 15 when a later list has it."""
    con = duckdb.connect(str(tmp_path / "gap.duckdb"))
    applied: list[int] = []
    first = [(14, "a", lambda c: applied.append(14)), (16, "c", lambda c: applied.append(16))]
    assert migrate_to_latest(con, first) == 16 and applied == [14, 16]
    later = [(14, "a", lambda c: applied.append(14)), (15, "b", lambda c: applied.append(15)),
             (16, "c", lambda c: applied.append(16))]
    assert migrate_to_latest(con, later) == 16 and applied == [14, 16, 15]
    assert migrate_to_latest(con, later) == 16 and applied == [14, 16, 15]  # once only
    assert current_version(con) == 16


def test_events_waiting_at_stop_are_written(shop: tuple[Path, Path], tmp_path: Path) -> None:
    """SIGTERM right after the answer (flush every 60 s here): the server writes what waits before it closes."""
    db, config = shop
    config.write_text(config.read_text(encoding="utf-8").replace("collect_flush_seconds: 0.3",
                                                                  "collect_flush_seconds: 60"), encoding="utf-8")
    key = _key(db)
    server = _server(db, config)
    try:
        events = [{"event_id": f"w{i}", "event": "page_view", "user_id": f"v{i % 3}"} for i in range(30)]
        assert _post(server, {"write_key": key, "events": events}).json()["accepted"] == 30
        assert server.client("root").get("/api/v1/collect/stats").json()["waiting"] == {"shop": 30}
    finally:
        server.stop()
    assert _sql(db, "SELECT count(*), count(DISTINCT user_id) FROM events WHERE store_id = 'shop'") == [(30, 3)]
    assert _sql(db, "SELECT count(*) FROM import_manifest WHERE preset = 'collector' AND file = 'collector'") == [(1,)]
    assert not list((db.parent / ".shoplens-collect").glob("*.jsonl"))  # the flush file is gone


def test_collector_settings_are_checked() -> None:
    from shoplens.errors import ShoplensError
    from shoplens.server.settings import ServerSettings, parse

    assert ServerSettings().collect_max_body_bytes == 512 * 1024 and ServerSettings().collect_max_events == 500
    got = parse({"collect_rate": 50, "collect_country_header": " CF-IPCountry "}, "cfg: server")
    assert (got.collect_rate, got.collect_country_header) == (50.0, "CF-IPCountry")
    for bad in ({"collect_rate": 0}, {"collect_max_events": 1.5}, {"collect_country_header": ""},
                {"collect_country_header": 3}):
        with pytest.raises(ShoplensError) as caught:
            parse(bad, "cfg: server")
        assert caught.value.zh and next(iter(bad)) in caught.value.message


def test_collect_beside_a_running_server_fails_cleanly(running: tuple[ApiServer, str, Path]) -> None:
    """One writer per DuckDB file: `shoplens collect` on the warehouse `serve` holds stops with one line."""
    _, _, db = running
    out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), "collect", "--port", "1"],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "SHOPLENS_LOCK_WAIT": "1", "SHOPLENS_LANG": "en"})
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "another shoplens process" in out.stderr and len(out.stderr.strip().splitlines()) == 1
