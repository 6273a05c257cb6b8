"""#14 in a real browser (Playwright on Debian's Chromium against ``shoplens serve`` over a copy of the demo store;
fixtures from tests/test_dashboard_browser.py): the funnel builder reads as words (a typo is said as one, a step
condition is named and uncut, counts have separators), zh pages show enumerated values through the label table
(no raw carrier, status, device, member tier or lifecycle id), RFM tiers in value order, and the downloads say
what they are (file names, id + name columns, units).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import httpx

from test_dashboard_browser import (  # noqa: F401  (fixtures used by name)
    Tab,
    _equal,
    api,
    api_json,
    browser,
    controls,
    csv_rows,
    dashboard,
    eventually,
    goto,
    near,
    new_tab,
    save_download,
    screenshot,
    server,
    set_lang,
    tab,
    wait_ready,
)


def catalog(api: httpx.Client) -> dict:  # noqa: F811
    return api.get("/api/v1/metrics/catalog").json()


def test_funnel_typo_says_did_you_mean(tab: Tab) -> None:  # noqa: F811
    page = tab.page
    set_lang(tab, "en")
    goto(tab, "conversion")
    page.fill("#funnel-steps", "product_veiw,add_to_cart,purchase")
    page.click("#funnel-run")
    error = page.locator("#funnel-steps-error")
    error.wait_for(state="visible")
    text = error.inner_text()
    assert "unknown event 'product_veiw'" in text and "did you mean product_view?" in text, text
    assert page.locator(".funnel-results .empty").count() == 0, "a typo must not read as 'no data in these dates'"
    assert page.locator("#funnel-table").count() == 0, "no all-zero funnel under a typo"
    screenshot(tab, "zh14-funnel-typo-en")


def test_funnel_step_condition_reads_as_words(tab: Tab, api: httpx.Client) -> None:  # noqa: F811
    """add_to_cart[channel=paid_search] shows as 加入购物车 · 渠道=付费搜索 in the chosen steps and in the step
    table, whole; the counts equal the API's with thousands separators."""
    page = tab.page
    set_lang(tab, "zh-CN")
    goto(tab, "conversion")
    steps = "product_view,add_to_cart[channel=paid_search],purchase"
    page.fill("#funnel-steps", steps)
    channel = catalog(api)["dimensions"]["channel"]["zh"]
    label = f"加入购物车 · {channel}=付费搜索"
    chip = page.locator('#funnel-step-list li[data-step="2"]')
    eventually(tab, lambda: _equal(chip.inner_text().replace("×", "").strip(), f"2. {label}", "chosen step 2"))
    page.click("#funnel-run")
    rows = page.locator("#funnel-table tbody tr[data-step]")
    rows.first.wait_for(state="visible")
    want = api_json(api, "/api/v1/funnel", {"steps": steps, "window": "14d", "mode": "ordered",
                                            **{k: v for k, v in controls(tab).items() if k != "compare"}})["steps"]
    assert label in rows.nth(1).inner_text(), rows.nth(1).inner_text()
    counts = [c.inner_text().strip() for c in page.locator("#funnel-table tbody td.count").all()]
    assert counts == [f"{s['count']:,}" for s in want], (counts, want)
    assert want[0]["count"] >= 1000, "the check needs a count with a separator"
    assert page.locator("#funnel-chart").inner_text().count(label) >= 1, "the chart names the step in full"
    by = page.locator("#funnel-by")
    hint = page.locator('.rule-hint[data-rule="rule.funnelBy"]')
    assert by.get_attribute("title") and hint.get_attribute("title") == by.get_attribute("title")
    # a condition on an event property names the property, not its raw key (properties.page_type)
    prop = page.evaluate("import('/static/dashboard/steps.js')"
                         ".then((m) => m.stepLabel('page_view[properties.page_type=home]'))")
    assert prop == "浏览页面 · 页面类型=首页", prop
    screenshot(tab, "zh14-funnel-condition-zh")


