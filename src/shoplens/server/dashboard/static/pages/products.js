// 商品 Products: the product KPIs (cards: what the filters allow, one note for the rest), the category hierarchy
// (category → brand → product table + GMV bars with breadcrumbs, drill.js), and the top products by GMV with
// their per-SKU stock facts (units on hand, days of cover, stock-out days) and GMV rank with its change. A click on
// a product opens its product 360 view (the filter product=ID, pages/product360.js).
// Issue #16's panels come first, one module each: ABC Pareto (products_abc.js), role quadrant (products_roles.js),
// stock risks and the reorder list (products_stock.js), demand forecast (products_forecast.js), new-product trials
// (products_trial.js), slow movers with their stock value (products_slow.js). A panel whose analysis route the
// server lacks is left out; ABC and roles read the page's dates, the others are "as of" the range's last day.
// The analyses (ABC, roles, reorder, forecast, trials) can take seconds on a cold server: the page is ready
// (#page[data-ready]) without waiting for them, and says when they are all shown (#page[data-panels-ready]).
import { barChart, chartCard, COLORS, wideWidth } from "../charts.js";
import { breadcrumbs, drillInto, drillLevel, parentAttrs } from "../drill.js";
import { fmtInt, fmtMetric } from "../format.js";
import { dimName, metricName, t, valueName } from "../i18n.js";
import { compareParam, hasData, state, storeInfo } from "../state.js";
import { block, card, el, emptyState } from "../ui.js";
import { emptyText, groupIds, kpiGrid, metricTable, queryMetrics } from "./common.js";
import * as product360 from "./product360.js";
import { abcPanel, loadAbc } from "./products_abc.js";
import { forecastPanel } from "./products_forecast.js";
import { loadRoles, rolesPanel } from "./products_roles.js";
import { slowPanel } from "./products_slow.js";
import { loadReplenish, stockPanel } from "./products_stock.js";
import { loadTrial, trialPanel } from "./products_trial.js";

const SALES = ["gmv", "paid_units", "uv", "conversion_rate", "add_to_cart_rate", "refund_rate", "gross_margin"];
// per SKU: stock facts, not the store-level ratios of the product group (sku_count, sell-through, shares)
export const STOCK = ["stock_units", "inventory_turnover_days", "stockout_days"];

export async function render(page, ctx) {
  const sku = product360.productFilter();
  if (sku) return product360.render(page, ctx, sku);
  const kpis = el("div", { class: "slot wide" });
  const ops = ["abc", "roles", "reorder", "forecast", "trial", "slow"].map((id) => el("div", { class: "slot wide", "data-slot": id }));
  const [abc, roles, reorder, forecast, trial, slow] = ops;
  const chart = el("div", { class: "slot wide" });
  const categories = el("div", { class: "slot wide" });
  const products = el("div", { class: "slot wide" });
  if (!hasData(storeInfo(), "products")) page.append(emptyState(t("empty.products", { store: state.store })));
  page.append(el("div", { class: "grid" }, kpis, ...ops, chart, categories, products));
  const abcData = loadAbc().catch(() => null); // the forecast's SKU picker searches the ABC list
  const panels = Promise.all([
    block(abc, async () => abcPanel(await loadAbc(), ctx), ctx),
    block(roles, async () => rolesPanel(await loadRoles(), ctx), ctx),
    block(reorder, async () => stockPanel(await loadReplenish()), ctx),
    block(forecast, async () => forecastPanel(await abcData, ctx), ctx),
    block(trial, async () => trialPanel(await loadTrial()), ctx),
  ]).then(() => {
    if (!ctx.alive()) return;
    for (const slot of ops) if (!slot.firstChild) slot.remove(); // a panel without its route: nothing shown
    page.setAttribute("data-panels-ready", "true");
  });
  panels.catch((exc) => console.error(exc));
  await Promise.all([
    block(kpis, () => kpiBlock(ctx), ctx),
    block(slow, () => slowPanel(), ctx),
    block(categories, async () => {
      const level = drillLevel("category");
      const { node, rows, data } = await metricTable({ title: t(`drill.title.${level}`), sub: t("pr.categoriesSub"),
        id: "category-table", name: `products_by_${level}`, dim: level,
        ids: [...SALES, ...(level === "product" ? STOCK : groupIds(["product"], level))], ctx, drill: true,
        attrs: parentAttrs("category"), sort: "gmv", also: ["gmv"], // also: the GMV bars beside the table
        limit: level === "product" ? 200 : undefined,
        empty: emptyText("orders") });
      node.querySelector(".card-body").prepend(breadcrumbs("category", ctx));
      await block(chart, async () => categoryChart(rows, data, ctx, level), ctx);
      return node;
    }, ctx),
    block(products, () => productTable(ctx), ctx),
  ]);
  if (!slow.firstChild) slow.remove();
  return null;
}

