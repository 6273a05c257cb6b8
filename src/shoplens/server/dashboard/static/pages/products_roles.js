// Product roles (GET /products/roles for the page's dates): the count per role, the quadrant (x: product-page
// visitors against the category's median, y: conversion against the category's median, both as factors on log2
// scales, 1 = the median; colour by role) with a role filter, and each SKU's reason in the page's language.
// An orders-only store (no product views) gets a note instead of the quadrant: its roles need no traffic.
import { COLORS, wideWidth } from "../charts.js";
import { quadrantChart } from "../charts_products.js";
import { fmtInt, fmtPct } from "../format.js";
import { t } from "../i18n.js";
import { card, el, note } from "../ui.js";
import { optional, rangeOf, words } from "./products_util.js";

export const ROLES = ["hero", "traffic_driver", "profit", "potential", "slow_mover", "new", "normal"];
const ROLE_COLORS = { hero: COLORS.bad, traffic_driver: COLORS.main, profit: COLORS.good, potential: "#a259d9",
  slow_mover: COLORS.warn, new: "#22a398", normal: COLORS.compare };
let shown = ""; // the role filter ("" = every role)

export const loadRoles = () => optional("/products/roles", rangeOf());

const roleOf = (p) => p.role || (p.roles || [])[0] || "normal";
const hasTraffic = (data) => (typeof data.traffic === "object" && data.traffic !== null
  ? Object.values(data.traffic).some(Boolean) : data.traffic !== false);

export function rolesPanel(data, ctx) {
  if (!data) return null;
  const products = data.products || [];
  const counts = Object.fromEntries(ROLES.map((r) => [r, 0]));
  for (const p of products) counts[roleOf(p)] = (counts[roleOf(p)] || 0) + 1;
  const filter = el("select", { id: "role-filter", "aria-label": t("pq.filter"), onchange: (ev) => { shown = ev.target.value; ctx.navigate(); } },
    el("option", { value: "", selected: shown === "", text: t("pq.all") }),
    Object.keys(counts).map((r) => el("option", { value: r, selected: r === shown, text: `${t(`role.${r}`)} (${counts[r]})` })));
  const chips = el("div", { class: "role-counts", id: "role-counts" }, Object.entries(counts).map(([r, n]) => {
    const chip = el("span", { class: "role-chip", "data-role": r, "data-count": n }, el("span", { class: "role-dot" }),
      `${t(`role.${r}`)} ${fmtInt(n)}`);
    chip.querySelector(".role-dot").style.background = ROLE_COLORS[r] || COLORS.compare;
    return chip;
  }));
  const picked = products.filter((p) => !shown || roleOf(p) === shown);
  let body;
  if (!hasTraffic(data)) {
    body = note(t("pq.noTraffic"), "info");
    body.id = "roles-no-traffic";
  } else {
    const points = picked.filter((p) => p.traffic_index > 0 && p.conversion_index > 0)
      .map((p) => ({ x: p.traffic_index, y: p.conversion_index, role: roleOf(p), id: p.product_id, p }));
    body = el("div", { id: "roles-quadrant", class: "chart-holder", "data-points": points.length },
      quadrantChart({ points, colors: ROLE_COLORS, label: t("pq.title"), width: wideWidth(), xTitle: t("pq.x"), yTitle: t("pq.y"),
        fmtTip: ({ p }) => `${p.name || p.product_id} · ${t(`role.${roleOf(p)}`)} · UV ${fmtInt(p.uv)} · ${fmtPct(p.conversion)}\n${words(p.reason)}` }),
      el("p", { class: "muted small-note", text: t("pq.outside", { n: picked.length - points.length }) }));
  }
  const list = el("ul", { class: "role-reasons", id: "role-reasons" }, picked.filter((p) => roleOf(p) !== "normal").slice(0, 8)
    .map((p) => el("li", { "data-product": p.product_id, "data-role": roleOf(p) },
      el("strong", { class: "product-cell", text: p.name || p.product_id }), ` · ${t(`role.${roleOf(p)}`)}: `, words(p.reason))));
  const node = card({ title: t("pq.title"), sub: t("pq.sub"), wide: true, actions: [filter], body: el("div", {}, chips, body, list) });
  node.id = "roles-card";
  return node;
}
