"""The Alerts page shows where each alert was delivered and the "Schedule / 定时任务" panel, in Chromium against
``shoplens serve --demo`` whose config schedules ``run: alerts`` every minute (it runs at start: the runner's
rule for a job that never ran) to two channels: ``hook`` (a loopback receiver) and ``dead`` (a closed port).

Nothing is sent by the test itself: the server's own scheduler checks and sends. The page is compared with
GET /api/v1/deliveries and /api/v1/schedule (asked with a bearer token, not through the page), in both
languages; labels are held against the words they must be (not read back from i18n.js). DOM contract:
``#alerts-table tr[data-alert-id] td.alert-delivery .delivery[data-channel][data-status][data-at]``,
``#schedule-panel[data-running][data-count]``, ``#schedule-table tr[data-job][data-next][data-last-status]
[data-last-due]``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import shoplens
import test_dashboard_browser as browser_tests
from api_server import ApiServer
from notify_servers import closed_port, http_receiver
from shoplens.server.accounts import ensure_demo_login
from test_dashboard_alerts import open_alerts_page
from test_dashboard_browser import Tab, _equal, api_json, eventually, screenshot, set_lang

dashboard, api, browser = browser_tests.dashboard, browser_tests.api, browser_tests.browser
new_tab, tab = browser_tests.new_tab, browser_tests.tab

WORDS = {"zh-CN": {"sent": "已发送", "failed": "失败", "column": "推送", "title": "定时任务", "ok": "成功",
                   "alerts": "检查并推送告警", "disabled": "已停用", "never": "尚未运行"},
         "en": {"sent": "Sent", "failed": "Failed", "column": "Delivered", "title": "Schedule", "ok": "OK",
                "alerts": "Check and send alerts", "disabled": "Disabled", "never": "Never ran"}}
DELIVERIES = """els => els.map(e => [Number(e.closest('tr').dataset.alertId), e.dataset.channel, e.dataset.status,
  e.dataset.at, e.querySelector('.badge').textContent])"""
JOBS = """els => els.map(e => [e.dataset.job, e.dataset.next, e.dataset.lastStatus, e.dataset.lastDue,
  [...e.querySelectorAll('td')].map(td => td.textContent)])"""


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    tmp = tmp_path_factory.mktemp("browser_deliveries")
    path = tmp / "demo.duckdb"
    shutil.copy(demo_db, path)
    with shoplens.connect(str(path)) as wh:
        ensure_demo_login(wh)
    with http_receiver() as hook:
        cfg = tmp / "shoplens.yaml"
        cfg.write_text(f'notify:\n  retries: 0\n  channels:\n    hook: {{type: webhook, url: "{hook.url()}"}}\n'
                       f'    dead: {{type: webhook, url: "http://127.0.0.1:{closed_port()}/x", timeout: 2}}\n'
                       'schedule:\n  push: {cron: "* * * * *", run: alerts, timezone: Asia/Shanghai}\n'
                       '  weekly: {cron: "0 10 * * mon", run: alerts_check, enabled: false}\n', encoding="utf-8")
        srv = ApiServer(path, demo=True, env={"SHOPLENS_CONFIG": str(cfg)})
        try:
            yield srv
        finally:
            srv.stop()


@pytest.fixture(scope="module")
def delivered(api: httpx.Client) -> list[dict[str, Any]]:
    """Waits for the scheduler's first run (no CLI, no POST): what it logged."""
    deadline = time.monotonic() + 120
    while not api_json(api, "/api/v1/schedule", {})["jobs"][0]["last_runs"]:
        assert time.monotonic() < deadline, "the server's scheduler did not run the job"
        time.sleep(0.3)
    rows = api_json(api, "/api/v1/deliveries", {"limit": 0})["deliveries"]
    assert {r["status"] for r in rows} == {"sent", "failed"}
    return rows


def latest_per_channel(rows: list[dict[str, Any]]) -> list[tuple[int, str, str, str]]:
    """Each alert's latest attempt per channel (rows come newest first), by alert and channel."""
    seen: dict[tuple[int, str], tuple[int, str, str, str]] = {}
    for r in rows:
        seen.setdefault((r["alert_id"], r["channel"]), (r["alert_id"], r["channel"], r["status"], r["at"]))
    return sorted(seen.values())


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_each_alert_shows_where_it_went(tab: Tab, api: httpx.Client, delivered: list[dict[str, Any]],
                                       language: str) -> None:
    set_lang(tab, language)
    open_alerts_page(tab)
    words = WORDS[language]

    def same() -> None:
        want = latest_per_channel(api_json(api, "/api/v1/deliveries", {"limit": 0})["deliveries"])
        shown = tab.page.eval_on_selector_all("#alerts-table td.alert-delivery .delivery", DELIVERIES)
        _equal(sorted(tuple(s[:4]) for s in shown), want, "deliveries")
        assert all(s[4] == words[s[2]] for s in shown), shown

    eventually(tab, same)
    alerts = {a["id"] for a in api_json(api, "/api/v1/alerts", {})["alerts"]}
    assert alerts == {r["alert_id"] for r in delivered}  # every alert the run stored went somewhere
    headers = tab.page.eval_on_selector_all("#alerts-table thead th", "els => els.map(e => e.textContent)")
    assert words["column"] in headers
    screenshot(tab, f"alerts-deliveries-{language}")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_schedule_panel_matches_the_api(tab: Tab, api: httpx.Client, delivered: list[dict[str, Any]],
                                        language: str) -> None:
    set_lang(tab, language)
    open_alerts_page(tab)
    words = WORDS[language]
    panel = tab.page.locator("#schedule-panel")
    panel.wait_for(state="attached")
    assert panel.get_attribute("data-running") == "true" and panel.get_attribute("data-count") == "2"
    title = tab.page.locator(".schedule-card").inner_text()
    assert words["title"] in title

    def same() -> None:
        jobs = api_json(api, "/api/v1/schedule", {})["jobs"]
        shown = tab.page.eval_on_selector_all("#schedule-table tbody tr[data-job]", JOBS)
        want = [[j["job"], j["next_due"] or "", j["last_runs"][0]["status"] if j["last_runs"] else "",
                 j["last_runs"][0]["due"] if j["last_runs"] else ""] for j in jobs]
        _equal([s[:4] for s in shown], want, "jobs")
        push, weekly = (s[4] for s in shown)
        assert push[1] == words["alerts"] and push[2] == "* * * * * (Asia/Shanghai)" and push[3] == jobs[0]["next_due"]
        status = jobs[0]["last_runs"][0]["status"]
        assert push[4] == f"{words[status]} {jobs[0]['last_runs'][0]['due']}"
        assert weekly[3] == words["disabled"] and weekly[4] == words["never"]

    def same_or_reload() -> None:
        """The panel reads the schedule once; the every-minute job may run between the page's read and the API's:
        on a mismatch the page reads it again, and only an exact match passes."""
        try:
            same()
        except AssertionError:
            tab.page.reload()
            set_lang(tab, language)
            open_alerts_page(tab)
            tab.page.locator("#schedule-panel").wait_for(state="attached")
            raise

    eventually(tab, same_or_reload)
    screenshot(tab, f"alerts-schedule-{language}")
