"""The dashboard's daily view (issue #14 part 1), in Chromium against ``shoplens serve --demo``.

Quick ranges relative to the store's last data day, comparisons named by their dates (and disabled when the data
cannot support them), one-day KPI cards against the day before and the same weekday last week, the hourly trend, and
the Overview defects (7-digit card overflow, lower-is-better target wording, ROI without ad spend, currency on the
axis). Expected dates and numbers come from plain SQL on the demo DuckDB file, Python's own date arithmetic and the
metrics engine's shift rules (shoplens.metrics.periods), not from the page.

DOM contract: ``.presets button.preset[data-preset][aria-pressed]``, ``#compare-select option[disabled]``,
``#compare-note[data-dropped]``, ``.kpi-change[data-compare][data-raw] .cmp-label``, ``.kpi-value[title]``,
``.kpi-target[data-state=met|above|below]``, ``.kpi-change.no-spend``, ``#trend-chart[data-hourly=shown|refused]``,
``#trend-chart path.series[data-series][data-values]``, ``#trend-chart .legend-item[data-series]``,
``#trend-chart text.y-title``.
"""

from __future__ import annotations

import calendar
import json
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

import test_dashboard_browser as browser_tests
from demo_sql import LOCAL, PAID
from shoplens.metrics.periods import shift_for
from test_dashboard_browser import (
    ARTIFACTS,
    Tab,
    _equal,
    api_json,
    eventually,
    set_lang,
    wait_ready,
)

# the browser module's fixtures, by name (this module gets its own server)
server, dashboard, api = browser_tests.server, browser_tests.dashboard, browser_tests.api
browser, new_tab, tab = browser_tests.browser, browser_tests.new_tab, browser_tests.tab

PRESETS = ("today", "yesterday", "last7", "last30", "last90", "thisWeek", "thisMonth", "lastWeek", "lastMonth")


# ---------------------------------------------------------------- independent references


def sql(db: Path, query: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query).fetchall()


@pytest.fixture(scope="module")
def data_days(demo_db: Path) -> list[date]:
    """The demo store's local days with events or orders, latest first (plain SQL, UTC+8)."""
    rows = sql(demo_db, f"""SELECT DISTINCT d FROM (
        SELECT {LOCAL.format(ts='ts')} AS d FROM events WHERE store_id = 'demo'
        UNION SELECT {LOCAL.format(ts='created_ts')} FROM orders WHERE store_id = 'demo') ORDER BY d DESC""")
    return [r[0] for r in rows]


def preset_range(name: str, last: date) -> tuple[date, date]:
    """Each quick range by hand: weeks Monday to Sunday, months by the calendar."""
    monday = last - timedelta(days=last.weekday())
    first_of_month = last.replace(day=1)
    prev_month_end = first_of_month - timedelta(days=1)
    return {
        "today": (last, last),
        "yesterday": (last - timedelta(days=1), last - timedelta(days=1)),
        "last7": (last - timedelta(days=6), last),
        "last30": (last - timedelta(days=29), last),
        "last90": (last - timedelta(days=89), last),
        "thisWeek": (monday, last),
        "thisMonth": (first_of_month, last),
        "lastWeek": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "lastMonth": (prev_month_end.replace(day=1), prev_month_end),
    }[name]


def engine_range(compare: str, start: date, end: date) -> tuple[date, date]:
    """The range the metrics engine reads for the totals' comparison (MetricsEngine._comparison, no grain)."""
    shift = shift_for(compare, start, end, None)
    return shift.back(start), shift.back(end)


def hourly_sql(db: Path, day: str) -> dict[int, tuple[int, float]]:
    """Paid orders and GMV per local hour of ``day`` (docs/metrics.md: a paid order counts at its paid_ts)."""
    rows = sql(db, f"""SELECT hour(t) AS h, count(*), sum(gross_amount_rc) FROM (
        SELECT COALESCE(paid_ts, created_ts) + INTERVAL 8 HOUR AS t, gross_amount_rc FROM orders
        WHERE store_id = 'demo' AND {PAID}) WHERE CAST(t AS DATE) = DATE '{day}' GROUP BY 1""")
    return {h: (n, float(g)) for h, n, g in rows}


# ---------------------------------------------------------------- page helpers


def open_overview(tab: Tab, **params: str) -> None:
    qs = "&".join(f"{k}={v}" for k, v in {"store": "demo", **params}.items())
    tab.page.goto(f"{tab.url}/#/overview?{qs}")
    wait_ready(tab, "overview")


