"""Stores built only from platform reports (issue #15 acceptance): one from 生意参谋 exports, one from Amazon
Business Reports. GMV, UV, conversion and UV value equal the reports' own numbers (read here with the csv module,
not through the presets), compared period over period, with the source stated: in the API's answer and on the
dashboard's overview (Chromium against a real `shoplens serve` over these two stores only)."""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

import shoplens
from api_server import ApiServer
from shoplens.ingest.pipeline import import_files
from shoplens.server.accounts import add_user
from test_dashboard_browser import (  # noqa: F401  (fixtures used by name)
    ARTIFACTS,
    PASSWORD,
    USER,
    Tab,
    browser,
    dashboard,
    eventually,
    new_tab,
    page_kpis,
    same_number,
    set_lang,
    tab,
    wait_ready,
)

SAMPLES = Path(__file__).parent / "data" / "presets"
SYCM_DAY = SAMPLES / "sycm_trade_day.csv"
AMAZON_DAY = SAMPLES / "amazon-business-report-by-date.csv"
KPIS = ("gmv", "uv", "conversion_rate", "uv_value")
SHOTS = ARTIFACTS / "reports"


def number(text: str) -> Decimal:
    """A report cell as the report means it: "1,234" / "¥4,050.00" / "$2,093.53"."""
    return Decimal(re.sub(r"[^0-9.\-]", "", text))


def sycm_days() -> dict[str, dict[str, Decimal]]:
    """The 生意参谋 trade export per day: title rows above the header skipped, the 合计 row left out."""
    lines = SYCM_DAY.read_text(encoding="utf-8-sig").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("统计日期,"))
    rows = [r for r in csv.DictReader(lines[start:]) if r["统计日期"] != "合计"]
    return {r["统计日期"]: {"uv": number(r["访客数"]), "buyers": number(r["支付买家数"]), "gmv": number(r["支付金额"])}
            for r in rows}


def amazon_days() -> dict[str, dict[str, Decimal]]:
    """Sales and Traffic by Date, US month-first dates, as ISO days."""
    out = {}
    with AMAZON_DAY.open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            month, day, year = r["Date"].split("/")
            out[f"{year}-{int(month):02d}-{int(day):02d}"] = {
                "uv": number(r["Sessions - Total"]), "buyers": number(r["Total Order Items"]),
                "gmv": number(r["Ordered Product Sales"]),
                "report_conversion": number(r["Order Item Session Percentage"]) / 100}
    return out


def expected(days: dict[str, dict[str, Decimal]], first: str, last: str) -> dict[str, float | None]:
    """The four KPIs over [first, last] from the report's day rows (visitors summed over days, as documented)."""
    chosen = [v for d, v in days.items() if first <= d <= last]
    uv, buyers, gmv = (sum(v[k] for v in chosen) for k in ("uv", "buyers", "gmv"))
    return {"gmv": float(gmv), "uv": float(uv), "conversion_rate": float(buyers / uv) if uv else None,
            "uv_value": float(gmv / uv) if uv else None}


def build(path: Path) -> Path:
    """Two report-only stores: `tm` (生意参谋 trade, traffic and product exports) and `amz` (a Business Report)."""
    with shoplens.connect(str(path)) as wh:
        for preset, file in (("sycm-trade", SYCM_DAY), ("sycm-traffic", SAMPLES / "sycm_traffic_gbk.csv"),
                             ("sycm-products", SAMPLES / "sycm_products_day.csv")):
            summary = import_files(wh, [file], preset=preset, store="tm")
            assert summary.quarantined == 0, summary.examples
        summary = import_files(wh, [AMAZON_DAY], preset="amazon-business-report", store="amz", currency="USD",
                               timezone="America/Los_Angeles")
        assert summary.quarantined == 0, summary.examples
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("reports") / "reports.duckdb")


CASES = [  # store, range, previous range (as long, just before), the report's days
    ("tm", ("2024-03-05", "2024-03-07"), ("2024-03-02", "2024-03-04"), sycm_days),
    ("amz", ("2026-11-04", "2026-11-06"), ("2026-11-01", "2026-11-03"), amazon_days),
]


@pytest.mark.parametrize(("store", "now", "before", "days"), CASES, ids=[c[0] for c in CASES])
def test_kpis_equal_the_reports_compared_with_the_previous_days(warehouse: Path, store: str, now: tuple[str, str],
                                                                 before: tuple[str, str], days: Any) -> None:
    with shoplens.connect(str(warehouse), read_only=True) as wh:
        r = shoplens.MetricsEngine(wh).query(list(KPIS), store=store, start=date.fromisoformat(now[0]),
                                           end=date.fromisoformat(now[1]), compare="previous")
    row, want, prev = r.rows[0], expected(days(), *now), expected(days(), *before)
    for kpi in KPIS:
        assert row[kpi] == pytest.approx(want[kpi], abs=1e-9), kpi
        assert row[f"{kpi}__previous"] == pytest.approx(prev[kpi], abs=1e-9), kpi
    assert r.sources[store] == dict.fromkeys(KPIS, "traffic_daily")
    assert r.notes["traffic_daily"]["stores"] == [store]  # visitors of 3 days are sums of daily visitors


