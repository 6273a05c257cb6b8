"""ga4-bigquery on the sample export in tests/data/presets (written from the GA4 BigQuery export schema).

Expectations are recomputed from the JSON lines in plain Python: one event per line, GA4 names mapped
by the table below, sessions = (user, ga_session_id), product = items[0].item_id, days cut in UTC
(the preset's default zone). The same lines as Parquet (nested structs and lists) import to the
same events.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import shoplens
from shoplens.errors import SchemaError
from shoplens.ingest.pipeline import import_files
from shoplens.presets.ga4 import channel_sql

DATA = Path(__file__).parent / "data" / "presets"
EXPORT = DATA / "ga4-events-20261105.jsonl"
CANONICAL = {"page_view": "page_view", "view_item": "product_view", "view_search_results": "search",
             "add_to_cart": "add_to_cart", "add_to_wishlist": "favorite", "begin_checkout": "begin_checkout",
             "purchase": "purchase"}
COLUMNS = "event_id, ts, user_id, session_id, event, page_type, product_id, channel, source, medium, campaign, " \
          "device, country, properties"


def export_lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EXPORT.read_text().splitlines() if line.strip()]


def param(row: dict[str, Any], key: str) -> str | None:
    for p in row["event_params"]:
        if p["key"] == key:
            v = p["value"]
            return v["string_value"] or v["int_value"]
    return None


@pytest.fixture(scope="module")
def ga(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("ga4")
    parquet = folder / "events_20261105.parquet"
    pq.write_table(pa.Table.from_pylist(export_lines()), parquet)
    wh = shoplens.connect(str(folder / "w.duckdb"))
    first = import_files(wh, [EXPORT], preset="ga4-bigquery", store="web")
    second = import_files(wh, [EXPORT], preset="ga4-bigquery", store="web")
    from_parquet = import_files(wh, [parquet], preset="ga4-bigquery", store="pq")
    yield {"con": wh.con, "first": first, "second": second, "parquet": from_parquet}
    wh.close()


def test_conservation_and_reimport(ga: dict[str, Any]) -> None:
    n = len(export_lines())
    first, second = ga["first"].files[0], ga["second"].files[0]
    assert (first.read, first.loaded, first.duplicates, first.quarantined) == (n, n, 0, 0) == (23, 23, 0, 0)
    assert (second.read, second.loaded, second.duplicates, second.quarantined) == (n, 0, n, 0)


def test_events_per_kind(ga: dict[str, Any]) -> None:
    expected = Counter(CANONICAL.get(r["event_name"], r["event_name"]) for r in export_lines())
    got = dict(ga["con"].execute("SELECT event, count(*) FROM events WHERE store_id = 'web' GROUP BY 1").fetchall())
    assert got == dict(expected)
    assert got["product_view"] == 5 and got["session_start"] == 2  # automatic events kept under their own name


def test_distinct_users_and_sessions_per_day(ga: dict[str, Any]) -> None:
    users: dict[str, set[str]] = defaultdict(set)
    sessions = set()
    for r in export_lines():
        day = datetime.fromtimestamp(int(r["event_timestamp"]) / 1e6, UTC).date().isoformat()
        users[day].add(r["user_pseudo_id"])
        sessions.add((r["user_pseudo_id"], param(r, "ga_session_id")))
    got = dict(ga["con"].execute("SELECT CAST(ts::DATE AS VARCHAR), count(DISTINCT user_id) FROM events "
                                 "WHERE store_id = 'web' GROUP BY 1").fetchall())
    assert got == {d: len(u) for d, u in users.items()} == {"2026-11-05": 3, "2026-11-06": 4}
    got_sessions = ga["con"].execute("SELECT count(DISTINCT session_id) FROM events WHERE store_id = 'web'").fetchone()
    assert got_sessions[0] == len(sessions) == 7


def test_each_event_matches_its_line(ga: dict[str, Any]) -> None:
    got = {r[0]: r for r in ga["con"].execute(f"SELECT {COLUMNS} FROM events WHERE store_id = 'web'").fetchall()}
    seen: Counter[tuple[str, str, str]] = Counter()
    for r in export_lines():
        key = (r["user_pseudo_id"], r["event_timestamp"], r["event_name"])
        seen[key] += 1
        event_id = f"{key[0]}-{key[1]}-{key[2]}-{seen[key]}"
        row = got[event_id]
        micros = int(r["event_timestamp"])
        assert row[1] == datetime.fromtimestamp(micros // 1_000_000, UTC).replace(
            tzinfo=None, microsecond=micros % 1_000_000)
        assert row[2:4] == (r["user_pseudo_id"], f"{r['user_pseudo_id']}-{param(r, 'ga_session_id')}")
        assert row[6] == (r["items"][0]["item_id"] if r["items"] else None)
        assert row[8:11] == (r["traffic_source"]["source"], r["traffic_source"]["medium"], r["traffic_source"]["name"])
        assert row[11] == {"smart tv": "other"}.get(r["device"]["category"], r["device"]["category"])
        assert row[12] == r["geo"]["country"]
        props = json.loads(row[13])
        assert props["ga_event_name"] == r["event_name"]
        assert props["page_location"] == param(r, "page_location")
        if r["event_name"] == "purchase":
            assert (props["transaction_id"], props["purchase_revenue"], props["currency"]) == ("T1001", 59.98, "USD")
    assert len(got) == len(export_lines())


def test_channels_per_user(ga: dict[str, Any]) -> None:
    got = dict(ga["con"].execute("SELECT DISTINCT source || '/' || medium, channel FROM events "
                                 "WHERE store_id = 'web'").fetchall())
    assert got == {"(direct)/(none)": "direct", "google/organic": "organic_search", "google/cpc": "paid_search",
                   "m.facebook.com/referral": "social", "newsletter/email": "email",
                   "partner.example/referral": "referral"}


@pytest.mark.parametrize(("source", "medium", "channel"), [
    ("(direct)", "(none)", "direct"), ("(direct)", None, "direct"), ("baidu", "organic", "organic_search"),
    ("bing", "cpc", "paid_search"), ("facebook", "paid_social", "social"), ("l.instagram.com", "referral", "social"),
    ("youtube.com", "cpv", "short_video"), ("youtube.com", "referral", "short_video"),
    ("amazon", "ppc", "marketplace_ads"), ("criteo", "display", "other"), ("partner", "cpc", "other"),
    ("mailchimp", "email", "email"), ("awin", "affiliate", "referral"), ("blog.example", "referral", "referral"),
    ("googleadservices.example", "banner", "other"), ("(not set)", "(not set)", "other"), (None, None, "other"),
    ("news.google.com", "referral", "organic_search"), ("t.co", "referral", "social"),
])
def test_default_channel_grouping(source: str | None, medium: str | None, channel: str) -> None:
    got = duckdb.execute(f"SELECT {channel_sql('s', 'm')} FROM (SELECT ?::VARCHAR AS s, ?::VARCHAR AS m)",
                         [source, medium]).fetchone()[0]
    assert got == channel


def test_parquet_export_gives_the_same_events(ga: dict[str, Any]) -> None:
    file = ga["parquet"].files[0]
    assert (file.read, file.loaded, file.quarantined) == (23, 23, 0)
    q = f"SELECT {COLUMNS} FROM events WHERE store_id = ? ORDER BY event_id"
    web, pq_rows = (ga["con"].execute(q, [s]).fetchall() for s in ("web", "pq"))
    assert [r[:13] for r in pq_rows] == [r[:13] for r in web]
    assert [json.loads(r[13]) for r in pq_rows] == [json.loads(r[13]) for r in web]


def test_a_broken_line_is_quarantined(tmp_path: Path, wh: Any) -> None:
    lines = EXPORT.read_text().splitlines()
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join([lines[0], lines[1][:80], lines[2]]) + "\n")
    file = import_files(wh, [path], preset="ga4-bigquery", store="w").files[0]
    assert (file.read, file.loaded, file.quarantined, file.reasons) == (3, 2, 1, {"bad_json_line": 1})


def test_wrong_kind_of_file(wh: Any) -> None:
    with pytest.raises(SchemaError) as info:
        import_files(wh, [DATA / "amazon-all-orders.txt"], preset="ga4-bigquery", store="w")
    assert "--preset amazon-orders" in info.value.hint
    with pytest.raises(SchemaError) as info:
        import_files(wh, [EXPORT], preset="amazon-ads", store="w")
    assert "--preset ga4-bigquery" in info.value.hint and "GA4" not in info.value.message


def test_minimal_export_without_nested_fields(tmp_path: Path, wh: Any) -> None:
    """Only the three identifying fields: events without session, channel source or product."""
    path = tmp_path / "events.jsonl"
    path.write_text('{"event_timestamp": 1793836810000000, "event_name": "page_view", "user_pseudo_id": "u1"}\n')
    file = import_files(wh, [path], preset="ga4-bigquery", store="w").files[0]
    assert (file.read, file.loaded, file.quarantined) == (1, 1, 0)
    assert wh.con.execute("SELECT event_id, ts, session_id, event, channel FROM events").fetchall() == [
        ("u1-1793836810000000-page_view-1", datetime(2026, 11, 5, 0, 0, 10), None, "page_view", "other")]
