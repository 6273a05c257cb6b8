"""The dashboard's Actions page (行动) in Chromium against ``shoplens serve --demo``: the day's recommendations as
cards, logging one in one click, the action log with its hand form, and an action's measured effect.

The page is compared with the REST API's own answers (GET /api/v1/recommendations, /actions, /actions/{id}/effect,
asked with a bearer token, not through the page), in both languages. What a one-click log must send is derived here
from the recommendation and the metric catalog (GET /api/v1/metrics/catalog), not read back from the page's code.
DOM contract: ``#rec-day``, ``#rec-summary[data-day]``, ``#rec-list .rec-card[data-rec-id][data-rule]
[data-priority][data-logged]`` (``.rec-action``, ``.rec-evidence-item[data-metric][data-value][data-reference]``,
``.rec-effect[data-value]``, ``.rec-links li[data-link]``, ``button.rec-log``, ``.rec-logged``), ``#action-form``
(``#action-title``, ``#action-metric``, ``#action-scope``, ``#action-date``, ``#action-submit``), ``#action-error``,
``#actions-table tr[data-action-id][data-recommendation]`` (``button.action-remove``), ``#effect-days``,
``#effect-panel[data-action-id][data-days][data-state]`` (``#effect-sentence``, ``#effect-estimate[data-estimate]
[data-low][data-high]``, ``#effect-chart[data-points]``, ``#effect-error``).

Set SHOPLENS_DOCS_IMG=1 to also write docs/img/actions-{en,zh}.png (the README's screenshots).
"""

from __future__ import annotations

import math
import os
import re
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
from test_dashboard_browser import Tab, _equal, answered, api_json, eventually, lang, screenshot, set_lang, wait_ready

dashboard, api, browser = browser_tests.dashboard, browser_tests.api, browser_tests.browser
new_tab, tab = browser_tests.new_tab, browser_tests.tab

DAY = "2026-10-25"  # the first day of the demo's paid_search incident (README: Recommendations)
VIEWER, VIEWER_PASSWORD = "vera", "viewer-pass-7"
REPO = Path(__file__).resolve().parents[1]
CARDS = """els => els.map(e => [e.dataset.recId, e.dataset.rule, e.dataset.priority,
  e.querySelector('.rec-action').textContent,
  [...e.querySelectorAll('.rec-evidence-item')].map(i => [i.dataset.metric, i.dataset.value, i.dataset.reference,
    i.querySelector('.rec-evidence-reference') ? i.querySelector('.rec-evidence-reference').dataset.kind : null]),
  e.querySelector('.rec-effect') ? e.querySelector('.rec-effect').dataset.value : null,
  [...e.querySelectorAll('.rec-links li')].map(l => l.dataset.link)])"""


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """``shoplens serve --demo`` over a copy of the demo store: the demo admin and a viewer of every store."""
    path = tmp_path_factory.mktemp("browser_actions") / "demo.duckdb"
    shutil.copy(demo_db, path)
    with shoplens.connect(str(path)) as wh:
        ensure_demo_login(wh)
        add_user(wh, VIEWER, VIEWER_PASSWORD, "viewer", ["*"])
    srv = ApiServer(path, demo=True)
    yield srv
    srv.stop()


def recs(api: httpx.Client, day: str | None = DAY) -> list[dict[str, Any]]:
    return api_json(api, "/api/v1/recommendations", {"date": day} if day else {})["recommendations"]


def actions(api: httpx.Client) -> list[dict[str, Any]]:
    return api_json(api, "/api/v1/actions", {})["actions"]


def num(text: str | None) -> float | None:
    return None if text in (None, "", "null") else float(text)


def open_actions(tab: Tab, day: str = DAY) -> None:
    page = tab.page
    page.click('a[data-page="actions"]')
    wait_ready(tab, "actions")
    if page.input_value("#rec-day") != day:
        page.fill("#rec-day", day)
        page.dispatch_event("#rec-day", "change")
        wait_ready(tab, "actions")
    eventually(tab, lambda: _equal(page.get_attribute("#rec-summary", "data-day"), day, "recommendations' day"))


