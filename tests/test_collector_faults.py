"""The collector's faults (review of issue #15): a lone surrogate, one store's failing flush, ids with spaces.

Over real HTTP where the answer matters (tests/test_collector.py's server fixtures), and on a real DuckDB file with
an in-process :class:`Collector` where a flush must fail: the failure is injected by wrapping the real import so
that it raises for one store only (no other way makes a healthy warehouse fail on demand).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import shoplens
from api_server import ApiServer
from collect_shop import BROWSER_UA, make_shop
from shoplens.ingest import pipeline
from shoplens.server.collect.collector import TRIES, Collector
from shoplens.server.collect.events import normalise
from shoplens.server.deps import ServerState
from shoplens.server.settings import ServerSettings
from shoplens.warehouse.connection import Warehouse
from test_collector import _flushed, _post, _sql, serving

SURROGATE_BODY = ('{"write_key": "%s", "events": ['
                  '{"event_id": "s1", "event": "page_view", "user_id": "u1", "ts": "2026-11-02T10:00:00Z"},'
                  '{"event_id": "s2", "event": "page_view", "user_id": "\\ud800"},'
                  '{"event_id": "s3", "event": "page_view", "user_id": "u3", "properties": {"q": ["\\udfff"]}},'
                  '{"event_id": "s4", "event": "page_view", "user_id": "u4", "url": "https://shop.example/\\ud83d"},'
                  '{"event_id": "s5", "event": "page_view", "user_id": "u5", "note": "\\ud83d\\ude00 ok pair"}]}')


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[ApiServer, str, Path]]:
    """``shoplens serve`` over tests/collect_shop.py's warehouse with a write key of store ``shop``."""
    yield from serving(*make_shop(tmp_path))


def test_a_lone_surrogate_is_refused_per_event_and_the_store_keeps_flushing(running: tuple[ApiServer, str, Path]
                                                                               ) -> None:
    """Before: all five were `accepted`, then every flush of `shop` failed (UnicodeEncodeError) and nothing landed."""
    server, key, db = running
    admin = server.client("root")
    body = (SURROGATE_BODY % key).encode("ascii")
    assert json.loads(body)["events"][1]["user_id"] == "\ud800"  # valid JSON: the escape decodes to a lone surrogate
    r = _post(server, body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["accepted"], answer["duplicates"]) == (2, 0)  # s1 and s5 (a proper pair is fine)
    got = {x["index"]: (x["reason"], x["field"]) for x in answer["rejected"]}
    assert got == {1: ("bad_encoding", "user_id"), 2: ("bad_encoding", "properties"), 3: ("bad_encoding", "url")}
    assert all("surrogate" in x["message"] and "代理" in x["zh"] for x in answer["rejected"])
    later = _post(server, {"write_key": key, "events": [{"event_id": "s6", "event": "search", "user_id": "u6"}]})
    assert later.json()["accepted"] == 1
    _flushed(server, admin, "shop", 6)  # every event went through a flush: none waits, none was retried
    assert admin.get("/api/v1/collect/stats").json()["parked"] == {}
    server.stop()
    assert sorted(r[0] for r in _sql(db, "SELECT event_id FROM events WHERE store_id = 'shop'")) == ["s1", "s5", "s6"]
    assert _sql(db, "SELECT properties FROM events WHERE event_id = 's5'")[0][0] == '{"note": "😀 ok pair"}'
    # the pipeline's quarantine says the same as the answer, line by line of the flush file
    assert _sql(db, "SELECT line, reason FROM quarantine WHERE store_id = 'shop' ORDER BY line") == [
        (2, "bad_encoding"), (3, "bad_encoding"), (4, "bad_encoding")]
    assert not list((db.parent / ".shoplens-collect").glob("*.jsonl"))


def test_ids_are_trimmed_before_the_dedup(running: tuple[ApiServer, str, Path]) -> None:
    """Before: " e1" and "e1" were both `accepted` (the dedup saw two ids), the import stored one."""
    server, key, db = running
    admin = server.client("root")
    events = [{"event_id": " e1", "event": "page_view", "user_id": " u1 "},
              {"event_id": "e1", "event": "page_view", "user_id": "u1"},
              {"event_id": "e2\t", "event": "page_view", "user_id": "u2"}]
    answer = _post(server, {"write_key": key, "events": events}).json()
    assert (answer["accepted"], answer["duplicates"], answer["rejected"]) == (2, 1, [])
    _flushed(server, admin, "shop", 2)
    again = _post(server, {"write_key": key, "events": [{"event_id": "e2", "event": "page_view", "user_id": "u2"}]})
    assert again.json()["duplicates"] == 1  # in the warehouse (and in memory) as "e2"
    server.stop()
    assert _sql(db, "SELECT event_id, user_id FROM events WHERE store_id = 'shop' ORDER BY 1") == [
        ("e1", "u1"), ("e2", "u2")]


