"""Aggregated traffic (traffic_daily) in the metrics engine (issue #15 part 1).

Two hand-made stores built only from platform-report rows, imported with `shoplens import traffic_daily`:
- s1 (CNY, Asia/Shanghai): `(all)` rows every day 2026-03-02..15, a week row for 2026-W11 (03-09..15) and
  per-channel rows (organic_search, paid_search) on 03-09..11;
- s2 (USD, America/Los_Angeles): `(all)` rows on 03-09..11 and per-device rows on 03-09, no channel rows.
Every expected value is worked out by hand from the rows below (the arithmetic beside it) and checked again
with plain SQL on the DuckDB file. The real-data test builds a traffic_daily file from the Taobao
UserBehavior sample with plain DuckDB SQL on the raw file and compares the engine's answers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

import shoplens
from csv_files import write_csv
from shoplens.errors import ShoplensError
from shoplens.metrics import MetricsEngine

ENV = {"SHOPLENS_LANG": "en", "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "5"}
HEADER = "date,period,channel,device,visitors,page_views,add_to_cart_users,buyers,paid_orders,paid_amount,currency"
D = date(2026, 3, 2)


def day(i: int) -> str:
    return (D + timedelta(days=i)).isoformat()


# s1 (all) day rows: 03-02..08 (i 0-6) each (100, 300, 10, 2, 3, 200); 03-09 (120, 400, 12, 3, 4, 300);
# 03-10 (80, 200, 8, 2, 2, 100); 03-11 (100, 300, 10, 5, 5, 600); 03-12..15 each (50, 100, 5, 1, 1, 50).
S1_ALL = ([(day(i), 100, 300, 10, 2, 3, "200.00") for i in range(7)]
          + [(day(7), 120, 400, 12, 3, 4, "300.00"), (day(8), 80, 200, 8, 2, 2, "100.00"),
             (day(9), 100, 300, 10, 5, 5, "¥600.00")]
          + [(day(i), 50, 100, 5, 1, 1, "50") for i in range(10, 14)])
S1_CHANNELS = [  # 03-09..11: organic_search and paid_search (visitors of both exceed the (all) row: overlap)
    (day(7), "organic_search", 70, 250, 7, 2, 3, "200"), (day(8), "organic_search", 50, 120, 5, 1, 1, "50"),
    (day(9), "organic_search", 60, 180, 6, 3, 3, "400"),
    (day(7), "paid_search", 60, 150, 5, 1, 1, "100"), (day(8), "paid_search", 35, 80, 3, 1, 1, "50"),
    (day(9), "paid_search", 45, 120, 4, 2, 2, "200"),
]


def s1_rows() -> list[tuple]:
    rows = [(d, "day", "(all)", "(all)", *v, "CNY") for d, *v in S1_ALL]
    rows.append((day(7), "week", "(all)", "(all)", 400, "1,300", 40, 10, 15, "1,200.00", "CNY"))  # W11, distinct
    rows += [(d, "day", ch, "(all)", *v, "CNY") for d, ch, *v in S1_CHANNELS]
    return rows


def s2_rows() -> list[tuple]:
    rows = [(day(i), "day", "(all)", "(all)", 1000, 5000, 100, 20, 25, "2500.00", "USD") for i in (7, 8, 9)]
    rows += [(day(7), "day", "(all)", "mobile", 600, 3000, 70, 12, 15, "1500", "USD"),
             (day(7), "day", "(all)", "desktop", 450, 2000, 30, 8, 10, "1000", "USD")]
    return rows


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", *args], capture_output=True, text=True, timeout=180,
                          env={**os.environ, **ENV}, cwd=cwd)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("traffic")
    path = folder / "w.duckdb"
    for store, cur, tz, rows in (("s1", "CNY", "Asia/Shanghai", s1_rows()),
                                 ("s2", "USD", "America/Los_Angeles", s2_rows())):
        file = write_csv(folder / f"{store}.csv", HEADER, rows)
        proc = cli("--db", str(path), "import", "traffic_daily", str(file), "--store", store, "--currency", cur,
                   "--timezone", tz)
        assert proc.returncode == 0, proc.stderr
        assert f"Loaded {len(rows)} " in proc.stdout and "Quarantined 0" in proc.stdout, proc.stdout
    # s3 (CNY): a product report of one day, with the catalog for category
    report = write_csv(folder / "s3.csv", "date,product_id,visitors,page_views,buyers,paid_orders,paid_amount,currency",
                       [(day(7), "(all)", 120, 400, 3, 4, "300", "CNY"), (day(7), "sku1", 70, 250, 2, 3, "200", "CNY"),
                        (day(7), "sku2", 60, 150, 1, 1, "100", "CNY")])
    catalog = write_csv(folder / "products.csv", "product_id,name,category", [("sku1", "Tea", "tea"),
                                                                              ("sku2", "Cup", "cups")])
    # s4 (CNY): a weekly report only (W11, distinct visitors of the week)
    weekly = write_csv(folder / "s4.csv", "date,period,visitors,buyers,paid_amount,currency",
                       [(day(7), "week", 400, 10, "1200", "CNY")])
    for store, table, file in (("s3", "traffic_daily", report), ("s3", "products", catalog),
                               ("s4", "traffic_daily", weekly)):
        proc = cli("--db", str(path), "import", table, str(file), "--store", store, "--currency", "CNY",
                   "--timezone", "Asia/Shanghai")
        assert proc.returncode == 0, proc.stderr
    return path


@pytest.fixture(scope="module")
def eng(db: Path):
    wh = shoplens.connect(str(db), read_only=True)
    yield MetricsEngine(wh)
    wh.close()


def q(eng: MetricsEngine, metrics: str, store: str | list[str] = "s1", start: int = 7, end: int = 9, **kw):
    return eng.query(metrics, store=store, start=D + timedelta(days=start), end=D + timedelta(days=end),
                     targets=False, **kw)


def sql_sum(db: Path, store: str, col: str, lo: int, hi: int, channel: str = "(all)", device: str = "(all)") -> float:
    """Independent: the sum of a column over a store's day rows of one shape (plain SQL on the file)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT sum({col}) FROM traffic_daily WHERE store_id = ? AND period = 'day'"
                           " AND channel = ? AND product_id = '(all)' AND device = ? AND date BETWEEN ? AND ?",
                           [store, channel, device, D + timedelta(days=lo), D + timedelta(days=hi)]).fetchone()[0]


