// 服务物流 Service & logistics: the catalog's service and logistics KPIs (cards), DSR by category, service by
// channel, carriers and logistics by country. Metric lists come from the catalog groups and dimensions.
import { t } from "../i18n.js";
import { hasData, state, storeInfo } from "../state.js";
import { block, card, el, emptyState } from "../ui.js";
import { emptyText, groupIds, kpiGrid, metricTable } from "./common.js";

// Bases of rates (shown beside a rate on few cases, and in its tooltip): pickable, not shown by default.
const BASES = new Set(["delivered_parcels", "promised_parcels"]);
const core = (ids) => ids.filter((id) => !BASES.has(id));

export async function render(page, ctx) {
  const info = storeInfo();
  const kpis = el("div", { class: "slot wide" });
  const slots = [0, 1, 2, 3].map(() => el("div", { class: "slot wide" }));
  if (!hasData(info, "reviews") && !hasData(info, "service_tickets")) page.append(emptyState(t("empty.service")));
  if (!hasData(info, "shipments")) page.append(emptyState(t("empty.shipments", { store: state.store })));
  page.append(el("div", { class: "grid" }, kpis, ...slots));
  const tables = [
    { title: t("sv.dsr"), id: "dsr-table", name: "dsr_by_category", dim: "category", groups: ["service"], drill: true },
    { title: t("sv.service"), id: "service-table", name: "service_by_channel", dim: "channel", groups: ["service"],
      drill: true },
    { title: t("sv.carrier"), id: "logistics-table", name: "carriers", dim: "carrier", groups: ["logistics"] },
    { title: t("sv.country"), id: "logistics-country-table", name: "logistics_by_country", dim: "country",
      groups: ["logistics"], drill: true },
  ];
  await Promise.all([
    block(kpis, async () => card({ title: t("sv.kpis"), wide: true, body: await kpiGrid(core(groupIds(["service", "logistics"])),
      { pick: "service_kpis", ctx }) }),
      ctx),
    ...tables.map((spec, i) => block(slots[i], async () => (await metricTable({ ...spec, ctx,
      ids: core(groupIds(spec.groups, spec.dim)), sub: spec.drill ? t("ctl.drill") : null,
      empty: emptyText(spec.groups[0] === "logistics" ? "shipments" : "service") })).node, ctx)),
  ]);
}
