"""Anomaly markers and the "why?" panel of the dashboard, in Chromium against ``shoplens serve --demo``.

The page is compared with the REST API's own answers (GET /api/v1/anomalies, GET /api/v1/why, asked with a bearer
token, not through the page), as in test_dashboard_browser.py, whose fixtures and helpers these tests share (one
server for this module). DOM contract: ``#trend-chart circle.anomaly[data-period][data-bad][data-severity]``,
``.kpi-flag[data-days]``, ``#anomaly-list li[data-metric][data-period][data-severity]``, ``.kpi-why[data-kpi]``,
``#why-panel[data-metric][data-state=loading|ready|error]`` with ``#why-summary``, ``#why-waterfall
g.waterfall-step[data-step]``, ``#why-values tr[data-value]``, ``#why-error[data-status]``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import httpx

import test_dashboard_browser as browser_tests
from test_dashboard_browser import (
    KPIS,
    Tab,
    _equal,
    answered,
    api_json,
    eventually,
    lang,
    screenshot,
    set_lang,
    wait_ready,
)

# the browser module's fixtures, by name (this module gets its own server)
server, dashboard, api = browser_tests.server, browser_tests.dashboard, browser_tests.api
browser, new_tab, tab = browser_tests.browser, browser_tests.new_tab, browser_tests.tab

OCTOBER = ("2026-10-01", "2026-10-31")  # holds the demo's incident (paid_search payment conversion, 10-25..27)
INCIDENT_DAY = "2026-10-26"  # store GMV leaves its band that day (README "Anomalies")
WHY_BY = "channel,device,country,category,new_vs_returning,member_tier"


def set_range(tab: Tab, start: str, end: str) -> None:
    tab.page.fill("#date-from", start)
    tab.page.fill("#date-to", end)
    eventually(tab, lambda: _equal((tab.page.input_value("#date-from"), tab.page.input_value("#date-to")),
                                   (start, end), "date controls"))
    answered(tab, "/api/v1/anomalies", **{"from": start, "to": end})
    wait_ready(tab, "overview")


def store_anomalies(api: httpx.Client, start: str, end: str) -> list[dict[str, Any]]:
    """The API's store-level anomalies (no dimension) of the overview's KPIs in the range."""
    answer = api_json(api, "/api/v1/anomalies", {"metrics": ",".join(KPIS), "from": start, "to": end})
    return [a for a in answer["anomalies"] if not a["dims"]]


def in_view(locator: Any) -> dict[str, float]:
    """The element's box once it is scrolled into the viewport (the mouse only reaches what is shown)."""
    locator.scroll_into_view_if_needed()
    return locator.bounding_box()


def panel_state(tab: Tab) -> str | None:
    return tab.page.get_attribute("#why-panel", "data-state")


