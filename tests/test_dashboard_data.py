"""The data page (issue #15) in Chromium against a real `shoplens serve` on a copy of the demo store: the sources
table equals GET /sources; an upload is previewed (the mapped rows, read = loaded + duplicates + quarantined, the
quarantine with file:line:column and the reason in the page's language) without writing anything, then imported,
after which the sources table lists the new source with its last day; errors show as one line. zh and en; 1440 and
390 px screenshots in test-artifacts/screens/data/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from test_dashboard_browser import (  # noqa: F401  (fixtures used by name)
    ARTIFACTS,
    Tab,
    api,
    browser,
    dashboard,
    eventually,
    goto,
    new_tab,
    server,
    set_lang,
    tab,
    wait_ready,
)

SHOTS = ARTIFACTS / "data"
HEADER = "event_id,ts,user_id,event,channel\n"
# 3 lines: all new events of the demo store (ids the demo does not use), the last on 2026-12-01 (UTC)
GOOD = HEADER + ("up1,2026-11-30T09:00:00Z,upl1,product_view,email\n"
                 "up2,2026-11-30T09:05:00Z,upl1,add_to_cart,email\n"
                 "up3,2026-12-01T10:00:00Z,upl2,product_view,direct\n")
# orders: line 3 has a bad amount, line 4 a bad time; line 2 is good
BAD = ("order_id,created_ts,gross_amount\n"
       "bo1,2026-11-30 10:00:00,12.50\n"
       "bo2,2026-11-30 11:00:00,twelve\n"
       "bo3,noon,3\n")


def shot(tab: Tab, name: str) -> None:  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def upload(tab: Tab, tmp: Path, name: str, content: str) -> None:  # noqa: F811
    path = tmp / name
    path.write_text(content, encoding="utf-8")
    tab.page.set_input_files("#import-file", [str(path)])


def counts(tab: Tab) -> dict[str, int]:  # noqa: F811
    page = tab.page
    return {k: int(page.locator(f'#import-summary [data-count="{k}"] b').inner_text().replace(",", ""))
            for k in ("read", "loaded", "duplicates", "quarantined")}


def sources_rows(tab: Tab) -> dict[tuple[str, str], dict[str, str]]:  # noqa: F811
    rows = tab.page.locator("#sources-table tbody tr[data-table]")
    out = {}
    for i in range(rows.count()):
        r = rows.nth(i)
        out[(r.get_attribute("data-table"), r.get_attribute("data-preset"))] = {
            "rows": r.get_attribute("data-rows"), "last": r.get_attribute("data-last-day"),
            "freshness": r.get_attribute("data-freshness"), "text": r.inner_text()}
    return out


def api_sources(api: httpx.Client, store: str = "demo") -> dict[tuple[str, str], dict[str, Any]]:  # noqa: F811
    r = api.get("/api/v1/sources", params={"store": store})
    assert r.status_code == 200, r.text
    return {(s["table"], s["preset"]): s for s in r.json()["stores"][0]["sources"]}


def run(tab: Tab, button: str) -> None:  # noqa: F811
    tab.page.click(button)
    eventually(tab, lambda: _settled(tab))


def _settled(tab: Tab) -> None:  # noqa: F811
    assert tab.page.locator('#page[data-page="data"][data-ready="true"]').count() == 1
    assert not tab.page.locator("#import-preview").is_disabled()


def test_preview_import_and_the_new_source(tab: Tab, api: httpx.Client, tmp_path: Path) -> None:  # noqa: F811
    page = tab.page
    set_lang(tab, "en")
    goto(tab, "data")
    before = api_sources(api)
    shown = sources_rows(tab)
    assert set(shown) == set(before)
    for key, s in before.items():
        assert (shown[key]["rows"], shown[key]["last"], shown[key]["freshness"]) == (
            str(s["rows"]), s["last_day"] or "", s["freshness"])
    assert ("events", "canonical") not in shown

    upload(tab, tmp_path, "upload_events.csv", GOOD)
    page.select_option("#import-table", "events")
    run(tab, "#import-preview")
    assert page.get_attribute("#import-result", "data-mode") == "preview"
    assert counts(tab) == {"read": 3, "loaded": 3, "duplicates": 0, "quarantined": 0}
    assert "nothing written" in page.inner_text("#import-summary")
    cells = page.locator("#preview-events tbody tr").all_inner_texts()
    assert len(cells) == 3 and "up1" in cells[0] and "2026-11-30 09:00:00" in cells[0] and "upl2" in cells[2]
    file_row = page.locator('#import-files tr[data-file="upload_events.csv"] td').all_inner_texts()
    assert file_row == ["upload_events.csv", "3", "3", "0", "0", "✓"]
    assert api_sources(api) == before  # the preview wrote nothing
    shot(tab, "preview-en-1440")

    run(tab, "#import-run")
    assert page.get_attribute("#import-result", "data-mode") == "import"
    import_id = page.get_attribute("#import-result", "data-import-id")
    assert import_id and f"import #{import_id}" in page.inner_text("#import-summary")
    assert counts(tab) == {"read": 3, "loaded": 3, "duplicates": 0, "quarantined": 0}
    after = api_sources(api)
    new = after[("events", "canonical")]
    assert (new["rows"], new["last_day"], new["files"]) == (3, "2026-12-01", ["upload_events.csv"])
    eventually(tab, lambda: _equal_source(tab, new))
    shot(tab, "imported-en-1440")
    page.set_viewport_size({"width": 390, "height": 800})
    eventually(tab, lambda: _fits(tab))
    shot(tab, "imported-en-390")


def _equal_source(tab: Tab, want: dict[str, Any]) -> None:  # noqa: F811
    row = sources_rows(tab).get(("events", "canonical"))
    assert row and (row["rows"], row["last"]) == (str(want["rows"]), want["last_day"]), row
    assert "upload_events.csv" in row["text"] and "2026-12-01" in row["text"]


def _fits(tab: Tab) -> None:  # noqa: F811
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"the page is {width} px wide at 390 px"


def test_a_bad_file_shows_the_quarantine_in_chinese(tab: Tab, api: httpx.Client, tmp_path: Path) -> None:  # noqa: F811
    page = tab.page
    set_lang(tab, "zh-CN")
    goto(tab, "data")
    upload(tab, tmp_path, "bad_orders.csv", BAD)
    page.select_option("#import-table", "orders")
    run(tab, "#import-preview")
    assert counts(tab) == {"read": 3, "loaded": 1, "duplicates": 0, "quarantined": 2}
    assert "未写入任何数据" in page.inner_text("#import-summary")
    rows = page.locator("#import-quarantine tbody tr")
    got = [(rows.nth(i).get_attribute("data-reason"), rows.nth(i).locator("td").all_inner_texts()) for i in range(2)]
    assert got == [("invalid_number", ["bad_orders.csv:3:gross_amount", "不是数字", "twelve"]),
                   ("invalid_timestamp", ["bad_orders.csv:4:created_ts", "不是日期时间", "noon"])]
    shot(tab, "quarantine-zh-1440")
    set_lang(tab, "en")  # the answer stays, in the other language
    wait_ready(tab, "data")
    assert page.locator("#import-quarantine tbody tr td").nth(1).inner_text() == "not a number"
    set_lang(tab, "zh-CN")
    wait_ready(tab, "data")
    page.set_viewport_size({"width": 390, "height": 800})
    eventually(tab, lambda: _fits(tab))
    shot(tab, "quarantine-zh-390")
    page.set_viewport_size({"width": 1440, "height": 900})

    # a new store without its currency: one line, in Chinese, nothing shown as a result
    upload(tab, tmp_path, "bad_orders.csv", BAD)
    page.select_option("#import-table", "orders")
    page.fill("#import-store", "brand_new")
    run(tab, "#import-preview")
    error = page.inner_text("#import-error")
    assert "brand_new" in error and "\n" not in error and any("\u4e00" <= c <= "\u9fff" for c in error)
    assert page.locator("#import-summary").count() == 0
    assert "brand_new" not in [s["store_id"] for s in api.get("/api/v1/stores").json()["stores"]]
    shot(tab, "error-zh-1440")


def test_analysts_see_sources_without_the_import_and_viewers_a_note(new_tab: Any, api: httpx.Client) -> None:  # noqa: F811
    """The import form is for admins; sources for analysts (their stores); a viewer reads analyses only."""
    for user, role in (("data_ana", "analyst"), ("data_vic", "viewer")):
        r = api.post("/api/v1/accounts", json={"username": user, "password": "pw-data-page-1", "role": role,
                                                "stores": ["demo"]})
        assert r.status_code == 201, r.text
    for user, sources, note in (("data_ana", True, False), ("data_vic", False, True)):
        t = new_tab()
        t.page.goto(t.url + "/")
        t.page.fill("#login-username", user)
        t.page.fill("#login-password", "pw-data-page-1")
        t.page.click("#login-submit")
        t.page.locator("#app").wait_for(state="visible")
        set_lang(t, "en")
        goto(t, "data")
        assert t.page.locator("#import-form").count() == 0
        assert t.page.locator("#sources-table tbody tr[data-table]").count() == (
            len(api_sources(api)) if sources else 0)
        assert ("need the analyst or admin role" in t.page.inner_text("#page")) is note
