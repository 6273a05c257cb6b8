"""The data page's API (issue #15): GET /presets, POST /imports/preview (runs the import, answers its summary
and first rows, writes nothing) and GET /sources (per store: table x preset, rows, first/last local data day,
freshness). Against a real server over the demo store + store ``other`` (tests/api_server.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import httpx

from api_server import ApiServer
from shoplens.presets import get_preset, preset_names
from shoplens.warehouse.sources import freshness

HEADER = "event_id,ts,user_id,event,channel\n"
# 3 good lines (one of them an exact copy of oe1, already stored: a duplicate), 1 bad time, 1 unknown event
NEW_EVENTS = HEADER + ("oe1,2026-11-01T10:00:00Z,ox1,product_view,email\n"
                       "pe1,2026-11-04T08:00:00Z,ox1,product_view,email\n"
                       "pe2,2026-11-05T23:30:00Z,ox2,add_to_cart,direct\n"
                       "pe3,yesterday,ox2,product_view,direct\n"
                       "pe4,2026-11-05T10:00:00Z,ox3,,direct\n")


def post(client: httpx.Client, path: str, content: str, name: str = "new_events.csv",
         **fields: str) -> httpx.Response:
    return client.post(f"/api/v1{path}", files={"file": (name, content.encode("utf-8"), "text/csv")},
                       data={"table": "events", "store": "other", **fields})


def sources(client: httpx.Client, store: str) -> dict[tuple[str, str], dict[str, Any]]:
    r = client.get("/api/v1/sources", params={"store": store})
    assert r.status_code == 200, r.text
    (only,) = r.json()["stores"]
    return {(s["table"], s["preset"]): s for s in only["sources"]}


def quarantined(client: httpx.Client) -> int:
    r = client.get("/api/v1/quarantine", params={"store": "other", "limit": 1})
    assert r.status_code == 200, r.text
    return int(r.headers["X-Total-Count"])


def local_day(value: date | datetime, zone: str) -> date:
    """A DATE as it is; a UTC timestamp as its day in ``zone`` (Python's zoneinfo, not DuckDB's)."""
    if not isinstance(value, datetime):
        return value
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()


def counts(out: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(f["file"], f["read"], f["loaded"], f["duplicates"], f["quarantined"], f["tables"]) for f in out["files"]]


def test_freshness_counts_days_behind_the_last_ended_local_day() -> None:
    now = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)  # 2026-03-11 01:00 in Shanghai: its last ended day is the 10th
    assert freshness(date(2026, 3, 10), "Asia/Shanghai", now) == (0, "fresh")
    assert freshness(date(2026, 3, 9), "UTC", now) == (0, "fresh")  # in UTC the 9th is the last ended day
    assert freshness(date(2026, 3, 8), "Asia/Shanghai", now) == (2, "late")
    assert freshness(date(2026, 3, 7), "Asia/Shanghai", now) == (3, "stale")
    assert freshness(date(2026, 3, 20), "UTC", now) == (0, "fresh")  # data dated ahead of the clock
    assert freshness(None, "UTC", now) == (None, "empty")


def test_presets_list_every_preset_with_what_it_expects(two_store_api: ApiServer) -> None:
    with two_store_api.client("ana") as ana:
        r = ana.get("/api/v1/presets")
    assert r.status_code == 200, r.text
    out = r.json()
    listed = {p["name"]: p for p in out["presets"]}
    assert sorted(listed) == [n for n in preset_names() if n != "auto"]
    for name, p in listed.items():
        preset = get_preset(name)
        assert (p["description"], p["description_zh"], p["platform"], p["timezone"], p["currency"]) == (
            preset.description, preset.description_zh, preset.platform, preset.timezone, preset.currency)
        assert p["expects"] == getattr(preset, "expects", "") and p["expects_zh"] == getattr(preset, "expects_zh", "")
    assert "orders" in out["tables"] and "traffic_daily" in out["tables"]
    assert out["reasons"]["invalid_number"] == {"en": "not a number", "zh": "不是数字"}
    assert out["auto"] == all(callable(getattr(get_preset(n), "recognise", None)) for n in listed)
    with two_store_api.client("vic") as vic:  # viewers read analyses only
        assert vic.get("/api/v1/presets").status_code == 403


def test_sources_first_and_last_day_equal_sql_on_the_file(two_store_api: ApiServer, demo_db: Path) -> None:
    """The demo store's sources against an independent reading of the demo file: row counts per table and the
    first/last local day from min/max of the time column converted in Python (zoneinfo)."""
    with two_store_api.client("ana") as ana:
        got = sources(ana, "demo")
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        (zone,) = con.execute("SELECT timezone FROM stores WHERE store_id = 'demo'").fetchone()
        checked = 0
        for table, column in (("events", "ts"), ("orders", "created_ts"), ("refunds", "ts"),
                              ("ad_spend", "date"), ("reviews", "ts")):
            n, lo, hi = con.execute(f"SELECT count(*), min({column}), max({column}) FROM {table} "
                                    "WHERE store_id = 'demo'").fetchone()
            if not n:
                continue
            s = got[(table, "demo")]
            first, last = local_day(lo, zone), local_day(hi, zone)
            assert (s["rows"], s["first_day"], s["last_day"]) == (n, first.isoformat(), last.isoformat())
            yesterday = datetime.now(ZoneInfo(zone)).date() - timedelta(days=1)
            assert s["days_behind"] == max(0, (yesterday - last).days)
            checked += 1
        assert checked >= 4
    finally:
        con.close()
    assert not any(k[1] == "unknown" for k in got)  # every demo row is attributed to the demo import
    assert got[("order_items", "demo")]["freshness"] == "undated" and ("stores", "demo") not in got


def test_sources_of_a_csv_store_are_hand_counted(two_store_api: ApiServer) -> None:
    with two_store_api.client("olga") as olga:
        got = sources(olga, "other")
        assert olga.get("/api/v1/sources", params={"store": "demo"}).status_code == 404  # not her store
    events, orders = got[("events", "canonical")], got[("orders", "canonical")]
    assert (events["rows"], events["first_day"], events["last_day"], events["files"], events["imports"]) == (
        6, "2026-11-01", "2026-11-03", ["other_events.csv"], 1)
    assert (orders["rows"], orders["first_day"], orders["last_day"], orders["files"]) == (
        2, "2026-11-01", "2026-11-03", ["other_orders.csv"])
    assert events["collector"] is False and events["last_import"]
    behind = (datetime.now(UTC).date() - timedelta(days=1) - date(2026, 11, 3)).days
    assert events["days_behind"] == behind and events["freshness"] == ("stale" if behind > 2 else "late")


def test_preview_writes_nothing_and_answers_what_the_import_then_does(two_store_api: ApiServer) -> None:
    with two_store_api.client("root") as root:
        before = sources(root, "other")
        bad_before = quarantined(root)
        preview = post(root, "/imports/preview", NEW_EVENTS)
        assert preview.status_code == 200, preview.text
        p = preview.json()
        # hand-counted: 5 lines read = 2 loaded + 1 duplicate (oe1) + 2 quarantined
        assert (p["dry_run"], p["import_id"], p["read"], p["loaded"], p["duplicates"], p["quarantined"]) == (
            True, None, 5, 2, 1, 2)
        assert counts(p) == [("new_events.csv", 5, 2, 1, 2, {"events": 2})]
        assert {(e["line"], e["column"]) for e in p["quarantine_examples"]} == {(5, "ts"), (6, "event")}
        rows = p["preview"]["events"]
        cols = rows["columns"]
        got = [dict(zip(cols, r, strict=True)) for r in rows["rows"]]
        assert [(r["event_id"], r["ts"], r["user_id"], r["event"], r["channel"]) for r in got] == [
            ("pe1", "2026-11-04 08:00:00", "ox1", "product_view", "email"),
            ("pe2", "2026-11-05 23:30:00", "ox2", "add_to_cart", "direct")]
        # nothing written: rows, sources, quarantine and manifest as before
        assert sources(root, "other") == before and quarantined(root) == bad_before

        real = post(root, "/imports", NEW_EVENTS)
        assert real.status_code == 200, real.text
        r = real.json()
        assert counts(r) == counts(p) and r["quarantine_examples"] == p["quarantine_examples"]
        assert r["import_id"] == 4  # after demo #1 and other's events #2 and orders #3: the preview took no id
        after = sources(root, "other")
        events = after[("events", "canonical")]
        assert events["rows"] == before[("events", "canonical")]["rows"] + 2
        assert events["last_day"] == "2026-11-05" and events["imports"] == 2
        assert events["files"] == ["new_events.csv", "other_events.csv"]
        assert quarantined(root) == bad_before + 2


def test_preview_of_a_new_store_creates_nothing(two_store_api: ApiServer) -> None:
    with two_store_api.client("root") as root:
        r = post(root, "/imports/preview", HEADER + "x1,2026-11-04T08:00:00Z,u1,product_view,email\n",
                 store="fresh", currency="EUR", timezone="Europe/Berlin")
        assert r.status_code == 200, r.text
        assert (r.json()["store_created"], r.json()["loaded"]) == (True, 1)
        assert "fresh" not in [s["store_id"] for s in root.get("/api/v1/stores").json()["stores"]]
        bad = post(root, "/imports/preview", HEADER, store="other", table="nope")
        assert bad.status_code == 400 and bad.json()["error"]["zh"]
    with two_store_api.client("ana") as ana:  # previews are for admins, as imports
        assert post(ana, "/imports/preview", NEW_EVENTS, store="demo").status_code == 403


def test_a_preview_takes_files_as_large_as_an_import(two_store_api: ApiServer) -> None:
    """Uploads may be far larger than other requests (64 KiB): a preview is an upload too."""
    lines = "".join(f"big{i},2026-11-06T10:00:00Z,u{i % 50},product_view,direct\n" for i in range(3000))
    content = HEADER + lines
    assert len(content.encode()) > 64 * 1024
    with two_store_api.client("root") as root:
        r = post(root, "/imports/preview", content, name="big.csv")
        assert r.status_code == 200, r.text
        assert (r.json()["read"], r.json()["loaded"], len(r.json()["preview"]["events"]["rows"])) == (3000, 3000, 20)
    anonymous = httpx.post(two_store_api.url + "/api/v1/imports/preview", files={"file": ("a.csv", b"x")})
    assert anonymous.status_code == 401


def test_the_collector_is_named_by_its_preset(tmp_path: Path) -> None:
    """Events of real collector flushes form one source ``collector`` (preset and file), marked ``collector``, however
    many flushes; a canonical import of the same table stays a separate source."""
    import shoplens
    from shoplens.server.collect.collector import Collector
    from shoplens.server.collect.events import normalise
    from shoplens.server.deps import ServerState
    from shoplens.server.settings import ServerSettings
    from shoplens.warehouse.sources import list_sources

    (tmp_path / "a.csv").write_text(HEADER + "a1,2026-11-01T10:00:00Z,u1,product_view,direct\n", encoding="utf-8")
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        shoplens.import_files(wh, [tmp_path / "a.csv"], table="events", store="s", currency="USD", timezone="UTC")
        collector = Collector(ServerState(wh, ""), tmp_path / "flush", ServerSettings())
        collector.folder.mkdir()
        for n, ts in enumerate(("2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "2026-11-01T23:00:00Z")):
            row = normalise({"event_id": f"c{n}", "event": "page_view", "user_id": "u2", "ts": ts},
                            now=datetime(2026, 11, 3), user_agent="Mozilla/5.0", country=None)
            assert collector.add("s", [row], set()) == ["accepted"]
            assert collector.flush() == 1  # three flushes, three imports
        got = {s["preset"]: s for s in list_sources(wh.con, "s", now=datetime(2026, 11, 4, 12, tzinfo=UTC))["sources"]}
    assert sorted(got) == ["canonical", "collector"]
    c = got["collector"]
    assert (c["collector"], c["rows"], c["first_day"], c["last_day"], c["freshness"]) == (
        True, 3, "2026-11-01", "2026-11-02", "late")  # 1 day behind the 3rd
    assert (c["files"], c["files_total"], c["imports"]) == (["collector"], 1, 3)
    assert (got["canonical"]["collector"], got["canonical"]["last_day"], got["canonical"]["days_behind"],
            got["canonical"]["files"]) == (False, "2026-11-01", 2, ["a.csv"])


def test_sources_list_the_latest_file_names_and_count_them_all(tmp_path: Path) -> None:
    """A daily report imported for a year is 365 names: the source lists the latest 20 (sorted) and counts all."""
    import shoplens
    from shoplens.warehouse.sources import LISTED_FILES, list_sources

    names = [f"day{n:02d}.csv" for n in range(LISTED_FILES + 3)]
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        for n, name in enumerate(names):
            (tmp_path / name).write_text(HEADER + f"x{n},2026-11-01T10:00:00Z,u1,product_view,direct\n",
                                         encoding="utf-8")
            shoplens.import_files(wh, [tmp_path / name], table="events", store="s", currency="USD", timezone="UTC")
        shoplens.import_files(wh, [tmp_path / names[0]], table="events", store="s")  # day00 again: the latest now
        (only,) = list_sources(wh.con, "s")["sources"]
    assert (only["files_total"], only["imports"], only["rows"]) == (len(names), len(names) + 1, len(names))
    assert only["files"] == sorted([names[0], *names[-(LISTED_FILES - 1):]])
