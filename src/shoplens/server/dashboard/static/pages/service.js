// 服务物流 Service & logistics: the catalog's service and logistics KPIs (cards), DSR by category (with the sample
// size and the gap to the benchmark as numbers), service by channel, carriers and logistics by country (with ticket
// and shipment counts), and the exception lists behind the rates (late / lost parcels, slow first responses).
import { cached } from "../api.js";
import { fmtInt, fmtNumber } from "../format.js";
import { dimName, metricName, t, valueName } from "../i18n.js";
import { hasData, rangeParams, state, storeInfo, usable } from "../state.js";
import { block, card, el, emptyState, note, tableCard } from "../ui.js";
import { emptyText, groupIds, kpiGrid, metricTable } from "./common.js";

const DSR = ["dsr_description", "dsr_service", "dsr_logistics"];
// a DSR gap is coloured from 0.1 points on (scores are shown to 0.01; a 0.05 gap to 4.80 is noise for most stores)
export const DSR_GAP = 0.1;
const COUNTS = ["reviews", "tickets", "parcels"];
const countsFirst = (ids) => [...ids.filter((id) => COUNTS.includes(id)), ...ids.filter((id) => !COUNTS.includes(id))];

// Bases of rates (shown beside a rate on few cases, and in its tooltip): pickable, not shown by default.
const BASES = new Set(["delivered_parcels", "promised_parcels"]);
const core = (ids) => ids.filter((id) => !BASES.has(id));

export async function render(page, ctx) {
  const info = storeInfo();
  const kpis = el("div", { class: "slot wide" });
  const slots = [0, 1, 2, 3].map(() => el("div", { class: "slot wide" }));
  const exceptions = el("div", { class: "slot wide" });
  if (!hasData(info, "reviews") && !hasData(info, "service_tickets")) page.append(emptyState(t("empty.service")));
  if (!hasData(info, "shipments")) page.append(emptyState(t("empty.shipments", { store: state.store })));
  page.append(el("div", { class: "grid" }, kpis, ...slots, exceptions));
  const tables = [
    { title: t("sv.service"), id: "service-table", name: "service_by_channel", dim: "channel", groups: ["service"] },
    { title: t("sv.carrier"), id: "logistics-table", name: "carriers", dim: "carrier", groups: ["logistics"] },
    { title: t("sv.country"), id: "logistics-country-table", name: "logistics_by_country", dim: "country",
      groups: ["logistics"] },
  ];
  await Promise.all([
    block(kpis, async () => card({ title: t("sv.kpis"), wide: true,
      body: await kpiGrid(core(groupIds(["service", "logistics"])), { pick: "service_kpis", ctx }) }), ctx),
    block(slots[0], () => dsrTable(ctx), ctx),
    ...tables.map((spec, i) => block(slots[i + 1], async () => (await metricTable({ ...spec, ctx,
      ids: countsFirst(core(groupIds(spec.groups, spec.dim))), sub: spec.drill ? t("ctl.drill") : null,
      empty: emptyText(spec.groups[0] === "logistics" ? "shipments" : "service") })).node, ctx)),
    block(exceptions, () => exceptionLists(), ctx),
  ]);
}

// DSR by category. Reviews carry no channel, country or device: under such a filter the table says so instead
// of showing a DSR table without DSR.
async function dsrTable(ctx) {
  const ids = countsFirst(groupIds(["service"], "category"));
  const { ok, skipped } = usable(ids, ["category"]);
  if (!DSR.some((id) => ok.includes(id))) {
    const dims = [...new Set(state.filters.map((f) => dimName(f.dim)))].join(t("sv.sep"));
    return card({ title: t("sv.dsr"), wide: true, body: el("div", { id: "dsr-table-note" },
      note(t("sv.dsrCut", { dims, list: skipped.map(metricName).join(t("sv.sep")) }), "warn")) });
  }
  const gaps = (cols) => DSR.filter((id) => cols.includes(id)).map((id) => ({
    key: `${id}__gap`, label: t("sv.gap", { name: metricName(id) }), num: true, title: t("sv.gapTip"),
    raw: (r) => gap(r, id),
    text: (r) => { const g = gap(r, id); return g === null ? "—" : `${g > 0 ? "+" : ""}${fmtNumber(g, 2, 2)}`; },
    cls: (r) => { const g = gap(r, id); return g === null ? "" : g <= -DSR_GAP ? "bad" : g >= DSR_GAP ? "good" : ""; },
  }));
  const { node } = await metricTable({ title: t("sv.dsr"), sub: t("sv.dsrSub", { gap: fmtNumber(DSR_GAP, 1) }),
    id: "dsr-table", name: "dsr_by_category", dim: "category", ids, ctx, bench: false, more: gaps,
    empty: emptyText("service") });
  return node;
}

