"""RFM over stores that report in different currencies (QA after issue #11, as item 7 asks of metrics).

It used to refuse ("GMV cannot be added"). Scores and tiers are per store, so counts, shares, recency and
frequency add up across stores; GMV does not across currencies: the combined table has none and ``by_store``
holds each store's table in its own currency — exactly what ``rfm --store X`` gives for that store.

Hand-made: cn (CNY) buyers c1 (2 orders, 300 + 500) and c2 (1 order, 100); us (USD) buyer u1 (1 order, 40).
As of 2026-03-10 (each store's last order is earlier, so the as-of day is given).
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import shoplens
from csv_files import write_csv
from shoplens.ingest.pipeline import import_files

AS_OF = date(2026, 3, 10)
ORDERS = "order_id,user_id,created_ts,paid_ts,status,gross_amount,channel"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("rfm_cur")
    ts = "2026-03-{:02d}T02:00:00Z".format
    files = {
        "cn": ("CNY", "Asia/Shanghai", [("o1", "c1", ts(1), ts(1), "paid", "300", "direct"),
                                         ("o2", "c1", ts(5), ts(5), "paid", "500", "direct"),
                                         ("o3", "c2", ts(2), ts(2), "paid", "100", "email")]),
        "us": ("USD", "UTC", [("p1", "u1", ts(4), ts(4), "paid", "40", "direct")]),
    }
    path = tmp / "rfm.duckdb"
    with shoplens.connect(str(path)) as wh:
        for store, (currency, zone, rows) in files.items():
            summary = import_files(wh, [write_csv(tmp / f"{store}.csv", ORDERS, rows)], table="orders", store=store,
                                   currency=currency, timezone=zone)
            assert summary.files[0].quarantined == 0, summary.examples
    return path


def test_mixed_currencies_give_per_store_tables_and_a_combined_one_without_money(db: Path) -> None:
    with shoplens.connect(str(db), read_only=True) as wh:
        both = shoplens.rfm(wh, as_of=AS_OF)
        alone = {s: shoplens.rfm(wh, as_of=AS_OF, store=s) for s in ("cn", "us")}
    assert both.customers == 3 and both.currency is None and both.gmv is None
    assert all(t.gmv is None and t.gmv_share is None and t.avg_monetary is None for t in both.tiers)
    assert [p.stores for p in both.by_store] == [("cn",), ("us",)]
    for part in both.by_store:  # each store's table is the one a query of that store alone gives
        assert part == alone[part.stores[0]]
    assert [p.currency for p in both.by_store] == ["CNY", "USD"]
    assert [p.gmv for p in both.by_store] == [900.0, 40.0]  # 300 + 500 + 100 CNY; 40 USD, never added
    for t in both.tiers:  # counts add up across stores, tier by tier
        assert t.customers == sum(next(x for x in p.tiers if x.tier == t.tier).customers for p in both.by_store)
    assert both.win_back == {k: sum(p.win_back[k] for p in both.by_store) for k in both.win_back}
    # average frequency over all 3 customers: (2 + 1 + 1) / 3, whichever tiers they are in
    total_f = sum((t.avg_frequency or 0) * t.customers for t in both.tiers)
    assert total_f == pytest.approx(4.0)


def test_the_cli_answers_per_store_instead_of_refusing(db: Path) -> None:
    run = [sys.executable, "-m", "shoplens", "--db", str(db), "rfm", "--as-of", str(AS_OF)]
    table = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr
    assert "cn · CNY" in table.stdout and "us · USD" in table.stdout and "800.00" in table.stdout
    done = subprocess.run([*run, "--format", "csv"], capture_output=True, text=True, timeout=120)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert {(r["store"], r["currency"]) for r in rows} == {("cn", "CNY"), ("us", "USD")}
    assert sum(float(r["gmv"] or 0) for r in rows if r["store"] == "cn") == pytest.approx(900.0)


def test_an_as_of_day_before_the_data_says_so(db: Path) -> None:
    with shoplens.connect(str(db), read_only=True) as wh:
        empty = shoplens.rfm(wh, as_of=date(2020, 1, 1), store="cn")
        full = shoplens.rfm(wh, as_of=AS_OF, store="cn")
    assert empty.customers == 0 and empty.notes["as_of"]["reason"] == "no_data"
    assert empty.notes["as_of"]["data_from"] == "2026-03-01" and "2026-03-01" in empty.notes["as_of"]["zh"]
    assert full.notes == {}
