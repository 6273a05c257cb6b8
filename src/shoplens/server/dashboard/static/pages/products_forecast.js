// The demand forecast of one SKU (GET /forecast, weekly, 8 weeks, as of the range's last day, with its backtest):
// the weekly units sold before (GET /metrics paid_units by week for that product, the 26 weeks to the range's end),
// the forecast with its 80 % and 95 % bands, the method chosen and its backtest WAPE against the naive forecast's.
// The SKU picker searches the ABC list (name or id); the first pick is the top SKU.
import { chartCard, wideWidth } from "../charts.js";
import { forecastChart } from "../charts_products.js";
import { fmtDayShort, fmtInt, fmtNumber, fmtPct } from "../format.js";
import { t } from "../i18n.js";
import { state } from "../state.js";
import { el, emptyState } from "../ui.js";
import { queryMetrics } from "./common.js";
import { asOfOf, optional, words } from "./products_util.js";

let sku = null; // the SKU picked (kept while the page is re-rendered)
const WEEKS = 26;

export async function forecastPanel(abc, ctx) {
  const products = (abc && abc.products) || [];
  const known = new Set(products.map((p) => p.product_id));
  if (!sku || (products.length && !known.has(sku))) sku = products.length ? products[0].product_id : null;
  if (!sku) return null;
  const data = await optional("/forecast", { ...asOfOf(), product: sku, grain: "week", horizon: 8, backtest: true });
  if (!data) return null;
  const item = (data.products || []).find((p) => p.product_id === sku) || (data.products || [])[0];
  const start = new Date(`${state.to}T00:00:00Z`);
  start.setUTCDate(start.getUTCDate() - WEEKS * 7 + 1);
  const past = await queryMetrics(["paid_units"], { grain: "week", from: start.toISOString().slice(0, 10),
    where: [`product=${sku}`] });
  const history = (past.data.rows || []).map((r) => ({ period: weekStart(r.period), value: r.paid_units ?? 0 }));
  const picker = skuPicker(products, ctx);
  const name = (products.find((p) => p.product_id === sku) || {}).name || sku;
  const forecast = (item && item.forecast) || [];
  const chart = forecast.length ? forecastChart({ history, forecast, label: t("pf.title"), width: wideWidth(), fmtY: (v) => fmtNumber(v, 0),
    fmtX: fmtDayShort, names: { history: t("pf.history"), forecast: t("pf.forecast"), band80: t("pf.band80"), band95: t("pf.band95") } })
    : emptyState(t("pf.none"));
  const bt = (item && item.backtest) || {};
  const facts = el("div", { class: "forecast-facts", id: "forecast-facts", "data-product": sku,
    "data-method": item ? item.method : "", "data-wape": bt.wape ?? "", "data-naive-wape": bt.naive_wape ?? "" },
  el("span", {}, `${t("pf.sku")}: `, el("strong", { class: "product-cell", text: name })),
  el("span", {}, `${t("pf.method")}: `, el("code", { text: item ? item.method : "—" })),
  el("span", { text: `${t("pf.wape")}: ${fmtPct(bt.wape)} · ${t("pf.naive")}: ${fmtPct(bt.naive_wape)}` }),
  typeof bt.wape === "number" && typeof bt.naive_wape === "number"
    ? el("span", { class: bt.wape < bt.naive_wape ? "good" : "bad", text: bt.wape < bt.naive_wape ? t("pf.beats") : t("pf.loses") }) : null,
  // the analysis's notes (e.g. too little history for a backtest) in the page's language
  ...Object.values(data.notes || {}).filter((n) => n && (n.en || n.zh) && (!n.products || n.products.includes(sku)))
    .map((n) => el("span", { class: "muted forecast-note", text: words(n) })));
  const node = chartCard({ title: t("pf.title"), sub: t("pf.sub", { h: fmtInt(data.horizon ?? 8), asOf: data.as_of || state.to }),
    id: "forecast-chart", name: `forecast_${sku}`, chart, wide: true, extra: [picker],
    csv: () => ({ header: [t("pf.period"), t("pf.forecast"), "lo80", "hi80", "lo95", "hi95"],
      rows: forecast.map((p) => [p.period, p.value, p.lo80, p.hi80, p.lo95, p.hi95]) }) });
  node.querySelector(".card-body").prepend(facts);
  node.id = "forecast-card";
  return node;
}

// A week of the metrics API ("2026-W21", ISO weeks) as its Monday, the form of the forecast's periods.
export function weekStart(period) {
  const m = /^(\d{4})-W(\d{2})$/.exec(String(period));
  if (!m) return period;
  const jan4 = new Date(Date.UTC(Number(m[1]), 0, 4));
  const monday = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86_400_000);
  monday.setUTCDate(monday.getUTCDate() + (Number(m[2]) - 1) * 7);
  return monday.toISOString().slice(0, 10);
}

function skuPicker(products, ctx) {
  const list = el("datalist", { id: "forecast-skus" }, products.map((p) => el("option", { value: p.product_id, label: p.name || "" })));
  const input = el("input", { id: "forecast-sku", type: "search", list: "forecast-skus", value: sku, "aria-label": t("pf.pick"),
    placeholder: t("pf.pick"), autocomplete: "off", onchange: (ev) => {
      const text = ev.target.value.trim();
      const hit = products.find((p) => p.product_id === text)
        || products.find((p) => (p.name || "").toLowerCase().includes(text.toLowerCase()));
      if (hit && hit.product_id !== sku) { sku = hit.product_id; ctx.navigate(); }
    } });
  return el("span", { class: "forecast-picker" }, input, list);
}
