// What several pages share: metric queries cut to the metrics the filters allow, metric table columns with
// benchmark colouring, metric tables with drill-down, KPI cards with change arrows, sparklines, anomaly flags, why?.
import { chartMarks, loadAnomalies } from "../anomalies.js";
import { cached, errorText } from "../api.js";
import { sparkline } from "../charts.js";
import { fmtChange, fmtMetric } from "../format.js";
import { dimName, lang, metricDefinition, metricName, t, valueName } from "../i18n.js";
import { compareParam, dataRange, hasData, metricInfo, metricParams, setFilter, state, storeInfo, usable }
  from "../state.js";
import { el, emptyState, note, tableCard } from "../ui.js";
import { openWhy } from "../why.js";
import { csvIdName, csvLabel } from "../exports.js";

// An empty result: "import X" when the store has no such rows at all; "pick dates within the data" when the dates
// are outside it; "nothing matches these filters" when filters are set on dates with data (not a date problem).
const TABLE_OF = { events: "events", orders: "orders", shipments: "shipments", service: "service_tickets" };
export function emptyText(kind) {
  const info = storeInfo();
  if (!hasData(info, TABLE_OF[kind] || kind)) return t(`empty.${kind}`, { store: state.store });
  const range = dataRange(info);
  const inside = range.min && range.max && !(state.from > range.max || state.to < range.min);
  return inside && state.filters.length ? t("empty.filtered") : t("empty.range", range);
}

// GET /metrics for the ids the current filters (and `by`) allow; {data, ok, skipped}. No usable id: no request.
export async function queryMetrics(ids, { by = [], ...extra } = {}) {
  const { ok, skipped } = usable(ids, by);
  if (!ok.length) return { data: { rows: [], currency: null, metrics: [] }, ok, skipped };
  if (extra.sort && !ok.includes(extra.sort.split(":")[0])) delete extra.sort;
  const params = metricParams(ok, { ...extra, by: by.length ? by.join(",") : null });
  return { data: await cached("/metrics", params), ok, skipped };
}

// The API's notes about the data (a range without any, a filter value or step event without rows) in the page's
// language. Notes of a metric under a segment (null: no users in ad spend, stock or the catalog) are not these.
export function dataNotes(notes) {
  const items = Object.values(notes || {}).filter((n) => n && ["no_data", "no_rows"].includes(n.reason));
  if (!items.length) return null;
  return el("div", { class: "data-notes" }, items.map((n) => note(lang() === "zh" ? n.zh : n.en, "warn")));
}

export function skippedNote(skipped) {
  return skipped.length ? note(t("note.skipped", { list: skipped.map(metricName).join(t("list.sep")) }), "warn") : null;
}

// "bad" when the value is worse than the catalog benchmark (by the metric's good direction).
export function benchmarkClass(id, row) {
  const m = metricInfo(id);
  const v = row[id];
  const b = row[`${id}__benchmark`];
  if (!m || typeof v !== "number" || typeof b !== "number") return "";
  if ((m.good === "up" && v < b) || (m.good === "down" && v > b)) return "bad";
  return "";
}

export function metricColumns(ids, currency) {
  return ids.map((id) => {
    const m = metricInfo(id) || {};
    return { key: id, label: metricName(id), num: true, title: metricDefinition(id),
      text: (row) => fmtMetric(row[id], m.unit, currency), raw: (row) => row[id],
      csv: [{ label: csvLabel(metricName(id), m.unit, currency), raw: (row) => row[id] }], // unit in the header (#14)
      cls: (row) => benchmarkClass(id, row),
      tip: (row) => (benchmarkClass(id, row) ? t("bench.worse", {
        v: fmtMetric(row[`${id}__benchmark`], m.unit, currency) }) : null) };
  });
}

export function dimColumn(dim) {
  if (dim === "product") return productColumn();
  return { key: dim, label: dimName(dim), text: (row) => valueName(dim, row[dim]), raw: (row) => row[dim],
    csv: csvIdName(dim, (row) => row[dim]) };
}

