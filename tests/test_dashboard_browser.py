"""The web dashboard in a real browser: Playwright driving Debian's Chromium against ``shoplens serve``.

One server per module on loopback, over a copy of the demo store with the demo login (demo /
shoplens-demo). The tests follow the dashboard's DOM contract (ids and data attributes: #login-*,
#app, a[data-page], #page[data-page][data-ready], #lang-toggle, #date-from/#date-to, #compare-select,
#filter-chips .chip, .kpi-card[data-kpi][data-raw], #channel-table tr[data-channel],
#product-table tr[data-product] (first cell: name and id), #funnel-*,
#timeline-*, button.export-csv / button.export-png) and compare what the page shows with the REST
API's answer for the same parameters (the API is asked with a bearer token, not through the page).

Full-page screenshots of every page in both languages go to ``test-artifacts/screens/`` (and the last
state of each test to ``test-artifacts/screens/last/``).

Skips: only when ``GET /`` does not serve the dashboard yet (or, outside CI, when Playwright or
Chromium is missing). In CI (env ``CI`` set) a missing browser fails (see test_browser_is_available),
and so does a dashboard package that the server does not serve.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import math
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

import shoplens
from api_server import ApiServer
from shoplens.server.accounts import ensure_demo_login

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("SHOPLENS_TEST_ARTIFACTS", REPO / "test-artifacts")) / "screens"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]
USER, PASSWORD = "demo", "shoplens-demo"
PAGES = ("overview", "traffic", "conversion", "users", "products", "service")
KPIS = ("gmv", "uv", "paying_buyers", "conversion_rate", "customer_unit_price", "uv_value", "refund_rate", "roi")
LANGS = ("zh-CN", "en")
TIMEOUT_MS = 30_000
CJK = re.compile(r"[\u4e00-\u9fff]")
# a funnel the demo store fills at every step (product_view -> add_to_cart -> purchase)
FUNNEL_STEPS = ("product_view", "add_to_cart", "purchase")


# ---------------------------------------------------------------- environment


def chromium_path() -> str | None:
    """Debian's Chromium (``apt-get install chromium``): ``$SHOPLENS_CHROMIUM``, else on PATH."""
    path = os.environ.get("SHOPLENS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).is_file() else None


def _missing(reason: str) -> None:
    """A missing browser fails in CI (so CI never passes without running these tests) and skips elsewhere."""
    hint = "install it: apt-get install -y chromium (.ci/run and `make test` do, as root); pip: make install"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} in CI: the browser tests cannot run ({hint})")
    pytest.skip(f"{reason}: {hint}")


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (a clear failure in CI, a skip elsewhere, when either is missing)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed")
    exe = chromium_path()
    if exe is None:
        _missing("Debian's chromium is not installed (/usr/bin/chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_browser_is_available() -> None:
    """Playwright and Chromium are installed and a page renders (fails in CI when they are not)."""
    with launched_chromium() as browser:
        page = browser.new_page()
        page.set_content("<button onclick=\"this.textContent='clicked'\">click</button>")
        page.click("button")
        assert page.text_content("button") == "clicked"


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """``shoplens serve --demo`` over a copy of the demo store, with the demo login."""
    path = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    shutil.copy(demo_db, path)
    with shoplens.connect(str(path)) as wh:
        ensure_demo_login(wh)
    srv = ApiServer(path, demo=True)  # only `serve --demo` accepts the demo login
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def dashboard(server: ApiServer) -> ApiServer:
    """The server, when it serves the dashboard at ``/`` (the only reason these tests skip)."""
    r = httpx.get(server.url + "/", timeout=30, follow_redirects=True)
    if r.status_code != 200 or "text/html" not in r.headers.get("content-type", ""):
        served = f"GET / -> {r.status_code} {r.headers.get('content-type', '')}"
        if os.environ.get("CI") and importlib.util.find_spec("shoplens.server.dashboard") is not None:
            pytest.fail(f"shoplens.server.dashboard exists but the server does not serve it at / ({served})")
        pytest.skip(f"the dashboard is not served at / yet ({served}); these tests run once it is")
    return server


@pytest.fixture(scope="module")
def api(server: ApiServer) -> Iterator[httpx.Client]:
    """The REST API as the demo login, with a bearer token (the reference the page is compared with)."""
    token = server.token(USER, PASSWORD)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def browser(dashboard: ApiServer) -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


class Tab:
    """One browser context + page with what the tests watch: uncaught errors, requests that leave the machine,
    and the API's answers to the page (path, query, status)."""

    def __init__(self, browser: Any, url: str, name: str) -> None:
        self.url, self.name = url, name
        self.context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.external: list[str] = []
        self.answers: list[tuple[str, dict[str, list[str]], int]] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.context.on("request", self._request)
        self.context.on("response", self._response)

    def _request(self, request: Any) -> None:
        host = urlparse(request.url).hostname
        if urlparse(request.url).scheme in ("http", "https", "ws", "wss") and host not in ("127.0.0.1", "localhost"):
            self.external.append(request.url)

    def _response(self, response: Any) -> None:
        url = urlparse(response.url)
        if url.path.startswith("/api/v1/"):
            self.answers.append((url.path, parse_qs(url.query), response.status))

    def close(self, shot: bool = True) -> None:
        if shot:
            with contextlib.suppress(Exception):
                (ARTIFACTS / "last").mkdir(parents=True, exist_ok=True)
                self.page.screenshot(path=str(ARTIFACTS / "last" / f"{self.name}.png"), full_page=True)
        self.context.close()


@pytest.fixture
def new_tab(browser: Any, dashboard: ApiServer, request: pytest.FixtureRequest) -> Iterator[Callable[[], Tab]]:
    """Opens fresh browser contexts (no cookies); each must end with no uncaught error and no request
    leaving the machine (every asset is served by shoplens itself: no CDN)."""
    tabs: list[Tab] = []

    def open_tab() -> Tab:
        tab = Tab(browser, dashboard.url, f"{request.node.name}-{len(tabs)}")
        tabs.append(tab)
        return tab

    yield open_tab
    for tab in tabs:
        tab.close()
    errors = [e for tab in tabs for e in tab.errors]
    external = [u for tab in tabs for u in tab.external]
    assert not errors, f"uncaught errors in the page: {errors}"
    assert not external, f"the page asked for addresses outside this server (no CDN allowed): {external}"


@pytest.fixture
def tab(new_tab: Callable[[], Tab]) -> Tab:
    """A browser context logged in as the demo user, on the overview page."""
    t = new_tab()
    login(t)
    return t


# ---------------------------------------------------------------- helpers


def login(tab: Tab, password: str = PASSWORD) -> None:
    page = tab.page
    page.goto(tab.url + "/")
    page.fill("#login-username", USER)
    page.fill("#login-password", password)
    page.click("#login-submit")
    if password == PASSWORD:
        page.locator("#app").wait_for(state="visible")


def goto(tab: Tab, name: str) -> None:
    """Open a dashboard page through its nav link (behind #menu-toggle at <= 900 px) and wait until its data has
    loaded."""
    menu = tab.page.locator("#menu-toggle")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    tab.page.click(f'a[data-page="{name}"]')
    wait_ready(tab, name)


def wait_ready(tab: Tab, name: str) -> None:
    tab.page.locator(f'#page[data-page="{name}"][data-ready="true"]').wait_for(state="attached")


def lang(tab: Tab) -> str:
    return tab.page.evaluate("document.documentElement.lang")


def set_lang(tab: Tab, want: str) -> None:
    """Click #lang-toggle until <html lang> is ``want`` (the choice is remembered per login)."""
    if lang(tab) != want:
        tab.page.click("#lang-toggle")
        eventually(tab, lambda: _equal(lang(tab), want, "document language"))


def eventually(tab: Tab, check: Callable[[], Any], timeout: float = TIMEOUT_MS / 1000) -> Any:
    """``check()`` until it stops raising AssertionError (the page re-queries asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            tab.page.wait_for_timeout(150)


def _equal(got: Any, want: Any, what: str) -> None:
    assert got == want, f"{what}: page has {got!r}, expected {want!r}"


def raw(text: str | None) -> float | None:
    """A data-raw attribute as a number (empty/null = no value)."""
    if text is None or text.strip().lower() in ("", "null", "none", "undefined"):
        return None
    return float(text)


def count_text(text: str) -> int:
    """A raw count shown in a cell (thousands separators tolerated)."""
    digits = re.sub(r"[\s,\u00a0\u202f'’.]", "", text)
    assert digits.isdigit(), f"not a count: {text!r}"
    return int(digits)


def same_number(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)


def controls(tab: Tab) -> dict[str, Any]:
    """The global controls as API parameters: from, to, compare (omitted for none), store."""
    page = tab.page
    params = {"from": page.input_value("#date-from"), "to": page.input_value("#date-to"),
              "compare": page.input_value("#compare-select"),
              "store": page.input_value("#store-select") if page.locator("#store-select").count() else ""}
    return {k: v for k, v in params.items() if v and v not in ("none", "*")}


def answered(tab: Tab, path: str, **want: str | None) -> None:
    """The API has answered the page (200) on ``path`` with each ``want`` parameter (None: without it)."""

    def matches(query: dict[str, list[str]]) -> bool:
        return all((key not in query) if value is None else (value in query.get(key, []))
                   for key, value in want.items())

    def check() -> None:
        seen = [q for p, q, status in tab.answers if p == path and status == 200]
        assert any(matches(q) for q in seen), f"no 200 answer to the page on {path} with {want}; it asked {seen[-5:]}"

    eventually(tab, check)


def page_kpis(tab: Tab) -> dict[str, float | None]:
    """data-raw of each .kpi-card (on the card, or on its .kpi-value)."""
    values = tab.page.eval_on_selector_all(
        ".kpi-card[data-kpi]",
        """els => Object.fromEntries(els.map(e => [e.dataset.kpi,
             e.getAttribute('data-raw') ?? e.querySelector('.kpi-value')?.getAttribute('data-raw') ?? null]))""")
    return {k: raw(v) for k, v in values.items()}


def api_json(api: httpx.Client, path: str, params: dict[str, Any]) -> dict[str, Any]:
    r = api.get(path, params=params)
    assert r.status_code == 200, f"GET {path} {params}: {r.status_code} {r.text[:300]}"
    return r.json()


def api_kpis(api: httpx.Client, params: dict[str, Any]) -> dict[str, Any]:
    return api_json(api, "/api/v1/metrics", {"metrics": ",".join(KPIS), **params})["rows"][0]


def assert_kpis_match(tab: Tab, api: httpx.Client) -> dict[str, Any]:
    """Every KPI card's data-raw equals the API's /metrics answer for the page's current controls."""

    def check() -> dict[str, Any]:
        params = controls(tab)
        row = api_kpis(api, params)
        shown = page_kpis(tab)
        missing = [k for k in KPIS if k not in shown]
        assert not missing, f"KPI cards missing: {missing} (page has {sorted(shown)})"
        wrong = {k: (shown[k], row[k]) for k in KPIS if not same_number(shown[k], row[k])}
        assert not wrong, f"KPI data-raw differs from GET /api/v1/metrics {params} (page, api): {wrong}"
        return params

    return eventually(tab, check)


def save_download(tab: Tab, click: Callable[[], None], name: str) -> tuple[str, bytes]:
    with tab.page.expect_download() as info:
        click()
    download = info.value
    assert download.failure() is None, download.failure()
    target = ARTIFACTS.parent / "downloads" / f"{name}-{download.suggested_filename}"
    target.parent.mkdir(parents=True, exist_ok=True)
    download.save_as(str(target))
    return download.suggested_filename, target.read_bytes()


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def near(locator: Any, css: str) -> Any:
    """The first ``css`` element in the nearest ancestor of ``locator`` that holds one (a table's or a chart's
    own export button)."""
    xpath_class = css.split(".", 1)[1]
    tag = css.split(".", 1)[0] or "*"
    return locator.locator(f"xpath=ancestor::*[.//{tag}[contains(concat(' ', normalize-space(@class), ' '), "
                           f"' {xpath_class} ')]][1]").locator(css).first


def set_control(tab: Tab, selector: str, value: str | list[str]) -> str:
    """Set an input/textarea (fill) or a select (select_option); returns the value the control then holds
    (a select without that option keeps its first non-empty option)."""
    page = tab.page
    tag = page.eval_on_selector(selector, "e => e.tagName.toLowerCase()")
    if tag == "select":
        multiple = page.eval_on_selector(selector, "e => e.multiple")
        if multiple:
            page.select_option(selector, value if isinstance(value, list) else value.split(","))
            return ",".join(page.eval_on_selector(selector, "e => [...e.selectedOptions].map(o => o.value)"))
        options = page.eval_on_selector(selector, "e => [...e.options].map(o => o.value)")
        wanted = value if isinstance(value, str) else ",".join(value)
        if wanted not in options:
            wanted = next((o for o in options if o), "")
        page.select_option(selector, wanted)
        return page.input_value(selector)
    if tag in ("input", "textarea"):
        page.fill(selector, value if isinstance(value, str) else ",".join(value))
        return page.input_value(selector)
    raise AssertionError(f"{selector} is a <{tag}>: the test sets inputs, textareas and selects")


def screenshot(tab: Tab, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# ---------------------------------------------------------------- tests


def test_login(new_tab: Callable[[], Tab], dashboard: ApiServer) -> None:
    """A wrong password shows #login-error; the right one opens #app on the overview; #logout ends the session."""
    tab = new_tab()
    page = tab.page
    page.goto(tab.url + "/")
    for sel in ("#login-username", "#login-password", "#login-submit"):
        page.locator(sel).wait_for(state="visible")
    screenshot(tab, "login")
    login(tab, password="not-the-password")
    error = page.locator("#login-error")
    eventually(tab, lambda: _equal(bool(error.inner_text().strip()), True, "#login-error has a message"))
    assert error.is_visible(), "#login-error is hidden"
    assert not page.locator("#app").is_visible()

    login(tab)
    for name in PAGES:
        assert page.locator(f'a[data-page="{name}"]').count() >= 1, f"nav link {name} missing"
    wait_ready(tab, "overview")
    cookies = {c["name"]: c["value"] for c in tab.context.cookies()}
    assert httpx.get(dashboard.url + "/api/v1/me", cookies=cookies).status_code == 200

    page.click("#logout")
    page.locator("#login-username").wait_for(state="visible")
    assert not page.locator("#app").is_visible()
    assert httpx.get(dashboard.url + "/api/v1/me", cookies=cookies).status_code == 401, "the session outlived #logout"


def test_landing_pages_were_computed_before_anyone_asked(new_tab: Callable[[], Tab], dashboard: ApiServer,
                                                        api: httpx.Client) -> None:
    """The server warms the overview (KPIs, trend, anomaly marks) and the default funnel of its data
    (shoplens.server.warmup): opening both pages in the browser computes nothing new (GET /api/v1/server: the
    misses stay), and the funnel draws."""
    dashboard.wait_warm(api)

    def misses() -> dict[str, int]:
        return api.get("/api/v1/server").json()["cache"]["misses"]

    before = misses()
    tab = new_tab()
    login(tab)
    wait_ready(tab, "overview")
    goto(tab, "conversion")
    assert tab.page.locator("#funnel-table tbody tr[data-step]").count() >= 2
    after = misses()
    kinds = ("metric_query", "funnel", "anomalies")
    assert {k: after.get(k) for k in kinds} == {k: before.get(k) for k in kinds}


def test_overview_kpis_equal_the_api(tab: Tab, api: httpx.Client) -> None:
    """Each KPI card's data-raw is the API's /metrics value for the page's from/to/compare; the trend draws."""
    wait_ready(tab, "overview")
    params = assert_kpis_match(tab, api)
    page = tab.page
    row = api_kpis(api, params)
    for kpi in KPIS:
        card = page.locator(f'.kpi-card[data-kpi="{kpi}"]')
        assert card.locator(".kpi-value").inner_text().strip(), f"{kpi}: empty .kpi-value"
        if "compare" in params and row.get(f"{kpi}__{params['compare']}_change") is not None:
            change = card.locator(".kpi-change").first.inner_text()
            assert re.search(r"\d", change), f"{kpi}: .kpi-change shows no number ({change!r})"
    assert page.locator("#trend-chart svg").count() >= 1, "#trend-chart has no svg"


def test_switch_language_is_remembered(tab: Tab, new_tab: Callable[[], Tab]) -> None:
    """#lang-toggle switches <html lang> and the labels; a reload and a new login keep the choice."""
    page = tab.page
    nav = page.locator('a[data-page="overview"]').first
    initial = lang(tab)
    assert initial in LANGS, f"<html lang> is {initial!r}"
    try:
        for want in [x for x in LANGS if x != initial] + [initial]:
            before = nav.inner_text()
            page.click("#lang-toggle")
            eventually(tab, lambda want=want: _equal(lang(tab), want, "document language"))
            eventually(tab, lambda before=before: _equal(nav.inner_text() != before, True, "nav label changed"))
            label = nav.inner_text()
            if want == "zh-CN":
                assert CJK.search(label), f"zh-CN nav label has no Chinese: {label!r}"
            else:
                assert not CJK.search(label), f"en nav label is Chinese: {label!r}"
            page.reload()
            page.locator("#app").wait_for(state="visible")
            eventually(tab, lambda want=want: _equal(lang(tab), want, "language after reload"))
            eventually(tab, lambda label=label: _equal(nav.inner_text(), label, "nav label after reload"))
            other = new_tab()  # another browser (no cookies, no local storage): remembered for the login
            login(other)
            eventually(other, lambda want=want, other=other: _equal(lang(other), want, "language of a new login"))
    finally:
        set_lang(tab, initial)


def test_date_range_and_comparison(tab: Tab, api: httpx.Client) -> None:
    """A new date range and each comparison re-query the KPIs, which equal the API's for the new controls."""
    page = tab.page
    wait_ready(tab, "overview")
    first = assert_kpis_match(tab, api)
    start, end = ("2026-09-01", "2026-09-30") if first.get("from") != "2026-09-01" else ("2026-08-01", "2026-08-31")
    assert api_kpis(api, {**first, "from": start, "to": end})["gmv"] != api_kpis(api, first)["gmv"]
    page.fill("#date-from", start)
    page.fill("#date-to", end)
    params = assert_kpis_match(tab, api)
    assert (params["from"], params["to"]) == (start, end), params
    answered(tab, "/api/v1/metrics", **{"from": start, "to": end})

    # the demo has no previous year: yoy is offered disabled (tests/test_dashboard_daily.py), wow is not
    assert page.eval_on_selector('#compare-select option[value="yoy"]', "e => e.disabled")
    for compare in ("wow", "none", "previous"):
        page.select_option("#compare-select", compare)
        answered(tab, "/api/v1/metrics", **{"from": start, "to": end},
                 compare=None if compare == "none" else compare)
        params = assert_kpis_match(tab, api)
        assert params.get("compare", "none") == compare and (params["from"], params["to"]) == (start, end), params
    screenshot(tab, "overview-2026-09")


def test_drill_into_a_channel(tab: Tab, api: httpx.Client) -> None:
    """Clicking a channel row adds the chip channel=VALUE and re-queries with where=channel=VALUE."""
    page = tab.page
    goto(tab, "traffic")
    rows = page.locator("#channel-table tbody tr[data-channel]")
    channels = rows.evaluate_all("els => els.map(e => e.dataset.channel)")
    by_channel = api_json(api, "/api/v1/metrics", {"metrics": "uv", "by": "channel", **controls(tab)})["rows"]
    api_channels = {r["channel"] for r in by_channel if r["uv"]}
    assert api_channels <= set(channels), f"channels with visitors missing in the table: {api_channels - set(channels)}"
    channel = max(by_channel, key=lambda r: r["uv"] or 0)["channel"]

    page.click(f'#channel-table tbody tr[data-channel="{channel}"]')
    page.locator(f'#filter-chips .chip[data-filter="channel"][data-value="{channel}"]').wait_for(state="visible")
    answered(tab, "/api/v1/metrics", where=f"channel={channel}")
    wait_ready(tab, "traffic")
    eventually(tab, lambda: _equal(set(rows.evaluate_all("els => els.map(e => e.dataset.channel)")), {channel},
                                   "channels in the table after the drill-down"))
    screenshot(tab, f"traffic-drill-{channel}")


def test_two_values_of_one_dimension_mean_either(tab: Tab, api: httpx.Client) -> None:
    """The filter picker twice on channel: two chips; the KPI cards equal the API with where=channel=A and
    where=channel=B (either), the funnel equals the API with where=channel=A|B; removing a chip keeps the other."""
    page = tab.page
    wait_ready(tab, "overview")
    params = controls(tab)
    by_channel = api_json(api, "/api/v1/metrics", {"metrics": "uv", "by": "channel", **params})["rows"]
    a, b = [r["channel"] for r in sorted(by_channel, key=lambda r: -(r["uv"] or 0))[:2]]
    for value in (a, b):
        page.click("#add-filter")
        page.select_option(".filter-picker .filter-dim", "channel")
        page.locator(f'.filter-picker .filter-value option[value="{value}"]').wait_for(state="attached")
        page.select_option(".filter-picker .filter-value", value)
        page.click(".filter-picker button.primary")
        page.locator(f'#filter-chips .chip[data-filter="channel"][data-value="{value}"]').wait_for(state="visible")
    either = [f"channel={a}", f"channel={b}"]
    want = api_json(api, "/api/v1/metrics", {"metrics": ",".join(KPIS), **params, "where": either})["rows"][0]
    only_a = api_kpis(api, {**params, "where": f"channel={a}"})
    assert want["uv"] > only_a["uv"], "either channel must count more visitors than one of them"

    def kpis_are_either() -> None:
        shown = page_kpis(tab)
        wrong = {k: (shown.get(k), want[k]) for k in KPIS if not same_number(shown.get(k), want[k])}
        assert not wrong, f"KPI cards vs GET /api/v1/metrics where={either}: {wrong}"

    eventually(tab, kpis_are_either)
    screenshot(tab, "overview-two-channels")

    goto(tab, "conversion")
    answered(tab, "/api/v1/funnel", where=f"channel={a}|{b}")
    funnel = api_json(api, "/api/v1/funnel", {"steps": ",".join(FUNNEL_STEPS), "window": "14d", "mode": "ordered",
                                              "where": f"channel={a}|{b}", **{k: v for k, v in params.items()
                                                                              if k != "compare"}})
    cells = page.locator("#funnel-table tbody tr[data-step] td.count")
    eventually(tab, lambda: _equal([count_text(c.get_attribute("data-raw") or c.inner_text()) for c in cells.all()],
                                   [s["count"] for s in funnel["steps"]], "funnel counts with two channels"))

    page.click(f'#filter-chips .chip[data-value="{b}"] .chip-remove')
    eventually(tab, lambda: _equal(page.locator("#filter-chips .chip").evaluate_all(
        "els => els.map(e => e.dataset.value)"), [a], "chips after removing one"))
    answered(tab, "/api/v1/funnel", where=f"channel={a}")


def test_build_a_funnel(tab: Tab, api: httpx.Client) -> None:
    """Steps, window, mode and breakdown from the builder; the counts equal GET /api/v1/funnel; drop-off CSV."""
    page = tab.page
    goto(tab, "conversion")
    table = page.locator("#funnel-table tbody tr[data-step]")

    def counts() -> list[int]:
        return [count_text(c.get_attribute("data-raw") or c.inner_text()) for c in table.locator("td.count").all()]

    want: list[dict[str, Any]] = []
    for run in ({"window": "7d", "mode": "ordered", "by": ""}, {"window": "1d", "mode": "unordered", "by": "device"}):
        params: dict[str, Any] = {"steps": set_control(tab, "#funnel-steps", list(FUNNEL_STEPS))}
        for key, value in run.items():
            held = set_control(tab, f"#funnel-{key}", value)
            if held and held != "none":
                params[key] = held
        params.update({k: v for k, v in controls(tab).items() if k != "compare"})
        page.click("#funnel-run")
        answered(tab, "/api/v1/funnel", **{k: params.get(k) for k in ("window", "mode", "by", "from", "to")})
        want = api_json(api, "/api/v1/funnel", params)["steps"]
        eventually(tab, lambda want=want, params=params: _equal(counts(), [s["count"] for s in want],
                                                                f"funnel counts vs GET /api/v1/funnel {params}"))
        assert page.locator("#funnel-chart").locator("svg, canvas").count() >= 1, "#funnel-chart draws nothing"
        screenshot(tab, f"conversion-funnel-{run['mode']}")

    # the drop-off export of the last step: the users who reached the step before and not this one
    link = table.last.locator("a.dropoff-export")
    href = link.get_attribute("href") or ""
    name, data = save_download(tab, link.click, "dropoff")
    assert name.endswith(".csv"), name
    rows = [r for r in csv_rows(data) if r]
    assert rows and "user_id" in rows[0], f"drop-off CSV header: {rows[:1]}"
    limit = parse_qs(urlparse(href).query).get("limit")
    dropped = want[-1]["dropped"]
    assert len(rows) - 1 == (min(dropped, int(limit[0])) if limit else dropped), (len(rows) - 1, dropped, href)


def test_segment_list_says_who_sees_each_segment(tab: Tab, api: httpx.Client) -> None:
    """A segment saved by a login of every store is shared: its badge says so (the API's "stores": ["*"])."""
    saved = api.post("/api/v1/segments", json={"name": "browser_vips", "rule": "orders>=3"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["stores"] == ["*"]
    try:
        goto(tab, "users")
        badge = tab.page.locator('.segment[data-segment="browser_vips"] .segment-scope')
        badge.wait_for(state="visible")
        assert badge.get_attribute("data-shared") == "true"
        assert badge.inner_text().strip() == ("所有账号可见" if lang(tab) == "zh-CN" else "all logins")
    finally:
        assert api.delete("/api/v1/segments/browser_vips").status_code == 200


def test_user_timeline(tab: Tab, api: httpx.Client) -> None:
    """Searching a real shopper of the demo shows the profile and the history."""
    page = tab.page
    customer = api_json(api, "/api/v1/rfm/customers", {"limit": 1})["rows"][0]["user_id"]
    total = api_json(api, f"/api/v1/users/{customer}/timeline", {})["total"]
    goto(tab, "users")
    for sel in ("#retention-heatmap", "#rfm-table"):
        page.locator(sel).wait_for(state="visible")
    page.locator("#segment-list").wait_for(state="attached")  # empty while no segment is saved
    page.fill("#timeline-user", customer)
    page.click("#timeline-search")
    answered(tab, f"/api/v1/users/{customer}/timeline")
    profile = page.locator("#timeline-profile")
    eventually(tab, lambda: _equal(customer in profile.inner_text(), True, f"{customer} in #timeline-profile"))
    items = page.locator("#timeline-list li")
    eventually(tab, lambda: _equal(items.count() > 0, True, "#timeline-list has items"))
    assert items.count() <= total, f"{items.count()} items, the API has {total}"
    assert all(t.strip() for t in items.all_inner_texts()), "an empty timeline item"
    screenshot(tab, "users-timeline")


def test_export_csv_and_png(tab: Tab) -> None:
    """The channel table's CSV has a header and one line per row; the trend chart exports a PNG."""
    page = tab.page
    wait_ready(tab, "overview")
    name, data = save_download(tab, near(page.locator("#trend-chart"), "button.export-png").click, "trend")
    assert name.endswith(".png") and data.startswith(b"\x89PNG\r\n\x1a\n"), (name, data[:8])

    goto(tab, "traffic")
    table = page.locator("#channel-table")
    channels = table.locator("tbody tr[data-channel]").evaluate_all("els => els.map(e => e.dataset.channel)")
    name, data = save_download(tab, near(table, "button.export-csv").click, "channels")
    assert name.endswith(".csv"), name
    rows = csv_rows(data)
    header, body = rows[0], [r for r in rows[1:] if r]
    assert len(header) >= 2 and all(h.strip() for h in header), f"CSV header: {header}"
    assert body[-1][0] in ("合计", "Total"), body[-1]  # the total row comes last (#14 scorecard tables)
    body = body[:-1]
    assert len(body) == len(channels), f"{len(body)} CSV rows, {len(channels)} table rows"
    assert all(len(r) == len(header) for r in body), "a CSV row has more or fewer fields than the header"
    lowered = [h.strip().lower() for h in header]
    if "channel" in lowered:
        assert {r[lowered.index("channel")] for r in body} == set(channels)


def test_product_table_shows_names(tab: Tab, api: httpx.Client) -> None:
    """#product-table names each product (the API's product_name) with its id; the CSV has both as columns."""
    page = tab.page
    goto(tab, "products")
    table = page.locator("#product-table")
    first = table.locator("tbody tr[data-product]").first
    product = first.get_attribute("data-product")
    params = {k: v for k, v in controls(tab).items() if k != "compare"}
    top = api_json(api, "/api/v1/metrics", {"metrics": "gmv", "by": "product", "sort": "gmv", "limit": 1,
                                            **params})["rows"][0]
    assert top["product"] == product and top["product_name"], top
    cell = first.locator("td").first.inner_text()
    assert top["product_name"] in cell and product in cell, f"first product cell: {cell!r}, API row: {top}"
    _, data = save_download(tab, near(table, "button.export-csv").click, "products")
    header, first_line = csv_rows(data)[:2]
    assert header[1] in ("商品名称", "Product name") and first_line[:2] == [product, top["product_name"]], (
        header, first_line)


def test_screenshots_of_every_page_in_both_languages(tab: Tab) -> None:
    """Every page loads its data in zh-CN and en (full-page screenshots in test-artifacts/screens/)."""
    page = tab.page
    initial = lang(tab)
    try:
        for language in LANGS:
            set_lang(tab, language)
            for name in PAGES:
                goto(tab, name)
                text = page.inner_text("#page")
                assert not re.search(r"\b(NaN|undefined)\b", text), f"{name} ({language}) shows NaN/undefined"
                if language == "zh-CN":
                    assert CJK.search(text), f"{name} in zh-CN shows no Chinese"
                screenshot(tab, f"{name}-{language}")
        page.set_viewport_size({"width": 820, "height": 1180})  # a tablet
        goto(tab, "overview")
        screenshot(tab, "overview-tablet")
    finally:
        set_lang(tab, initial)