def test_markers_are_the_anomalies_the_api_returns(tab: Tab, api: httpx.Client) -> None:
    """In October the trend chart of each KPI marks exactly the API's anomalous days of that metric (bad ones in
    the alert colour), its card flags them, the hover tooltip gives value/expected/band/severity, and the list holds
    the API's bad anomalies. The page's old own rule (3.5 robust SDs off the range median) is gone."""
    page = tab.page
    wait_ready(tab, "overview")
    set_range(tab, *OCTOBER)
    want = store_anomalies(api, *OCTOBER)
    # the incident, found by the server's detector at store level on GMV: the page must show it, bad
    assert any(a["metric"] == "gmv" and a["period"] == INCIDENT_DAY and a["bad"] for a in want), want
    for kpi in KPIS:
        mine = sorted((a["period"], str(a["bad"]).lower(), a["severity"]) for a in want if a["metric"] == kpi)
        page.click(f'.kpi-card[data-kpi="{kpi}"]')
        eventually(tab, lambda kpi=kpi: _equal(page.input_value("#trend-metric"), kpi, "trend metric"))
        marks = page.eval_on_selector_all("#trend-chart circle.anomaly",
                                          "els => els.map(e => [e.dataset.period, e.dataset.bad, e.dataset.severity])")
        assert sorted(map(tuple, marks)) == mine, f"{kpi}: markers {marks}, API {mine}"
        fills = page.eval_on_selector_all("#trend-chart circle.anomaly[data-bad=true]",
                                          "els => els.map(e => e.getAttribute('fill'))")
        assert set(fills) <= {"#d93025"}, f"{kpi}: a bad anomaly is not drawn in the alert colour: {fills}"
        flag = page.locator(f'.kpi-card[data-kpi="{kpi}"] .kpi-flag')
        days = flag.get_attribute("data-days") if flag.count() else ""
        assert sorted(filter(None, (days or "").split(","))) == sorted(p for p, _, _ in mine), (kpi, days, mine)

    # the tooltip of the marked day: its value, expected value, band and severity
    page.click('.kpi-card[data-kpi="gmv"]')
    dip = next(a for a in want if a["metric"] == "gmv" and a["period"] == INCIDENT_DAY)
    box = in_view(page.locator(f'#trend-chart circle.anomaly[data-period="{INCIDENT_DAY}"]'))
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.locator("#trend-chart .chart-tip .tip-anomaly.bad")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    for value in ("value", "expected", "lower", "upper"):
        assert f"{dip[value]:,.2f}" in text, f"{value} {dip[value]} not in the tooltip {text!r}"  # CNY, 2 places
    assert ("中" if lang(tab) == "zh-CN" else "medium") in text and dip["severity"] == "medium", text

    bad = sorted((a["metric"], a["period"], a["severity"]) for a in want if a["bad"])
    items = page.eval_on_selector_all("#anomaly-list li[data-metric]",
                                      "els => els.map(e => [e.dataset.metric, e.dataset.period, e.dataset.severity])")
    assert sorted(map(tuple, items)) == bad, f"list {items}, API's bad anomalies {bad}"
    screenshot(tab, "overview-anomalies-october")


def test_why_panel_from_a_kpi_card(tab: Tab, api: httpx.Client) -> None:
    """"why?" on the GMV card asks /why for the selected range against the previous period: the API's sentence in
    the page's language, one waterfall bar per factor (the factors add up to the change), the best dimension's
    values; the language switch changes the sentence to the other one of the same answer."""
    page = tab.page
    wait_ready(tab, "overview")
    start, end = page.input_value("#date-from"), page.input_value("#date-to")
    page.click('.kpi-why[data-kpi="gmv"]')
    answered(tab, "/api/v1/why", metric="gmv", **{"from": start, "to": end}, compare="previous", by=WHY_BY)
    eventually(tab, lambda: _equal(panel_state(tab), "ready", "why panel state"))
    want = api_json(api, "/api/v1/why", {"metric": "gmv", "from": start, "to": end, "compare": "previous",
                                         "by": WHY_BY})
    assert want["factors"], "GMV has a factor tree"
    assert math.isclose(sum(f["contribution"] for f in want["factors"]), want["change"], rel_tol=1e-9, abs_tol=1e-6)
    steps = page.eval_on_selector_all("#why-waterfall g.waterfall-step",
                                      "els => els.map(e => [e.dataset.step, Number(e.dataset.value)])")
    assert [s for s, _ in steps] == [f["factor"] for f in want["factors"]], steps
    assert all(math.isclose(v, f["contribution"], rel_tol=1e-9) for (_, v), f in zip(steps, want["factors"],
                                                                                     strict=True))
    best = want["dimensions"][0]
    assert page.input_value("#why-dim") == best["dimension"]
    rows = page.eval_on_selector_all("#why-values tbody tr[data-value]", "els => els.map(e => e.dataset.value)")
    assert rows == [v["value"] for v in best["values"]][:len(rows)] and rows, rows

    initial = lang(tab)
    try:
        for language in (initial, "en" if initial == "zh-CN" else "zh-CN"):
            set_lang(tab, language)
            key = "zh" if language == "zh-CN" else "en"
            eventually(tab, lambda key=key: _equal(page.inner_text("#why-summary").strip(), want["summary"][key],
                                                   f"the {key} sentence"))
            screenshot(tab, f"why-gmv-{language}")
    finally:
        set_lang(tab, initial)
    page.click("#why-close")
    assert page.locator("#why-panel").count() == 0