def test_the_report_totals_row_is_the_whole_range(warehouse: Path) -> None:
    """生意参谋's own 合计 row (访客数 7,647 · 支付金额 ¥26,663.60 · 支付转化率 3.78%) is the store's week."""
    with shoplens.connect(str(warehouse), read_only=True) as wh:
        row = shoplens.MetricsEngine(wh).query(list(KPIS), store="tm", start=date(2024, 3, 1),
                                              end=date(2024, 3, 7)).rows[0]
    assert (row["uv"], row["gmv"]) == (7647, pytest.approx(26663.60))
    assert round(row["conversion_rate"] * 100, 2) == 3.78


def test_amazon_conversion_is_the_reports_order_item_session_percentage(warehouse: Path) -> None:
    """Amazon reports no buyers: an order item stands for one, so each day's conversion is the report's own
    Order Item Session Percentage (rounded as the report rounds it); the add-to-cart rate is null, not 0."""
    with shoplens.connect(str(warehouse), read_only=True) as wh:
        r = shoplens.MetricsEngine(wh).query(["conversion_rate", "add_to_cart_rate"], store="amz",
                                             start=date(2026, 11, 1), end=date(2026, 11, 7), grain="day")
    report = amazon_days()
    got = {str(row["period"])[:10]: row for row in r.rows}
    assert sorted(got) == sorted(report)
    for day, row in got.items():
        assert round(Decimal(str(row["conversion_rate"])), 4) == report[day]["report_conversion"], day
        assert row["add_to_cart_rate"] is None, day


