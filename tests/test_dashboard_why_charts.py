""""why?" from a point of every time-series chart of a catalog metric, and the open-alerts card's day (issue #12).

In Chromium against ``shoplens serve --demo`` (the fixtures of test_dashboard_browser.py, one server for this
module). A click on a point opens the root-cause panel for that metric and day (a week of a weekly chart: its days,
against the previous period; a chart cut to a product: that slice, ``where=product=ID``). The panel is compared
with GET /api/v1/why asked by the test itself with the same login: the sentence in the page's language, the
waterfall's factor contributions and the dimension values' contributions. A chart that is not of a catalog metric
(the funnel's daily conversion) has no why?. DOM contract: ``.chart[data-why-metric][data-why-grain][data-labels]``.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import httpx
import pytest

import test_dashboard_browser as browser_tests
from test_dashboard_browser import (
    LANGS,
    Tab,
    _equal,
    answered,
    api_json,
    eventually,
    goto,
    lang,
    screenshot,
    set_lang,
    wait_ready,
)
from test_dashboard_why import INCIDENT_DAY, OCTOBER, WHY_BY, panel_state, set_range

# the browser module's fixtures, by name (this module gets its own server)
server, dashboard, api = browser_tests.server, browser_tests.dashboard, browser_tests.api
browser, new_tab, tab = browser_tests.browser, browser_tests.new_tab, browser_tests.tab

CLIENT_POINT = """([holder, label]) => {
  const wrap = document.querySelector(`${holder} .chart[data-labels]`);
  const labels = JSON.parse(wrap.dataset.labels);
  const i = labels.indexOf(label);
  if (i < 0) return null;
  const svg = wrap.querySelector("svg.chart-svg");
  const [, , vw, vh] = svg.getAttribute("viewBox").split(/\\s+/).map(Number);
  const overlay = [...svg.querySelectorAll("rect")].pop();  // the hover/click layer, drawn last
  const [x, y, w, h] = ["x", "y", "width", "height"].map((k) => Number(overlay.getAttribute(k)));
  const box = svg.getBoundingClientRect();
  const px = x + (labels.length <= 1 ? w / 2 : (i * w) / (labels.length - 1));
  return [box.left + (px * box.width) / vw, box.top + ((y + h / 2) * box.height) / vh];
}"""


def click_point(tab: Tab, holder: str, label: str) -> None:
    """Click the chart in ``holder`` at the x of the point labelled ``label`` (the mouse, as a person would)."""
    tab.page.locator(f"{holder} .chart[data-labels]").scroll_into_view_if_needed()
    at = tab.page.evaluate(CLIENT_POINT, [holder, label])
    assert at, f"{label} is not a point of {holder}"
    tab.page.mouse.click(*at)


def assert_panel_is(tab: Tab, want: dict[str, Any], metric: str) -> None:
    """The panel shows the API's answer: the sentence in the page's language, one waterfall bar per factor with
    the API's contribution, the best dimension's values with their contributions."""
    page = tab.page
    eventually(tab, lambda: _equal(panel_state(tab), "ready", "why panel state"))
    assert page.get_attribute("#why-panel", "data-metric") == metric
    key = "zh" if lang(tab) == "zh-CN" else "en"
    assert page.inner_text("#why-summary").strip() == want["summary"][key]
    steps = page.eval_on_selector_all("#why-waterfall g.waterfall-step",
                                      "els => els.map(e => [e.dataset.step, Number(e.dataset.value)])")
    assert [s for s, _ in steps] == [f["factor"] for f in want["factors"]], steps
    for (_, got), factor in zip(steps, want["factors"], strict=True):
        assert math.isclose(got, factor["contribution"], rel_tol=1e-9, abs_tol=1e-9), (got, factor)
    if want["dimensions"]:
        best = want["dimensions"][0]
        assert page.input_value("#why-dim") == best["dimension"]
        rows = page.eval_on_selector_all("#why-values tbody tr[data-value]", """els => els.map(e =>
            [e.dataset.value, Number(e.querySelector('td[data-raw]').dataset.raw)])""")
        assert rows, "no dimension values shown"
        for (value, got), v in zip(rows, best["values"], strict=False):
            assert value == v["value"] and math.isclose(got, v["contribution"], rel_tol=1e-9, abs_tol=1e-9), (
                value, got, v)


def week_days(label: str) -> tuple[str, str]:
    """An ISO week label ("2026-W43") as its Monday..Sunday, by Python's own calendar."""
    year, week = label.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return monday.isoformat(), date.fromisocalendar(int(year), int(week), 7).isoformat()


@pytest.mark.parametrize("language", LANGS)
def test_a_day_of_the_overview_trend_explains_that_day(tab: Tab, api: httpx.Client, language: str) -> None:
    """A click on an ordinary (unflagged) day of the UV trend: why of UV that day against the same weekday a week
    earlier, equal to the API's answer; the tooltip offers it."""
    page = tab.page
    wait_ready(tab, "overview")
    set_lang(tab, language)
    set_range(tab, *OCTOBER)
    page.click('.kpi-card[data-kpi="uv"]')
    eventually(tab, lambda: _equal(page.get_attribute("#trend-chart .chart", "data-why-metric"), "uv", "chart"))
    assert page.get_attribute("#trend-chart .chart", "data-why-grain") == "day"
    day = "2026-10-14"
    click_point(tab, "#trend-chart", day)
    answered(tab, "/api/v1/why", metric="uv", date=day, compare="wow", by=WHY_BY, where=None)
    want = api_json(api, "/api/v1/why", {"metric": "uv", "date": day, "compare": "wow", "by": WHY_BY})
    assert_panel_is(tab, want, "uv")
    screenshot(tab, f"why-chart-uv-day-{language}")
    page.click("#why-close")
    page.locator("#trend-chart .chart svg").hover()
    assert page.locator("#trend-chart .chart-tip .why-tip").count() == 1