def dates(tab: Tab) -> tuple[str, str]:
    return tab.page.input_value("#date-from"), tab.page.input_value("#date-to")


def series_values(tab: Tab, key: str) -> list[float | None]:
    text = tab.page.get_attribute(f'#trend-chart path.series[data-series="{key}"]', "data-values")
    return json.loads(text)


def changes(tab: Tab, kpi: str) -> dict[str, tuple[str, str]]:
    """compare -> (data-raw, label text) of the card's change lines."""
    return tab.page.eval_on_selector_all(
        f'.kpi-card[data-kpi="{kpi}"] .kpi-change[data-compare]',
        "els => Object.fromEntries(els.map(e => [e.dataset.compare, [e.dataset.raw, "
        "e.querySelector('.cmp-label').textContent]]))")


def shot(tab: Tab, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / f"daily-{name}.png"), full_page=True)


# ---------------------------------------------------------------- tests


def test_date_maths_module_matches_python_and_the_engine(tab: Tab) -> None:
    """static/dates.js: quick ranges equal the hand computation for every weekday and month edge, and each
    comparison range equals what the metrics engine reads (periods.shift_for), month ends and leap days included."""
    lasts = [date(2026, 11, 15), date(2026, 11, 16), date(2026, 3, 1), date(2024, 3, 31), date(2026, 1, 7),
             date(2024, 2, 29), date(2026, 12, 31)]
    ranges = [(date(2026, 11, 14), date(2026, 11, 14)), (date(2026, 10, 17), date(2026, 11, 15)),
              (date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 3, 1), date(2026, 3, 31)),
              (date(2024, 2, 29), date(2024, 2, 29)), (date(2026, 1, 1), date(2026, 3, 31)),
              (date(2025, 3, 31), date(2025, 3, 31)), (date(2026, 11, 9), date(2026, 11, 15))]
    got = tab.page.evaluate("""async ([lasts, ranges]) => {
        const d = await import('/static/dashboard/dates.js');
        return {
          presets: lasts.map((l) => d.PRESETS.map((p) => { const r = d.presetRange(p, l); return [p, r.from, r.to]; })),
          compares: ranges.map(([f, t]) => ['previous', 'wow', 'yoy'].map((c) => {
            const r = d.compareRange(c, f, t); return [c, r.from, r.to]; })),
          active: d.activePresets('2026-11-09', '2026-11-15', '2026-11-15'),
          labels: [d.compareDates('previous', '2026-10-17', '2026-11-15', 'en'),
                   d.compareDates('wow', '2026-11-14', '2026-11-14', 'en'),
                   d.compareDates('previous', '2026-10-26', '2026-10-26', 'zh'),
                   d.compareDates('previous', '2026-10-17', '2026-11-15', 'zh'),
                   d.compareDates('yoy', '2026-11-14', '2026-11-14', 'zh')],
          support: [d.compareSupported('yoy', '2026-10-17', '2026-11-15', '2026-05-20').ok,
                    d.compareSupported('wow', '2026-05-20', '2026-05-26', '2026-05-20').ok,
                    d.compareSupported('wow', '2026-05-27', '2026-05-27', '2026-05-20').ok],
        };
    }""", [[x.isoformat() for x in lasts], [[a.isoformat(), b.isoformat()] for a, b in ranges]])
    for last, rows in zip(lasts, got["presets"], strict=True):
        assert {p: (f, t) for p, f, t in rows} == {p: tuple(x.isoformat() for x in preset_range(p, last))
                                                   for p in PRESETS}, last
    for (start, end), rows in zip(ranges, got["compares"], strict=True):
        for compare, f, t in rows:
            want = tuple(x.isoformat() for x in engine_range(compare, start, end))
            assert (f, t) == want, f"{compare} of {start}..{end}: dates.js {f}..{t}, engine {want}"
    # 2026-11-15 is a Sunday: "this week" (Mon 11-09) and "last 7 days" are the same range, both marked
    assert calendar.weekday(2026, 11, 15) == 6 and sorted(got["active"]) == ["last7", "thisWeek"]
    assert got["labels"] == ["09-17 – 10-16", "2026-11-07", "10月25日", "9月17日–10月16日", "2025年11月14日"]
    assert got["support"] == [False, False, True]