def test_store_totals_read_the_all_rows(eng: MetricsEngine, db: Path) -> None:
    r = q(eng, "uv,pv,add_to_cart_users,add_to_cart_rate,paying_buyers,conversion_rate,orders,gmv,uv_value,aov")
    row = r.rows[0]
    assert row["uv"] == 300  # 120 + 80 + 100 ((all) rows only; the channel rows would add 320)
    assert row["pv"] == 900  # 400 + 200 + 300
    assert row["add_to_cart_users"] == 30 and row["add_to_cart_rate"] == pytest.approx(30 / 300)
    assert row["paying_buyers"] == 10 and row["conversion_rate"] == pytest.approx(10 / 300)  # 3 + 2 + 5
    assert row["orders"] == 11 and row["gmv"] == pytest.approx(1000)  # 4+2+5; 300 + 100 + 600 ("¥600.00")
    assert row["uv_value"] == pytest.approx(1000 / 300) and row["aov"] == pytest.approx(1000 / 11)
    for col, metric in (("visitors", "uv"), ("page_views", "pv"), ("paid_amount_rc", "gmv"),
                        ("buyers", "paying_buyers")):
        assert row[metric] == pytest.approx(sql_sum(db, "s1", col, 7, 9))


def test_by_day(eng: MetricsEngine, db: Path) -> None:
    r = q(eng, "uv,conversion_rate,uv_value,add_to_cart_rate", grain="day")
    assert [x["period"] for x in r.rows] == [day(7), day(8), day(9)]
    assert [x["uv"] for x in r.rows] == [120, 80, 100]
    assert [x["conversion_rate"] for x in r.rows] == pytest.approx([3 / 120, 2 / 80, 5 / 100])
    assert [x["uv_value"] for x in r.rows] == pytest.approx([300 / 120, 100 / 80, 600 / 100])
    assert [x["add_to_cart_rate"] for x in r.rows] == pytest.approx([12 / 120, 8 / 80, 10 / 100])
    assert [x["uv"] for x in r.rows] == [sql_sum(db, "s1", "visitors", i, i) for i in (7, 8, 9)]
    assert "traffic_daily" not in r.notes  # daily visitors are distinct per day: nothing summed


