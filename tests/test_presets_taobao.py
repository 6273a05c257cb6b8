"""taobao-userbehavior preset on the real Tianchi head sample; expectations recomputed with pandas.

Rules applied independently (from the preset's docstring): one line = one event; pv/fav/cart/buy
-> product_view/favorite/add_to_cart/purchase, anything else quarantined as not_allowed; event_id
= user-epoch-item-behaviour-k with k numbering identical (user, item, behaviour, second) lines.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from shoplens.ingest.pipeline import import_files

SAMPLE = "taobao_userbehavior_sample/UserBehavior_head.csv.gz"
EVENTS = {"pv": "product_view", "fav": "favorite", "cart": "add_to_cart", "buy": "purchase"}
TABLES = ("events", "products", "customers")


def read_events(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, header=None, names=["user", "item", "category", "behaviour", "ts"], dtype=str)
    df["line"] = df.index + 1  # no header line
    df["event"] = df.behaviour.map(EVENTS)
    df["local"] = pd.to_datetime(df.ts.astype("int64"), unit="s", utc=True).dt.tz_convert("Asia/Shanghai")
    df["k"] = df.groupby(["user", "item", "behaviour", "ts"]).cumcount() + 1
    df["event_id"] = df.user + "-" + df.ts + "-" + df.item + "-" + df.behaviour + "-" + df.k.astype(str)
    return df


def snapshot(con: Any) -> dict[str, tuple[int, int]]:
    return {t: con.execute(f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM {t} x").fetchone() for t in TABLES}


@pytest.fixture(scope="module")
def taobao(datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    wh = shoplens.connect(str(tmp_path_factory.mktemp("taobao") / "w.duckdb"))
    path = datasets / SAMPLE
    first = import_files(wh, [path], preset="taobao-userbehavior", store="tb")
    before = snapshot(wh.con)
    second = import_files(wh, [path], preset="taobao-userbehavior", store="tb")
    yield {"con": wh.con, "df": read_events(path), "first": first, "second": second, "before": before,
           "after": snapshot(wh.con)}
    wh.close()


def test_conservation_and_store(taobao: dict[str, Any]) -> None:
    df, file = taobao["df"], taobao["first"].files[0]
    assert df.event.notna().all()  # the sample holds only the four behaviours
    assert (file.read, file.loaded, file.duplicates, file.quarantined) == (len(df), len(df), 0, 0) == (
        84_287, 84_287, 0, 0)
    store = taobao["con"].execute("SELECT timezone, reporting_currency, platform FROM stores").fetchone()
    assert store == ("Asia/Shanghai", "CNY", "other")


def test_daily_counts_per_event_type(taobao: dict[str, Any]) -> None:
    df = taobao["df"]
    expected = df.groupby([df.local.dt.strftime("%Y-%m-%d"), "event"]).size().to_dict()
    rows = taobao["con"].execute(
        "SELECT strftime(timezone('Asia/Shanghai', timezone('UTC', ts)), '%Y-%m-%d'), event, count(*) "
        "FROM events GROUP BY ALL").fetchall()
    assert {(d, e): n for d, e, n in rows} == expected
    totals = taobao["con"].execute("SELECT event, count(*) FROM events GROUP BY 1").fetchall()
    assert dict(totals) == {"product_view": 75_693, "add_to_cart": 4_494, "favorite": 2_351, "purchase": 1_749}


def test_event_ids_and_mapping(taobao: dict[str, Any]) -> None:
    df = taobao["df"]
    rows = taobao["con"].execute("SELECT event_id, user_id, product_id, event, page_type, epoch(ts)::BIGINT "
                                 "FROM events").fetchall()
    got = {r[0]: r[1:] for r in rows}
    expected = {e: (u, i, ev, "product", int(t))
                for e, u, i, ev, t in zip(df.event_id, df.user, df.item, df.event, df.ts, strict=True)}
    assert got == expected


def test_users_products_customers(taobao: dict[str, Any]) -> None:
    con, df = taobao["con"], taobao["df"]
    assert con.execute("SELECT count(DISTINCT user_id) FROM events").fetchone()[0] == df.user.nunique() == 814
    first_seen = df.groupby("user").ts.apply(lambda s: s.astype("int64").min()).to_dict()
    rows = con.execute("SELECT user_id, epoch(first_seen)::BIGINT FROM customers").fetchall()
    assert dict(rows) == first_seen
    last_category = df.groupby("item").category.last().to_dict()  # the last line's category wins
    rows = con.execute("SELECT product_id, category FROM products").fetchall()
    assert dict(rows) == last_category
    assert len(last_category) == 55_233


def test_reimport_is_idempotent(taobao: dict[str, Any]) -> None:
    file = taobao["second"].files[0]
    assert (file.loaded, file.duplicates, file.quarantined) == (0, file.read, 0)
    assert all(n == 0 for n in file.tables.values())
    assert taobao["after"] == taobao["before"]


def test_repeated_lines_and_unknown_behaviour(datasets: Path, tmp_path: Path, wh: Any) -> None:
    """Identical lines stay separate events; an unknown behaviour is quarantined with its line;
    a copy with a header line gives the same events."""
    with gzip.open(datasets / SAMPLE, "rt") as fh:
        head = [next(fh) for _ in range(3)]
    body = [*head, head[0], "1,2,3,click,1511544070\n"]
    plain, with_header = tmp_path / "ub.csv", tmp_path / "ub_header.csv"
    plain.write_text("".join(body))
    with_header.write_text("user_id,item_id,category_id,behavior_type,timestamp\n" + "".join(body))
    u, i, _c, b, ts = head[0].strip().split(",")
    for store, path, bad_line in (("a", plain, 5), ("b", with_header, 6)):
        for attempt in range(2):
            file = import_files(wh, [path], preset="taobao-userbehavior", store=store).files[0]
            assert (file.read, file.quarantined, file.reasons) == (5, 1, {"not_allowed": 1})
            assert (file.loaded, file.duplicates) == ((4, 0) if attempt == 0 else (0, 4))
        ids = {r[0] for r in wh.con.execute("SELECT event_id FROM events WHERE store_id = ?", [store]).fetchall()}
        assert {f"{u}-{ts}-{i}-{b}-1", f"{u}-{ts}-{i}-{b}-2"} <= ids and len(ids) == 4
        line = wh.con.execute("SELECT line, value FROM quarantine WHERE store_id = ?", [store]).fetchall()
        assert line == [(bad_line, "click")]