function gap(row, id) {
  const v = row[id];
  const b = row[`${id}__benchmark`];
  return typeof v === "number" && typeof b === "number" ? Math.round((v - b) * 1e6) / 1e6 : null;
}

// A UTC timestamp ("2026-11-12 13:33:59Z") in the store's time zone, as the page's other dates.
function localTime(utc) {
  if (!utc) return "—";
  const d = new Date(utc.replace(" ", "T"));
  if (Number.isNaN(d.getTime())) return utc;
  try {
    return new Intl.DateTimeFormat("sv-SE", { timeZone: (storeInfo() || {}).timezone || "UTC", year: "numeric",
      month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).format(d);
  } catch {
    return utc;
  }
}

// Late and lost parcels, tickets past the first-response ceiling: GET /service/exceptions (whole store).
async function exceptionLists() {
  const data = await cached("/service/exceptions", { ...rangeParams(), limit: 20 });
  const carrier = { key: "carrier", label: dimName("carrier"), text: (r) => valueName("carrier", r.carrier),
    raw: (r) => r.carrier };
  const order = { key: "order_id", label: t("sv.orderId"), raw: (r) => r.order_id, text: (r) => r.order_id || "—" };
  const shipped = { key: "shipped_utc", label: t("sv.shipped"), text: (r) => localTime(r.shipped_utc), raw: (r) => r.shipped_utc };
  const promised = { key: "promised_days", label: t("sv.promised"), num: true, text: (r) => fmtInt(r.promised_days),
    raw: (r) => r.promised_days };
  const list = (id, name, title, rows, total, columns, key) => tableCard({ id, name, wide: false,
    title: `${title} (${fmtInt(total)})`, sub: total > rows.length ? t("sv.newest", { n: rows.length }) : null,
    rows, columns, rowAttrs: (r) => ({ [`data-${key.replace(/_/g, "-")}`]: r[key] }), empty: emptyState(t("sv.noExceptions")),
    noTotal: "a list of cases: their number is in the title" });
  const late = data.late || { rows: [], total: 0 };
  const lost = data.lost || { rows: [], total: 0 };
  const slow = data.slow_tickets || { rows: [], total: 0 };
  return card({ title: t("sv.exceptions"), wide: true, cls: "exceptions",
    body: el("div", {},
      state.filters.length ? note(t("sv.exceptionsAll"), "info") : null,
      el("div", { class: "grid" },
        list("late-shipments", "late_shipments", t("sv.late"), late.rows, late.total, [order, carrier, shipped, promised,
          { key: "days_late", label: t("sv.daysLate"), num: true, cls: () => "bad",
            text: (r) => fmtNumber(r.days_late, 2, 2), raw: (r) => r.days_late }], "shipment_id"),
        list("lost-shipments", "lost_shipments", t("sv.lost"), lost.rows, lost.total, [order, carrier, shipped, promised],
          "shipment_id"),
        list("slow-tickets", "slow_tickets", t("sv.slow", { h: fmtInt(data.response_hours) }), slow.rows, slow.total, [
          { key: "ticket_id", label: t("sv.ticketId"), raw: (r) => r.ticket_id }, order,
          { key: "kind", label: t("sv.kind"), text: (r) => valueName("ticket_kind", r.kind), raw: (r) => r.kind },
          { key: "opened_utc", label: t("sv.opened"), text: (r) => localTime(r.opened_utc), raw: (r) => r.opened_utc },
          { key: "response_hours", label: t("sv.responseHours"), num: true,
            text: (r) => (r.response_hours === null ? t("sv.noResponse") : fmtNumber(r.response_hours, 1, 1)),
            raw: (r) => r.response_hours }], "ticket_id"))) });
}