def test_by_channel_reads_channel_rows_only(eng: MetricsEngine, db: Path) -> None:
    r = q(eng, "uv,pv,gmv,conversion_rate,uv_value", by=["channel"])
    rows = {x["channel"]: x for x in r.rows}
    assert set(rows) == {"organic_search", "paid_search"}  # never an "(all)" channel
    assert rows["organic_search"]["uv"] == 180 and rows["paid_search"]["uv"] == 140  # 70+50+60; 60+35+45
    assert rows["organic_search"]["pv"] == 550 and rows["organic_search"]["gmv"] == pytest.approx(650)
    assert rows["paid_search"]["gmv"] == pytest.approx(350)  # 100 + 50 + 200
    assert rows["organic_search"]["conversion_rate"] == pytest.approx(6 / 180)
    assert rows["paid_search"]["uv_value"] == pytest.approx(350 / 140)
    assert rows["paid_search"]["uv"] == sql_sum(db, "s1", "visitors", 7, 9, channel="paid_search")
    only = q(eng, "uv,gmv", where={"channel": "organic_search"}).rows[0]
    assert only["uv"] == 180 and only["gmv"] == pytest.approx(650)
    types = {x["channel_type"]: x["uv"] for x in q(eng, "uv", by=["channel_type"]).rows}
    assert types == {"free": 180, "paid": 140}


def test_week_rows_cover_exactly_their_week(eng: MetricsEngine) -> None:
    r = q(eng, "uv,pv,gmv,paying_buyers,conversion_rate", start=0, end=13, grain="week")
    w10, w11 = r.rows
    assert (w10["period"], w11["period"]) == ("2026-W10", "2026-W11")
    assert w10["uv"] == 700 and w10["gmv"] == pytest.approx(1400)  # no week row: 7 x 100 summed days
    assert w11["uv"] == 400 and w11["pv"] == 1300 and w11["paying_buyers"] == 10  # the week row (days sum to 500)
    assert w11["gmv"] == pytest.approx(1200) and w11["conversion_rate"] == pytest.approx(10 / 400)
    # a range that is exactly that week uses the week row too; a cut week sums the days it has
    assert q(eng, "uv", start=7, end=13).rows[0]["uv"] == 400
    cut = q(eng, "uv", start=7, end=12, grain="week").rows
    assert [x["uv"] for x in cut] == [450]  # 120 + 80 + 100 + 50 + 50 + 50
    note = r.notes["traffic_daily"]
    assert note["reason"] == "summed_daily_visitors" and note["stores"] == ["s1"]
    assert {"uv", "conversion_rate", "paying_buyers"} <= set(note["metrics"]) and "gmv" not in note["metrics"]
    assert "sums of daily" in note["en"] and "每日数值之和" in note["zh"]


def test_compare_previous(eng: MetricsEngine) -> None:
    row = q(eng, "uv,gmv,uv_value,conversion_rate", compare="previous").rows[0]
    # previous = 03-06..08: 3 x (100, 200, 2 buyers)
    assert row["uv__previous"] == 300 and row["gmv__previous"] == pytest.approx(600)
    assert row["gmv__previous_change"] == pytest.approx((1000 - 600) / 600)
    assert row["uv_value__previous"] == pytest.approx(2.0) and row["uv_value"] == pytest.approx(1000 / 300)
    assert row["conversion_rate__previous"] == pytest.approx(6 / 300)
    weeks = q(eng, "uv,gmv", start=7, end=13, grain="week", compare="previous").rows
    assert weeks[0]["uv"] == 400 and weeks[0]["uv__previous"] == 700
    assert weeks[0]["gmv__previous_change"] == pytest.approx((1200 - 1400) / 1400)


def test_event_only_metrics_stay_null(eng: MetricsEngine) -> None:
    r = q(eng, "uv,sessions,bounce_rate,favorites,cart_to_purchase_rate,product_view_rate")
    row = r.rows[0]
    assert row["uv"] == 300
    assert all(row[m] is None for m in ("sessions", "bounce_rate", "favorites", "cart_to_purchase_rate",
                                          "product_view_rate"))
    assert set(r.sources["s1"]) == {"uv"}  # no table answered the others