def test_presets_follow_the_last_data_day(tab: Tab, data_days: list[date]) -> None:
    """Every quick range sets the dates relative to the store's last day with data (SQL), and marks itself."""
    last = data_days[0]
    wait_ready(tab, "overview")
    tip = tab.page.get_attribute(".presets", "title") or ""
    assert last.isoformat() in tip and "Asia/Shanghai" in tip, f"the preset tooltip names neither day nor zone: {tip!r}"
    for name in PRESETS:
        tab.page.click(f'button.preset[data-preset="{name}"]')
        want = tuple(x.isoformat() for x in preset_range(name, last))
        eventually(tab, lambda want=want, name=name: _equal(dates(tab), want, f"dates after {name}"))
        wait_ready(tab, "overview")
        pressed = tab.page.eval_on_selector_all("button.preset[aria-pressed=true]",
                                                "els => els.map(e => e.dataset.preset)")
        assert name in pressed, f"{name} is not marked active (marked: {pressed})"
        assert all(preset_range(p, last) == preset_range(name, last) for p in pressed), pressed


def test_yesterday_cards_name_the_day_before_and_last_week(tab: Tab, api: httpx.Client, data_days: list[date]) -> None:
    """Yesterday = the last-but-one data day; each KPI card shows its change vs the day before and vs the same
    weekday last week, labelled with those dates, with the API's changes."""
    yesterday = data_days[1]
    assert yesterday == data_days[0] - timedelta(days=1)  # the demo has data every day
    wait_ready(tab, "overview")
    set_lang(tab, "en")
    tab.page.click('button.preset[data-preset="yesterday"]')
    eventually(tab, lambda: _equal(dates(tab), (yesterday.isoformat(),) * 2, "yesterday's dates"))
    wait_ready(tab, "overview")
    day = yesterday.isoformat()
    want = {c: api_json(api, "/api/v1/metrics", {"metrics": "gmv,refund_rate", "from": day, "to": day,
                                                  "compare": c})["rows"][0] for c in ("previous", "wow")}
    labels = {"previous": f"vs {(yesterday - timedelta(days=1)).isoformat()}",
              "wow": f"vs {(yesterday - timedelta(days=7)).isoformat()}"}
    for kpi in ("gmv", "refund_rate"):
        shown = eventually(tab, lambda kpi=kpi: _nonempty(changes(tab, kpi), kpi))
        assert set(shown) == {"previous", "wow"}, shown
        for c, (raw, label) in shown.items():
            assert math.isclose(float(raw), want[c][f"{kpi}__{c}_change"], rel_tol=1e-9), (kpi, c, raw)
            assert label == labels[c], (kpi, c, label)
    assert "vs prev" not in tab.page.inner_text("#kpi-grid")
    shot(tab, "yesterday-en-1440")


def _nonempty(value: dict[str, Any], what: str) -> dict[str, Any]:
    assert value, f"{what}: no change lines yet"
    return value


def test_hourly_curve_of_one_day(tab: Tab, api: httpx.Client, demo_db: Path, data_days: list[date]) -> None:
    """A one-day range charts 24 hours; GMV's hours add up to the day's total, and one hour (and the day before's
    same hour) equals plain SQL; paid orders by hour from the API add up and match SQL too; a metric from daily
    records (ROI: ad spend) says it has no hours instead of an empty chart."""
    day, before, week = data_days[1], data_days[1] - timedelta(days=1), data_days[1] - timedelta(days=7)
    open_overview(tab, **{"from": day.isoformat(), "to": day.isoformat(), "compare": "previous"})
    eventually(tab, lambda: _equal(tab.page.get_attribute("#trend-chart", "data-hourly"), "shown", "hourly chart"))
    current = series_values(tab, "current")
    assert len(current) == 24 and all(v is not None for v in current), current
    total = api_json(api, "/api/v1/metrics", {"metrics": "gmv,orders", "from": day.isoformat(),
                                              "to": day.isoformat()})["rows"][0]
    assert math.isclose(sum(current), total["gmv"], rel_tol=1e-9), (sum(current), total["gmv"])
    by_hour, by_hour_before = hourly_sql(demo_db, day.isoformat()), hourly_sql(demo_db, before.isoformat())
    assert math.isclose(current[15], by_hour[15][1], rel_tol=1e-9)
    assert math.isclose(series_values(tab, "previous")[15], by_hour_before[15][1], rel_tol=1e-9)
    assert math.isclose(series_values(tab, "wow")[15], hourly_sql(demo_db, week.isoformat())[15][1], rel_tol=1e-9)
    legend = tab.page.eval_on_selector_all("#trend-chart .legend-item[data-series]",
                                           "els => Object.fromEntries(els.map(e => [e.dataset.series, e.textContent]))")
    assert before.isoformat() in legend["previous"] or f"{before.month}月{before.day}日" in legend["previous"], legend
    assert week.isoformat() in legend["wow"] or f"{week.month}月{week.day}日" in legend["wow"], legend

    orders = api_json(api, "/api/v1/metrics", {"metrics": "orders", "from": day.isoformat(), "to": day.isoformat(),
                                               "grain": "hour"})["rows"]
    assert len(orders) == 24 and sum(r["orders"] for r in orders) == total["orders"] == sum(
        n for n, _ in by_hour.values())
    assert orders[15]["orders"] == by_hour[15][0]

    tab.page.select_option("#trend-metric", "roi")
    eventually(tab, lambda: _equal(tab.page.get_attribute("#trend-chart", "data-hourly"), "refused", "roi by hour"))
    text = tab.page.inner_text("#trend-chart")
    assert ("no hours" in text or "没有小时数据" in text) and tab.page.locator("#trend-chart svg").count() == 0, text