// Sellers know products by name: the API's product_name, with the SKU id underneath in a muted line (the id
// alone when the catalog has no name). The CSV keeps the id and the name as columns of their own.
export function productColumn() {
  return { key: "product", label: dimName("product"),
    node: (row) => el("div", { class: "product-cell" }, row.product_name
      ? [el("div", { class: "product-name", text: row.product_name }),
        el("div", { class: "product-id muted", text: row.product })]
      : el("div", { class: "product-name", text: valueName("product", row.product) })),
    raw: (row) => row.product,
    csv: [{ label: t("pr.productId"), raw: (row) => row.product },
      { label: t("pr.productName"), raw: (row) => row.product_name }] };
}

// A table of metrics by one dimension; drill=true: a click on a row filters the page by its value.
export async function metricTable({ title, sub, id, name, dim, ids, ctx, drill = false, sort, limit, empty }) {
  const { data, ok, skipped } = await queryMetrics(ids, { by: [dim], sort, limit });
  const rows = (data.rows || []).filter((r) => r[dim] !== null && r[dim] !== undefined);
  const columns = [dimColumn(dim), ...metricColumns(ok, data.currency)];
  const canDrill = drill && !state.filters.some((f) => f.dim === dim);
  const node = tableCard({ title, sub, id, name, columns, rows,
    empty: emptyState(empty || t("empty.rows")),
    rowAttrs: (row) => ({ [`data-${dim}`]: row[dim] }),
    onRowClick: canDrill ? (row) => { setFilter(dim, row[dim]); ctx.navigate(); } : null,
    rowTitle: canDrill ? t("ctl.drill") : null });
  const warn = skippedNote(skipped);
  if (warn) node.querySelector(".card-body").prepend(warn);
  return { node, rows, data };
}

// The change arrow of a KPI: green when the move is good for the metric (catalog `good`), red when bad.
export function changeNode(id, change, hasCompare) {
  const m = metricInfo(id) || {};
  if (!hasCompare) return el("div", { class: "kpi-change none", "data-raw": "" });
  if (typeof change !== "number" || !Number.isFinite(change)) {
    return el("div", { class: "kpi-change none", "data-raw": "", title: t("ov.noCompare") },
      el("span", { class: "arrow", text: "–" }), " ", el("span", { class: "cmp-label", text: t(`cmp.short.${state.compare}`) }),
      el("span", { class: "muted", text: ` ${t("ov.noCompare")}` }));
  }
  const direction = change > 0 ? "up" : change < 0 ? "down" : "flat";
  const tone = m.good === "neutral" || direction === "flat" ? "neutral" : (m.good === direction ? "good" : "bad");
  return el("div", { class: `kpi-change ${tone}`, "data-raw": String(change), "data-direction": direction },
    el("span", { class: "arrow", "aria-hidden": "true", text: direction === "up" ? "▲" : direction === "down" ? "▼" : "■" }),
    ` ${fmtChange(change)} `, el("span", { class: "cmp-label", text: t(`cmp.short.${state.compare}`) }));
}

