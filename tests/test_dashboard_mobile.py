"""The dashboard at a phone's width (390 px, issue #14 part 7): the page list behind a menu button, charts drawn
at the width they have (legible text), wide tables that scroll with a visible cue. The walk of every page
(tests/test_dashboard_walk.py) checks overflow and chart text on all pages; these tests check the behaviour.
"""

from __future__ import annotations

from typing import Any

from test_dashboard_browser import (  # noqa: F401  (fixtures used by name)
    PAGES,
    Tab,
    api,
    browser,
    dashboard,
    eventually,
    new_tab,
    server,
    set_lang,
    tab,
    wait_ready,
)

PHONE = {"width": 390, "height": 800}
LAPTOP = {"width": 1440, "height": 900}
HINT = {"zh-CN": "← 滑动查看更多 →", "en": "← swipe to see more →"}


def phone(tab: Tab) -> None:  # noqa: F811
    tab.page.set_viewport_size(PHONE)


def expanded(tab: Tab) -> str | None:  # noqa: F811
    return tab.page.get_attribute("#menu-toggle", "aria-expanded")


def test_the_page_list_opens_from_a_menu_button_on_a_phone(tab: Tab) -> None:  # noqa: F811
    """390 px: the links are folded behind #menu-toggle (aria-expanded false); opened, every page's link shows
    inside the screen's width; a click navigates and closes it, so does Escape (focus back on the button).
    1440 px: no button, the sidebar lists the pages."""
    page = tab.page
    assert not page.locator("#menu-toggle").is_visible(), "the menu button shows at 1440 px"
    assert all(page.locator(f'.nav a[data-page="{p}"]').is_visible() for p in PAGES)
    phone(tab)
    toggle = page.locator("#menu-toggle")
    assert toggle.is_visible() and expanded(tab) == "false"
    assert toggle.get_attribute("aria-controls") == "main-nav"
    assert not page.locator('.nav a[data-page="users"]').is_visible(), "the page list shows before the menu opens"
    toggle.click()
    assert expanded(tab) == "true"
    for name in ("overview", "traffic", "conversion", "users", "products", "service", "alerts", "actions"):
        link = page.locator(f'.nav a[data-page="{name}"]')
        assert link.is_visible(), f"{name} is not in the opened menu"
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{name} link at {box}"
    page.click('.nav a[data-page="users"]')
    wait_ready(tab, "users")
    assert expanded(tab) == "false" and not page.locator('.nav a[data-page="users"]').is_visible()
    assert page.inner_text("#menu-toggle .menu-label") == page.inner_text(".page-title"), "the button names the page"
    toggle.click()
    assert expanded(tab) == "true"
    page.keyboard.press("Escape")
    assert expanded(tab) == "false"
    assert page.evaluate("document.activeElement.id") == "menu-toggle"
    toggle.click()
    page.click('.nav a[data-page="users"]')  # the page already shown: the menu closes all the same
    assert expanded(tab) == "false"


def test_charts_are_drawn_at_the_width_they_have(tab: Tab) -> None:  # noqa: F811
    """390 px, traffic: each bar chart's drawing width (viewBox) is its width on screen, so its 11-12 px text is
    11-12 px (drawn at 520 and scaled down it was 7 px)."""
    phone(tab)
    tab.page.click("#menu-toggle")
    tab.page.click('.nav a[data-page="traffic"]')
    wait_ready(tab, "traffic")
    sizes = tab.page.eval_on_selector_all("#page svg.chart-svg", """els => els.map(s => ({
        drawn: s.viewBox.baseVal.width, shown: s.getBoundingClientRect().width,
        least: Math.min(...[...s.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize)))
          * s.getBoundingClientRect().width / s.viewBox.baseVal.width }))""")
    assert len(sizes) >= 3, sizes
    for s in sizes:
        assert abs(s["drawn"] - s["shown"]) <= 2, f"a chart drawn {s['drawn']} px wide is shown {s['shown']} px wide"
        assert s["least"] >= 10.9, f"chart text renders at {s['least']:.1f} px"