# ---- the dashboard ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """`shoplens serve` over the two report-only stores, with an admin login named like the demo's (the browser
    fixtures log in with it)."""
    path = tmp_path_factory.mktemp("reports-serve") / "serve.duckdb"
    shutil.copy(warehouse, path)
    with shoplens.connect(str(path)) as wh:
        add_user(wh, USER, PASSWORD, "admin", ["*"])
    srv = ApiServer(path, demo=True)  # the browser fixtures' login is the demo's name and password: --demo only
    yield srv
    srv.stop()


def shown(tab: Tab, store: str, now: tuple[str, str]) -> dict[str, Any]:  # noqa: F811
    page = tab.page
    page.select_option("#store-select", store)
    page.fill("#date-from", now[0])
    page.fill("#date-to", now[1])
    page.select_option("#compare-select", "previous")
    wait_ready(tab, "overview")
    return page_kpis(tab)


@pytest.mark.parametrize(("store", "now", "before", "days"), CASES, ids=[c[0] for c in CASES])
def test_the_overview_shows_them_with_the_source(tab: Tab, server: ApiServer, store: str,  # noqa: F811
                                                 now: tuple[str, str], before: tuple[str, str], days: Any) -> None:
    want, prev = expected(days(), *now), expected(days(), *before)
    page = tab.page
    for lang_code, words in (("en", "platform reports"), ("zh-CN", "平台报表")):
        set_lang(tab, lang_code)

        def check(lang_code: str = lang_code, words: str = words) -> None:
            kpis = shown(tab, store, now)
            wrong = {k: (kpis.get(k), want[k]) for k in KPIS if not same_number(kpis.get(k), want[k])}
            assert not wrong, f"{store} {lang_code}: cards differ from the report (page, report): {wrong}"
            note = page.locator(".source-note").first.inner_text()
            assert words in note, note
            for kpi in KPIS:  # each card compares with the previous days: its change is the report's change
                change = page.locator(f'.kpi-card[data-kpi="{kpi}"] .kpi-change').first.inner_text()
                assert re.search(r"\d", change), f"{kpi}: no change shown ({change!r})"
                if prev[kpi]:
                    pct = (want[kpi] - prev[kpi]) / prev[kpi] * 100
                    digits = re.search(r"[\d.]+", change.replace(",", ""))
                    assert digits and abs(float(digits.group()) - abs(pct)) < 0.1, (kpi, change, pct)

        eventually(tab, check)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"overview-{store}-{lang_code}.png"), full_page=False)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        token = server.token(USER, PASSWORD)
        r = client.get("/api/v1/metrics", params={"metrics": ",".join(KPIS), "store": store, "from": now[0],
                                                  "to": now[1], "compare": "previous"},
                       headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["sources"][store] == dict.fromkeys(KPIS, "traffic_daily")


def test_week_rows_count_whole_in_a_longer_range(tmp_path: Path) -> None:
    """Hand-made: days Mon 4 – Wed 6 March (Thu–Sun missing) with their week row, and the week of 11 March only as
    a week. A range holding both weeks counts the two week rows (whole, with the week's own distinct visitors),
    not the gappy days; by week it is the same two rows (the grains agree with the range); a range cutting the
    second week cannot split it and leaves it out, while the first week, whole inside, still counts as its row."""
    rows = ["store_id,date,period,visitors,paid_amount",
            "w,2024-03-04,day,10,100", "w,2024-03-05,day,20,200", "w,2024-03-06,day,30,300",
            "w,2024-03-04,week,55,650",  # the week's own distinct visitors and its whole amount (Thu–Sun too)
            "w,2024-03-11,week,70,900"]
    file = tmp_path / "traffic.csv"
    file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        import_files(wh, [file], table="traffic_daily", store="w", currency="CNY", timezone="Asia/Shanghai")
        engine = shoplens.MetricsEngine(wh)

        def ask(first: date, last: date, grain: str | None = None) -> list[tuple[float, float]]:
            r = engine.query(["gmv", "uv"], store="w", start=first, end=last, grain=grain)
            return [(row["gmv"], row["uv"]) for row in r.rows]

        assert ask(date(2024, 3, 1), date(2024, 3, 31)) == [(650 + 900, 55 + 70)]
        assert ask(date(2024, 3, 4), date(2024, 3, 17), "week") == [(650, 55), (900, 70)]
        assert ask(date(2024, 3, 4), date(2024, 3, 13)) == [(650, 55)]  # 11–17 March is cut: left out
        assert ask(date(2024, 3, 4), date(2024, 3, 6), "day") == [(100, 10), (200, 20), (300, 30)]


def test_a_week_astride_two_months_is_not_counted_on_top_of_them(tmp_path: Path) -> None:
    """Hand-made: month rows for March (1000) and April 2025 (2000) and Monday week rows from 3 March to 21 April
    (100 each). The months count; every week overlaps a month that counts (31 March – 6 April overlaps both), so
    none is added: the two months in one range are 3000, as by month."""
    rows = ["store_id,date,period,visitors,paid_amount", "m,2025-03-01,month,1000,1000", "m,2025-04-01,month,2000,2000"]
    monday = date(2025, 3, 3)
    while monday <= date(2025, 4, 21):
        rows.append(f"m,{monday.isoformat()},week,100,100")
        monday = date.fromordinal(monday.toordinal() + 7)
    file = tmp_path / "traffic.csv"
    file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with shoplens.connect(str(tmp_path / "m.duckdb")) as wh:
        import_files(wh, [file], table="traffic_daily", store="m", currency="CNY", timezone="Asia/Shanghai")
        engine = shoplens.MetricsEngine(wh)
        whole = engine.query(["gmv", "uv"], store="m", start=date(2025, 3, 1), end=date(2025, 4, 30)).rows
        months = engine.query(["gmv"], store="m", start=date(2025, 3, 1), end=date(2025, 4, 30), grain="month").rows
        weeks = engine.query(["gmv"], store="m", start=date(2025, 3, 3), end=date(2025, 3, 16), grain="week").rows
    assert (whole[0]["gmv"], whole[0]["uv"]) == (3000, 3000)
    assert [r["gmv"] for r in months] == [1000, 2000]
    assert [r["gmv"] for r in weeks] == [100, 100]  # a week asked for itself is its own row


def test_a_store_whose_report_rows_are_cut_says_how_to_ask(tmp_path: Path) -> None:
    """生意参谋 店铺来源 rows cut by channel and 终端, no totals: store UV and UV by channel alone have no value,
    and the note says how the rows are cut (both languages); by channel and device they answer, and their sum is
    the file's 访客数 without its 合计 row (read here with the csv module)."""
    file = SAMPLES / "sycm_traffic_gbk.csv"
    with shoplens.connect(str(tmp_path / "c.duckdb")) as wh:
        import_files(wh, [file], preset="sycm-traffic", store="c")
        engine = shoplens.MetricsEngine(wh)
        span = {"store": "c", "start": date(2024, 3, 1), "end": date(2024, 3, 2)}
        total = engine.query(["uv"], **span)
        by_channel = engine.query(["uv"], by=["channel"], **span)
        both = engine.query(["uv"], by=["channel", "device"], **span)
    for r in (total, by_channel):
        note = r.notes["traffic_daily:c"]
        assert "cut by: channel and device" in note["en"] and "渠道、终端" in note["zh"]
        assert all(row["uv"] is None for row in r.rows)
    lines = file.read_text(encoding="gb18030").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("统计日期,"))
    rows = [r for r in csv.DictReader(lines[start:]) if r["统计日期"] != "合计"]
    assert sum(row["uv"] for row in both.rows) == sum(number(r["访客数"]) for r in rows)