def expected_post(rec: dict[str, Any], catalog: dict[str, Any], key: str) -> dict[str, Any]:
    """What one click must log: the first evidence metric (about the card's own scope) that the scope's dimension
    cuts, with that scope; else the expected effect's metric store-wide."""
    dims = [(k, v) for k, v in rec["scope"].items() if k != "store"]
    dim, value = dims[0] if dims else (None, None)
    metrics = {m["id"]: m for m in catalog["metrics"]}
    cuts = [e["metric"] for e in rec["evidence"] if "scope" not in e and e["metric"] in metrics
            and (dim is None or dim in metrics[e["metric"]]["dimensions"])]
    if cuts:
        metric, scope = cuts[0], (f"{dim}={value}" if dim else "store")
    else:
        metric = rec["expected_effect"]["metric"]
        scope = f"{dim}={value}" if dim and dim in metrics[metric]["dimensions"] else "store"
    return {"title": rec["action"][key], "metric": metric, "scope_text": scope, "date": rec["day"],
            "recommendation": rec["id"], "store": rec["scope"]["store"]}


def test_cards_equal_the_api_in_both_languages(tab: Tab, api: httpx.Client) -> None:
    """The incident day's cards are GET /recommendations's, in its order: id, rule, priority, the action text in
    the page's language, every evidence number with its reference, the expected effect, the links."""
    want = recs(api)
    assert want[0]["rule"] == "cart_payment_gap" and want[0]["scope"]["channel"] == "paid_search"  # the incident
    page = tab.page
    open_actions(tab)
    initial = lang(tab)
    try:
        for language in ("en", "zh-CN"):
            set_lang(tab, language)
            wait_ready(tab, "actions")
            key = "zh" if language == "zh-CN" else "en"

            def same(key: str = key) -> None:
                shown = page.eval_on_selector_all("#rec-list .rec-card", CARDS)
                expect = [[r["id"], r["rule"], r["priority"], r["action"][key],
                           [[e["metric"], e["value"], e["reference"], e["reference_kind"]] for e in r["evidence"]],
                           (r["expected_effect"] or {}).get("value"), list(r["links"])] for r in want]
                got = [[c[0], c[1], c[2], c[3], [[m, num(v), num(ref), kind] for m, v, ref, kind in c[4]], num(c[5]),
                        c[6]]
                       for c in shown]
                _equal(got, expect, f"cards ({key})")

            eventually(tab, same)
            assert page.inner_text(".page-title") == ("行动" if key == "zh" else "Actions")
    finally:
        set_lang(tab, initial)
    # the incident card's alerts link: the Alerts page on that day, every status
    page.click(f'#rec-list .rec-card[data-rec-id="{want[0]["id"]}"] a.rec-link-alerts')
    wait_ready(tab, "alerts")
    assert (page.input_value("#date-from"), page.input_value("#date-to")) == (DAY, DAY)
    assert page.input_value("#alert-status") == "all" and not page.is_checked("#alert-all-days")
    answered(tab, "/api/v1/alerts", **{"from": DAY, "to": DAY, "status": None})


def test_one_click_logs_exactly_one_action(tab: Tab, api: httpx.Client) -> None:
    """"Log action" on the incident card, a refund card and the win-back card: the API then holds one action per
    card with the recommendation's id, its metric and scope, its day and its text; the cards say Logged (also after
    a reload) and the log lists them."""
    page = tab.page
    catalog = api_json(api, "/api/v1/metrics/catalog", {})
    open_actions(tab)
    key = "zh" if lang(tab) == "zh-CN" else "en"
    before = {a["id"] for a in actions(api)}
    incident = recs(api)[0]
    refund = next(r for r in recs(api) if r["rule"] == "refund_spike")
    win_back = next(r for r in recs(api) if r["rule"] == "dormant_high_value")
    for rec in (incident, refund, win_back):
        card = f'#rec-list .rec-card[data-rec-id="{rec["id"]}"]'
        assert page.get_attribute(card, "data-logged") == "false"
        page.click(f"{card} button.rec-log")
        wait_ready(tab, "actions")
        eventually(tab, lambda card=card: _equal(page.get_attribute(card, "data-logged"), "true", "card logged"))
        assert page.inner_text(f"{card} .rec-logged") == ("已记录" if key == "zh" else "Logged")
        assert page.locator(f"{card} button.rec-log").count() == 0
    new = [a for a in actions(api) if a["id"] not in before]
    got = sorted(({k: a[k] for k in ("title", "metric", "scope_text", "date", "recommendation", "store")}
                  for a in new), key=lambda a: a["recommendation"])
    want = sorted((expected_post(r, catalog, key) for r in (incident, refund, win_back)),
                  key=lambda a: a["recommendation"])
    assert got == want, got
    # the incident's: payment conversion after add-to-cart on paid_search; the refund card's store-wide evidence
    # (the store's refund rate) is not its scope; a segment is no dimension of the catalog: GMV, store-wide
    assert {(a["metric"], a["scope_text"]) for a in new} == {("cart_to_purchase_rate", "channel=paid_search"),
                                                             ("refund_rate", f"product={refund['scope']['product']}"),
                                                             ("gmv", "store")}
    rows = page.eval_on_selector_all("#actions-table tr[data-action-id]",
                                     "els => els.map(e => e.dataset.recommendation)")
    assert {incident["id"], refund["id"]} <= set(rows)
    page.reload()
    page.locator("#app").wait_for(state="visible")
    open_actions(tab)
    assert page.get_attribute(f'#rec-list .rec-card[data-rec-id="{incident["id"]}"]', "data-logged") == "true"
    assert len([a for a in actions(api) if a["recommendation"] == incident["id"]]) == 1


