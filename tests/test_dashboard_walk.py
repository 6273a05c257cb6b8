"""The acceptance walk of the dashboard (issue #14): every page at a laptop's (1440 px) and a phone's (390 px)
width in both languages, one browser tab over the demo store, checked for what a reader would trip on.

The walk loads each page once per (language, width) and keeps every offence with its page, width, language,
selector and text; one test per check then fails listing all of them:

(a) no horizontal overflow: the page itself and every card, KPI card, header and the navigation have
    ``scrollWidth <= clientWidth + 1``; content inside an explicit scroll container (``.table-wrap``,
    ``.scroll-x``, ``[data-scroll]``) may be wider, the container itself may not.
(b) no raw enumerated id in a zh page's visible text: the values the store holds (``GET /api/v1/values/{dim}``
    for the dimensions in ``API_DIMS``) and the enumerations of ``shoplens.value_labels`` (order status,
    lifecycle, member tier, refund reason, ...), matched as whole tokens, case-sensitive (``vip`` is a leak,
    ``VIP 会员`` is its label).
(c) no English word in a zh page's visible text outside the allow-list (``ACRONYMS``, currency codes, and the
    Latin words of the curated zh value labels such as "App", "VIP", "KOC"). A token with a digit is a code, not
    a word (an ISO week 2026-W35, a user id U1-4011), and is not counted.
(d) every ``table.data-table`` is sortable (``th[aria-sort]`` or ``th.sortable``) and has a total row
    (``tr[data-total]``) unless it says why not (``data-no-total="reason"``).
(e) chart text is legible: no SVG text of a ``.chart-svg`` renders below ``MIN_CHART_PX`` CSS px.

Visible text is the text of rendered nodes (``checkVisibility``), without SVG ``<title>`` tooltips, and without
user data and ids, which are shown as they are: ``EXCLUDE`` lists them (product names ``.product-cell``,
any element marked ``[data-raw-id]`` (the login's user name), ``<code>``/``<kbd>``, the store picker, and text
marked as another language, ``[lang=en]``: the language switch names English in English).
A page that shows the seller's own names (a campaign, a brand) marks them ``data-raw-id``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from shoplens.value_labels import VALUES
from test_dashboard_browser import Tab, api, browser, dashboard, login, server, set_lang  # noqa: F401

PAGES = ("overview", "traffic", "conversion", "users", "products", "service", "alerts", "actions")
WIDTHS = (1440, 390)
LANGS = ("zh-CN", "en")
# dimensions whose stored values are ids a zh page must name (campaign, brand, product: the seller's own names)
API_DIMS = ("channel", "channel_type", "source", "medium", "device", "country", "carrier", "member_tier",
            "new_vs_returning", "category", "event", "page_type")
# enumerations of value_labels a page can show (grain, unit, metric_group... are words of the commands)
LABEL_DIMS = ("status", "shipment_status", "product_status", "ticket_kind", "refund_reason", "lifecycle",
              "member_tier", "kol_tier", "platform", "role", "channel", "channel_type", "device", "event",
              "category", "new_vs_returning", "funnel_mode")
ACRONYMS = {"GMV", "UV", "PV", "ROI", "AOV", "CPC", "CPA", "CAC", "LTV", "DSR", "SKU", "CSV", "PNG", "PDF", "RFM",
            "KOL", "KOC", "ID", "UTC", "SHOPLENS", "API", "URL",
            "ABC", "WAPE"}  # ABC 分类 (product classes) and WAPE (forecast error) are written so in Chinese too
CURRENCIES = {"CNY", "RMB", "USD", "EUR", "GBP", "JPY", "HKD", "AUD", "CAD", "KRW", "SGD", "TWD", "CHF", "NZD",
              "MYR", "THB"}
SCROLLERS = ".table-wrap, .scroll-x, [data-scroll]"
EXCLUDE = ".product-cell, [data-raw-id], code, kbd, #store-select, body [lang]:not([lang^=zh])"
BOXES = ".card, .kpi-card, .topbar, .card-head, .nav, .sidebar, .controls, .main, #page, header"
MIN_CHART_PX = 10.5

COLLECT = """([scrollers, exclude, boxes]) => {
  const describe = (e) => {
    const parts = [];
    for (let n = e; n && n !== document.body && parts.length < 3; n = n.parentElement) {
      let s = n.tagName.toLowerCase();
      if (n.id) { parts.unshift(`${s}#${n.id}`); break; }
      if (n.classList.length) s += "." + [...n.classList].slice(0, 2).join(".");
      parts.unshift(s);
    }
    return parts.join(" > ");
  };
  const visible = (e) => e.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
  const overflow = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    overflow.push({ selector: "html", text: `scrollWidth ${root.scrollWidth} > ${root.clientWidth}` });
  }
  for (const e of document.querySelectorAll(boxes)) {
    if (!visible(e) || e.parentElement.closest(scrollers)) continue;
    if (e.scrollWidth > e.clientWidth + 1) {
      overflow.push({ selector: describe(e),
        text: `scrollWidth ${e.scrollWidth} > ${e.clientWidth}: ${e.innerText.slice(0, 80).replace(/\\s+/g, " ")}` });
    }
  }
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!n.nodeValue.trim() || !p || p.closest(exclude)) continue;
    if (p.closest("title, script, style, select, noscript")) continue;
    if (!visible(p)) continue;
    texts.push({ selector: describe(p), text: n.nodeValue.trim() });
  }
  for (const s of document.querySelectorAll("select")) {
    if (!s.closest(exclude) && visible(s) && s.selectedOptions.length) {
      texts.push({ selector: describe(s), text: s.selectedOptions[0].textContent.trim() });
    }
  }
  const tables = [...document.querySelectorAll("table.data-table")].filter(visible).map((tb) => ({
    selector: describe(tb), sortable: !!tb.querySelector("th[aria-sort], th.sortable"),
    total: !!tb.querySelector("tr[data-total]"), noTotal: tb.getAttribute("data-no-total") }));
  const small = [];
  for (const svg of document.querySelectorAll("svg.chart-svg")) {
    if (!visible(svg)) continue;
    const box = svg.viewBox && svg.viewBox.baseVal;
    const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
    let least = Infinity;
    let sample = "";
    for (const tx of svg.querySelectorAll("text")) {
      const px = parseFloat(getComputedStyle(tx).fontSize) * scale;
      if (tx.textContent.trim() && px < least) { least = px; sample = tx.textContent.trim(); }
    }
    if (least < Infinity) small.push({ selector: describe(svg), px: least, text: sample });
  }
  return { overflow, texts, tables, small };
}"""


@dataclass
class Walk:
    """What the walk saw: offences per check, each "page width lang | selector | text"."""

    overflow: list[str] = field(default_factory=list)
    raw_ids: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    chart_text: list[str] = field(default_factory=list)
    loads: int = 0
    seconds: float = 0.0


def enum_ids(client: httpx.Client) -> set[str]:
    """Every id a zh page must show by its name: the store's values of ``API_DIMS`` and the label tables."""
    ids = {v for dim in LABEL_DIMS for v in VALUES[dim]}
    for dim in API_DIMS:
        r = client.get(f"/api/v1/values/{dim}", params={"limit": 1000})
        assert r.status_code == 200, f"GET /api/v1/values/{dim}: {r.status_code} {r.text[:200]}"
        ids |= {str(v["value"]) for v in r.json()["values"] if v["value"] not in (None, "")}
    return {i for i in ids if i.upper() not in ACRONYMS | CURRENCIES}


