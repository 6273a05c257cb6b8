"""Renders docs/metrics.md from the catalog (``python -m shoplens.metrics.docs``; a test keeps it current)."""

from __future__ import annotations

import sys

from shoplens.metrics.segment_scope import MIXED, segment_notes
from shoplens.metrics.spec import GROUPS, Catalog, load_catalog

INTRO = """# Metric catalog / 指标目录

Generated from `src/shoplens/metrics/catalog.yaml` by `make docs` — do not edit by hand.
Metric and dimension ids are a public contract. `shoplens metrics list` prints the same catalog,
`shoplens metrics explain ID` the SQL a query runs.

## How numbers are computed / 计算规则

- **Ratios** are computed from the summed numerator and denominator of the requested grain, never
  as an average of daily ratios. A division by 0 is null.
- **Distinct counts** (visitors, buyers) are exact (`COUNT(DISTINCT …)`).
- **Periods** are cut in the store's time zone; `--from/--to` are inclusive local dates; weeks start
  on Monday (`2026-W47`). Default range: the last 30 days with data.
- **Paid orders** have `paid_ts` or status paid/shipped/delivered (an order cancelled after payment
  still counts; its refund shows in refunds); they belong to the local day of `paid_ts`
  (`created_ts` when missing). Guest orders (no `user_id`) count in orders and GMV, not in buyers.
- **Missing data is null, not 0**: a store that imported only events has purchase events standing in
  for paid orders (buyers, orders, conversion) and null money; a store with only orders has null
  UV-based rates; a table never imported gives null metrics; periods before a store's first data
  day or after its last are null (e.g. a year-ago comparison that the data does not reach). A day
  with data but no orders has GMV 0. Cut by category/brand/product, each purchase event with a
  product is a line of its order: buyers and orders count per product bought (a buyer of two
  categories counts in each, so categories add up to more than the store, as visitors do); units
  and money stay null.
- **Money** is in the store's reporting currency (`*_rc`, converted at import); `--currency CUR`
  converts with `fx_rates` of each local day (`rate_to` of CUR into the store's currency).
- **Sessions** are `session_id`, or a 30-minute inactivity gap when the source has none.
- **Comparisons**: `previous` = the same number of days just before (whole calendar months shift by
  months); `wow` = 7 days earlier; `yoy` = one year earlier (52 weeks for a weekly grain).
  `<m>__<X>` is the comparison value, `<m>__<X>_change` = (value − comparison) / |comparison|,
  null when the comparison is 0 or null. Each period is compared with its own days shifted back
  (a 2-day edge week with 2 days); a dimension value present on one side only is 0 on the other
  for counts and amounts.
- **Sample sizes**: a ratio's `base` is the count metric of its denominator (conversion_rate: uv;
  on_time_delivery_rate: promised_parcels). The dashboard shows that count beside a rate resting on
  fewer than 30 cases and greys it (no good/bad colour), and colours a value against a benchmark
  only when it is more than 5 % worse than the benchmark (and, when the store's total is that far
  below as well, worse than the total).
- **Several stores**: visitors, buyers, orders and products are distinct per store (u1 of store A
  is not u1 of store B). A ratio over stores where only some have the data (e.g. UV of an
  orders-only store) mixes them: query such stores separately.
- **Stores in different currencies**: yuan are never added to dollars. Without `--currency`, a
  query whose metrics read money (GMV, AOV, refunds, ad spend, ROI, any ratio of amounts) is cut
  by `store` first, and each row carries `currency` (its store's reporting currency; the result's
  `currency` is null); metrics without money (visitors, orders, conversion) stay one total.
  `--currency CUR` converts every amount at its local day's rate and gives totals (`converted`:
  true). `--limit`/`--sort` rank rows within each currency.
- **Top N**: `--limit N` keeps the first N rows of each period after `--sort`; without `--sort`
  the rows are ranked by the first metric, largest first (the top N, whatever its good direction).
- **Targets** of counts and amounts are a store's totals: shown without dimensions or per store
  (`--by store`), not per channel, and not with `--currency`; ratio targets hold for every row.
- **Segments** (`--segment NAME`): every source about users keeps only the members' rows (events,
  sessions, orders and order lines, refunds, reviews, tickets, shipments). Ad spend, inventory and
  the product catalog have no users, so a metric reading them is **null** under a segment — whether
  it would mix the members with the whole store or is purely store-wide — with a note per metric in
  the result (`notes`: reason `mixed` / `store_wide`, the store-wide sources, zh/en text): no number
  in a segment's rows is about anyone but the members. The same in every `--by` row and in
  comparison values and changes; a query of only such metrics is refused. Run them without
  `--segment` for the store's value. Targets and benchmarks are store-level: a segment's rows carry none.
  Mixed: @MIXED@.
  Store-wide: @STORE@.
- **Hours**: ad spend, stock and period-end snapshots are daily: `--grain hour` refuses them.
- **GMV cut by category/brand/product** is the sum of the order lines (quantity × unit price in the
  reporting currency), since an order can mix products.
- **Visitor shares by channel type** count a visitor who came through several channels in each.
- **Product names**: rows cut by `product` carry `product_name` right after `product`, the `name` of
  `products` (a label, not a metric: not in the catalog; shown under `--segment` too). With `--by
  store,product` each row takes its own store's name; otherwise, when the query's stores (after
  `--where store=`) name one product id differently, the first of them in store-id order that has a
  name wins. Null (an empty CSV cell) when the catalog has no row or no name for it.

## Targets, benchmarks and settings / 目标与基准

`--config FILE`, `$SHOPLENS_CONFIG` or `./shoplens.yaml` (YAML) on top of the shipped examples
(`src/shoplens/metrics/defaults.yaml` — examples, not facts):

```yaml
settings:
  slow_moving_days: 30     # slow_moving_sku_share window (N)
  dormant_days: 180        # dormant_share window
targets:
  - {metric: gmv, value: 1500000, per: month}          # prorated by day for other grains
  - {metric: gmv, value: 2500000, per: month, store: demo, from: 2026-11-01, to: 2026-11-30}
  - {metric: conversion_rate, value: 0.04}              # ratios hold as they are
benchmarks:
  conversion_rate: 0.03
```

Rows then carry `<m>__target`, `<m>__attainment` (value / target; target / value when lower is
better) and `<m>__benchmark`.
"""


