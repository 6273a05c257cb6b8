// ABC (GET /products/abc for the page's dates): the Pareto chart (value by rank, bars coloured by class, the
// cumulative share with the thresholds) and one card per class: SKUs, value, share of value, and the SKUs that
// moved into the class since the previous period of the same length (previous_class, null = no previous class).
import { chartCard, wideWidth } from "../charts.js";
import { CLASS_COLORS, paretoChart } from "../charts_products.js";
import { fmtCurrency, fmtInt, fmtNumber, fmtPct } from "../format.js";
import { t } from "../i18n.js";
import { storeInfo } from "../state.js";
import { el } from "../ui.js";
import { optional, rangeOf } from "./products_util.js";

export const ABC_BY = ["gmv", "units", "margin"];
let by = "gmv"; // the measure picked in the card (kept while the page is re-rendered)

export const loadAbc = () => optional("/products/abc", { ...rangeOf(), by });

function fmtValue(v, currency) {
  return by === "units" ? fmtInt(v) : currency ? fmtCurrency(v, currency, 0) : fmtNumber(v, 0);
}

export function abcPanel(data, ctx) {
  if (!data) return null;
  const products = data.products || [];
  const currency = data.currency || (storeInfo() || {}).reporting_currency || null;
  const select = el("select", { id: "abc-by", "aria-label": t("pa.by"), onchange: (ev) => { by = ev.target.value; ctx.navigate(); } },
    ABC_BY.map((v) => el("option", { value: v, selected: v === by, text: t(`pa.by.${v}`) })));
  const cards = el("div", { class: "abc-classes", id: "abc-classes" }, ["A", "B", "C"].map((k) => classCard(k, data, currency)));
  const chart = paretoChart({ products, thresholds: data.thresholds || [], label: t("pa.title"), width: wideWidth(),
    fmtValue: (v) => fmtValue(v, currency), fmtPct: (v) => fmtPct(v, 0) });
  const node = chartCard({ title: t("pa.title"), sub: t("pa.sub", { a: fmtPct(data.thresholds[0], 0), b: fmtPct(data.thresholds[1], 0) }),
    id: "abc-chart", name: `abc_${by}`, chart, wide: true, extra: [select],
    csv: () => ({ header: [t("pr.productId"), t("pr.productName"), t(`pa.by.${by}`), t("pa.share"), t("pa.cumulative"),
      t("pa.class"), t("pa.previous")],
    rows: products.map((p) => [p.product_id, p.name, p.value, p.share, p.cumulative_share, p.class, p.previous_class]) }) });
  node.querySelector(".card-body").prepend(cards);
  node.id = "abc-card";
  node.dataset.by = by;
  return node;
}

function classCard(k, data, currency) {
  const c = (data.classes || {})[k] || { skus: 0, value: 0, share: 0 };
  const mine = (data.products || []).filter((p) => p.class === k);
  const moved = mine.filter((p) => p.previous_class && p.previous_class !== k);
  const up = moved.filter((p) => p.previous_class > k).length; // from a lower class (B → A)
  const down = moved.length - up;
  const fresh = mine.filter((p) => !p.previous_class).length;
  const box = el("div", { class: "abc-class", "data-class": k, "data-skus": c.skus, "data-value": c.value, "data-share": c.share },
    el("div", { class: "abc-class-head" }, el("span", { class: "abc-swatch" }), el("strong", { text: t("pa.classN", { k }) })),
    el("div", { class: "abc-skus", text: t("pa.skus", { n: fmtInt(c.skus) }) }),
    el("div", { class: "abc-value", text: `${fmtValue(c.value, currency)} · ${fmtPct(c.share, 1)}` }),
    el("div", { class: "abc-moves muted", "data-up": up, "data-down": down, "data-new": fresh,
      text: t("pa.moves", { up, down, fresh }) }));
  box.querySelector(".abc-swatch").style.background = CLASS_COLORS[k];
  return box;
}
