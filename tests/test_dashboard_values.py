"""The dashboard's pickers read ``GET /api/v1/values/{dim}``, and an unknown value is said where it was typed
(issue #11, Seen 1: a funnel step ``add_to_card`` showed 0 users and "No data in the selected dates… change the
dates"). Playwright on Debian's Chromium against a real ``shoplens serve``; the browser, server and login
fixtures are those of tests/test_dashboard_browser.py.
"""

from __future__ import annotations

import httpx

from test_dashboard_browser import (  # noqa: F401  (fixtures used by name)
    Tab,
    _equal,
    api,
    api_json,
    browser,
    controls,
    dashboard,
    eventually,
    goto,
    new_tab,
    page_kpis,
    same_number,
    screenshot,
    server,
    tab,
    wait_ready,
)

KPI_CHECKED = ("gmv", "uv")


def test_filter_picker_lists_the_values_and_picking_one_filters(tab: Tab, api: httpx.Client) -> None:  # noqa: F811 (fixtures)
    """The value list is /values/country for the page's store and dates (most rows first, with their rows); the
    picked value becomes a chip and the KPI cards equal the API with where=country=VALUE."""
    page = tab.page
    wait_ready(tab, "overview")
    params = controls(tab)
    listing = api_json(api, "/api/v1/values/country", {k: v for k, v in params.items() if k != "compare"})
    page.click("#add-filter")
    page.select_option(".filter-picker .filter-dim", "country")
    first = listing["values"][0]["value"]
    options = page.locator(".filter-picker .filter-value option")
    page.locator(f'.filter-picker .filter-value option[value="{first}"]').wait_for(state="attached")
    shown = [v for v in options.evaluate_all("els => els.map(e => e.value)") if v]
    assert shown == [r["value"] for r in listing["values"]], "the picker lists /values/country in its order"
    rows = options.nth(1).inner_text()
    assert f"{listing['values'][0]['rows']:,}" in rows.replace("\u202f", ",").replace("\u00a0", ","), rows

    second = listing["values"][1]["value"]
    page.select_option(".filter-picker .filter-value", second)
    page.click(".filter-picker button.primary")
    page.locator(f'#filter-chips .chip[data-filter="country"][data-value="{second}"]').wait_for(state="visible")
    want = api_json(api, "/api/v1/metrics", {"metrics": ",".join(KPI_CHECKED), **params,
                                             "where": f"country={second}"})["rows"][0]

    def filtered() -> None:
        got = page_kpis(tab)
        wrong = {k: (got.get(k), want[k]) for k in KPI_CHECKED if not same_number(got.get(k), want[k])}
        assert not wrong, f"KPI cards vs GET /api/v1/metrics where=country={second}: {wrong}"

    eventually(tab, filtered)
    assert page.locator("#filter-chips .chip.invalid").count() == 0
    screenshot(tab, f"overview-picked-country-{second}")


def test_funnel_step_picker_lists_the_stores_events(tab: Tab, api: httpx.Client) -> None:  # noqa: F811 (fixtures)
    page = tab.page
    goto(tab, "conversion")
    params = {k: v for k, v in controls(tab).items() if k != "compare"}
    events = [r["value"] for r in api_json(api, "/api/v1/values/event", params)["values"]]
    buttons = page.locator("#funnel-step-picker button[data-event]")
    eventually(tab, lambda: _equal(buttons.evaluate_all("els => els.map(e => e.dataset.event)"), events,
                                   "step picker vs GET /api/v1/values/event"))
    page.fill("#funnel-steps", "")
    for event in ("product_view", "purchase"):
        page.click(f'#funnel-step-picker button[data-event="{event}"]')
    assert page.input_value("#funnel-steps") == "product_view,purchase"


def test_a_typed_unknown_step_or_filter_is_said_inline(tab: Tab, api: httpx.Client) -> None:  # noqa: F811 (fixtures)
    """A typo in the steps: the server's "did you mean" beside the steps, no "no data in these dates"; a typed
    filter value: the error in the picker and no chip; a filter from the URL: its chip marked, the error beside."""
    page = tab.page
    goto(tab, "conversion")
    page.fill("#funnel-steps", "product_view,add_to_card,purchase")
    page.click("#funnel-run")
    wait_ready(tab, "conversion")
    error = page.locator("#funnel-steps-error")
    error.wait_for(state="visible")
    text = error.inner_text()
    assert "add_to_card" in text and "add_to_cart" in text, text
    assert page.get_attribute("#funnel-steps", "aria-invalid") == "true"
    assert page.locator(".funnel-results .empty").count() == 0, "a typo must not read as 'no data in these dates'"
    assert page.locator("#funnel-table").count() == 0
    screenshot(tab, "conversion-step-typo")
    page.fill("#funnel-steps", "product_view,add_to_cart,purchase")  # corrected: the error goes, the funnel draws
    page.click("#funnel-run")
    page.locator("#funnel-table tbody tr[data-step]").first.wait_for(state="visible")
    assert error.is_hidden()

    page.click("#add-filter")
    page.select_option(".filter-picker .filter-dim", "channel")
    page.fill(".filter-picker .filter-typed", "paidsearch")
    page.click(".filter-picker button.primary")
    status = page.locator(".filter-picker .picker-status")
    eventually(tab, lambda: _equal("paid_search" in status.inner_text(), True, "picker error names paid_search"))
    assert page.locator("#filter-chips .chip").count() == 0

    page.goto(tab.url + "/#/overview?f=channel%3Dpaidsearch")
    chip = page.locator('#filter-chips .chip.invalid[data-filter="channel"][data-value="paidsearch"]')
    chip.wait_for(state="visible")
    message = page.locator('#filter-errors .chip-error[data-value="paidsearch"]')
    message.wait_for(state="visible")
    assert "paid_search" in message.inner_text()
    screenshot(tab, "overview-unknown-filter")


def test_a_range_without_data_shows_the_api_note(tab: Tab, api: httpx.Client) -> None:  # noqa: F811 (fixtures)
    page = tab.page
    store = controls(tab).get("store", "demo")
    page.goto(tab.url + f"/#/conversion?store={store}&from=2020-01-01&to=2020-01-31&compare=none")
    wait_ready(tab, "conversion")
    note = api_json(api, "/api/v1/funnel", {"steps": "product_view,add_to_cart,purchase", "store": store,
                                           "from": "2020-01-01", "to": "2020-01-31"})["notes"]["range"]
    shown = page.locator(".funnel-results .data-notes .note")
    shown.first.wait_for(state="visible")
    lang = page.evaluate("document.documentElement.lang")
    assert shown.first.inner_text() == (note["zh"] if lang.startswith("zh") else note["en"])
    assert note["data_to"] in shown.first.inner_text()

    # a known value without rows (the demo has no device "other"): its chip is fine, the note says why it is 0
    page.goto(tab.url + f"/#/overview?store={store}&from=2026-10-17&to=2026-11-15&compare=none&f=device%3Dother")
    wait_ready(tab, "overview")
    api_note = api_json(api, "/api/v1/metrics", {"metrics": "gmv,uv", "where": "device=other", "store": store,
                                                 "from": "2026-10-17", "to": "2026-11-15"})["notes"]["device=other"]
    shown = page.locator(".data-notes .note")
    shown.first.wait_for(state="visible")
    assert shown.first.inner_text() == (api_note["zh"] if lang.startswith("zh") else api_note["en"])
    assert page.locator("#filter-chips .chip.invalid").count() == 0
    screenshot(tab, "overview-value-without-rows")