def scroll_state(tab: Tab, table: str) -> dict[str, Any]:  # noqa: F811
    return tab.page.evaluate("""sel => { const box = document.querySelector(sel).closest('.table-wrap');
        const hint = box.previousElementSibling;
        return { more: box.scrollWidth > box.clientWidth, cls: [...box.classList],
          hint: hint && hint.classList.contains('scroll-hint') && hint.checkVisibility() ? hint.textContent : null,
          mask: getComputedStyle(box).maskImage }; }""", table)


def _cue_shown(got: dict[str, Any]) -> None:
    assert got["more"] and got["hint"] and "more-right" in got["cls"], got


def test_a_wide_table_scrolls_with_a_cue(tab: Tab) -> None:  # noqa: F811
    """390 px, traffic: the channel table is wider than its card: a hint above it (in the page's language), a fade
    at the right edge; scrolled to the end, the fade moves to the left. 1440 px without a comparison: the table
    fits, no cue; with one, each metric gains a change column and the wider table scrolls with the cue."""
    page = tab.page
    tab.page.click('a[data-page="traffic"]')
    wait_ready(tab, "traffic")
    page.select_option("#compare-select", "none")
    wait_ready(tab, "traffic")
    wide = scroll_state(tab, "#channel-table")
    assert not wide["more"] and wide["hint"] is None and "more-right" not in wide["cls"], wide
    page.select_option("#compare-select", "previous")
    wait_ready(tab, "traffic")
    eventually(tab, lambda: _cue_shown(scroll_state(tab, "#channel-table")))
    phone(tab)
    for lang in ("zh-CN", "en"):
        set_lang(tab, lang)
        wait_ready(tab, "traffic")

        def cue(want: str = lang) -> dict[str, Any]:
            got = scroll_state(tab, "#channel-table")
            assert got["more"] and got["hint"] == HINT[want], got
            assert "more-right" in got["cls"] and "more-left" not in got["cls"] and "gradient" in got["mask"], got
            return got

        eventually(tab, cue)
    page.eval_on_selector("#channel-table", "t => { const b = t.closest('.table-wrap'); b.scrollLeft = 1e5; }")

    def scrolled() -> None:
        got = scroll_state(tab, "#channel-table")
        assert "more-left" in got["cls"] and "more-right" not in got["cls"], got

    eventually(tab, scrolled)


def test_a_long_kpi_value_fits_its_card(tab: Tab) -> None:  # noqa: F811
    """English, 1440 and 390 px: the 7-digit GMV with its currency (CN¥2,701,449.80) stays inside its card."""
    set_lang(tab, "en")
    for size in (LAPTOP, PHONE):
        tab.page.set_viewport_size(size)
        tab.page.reload()
        wait_ready(tab, "overview")
        tab.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        cards = tab.page.eval_on_selector_all(".kpi-card[data-kpi]", """els => els.map(c => ({ kpi: c.dataset.kpi,
            text: c.querySelector('.kpi-value').textContent, card: c.getBoundingClientRect().right,
            value: c.querySelector('.kpi-value').scrollWidth - c.querySelector('.kpi-value').clientWidth,
            font: parseFloat(getComputedStyle(c.querySelector('.kpi-value')).fontSize) }))""")
        gmv = next(c for c in cards if c["kpi"] == "gmv")
        # the demo's 30-day GMV has 7 digits: shown compact (CN¥2.7M), the full value in the card's tooltip
        full = tab.page.get_attribute('.kpi-card[data-kpi="gmv"] .kpi-value', "title") or ""
        assert len(full.replace(",", "")) >= 10, (gmv, full)
        for c in cards:
            assert c["value"] <= 1, f"{size['width']} px: {c['kpi']} value {c['text']} is wider than its card"
            assert c["font"] >= 12, f"{size['width']} px: {c['kpi']} value shrank to {c['font']} px"
