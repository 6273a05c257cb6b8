"""The dashboard's Alerts page and the overview's open-alerts card, in Chromium against ``shoplens serve --demo``.

The demo's incident (paid_search payment conversion collapsed on 2026-10-25..27) is checked through the REST API
as the demo admin, then the page is compared with the API's own answers (GET /api/v1/alerts, asked with a bearer
token, not through the page). One server and one browser for the module (the fixtures of
test_dashboard_browser.py, with this module's server: the demo store plus a viewer login). DOM contract:
``#alerts-table tr[data-alert-id][data-rule][data-severity][data-status]`` (``.alert-rule-name``,
``.alert-message``, ``button.alert-why|alert-ack|alert-resolve``), ``tr.alert-form`` (``.alert-note``,
``.alert-confirm``), ``#alert-status``, ``#alert-severity``, ``#alert-all-days``, ``#alert-error``,
``#alert-check``, ``#open-alerts[data-count][data-day]`` (``.badge[data-severity][data-n]``,
``li[data-alert-id]``, ``#open-alerts-link``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import shoplens
import test_dashboard_browser as browser_tests
from api_server import ApiServer
from shoplens.server.accounts import add_user, ensure_demo_login
from test_dashboard_browser import Tab, _equal, api_json, eventually, lang, screenshot, set_lang, wait_ready

dashboard, api, browser = browser_tests.dashboard, browser_tests.api, browser_tests.browser
new_tab, tab = browser_tests.new_tab, browser_tests.tab

INCIDENT = ("2026-10-25", "2026-10-26", "2026-10-27")  # paid_search payment conversion collapsed (demo build)
VIEWER, VIEWER_PASSWORD = "vera", "viewer-pass-7"
ROWS = """els => els.map(e => [Number(e.dataset.alertId), e.dataset.rule, e.dataset.severity, e.dataset.status])"""


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """``shoplens serve --demo`` over a copy of the demo store: the demo admin and a viewer of every store."""
    path = tmp_path_factory.mktemp("browser_alerts") / "demo.duckdb"
    shutil.copy(demo_db, path)
    with shoplens.connect(str(path)) as wh:
        ensure_demo_login(wh)
        add_user(wh, VIEWER, VIEWER_PASSWORD, "viewer", ["*"])
    srv = ApiServer(path, demo=True)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def checked(api: httpx.Client) -> list[dict[str, Any]]:
    """The incident days checked through the API (as `shoplens alerts check --date D` would): what fired."""
    fired = []
    for day in INCIDENT:
        r = api.post("/api/v1/alerts/check", params={"date": day})
        assert r.status_code == 200, r.text
        fired += r.json()["alerts"]
    roi = [a for a in fired if a["rule"] == "paid_channel_roi_below_1" and a["period"] == INCIDENT[-1]]
    assert [a["dims"] for a in roi] == [{"channel": "paid_search"}], roi  # the incident's channel, as the issue says
    return fired


def listed(api: httpx.Client, **params: str) -> list[dict[str, Any]]:
    return api_json(api, "/api/v1/alerts", params)["alerts"]


def rows(tab: Tab) -> list[tuple[int, str, str, str]]:
    return [tuple(r) for r in tab.page.eval_on_selector_all("#alerts-table tbody tr[data-alert-id]", ROWS)]


def as_rows(alerts: list[dict[str, Any]]) -> list[tuple[int, str, str, str]]:
    return [(a["id"], a["rule"], a["severity"], a["status"]) for a in alerts]


def open_alerts_page(tab: Tab, status: str = "all", all_days: bool = True) -> None:
    page = tab.page
    page.click('a[data-page="alerts"]')
    wait_ready(tab, "alerts")
    page.select_option("#alert-status", status)
    wait_ready(tab, "alerts")
    if page.is_checked("#alert-all-days") != all_days:
        page.click("#alert-all-days")
        wait_ready(tab, "alerts")


def same_rows(tab: Tab, want: list[dict[str, Any]], what: str) -> None:
    eventually(tab, lambda: _equal(rows(tab), as_rows(want), what))


def test_alerts_page_lists_the_api_alerts_and_filters_them(tab: Tab, api: httpx.Client,
                                                           checked: list[dict[str, Any]]) -> None:
    """Every status, then open only, then high only, then one day of the date controls: the rows (id, rule,
    severity, status, in the API's order) are GET /api/v1/alerts's; rule names are the rules endpoint's."""
    page = tab.page
    open_alerts_page(tab)
    everything = listed(api)
    assert {a["id"] for a in checked} <= {a["id"] for a in everything}
    same_rows(tab, everything, "all alerts")
    names = {r["id"]: r["name"] for r in api_json(api, "/api/v1/alerts/rules", {})["rules"]}
    key = "zh" if lang(tab) == "zh-CN" else "en"
    shown = page.eval_on_selector_all("#alerts-table tbody tr[data-alert-id]", """els => els.map(e => [e.dataset.rule,
        e.querySelector('.alert-rule-name').textContent, e.querySelector('.alert-message').textContent])""")
    by_rule = {a["rule"]: a for a in everything}
    for rule, name, message in shown:
        assert name == names[rule][key], (rule, name)
        # the message in the page's language, after the rule's name (shown above it)
        assert {f"{name}{sep}{message}" for sep in (": ", "：")} & {a["message"][key] for a in everything
                                                                 if a["rule"] == rule}, (rule, name, message)
    assert by_rule["paid_channel_roi_below_1"]["severity"] == "high"
    screenshot(tab, "alerts-all")

    page.select_option("#alert-status", "open")
    wait_ready(tab, "alerts")
    same_rows(tab, listed(api, status="open"), "open alerts")
    page.select_option("#alert-severity", "high")
    wait_ready(tab, "alerts")
    high = [a for a in listed(api, status="open") if a["severity"] == "high"]
    assert high, "the incident raises high-severity alerts"
    same_rows(tab, high, "open, high alerts")

    page.select_option("#alert-severity", "all")
    page.click("#alert-all-days")  # back to the dates of the controls: one incident day
    wait_ready(tab, "alerts")
    page.fill("#date-from", INCIDENT[1])
    page.fill("#date-to", INCIDENT[1])
    eventually(tab, lambda: _equal(page.input_value("#date-to"), INCIDENT[1], "date controls"))
    wait_ready(tab, "alerts")
    one_day = listed(api, status="open", **{"from": INCIDENT[1], "to": INCIDENT[1]})
    assert one_day and {a["period"] for a in one_day} == {INCIDENT[1]}
    same_rows(tab, one_day, f"open alerts of {INCIDENT[1]}")


def test_acknowledge_and_resolve_with_a_note(tab: Tab, api: httpx.Client, checked: list[dict[str, Any]]) -> None:
    """Acknowledge with a note in the page: the row and the API say acknowledged, and the API's history keeps the
    note; resolve in the page: resolved in both."""
    page = tab.page
    open_alerts_page(tab)
    target = next(a for a in listed(api, status="open") if a["rule"] == "gmv_wow_drop")
    row = f'#alerts-table tr[data-alert-id="{target["id"]}"]'
    note = "paid search checkout broken, ticket PAY-311"
    page.click(f"{row} button.alert-ack")
    page.fill(f'tr.alert-form[data-for="{target["id"]}"] .alert-note', note)
    page.click(f'tr.alert-form[data-for="{target["id"]}"] .alert-confirm')
    eventually(tab, lambda: _equal(page.get_attribute(row, "data-status"), "acknowledged", "row status"))
    assert target["id"] in [a["id"] for a in listed(api, status="acknowledged")]
    assert target["id"] not in [a["id"] for a in listed(api, status="open")]

    page.click(f"{row} button.alert-resolve")
    page.click(f'tr.alert-form[data-for="{target["id"]}"] .alert-confirm')  # no note: optional
    eventually(tab, lambda: _equal(page.get_attribute(row, "data-status"), "resolved", "row status"))
    assert page.locator(f"{row} button.alert-ack").count() == 0  # a resolved alert has nothing left to do
    assert target["id"] in [a["id"] for a in listed(api, status="resolved")]
    # the history the API keeps (a second resolve answers the alert with it): the page's note is there
    history = api.post(f"/api/v1/alerts/{target['id']}/resolve", json={}).json()["history"]
    assert [h["note"] for h in history if h["event"] == "acknowledged"] == [note], history


def test_a_viewer_cannot_acknowledge(new_tab: Callable[[], Tab], dashboard: ApiServer, api: httpx.Client,
                                     checked: list[dict[str, Any]]) -> None:
    """A viewer's ack/resolve buttons are disabled and there is no "check now"; a request the API refuses anyway
    (the button forced on) shows the API's 403 message in words, and the alert stays as it was."""
    tab = new_tab()
    page = tab.page
    page.goto(tab.url + "/")
    page.fill("#login-username", VIEWER)
    page.fill("#login-password", VIEWER_PASSWORD)
    page.click("#login-submit")
    page.locator("#app").wait_for(state="visible")
    open_alerts_page(tab, status="open")
    open_now = listed(api, status="open")
    same_rows(tab, open_now, "open alerts (viewer)")
    assert page.locator("#alert-check").count() == 0
    enabled = page.eval_on_selector_all("#alerts-table button.alert-ack, #alerts-table button.alert-resolve",
                                        "els => els.filter(e => !e.disabled).length")
    assert enabled == 0 and page.locator("#alerts-table button.alert-ack").count() == len(open_now)

    token = dashboard.token(VIEWER, VIEWER_PASSWORD)
    target = open_now[0]["id"]
    refused = httpx.post(f"{dashboard.url}/api/v1/alerts/{target}/ack", json={"note": "x"},
                         headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    row = f'#alerts-table tr[data-alert-id="{target}"]'
    page.eval_on_selector(f"{row} button.alert-ack", "e => { e.disabled = false; }")
    page.click(f"{row} button.alert-ack")
    page.click(f'tr.alert-form[data-for="{target}"] .alert-confirm')
    box = page.locator("#alert-error .error-box")
    box.wait_for(state="visible")
    assert (error["zh"] if lang(tab) == "zh-CN" else error["message"]) in box.inner_text()
    assert target in [a["id"] for a in listed(api, status="open")]


def test_an_alert_opens_its_own_root_cause(tab: Tab, api: httpx.Client, checked: list[dict[str, Any]]) -> None:
    """"why?" on an alert shows its `root_cause` (the sentence, the factor waterfall) without asking /why again,
    in both languages; the page's labels and the alert's message switch to Chinese."""
    page = tab.page
    open_alerts_page(tab)
    alert = next(a for a in listed(api) if a["rule"] == "gmv_wow_drop" and a["period"] == INCIDENT[1])
    cause = alert["root_cause"]
    assert "paid_search" in cause["summary"]["en"]  # the incident's channel explains the GMV drop
    page.click(f'#alerts-table tr[data-alert-id="{alert["id"]}"] button.alert-why')
    eventually(tab, lambda: _equal(page.get_attribute("#why-panel", "data-state"), "ready", "why panel state"))
    steps = page.eval_on_selector_all("#why-waterfall g.waterfall-step", "els => els.map(e => e.dataset.step)")
    assert steps == [f["factor"] for f in cause["factors"]] and steps, steps
    # a click anywhere else on a row opens its alert's root cause too (here the paid_search ROI alert)
    page.click("#why-close")
    roi = next(a for a in listed(api) if a["rule"] == "paid_channel_roi_below_1")
    page.click(f'#alerts-table tr[data-alert-id="{roi["id"]}"] td:first-child')
    key = "zh" if lang(tab) == "zh-CN" else "en"
    eventually(tab, lambda: _equal(page.inner_text("#why-summary").strip(), roi["root_cause"]["summary"][key],
                                   "the ROI alert's root-cause sentence"))
    assert page.get_attribute("#why-panel", "data-metric") == "roi"
    assert not [p for p, _, _ in tab.answers if p == "/api/v1/why"], "the root cause was fetched again"
    page.click("#why-close")
    page.click(f'#alerts-table tr[data-alert-id="{alert["id"]}"] button.alert-why')
    initial = lang(tab)
    try:
        for language in ("en", "zh-CN"):
            set_lang(tab, language)
            key = "zh" if language == "zh-CN" else "en"
            eventually(tab, lambda key=key: _equal(page.inner_text("#why-summary").strip(), cause["summary"][key],
                                                   f"the {key} root-cause sentence"))
        wait_ready(tab, "alerts")
        assert page.inner_text(".page-title") == "告警"
        assert "规则" in page.eval_on_selector_all("#alerts-table th", "els => els.map(e => e.textContent)")
        shown = f'#alerts-table tr[data-alert-id="{alert["id"]}"]'
        name, message = page.inner_text(f"{shown} .alert-rule-name"), page.inner_text(f"{shown} .alert-message")
        assert f"{name}：{message}" == alert["message"]["zh"], (name, message)
        screenshot(tab, "alerts-why-zh")
    finally:
        set_lang(tab, initial)


def test_check_now_stores_the_day_and_lists_it(tab: Tab, api: httpx.Client, checked: list[dict[str, Any]]) -> None:
    """"Check now" for a day before the incident (the latest alert day stays the incident's): the page lists what
    the API then holds for that day, says how many fired; a second check of the day creates nothing new."""
    page = tab.page
    day = "2026-10-20"
    open_alerts_page(tab)
    page.fill("#alert-check-date", day)
    page.click("#alert-check")
    wait_ready(tab, "alerts")
    stored = listed(api, **{"from": day, "to": day})
    assert stored and {a["period"] for a in stored} == {day}
    assert [r for r in rows(tab) if r[0] in {a["id"] for a in stored}] == as_rows(stored)
    result = page.locator("#alert-check-result")
    assert int(result.get_attribute("data-fired")) == len(stored)
    page.click("#alert-check")
    wait_ready(tab, "alerts")
    eventually(tab, lambda: _equal(result.get_attribute("data-new"), "0", "new alerts of a second check"))
    assert listed(api, **{"from": day, "to": day}) == stored


def test_overview_card_counts_the_open_alerts_of_the_latest_day(tab: Tab, api: httpx.Client,
                                                                checked: list[dict[str, Any]]) -> None:
    """The overview's card: as many open alerts as the API lists for its newest alert day, by severity; its link
    opens the Alerts page on them."""
    page = tab.page
    wait_ready(tab, "overview")
    alerts = listed(api)
    day = max(a["period"] for a in alerts)
    assert day == INCIDENT[-1]
    open_ = [a for a in alerts if a["period"] == day and a["status"] == "open"]
    card = page.locator("#open-alerts")
    assert card.get_attribute("data-day") == day
    assert int(card.get_attribute("data-count")) == len(open_) > 0
    badges = dict(page.eval_on_selector_all("#open-alerts .badge[data-n]",
                                            "els => els.map(e => [e.dataset.severity, Number(e.dataset.n)])"))
    assert badges == {s: n for s in ("high", "medium", "low")
                      if (n := sum(a["severity"] == s for a in open_))}, badges
    key = "zh" if lang(tab) == "zh-CN" else "en"
    shown = page.eval_on_selector_all("#open-alerts li[data-alert-id]", """els => els.map(e =>
        [Number(e.dataset.alertId), e.querySelector('.open-alert-message').textContent])""")
    messages = {a["id"]: a["message"][key] for a in open_}
    assert shown and all(messages[i] == text for i, text in shown), shown
    assert "high" in badges and shown[0][0] in {a["id"] for a in open_ if a["severity"] == "high"}  # worst first
    screenshot(tab, "overview-open-alerts")
    page.click("#open-alerts-link")
    wait_ready(tab, "alerts")
    assert page.input_value("#alert-status") == "open"
    eventually(tab, lambda: _equal({r[0] for r in rows(tab)} >= {a["id"] for a in open_}, True,
                                   "the latest day's open alerts on the Alerts page"))

    # every open alert of that day handled (through the API): the card says there is none, in the page's language
    for a in open_:
        assert api.post(f"/api/v1/alerts/{a['id']}/resolve", json={"note": "handled"}).status_code == 200
    page.click('a[data-page="overview"]')
    wait_ready(tab, "overview")
    assert card.get_attribute("data-count") == "0" and card.get_attribute("data-day") == day
    none = page.inner_text("#open-alerts .open-alerts-none")
    assert none == ("没有待处理的告警" if lang(tab) == "zh-CN" else "No open alerts"), none
