"""The Products page's #16 panels in a real browser (Playwright + Debian's Chromium against ``shoplens serve`` on a
copy of the demo store; fixtures and helpers of test_dashboard_browser.py): what each panel shows equals the REST
API's answer for the page's controls, both languages label it, the reorder list's CSV is the route's CSV.

The page is ready (#page[data-ready]) before the analysis panels, which say so on #page[data-panels-ready].
A panel whose analysis route the server does not have (404 "Not Found", no place named) is not shown: its checks skip.
DOM contract: #abc-card[data-by] with .abc-class[data-class][data-skus] and rect.pareto-bar[data-product][data-class];
#roles-card with .role-chip[data-role][data-count] (or #roles-no-traffic); #trial-table tr[data-verdict];
#reorder-table tr[data-product] and #reorder-csv; #forecast-facts[data-product][data-method] and
path.forecast-line[data-values]; #slow-card[data-skus][data-value] with #slow-table tr[data-product].
"""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from test_dashboard_browser import (  # noqa: F401  (fixtures used by name)
    ARTIFACTS,
    CJK,
    Tab,
    api,
    browser,
    controls,
    csv_rows,
    dashboard,
    eventually,
    goto,
    new_tab,
    save_download,
    server,
    set_lang,
    tab,
)


def route(api: httpx.Client, path: str, params: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """The route's JSON; skips when this server has no such route yet (the page then leaves the panel out)."""
    r = api.get(path, params=params)
    error = (r.json().get("error") or {}) if r.status_code == 404 else {}
    if error.get("message") == "Not Found" and not error.get("where"):
        pytest.skip(f"{path} is not served yet")
    assert r.status_code == 200, f"GET {path} {params}: {r.status_code} {r.text[:300]}"
    return r.json()


def open_products(tab: Tab, timeout_ms: int = 180_000) -> None:  # noqa: F811
    """The products page through its nav link, waiting for its data (#page[data-ready]) and then for the analysis
    panels, which load after it (#page[data-panels-ready]: a cold server computes four or five analyses)."""
    menu = tab.page.locator("#menu-toggle")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    tab.page.click('a[data-page="products"]')
    for ready in ("data-ready", "data-panels-ready"):
        tab.page.locator(f'#page[data-page="products"][{ready}="true"]').wait_for(state="attached", timeout=timeout_ms)


def page_params(tab: Tab) -> dict[str, str]:  # noqa: F811
    c = controls(tab)
    return {k: c[k] for k in ("store", "from", "to") if k in c}


def as_of(tab: Tab) -> dict[str, str]:  # noqa: F811
    c = page_params(tab)
    return {**({"store": c["store"]} if "store" in c else {}), "as_of": c["to"]}


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def test_slow_movers_equal_the_catalog_metrics(tab: Tab, api: httpx.Client) -> None:  # noqa: F811
    """#slow-card lists the on-sale SKUs whose slow_moving_sku_share is 1 on the range's last day, with the stock at
    cost they tie up (the catalog's stock_cost that day) and valued at units on hand × (GMV / paid units over all the
    data the page asked for)."""
    open_products(tab)
    p = page_params(tab)
    day = {**p, "from": p["to"]}
    now = route(api, "/api/v1/metrics", {"metrics": "slow_moving_sku_share,stock_units,stock_cost", "by": "product",
                                         **day})
    slow = {r["product"]: r for r in now["rows"] if r["slow_moving_sku_share"] == 1}
    card = tab.page.locator("#slow-card")
    assert int(card.get_attribute("data-skus")) == len(slow) and slow, (card.get_attribute("data-skus"), len(slow))
    asked = [q for path, q, _ in tab.answers
             if path == "/api/v1/metrics" and q.get("metrics") == ["gmv,paid_units"] and q.get("by") == ["product"]]
    assert asked, "the page did not ask for GMV and units by product"
    everything = route(api, "/api/v1/metrics", {"metrics": "gmv,paid_units", "by": "product", "store": p.get("store"),
                                                "from": asked[-1]["from"][0], "to": p["to"]})
    price = {r["product"]: r["gmv"] / r["paid_units"] for r in everything["rows"] if r["paid_units"]}
    want = sum(r["stock_units"] * price[k] for k, r in slow.items() if k in price and r["stock_units"] is not None)
    assert close(float(card.get_attribute("data-value")), want)
    cost = sum(r["stock_cost"] for r in slow.values() if r["stock_cost"] is not None)
    assert cost > 0 and close(float(card.get_attribute("data-cost")), cost)
    shown = tab.page.eval_on_selector_all("#slow-table tbody tr[data-product]",
                                          "els => els.map(e => e.dataset.product)")
    assert sorted(shown) == sorted(slow)


def test_abc_panel_equals_the_api(tab: Tab, api: httpx.Client) -> None:  # noqa: F811
    open_products(tab)
    data = route(api, "/api/v1/products/abc", {**page_params(tab), "by": "gmv"})
    page = tab.page
    assert page.get_attribute("#abc-card", "data-by") == "gmv"
    for k in ("A", "B", "C"):
        box = page.locator(f'.abc-class[data-class="{k}"]')
        assert int(box.get_attribute("data-skus")) == data["classes"][k]["skus"], k
        assert close(float(box.get_attribute("data-share")), data["classes"][k]["share"]), k
    bars = page.eval_on_selector_all("rect.pareto-bar", "els => els.map(e => [e.dataset.product, e.dataset.class])")
    assert bars == [[p["product_id"], p["class"]] for p in data["products"]]
    assert page.locator("line.pareto-threshold").count() == len(data["thresholds"])


def test_roles_panel_equals_the_api(tab: Tab, api: httpx.Client) -> None:  # noqa: F811
    open_products(tab)
    data = route(api, "/api/v1/products/roles", page_params(tab))
    counts: dict[str, int] = {}
    for p in data["products"]:
        role = p.get("role") or (p.get("roles") or ["normal"])[0]
        counts[role] = counts.get(role, 0) + 1
    shown = tab.page.eval_on_selector_all(".role-chip[data-role]",
                                          "els => els.map(e => [e.dataset.role, +e.dataset.count])")
    assert {r: n for r, n in shown if n} == counts


def test_role_filter_draws_that_role_only(tab: Tab, api: httpx.Client) -> None:  # noqa: F811
    """Picking a role in #role-filter draws only its SKUs: those the API gives both indexes above zero."""
    open_products(tab)
    data = route(api, "/api/v1/products/roles", page_params(tab))
    want = sorted(p["product_id"] for p in data["products"] if p["role"] == "profit"
                  and (p.get("traffic_index") or 0) > 0 and (p.get("conversion_index") or 0) > 0)
    assert want, "the demo store has profit items with traffic"
    tab.page.select_option("#role-filter", "profit")

    def drawn() -> None:
        dots = tab.page.eval_on_selector_all("circle.quadrant-dot",
                                             "els => els.map(e => [e.dataset.product, e.dataset.role])")
        assert sorted(d[0] for d in dots) == want and {d[1] for d in dots} == {"profit"}, dots[:5]

    eventually(tab, drawn, timeout=120)
    tab.page.select_option("#role-filter", "")


def test_trial_panel_equals_the_api(tab: Tab, api: httpx.Client) -> None:  # noqa: F811
    open_products(tab)
    data = route(api, "/api/v1/products/trial", {**as_of(tab), "days": 15})
    items = data.get("items") or data.get("products") or []
    rows = tab.page.eval_on_selector_all("#trial-table tbody tr[data-product]",
                                         "els => els.map(e => [e.dataset.product, e.dataset.verdict])")
    assert rows == [[i["product_id"], i["verdict"]] for i in items]


def reorder_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cover = lambda r: r["days_of_cover"] if isinstance(r.get("days_of_cover"), (int, float)) else math.inf  # noqa: E731
    return sorted(items, key=lambda r: (not r["reorder_now"], cover(r), r["product_id"]))


def test_reorder_list_and_its_csv_equal_the_api(tab: Tab, api: httpx.Client) -> None:  # noqa: F811
    open_products(tab)
    data = route(api, "/api/v1/replenish", as_of(tab))
    want = reorder_first(data["items"])
    page = tab.page
    shown = page.eval_on_selector_all("#reorder-table tbody tr[data-product]", "els => els.map(e => e.dataset.product)")
    assert shown == [r["product_id"] for r in want]
    first = page.locator("#reorder-table tbody tr[data-product]").first
    keys = page.eval_on_selector_all("#reorder-table thead th", "els => els.map(e => e.dataset.key)")
    qty_col = keys.index("order_qty")
    assert int(first.locator("td").nth(qty_col).inner_text().replace(",", "")) == want[0]["order_qty"]
    assert int(page.get_attribute("#reorder-card", "data-now")) == sum(bool(r["reorder_now"]) for r in want)
    _, got = save_download(tab, page.locator("#reorder-csv").click, "replenish")
    r = api.get("/api/v1/replenish", params={**as_of(tab), "format": "csv"})
    assert r.status_code == 200
    assert csv_rows(got) == csv_rows(r.content)


def test_forecast_panel_equals_the_api(tab: Tab, api: httpx.Client) -> None:  # noqa: F811
    open_products(tab)
    abc = route(api, "/api/v1/products/abc", {**page_params(tab), "by": "gmv"})
    top = abc["products"][0]["product_id"]
    data = route(api, "/api/v1/forecast", {**as_of(tab), "product": top, "grain": "week", "horizon": 8,
                                          "backtest": "true"})
    item = data["products"][0]
    facts = tab.page.locator("#forecast-facts")
    assert facts.get_attribute("data-product") == top and facts.get_attribute("data-method") == item["method"]
    values = tab.page.eval_on_selector("path.forecast-line", "e => JSON.parse(e.dataset.values)")
    assert len(values) == len(item["forecast"]) and close(values[0], item["forecast"][0]["value"])
    wape = (item.get("backtest") or {}).get("wape")  # none when the SKU's history is too short to backtest
    shown = facts.get_attribute("data-wape")
    assert (shown == "" and wape is None) or close(float(shown), wape), (shown, wape)


PANELS = {"#slow-card": ("滞销商品与库存货值", "Slow movers and the stock they tie up"),
          "#abc-card": ("ABC 分类（帕累托）", "ABC classes (Pareto)"),
          "#roles-card": ("商品角色象限", "Product roles quadrant"),
          "#trial-card": ("新品测款", "New-product trials"),
          "#reorder-card": ("库存风险与补货清单", "Stock risks and reorder list"),
          "#forecast-card": ("需求预测", "Demand forecast")}


def test_panels_in_both_languages_and_screenshots(tab: Tab) -> None:  # noqa: F811
    """Each panel present has its title in zh and en; screenshots at 1440 and 390 px in test-artifacts/."""
    page = tab.page
    try:
        for language, k in (("zh-CN", 0), ("en", 1)):
            set_lang(tab, language)
            for width, height in ((1440, 900), (390, 800)):
                page.set_viewport_size({"width": width, "height": height})
                goto(tab, "overview")  # the products page is drawn anew at this width
                open_products(tab)
                text = page.inner_text("#page")
                assert "undefined" not in text and "NaN" not in text
                present = [sel for sel in PANELS if page.locator(sel).count()]
                assert "#slow-card" in present
                for sel in present:
                    title = page.locator(f"{sel} h2").first.inner_text()
                    assert title == PANELS[sel][k], (sel, language, title)
                    if k == 1:
                        assert not CJK.search(page.locator(f"{sel} .card-head").inner_text()), sel
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"products16-{language}-{width}.png"), full_page=True)
    finally:
        page.set_viewport_size({"width": 1440, "height": 900})
        set_lang(tab, "zh-CN")
