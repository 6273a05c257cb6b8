"""One meaning per label (#14): the channel of a visitor or buyer follows two documented rules
(docs/metrics.md, "Channel of a visitor or buyer"), rebuilt here with plain SQL on the demo store.

- metrics (Overview, Traffic): uv of channel X = distinct users with any event of X in the dates;
  paying_buyers of X = distinct users with a paid order whose own channel is X, paid in the dates.
- funnel breakdown (Conversion): each user once, under the channel of the first-step event of the
  counted attempt (furthest level, then latest start; ties at one instant: the lowest channel id);
  completing = that attempt reaching the last step within the window.

Both rules reproduce the numbers the engine gives, and they differ (so a page must say which it uses).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

import shoplens
from shoplens.analyses.funnel import funnel
from shoplens.metrics import MetricsEngine

FROM, TO = date(2026, 10, 17), date(2026, 11, 15)  # the demo's last 30 days (the dashboard's default range)
LOCAL = "CAST(timezone('Asia/Shanghai', timezone('UTC', {ts})) AS DATE)"  # the demo store's days
IN_RANGE = f"BETWEEN DATE '{FROM}' AND DATE '{TO}'"
PAID = "(paid_ts IS NOT NULL OR status IN ('paid', 'shipped', 'delivered'))"

METRIC_SQL = {
    "uv": f"SELECT channel, count(DISTINCT user_id) FROM events WHERE {LOCAL.format(ts='ts')} {IN_RANGE} GROUP BY 1",
    "paying_buyers": f"SELECT channel, count(DISTINCT user_id) FROM orders WHERE {PAID} AND user_id IS NOT NULL"
                     f" AND {LOCAL.format(ts='coalesce(paid_ts, created_ts)')} {IN_RANGE} GROUP BY 1",
}
# product_view -> add_to_cart -> purchase, ordered, 14 days: every start, the first cart after it in the window, the
# first purchase after that cart in the window; the user's attempt = furthest, then latest start
FUNNEL_SQL = f"""
WITH s AS (SELECT user_id, ts AS t1, channel FROM events WHERE event = 'product_view' AND user_id IS NOT NULL
           AND {LOCAL.format(ts='ts')} {IN_RANGE}),
c AS (SELECT user_id, ts FROM events WHERE event = 'add_to_cart'),
p AS (SELECT user_id, ts FROM events WHERE event = 'purchase'),
a2 AS (SELECT s.user_id, s.t1, s.channel, min(c.ts) AS t2 FROM s LEFT JOIN c ON s.user_id = c.user_id
       AND c.ts >= s.t1 AND c.ts <= s.t1 + INTERVAL 14 DAY GROUP BY ALL),
a3 AS (SELECT a2.*, min(p.ts) AS t3 FROM a2 LEFT JOIN p ON a2.user_id = p.user_id AND p.ts >= a2.t2
       AND p.ts <= a2.t1 + INTERVAL 14 DAY GROUP BY ALL),
pick AS (SELECT *, 1 + (t2 IS NOT NULL)::INT + (t3 IS NOT NULL)::INT AS level FROM a3
         QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY level DESC, t1 DESC, channel) = 1)
SELECT channel, count(*), count(*) FILTER (WHERE level = 3) FROM pick GROUP BY 1
"""


@pytest.fixture(scope="module")
def answers(demo_db: Path) -> dict[str, Any]:
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        sql = {k: dict(con.execute(q).fetchall()) for k, q in METRIC_SQL.items()}
        sql["funnel"] = {ch: (n, done) for ch, n, done in con.execute(FUNNEL_SQL).fetchall()}
    finally:
        con.close()
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        rows = MetricsEngine(wh).query(["uv", "paying_buyers"], by=["channel"], start=FROM, end=TO,
                                       targets=False).rows
        result = funnel(wh, "product_view,add_to_cart,purchase", window="14d", by="channel", start=FROM, end=TO)
    engine = {"metrics": {r["channel"]: (r["uv"], r["paying_buyers"]) for r in rows},
              "funnel": {g.value: (g.steps[0].count, g.steps[-1].count) for g in result.breakdown["groups"]},
              "funnel_total": (result.steps[0].count, result.steps[-1].count)}
    return {"sql": sql, "engine": engine}


def test_metric_rule_reproduces_overview_and_traffic(answers: dict[str, Any]) -> None:
    sql, got = answers["sql"], answers["engine"]["metrics"]
    assert got == {ch: (sql["uv"][ch], sql["paying_buyers"].get(ch, 0)) for ch in sql["uv"] if ch is not None}


def test_funnel_rule_reproduces_the_breakdown(answers: dict[str, Any]) -> None:
    sql, got = answers["sql"]["funnel"], answers["engine"]["funnel"]
    assert got == sql
    assert tuple(map(sum, zip(*got.values(), strict=True))) == answers["engine"]["funnel_total"]  # groups add up


def test_the_two_rules_differ_as_the_pages_say(answers: dict[str, Any]) -> None:
    """What the issue saw: the same channel, two numbers; the metric rows overlap (sum > distinct users)."""
    metrics, funnel_rows = answers["engine"]["metrics"], answers["engine"]["funnel"]
    for channel in ("paid_search", "organic_search", "email"):
        assert metrics[channel][0] != funnel_rows[channel][0] and metrics[channel][1] != funnel_rows[channel][1]
    assert sum(v[0] for v in metrics.values()) > answers["engine"]["funnel_total"][0]


def test_the_rule_is_documented_and_shown() -> None:
    root = Path(__file__).resolve().parents[1]
    docs = (root / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert "## Channel of a visitor or buyer: two rules" in docs and "first-step event" in docs
    text = (root / "src/shoplens/server/dashboard/static/i18n.js").read_text(encoding="utf-8")
    assert '"rule.funnelBy"' in text and '"rule.channelTable"' in text
    pages = root / "src/shoplens/server/dashboard/static/pages"
    assert 't("rule.funnelBy")' in (pages / "conversion.js").read_text(encoding="utf-8")
    assert 'ruleHint("rule.channelTable")' in (pages / "traffic.js").read_text(encoding="utf-8")
