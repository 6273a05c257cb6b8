"""User paths (`shoplens paths`): a hand-made fixture with hand-computed nodes, links and paths, the
Taobao sample against an independent pandas computation, and the CLI's JSON.

Fixture (all times UTC; both stores are Asia/Shanghai, so 01:00Z is 09:00 the same local day).
Store ``web`` has session ids; the letter after the user is the device (m = mobile, d = desktop):

    S1  u1 m 03-02  page_view, product_view, product_view, add_to_cart, begin_checkout, purchase
    S2  u2 d 03-02  product_view, add_to_cart (w12) + favorite (w13) at the SAME second, purchase
                    (the file lists w13 first: the event_id rule puts add_to_cart first)
    S3  u3 m 03-02  product_view
    S4  u1 d 03-03  search, product_view, add_to_cart
    S5  u4 m 03-02  page_view, search                         (no product_view, no purchase)
    S6  u5 m 03-02  product_view x3, search (desktop), product_view
    S7  u6 m 03-02  product_view, purchase
    S8  u7 d 03-02  purchase, page_view, purchase              (two purchases: --end takes the last)
    S9  u9 m 03-04  product_view 23:50 local, add_to_cart 00:10 local on 03-05 (crosses midnight)
    S10 u5 m 03-03  product_view, purchase

Store ``app`` has no session ids (30-minute gap rule) and shares the user id ``u1`` with ``web``:

    u1  01:00 product_view, 01:29:59 add_to_cart | 01:59:59 purchase (exactly 30 min later: a new
        visit), 02:10 product_view
    u8  01:00 product_view | 03:00 product_view, 03:20 coupon_claim (a custom event)
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from csv_files import write_csv
from shoplens.analyses.paths import PathsResult, paths
from shoplens.errors import ShoplensError
from shoplens.ingest.pipeline import import_files

PV, ATC, BUY = "product_view", "add_to_cart", "purchase"

WEB = ("event_id,ts,user_id,session_id,event,device", [
    ("w01", "2026-03-02T01:00:00Z", "u1", "S1", "page_view", "mobile"),
    ("w02", "2026-03-02T01:01:00Z", "u1", "S1", PV, "mobile"),
    ("w03", "2026-03-02T01:02:00Z", "u1", "S1", PV, "mobile"),
    ("w04", "2026-03-02T01:03:00Z", "u1", "S1", ATC, "mobile"),
    ("w05", "2026-03-02T01:04:00Z", "u1", "S1", "begin_checkout", "mobile"),
    ("w06", "2026-03-02T01:05:00Z", "u1", "S1", BUY, "mobile"),
    ("w11", "2026-03-02T01:00:00Z", "u2", "S2", PV, "desktop"),
    ("w13", "2026-03-02T01:01:00Z", "u2", "S2", "favorite", "desktop"),
    ("w12", "2026-03-02T01:01:00Z", "u2", "S2", ATC, "desktop"),
    ("w14", "2026-03-02T01:02:00Z", "u2", "S2", BUY, "desktop"),
    ("w21", "2026-03-02T01:00:00Z", "u3", "S3", PV, "mobile"),
    ("w31", "2026-03-03T01:00:00Z", "u1", "S4", "search", "desktop"),
    ("w32", "2026-03-03T01:01:00Z", "u1", "S4", PV, "desktop"),
    ("w33", "2026-03-03T01:02:00Z", "u1", "S4", ATC, "desktop"),
    ("w41", "2026-03-02T01:00:00Z", "u4", "S5", "page_view", "mobile"),
    ("w42", "2026-03-02T01:01:00Z", "u4", "S5", "search", "mobile"),
    ("w51", "2026-03-02T01:00:00Z", "u5", "S6", PV, "mobile"),
    ("w52", "2026-03-02T01:01:00Z", "u5", "S6", PV, "mobile"),
    ("w53", "2026-03-02T01:02:00Z", "u5", "S6", PV, "mobile"),
    ("w54", "2026-03-02T01:03:00Z", "u5", "S6", "search", "desktop"),
    ("w55", "2026-03-02T01:04:00Z", "u5", "S6", PV, "mobile"),
    ("w61", "2026-03-02T01:00:00Z", "u6", "S7", PV, "mobile"),
    ("w62", "2026-03-02T01:01:00Z", "u6", "S7", BUY, "mobile"),
    ("w71", "2026-03-02T01:00:00Z", "u7", "S8", BUY, "desktop"),
    ("w72", "2026-03-02T01:01:00Z", "u7", "S8", "page_view", "desktop"),
    ("w73", "2026-03-02T01:02:00Z", "u7", "S8", BUY, "desktop"),
    ("w81", "2026-03-04T15:50:00Z", "u9", "S9", PV, "mobile"),
    ("w82", "2026-03-04T16:10:00Z", "u9", "S9", ATC, "mobile"),
    ("w91", "2026-03-03T01:00:00Z", "u5", "S10", PV, "mobile"),
    ("w92", "2026-03-03T01:01:00Z", "u5", "S10", BUY, "mobile"),
])
APP = ("event_id,ts,user_id,event", [
    ("p01", "2026-03-02T01:00:00Z", "u1", PV),
    ("p02", "2026-03-02T01:29:59Z", "u1", ATC),
    ("p03", "2026-03-02T01:59:59Z", "u1", BUY),
    ("p04", "2026-03-02T02:10:00Z", "u1", PV),
    ("p11", "2026-03-02T01:00:00Z", "u8", PV),
    ("p12", "2026-03-02T03:00:00Z", "u8", PV),
    ("p13", "2026-03-02T03:20:00Z", "u8", "coupon_claim"),
])


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("paths")
    with shoplens.connect(str(folder / "paths.duckdb")) as wh:
        for store, (header, rows) in {"web": WEB, "app": APP}.items():
            path = write_csv(folder / f"{store}_events.csv", header, rows)
            summary = import_files(wh, [path], table="events", store=store, currency="CNY", timezone="Asia/Shanghai")
            assert summary.files[0].loaded == len(rows) and summary.files[0].quarantined == 0
    return folder / "paths.duckdb"


@pytest.fixture(scope="module")
def pwh(fixture_db: Path):
    wh = shoplens.connect(str(fixture_db), read_only=True)
    yield wh
    wh.close()


def nodes(r: PathsResult) -> dict[str, tuple[int, int]]:
    return {n.id: (n.users, n.sessions) for n in r.nodes}


def links(r: PathsResult) -> dict[tuple[str, str], tuple[int, int]]:
    return {(k.source, k.target): (k.users, k.sessions) for k in r.links}


def path_rows(r: PathsResult) -> list[tuple[str, int, int]]:
    return [(" > ".join(p.path), p.users, p.sessions) for p in r.paths]


# ---- forward -------------------------------------------------------------------------------------
# S1 pv pv atc | S2 pv atc fav | S3 pv (end) | S4 pv atc (end) | S6 pv pv pv | S7 pv buy (end)
# S9 pv atc (end) | S10 pv buy (end)   -> 8 sessions of 6 users (u1: S1+S4, u5: S6+S10)
FORWARD_NODES = {
    "1:product_view": (6, 8),
    "2:add_to_cart": (3, 3), "2:product_view": (2, 2), "2:purchase": (2, 2), "2:(end)": (1, 1),
    "3:(end)": (4, 4), "3:add_to_cart": (1, 1), "3:favorite": (1, 1), "3:product_view": (1, 1),
}
FORWARD_LINKS = {
    ("1:product_view", "2:add_to_cart"): (3, 3), ("1:product_view", "2:product_view"): (2, 2),
    ("1:product_view", "2:purchase"): (2, 2), ("1:product_view", "2:(end)"): (1, 1),
    ("2:add_to_cart", "3:(end)"): (2, 2), ("2:purchase", "3:(end)"): (2, 2),
    ("2:add_to_cart", "3:favorite"): (1, 1), ("2:product_view", "3:add_to_cart"): (1, 1),
    ("2:product_view", "3:product_view"): (1, 1),
}


def test_forward_nodes_links_and_paths(pwh) -> None:
    r = paths(pwh, start_event=PV, depth=3, store="web")
    assert (r.users, r.sessions, r.start, r.end, r.direction) == (6, 8, PV, None, "forward")
    assert nodes(r) == FORWARD_NODES
    assert links(r) == FORWARD_LINKS
    assert path_rows(r) == [
        ("product_view > add_to_cart > (end)", 2, 2),  # S4 (u1), S9 (u9)
        ("product_view > purchase > (end)", 2, 2),  # S7 (u6), S10 (u5)
        ("product_view > (end)", 1, 1),
        ("product_view > add_to_cart > favorite", 1, 1),  # S2: the tie at 01:01 goes by event_id
        ("product_view > product_view > add_to_cart", 1, 1),  # S1 from its FIRST product_view
        ("product_view > product_view > product_view", 1, 1),
    ]
    assert [p.share for p in r.paths[:3]] == pytest.approx([2 / 6, 2 / 6, 1 / 6])
    # nodes in step order, the biggest first; links in the anchor's order
    assert [n.id for n in r.nodes][:5] == ["1:product_view", "2:add_to_cart", "2:product_view", "2:purchase",
                                           "2:(end)"]


def test_depth_cuts_the_paths(pwh) -> None:
    r = paths(pwh, start_event=PV, depth=2, store="web")
    assert {n.step for n in r.nodes} == {1, 2}
    assert path_rows(r) == [("product_view > add_to_cart", 3, 3), ("product_view > product_view", 2, 2),
                            ("product_view > purchase", 2, 2), ("product_view > (end)", 1, 1)]


def test_top_groups_the_rest_into_other(pwh) -> None:
    r = paths(pwh, start_event=PV, depth=3, top=1, store="web")
    # step 2: add_to_cart (3 users) stays; product_view (u1 S1, u5 S6) and purchase (u6 S7, u5 S10)
    # become (other): 3 distinct users, 4 sessions. Step 3: add_to_cart, favorite and product_view
    # tie at 1 user, 1 session: the name decides, add_to_cart stays. (end) is never grouped.
    assert nodes(r) == {
        "1:product_view": (6, 8),
        "2:add_to_cart": (3, 3), "2:(other)": (3, 4), "2:(end)": (1, 1),
        "3:(end)": (4, 4), "3:(other)": (2, 2), "3:add_to_cart": (1, 1),
    }
    assert links(r) == {
        ("1:product_view", "2:add_to_cart"): (3, 3), ("1:product_view", "2:(other)"): (3, 4),
        ("1:product_view", "2:(end)"): (1, 1),
        ("2:(other)", "3:(end)"): (2, 2), ("2:add_to_cart", "3:(end)"): (2, 2),
        ("2:add_to_cart", "3:(other)"): (1, 1), ("2:(other)", "3:add_to_cart"): (1, 1),
        ("2:(other)", "3:(other)"): (1, 1),
    }
    # paths are not grouped; --top also limits how many are listed
    assert path_rows(r) == [("product_view > add_to_cart > (end)", 2, 2)]


def test_collapse_repeats(pwh) -> None:
    r = paths(pwh, start_event=PV, depth=3, store="web", collapse_repeats=True)
    # S1 pv atc begin_checkout | S6 pv search pv | S2, S4, S9 as before: add_to_cart at step 2 in
    # 4 sessions of 3 users (u1 twice)
    assert nodes(r) == {
        "1:product_view": (6, 8),
        "2:add_to_cart": (3, 4), "2:purchase": (2, 2), "2:search": (1, 1), "2:(end)": (1, 1),
        "3:(end)": (4, 4), "3:begin_checkout": (1, 1), "3:favorite": (1, 1), "3:product_view": (1, 1),
    }


# ---- backward ------------------------------------------------------------------------------------
def test_backward_from_the_last_occurrence(pwh) -> None:
    r = paths(pwh, end_event=BUY, depth=3, store="web")
    # S1 atc bc BUY | S2 atc fav BUY | S7 (start) pv BUY | S8 BUY page_view BUY (the last one) |
    # S10 (start) pv BUY
    assert (r.users, r.sessions, r.start, r.end, r.direction) == (5, 5, None, BUY, "backward")
    assert nodes(r) == {
        "1:purchase": (5, 5),
        "2:product_view": (2, 2), "2:begin_checkout": (1, 1), "2:favorite": (1, 1), "2:page_view": (1, 1),
        "3:(start)": (2, 2), "3:add_to_cart": (2, 2), "3:purchase": (1, 1),
    }
    # links follow time: the earlier step is the source
    assert links(r) == {
        ("2:product_view", "1:purchase"): (2, 2), ("2:begin_checkout", "1:purchase"): (1, 1),
        ("2:favorite", "1:purchase"): (1, 1), ("2:page_view", "1:purchase"): (1, 1),
        ("3:(start)", "2:product_view"): (2, 2), ("3:add_to_cart", "2:begin_checkout"): (1, 1),
        ("3:add_to_cart", "2:favorite"): (1, 1), ("3:purchase", "2:page_view"): (1, 1),
    }
    assert path_rows(r) == [("(start) > product_view > purchase", 2, 2),
                            ("add_to_cart > begin_checkout > purchase", 1, 1),
                            ("add_to_cart > favorite > purchase", 1, 1),
                            ("purchase > page_view > purchase", 1, 1)]


# ---- sessions without session_id, several stores -------------------------------------------------
def test_gap_sessions(pwh) -> None:
    r = paths(pwh, start_event=PV, depth=3, store="app")
    # u1: [p01 pv, p02 atc] | [p03 buy (30:00 later), p04 pv]; u8: [p11 pv] | [p12 pv, p13 coupon_claim]
    assert nodes(r) == {"1:product_view": (2, 4), "2:(end)": (2, 2), "2:add_to_cart": (1, 1),
                        "2:coupon_claim": (1, 1), "3:(end)": (2, 2)}
    assert path_rows(r) == [("product_view > (end)", 2, 2), ("product_view > add_to_cart > (end)", 1, 1),
                            ("product_view > coupon_claim > (end)", 1, 1)]
    assert [p.share for p in r.paths] == pytest.approx([1.0, 0.5, 0.5])
    back = paths(pwh, end_event=BUY, depth=3, store="app")
    assert path_rows(back) == [("(start) > purchase", 1, 1)]  # the purchase opened its own visit


def test_multi_store_users_are_per_store(pwh) -> None:
    r = paths(pwh, start_event=PV, depth=3)
    # u1 of web and u1 of app are two users: 6 + 2 users, 8 + 4 sessions
    assert (r.users, r.sessions) == (8, 12)
    assert nodes(r)["2:add_to_cart"] == (4, 4)  # web u2, u1, u9 + app u1
    assert nodes(r)["2:(end)"] == (3, 3)  # web u3 + app u1, u8


# ---- filters -------------------------------------------------------------------------------------
def test_where_skips_events_without_splitting_visits(pwh) -> None:
    r = paths(pwh, start_event=PV, depth=3, store="web", where="device=mobile")
    # desktop sessions S2, S4 drop out; in S6 the desktop search is skipped: pv pv pv
    assert nodes(r) == {
        "1:product_view": (5, 6),
        "2:product_view": (2, 2), "2:purchase": (2, 2), "2:add_to_cart": (1, 1), "2:(end)": (1, 1),
        "3:(end)": (3, 3), "3:add_to_cart": (1, 1), "3:product_view": (1, 1),
    }


def test_events_option_keeps_only_those_events_and_the_anchor(pwh) -> None:
    r = paths(pwh, start_event=PV, depth=3, store="web", events=["purchase"])
    assert r.events == (PV, BUY)
    # S1 pv pv buy | S2 pv buy | S3 pv | S4 pv | S6 pv pv pv | S7 pv buy | S9 pv | S10 pv buy
    assert path_rows(r) == [("product_view > (end)", 3, 3), ("product_view > purchase > (end)", 3, 3),
                            ("product_view > product_view > product_view", 1, 1),
                            ("product_view > product_view > purchase", 1, 1)]


def test_dates_select_visits_by_their_first_day(pwh) -> None:
    # S9 starts 23:50 on 03-04 and its add_to_cart is on 03-05: it belongs to 03-04 only
    r = paths(pwh, start_event=PV, depth=3, store="web", start=date(2026, 3, 4), end=date(2026, 3, 4))
    assert path_rows(r) == [("product_view > add_to_cart > (end)", 1, 1)]
    assert (r.date_from, r.date_to) == (date(2026, 3, 4), date(2026, 3, 4))
    assert paths(pwh, start_event=PV, store="web", start=date(2026, 3, 5), end=date(2026, 3, 5)).users == 0
    day = paths(pwh, start_event=PV, depth=3, store="web", start=date(2026, 3, 2), end=date(2026, 3, 2))
    assert (day.users, day.sessions) == (5, 5)  # S1 S2 S3 S6 S7


def test_bad_options(pwh) -> None:
    for kw in ({}, {"start_event": PV, "end_event": BUY}, {"start_event": PV, "depth": 1},
               {"start_event": PV, "top": 0}, {"start_event": "Not An Event"}):
        with pytest.raises(ShoplensError):
            paths(pwh, **kw)


def test_json_shape_and_links_table(pwh) -> None:
    r = paths(pwh, start_event=PV, depth=3, store="web")
    data = json.loads(json.dumps(r.to_dict()))
    assert list(data)[:6] == ["start", "end", "direction", "from", "to", "depth"]
    assert data["nodes"][0] == {"id": "1:product_view", "step": 1, "event": PV, "users": 6, "sessions": 8}
    assert data["links"][0] == {"source": "1:product_view", "target": "2:add_to_cart", "users": 3, "sessions": 3}
    assert data["paths"][0] == {"path": [PV, ATC, "(end)"], "users": 2, "sessions": 2, "share": pytest.approx(1 / 3)}
    frame = r.to_pandas()
    assert len(frame) == len(FORWARD_LINKS)
    assert frame.iloc[0][["source_step", "source_event", "target_step", "target_event"]].tolist() == [1, PV, 2, ATC]


# ---- real data: Taobao UserBehavior sample -------------------------------------------------------
TAOBAO_FILE = "taobao_userbehavior_sample/UserBehavior_head.csv.gz"
BEHAVIOURS = {"pv": PV, "fav": "favorite", "cart": ATC, "buy": BUY}


def _pandas_steps_after(datasets: Path, anchor: str, steps: int) -> pd.DataFrame:
    """Independently of the engine: one row per 30-minute-gap session with ``anchor`` and the events
    1..steps after its first ``anchor`` ("(end)" once the session is over, then None)."""
    df = pd.read_csv(datasets / TAOBAO_FILE, header=None, names=["user", "item", "category", "behavior", "ts"],
                     dtype={"user": str, "item": str, "category": str, "behavior": str, "ts": "int64"})
    # the preset's event id: user-epoch-item-behaviour-k (k numbers identical lines in file order)
    k = df.groupby(["user", "item", "behavior", "ts"]).cumcount() + 1
    df["event_id"] = df.user + "-" + df.ts.astype(str) + "-" + df.item + "-" + df.behavior + "-" + k.astype(str)
    df["event"] = df.behavior.map(BEHAVIOURS)
    df = df.sort_values(["user", "ts", "event_id"]).reset_index(drop=True)
    gap = df.groupby("user").ts.diff()
    df["session"] = (gap.isna() | (gap >= 30 * 60)).cumsum()
    df["pos"] = df.groupby("session").cumcount()
    first = df[df.event == anchor].groupby("session").pos.min().rename("a").reset_index()
    out = first.merge(df[["session", "user"]].drop_duplicates(), on="session")
    by_pos = df.set_index(["session", "pos"]).event
    ended = pd.Series(False, index=out.index)
    for i in range(1, steps + 1):
        keys = pd.MultiIndex.from_arrays([out.session, out.a + i])
        nxt = pd.Series(by_pos.reindex(keys).to_numpy(), index=out.index)
        out[f"e{i}"] = nxt.where(~ended, None).where(nxt.notna() | ended, "(end)")
        ended = ended | nxt.isna()
    return out


def test_taobao_steps_after_add_to_cart_match_pandas(taobao_db: Path, datasets: Path) -> None:
    expected = _pandas_steps_after(datasets, ATC, 2)
    want: dict[tuple[str, str], tuple[int, int]] = {}
    for src, dst, step in (("anchor", "e1", 1), ("e1", "e2", 2)):
        frame = expected.assign(anchor=ATC).dropna(subset=[dst])
        for (a, b), grp in frame.groupby([src, dst]):
            want[(f"{step}:{a}", f"{step + 1}:{b}")] = (grp.user.nunique(), len(grp))
    with shoplens.connect(str(taobao_db), read_only=True) as wh:
        r = paths(wh, start_event=ATC, depth=3, top=100)
    assert (r.users, r.sessions) == (expected.user.nunique(), len(expected))
    assert links(r) == want
    # the sample is big enough to mean something, and users differ from sessions
    assert r.sessions > 1000 and r.users < r.sessions
    assert want[("1:add_to_cart", "2:(end)")][1] > 100


# ---- the command ---------------------------------------------------------------------------------
def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens.cli", "--db", str(db), *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})


def test_cli_json_equals_the_python_api(taobao_db: Path) -> None:
    proc = _cli(taobao_db, "paths", "--start", "add_to_cart", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    with shoplens.connect(str(taobao_db), read_only=True) as wh:
        api = paths(wh, start_event=ATC)
    assert data == json.loads(json.dumps(api.to_dict()))
    assert data["depth"] == 4 and data["nodes"][0]["id"] == "1:add_to_cart"
    assert {link["source"].split(":")[0] for link in data["links"]} == {"1", "2", "3"}


def test_cli_table_csv_and_errors(fixture_db: Path) -> None:
    table = _cli(fixture_db, "--lang", "en", "paths", "--start", "view_item", "--depth", "3", "--store", "web")
    assert table.returncode == 0, table.stderr
    assert "Paths after product_view" in table.stdout and "Top complete paths" in table.stdout
    assert "33.3%" in table.stdout  # product_view → add_to_cart → (end): 2 of 6 users
    out = _cli(fixture_db, "paths", "--end", "buy", "--depth", "3", "--store", "web", "--format", "csv").stdout
    rows = list(csv.DictReader(out.splitlines()))
    assert rows[0] == {"source": "2:product_view", "target": "1:purchase", "source_step": "2",
                       "source_event": "product_view", "target_step": "1", "target_event": "purchase",
                       "users": "2", "sessions": "2"}
    bad = _cli(fixture_db, "--lang", "en", "paths", "--start", "cart", "--end", "buy")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "exactly one of --start" in bad.stderr