// KPI cards for `ids`: totals with the comparison, a sparkline per card from the daily rows, the days
// GET /api/v1/anomalies flagged (`flags`: its records for this metric) and a "why?" button (`onWhy`).
export function kpiCard(id, total, daily, currency, { skipped = false, onSelect, selected = false, flags = [],
  onWhy = null } = {}) {
  const m = metricInfo(id) || {};
  const cmp = compareParam();
  const raw = total ? total[id] : null;
  const series = daily.map((r) => r[id]);
  const marks = chartMarks(flags, daily.map((r) => r.period));
  const flagged = flags.map((a) => a.period);
  const bad = flags.some((a) => a.bad);
  const target = total && typeof total[`${id}__target`] === "number"
    ? el("div", { class: `kpi-target ${total[`${id}__attainment`] < 1 ? "bad" : ""}`, text: t("ov.target", {
      target: fmtMetric(total[`${id}__target`], m.unit, currency),
      att: fmtMetric(total[`${id}__attainment`], "percent") }) })
    : (total && typeof total[`${id}__benchmark`] === "number"
      ? el("div", { class: "kpi-target", text: t("ov.benchmark", { v: fmtMetric(total[`${id}__benchmark`], m.unit, currency) }) })
      : null);
  const card = el("div", { class: `kpi-card ${bad ? "anomalous" : ""} ${selected ? "selected" : ""}`.trim(),
    "data-kpi": id, "data-raw": typeof raw === "number" ? String(raw) : "",
    tabindex: onSelect ? "0" : null, role: onSelect ? "button" : null, "aria-pressed": onSelect ? String(selected) : null,
    title: skipped ? t("na.filter") : metricDefinition(id) },
  el("div", { class: "kpi-name", text: metricName(id) }),
  el("div", { class: "kpi-value", text: skipped ? "—" : fmtMetric(raw, m.unit, currency) }),
  skipped ? el("div", { class: "kpi-change none", "data-raw": "", text: t("na.filter") })
    : changeNode(id, total ? total[`${id}__${cmp}_change`] : null, Boolean(cmp)),
  target,
  el("div", { class: "kpi-spark" }, skipped ? null : sparkline(series, { marks })),
  flagged.length ? el("div", { class: `kpi-flag ${bad ? "bad" : ""}`.trim(), "data-days": flagged.join(","),
    title: t("ov.anomalyTip", { days: flagged.join(", ") }), text: `⚠ ${t("ov.anomaly", { n: flagged.length })}` }) : null,
  onWhy && !skipped ? el("button", { type: "button", class: "link why-button kpi-why", "data-kpi": id,
    title: t("why.cardTip"), text: t("why.button"), onclick: (ev) => { ev.stopPropagation(); onWhy(id); },
    onkeydown: (ev) => ev.stopPropagation() }) : null);
  if (onSelect) {
    card.addEventListener("click", () => onSelect(id));
    card.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); onSelect(id); } });
  }
  return card;
}

// The daily grain for a range (weeks beyond half a year, so charts stay readable).
export function grainFor(from, to) {
  const days = (new Date(`${to}T00:00:00Z`) - new Date(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  return days > 185 ? "week" : "day";
}

// Totals (with comparison) and daily rows for KPI cards: {total, daily, currency, ok, skipped}.
export async function kpiData(ids) {
  const cmp = compareParam();
  const grain = grainFor(state.from, state.to);
  const [totals, days] = await Promise.all([
    queryMetrics(ids, { compare: cmp }),
    queryMetrics(ids, { compare: cmp, grain }),
  ]);
  return { total: (totals.data.rows || [])[0] || null, daily: days.data.rows || [], currency: totals.data.currency,
    ok: totals.ok, skipped: totals.skipped, grain, notes: totals.data.notes || {} };
}

// Catalog metric ids of the given groups (catalog order), optionally only those that can be cut by `dim`.
export function groupIds(groups, dim = null) {
  return Object.values(state.catalog.metrics)
    .filter((m) => groups.includes(m.group) && (!dim || (m.dimensions || []).includes(dim))).map((m) => m.id);
}

// The anomalies of `ids` for the KPI cards; a failure leaves the cards without flags (the numbers still show).
export async function anomaliesOrNone(ids) {
  try {
    return await loadAnomalies(usable(ids).ok);
  } catch (exc) {
    console.warn(exc);
    return { byMetric: {}, records: [], note: errorText(exc), failed: true };
  }
}

// A grid of KPI cards (no trend selection) for `ids`, with a note for metrics the filters leave out.
export async function kpiGrid(ids) {
  const [data, marks] = await Promise.all([kpiData(ids), anomaliesOrNone(ids)]);
  const grid = el("div", { class: "kpi-grid" }, ids.filter((id) => metricInfo(id)).map((id) =>
    kpiCard(id, data.total, data.daily, data.currency, { skipped: data.skipped.includes(id),
      flags: marks.byMetric[id] || [], onWhy: (m) => openWhy(m, { currency: data.currency }) })));
  return el("div", {}, skippedNote(data.skipped), dataNotes(data.notes), grid);
}
