// 商品 Products: the catalog's product KPIs (cards), categories (table + GMV bars, click to drill) and the top
// products by GMV with their conversion, refund and inventory metrics.
import { barChart, chartCard, COLORS, wideWidth } from "../charts.js";
import { fmtMetric } from "../format.js";
import { dimName, metricName, t, valueName } from "../i18n.js";
import { hasData, setFilter, state, storeInfo } from "../state.js";
import { block, card, el, emptyState } from "../ui.js";
import { emptyText, groupIds, kpiGrid, metricTable } from "./common.js";

const SALES = ["gmv", "paid_units", "uv", "conversion_rate", "add_to_cart_rate", "refund_rate", "gross_margin"];

export async function render(page, ctx) {
  const kpis = el("div", { class: "slot wide" });
  const chart = el("div", { class: "slot wide" });
  const categories = el("div", { class: "slot wide" });
  const products = el("div", { class: "slot wide" });
  if (!hasData(storeInfo(), "products")) page.append(emptyState(t("empty.products", { store: state.store })));
  page.append(el("div", { class: "grid" }, kpis, chart, categories, products));
  const productKpis = groupIds(["product"]);
  await Promise.all([
    block(kpis, async () => card({ title: t("page.products"), wide: true, body: await kpiGrid(productKpis, { pick: "product_kpis", ctx }) }), ctx),
    block(categories, async () => {
      const { node, rows, data } = await metricTable({ title: t("pr.categories"), sub: t("pr.categoriesSub"),
        id: "category-table", name: "categories", dim: "category", ids: [...SALES, ...groupIds(["product"], "category")],
        ctx, drill: true, empty: emptyText("orders") });
      await block(chart, async () => categoryChart(rows, data, ctx), ctx);
      return node;
    }, ctx),
    block(products, async () => (await metricTable({ title: t("pr.products"), id: "product-table", name: "products",
      dim: "product", ids: [...SALES, ...groupIds(["product"], "product")], ctx, sort: "gmv", limit: 50,
      empty: emptyText("orders") })).node, ctx),
  ]);
}

function categoryChart(rows, data, ctx) {
  const sorted = [...rows].sort((a, b) => (b.gmv ?? 0) - (a.gmv ?? 0));
  const drill = !state.filters.some((f) => f.dim === "category");
  const chart = sorted.length && "gmv" in (sorted[0] || {})
    ? barChart({ rows: sorted, label: (r) => valueName("category", r.category), key: (r) => r.category,
      dataAttr: "category", title: t("pr.categoryChart"),
      width: wideWidth(),
      series: [{ key: "gmv", name: metricName("gmv"), color: COLORS.main, fmt: (v) => fmtMetric(v, "currency", data.currency) }],
      onClick: drill ? (r) => { setFilter("category", r.category); ctx.navigate(); } : null })
    : emptyState(emptyText("orders"));
  return chartCard({ title: t("pr.categoryChart"), sub: drill ? t("ctl.drill") : null, id: "category-chart",
    name: "category_gmv", chart, wide: true,
    csv: () => ({ header: [dimName("category"), metricName("gmv")], rows: sorted.map((r) => [r.category, r.gmv]) }) });
}