ATTRIBUTION = """## Channel of a visitor or buyer: two rules / 渠道归属：两种口径

The same words ("paid_search buyers", "organic visitors", "email conversion") count different people on the
metric pages and in the funnel breakdown; both are right, for different questions. The dashboard says which rule
a table uses (tooltip on the channel table and on the funnel's breakdown).

- **metrics** (`--by channel`; Overview, Traffic): a *visitor* of channel X is a distinct user with **any
  event** whose `channel` is X in the dates (`uv`); a *buyer* of X is a distinct user with a **paid order**
  whose own `channel` is X, paid in the dates (`paying_buyers`). Rows do not add up to the total: a user who
  came through two channels counts in both.
- **funnel breakdown** (`funnel --by channel`; Conversion): each user counts once, under the channel of the
  **first-step event** of the attempt the funnel counts (the furthest attempt, then the latest start); they
  *complete* when that attempt reaches the last step within the window, whatever channel the purchase came
  through. Rows add up to the total.

A visitor touching paid search and email in the month counts once in each metric row; in the funnel they count
once, under the channel of the product view that began the attempt they got furthest with. So on the demo store
(2026-10-17..11-15) paid_search has 24,789 visitors and 1,530 paying buyers in `metrics`, and 15,127 users entering
and 1,463 completing the funnel product_view → add_to_cart → purchase (14 days) by channel
(tests/test_attribution_rules.py rebuilds both with plain SQL).

同一个词（“付费搜索买家”“自然搜索访客”“邮件转化率”）在指标页与漏斗拆分中统计的人不同：指标按**任一行为的渠道**计访客、按**订单自身渠道**计买家，
一人可计入多个渠道；漏斗拆分按用户计入的那次尝试的**第一步事件的渠道**计，每人只计一次，各组相加等于总数。
"""


