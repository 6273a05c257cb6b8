"""Bad values given to the behaviour analyses (Python API and CLI alike) fail with a ShoplensError that
names the argument, never with a TypeError, a DuckDB error or a negative LIMIT; and ``pv`` is an
alias of product_view.

The warehouse is the two-store fixture of tests/test_segments_fixture.py. Facts used below, from its
docstring: store a's paid customers are u1 (GMV 1100, last paid 03-25), u3 (1200, 03-20) and u5
(80, 2025-12-20); its last data day is 2026-03-31; users with a paid order are a:u1 a:u3 a:u5 and
b:u1 b:u6 b:u8.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import shoplens
from shoplens.analyses.filters import event_name, parse_steps
from shoplens.analyses.paths import paths
from shoplens.analyses.retention import retention
from shoplens.analyses.segments import parse_rule
from shoplens.errors import ShoplensError
from shoplens.ingest.pipeline import import_files
from test_segments_fixture import build


@pytest.fixture(scope="module")
def seg_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("inputs") / "w.duckdb")


@pytest.fixture(scope="module")
def wh(seg_db: Path):
    warehouse = shoplens.connect(str(seg_db), read_only=True)
    yield warehouse
    warehouse.close()


@pytest.fixture
def writable(seg_db: Path, tmp_path: Path):
    copy = tmp_path / "w.duckdb"
    shutil.copy(seg_db, copy)
    warehouse = shoplens.connect(str(copy))
    yield warehouse
    warehouse.close()


def refused(call: Callable[[], Any], *words: str) -> ShoplensError:
    """``call()`` raises a ShoplensError (not any other exception) whose English text has every word."""
    with pytest.raises(ShoplensError) as info:
        call()
    text = str(info.value)
    for word in words:
        assert word in text, (word, text)
    assert info.value.zh and info.value.render("zh") != text, text  # a Chinese message too
    return info.value


# ---- RFM lists ----------------------------------------------------------------------------------------
RFM_CASES = [
    (lambda wh: shoplens.rfm_customers(wh, store="a", limit=-1), ("limit -1 is not a whole number",)),
    (lambda wh: shoplens.rfm_customers(wh, store="a", limit="5"), ("limit '5' is not a whole number",)),
    (lambda wh: shoplens.rfm_customers(wh, store="a", limit=2.5), ("limit 2.5",)),
    (lambda wh: shoplens.rfm_customers(wh, store="a", limit=True), ("limit True",)),
    (lambda wh: shoplens.rfm_customers(wh, store="a", limit=10**30), ("limit 1000000000000000000000000000000",)),
    (lambda wh: shoplens.rfm_customers(wh, tier=5, store="a"), ("tier 5 is not a tier name",)),
    (lambda wh: shoplens.rfm_customers(wh, store="a", as_of=date(1, 1, 1)),
     ("as_of 0001-01-01 is outside 1970-01-01 .. 2099-12-31",)),
    (lambda wh: shoplens.win_back(wh, -1, store="a"), ("win-back days -1 is not a whole number in 0..36,500",)),
    (lambda wh: shoplens.win_back(wh, "90", store="a"), ("win-back days '90'",)),
    (lambda wh: shoplens.win_back(wh, 10**6, store="a"), ("win-back days 1000000",)),
    (lambda wh: shoplens.win_back(wh, 90, store="a", limit=-3), ("limit -3",)),
    (lambda wh: shoplens.rfm(wh, store="a", bins=11), ("--bins 11 is out of range",)),
    (lambda wh: shoplens.rfm(wh, store="a", bins="5"), ("--bins '5' is out of range",)),
    (lambda wh: shoplens.rfm(wh, store="a", as_of="2026-13-01"), ("as_of '2026-13-01' is not a date",)),
    (lambda wh: shoplens.rfm(wh, store="a", as_of=date(9999, 12, 31)), ("as_of 9999-12-31 is outside",)),
]


@pytest.mark.parametrize(("call", "words"), RFM_CASES, ids=[str(i) for i in range(len(RFM_CASES))])
def test_rfm_arguments(wh: Any, call: Callable[[Any], Any], words: tuple[str, ...]) -> None:
    refused(lambda: call(wh), *words)


def test_rfm_lists_still_cut_and_filter(wh: Any) -> None:
    top = shoplens.rfm_customers(wh, store="a", limit=1)  # most valuable first: u3 (1200)
    assert [r.user_id for r in top.rows] == ["u3"] and top.total == 3
    assert [r.user_id for r in shoplens.rfm_customers(wh, store="a", limit=0).rows] == ["u3", "u1", "u5"]
    lapsed = shoplens.win_back(wh, 30, store="a")  # recency on 03-31: u1 6, u3 11, u5 101 days
    assert [(r.user_id, r.recency_days) for r in lapsed.rows] == [("u5", 101)]


# ---- paths --------------------------------------------------------------------------------------------
PATH_CASES = [
    ({"start_event": "page_view", "depth": "3"}, ("--depth '3' is out of range",)),
    ({"start_event": "page_view", "depth": 3.0}, ("--depth 3.0 is out of range",)),
    ({"start_event": "page_view", "depth": 10**30}, ("--depth 1000000000000000000000000000000 is out of range",)),
    ({"start_event": "page_view", "top": -1}, ("--top -1 is out of range",)),
    ({"start_event": "page_view", "top": "10"}, ("--top '10' is out of range",)),
    ({"start_event": "page_view", "top": False}, ("--top False is out of range",)),
    ({"start_event": 5}, ("the anchor event 5 is not an event name",)),
    ({"start_event": "page_view", "events": [5]}, ("--events [5] is not a list of event names",)),
    ({"start_event": "page_view", "events": "page_view,purch\x00ase"}, ("event name", "contains a NUL byte")),
    ({"start_event": "x" * 2000}, ("event name", "is too long (2000 characters)")),
    ({"start_event": "page_view", "where": "channel=a\x00b"}, ("--where", "contains a NUL byte")),
    ({"start_event": "page_view", "where": "channel=" + "x" * 1001}, ("--where value", "too long (1001 characters)")),
]


@pytest.mark.parametrize(("kw", "words"), PATH_CASES, ids=[str(i) for i in range(len(PATH_CASES))])
def test_paths_arguments(wh: Any, kw: dict[str, Any], words: tuple[str, ...]) -> None:
    refused(lambda: paths(wh, store="a", **kw), *words)


# ---- retention ----------------------------------------------------------------------------------------
RETENTION_CASES = [
    ({"periods": "3"}, ("--periods '3' is not a whole number",)),
    ({"periods": 2.0}, ("--periods 2.0 is not a whole number",)),
    ({"periods": True}, ("--periods True is not a whole number",)),
    ({"periods": 10**20}, ("--periods 100000000000000000000 is out of range",)),
    ({"periods": 64}, ("--periods 64 is out of range",)),
    ({"cohort_event": 5}, ("cohort_event 5 is not an event name",)),
    ({"return_event": ["purchase"]}, ("return_event ['purchase'] is not an event name",)),
    ({"cohort_event": "purchase[channel=a\x00b]"}, ("step", "contains a NUL byte")),
    ({"where": "country=a\x00b"}, ("--where", "contains a NUL byte")),
]


@pytest.mark.parametrize(("kw", "words"), RETENTION_CASES, ids=[str(i) for i in range(len(RETENTION_CASES))])
def test_retention_arguments(wh: Any, kw: dict[str, Any], words: tuple[str, ...]) -> None:
    refused(lambda: retention(wh, store="a", **kw), *words)


def test_funnel_steps_with_nul_or_huge_values(wh: Any) -> None:
    refused(lambda: shoplens.funnel(wh, "page_view,purchase[channel=a\x00b]", store="a"), "step", "NUL byte")
    refused(lambda: shoplens.funnel(wh, ["page_view", "purchase"], store="a", where="device=\x00"), "--where",
            "NUL byte")
    refused(lambda: shoplens.funnel(wh, "page_view," + "y" * 1500, store="a"), "event name",
            "is too long (1500 characters)")


# ---- segments -----------------------------------------------------------------------------------------
def test_segment_members_arguments(wh: Any) -> None:
    members = shoplens.segment_members
    refused(lambda: members(wh, "orders>=1", limit=-1), "limit -1 is not a whole number in 0..1,000,000,000")
    refused(lambda: members(wh, "orders>=1", limit="3"), "limit '3'")
    refused(lambda: members(wh, "orders>=1", as_of="yesterday"), "as_of 'yesterday' is not a date")
    refused(lambda: members(wh, "orders>=1", as_of=date(1969, 12, 31)), "as_of 1969-12-31 is outside 1970-01-01")
    refused(lambda: members(wh, "orders>=1", as_of=[2026, 3, 1]), "as_of [2026, 3, 1] is not a date")
    refused(lambda: members(wh, 5), "a segment is a saved name, rule text or a dict, not int")
    refused(lambda: members(wh, "country=a\x00b"), "rule column 10", "NUL byte")
    refused(lambda: members(wh, {"property": "country", "in": ["a\x00b"]}), "rule $.in", "NUL byte")
    refused(lambda: members(wh, "did(purchase, last_days=99999999)"), "last_days must be at most 36,500")
    refused(lambda: shoplens.segment_profile(wh, "orders>=1", top=0), "--top 0 is not a whole number in 1..100")
    refused(lambda: shoplens.segment_profile(wh, "orders>=1", top="5"), "--top '5'")
    first = members(wh, "orders>=1", limit=2)  # sorted by store, user: a:u1 a:u3 a:u5 b:u1 b:u6 b:u8
    assert list(zip(first.store_id, first.user_id, strict=True)) == [("a", "u1"), ("a", "u3")]
    assert len(members(wh, "orders>=1", limit=0)) == 6


def test_save_segment_arguments(writable: Any) -> None:
    save = shoplens.save_segment
    refused(lambda: save(writable, "x", "orders>=1", description=5), "a segment description is text, not int")
    refused(lambda: save(writable, "x", "orders>=1", description="a\x00b"), "description", "NUL byte")
    refused(lambda: save(writable, "x", "orders>=1", description="d" * 2001), "description",
            "too long (2001 characters)")
    refused(lambda: save(writable, "x\n", "orders>=1"), "segment name 'x\\n' is not allowed")
    refused(lambda: save(writable, "x", 42), "a segment rule is text or a dict, not int")
    assert shoplens.segments(writable) == []


# ---- user timeline ------------------------------------------------------------------------------------
TIMELINE_CASES = [
    ("u1\x00", {}, ("user_id 'u1\\x00' contains a NUL byte",)),
    (5, {}, ("user_id 5 is not text",)),
    ("u" * 1001, {}, ("user_id", "is too long (1001 characters)")),
    ("u1", {"limit": -1}, ("--limit -1 is not a count",)),
    ("u1", {"limit": "5"}, ("--limit '5' is not a count",)),
    ("u1", {"limit": 10**30}, ("--limit 1000000000000000000000000000000 is not a count",)),
    ("u1", {"churn_days": "180"}, ("churn_days '180' is not a whole number in 31..36500",)),
    ("u1", {"churn_days": 10**9}, ("churn_days 1000000000",)),
    ("u1", {"as_of": date(1900, 1, 1)}, ("as_of 1900-01-01 is outside 1970-01-01 .. 2099-12-31",)),
    ("u1", {"start": "2026-13-01"}, ("--from '2026-13-01' is not a date",)),
    ("u1", {"end": date(2200, 1, 1)}, ("--to 2200-01-01 is outside",)),
    ("u1", {"kinds": [5]}, ("unknown kind 5",)),
    ("u1", {"kinds": 5}, ("kinds 5 is not a list of kinds",)),
]


@pytest.mark.parametrize(("user", "kw", "words"), TIMELINE_CASES, ids=[str(i) for i in range(len(TIMELINE_CASES))])
def test_user_timeline_arguments(wh: Any, user: Any, kw: dict[str, Any], words: tuple[str, ...]) -> None:
    refused(lambda: shoplens.user_timeline(wh, user, store="a", **kw), *words)


def test_user_timeline_still_works_with_good_values(wh: Any) -> None:
    result = shoplens.user_timeline(wh, "u1", store="a", limit=2, as_of="2026-03-31", churn_days=90)
    assert result.profile["orders"] == 3 and result.profile["gmv"] == 1100  # o1, o2, o3 paid by 03-31
    assert len(result.timeline) == 2 and result.lifecycle.churn_days == 90 and result.end == date(2026, 3, 31)


# ---- pv -> product_view ---------------------------------------------------------------------------------
def test_pv_is_product_view(tmp_path: Path) -> None:
    assert event_name("pv") == event_name(" PV ") == "product_view"
    assert event_name("pvx") == "pvx"  # a custom event name, not an alias
    assert [s.event for s in parse_steps("pv,cart,buy")] == ["product_view", "add_to_cart", "purchase"]
    assert parse_rule("did(pv, min=2)") == {"event": "product_view", "min": 2}
    file = tmp_path / "events.csv"
    with open(file, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("event_id", "ts", "user_id", "event"), ("e1", "2026-01-01T00:00:00Z", "u1", "pv"),
                                  ("e2", "2026-01-01T00:01:00Z", "u1", "PV")])
    with shoplens.connect(str(tmp_path / "w.duckdb")) as fresh:
        summary = import_files(fresh, [file], table="events", store="s", currency="USD", timezone="UTC")
        assert summary.files[0].loaded == 2 and summary.files[0].quarantined == 0
        assert fresh.con.execute("SELECT list(event ORDER BY event_id) FROM events").fetchone()[0] == [
            "product_view", "product_view"]


# ---- the CLI goes through the same checks ---------------------------------------------------------------
def test_cli_reports_bad_values_in_one_line(seg_db: Path, tmp_path: Path) -> None:
    from test_segments_cli import one_line_error, run_all

    db = tmp_path / "w.duckdb"
    shutil.copy(seg_db, db)
    save, rfm_list, show, preview = run_all(
        db, ["segment", "save", "x", "--rule", "did(purchase, last_days=99999999)"],
        ["rfm", "--store", "a", "--list", "all", "--limit", "-1"],
        ["segment", "preview", "--rule", "orders>=1", "--top", "0"],
        ["segment", "preview", "--json", '{"event": "purchase", "from": "0001-01-01"}'])
    one_line_error(save, "last_days must be at most 36,500")
    one_line_error(rfm_list, "limit -1 is not a whole number")
    one_line_error(show, "--top 0 is not a whole number in 1..100")
    one_line_error(preview, "rule $.from", "from 0001-01-01 is outside 1970-01-01 .. 2099-12-31")
    with shoplens.connect(str(db), read_only=True) as after:
        assert shoplens.segments(after) == []  # the refused rule was not stored
