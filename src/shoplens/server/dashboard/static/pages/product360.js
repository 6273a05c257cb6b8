// 商品360 Product 360: one SKU (the filter product=ID, e.g. a click in the product table): its KPI cards (sales,
// conversion, refunds, margin, stock, DSR), daily trend, traffic sources (the channel table cut to the product),
// its funnel (product_view → add_to_cart → purchase of this product, GET /funnel where=product_id=ID), stock facts
// and review / refund details (GET /products/{id}/detail). Everything through the REST API.
import { cached } from "../api.js";
import { chartCard, COLORS, lineChart, wideWidth } from "../charts.js";
import { funnelChart } from "../charts_extra.js";
import { fmtAxis, fmtDate, fmtDayShort, fmtInt, fmtMetric, fmtNumber, fmtPct } from "../format.js";
import { eventName, metricName, t, valueName } from "../i18n.js";
import { eventWhere, isOneDay, metricWhere, rangeParams, removeFilter, state } from "../state.js";
import { block, card, el, emptyState, note, tableCard } from "../ui.js";
import { emptyText, grainFor, kpiGrid, metricTable, queryMetrics } from "./common.js";

export const P360_KPIS = ["gmv", "paid_units", "uv", "conversion_rate", "add_to_cart_rate", "refund_rate",
  "gross_margin", "refund_amount", "stock_units", "inventory_turnover_days", "stockout_days", "dsr_description",
  "dsr_service", "dsr_logistics"];
const SOURCE_METRICS = ["uv", "add_to_cart_rate", "conversion_rate", "paid_units", "gmv"];
export const FUNNEL_STEPS = ["product_view", "add_to_cart", "purchase"];

export function productFilter() {
  const values = state.filters.filter((f) => f.dim === "product");
  return values.length === 1 ? values[0].value : null;
}

export async function render(page, ctx, sku) {
  const head = el("div", { class: "slot wide" });
  const kpis = el("div", { class: "slot wide" });
  const trend = el("div", { class: "slot wide" });
  const sources = el("div", { class: "slot wide" });
  const funnel = el("div", { class: "slot wide" });
  const detail = el("div", { class: "slot wide" });
  page.append(el("div", { class: "grid", id: "product-360", "data-product": sku }, head, kpis, trend, sources, funnel,
    detail));
  await Promise.all([
    block(head, () => header(sku, ctx), ctx),
    block(kpis, async () => card({ title: t("p360.kpis"), wide: true, body: await kpiGrid(P360_KPIS, { pick: "product360_kpis", ctx }) }), ctx),
    block(trend, () => trendCard(), ctx),
    block(sources, async () => (await metricTable({ title: t("p360.sources"), sub: t("p360.sourcesSub"),
      id: "product-channel-table", name: `product_${sku}_channels`, dim: "channel", ids: SOURCE_METRICS, ctx,
      pick: "product_channels", sort: "uv", empty: emptyText("events") })).node, ctx),
    block(funnel, () => funnelCard(sku), ctx),
    block(detail, () => detailCard(sku), ctx),
  ]);
}

async function header(sku, ctx) {
  const { data } = await queryMetrics(["gmv"], { by: ["product"] });
  const row = (data.rows || []).find((r) => r.product === sku) || {};
  const back = el("a", { href: "#", id: "product-360-back", class: "crumb", text: `‹ ${t("p360.back")}`,
    onclick: (ev) => { ev.preventDefault(); removeFilter("product"); ctx.navigate(); } });
  return card({ title: `${t("p360.title")} · ${row.product_name || sku}`, sub: sku, wide: true,
    body: el("nav", { class: "breadcrumbs" }, back) });
}

// The product's GMV over the range: by day (weeks beyond half a year), by hour for a one-day range (never one dot).
async function trendCard() {
  const hourly = isOneDay();
  const grain = hourly ? "hour" : grainFor(state.from, state.to);
  const { data } = await queryMetrics(["gmv", "uv"], { grain });
  const rows = data.rows || [];
  const labels = rows.map((r) => r.period);
  const fmtX = hourly ? (d, long) => (long ? d : String(d).slice(11, 16))
    : (d, long) => (long ? fmtDate(d) : fmtDayShort(d));
  const chart = labels.length
    ? lineChart({ labels, width: wideWidth(), label: t(hourly ? "p360.trendHourly" : "p360.trend"),
      series: [{ name: metricName("gmv"), values: rows.map((r) => r.gmv ?? null), color: COLORS.main }],
      fmtY: (v) => fmtAxis(v, "currency"), fmtTip: (v) => fmtMetric(v, "currency", data.currency), fmtX,
      why: { metric: "gmv", grain, currency: data.currency, where: metricWhere() } }) // the product's GMV: why of it
    : emptyState(emptyText("orders"));
  return chartCard({ title: t(hourly ? "p360.trendHourly" : "p360.trend"), sub: hourly ? state.from : metricName("gmv"),
    id: "product-trend", name: "product_trend", chart, wide: true,
    csv: () => ({ header: [hourly ? t("col.hour") : t("col.date"), metricName("gmv"), metricName("uv")],
      rows: rows.map((r) => [r.period, r.gmv, r.uv]) }) });
}