def test_a_dimension_the_rows_do_not_cut_is_null(eng: MetricsEngine) -> None:
    r = q(eng, "uv,gmv", store="s2", by=["channel"])
    assert all(x["uv"] is None and x["gmv"] is None for x in r.rows)
    note = r.notes["traffic_daily:s2"]
    assert note["reason"] == "traffic_dims_missing" and note["dimensions"] == ["channel"] and note["zh"]
    devices = {x["device"]: x["uv"] for x in q(eng, "uv", store="s2", by=["device"]).rows}
    assert devices == {"mobile": 600, "desktop": 450}  # only 03-09 has device rows
    assert q(eng, "uv", store="s2", where={"device": "mobile"}).rows[0]["uv"] == 600
    assert q(eng, "uv", store="s2").rows[0]["uv"] == 3000  # the (all) rows, not 3000 + 1050
    assert q(eng, "uv", store="s2", by=["country"]).rows == [] or all(
        x["uv"] is None for x in q(eng, "uv", store="s2", by=["country"]).rows)


def test_two_stores(eng: MetricsEngine) -> None:
    by_store = {x["store"]: x for x in q(eng, "uv,gmv", store=["s1", "s2"], by=["store"]).rows}
    assert by_store["s1"]["uv"] == 300 and by_store["s2"]["uv"] == 3000
    assert by_store["s1"]["gmv"] == pytest.approx(1000) and by_store["s2"]["gmv"] == pytest.approx(7500)
    assert q(eng, "uv", store=["s1", "s2"]).rows[0]["uv"] == 3300