async function kpiBlock(ctx) {
  return card({ title: t("page.products"), wide: true,
    body: await kpiGrid([...SALES, ...groupIds(["product"])], { pick: "product_kpis", ctx }) });
}

// GMV rank among the products sold in the period (1 = most GMV; ties share a rank) and in the comparison period.
export function ranks(rows, key) {
  const values = rows.map((r) => r[key]).filter((v) => typeof v === "number" && v > 0);
  const rank = new Map();
  for (const r of rows) {
    const v = r[key];
    if (typeof v === "number" && v > 0) rank.set(r.product, 1 + values.filter((x) => x > v).length);
  }
  return rank;
}

async function productTable(ctx) {
  const cmp = compareParam();
  const all = await queryMetrics(["gmv"], { by: ["product"], compare: cmp });
  const now = ranks(all.data.rows || [], "gmv");
  const before = cmp ? ranks(all.data.rows || [], `gmv__${cmp}`) : new Map();
  const rankCol = { key: "gmv_rank", label: t("pr.rank"), num: true, title: t("pr.rankTip"),
    text: (r) => (now.has(r.product) ? `#${now.get(r.product)}` : "—"), raw: (r) => now.get(r.product) ?? null };
  const moveCol = { key: "gmv_rank_change", label: t("pr.rankChange"), num: true, title: t("pr.rankChangeTip"),
    node: (r) => rankMove(now.get(r.product), before.get(r.product)),
    raw: (r) => (now.has(r.product) && before.has(r.product) ? before.get(r.product) - now.get(r.product) : null) };
  const { node } = await metricTable({ title: t("pr.products"), sub: t("pr.productsSub"), id: "product-table",
    name: "products", dim: "product", ids: [...SALES, ...STOCK], ctx, drill: true, sort: "gmv", limit: 50,
    more: cmp ? [rankCol, moveCol] : [rankCol], empty: emptyText("orders") });
  return node;
}

function rankMove(now, before) {
  if (now === undefined) return el("span", { class: "muted", text: "—" });
  if (before === undefined) return el("span", { class: "rank-move new", "data-raw": "", text: t("pr.rankNew") });
  const d = before - now;
  return el("span", { class: `rank-move ${d > 0 ? "good" : d < 0 ? "bad" : "flat"}`, "data-raw": String(d),
    title: t("pr.rankWas", { n: before }), text: d > 0 ? `▲${fmtInt(d)}` : d < 0 ? `▼${fmtInt(-d)}` : "=" });
}

function categoryChart(rows, data, ctx, dim) {
  const sorted = [...rows].sort((a, b) => (b.gmv ?? 0) - (a.gmv ?? 0)).slice(0, 30);
  const click = drillInto("category", ctx);
  const label = (r) => (dim === "product" ? r.product_name || r.product : valueName(dim, r[dim]));
  const chart = sorted.length && "gmv" in (sorted[0] || {})
    ? barChart({ rows: sorted, label, key: (r) => r[dim], dataAttr: dim, title: t("pr.categoryChart"),
      width: wideWidth(),
      series: [{ key: "gmv", name: metricName("gmv"), color: COLORS.main, fmt: (v) => fmtMetric(v, "currency", data.currency) }],
      onClick: click })
    : emptyState(emptyText("orders"));
  return chartCard({ title: `${metricName("gmv")} · ${dimName(dim)}`, sub: click ? t("ctl.drill") : null,
    id: "category-chart", name: `${dim}_gmv`, chart, wide: true,
    csv: () => ({ header: [dimName(dim), metricName("gmv")], rows: sorted.map((r) => [r[dim], r.gmv]) }) });
}