def test_a_week_of_a_weekly_trend_explains_its_days(tab: Tab, api: httpx.Client) -> None:
    """Beyond half a year the trend is weekly: a click on ISO week 43 asks why for 2026-10-19..25 (Python's
    calendar) against the previous period, and shows the API's answer."""
    page = tab.page
    wait_ready(tab, "overview")
    start, end = "2026-04-01", "2026-10-31"  # 214 days: weeks
    page.fill("#date-from", start)
    page.fill("#date-to", end)
    eventually(tab, lambda: _equal(page.get_attribute("#trend-chart .chart", "data-why-grain"), "week", "grain"))
    wait_ready(tab, "overview")
    click_point(tab, "#trend-chart", "2026-W43")
    first, last = week_days("2026-W43")
    assert (first, last) == ("2026-10-19", "2026-10-25")
    answered(tab, "/api/v1/why", metric="gmv", **{"from": first, "to": last}, compare="previous", date=None)
    want = api_json(api, "/api/v1/why", {"metric": "gmv", "from": first, "to": last, "compare": "previous",
                                         "by": WHY_BY})
    assert_panel_is(tab, want, "gmv")
    assert first in page.inner_text("#why-panel .why-head") and last in page.inner_text("#why-panel .why-head")


@pytest.mark.parametrize("language", LANGS)
def test_a_day_of_the_product_trend_explains_the_product(tab: Tab, api: httpx.Client, language: str) -> None:
    """Products → one product (360 view): a click on its GMV trend asks why of that product's GMV
    (where=product=ID, the chart's own slice), not the store's, and shows the API's answer for that slice."""
    page = tab.page
    set_lang(tab, language)
    goto(tab, "products")  # the landing range (computed ahead): the 360 view's queries are enough on two cores
    sku = page.get_attribute("#product-table tbody tr[data-product]", "data-product")
    page.click(f'#product-table tbody tr[data-product="{sku}"]')
    page.locator(f'#product-360[data-product="{sku}"]').wait_for(state="attached")
    # the whole 360 view first (its queries hold the login's analysis quota; on a busy machine its source table may
    # take the server's full 30 s), so that the why? request is not refused as busy
    page.locator('#page[data-page="products"][data-ready="true"]').wait_for(state="attached", timeout=120_000)
    chart = page.locator("#product-trend .chart[data-labels]")
    assert chart.get_attribute("data-why-metric") == "gmv" and chart.get_attribute("data-why-grain") == "day"
    labels = json.loads(chart.get_attribute("data-labels"))
    day = labels[len(labels) // 2]
    click_point(tab, "#product-trend", day)
    answered(tab, "/api/v1/why", metric="gmv", date=day, compare="wow", where=f"product={sku}")
    want = api_json(api, "/api/v1/why", {"metric": "gmv", "date": day, "compare": "wow", "by": WHY_BY,
                                         "where": f"product={sku}"})
    store = api_json(api, "/api/v1/why", {"metric": "gmv", "date": day, "compare": "wow", "by": WHY_BY})
    assert want["value"] != store["value"], "the product's GMV is not the store's"
    assert_panel_is(tab, want, "gmv")
    text = page.inner_text("#why-panel")
    assert "整店" not in text and "whole store" not in text, "the slice's answer is not said to be the store's"
    screenshot(tab, f"why-chart-product-{language}")


def test_a_funnel_trend_has_no_why(tab: Tab) -> None:
    """The funnel's daily conversion is not a catalog metric (its steps are the user's): no why?, a click opens
    nothing."""
    page = tab.page
    set_range(tab, *OCTOBER)
    goto(tab, "conversion")
    holder = page.locator("#funnel-trend .chart")
    holder.wait_for(state="attached")
    assert holder.get_attribute("data-why-metric") is None
    holder.locator("svg").click()
    page.wait_for_timeout(300)
    assert page.locator("#why-panel").count() == 0


@pytest.mark.parametrize("language", LANGS)
def test_open_alerts_title_names_its_day(tab: Tab, api: httpx.Client, language: str) -> None:
    """The overview's open-alerts card is titled with the latest day an alert was stored (the demo's data ends in
    the past, so it is not today): the API's newest alert period, ISO in English, 年月日 in Chinese."""
    r = api.post("/api/v1/alerts/check", params={"date": INCIDENT_DAY})
    assert r.status_code == 200, r.text
    latest = max(a["period"] for a in api_json(api, "/api/v1/alerts", {})["alerts"])
    assert latest != date.today().isoformat()
    page = tab.page
    page.reload()
    wait_ready(tab, "overview")
    set_lang(tab, language)
    y, m, d = (int(x) for x in latest.split("-"))
    want = f"待处理告警 · {y}年{m}月{d}日" if language == "zh-CN" else f"Open alerts · {latest}"
    title = page.locator(".open-alerts-card .card-head h2")
    eventually(tab, lambda: _equal(title.inner_text().strip(), want, "open alerts title"))
    assert page.get_attribute("#open-alerts", "data-day") == latest
    screenshot(tab, f"overview-open-alerts-day-{language}")