def test_why_from_a_point_of_the_trend_chart(tab: Tab, api: httpx.Client) -> None:
    """A click on a day of the trend chart asks /why for that day against the same weekday a week earlier."""
    page = tab.page
    wait_ready(tab, "overview")
    set_range(tab, *OCTOBER)
    page.click('.kpi-card[data-kpi="gmv"]')
    box = in_view(page.locator(f'#trend-chart circle.anomaly[data-period="{INCIDENT_DAY}"]'))
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    answered(tab, "/api/v1/why", metric="gmv", date=INCIDENT_DAY, compare="wow")
    eventually(tab, lambda: _equal(panel_state(tab), "ready", "why panel state"))
    want = api_json(api, "/api/v1/why", {"metric": "gmv", "date": INCIDENT_DAY, "compare": "wow", "by": WHY_BY})
    key = "zh" if lang(tab) == "zh-CN" else "en"
    assert page.inner_text("#why-summary").strip() == want["summary"][key]
    assert "paid_search" in want["summary"]["en"]  # the incident's channel, named from the chart's point
    steps = page.eval_on_selector_all("#why-waterfall g.waterfall-step", "els => els.map(e => e.dataset.step)")
    assert steps == [f["factor"] for f in want["factors"]], steps


def test_why_errors_show_inline(tab: Tab, api: httpx.Client) -> None:
    """A range whose reference has no data: the API's 400 (message and hint) inside the panel. A busy server
    (503 with the server's bilingual body) shows its message in the page's language the same way."""
    page = tab.page
    wait_ready(tab, "overview")
    start, end = "2026-05-20", "2026-05-26"  # the demo starts 2026-05-20: the previous week has nothing
    set_range(tab, start, end)
    r = api.get("/api/v1/why", params={"metric": "gmv", "from": start, "to": end, "compare": "previous",
                                       "by": WHY_BY})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    page.click('.kpi-why[data-kpi="gmv"]')
    eventually(tab, lambda: _equal(panel_state(tab), "error", "why panel state"))
    text = page.inner_text("#why-error")
    zh = lang(tab) == "zh-CN"
    assert (error["zh"] if zh else error["message"]) in text and (error["zh_hint"] if zh else error["hint"]) in text
    assert page.get_attribute("#why-error", "data-status") == "400"
    page.click("#why-close")

    busy = {"error": {"message": "the server is busy, try again shortly", "zh": "服务器繁忙，请稍后再试",
                      "hint": None, "zh_hint": None, "where": None}}
    page.route("**/api/v1/why?*", lambda route: route.fulfill(status=503, content_type="application/json",
                                                              body=json.dumps(busy)))
    try:
        page.click('.kpi-why[data-kpi="uv"]')
        eventually(tab, lambda: _equal(panel_state(tab), "error", "why panel state"))
        assert (busy["error"]["zh"] if zh else busy["error"]["message"]) in page.inner_text("#why-error")
        assert page.get_attribute("#why-error", "data-status") == "503"
    finally:
        page.unroute("**/api/v1/why?*")


def test_conversion_factors_are_named_in_words(tab: Tab, api: httpx.Client) -> None:
    """The conversion card's waterfall shows its cart-level factors by name in the page's language (no raw
    ids such as buyers_per_cart_buyer), one bar per factor of the API's answer."""
    page = tab.page
    wait_ready(tab, "overview")
    start, end = page.input_value("#date-from"), page.input_value("#date-to")
    page.click('.kpi-why[data-kpi="conversion_rate"]')
    eventually(tab, lambda: _equal(panel_state(tab), "ready", "why panel state"))
    want = api_json(api, "/api/v1/why", {"metric": "conversion_rate", "from": start, "to": end,
                                         "compare": "previous", "by": WHY_BY})
    steps = page.eval_on_selector_all("#why-waterfall g.waterfall-step", "els => els.map(e => e.dataset.step)")
    assert steps == [f["factor"] for f in want["factors"]] and "buyers_per_cart_buyer" in steps, steps
    text = page.inner_text("#why-waterfall")
    assert not any(f in text for f in steps), f"raw factor ids in the waterfall: {text!r}"
    words = {"en": "Buyers per cart buyer", "zh-CN": "支付买家 / 加购支付买家"}[lang(tab)]
    assert words[:8] in text, text  # long labels are cut to the bar's width ("Buyers per cart …")
    page.click("#why-close")