def error_line(error: dict[str, Any], key: str) -> str:
    """The API's error as the page must say it: message — hint, in the page's language."""
    return f"{error['zh' if key == 'zh' else 'message']} — {error['zh_hint' if key == 'zh' else 'hint']}"


def pp(v: float) -> str:
    return f"{v * 100:.2f}"


def test_effect_panel_equals_the_api(tab: Tab, api: httpx.Client) -> None:
    """The README's action (paid_search conversion, the day before the incident) in the page: for 7 and 14 days
    the estimate, its interval and the sentence are GET /actions/{id}/effect's; the chart has one point a day;
    in both languages; then screenshots."""
    page = tab.page
    r = api.post("/api/v1/actions", json={"title": "fix the paid_search payment page", "metric": "conversion_rate",
                                          "scope": "channel=paid_search", "date": "2026-10-24"})
    assert r.status_code == 201, r.text
    action = r.json()
    open_actions(tab)
    page.click(f'#actions-table tr[data-action-id="{action["id"]}"] td.action-title')
    initial = lang(tab)
    try:
        for language, days in (("en", 7), ("zh-CN", 14)):
            set_lang(tab, language)
            wait_ready(tab, "actions")
            if page.get_attribute("#effect-panel", "data-action-id") != str(action["id"]):
                page.click(f'#actions-table tr[data-action-id="{action["id"]}"] td.action-title')
            page.select_option("#effect-days", str(days))
            wait_ready(tab, "actions")
            key = "zh" if language == "zh-CN" else "en"
            effect = api_json(api, f"/api/v1/actions/{action['id']}/effect", {"days": days})
            e = effect["effect"]
            eventually(tab, lambda days=days: _equal((page.get_attribute("#effect-panel", "data-days"),
                                                      page.get_attribute("#effect-panel", "data-state")),
                                                     (str(days), "ready"), "effect panel"))
            shown = page.locator("#effect-estimate")
            for attr in ("estimate", "low", "high"):
                assert math.isclose(float(shown.get_attribute(f"data-{attr}")), e[attr], rel_tol=1e-12), attr
            assert e["low"] < e["estimate"] < e["high"]
            text = shown.inner_text()
            assert all(pp(v) in text for v in (e["estimate"], e["low"], e["high"])), text  # percent: in pp
            assert page.inner_text("#effect-sentence") == effect["sentence"][key]
            assert int(page.get_attribute("#effect-chart", "data-points")) == len(effect["daily"]) == 2 * days
            assert page.locator("#effect-chart svg path").count() >= 2  # treated and comparison lines
            if os.environ.get("SHOPLENS_DOCS_IMG"):
                page.screenshot(path=str(REPO / "docs" / "img" / f"actions-{key}.png"), full_page=True)
            screenshot(tab, f"actions-{key}")
    finally:
        set_lang(tab, initial)