def test_cli_json_says_the_source_and_the_note(db: Path) -> None:
    proc = cli("--db", str(db), "metrics", "uv,gmv,conversion_rate,bounce_rate", "--store", "s1",
               "--from", day(7), "--to", day(9), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["sources"] == {"s1": {"uv": "traffic_daily", "gmv": "traffic_daily",
                                     "conversion_rate": "traffic_daily"}}
    assert out["rows"][0]["uv"] == 300 and out["rows"][0]["bounce_rate"] is None
    assert out["notes"]["traffic_daily"]["metrics"] == ["uv", "conversion_rate"]
    table = cli("--db", str(db), "metrics", "uv,gmv", "--store", "s1", "--from", day(7), "--to", day(9))
    assert table.returncode == 0 and "sums of daily counts" in table.stdout + table.stderr
    assert "s1: uv, gmv from platform reports (traffic_daily)" in table.stdout
    info = cli("--db", str(db), "info", "--format", "json")
    assert info.returncode == 0
    assert json.loads(info.stdout)["tables"]["traffic_daily"]["rows"] == len(s1_rows()) + len(s2_rows()) + 3 + 1


def test_api_answers_a_report_only_store(db: Path, tmp_path: Path) -> None:
    """The real server (what the dashboard asks): GMV, UV, conversion and UV value compared with the previous
    days, with the source, and its landing-page warm-up runs over a store without events or orders."""
    from api_server import PASSWORD, ApiServer
    from shoplens.server.accounts import add_user

    copy = tmp_path / "api.duckdb"
    shutil.copy(db, copy)
    with shoplens.connect(str(copy)) as wh:
        add_user(wh, "root", PASSWORD, "admin", ["*"])
    server = ApiServer(copy)
    try:
        with server.client("root") as client:
            server.wait_warm(client)
            r = client.get("/api/v1/metrics", params={"metrics": "gmv,uv,conversion_rate,uv_value", "store": "s1",
                                                      "from": day(7), "to": day(9), "compare": "previous"})
            assert r.status_code == 200, r.text
            data = r.json()
    finally:
        server.stop()
    row = data["rows"][0]
    assert (row["uv"], row["uv__previous"]) == (300, 300) and row["gmv"] == pytest.approx(1000)
    assert row["uv_value__previous_change"] == pytest.approx((1000 / 300 - 2.0) / 2.0)
    assert data["sources"]["s1"] == dict.fromkeys(["gmv", "uv", "conversion_rate", "uv_value"], "traffic_daily")
    assert "Traceback" not in server.log.read_text()


# ---- real data: the Taobao UserBehavior sample ------------------------------------------------------------
RAW = ("read_csv(?, header=false, columns={'u': 'VARCHAR', 'i': 'VARCHAR', 'c': 'VARCHAR', 'b': 'VARCHAR',"
       " 'ts': 'BIGINT'})")
LOCAL_DAY = "CAST(timezone('Asia/Shanghai', to_timestamp(ts)) AS DATE)"


def taobao_daily(file: Path) -> list[tuple]:
    """Per local day of the raw file: distinct users, pv events, distinct cart users, distinct buyers, buys."""
    sql = (f"SELECT {LOCAL_DAY} AS d, count(DISTINCT u), count(*) FILTER (b = 'pv'),"
           " count(DISTINCT u) FILTER (b = 'cart'), count(DISTINCT u) FILTER (b = 'buy'), count(*) FILTER (b = 'buy')"
           f" FROM {RAW.replace('?', repr(str(file)))}"
           f" WHERE {LOCAL_DAY} BETWEEN DATE '2017-11-25' AND DATE '2017-12-03'"
           " GROUP BY d ORDER BY d")
    with duckdb.connect() as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def taobao_pair(datasets: Path, taobao_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """The events store ``tb`` (preset import) plus ``tbt``: the same days as a traffic-only store."""
    from conftest import TAOBAO_FILE
    from shoplens.ingest.pipeline import import_files

    folder = tmp_path_factory.mktemp("taobao_traffic")
    path = folder / "w.duckdb"
    shutil.copy(taobao_db, path)
    daily = taobao_daily(datasets / TAOBAO_FILE)
    file = write_csv(folder / "traffic.csv", "date,visitors,page_views,add_to_cart_users,buyers,paid_orders",
                     [(d.isoformat(), *v) for d, *v in daily])
    doubled = write_csv(folder / "doubled.csv", "date,visitors", [(d.isoformat(), 2 * v[0]) for d, *v in daily])
    with shoplens.connect(str(path)) as wh:
        import_files(wh, [file], table="traffic_daily", store="tbt", currency="CNY", timezone="Asia/Shanghai")
        import_files(wh, [doubled], table="traffic_daily", store="tb")  # a store with events keeps its events
    return path, daily


def test_taobao_traffic_store_matches_the_raw_file(taobao_pair) -> None:
    path, daily = taobao_pair
    with shoplens.connect(str(path), read_only=True) as wh:
        eng = MetricsEngine(wh)
        first, last = daily[0][0], daily[-1][0]
        r = eng.query("uv,pv,add_to_cart_users,add_to_cart_rate,paying_buyers,conversion_rate,orders",
                      store="tbt", start=first, end=last, targets=False)
        row = r.rows[0]
        visitors, pvs, carts, buyers, buys = (sum(x[i] for x in daily) for i in range(1, 6))
        assert (row["uv"], row["pv"], row["add_to_cart_users"]) == (visitors, pvs, carts)
        assert (row["paying_buyers"], row["orders"]) == (buyers, buys)
        assert row["conversion_rate"] == pytest.approx(buyers / visitors)
        assert row["add_to_cart_rate"] == pytest.approx(carts / visitors)
        assert r.sources["tbt"]["uv"] == "traffic_daily" and r.notes["traffic_daily"]["stores"] == ["tbt"]
        by_day = eng.query("uv,conversion_rate", store="tbt", start=first, end=last, grain="day", targets=False)
        assert [x["uv"] for x in by_day.rows] == [x[1] for x in daily]
        assert [x["conversion_rate"] for x in by_day.rows] == pytest.approx([x[4] / x[1] for x in daily])
        # the events store: its daily UV (distinct visitors of its events) equals the report's for that day
        one = date(2017, 11, 26)
        events_uv = eng.query("uv", store="tb", start=one, end=one, targets=False)
        report_uv = eng.query("uv", store="tbt", start=one, end=one, targets=False)
        assert events_uv.rows[0]["uv"] == report_uv.rows[0]["uv"] == dict((x[0], x[1]) for x in daily)[one]
        assert events_uv.sources["tb"]["uv"] == "events"  # its doubled traffic rows are never read
        both = eng.query("uv,conversion_rate", store=["tb", "tbt"], by=["store"], start=one, end=one, targets=False)
        assert [x["uv"] for x in both.rows] == [report_uv.rows[0]["uv"]] * 2
        assert both.sources == {"tb": {"uv": "events", "conversion_rate": "events"},
                                "tbt": {"uv": "traffic_daily", "conversion_rate": "traffic_daily"}}
        total = eng.query("uv", store=["tb", "tbt"], start=one, end=one, targets=False)
        assert total.rows[0]["uv"] == 2 * report_uv.rows[0]["uv"]  # distinct per store, then added
        week = eng.query("uv", store="tb", start=first, end=last, targets=False)
        assert "traffic_daily" not in week.notes and week.rows[0]["uv"] < visitors  # distinct over the range


def test_the_readme_example_prints_what_it_says(tmp_path: Path) -> None:
    """The README's "Stores with platform reports only" example, run as written: the same table and source line."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("#### Stores with platform reports only"):]
    block = section[section.index("```console") + 10: section.index("```", section.index("```console") + 10)]
    csv_text = block[block.index("$ cat report.csv\n") + 17: block.index("\n$ shoplens")]
    (tmp_path / "report.csv").write_text(csv_text + "\n", encoding="utf-8")
    commands = [line[2:] for line in block.splitlines() if line.startswith("$ shoplens")]
    db = str(tmp_path / "shop.duckdb")
    imported = cli("--db", db, *commands[0].split()[3:], cwd=tmp_path)
    assert imported.returncode == 0 and "Loaded 6 " in imported.stdout, imported.stdout + imported.stderr
    shown = cli("--db", db, *commands[1].split()[3:])
    assert shown.returncode == 0, shown.stderr
    expected = block[block.index(commands[1]) + len(commands[1]) + 1: block.index("\n$ shoplens", block.index(
        commands[1]))]
    assert shown.stdout.strip() == expected.strip()
    answer = json.loads(cli("--db", db, *commands[2].split()[3:]).stdout)
    assert answer["sources"] == {"tmall": {"uv": "traffic_daily", "gmv": "traffic_daily"}}
    assert answer["rows"] == [{"channel": "organic_search", "uv": 110, "gmv": 450.0}]
    assert answer["notes"]["traffic_daily"]["metrics"] == ["uv"]


def test_products_and_filters(eng: MetricsEngine) -> None:
    by_product = {x["product"]: x for x in q(eng, "uv,gmv,conversion_rate", store="s3", start=7, end=7,
                                             by=["product"]).rows}
    assert {p: x["uv"] for p, x in by_product.items()} == {"sku1": 70, "sku2": 60}  # never the (all) row
    assert by_product["sku1"]["gmv"] == pytest.approx(200) and by_product["sku1"]["product_name"] == "Tea"
    assert by_product["sku2"]["conversion_rate"] == pytest.approx(1 / 60)
    by_category = {x["category"]: x["uv"] for x in q(eng, "uv", store="s3", start=7, end=7, by=["category"]).rows}
    assert by_category == {"tea": 70, "cups": 60}
    assert q(eng, "uv", store="s3", start=7, end=7).rows[0]["uv"] == 120
    # a report's product ids are known values (a filter on one is not refused), an id of nobody's is
    assert q(eng, "uv,gmv", store="s3", start=7, end=7, where={"product": "sku1"}).rows[0]["uv"] == 70
    with pytest.raises(ShoplensError, match="unknown product 'sku9'"):
        q(eng, "uv", store="s3", start=7, end=7, where={"product": "sku9"})
    # a channel the report has rows for gets no "no rows" note; one it has none for does (and 0 visitors)
    assert "channel=organic_search" not in q(eng, "uv", where={"channel": "organic_search"}).notes
    kol = q(eng, "uv", where={"channel": "kol"})
    assert kol.rows[0]["uv"] == 0 and kol.notes["channel=kol"]["reason"] == "no_rows"


def test_a_weekly_report_answers_its_week_not_its_days(eng: MetricsEngine) -> None:
    weeks = q(eng, "uv,gmv,conversion_rate", store="s4", start=7, end=13, grain="week").rows
    assert [(x["uv"], x["gmv"]) for x in weeks] == [(400, 1200.0)] and weeks[0]["conversion_rate"] == 10 / 400
    assert q(eng, "uv", store="s4", start=7, end=13).rows[0]["uv"] == 400  # the range is that week
    days = q(eng, "uv,gmv", store="s4", start=7, end=13, grain="day").rows
    assert len(days) == 7 and all(x["uv"] is None and x["gmv"] is None for x in days)  # unknown, not 0