def test_compare_labels_and_unsupported_comparisons(tab: Tab, demo_db: Path, data_days: list[date]) -> None:
    """Cards and legends name the compared dates; yoy is disabled on the demo (no data a year before), with the
    first data day as the reason, and a yoy URL falls back to the previous period with a note."""
    first, last = data_days[-1], data_days[0]
    start = last - timedelta(days=29)
    year_before = sql(demo_db, f"""SELECT count(*) FROM orders WHERE store_id = 'demo'
        AND {LOCAL.format(ts='created_ts')} <= DATE '{(last - timedelta(days=365)).isoformat()}'""")[0][0]
    assert year_before == 0 and first > last - timedelta(days=365)
    open_overview(tab, **{"from": start.isoformat(), "to": last.isoformat(), "compare": "yoy"})
    set_lang(tab, "en")
    wait_ready(tab, "overview")
    options = tab.page.eval_on_selector_all("#compare-select option",
                                            "els => els.map(e => [e.value, e.disabled, e.textContent])")
    by_value = {v: (d, text) for v, d, text in options}
    assert by_value["yoy"][0] and first.isoformat() in by_value["yoy"][1], by_value
    assert not by_value["wow"][0] and not by_value["previous"][0], by_value
    assert tab.page.input_value("#compare-select") == "previous"
    assert tab.page.get_attribute("#compare-note", "data-dropped") == "yoy"
    assert "compare=previous" in tab.page.evaluate("location.hash")
    prev_from, prev_to = start - timedelta(days=30), start - timedelta(days=1)
    label = f"vs {prev_from:%m-%d} – {prev_to:%m-%d}"
    eventually(tab, lambda: _equal(changes(tab, "gmv")["previous"][1], label, "gmv compare label"))
    legend = tab.page.inner_text('#trend-chart .legend-item[data-series="previous"]')
    assert label in legend, legend
    set_lang(tab, "zh-CN")
    zh = f"对比 {prev_from.month}月{prev_from.day}日–{prev_to.month}月{prev_to.day}日"
    eventually(tab, lambda: _equal(changes(tab, "gmv")["previous"][1], zh, "gmv compare label (zh)"))

    # the first data days have no week before them: wow is disabled there
    day = (first + timedelta(days=1)).isoformat()
    open_overview(tab, **{"from": day, "to": day, "compare": "wow"})
    disabled = tab.page.eval_on_selector('#compare-select option[value="wow"]', "e => e.disabled")
    assert disabled and tab.page.input_value("#compare-select") == "previous"
    assert set(changes(tab, "gmv")) == {"previous"}


@pytest.mark.parametrize("width", [1440, 390])
def test_seven_digit_gmv_card_fits(new_tab: Any, api: httpx.Client, width: int) -> None:
    """The 30-day GMV (7 digits) fits its card in both languages: compact on the card, the full value in its title."""
    t = new_tab()
    t.page.set_viewport_size({"width": width, "height": 900})
    browser_tests.login(t)
    wait_ready(t, "overview")
    params = browser_tests.controls(t)
    gmv = api_json(api, "/api/v1/metrics", {"metrics": "gmv", **params})["rows"][0]["gmv"]
    assert gmv >= 1_000_000, gmv
    for language in ("en", "zh-CN"):
        set_lang(t, language)
        wait_ready(t, "overview")
        over = t.page.eval_on_selector_all(
            ".kpi-card, .kpi-card *",
            "els => els.filter(e => e.scrollWidth > e.clientWidth + 0.5 && getComputedStyle(e).display !== 'inline')"
            ".map(e => [e.className.baseVal ?? e.className, e.scrollWidth, e.clientWidth, e.textContent.slice(0, 40)])")
        assert not over, f"{language} at {width}px: overflowing card parts {over}"
        page_width = t.page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert page_width[0] <= page_width[1], f"{language} at {width}px: the page scrolls sideways {page_width}"
        title = t.page.get_attribute('.kpi-card[data-kpi="gmv"] .kpi-value', "title")
        digits = "".join(ch for ch in title if ch.isdigit())
        assert digits == f"{gmv:.2f}".replace(".", ""), (title, gmv)
        shot(t, f"overview-{language}-{width}")