def test_hand_form_bad_scope_and_too_recent(tab: Tab, api: httpx.Client) -> None:
    """The hand form: a scope value the store lacks shows the API's refusal (in the page's language) and logs
    nothing; an action on the last complete day logs, and its effect shows the server's "too recent" message with
    its hint; removing it in the page removes it from the API's list."""
    page = tab.page
    open_actions(tab)
    key = "zh" if lang(tab) == "zh-CN" else "en"
    before = actions(api)
    refused = api.post("/api/v1/actions", json={"title": "x", "metric": "gmv", "scope": "channel=nope"})
    assert refused.status_code == 400 or refused.status_code == 422, refused.text
    error = refused.json()["error"]
    page.fill("#action-title", "bad scope")
    page.select_option("#action-metric", "gmv")
    page.fill("#action-scope", "channel=nope")
    page.click("#action-submit")
    wait_ready(tab, "actions")
    box = page.locator("#action-error .error-box")
    box.wait_for(state="visible")
    assert box.inner_text() == error_line(error, key)
    assert actions(api) == before

    last = api_json(api, "/api/v1/recommendations", {})["days"]["demo"]  # the last complete day
    page.fill("#action-title", "whole-store coupon")
    page.fill("#action-scope", "")
    page.fill("#action-date", last)
    page.click("#action-submit")
    wait_ready(tab, "actions")
    new = eventually(tab, lambda: next(a for a in actions(api) if a["title"] == "whole-store coupon"))
    assert (new["metric"], new["scope_text"], new["date"]) == ("gmv", "store", last)
    row = f'#actions-table tr[data-action-id="{new["id"]}"]'
    page.click(f"{row} td.action-title")
    wait_ready(tab, "actions")
    eventually(tab, lambda: _equal(page.get_attribute("#effect-panel", "data-state"), "error", "effect state"))
    days = page.input_value("#effect-days")
    answer = api.get(f"/api/v1/actions/{new['id']}/effect", params={"days": days})
    assert answer.status_code >= 400, answer.text
    err = answer.json()["error"]
    assert page.inner_text("#effect-error").strip() == error_line(err, key)

    page.click(f"{row} button.action-remove")
    wait_ready(tab, "actions")
    eventually(tab, lambda: _equal(page.locator(row).count(), 0, "removed row"))
    assert new["id"] not in {a["id"] for a in actions(api)}
    assert page.get_attribute("#effect-panel", "data-state") == "empty"