def allowed_words() -> set[str]:
    """Latin words the curated zh labels use themselves ("App", "VIP", "KOC", "Shopify")."""
    return {w for table in VALUES.values() for zh, _ in table.values() for w in re.findall(r"[A-Za-z]+", zh)}


def token_pattern(ids: set[str]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_])({alternation})(?![A-Za-z0-9_])")


WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:['’][A-Za-z]+)*")  # paid_search is one word


def open_page(tab: Tab, name: str) -> None:
    """``name`` through the URL (the hash keeps store, dates and filters); a reload when it is showing already."""
    page = tab.page
    if page.evaluate("document.querySelector('#page')?.dataset.page") == name:
        page.reload()
    else:
        page.evaluate("n => { location.hash = location.hash.replace(/^#\\/[a-z]+/, '#/' + n); }", name)
    page.locator(f'#page[data-page="{name}"][data-ready="true"]').wait_for(state="attached")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # fit.js


class Checker:
    """Turns what COLLECT saw on one page into offences (the same code for the walk and its self-test)."""

    def __init__(self, ids: set[str]) -> None:
        self.ids = token_pattern(ids)
        self.allowed = {w.upper() for w in allowed_words()} | ACRONYMS | CURRENCIES

    def check(self, tab: Tab, where: str, zh: bool, into: Walk) -> None:
        got = tab.page.evaluate(COLLECT, [SCROLLERS, EXCLUDE, BOXES])
        into.overflow += [f"{where} | {o['selector']} | {o['text']}" for o in got["overflow"]]
        for tb in got["tables"]:
            bad = [what for what, wrong in (("not sortable", not tb["sortable"]),
                                            ("no total row", not (tb["total"] or tb["noTotal"]))) if wrong]
            if bad:
                into.tables.append(f"{where} | {tb['selector']} | {', '.join(bad)}")
        into.chart_text += [f"{where} | {s['selector']} | {s['px']:.1f}px: {s['text']}"
                            for s in got["small"] if s["px"] < MIN_CHART_PX]
        if not zh:
            return
        for item in got["texts"]:
            text = item["text"]
            into.raw_ids += [f"{where} | {item['selector']} | {m} in {text[:80]!r}"
                             for m in dict.fromkeys(self.ids.findall(text))]
            words = [w for w in WORD.findall(text)
                     if len(w) > 1 and w.upper() not in self.allowed and not re.search(r"\d", w)]
            into.english += [f"{where} | {item['selector']} | {w} in {text[:80]!r}" for w in dict.fromkeys(words)]


@pytest.fixture(scope="module")
def checker(api: httpx.Client) -> Checker:  # noqa: F811
    return Checker(enum_ids(api))


@pytest.fixture(scope="module")
def walk(browser: Any, dashboard: Any, checker: Checker) -> Iterator[Walk]:  # noqa: F811
    seen = Walk()
    tab = Tab(browser, dashboard.url, "walk")
    start = time.monotonic()
    try:
        login(tab)
        for lang in LANGS:
            set_lang(tab, lang)
            for width in WIDTHS:
                tab.page.set_viewport_size({"width": width, "height": 900})
                for name in PAGES:
                    open_page(tab, name)
                    seen.loads += 1
                    checker.check(tab, f"{name} {width}px {lang}", lang == "zh-CN", seen)
        seen.seconds = time.monotonic() - start
        yield seen
    finally:
        tab.close()
    assert not tab.errors, f"uncaught errors in the page during the walk: {tab.errors}"
    assert not tab.external, f"the page asked for addresses outside this server: {tab.external}"


def report(offences: list[str], what: str) -> str:
    return f"{len(offences)} {what}:\n" + "\n".join(offences[:200])


SAMPLE = """<div class="card" id="wide-card"><div style="width: 2000px">很宽的一行</div></div>
<div class="card" id="scrolling"><div class="table-wrap" style="overflow-x: auto">
<div style="width: 2000px">可以滑动</div></div></div>
<p id="leaks">渠道 paid_search 承运 sf_express 会员 vip 状态 active 的 revenue share；VIP 会员 GMV App 2026-W35</p>
<p class="product-cell">Sakura Bloom Serum</p><p data-raw-id="campaign">google_brand</p><code>paid_search</code>
<p lang="en">English</p><p hidden>hidden_value</p>
<svg class="chart-svg" viewBox="0 0 1000 100" width="390"><text font-size="12">小字</text></svg>
<table class="data-table" id="plain"><tr><th>a</th></tr><tr><td>1</td></tr></table>
<table class="data-table" id="scorecard"><tr><th aria-sort="none">a</th></tr><tr data-total><td>1</td></tr></table>
<table class="data-table" id="said" data-no-total="a list of events"><tr><th class="sortable">a</th></tr></table>"""


def test_the_checks_catch_what_they_look_for(browser: Any, dashboard: Any, checker: Checker) -> None:  # noqa: F811
    """Each check on a hand-made page: the offences it must report, and the exclusions it must respect."""
    tab = Tab(browser, dashboard.url, "walk-self-test")
    try:
        tab.page.set_viewport_size({"width": 390, "height": 800})
        tab.page.set_content(f"<html lang='zh-CN'><body style='margin:0'>{SAMPLE}</body></html>")
        seen = Walk()
        checker.check(tab, "sample", True, seen)
    finally:
        tab.close(shot=False)
    assert [o.split(" | ")[1] for o in seen.overflow] == ["html", "div#wide-card"], seen.overflow
    assert [o.split(" | ")[2].split(" in ")[0] for o in seen.raw_ids] == ["paid_search", "sf_express", "vip",
                                                                            "active"], seen.raw_ids
    words = [o.split(" | ")[2].split(" in ")[0] for o in seen.english]
    assert words == ["paid_search", "sf_express", "active", "revenue", "share"], seen.english  # vip: (b)
    assert [o.split(" | ")[1:] for o in seen.tables] == [["table#plain", "not sortable, no total row"]]
    assert len(seen.chart_text) == 1 and "4.7px: 小字" in seen.chart_text[0], seen.chart_text


def test_walk_loads_every_page(walk: Walk) -> None:
    """8 pages x 2 widths x 2 languages, each until #page[data-ready], in one tab (about 10 s on a quiet
    machine: printed, not asserted, as the machine may be busy)."""
    assert walk.loads == len(PAGES) * len(WIDTHS) * len(LANGS)
    print(f"walked {walk.loads} page loads in {walk.seconds:.1f} s")


def test_no_horizontal_overflow(walk: Walk) -> None:
    assert not walk.overflow, report(walk.overflow, "boxes wider than their room (page width lang | selector | text)")


def test_chart_text_is_legible(walk: Walk) -> None:
    assert not walk.chart_text, report(walk.chart_text, f"charts with text below {MIN_CHART_PX}px")


def test_no_raw_enum_id_in_zh_pages(walk: Walk) -> None:
    assert not walk.raw_ids, report(walk.raw_ids, "raw ids in zh pages")


def test_no_english_word_in_zh_pages(walk: Walk) -> None:
    assert not walk.english, report(walk.english, "English words in zh pages")


def test_every_table_is_a_scorecard(walk: Walk) -> None:
    assert not walk.tables, report(walk.tables, "tables that are not sortable or have no total row")