TRAFFIC = """## Platform reports instead of events (traffic_daily) / 平台报表代替行为事件

Sellers on Tmall, Taobao or Amazon get daily reports (生意参谋, Business Reports), not click events. Rows of
`traffic_daily` (visitors, page views, add-to-cart visitors, buyers, paid orders, paid amount per local day, optionally
per channel, product or device) answer the same metrics for a store that has no events:

- **One source per store, never mixed**: a store with any events answers `uv`, `pv`, add-to-cart and the visitor side
  of every rate from its events, and its `traffic_daily` rows are not read. A store without events answers them from
  `traffic_daily`. A store with neither orders nor events also takes GMV, paid orders and buyers from `traffic_daily`
  (`paid_amount_rc`, `paid_orders`, `buyers`); a store with orders keeps its orders (its conversion rate is then the
  orders' buyers over the report's visitors). The answer says which table each metric came from, per store:
  `"sources": {"s1": {"uv": "traffic_daily", "gmv": "orders", "uv_value": "orders+traffic_daily"}}` (a metric the
  store cannot answer has no entry).
- **`(all)` rows are totals**: without a cut, a query reads the rows whose channel, product and device are `(all)`;
  `--by channel` (or `--where channel=…`, `channel_type`) reads the per-channel rows, `--by device` the per-device rows,
  `--by product/category/brand` the per-product rows (category and brand through `products`). Per-channel rows are never
  added to the `(all)` row (a visitor of two channels is one visitor of the store). A cut the store's rows do not have
  (e.g. channel when the report only has devices, or country) is null, with a note `traffic_daily:<store>`.
- **Visitors of a longer period are summed daily visitors** (a visitor of two days counts twice), and so are add-to-cart
  visitors and buyers, **unless the store has a `week`/`month` row covering exactly that period**: a week row
  (`period=week`, `date` = its Monday) answers that ISO week and a month row that month (every column of that period
  from the row, not the days). In a longer range, each week or month row the range holds whole counts instead of
  that week's or month's day rows (whole, with its own distinct visitors; a week overlapping a month row that counts
  is left out), so a range equals the sum of its weeks; a week or month row cut by the range cannot be split and is
  left out (its days count where the report has them). The answer then carries the note
  `notes.traffic_daily` (`reason: summed_daily_visitors`, the metrics and stores, English and Chinese); daily answers
  have none. A store whose report has only week or month rows has no value for a single day (null).
- **Only events can answer** sessions, bounce, session duration, favourites, product views, cart-to-purchase,
  checkout abandonment, retention, funnels and paths: null for a store with only reports. Hours are not in a daily
  report (`--grain hour` gives no value from it), and a segment (`--segment`) restricts users, which aggregated rows do
  not have: null for such a store.

平台报表（生意参谋、亚马逊 Business Reports）导入 `traffic_daily` 后，
没有行为事件的店铺也能计算访客数、浏览量、加购率、支付转化率和 UV 价值；既无订单也无事件的店铺的成交额、
支付订单数和支付买家数同样取自报表。每个店铺只用一种来源：有事件就只用事件。结果中的 `sources` 说明每个指标来自哪张表。
`(all)` 行是合计，按渠道/设备/商品拆分时读取相应的明细行，绝不把明细与合计相加。超过一天的周期内，
访客数等去重人数是每日数值之和，除非报表给出恰好覆盖该周或该月的行（`notes.traffic_daily` 会说明）。
"""


def render(catalog: Catalog | None = None) -> str:
    catalog = catalog or load_catalog()
    notes = segment_notes(catalog, list(catalog.metrics), (), {})
    mixed = ", ".join(f"`{m}`" for m, n in notes.items() if n.reason == MIXED)
    store = ", ".join(f"`{m}`" for m, n in notes.items() if n.reason != MIXED)
    out = [INTRO.replace("@MIXED@", mixed).replace("@STORE@", store), ATTRIBUTION, TRAFFIC]
    out.append("## Dimensions / 维度\n\n| id | 中文 | English |\n|---|---|---|")
    out += [f"| `{d.id}` | {d.zh} | {d.en} |" for d in catalog.dimensions.values()]
    for group, (zh, en) in GROUPS.items():
        out.append(f"\n## {en} / {zh}\n\n| id | 名称 / name | unit · good | definition / 定义 | formula | dimensions |"
                   "\n|---|---|---|---|---|---|")
        for m in catalog.metrics.values():
            if m.group != group:
                continue
            dims = ", ".join(sorted(catalog.metric_dims(m.id)))
            out.append(f"| `{m.id}` | {m.zh} / {m.en} | {m.unit} · {m.good} | {m.def_en}<br>{m.def_zh} | "
                       f"`{m.formula.text}` | {dims} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