def test_refund_rate_target_is_a_ceiling(tab: Tab, api: httpx.Client, data_days: list[date]) -> None:
    """Refund rate (lower is better) never says "% attained": under its target it is met by N pp, above it it is
    above target by N pp (red); N = |value - target| in percentage points."""
    set_lang(tab, "en")
    states = []
    for day_range in ((data_days[0] - timedelta(days=29), data_days[0]), (data_days[1], data_days[1])):
        start, end = (d.isoformat() for d in day_range)
        open_overview(tab, **{"from": start, "to": end, "compare": "previous"})
        row = api_json(api, "/api/v1/metrics", {"metrics": "refund_rate", "from": start, "to": end})["rows"][0]
        value, target = row["refund_rate"], row["refund_rate__target"]
        node = tab.page.locator('.kpi-card[data-kpi="refund_rate"] .kpi-target')
        text, state = node.inner_text(), node.get_attribute("data-state")
        states.append(state)
        gap = f"{abs(value - target) * 100:.2f} pp"
        assert "attained" not in text and "≤ 5.00%" in text, text
        if value > target:
            assert state == "above" and f"above target by {gap}" in text and "bad" in node.get_attribute("class"), text
        else:
            assert state == "met" and f"met, {gap} below" in text, text
    assert states == ["met", "above"], states  # the demo's 30 days are under 5 %, its last-but-one day above


def test_roi_without_ad_spend_says_so(tab: Tab, api: httpx.Client, demo_db: Path, data_days: list[date]) -> None:
    """Under a channel with no ad spend (SQL: no ad_spend rows), the ROI card says "No ad spend", not "No data in
    the comparison period"; a paid channel keeps its ROI."""
    start, end = (data_days[0] - timedelta(days=29)).isoformat(), data_days[0].isoformat()
    spend = sql(demo_db, f"""SELECT count(*) FROM ad_spend WHERE store_id = 'demo' AND channel = 'organic_search'
        AND date BETWEEN DATE '{start}' AND DATE '{end}'""")[0][0]
    assert spend == 0
    set_lang(tab, "en")
    open_overview(tab, **{"from": start, "to": end, "compare": "previous", "f": "channel%3Dorganic_search"})
    card = tab.page.locator('.kpi-card[data-kpi="roi"]')
    eventually(tab, lambda: _equal(card.locator(".kpi-change.no-spend").inner_text(), "No ad spend", "roi card"))
    assert "No data in the comparison period" not in card.inner_text()
    set_lang(tab, "zh-CN")
    eventually(tab, lambda: _equal(card.locator(".kpi-change.no-spend").inner_text(), "无广告花费", "roi card (zh)"))
    open_overview(tab, **{"from": start, "to": end, "compare": "previous", "f": "channel%3Dpaid_search"})
    roi = api_json(api, "/api/v1/metrics", {"metrics": "roi", "from": start, "to": end,
                                            "where": "channel=paid_search"})["rows"][0]["roi"]
    assert roi > 0 and float(card.get_attribute("data-raw")) == pytest.approx(roi, rel=1e-9)
    assert card.locator(".no-spend").count() == 0


def test_trend_axis_names_the_currency(tab: Tab) -> None:
    """The GMV trend's axis title carries the store's reporting currency, daily and hourly."""
    set_lang(tab, "en")
    wait_ready(tab, "overview")
    eventually(tab, lambda: _equal(tab.page.text_content("#trend-chart text.y-title"), "GMV (CNY)", "axis title"))
    tab.page.click('button.preset[data-preset="today"]')
    eventually(tab, lambda: _equal(tab.page.get_attribute("#trend-chart", "data-hourly"), "shown", "hourly chart"))
    assert tab.page.text_content("#trend-chart text.y-title") == "GMV (CNY)"
    set_lang(tab, "zh-CN")
    zh_title = "成交总额 GMV（CNY）"
    eventually(tab, lambda: _equal(tab.page.text_content("#trend-chart text.y-title"), zh_title, "axis (zh)"))
    shot(tab, "today-zh-1440")
    tab.page.set_viewport_size({"width": 390, "height": 900})
    shot(tab, "today-zh-390")