// The product's own funnel: every step is an event of this product (product_id on the event).
async function funnelCard(sku) {
  const { where } = eventWhere();
  const data = await cached("/funnel", { steps: FUNNEL_STEPS.join(","), window: "14d", mode: "ordered",
    ...rangeParams(), where: [...where, `product_id=${sku}`] });
  const steps = (data.steps || []).map((s) => ({ ...s, label: eventName(s.event) }));
  if (!steps.length || !steps[0].count) {
    return card({ title: t("p360.funnel"), body: emptyState(t("empty.rows")) });
  }
  const chart = funnelChart(steps, { fmtCount: fmtInt, fmtPct: (v) => fmtPct(v, 1), label: t("p360.funnel"),
    width: wideWidth(), gap: (s) => `↓ ${fmtPct(s.step_conversion, 1)}` });
  return el("div", { id: "product-funnel", "data-counts": steps.map((s) => s.count).join(",") },
    chartCard({ title: t("p360.funnel"), sub: t("p360.funnelSub"), id: "product-funnel-chart", name: "product_funnel",
      chart, csv: () => ({ header: ["step", "event", "count"], rows: steps.map((s) => [s.n, s.event, s.count]) }) }));
}

// Reviews (count, rating) and refunds (count, amount, reasons) of the product: GET /products/{id}/detail.
async function detailCard(sku) {
  const data = await cached(`/products/${encodeURIComponent(sku)}/detail`, rangeParams());
  const r = data.reviews || {};
  const f = data.refunds || {};
  const facts = el("dl", { class: "facts", id: "product-facts" },
    fact("reviews", t("p360.reviews"), fmtInt(r.count), r.count),
    fact("rating", t("p360.rating"), r.rating === null || r.rating === undefined ? "—" : fmtNumber(r.rating, 2), r.rating),
    fact("refunds", t("p360.refunds"), fmtInt(f.count), f.count),
    fact("refund-amount", t("p360.refundAmount"), fmtMetric(f.amount, "currency", data.currency), f.amount));
  const reasons = tableCard({ title: t("p360.reasons"), id: "product-refund-reasons", name: `product_${sku}_refunds`,
    wide: false, rows: f.reasons || [],
    columns: [
      { key: "reason", label: t("p360.reason"), text: (x) => valueName("refund_reason", x.reason), raw: (x) => x.reason },
      { key: "count", label: t("p360.refunds"), num: true, text: (x) => fmtInt(x.count), raw: (x) => x.count },
      { key: "amount", label: t("p360.refundAmount"), num: true, text: (x) => fmtMetric(x.amount, "currency", data.currency),
        raw: (x) => x.amount },
    ],
    rowAttrs: (x) => ({ "data-reason": x.reason }), total: { count: f.count, amount: f.amount } });
  const ratings = tableCard({ title: t("p360.ratings"), id: "product-ratings", name: `product_${sku}_ratings`,
    wide: false, rows: r.by_rating || [],
    columns: [
      { key: "rating", label: t("p360.stars"), num: true, text: (x) => "★".repeat(x.rating), raw: (x) => x.rating },
      { key: "count", label: t("p360.reviews"), num: true, text: (x) => fmtInt(x.count), raw: (x) => x.count },
    ],
    // the stars' total: rated reviews (a review without a rating counts in the review count above, not here)
    rowAttrs: (x) => ({ "data-rating": x.rating }),
    total: { count: (r.by_rating || []).reduce((n, x) => n + x.count, 0) } });
  return card({ title: t("p360.detail"), wide: true,
    body: el("div", {}, state.filters.length > 1 ? note(t("p360.detailAll"), "info") : null, facts,
      el("div", { class: "grid" }, ratings, reasons)) });
}

function fact(key, label, text, value) {
  return el("div", { class: "fact", "data-fact": key, "data-raw": value === null || value === undefined ? "" : String(value) },
    el("dt", { text: label }), el("dd", { text }));
}
