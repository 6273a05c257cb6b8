// Stock risks and the reorder list (GET /replenish as of the range's last day): the SKUs to reorder now first,
// then by days of cover (the soonest stock-out first); the CSV button downloads the route's own CSV
// (format=csv), the buyer's file, rather than a copy of the table.
import { apiUrl } from "../api.js";
import { fmtDate, fmtInt, fmtNumber } from "../format.js";
import { t } from "../i18n.js";
import { badge, asOfOf, optional, productCell } from "./products_util.js";
import { card, dataTable, download, el, emptyState } from "../ui.js";

export const loadReplenish = () => optional("/replenish", asOfOf());

export function reorderOrder(items) {
  const cover = (r) => (typeof r.days_of_cover === "number" ? r.days_of_cover : Infinity);
  return [...items].sort((a, b) => Number(Boolean(b.reorder_now)) - Number(Boolean(a.reorder_now))
    || cover(a) - cover(b) || String(a.product_id).localeCompare(String(b.product_id)));
}

export function stockPanel(data) {
  if (!data) return null;
  const rows = reorderOrder(data.items || []);
  const now = rows.filter((r) => r.reorder_now).length;
  const columns = [
    { key: "product_id", label: t("pr.product"), node: (r) => productCell(r.product_id, r.name) },
    { key: "reorder_now", label: t("pk.now"), node: (r) => (r.reorder_now ? badge("reorder", "now", t("pk.nowBadge")) : "") },
    { key: "on_hand", label: t("pk.onHand"), num: true, text: (r) => fmtInt(r.on_hand) },
    { key: "in_transit", label: t("pk.inTransit"), num: true, text: (r) => fmtInt(r.in_transit) },
    { key: "daily_demand", label: t("pk.demand"), num: true, text: (r) => fmtNumber(r.daily_demand, 2) },
    { key: "reorder_point", label: t("pk.rop"), num: true, text: (r) => fmtNumber(r.reorder_point, 1) },
    { key: "order_qty", label: t("pk.qty"), num: true, text: (r) => fmtInt(r.order_qty) },
    { key: "days_of_cover", label: t("pk.cover"), num: true, text: (r) => fmtNumber(r.days_of_cover, 1) },
    { key: "stockout_date", label: t("pk.stockout"), text: (r) => (r.stockout_date ? fmtDate(r.stockout_date) : "—"),
      sort: (r) => r.stockout_date || "" },
  ];
  const exportButton = el("button", { type: "button", class: "export-csv small", id: "reorder-csv", "data-for": "reorder-table",
    "data-name": "replenish", onclick: async () => {
      const res = await fetch(apiUrl("/replenish", { ...asOfOf(), format: "csv" }), { credentials: "same-origin" });
      if (res.ok) download("replenish.csv", await res.blob());
    } }, t("export.csv"));
  const body = rows.length
    ? el("div", { class: "table-wrap" }, dataTable({ id: "reorder-table", columns, rows,
      noTotal: "a reorder list: units of different SKUs do not add up; the number to reorder now is in the title",
      rowAttrs: (r) => ({ "data-product": r.product_id, "data-reorder": String(Boolean(r.reorder_now)) }) }))
    : emptyState(t("pk.none"));
  const node = card({ title: t("pk.title"), sub: t("pk.sub", { n: now, total: rows.length }), wide: true,
    actions: [exportButton], body });
  node.id = "reorder-card";
  node.dataset.now = String(now);
  return node;
}