def test_a_jsonl_import_with_a_lone_surrogate_quarantines_the_line(tmp_path: Path) -> None:
    """`shoplens import events FILE.jsonl`: the line is quarantined (`bad_encoding`); before, the whole import
    ended in a UnicodeEncodeError traceback."""
    path = tmp_path / "ev.jsonl"
    path.write_text('{"event_id": "j1", "ts": "2026-11-02T10:00:00Z", "user_id": "u1", "event": "page_view"}\n'
                    '{"event_id": "j2", "ts": "2026-11-02T10:00:00Z", "user_id": "\\ud800", "event": "page_view"}\n',
                    encoding="ascii")
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        summary = pipeline.import_files(wh, [path], table="events", store="s", currency="USD", timezone="UTC")
        assert (summary.read, summary.loaded, summary.quarantined) == (2, 1, 1)
        assert wh.con.execute("SELECT line, reason FROM quarantine").fetchall() == [(2, "bad_encoding")]


# --- a flush that fails (in process, real warehouse)


class Boom(OSError):
    pass


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[Collector]:
    db, _ = make_shop(tmp_path)
    wh = Warehouse(db)
    settings = ServerSettings()
    made = Collector(ServerState(wh, "", settings=settings), tmp_path / ".shoplens-collect", settings)
    made.folder.mkdir()
    try:
        yield made
    finally:
        wh.close()


def _fail_for(monkeypatch: pytest.MonkeyPatch, store: str) -> list[str]:
    """The real import, except that it raises for ``store``; returns the stores it was called for."""
    real, calls = pipeline.import_files, []

    def import_files(wh: Any, files: Any, **kw: Any) -> Any:
        calls.append(kw["store"])
        if kw["store"] == store:
            raise Boom("disk on fire")
        return real(wh, files, **kw)

    monkeypatch.setattr(pipeline, "import_files", import_files)
    return calls


def _queue(c: Collector, store: str, ids: list[str]) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [normalise({"event_id": i, "event": "page_view", "user_id": "u" + i}, now=now, user_agent=BROWSER_UA,
                      country=None) for i in ids]
    assert c.add(store, [(row, reason, eid) for row, reason, eid in rows], set()) == ["accepted"] * len(ids)


def _stored(c: Collector, store: str) -> list[str]:
    return [r[0] for r in c.state.wh.con.execute("SELECT event_id FROM events WHERE store_id = ? ORDER BY 1",
                                                 [store]).fetchall()]


def test_one_store_failing_does_not_lose_the_others(collector: Collector, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: `shop` (after the failing `other` in the loop) was neither imported nor put back: lost, and its ids
    answered `duplicate` forever."""
    calls = _fail_for(monkeypatch, "other")
    _queue(collector, "other", ["o1", "o2"])
    _queue(collector, "shop", ["p1", "p2", "p3"])
    with pytest.raises(Boom):
        collector.flush()
    assert calls == ["other", "shop"]
    assert _stored(collector, "shop") == ["p1", "p2", "p3"]
    stats = collector.stats()
    assert (stats["waiting"], stats["flushed"], stats["parked"]) == ({"other": 2}, {"shop": 3}, {})
    _queue(collector, "other", ["o3"])  # newer events queue behind the batch put back, in order
    assert [r["event_id"] for r in collector.pending["other"]] == ["o1", "o2", "o3"]
    assert collector.state.wh.con.execute("SELECT preset, file FROM import_manifest WHERE store_id = 'shop'"
                                          " AND target = 'events'").fetchall() == [("collector", "collector")]


def test_a_batch_failing_tries_times_is_parked_in_a_file_and_importable(
        collector: Collector, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Before: retried forever (every flush, while newer events piled up behind it)."""
    _fail_for(monkeypatch, "other")
    _queue(collector, "other", ["o1", "o2"])
    for _ in range(TRIES - 1):
        with pytest.raises(Boom):
            collector.flush()
        assert collector.stats()["waiting"] == {"other": 2} and not list(collector.folder.glob("failed-*"))
    with caplog.at_level(logging.ERROR, logger="shoplens.collect"), pytest.raises(Boom):
        collector.flush()
    (parked,) = collector.folder.glob("failed-other-*.jsonl")
    assert [json.loads(line)["event_id"] for line in parked.read_text(encoding="ascii").splitlines()] == ["o1", "o2"]
    assert collector.stats()["waiting"] == {} and collector.stats()["parked"] == {"other": 2}
    assert str(parked) in caplog.text and "shoplens import events" in caplog.text and "disk on fire" in caplog.text
    assert collector.flush() == 0  # nothing retried any more
    # its ids are forgotten: a resend is judged by the warehouse (which does not hold them) and accepted
    _queue(collector, "other", ["o2"])
    collector.pending.clear()
    monkeypatch.undo()
    summary = pipeline.import_files(collector.state.wh, [parked], table="events", store="other")
    assert (summary.loaded, summary.quarantined) == (2, 0) and _stored(collector, "other") == ["o1", "o2"]


def test_stop_parks_a_batch_that_fails_at_the_last_flush(collector: Collector,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """At shutdown nothing will retry: a failing batch goes to its file at once, the other stores land."""
    _fail_for(monkeypatch, "other")
    _queue(collector, "other", ["o1"])
    _queue(collector, "shop", ["p1"])
    collector.stop()  # no thread started: the last flush only; it does not raise
    assert _stored(collector, "shop") == ["p1"]
    (parked,) = collector.folder.glob("failed-other-*.jsonl")
    assert json.loads(parked.read_text(encoding="ascii"))["event_id"] == "o1"
