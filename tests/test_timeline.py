"""One user's timeline (`shoplens user`): a hand-made store where every number is worked out by hand,
then real data (online-retail, taobao) against an independent pandas reading of the raw files.

Store ``s1`` (Asia/Shanghai, UTC+8, CNY). All timestamps are UTC; local = +8 h, so anything after
16:00 UTC is the NEXT local day. User ``u1``:

    UTC                kind      id   local time           what
    2026-01-10 15:50   event     e1   2026-01-10 23:50     page_view, paid_search, mobile, session A
    2026-01-10 16:05   event     e2   2026-01-11 00:05     product_view p1 (crosses local midnight)
    2026-01-10 16:10   event     e3   2026-01-11 00:10     add_to_cart p1
    2026-01-10 16:18   order     o1   2026-01-11 00:18     paid 16:20, delivered, 300 CNY, p1 x2
    2026-01-10 16:20   event     e4   2026-01-11 00:20     purchase (order o1)
    2026-01-11 08:00   shipment  sh1  2026-01-11 16:00     o1 by sf, delivered after 2.0 days (promised 3)
    2026-01-15 04:00   review    v1   2026-01-15 12:00     o1, p1, 2 stars
    2026-01-16 15:30   ticket    t1   2026-01-16 23:30     complaint on o1, response 12 min, resolved 12 h
    2026-01-20 03:00   refund    r1   2026-01-20 11:00     150 CNY on o1 (NO user id: linked by the order)
    2026-02-20 02:00   event     e5   2026-02-20 10:00     page_view, email, desktop, session B
    2026-02-20 02:00   order     o2   2026-02-20 10:00     same instant as e5 (events sort first); 100 USD
                                                           = 700 CNY (rate 7 on 02-20), paid
    2026-02-21 01:00   ticket    t2   2026-02-21 09:00     inquiry, never answered
    2026-03-01 17:00   order     o3   2026-03-02 01:00     created, never paid (999): not GMV
    2026-03-01 17:30   event     e6   2026-03-02 01:30     product_view p2, app, session C

customers: u1 first_seen 2025-12-31 16:00 UTC (= 2026-01-01 00:00 local), tier "Gold " (-> gold),
DE; u10 a customers row with no activity at all. ``u2`` has one event on 2026-04-10 09:00 local,
the store's last data day. Another user's refund (r2 on o20 of u2) never shows for u1.

u1 as of 2026-04-10 (default): paid orders o1 + o2 = 2, GMV 300 + 700 = 1000, AOV 500, placed 3,
refunds 150 (1), reviews 1 (avg 2), tickets 2, events 6, sessions 3; devices mobile 5 (e1-e4, o1),
desktop 3 (e5, o2, o3), app 1; first channel paid_search. First activity local day 2026-01-10,
last 2026-03-02 (o3 and e6) -> 39 days -> dormant. Lifecycle boundaries (activity up to as-of):
2026-01-09 none; 02-08 new (29 days since first); 02-09 active (30 since first, 29 since last =
01-11); 02-10 dormant (30 since last); 08-28 dormant (179 since 03-02); 08-29 churned (180).
RFM (only u1 buys in s1: one customer, every score 1): R = 04-10 - 02-20 = 49, F 2, M 1000, tier
``dormant`` (R low, F low; rfm_tiers.RULES).

Store ``s2`` (America/Los_Angeles, USD) has a ``u1`` too: order o9 at 2026-03-10 06:00 UTC =
2026-03-09 23:00 local (PDT, UTC-7 since 03-08), so ``u1`` alone is ambiguous.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import shoplens
from shoplens.analyses.timeline import COLUMNS, KINDS, classify, user_timeline
from shoplens.errors import ShoplensError
from shoplens.ingest.pipeline import import_files

S1: dict[str, tuple[str, list[tuple[str, ...]]]] = {
    "fx_rates": ("date,currency,rate_to", [("2026-02-20", "USD", "7")]),
    "products": ("product_id,name", [("p1", "Silk scarf"), ("p2", "Tea set")]),
    "customers": ("user_id,first_seen,signup_ts,country,member_tier", [
        ("u1", "2025-12-31T16:00:00Z", "2026-01-10T16:19:00Z", "DE", "Gold "),
        ("u10", "", "", "", ""),
    ]),
    "events": ("event_id,ts,user_id,session_id,event,product_id,channel,device,properties", [
        ("e1", "2026-01-10T15:50:00Z", "u1", "A", "page_view", "", "paid_search", "mobile", ""),
        ("e2", "2026-01-10T16:05:00Z", "u1", "A", "product_view", "p1", "paid_search", "mobile", ""),
        ("e3", "2026-01-10T16:10:00Z", "u1", "A", "add_to_cart", "p1", "paid_search", "mobile", ""),
        ("e4", "2026-01-10T16:20:00Z", "u1", "A", "purchase", "p1", "paid_search", "mobile", '{"order_id": "o1"}'),
        ("e5", "2026-02-20T02:00:00Z", "u1", "B", "page_view", "", "email", "desktop", ""),
        ("e6", "2026-03-01T17:30:00Z", "u1", "C", "product_view", "p2", "", "app", ""),
        ("e20", "2026-04-10T01:00:00Z", "u2", "D", "page_view", "", "direct", "mobile", ""),
    ]),
    "orders": ("order_id,user_id,created_ts,paid_ts,status,currency,gross_amount,channel,device", [
        ("o1", "u1", "2026-01-10T16:18:00Z", "2026-01-10T16:20:00Z", "delivered", "CNY", "300", "paid_search",
         "mobile"),
        ("o2", "u1", "2026-02-20T02:00:00Z", "2026-02-20T02:11:00Z", "paid", "USD", "100", "email", "desktop"),
        ("o3", "u1", "2026-03-01T17:00:00Z", "", "created", "CNY", "999", "", "desktop"),
        ("o20", "u2", "2026-04-10T01:00:00Z", "", "created", "CNY", "50", "direct", "mobile"),
    ]),
    "order_items": ("order_id,line_no,product_id,quantity,unit_price", [("o1", "1", "p1", "2", "150")]),
    "shipments": ("shipment_id,order_id,carrier,shipped_ts,delivered_ts,promised_days,cost,status", [
        ("sh1", "o1", "sf", "2026-01-11T08:00:00Z", "2026-01-13T08:00:00Z", "3", "10", "delivered"),
    ]),
    "reviews": ("review_id,order_id,product_id,user_id,ts,rating", [
        ("v1", "o1", "p1", "u1", "2026-01-15T04:00:00Z", "2"),
    ]),
    "service_tickets": ("ticket_id,user_id,order_id,opened_ts,first_response_ts,resolved_ts,kind", [
        ("t1", "u1", "o1", "2026-01-16T15:30:00Z", "2026-01-16T15:42:00Z", "2026-01-17T03:30:00Z", "complaint"),
        ("t2", "u1", "", "2026-02-21T01:00:00Z", "", "", "inquiry"),
    ]),
    "refunds": ("refund_id,order_id,user_id,ts,amount,reason,product_id", [
        ("r1", "o1", "", "2026-01-20T03:00:00Z", "150", "damaged", "p1"),
        ("r2", "o20", "u2", "2026-04-10T02:00:00Z", "50", "changed_mind", ""),
    ]),
}
S2 = {"orders": ("order_id,user_id,created_ts,paid_ts,status,gross_amount", [
    ("o9", "u1", "2026-03-10T06:00:00Z", "2026-03-10T06:00:00Z", "paid", "80")])}
ORDER = ["e1", "e2", "e3", "o1", "e4", "sh1", "v1", "t1", "r1", "e5", "o2", "t2", "o3", "e6"]
ENV = {"COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "5"}


def _load(wh, folder: Path, store: str, tables: dict, currency: str, timezone: str) -> None:
    for table, (header, rows) in tables.items():
        path = folder / f"{store}_{table}.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([header.split(","), *rows])
        summary = import_files(wh, [path], table=table, store=store, currency=currency, timezone=timezone)
        assert summary.files[0].loaded == len(rows) and summary.files[0].quarantined == 0, (table, summary.examples)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("timeline")
    with shoplens.connect(str(folder / "w.duckdb")) as wh:
        _load(wh, folder, "s1", S1, "CNY", "Asia/Shanghai")
        _load(wh, folder, "s2", S2, "USD", "America/Los_Angeles")
    return folder / "w.duckdb"


@pytest.fixture(scope="module")
def wh(db: Path):
    with shoplens.connect(str(db), read_only=True) as warehouse:
        yield warehouse


# ---- hand-made store ------------------------------------------------------------------------------------
def test_every_kind_in_time_order_with_local_times(wh) -> None:
    result = user_timeline(wh, "u1", store="s1", limit=0)
    rows = result.timeline
    assert [r["id"] for r in rows] == ORDER
    assert result.total == 14 and result.truncated == 0 and result.end == date(2026, 4, 10)
    assert {r["kind"] for r in rows} == set(KINDS)
    by_id = {r["id"]: r for r in rows}
    assert (by_id["e1"]["ts"], by_id["e1"]["local_time"]) == (datetime(2026, 1, 10, 15, 50), "2026-01-10 23:50:00")
    assert by_id["e2"]["local_time"] == "2026-01-11 00:05:00"  # same UTC day, next local day
    assert by_id["t1"]["local_time"] == "2026-01-16 23:30:00"
    assert by_id["e6"]["local_time"] == "2026-03-02 01:30:00"
    assert (by_id["e2"]["event"], by_id["e2"]["product_name"], by_id["e4"]["order_id"]) == (
        "product_view", "Silk scarf", "o1")
    o1, o2, o3 = by_id["o1"], by_id["o2"], by_id["o3"]
    assert (o1["amount"], o1["status"], o1["paid"], o1["units"], o1["products"]) == (300, "delivered", True, 2, "p1×2")
    assert (o2["amount"], o2["original_amount"], o2["original_currency"]) == (700, 100, "USD")
    assert (o3["paid"], o3["status"]) == (False, "created")
    assert (by_id["r1"]["amount"], by_id["r1"]["reason"], by_id["r1"]["order_id"]) == (150, "damaged", "o1")
    assert by_id["v1"]["rating"] == 2
    assert (by_id["t1"]["ticket_kind"], by_id["t1"]["response_minutes"], by_id["t1"]["resolution_hours"]) == (
        "complaint", 12, 12)
    assert by_id["t2"]["response_minutes"] is None
    assert (by_id["sh1"]["carrier"], by_id["sh1"]["delivery_days"]) == ("sf", 2)
    assert all(r["description"] for r in rows)
    assert "r2" not in by_id  # another user's refund
    frame = result.to_pandas()
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 14


def test_profile_to_date(wh) -> None:
    p = user_timeline(wh, "u1", store="s1").profile
    expected = {"store_id": "s1", "timezone": "Asia/Shanghai", "currency": "CNY", "as_of": "2026-04-10",
                "first_seen": "2026-01-01 00:00:00", "last_seen": "2026-03-02 01:30:00",
                "signup": "2026-01-11 00:19:00", "country": "DE", "member_tier": "gold",
                "first_channel": "paid_search", "devices": ["mobile", "desktop", "app"], "events": 6, "sessions": 3,
                "orders": 2, "orders_placed": 3, "gmv": 1000, "aov": 500, "first_order_day": "2026-01-11",
                "last_order_day": "2026-02-20", "refunds": 150, "refund_count": 1, "reviews": 1, "avg_rating": 2,
                "tickets": 2}
    assert {k: p[k] for k in expected} == expected


def test_as_of_counts_history_up_to_that_day(wh) -> None:
    result = user_timeline(wh, "u1", store="s1", as_of=date(2026, 2, 9))
    assert (result.profile["orders"], result.profile["gmv"], result.profile["refunds"]) == (1, 300, 150)
    assert [r["id"] for r in result.timeline] == ORDER[:9]  # the timeline stops at as-of too


@pytest.mark.parametrize(("as_of", "stage", "since_first", "since_last"), [
    (date(2026, 1, 9), None, None, None),
    (date(2026, 2, 8), "new", 29, 28),
    (date(2026, 2, 9), "active", 30, 29),
    (date(2026, 2, 10), "dormant", 31, 30),
    (date(2026, 4, 10), "dormant", 90, 39),
    (date(2026, 8, 28), "dormant", 230, 179),
    (date(2026, 8, 29), "churned", 231, 180),
])
def test_lifecycle_stages_and_boundaries(wh, as_of: date, stage: str | None, since_first: int | None,
                                         since_last: int | None) -> None:
    life = user_timeline(wh, "u1", store="s1", as_of=as_of, churn_days=180, kinds="order").lifecycle
    assert (life.stage, life.days_since_first, life.days_since_last) == (stage, since_first, since_last)
    assert life.rule


def test_lifecycle_rule_and_setting() -> None:
    first, last = date(2026, 1, 10), date(2026, 3, 2)
    assert classify(first, last, date(2026, 5, 31), churn_days=90).stage == "churned"  # 90 days
    assert classify(first, last, date(2026, 5, 31), churn_days=180).stage == "dormant"
    assert classify(first, last, date(2026, 5, 30), churn_days=90).stage == "dormant"  # 89 days
    with pytest.raises(ShoplensError, match="more than 30"):
        classify(first, last, date(2026, 5, 31), churn_days=30)


def test_rfm_row(wh) -> None:
    rfm = user_timeline(wh, "u1", store="s1").rfm
    assert rfm is not None
    assert (rfm["recency_days"], rfm["frequency"], rfm["monetary"], rfm["last_order_day"]) == (49, 2, 1000,
                                                                                                "2026-02-20")
    assert (rfm["r_score"], rfm["f_score"], rfm["m_score"], rfm["tier"]) == (1, 1, 1, "dormant")


def test_range_kinds_and_limit(wh) -> None:
    ranged = user_timeline(wh, "u1", store="s1", start=date(2026, 1, 11), end=date(2026, 3, 1))
    assert [r["id"] for r in ranged.timeline] == ORDER[1:12]  # e1 is 01-10 local, o3/e6 are 03-02 local
    assert ranged.profile["orders"] == 2  # the profile ignores --from/--to
    kinds = user_timeline(wh, "u1", store="s1", kinds="orders, refund")
    assert [r["id"] for r in kinds.timeline] == ["o1", "r1", "o2", "o3"]
    newest = user_timeline(wh, "u1", store="s1", limit=5)
    assert [r["id"] for r in newest.timeline] == ORDER[-5:]
    assert (newest.total, newest.truncated) == (14, 9)


def test_other_users_and_stores(wh) -> None:
    empty = user_timeline(wh, "u10")  # only in s1's customers
    assert (empty.store_id, empty.timeline, empty.lifecycle.stage, empty.rfm) == ("s1", [], None, None)
    la = user_timeline(wh, "u1", store="s2")
    assert [(r["id"], r["local_time"]) for r in la.timeline] == [("o9", "2026-03-09 23:00:00")]
    assert (la.profile["gmv"], la.profile["currency"], la.lifecycle.stage) == (80, "USD", "new")


def test_errors(wh) -> None:
    with pytest.raises(ShoplensError, match="several stores: s1, s2") as info:
        user_timeline(wh, "u1")
    assert "--store s1" in str(info.value) and "s1, s2" in info.value.render("zh")
    with pytest.raises(ShoplensError, match="unknown user 'u3'") as info:
        user_timeline(wh, "u3", store="s1")
    assert "similar ids:" in str(info.value) and "u1" in str(info.value)
    assert info.value.render("zh").startswith("未知用户 'u3'（店铺 s1）（提示：相近的用户：")
    with pytest.raises(ShoplensError, match="similar ids: u1"):
        user_timeline(wh, "U1", store="s2")  # case-insensitive prefix
    with pytest.raises(ShoplensError, match=r"unknown user 'zz'.*case-sensitive"):
        user_timeline(wh, "zz")
    with pytest.raises(ShoplensError, match="unknown kind 'clicks'"):
        user_timeline(wh, "u2", kinds="event,clicks")
    with pytest.raises(ShoplensError, match="unknown store"):
        user_timeline(wh, "u2", store="nope")


# ---- real data ---------------------------------------------------------------------------------------------
RETAIL_CUSTOMER = "12693"  # 4 invoices (winter GMT and summer BST) and 2 cancellation invoices


def test_online_retail_customer(datasets: Path, retail_db: Path) -> None:
    raw = pd.read_csv(datasets / "online_retail/online_retail.csv.gz", dtype=str, keep_default_na=False)
    cancel, adjust = raw.InvoiceNo.str.startswith("C"), raw.InvoiceNo.str.startswith("A")
    sale = ~cancel & ~adjust & (raw.Quantity.astype(int) > 0) & (raw.UnitPrice.astype(float) > 0)
    last_day = date.fromisoformat(raw.loc[sale, "InvoiceDate"].max()[:10])  # the store's last data day
    mine = raw[raw.CustomerID == RETAIL_CUSTOMER].assign(sale=sale, cancel=cancel)
    mine["amount"] = [Decimal(q) * Decimal(p) for q, p in zip(mine.Quantity, mine.UnitPrice, strict=True)]
    orders = mine[mine.sale].groupby("InvoiceNo").agg(when=("InvoiceDate", "min"),
                                                      amount=("amount", lambda s: sum(s, Decimal(0))))
    refunds = sorted(-a for a in mine.loc[mine.cancel, "amount"])
    with shoplens.connect(str(retail_db), read_only=True) as wh:
        result = user_timeline(wh, RETAIL_CUSTOMER, limit=0)
    got = {r["id"]: r for r in result.timeline if r["kind"] == "order"}
    assert sorted(got) == sorted(orders.index)
    for invoice, row in orders.iterrows():
        assert got[invoice]["local_time"] == row.when  # the file's times are London wall time
        utc = pd.Timestamp(row.when).tz_localize("Europe/London").tz_convert("UTC").tz_localize(None)
        assert got[invoice]["ts"] == utc.to_pydatetime()
        assert round(Decimal(str(got[invoice]["amount"])), 2) == round(row.amount, 2)
    assert sorted(round(Decimal(str(r["amount"])), 2) for r in result.timeline if r["kind"] == "refund") == refunds
    p = result.profile
    assert (p["orders"], p["refund_count"]) == (len(orders), len(refunds))
    assert round(Decimal(str(p["gmv"])), 2) == round(sum(orders.amount, Decimal(0)), 2)
    assert round(Decimal(str(p["refunds"])), 2) == round(sum(refunds, Decimal(0)), 2)
    last_order = date.fromisoformat(orders.when.max()[:10])
    assert (p["as_of"], p["last_order_day"]) == (last_day.isoformat(), last_order.isoformat())
    assert result.lifecycle.days_since_last == (last_day - last_order).days
    assert result.rfm is not None and result.rfm["frequency"] == len(orders)


TAOBAO_USER = "1002597"  # 7 lines, 2 of them buy
BEHAVIOUR = {"pv": "product_view", "fav": "favorite", "cart": "add_to_cart", "buy": "purchase"}


def test_taobao_user_events(datasets: Path, taobao_db: Path) -> None:
    raw = pd.read_csv(datasets / "taobao_userbehavior_sample/UserBehavior_head.csv.gz", header=None, dtype=str,
                      names=["user", "item", "category", "behaviour", "ts"])
    raw["utc"] = pd.to_datetime(raw.ts.astype("int64"), unit="s")
    last_day = raw.utc.max().tz_localize("UTC").tz_convert("Asia/Shanghai").date()
    mine = raw[raw.user == TAOBAO_USER]
    with shoplens.connect(str(taobao_db), read_only=True) as wh:
        result = user_timeline(wh, TAOBAO_USER, limit=0)
    expected = sorted((u.to_pydatetime(), BEHAVIOUR[b], i) for u, b, i in zip(mine.utc, mine.behaviour, mine.item,
                                                                               strict=True))
    assert sorted((r["ts"], r["event"], r["product_id"]) for r in result.timeline) == expected
    assert [r["ts"] for r in result.timeline] == sorted(r["ts"] for r in result.timeline)
    assert {r["kind"] for r in result.timeline} == {"event"}
    p = result.profile
    assert (p["events"], p["orders"], p["gmv"], p["as_of"]) == (len(mine), 2, None, last_day.isoformat())
    assert result.notes  # purchase events stand in for orders


# ---- CLI ---------------------------------------------------------------------------------------------------
def test_cli(db: Path) -> None:
    base = [sys.executable, "-m", "shoplens.cli", "--db", str(db)]
    commands = [["user", "u1", "--store", "s1", "--format", "json", "--as-of", "2026-02-09"],
                ["--lang", "zh", "user", "u1"], ["user", "list", "--store", "s1"]]
    procs = [subprocess.Popen(base + c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, **ENV}) for c in commands]
    (js, _), (_, ambiguous), (_, login_word) = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 2, 2], ambiguous
    # `user list` is a shopper id (timelines), but whoever typed it likely meant the logins: the hint says where
    assert login_word.strip() == ("error: unknown user 'list' in store s1 (hint: `shoplens user` shows a shopper; "
                                  "dashboard logins are `shoplens account list ...`)")
    data = json.loads(js)
    assert (data["store_id"], data["user_id"], data["lifecycle"]["stage"], data["truncated"]) == ("s1", "u1",
                                                                                                   "active", 0)
    assert (data["profile"]["orders"], data["profile"]["gmv"], data["rfm"]["tier"]) == (1, 300, "dormant")
    assert [r["id"] for r in data["timeline"]] == ORDER[:9]
    assert {"ts", "local_time", "kind", "event", "description"} <= set(data["timeline"][0])
    assert ambiguous.strip() == "错误: 用户 'u1' 存在于多个店铺：s1, s2（提示：请选一个：--store s1）"


def test_csv_and_table_output(wh, capsys: pytest.CaptureFixture[str]) -> None:
    from shoplens.cli.output import Format
    from shoplens.cli.user_cmd import render

    render(user_timeline(wh, "u1", store="s1", kinds="refund"), Format.csv)
    parsed = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert [(r["id"], r["amount"], r["local_time"], r["rating"]) for r in parsed] == [
        ("r1", "150.0", "2026-01-20 11:00:00", "")]
    render(user_timeline(wh, "u1", store="s1", limit=3), Format.table)
    table = capsys.readouterr().out
    assert "Order o3" in table and "Order o1" not in table and "(11 left out;" in table and "dormant" in table