def test_a_viewer_cannot_log_or_remove(new_tab: Callable[[], Tab], dashboard: ApiServer, api: httpx.Client) -> None:
    """A viewer sees the cards and the log but no "Log action", no form and no remove; the API refuses the
    viewer's POST and DELETE anyway (403) and nothing changes."""
    r = api.post("/api/v1/actions", json={"title": "kept", "metric": "gmv", "date": "2026-10-20"})
    assert r.status_code == 201, r.text
    kept = r.json()
    tab = new_tab()
    page = tab.page
    page.goto(tab.url + "/")
    page.fill("#login-username", VIEWER)
    page.fill("#login-password", VIEWER_PASSWORD)
    page.click("#login-submit")
    page.locator("#app").wait_for(state="visible")
    open_actions(tab)
    assert page.locator("#rec-list .rec-card").count() == len(recs(api)) > 0
    assert page.locator(f'#actions-table tr[data-action-id="{kept["id"]}"]').count() == 1
    assert page.locator("button.rec-log, button.action-remove, #action-form").count() == 0
    token = dashboard.token(VIEWER, VIEWER_PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    before = actions(api)
    post = httpx.post(f"{dashboard.url}/api/v1/actions", headers=auth,
                      json={"title": "x", "metric": "gmv", "recommendation": recs(api)[0]["id"]})
    delete = httpx.delete(f"{dashboard.url}/api/v1/actions/{kept['id']}", headers=auth)
    assert (post.status_code, delete.status_code) == (403, 403), (post.text, delete.text)
    assert actions(api) == before


def test_readme_shows_the_actions_page() -> None:
    """README's dashboard section shows docs/img/actions-{en,zh}.png (SHOPLENS_DOCS_IMG=1 regenerates them)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Web dashboard / 看板"):readme.index("### Python API")]
    for key in ("en", "zh"):
        assert f"docs/img/actions-{key}.png" in section
        assert (REPO / "docs" / "img" / f"actions-{key}.png").stat().st_size > 10_000


def test_the_day_follows_the_controls(tab: Tab, api: httpx.Client) -> None:
    """Opened with the default range, the page asks for the server's default day (the last complete day); with
    the range's end changed above, for that day."""
    page = tab.page
    page.click('a[data-page="actions"]')
    wait_ready(tab, "actions")
    default = api_json(api, "/api/v1/recommendations", {})["days"]["demo"]
    answered(tab, "/api/v1/recommendations", date=None)
    assert page.get_attribute("#rec-summary", "data-day") == default == page.input_value("#rec-day")
    page.fill("#date-to", "2026-10-26")
    eventually(tab, lambda: _equal(page.input_value("#date-to"), "2026-10-26", "date controls"))
    wait_ready(tab, "actions")
    answered(tab, "/api/v1/recommendations", date="2026-10-26")
    eventually(tab, lambda: _equal(page.get_attribute("#rec-summary", "data-day"), "2026-10-26", "asked day"))
    want = [r["id"] for r in recs(api, "2026-10-26")]
    shown = page.eval_on_selector_all("#rec-list .rec-card", "els => els.map(e => e.dataset.recId)")
    assert shown == want and want, shown


OUTSIDE_NAMES = """e => { const c = e.cloneNode(true); c.querySelectorAll('[data-raw-id]').forEach(n => n.remove());
  return c.textContent; }"""


def test_zh_cards_name_values_and_mark_names(tab: Tab, api: httpx.Client) -> None:
    """On the demo's default day (a paid channel's UV value drop, products' refund spikes, the win-back segment) the
    zh cards name channels in Chinese (value_labels) and show the seller's own names (the API's ``names``: store id,
    product names, segment) inside [data-raw-id]; outside them no channel id and no Latin word but acronyms and the
    currency code; every link has a label, not its key."""
    from shoplens.value_labels import VALUES
    from test_dashboard_walk import ACRONYMS, CURRENCIES

    answer = api_json(api, "/api/v1/recommendations", {})
    want = answer["recommendations"]
    day = answer["days"]["demo"]
    drops = [r for r in want if r["rule"] == "uv_value_drop"]
    assert drops and any("product" in r["scope"] for r in want), [r["rule"] for r in want]  # names a product
    zh_name = {k: zh for k, (zh, _) in VALUES["channel"].items()}
    for r in drops:  # the API's zh text: the catalog's 渠道 and the channels' Chinese names; English keeps the ids
        better = r["links"]["shift_to"]
        assert r["action"]["zh"].startswith(f"demo · 渠道 {zh_name[r['scope']['channel']]}：")
        assert r["action"]["zh"].endswith("把预算转向 " + "、".join(zh_name[c] for c in better))
        assert r["action"]["en"].startswith(f"demo · channel={r['scope']['channel']}: ")
        assert r["action"]["en"].endswith("shift budget to " + ", ".join(better))
    page = tab.page
    open_actions(tab, day)
    initial = lang(tab)
    try:
        set_lang(tab, "zh-CN")
        wait_ready(tab, "actions")
        for r in want:
            card = page.locator(f'#rec-list .rec-card[data-rec-id="{r["id"]}"]')
            action = card.locator(".rec-action")
            eventually(tab, lambda action=action, r=r: _equal(action.text_content(), r["action"]["zh"], "zh text"))
            marked = action.locator("[data-raw-id]").all_text_contents()
            assert sorted(set(marked)) == sorted(n for n in r["names"] if n in r["action"]["zh"]), (marked, r)
            rest = action.evaluate(OUTSIDE_NAMES) + card.locator(".rec-scope").evaluate(OUTSIDE_NAMES)
            latin = set(re.findall(r"[A-Za-z_]{2,}", rest)) - ACRONYMS - CURRENCIES  # the walk's allow-list
            assert not latin, (latin, rest)
            assert card.locator(".rec-scope [data-raw-id]").first.text_content() == "demo"
            for li in card.locator(".rec-links li").all():
                key = li.get_attribute("data-link")
                assert li.locator("span.muted").first.text_content() != f"{key}: ", key
            if r["rule"] == "uv_value_drop":
                shown = card.locator('.rec-links li[data-link="shift_to"] > span:not(.muted)').text_content()
                assert shown == "、".join(zh_name[c] for c in r["links"]["shift_to"])
        screenshot(tab, "actions-zh-names")
    finally:
        set_lang(tab, initial)
