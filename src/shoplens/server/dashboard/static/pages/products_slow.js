// Slow movers (滞销款) with the stock they tie up: on-sale SKUs with no sale in the catalog's slow-moving window
// (slow_moving_sku_share = 1 for the SKU, N days to the range's end), their units on hand on the range's last day
// (stock_units of that day), the cash that stock ties up (stock_cost: units × the catalog's unit cost; "—" for a
// SKU without a cost) and, beside it, its value at the SKU's average selling price over all the store's data
// (GMV / paid units: what the stock would fetch at the prices it sold at; "—" for a SKU never sold). Sorted by the
// cost, then by that value.
import { fmtCurrency, fmtInt } from "../format.js";
import { t } from "../i18n.js";
import { dataRange, hasMetric, state, storeInfo } from "../state.js";
import { emptyState, tableCard } from "../ui.js";
import { queryMetrics } from "./common.js";
import { productCell } from "./products_util.js";

export async function slowPanel() {
  if (!["slow_moving_sku_share", "stock_units", "gmv", "paid_units"].every(hasMetric)) return null;
  const end = state.to;
  const { min } = dataRange(storeInfo());
  const costed = hasMetric("stock_cost"); // a server without the metric: the value at selling price alone
  const [now, all] = await Promise.all([
    queryMetrics(["slow_moving_sku_share", "stock_units", ...(costed ? ["stock_cost"] : [])],
      { by: ["product"], from: end, to: end }),
    queryMetrics(["gmv", "paid_units"], { by: ["product"], from: min || state.from, to: end }),
  ]);
  const price = new Map((all.data.rows || []).filter((r) => r.paid_units > 0).map((r) => [r.product, r.gmv / r.paid_units]));
  const currency = now.data.currency || all.data.currency;
  const rows = (now.data.rows || []).filter((r) => r.slow_moving_sku_share === 1).map((r) => {
    const p = price.get(r.product);
    const onHand = r.stock_units ?? null;
    return { ...r, stock_cost: r.stock_cost ?? null, avg_price: p ?? null,
      stock_value: p !== undefined && onHand !== null ? onHand * p : null };
  }).sort((a, b) => (b.stock_cost ?? -1) - (a.stock_cost ?? -1) || (b.stock_value ?? -1) - (a.stock_value ?? -1)
    || (b.stock_units ?? 0) - (a.stock_units ?? 0) || String(a.product).localeCompare(String(b.product)));
  const total = rows.reduce((s, r) => s + (r.stock_value || 0), 0);
  const cost = rows.reduce((s, r) => s + (r.stock_cost || 0), 0);
  const columns = [
    { key: "product", label: t("pr.product"), node: (r) => productCell(r.product, r.product_name), raw: (r) => r.product,
      csv: [{ label: t("pr.productId"), raw: (r) => r.product }, { label: t("pr.productName"), raw: (r) => r.product_name }] },
    { key: "stock_units", label: t("ps.onHand"), num: true, text: (r) => fmtInt(r.stock_units), raw: (r) => r.stock_units },
    ...(costed ? [{ key: "stock_cost", label: t("ps.stockCost"), num: true,
      text: (r) => fmtCurrency(r.stock_cost, currency), raw: (r) => r.stock_cost }] : []),
    { key: "avg_price", label: t("ps.avgPrice"), num: true, text: (r) => fmtCurrency(r.avg_price, currency),
      raw: (r) => r.avg_price },
    { key: "stock_value", label: t("ps.stockValue"), num: true, text: (r) => fmtCurrency(r.stock_value, currency),
      raw: (r) => r.stock_value },
  ];
  const node = tableCard({ title: t("ps.title"), id: "slow-table", name: "slow_movers", columns, rows,
    noTotal: "a list of cases: their number and stock value are in the title",
    sub: costed && rows.some((r) => r.stock_cost !== null) // no unit costs: the value at selling price alone
      ? t("ps.sub", { n: rows.length, cost: fmtCurrency(cost, currency), value: fmtCurrency(total, currency) })
      : t("ps.subPrice", { n: rows.length, value: fmtCurrency(total, currency) }),
    rowAttrs: (r) => ({ "data-product": r.product, "data-cost": r.stock_cost ?? "", "data-value": r.stock_value ?? "" }),
    empty: emptyState(t("ps.none")) });
  node.id = "slow-card";
  node.dataset.skus = String(rows.length);
  node.dataset.cost = String(cost);
  node.dataset.value = String(total);
  return node;
}