def enum_ids(demo_db: Path) -> dict[str, set[str]]:
    """The raw ids a zh page must never show: carriers, order and shipment statuses, member tiers, devices,
    lifecycle stages, refund reasons (from the demo store itself)."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        q = {"carrier": "SELECT carrier FROM shipments", "status": "SELECT status FROM orders",
             "shipment_status": "SELECT status FROM shipments", "member_tier": "SELECT member_tier FROM customers",
             "device": "SELECT device FROM events", "refund_reason": "SELECT reason FROM refunds"}
        out = {k: {r[0] for r in con.execute(f"SELECT DISTINCT v FROM ({s}) t(v) WHERE v IS NOT NULL").fetchall()}
               for k, s in q.items()}
    finally:
        con.close()
    out["lifecycle"] = {"new", "active", "dormant", "churned"}
    return out


def raw_ids_in(text: str, ids: dict[str, set[str]]) -> list[str]:
    found = {i for group in ids.values() for i in group if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)}
    return sorted(found)


def test_zh_pages_show_names_not_ids(tab: Tab, api: httpx.Client, demo_db: Path) -> None:  # noqa: F811
    """Users (with a core customer's timeline), Service and Conversion in zh: no raw enum id in the visible text;
    the carrier table names carriers with the served label table."""
    page = tab.page
    ids = enum_ids(demo_db)
    names = catalog(api)["values"]
    set_lang(tab, "zh-CN")
    goto(tab, "service")
    carriers = page.locator("#logistics-table tbody tr[data-carrier]")
    carriers.first.wait_for(state="visible")
    for row in carriers.all()[:5]:
        carrier = row.get_attribute("data-carrier")
        assert row.locator("td").first.inner_text().strip() == names["carrier"][carrier][0], carrier
    assert not raw_ids_in(page.inner_text("#page"), ids), raw_ids_in(page.inner_text("#page"), ids)
    screenshot(tab, "zh14-service-zh")

    goto(tab, "conversion")
    assert not raw_ids_in(page.inner_text("#page"), ids), raw_ids_in(page.inner_text("#page"), ids)

    goto(tab, "users")
    user = api_json(api, "/api/v1/rfm/customers", {"tier": "core", "limit": 1})["rows"][0]["user_id"]
    page.fill("#timeline-user", user)
    page.click("#timeline-search")
    items = page.locator("#timeline-list li")
    eventually(tab, lambda: _equal(items.count() > 0, True, "#timeline-list has items"))
    text = page.inner_text("#page")
    assert not raw_ids_in(text, ids), raw_ids_in(text, ids)
    badge = page.locator("#timeline-profile h3 .badge")
    assert badge.inner_text() == names["lifecycle"][badge.get_attribute("data-stage")][0]
    # the headline is not repeated in the description, and nothing is cut
    for item in items.all()[:40]:
        head = item.locator(".tl-head").inner_text()
        desc = item.locator(".tl-desc")
        if desc.count():
            assert head not in desc.inner_text().split(" · "), (head, desc.inner_text())
            assert desc.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), desc.inner_text()
    screenshot(tab, "zh14-users-timeline-zh")


def test_rfm_in_value_order_and_named_downloads(tab: Tab, api: httpx.Client) -> None:  # noqa: F811
    page = tab.page
    set_lang(tab, "zh-CN")
    goto(tab, "users")
    rfm = api_json(api, "/api/v1/rfm", {"as_of": controls(tab)["to"]})
    shown = page.locator("#rfm-table tbody tr[data-tier]").evaluate_all("els => els.map(e => e.dataset.tier)")
    filled = sorted((t for t in rfm["tiers"] if t["customers"] and t["tier"] != "others"),
                    key=lambda t: -t["avg_monetary"])
    assert shown[:len(filled)] == [t["tier"] for t in filled] and shown[0] == "core", shown
    assert ("others" in shown) == any(t["tier"] == "others" and t["customers"] for t in rfm["tiers"])
    link = page.locator('#rfm-table tr[data-tier="core"] a.tier-export')
    assert link.get_attribute("download") == f"rfm_core_{rfm['as_of']}.csv"
    name, data = save_download(tab, link.click, "rfm-core")
    assert name == f"rfm_core_{rfm['as_of']}.csv"
    rows = csv_rows(data)
    assert rows[0][:3] == ["store_id", "user_id", "tier"] and {r[2] for r in rows[1:] if r} == {"core"}


def test_channel_csv_has_ids_names_and_units(tab: Tab) -> None:  # noqa: F811
    page = tab.page
    set_lang(tab, "zh-CN")
    goto(tab, "traffic")
    table = page.locator("#channel-table")
    channels = table.locator("tbody tr[data-channel]").evaluate_all("els => els.map(e => e.dataset.channel)")
    _, data = save_download(tab, near(table, "button.export-csv").click, "channels-zh")
    header, *body = [r for r in csv_rows(data) if r]
    assert header[:2] == ["channel", "渠道"], header  # the id (what where=channel= takes), then the name
    assert body[-1][:2] == ["合计", ""]  # the scorecard's total line comes last (no name under the id's "合计")
    body = body[:-1]
    assert [r[0] for r in body] == channels and "付费搜索" in {r[1] for r in body}
    seconds = [h for h in header if "时长" in h and "变化" not in h]  # (a change column is a ratio)
    assert seconds and all(h.endswith("(秒)") for h in seconds), header
    assert page.locator('#channel-table').count() == 1
    hint = page.locator('.rule-hint[data-rule="rule.channelTable"]')
    assert "任一行为" in (hint.get_attribute("title") or "")


def test_conversion_and_users_at_phone_width(tab: Tab) -> None:  # noqa: F811
    """390 px, zh: the chosen steps wrap instead of widening the page; screenshots for a human reader."""
    page = tab.page
    set_lang(tab, "zh-CN")
    page.set_viewport_size({"width": 390, "height": 844})
    goto(tab, "conversion")
    page.fill("#funnel-steps", "product_view,add_to_cart[channel=paid_search],purchase")
    page.locator('#funnel-step-list li[data-step="3"]').wait_for(state="visible")
    wide = page.locator("#funnel-step-list").evaluate("e => e.scrollWidth > e.clientWidth + 1")
    assert not wide, "the chosen steps overflow at 390 px"
    screenshot(tab, "zh14-conversion-390-zh")
    goto(tab, "users")
    screenshot(tab, "zh14-users-390-zh")
