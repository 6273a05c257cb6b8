// What several pages share: metric queries cut to the metrics the filters allow, metric table columns with
// benchmark colouring, metric tables with drill-down, KPI cards with change arrows, sparklines, anomaly flags, why?.
import { chartMarks, loadAnomalies } from "../anomalies.js";
import { cached, errorText } from "../api.js";
import { sparkline } from "../charts.js";
import { compareLabel } from "../compare.js";
import { compareSupported } from "../dates.js";
import { fmtChange, fmtKpi, fmtMetric, fmtNumber } from "../format.js";
import { dimName, lang, metricDefinition, metricName, t, valueName } from "../i18n.js";
import { compareParam, dataRange, hasData, hasMetric, isOneDay, metricInfo, metricParams, setFilter, state, storeInfo,
  usable } from "../state.js";
import { metricPicker, pickedIds } from "../metric_picker.js";
import { baseIds, labelColumn, scoreColumns } from "../scorecard.js";
import { el, emptyState, note, tableCard } from "../ui.js";
import { openWhy } from "../why.js";

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

// Which KPIs a store answers from platform reports (traffic_daily: 生意参谋, Amazon Business Reports) instead of its
// own events or orders, from the answer's `sources`; visitors of a longer period are then sums of daily visitors.
export function sourceNote(data) {
  const fromReports = new Set();
  for (const perMetric of Object.values(data.sources || {})) {
    for (const [id, source] of Object.entries(perMetric || {})) if (String(source).includes("traffic_daily")) fromReports.add(id);
  }
  if (!fromReports.size) return null;
  const summed = Object.values(data.notes || {}).some((n) => n && n.reason === "summed_daily_visitors");
  const list = [...fromReports].map(metricName).join(t("list.sep"));
  return el("p", { class: "note note-info source-note", "data-source": "traffic_daily",
    text: t("note.fromReports", { list }) + (summed ? ` ${t("note.summedVisitors")}` : "") });
}

export function skippedNote(skipped) {
  return skipped.length ? note(t("note.skipped", { list: skipped.map(metricName).join(t("list.sep")) }), "warn") : null;
}

// Value columns of metric tables (scorecard.js); opts.cmp adds the change columns of that comparison.
export function metricColumns(ids, currency, opts = {}) { return scoreColumns(ids, currency, opts); }

export function dimColumn(dim) {
  if (dim === "product") return productColumn();
  return labelColumn(dim);
}

// Sellers know products by name: the API's product_name, with the SKU id underneath in a muted line (the id
// alone when the catalog has no name). The CSV keeps the id and the name as columns of their own.
export function productColumn() {
  return { key: "product", label: dimName("product"), sort: (row) => row.product_name || row.product,
    node: (row) => el("div", { class: "product-cell" }, row.product_name
      ? [el("div", { class: "product-name", text: row.product_name }),
        el("div", { class: "product-id muted", text: row.product })]
      : el("div", { class: "product-name", text: valueName("product", row.product) })),
    raw: (row) => row.product,
    csv: [{ label: t("pr.productId"), raw: (row) => row.product },
      { label: t("pr.productName"), raw: (row) => row.product_name }] };
}

// A scorecard table of metrics by one dimension (scorecard.js): a metric picker (key `pick`, default `name`;
// pick=false: none) whose defaults are `ids`, sortable columns (first metric descending), the total row (the same
// query without `by`: a rate's total is the store's rate, never a sum of rates), change columns for the selected
// comparison, sample sizes of rates. drill=true: a click on a row filters the page by its value.
// attrs: more attributes of every row (the drill-down's parent levels, e.g. data-channel on a source row);
// more: columns after the metric columns (the product table's GMV rank; a function (ids, data) -> columns);
// bench=false: no benchmark colour (the table shows the gap as numbers instead).
// also: metrics fetched with the rows but not shown as columns (what a chart beside the table draws, whatever the
// picker chose).
export async function metricTable({ title, sub, id, name, dim, ids, ctx, drill = false, sort, limit, empty,
  pick = name, total = true, attrs = {}, more = [], bench = true, also = [] }) {
  const shown = pick ? pickedIds(pick, ids, [dim]) : ids;
  const cmp = compareParam();
  const extra = [...new Set([...baseIds(usable(shown, [dim]).ok, [dim]), ...usable(also, [dim]).ok])]
    .filter((m) => !shown.includes(m));
  const [{ data, ok, skipped }, totals] = await Promise.all([
    queryMetrics([...shown, ...extra], { by: [dim], sort, limit, compare: cmp }),
    total ? queryMetrics([...shown, ...extra], { compare: cmp }) : null,
  ]);
  const cols = ok.filter((m) => shown.includes(m));
  const rows = (data.rows || []).filter((r) => r[dim] !== null && r[dim] !== undefined);
  const totalRow = totals ? (totals.data.rows || [])[0] || null : null;
  const columns = [dimColumn(dim), ...metricColumns(cols, data.currency, { cmp, total: totalRow, bench }),
    ...(typeof more === "function" ? more(cols, data) : more)];
  const canDrill = drill && !state.filters.some((f) => f.dim === dim);
  const picker = pick ? metricPicker({ key: pick, defaults: ids, dims: [dim], onChange: () => ctx.navigate() }) : null;
  const node = tableCard({ title, sub, id, name, columns, rows, extra: picker ? [picker] : [],
    empty: emptyState(empty || t("empty.rows")),
    rowAttrs: (row) => ({ ...attrs, [`data-${dim}`]: row[dim] }),
    onRowClick: canDrill ? (row) => { setFilter(dim, row[dim]); ctx.navigate(); } : null,
    rowTitle: canDrill ? t("ctl.drill") : null,
    total: totalRow, sort: cols.length ? { key: cols[0], direction: "descending" } : null });
  const warn = skippedNote(skipped.filter((m) => shown.includes(m)));
  if (warn) node.querySelector(".card-body").prepend(warn);
  return { node, rows, data, total: totalRow };
}

// The change arrow of a KPI against comparison `cmp`: green when the move is good for the metric (catalog `good`),
// red when bad; the label names the compared dates ("vs 2026-11-14"), not "vs prev.".
export function changeNode(id, change, hasCompare, cmp = state.compare) {
  const m = metricInfo(id) || {};
  if (!hasCompare) return el("div", { class: "kpi-change none", "data-raw": "" });
  const label = el("span", { class: "cmp-label", text: compareLabel(cmp), title: t(`cmp.${cmp}`) });
  if (typeof change !== "number" || !Number.isFinite(change)) {
    return el("div", { class: "kpi-change none", "data-raw": "", "data-compare": cmp, title: t("ov.noCompare") },
      el("span", { class: "arrow", text: "–" }), " ", label, el("span", { class: "muted", text: ` ${t("ov.noCompare")}` }));
  }
  const direction = change > 0 ? "up" : change < 0 ? "down" : "flat";
  const tone = m.good === "neutral" || direction === "flat" ? "neutral" : (m.good === direction ? "good" : "bad");
  return el("div", { class: `kpi-change ${tone}`, "data-raw": String(change), "data-direction": direction,
    "data-compare": cmp },
  el("span", { class: "arrow", "aria-hidden": "true", text: direction === "up" ? "▲" : direction === "down" ? "▼" : "■" }),
  ` ${fmtChange(change)} `, label);
}

// The comparisons a KPI card shows: the selected one and, for a one-day range, also the day before and the same
// weekday last week (an operator's "today vs yesterday and last week"), each only when the data supports it.
export function cardCompares() {
  const cmp = compareParam();
  if (!cmp) return [];
  if (!isOneDay()) return [cmp];
  const { min } = dataRange(storeInfo());
  return [cmp, "previous", "wow"].filter((c, i, all) => all.indexOf(c) === i
    && compareSupported(c, state.from, state.to, min).ok);
}

// The target line. Higher is better: "Target 3.00% · 217.92% attained" (value / target). Lower is better (refund
// rate, CAC, …): a target is a ceiling, so "% attained" would read backwards (the API's target / value is 122 %
// when the rate is under it): "Target ≤ 5.00% · met, 0.93 pp below" or "… · above target by 0.43 pp" (bad).
function targetNode(id, total, currency) {
  const m = metricInfo(id) || {};
  const target = total && total[`${id}__target`];
  const value = total && total[id];
  if (typeof target !== "number") {
    return total && typeof total[`${id}__benchmark`] === "number"
      ? el("div", { class: "kpi-target", text: t("ov.benchmark", { v: fmtMetric(total[`${id}__benchmark`], m.unit, currency) }) })
      : null;
  }
  const targetText = fmtMetric(target, m.unit, currency);
  if (m.good === "down" && typeof value === "number") {
    const gap = Math.abs(value - target);
    const by = m.unit === "percent" ? t("ov.pp", { v: fmtNumber(gap * 100, 2, 2) }) : fmtMetric(gap, m.unit, currency);
    const above = value > target;
    return el("div", { class: `kpi-target ${above ? "bad" : "good"}`, "data-target": String(target),
      "data-state": above ? "above" : "met", text: t(above ? "ov.targetMax" : "ov.targetMet", { target: targetText, by }) });
  }
  const att = total[`${id}__attainment`];
  return el("div", { class: `kpi-target ${att < 1 ? "bad" : ""}`.trim(), "data-target": String(target),
    "data-state": att < 1 ? "below" : "met", text: t("ov.target", { target: targetText, att: fmtMetric(att, "percent") }) });
}

// KPI cards for `ids`: totals with the comparison, a sparkline per card from the daily rows, the days
// GET /api/v1/anomalies flagged (`flags`: its records for this metric) and a "why?" button (`onWhy`).
// noAdSpend: ROI without any ad spend under the filters says so instead of "no data in the comparison period".
export function kpiCard(id, total, daily, currency, { skipped = false, onSelect, selected = false, flags = [],
  onWhy = null, noAdSpend = false } = {}) {
  const m = metricInfo(id) || {};
  const raw = total ? total[id] : null;
  const series = daily.map((r) => r[id]);
  const marks = chartMarks(flags, daily.map((r) => r.period));
  const flagged = flags.map((a) => a.period);
  const bad = flags.some((a) => a.bad);
  const noSpend = noAdSpend && id === "roi" && (raw === null || raw === undefined);
  const compares = cardCompares();
  const changes = skipped ? el("div", { class: "kpi-change none", "data-raw": "", text: t("na.filter") })
    : noSpend ? el("div", { class: "kpi-change none no-spend", "data-raw": "", text: t("ov.noAdSpend"),
      title: t("ov.noAdSpendTip") })
      : compares.length ? compares.map((c) => changeNode(id, total ? total[`${id}__${c}_change`] : null, true, c))
        : changeNode(id, null, false);
  const full = fmtMetric(raw, m.unit, currency);
  const card = el("div", { class: `kpi-card ${bad ? "anomalous" : ""} ${selected ? "selected" : ""}`.trim(),
    "data-kpi": id, "data-raw": typeof raw === "number" ? String(raw) : "",
    tabindex: onSelect ? "0" : null, role: onSelect ? "button" : null, "aria-pressed": onSelect ? String(selected) : null,
    title: skipped ? t("na.filter") : metricDefinition(id) },
  el("div", { class: "kpi-name", text: metricName(id) }),
  el("div", { class: "kpi-value", title: skipped ? null : full,
    text: skipped || noSpend ? "—" : fmtKpi(raw, m.unit, currency) }),
  el("div", { class: "kpi-changes" }, changes),
  noSpend ? null : targetNode(id, total, currency),
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

// Totals (with comparison) and daily rows for KPI cards: {total, daily, currency, ok, skipped, noAdSpend}. A one-day
// range also asks the totals of the other card comparisons (day before, same weekday last week); an ROI without a
// value asks whether there was any ad spend (only then: the landing page's queries stay those warmup.py computes).
export async function kpiData(ids) {
  const cmp = compareParam();
  const grain = grainFor(state.from, state.to);
  const more = cardCompares().filter((c) => c !== cmp);
  const [totals, days, ...others] = await Promise.all([
    queryMetrics(ids, { compare: cmp }),
    queryMetrics(ids, { compare: cmp, grain }),
    ...more.map((c) => queryMetrics(ids, { compare: c })),
  ]);
  const first = (totals.data.rows || [])[0] || null;
  const total = first ? Object.assign({}, ...others.map((o) => (o.data.rows || [])[0] || {}), first) : null;
  let noAdSpend = false;
  if (total && totals.ok.includes("roi") && typeof total.roi !== "number" && hasMetric("ad_spend")) {
    const spend = await queryMetrics(["ad_spend"]);
    const row = (spend.data.rows || [])[0] || {};
    noAdSpend = spend.ok.includes("ad_spend") && !(row.ad_spend > 0);
  }
  return { total, daily: days.data.rows || [], currency: totals.data.currency,
    ok: totals.ok, skipped: totals.skipped, grain, notes: totals.data.notes || {}, sources: totals.data.sources || {},
    noAdSpend };
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
// opts.pick: a metric picker key (the cards then show the picked metrics, `ids` being the defaults).
export async function kpiGrid(defaults, { pick = null, ctx = null } = {}) {
  const ids = (pick ? pickedIds(pick, defaults) : defaults).filter((id) => metricInfo(id));
  // cards the filters cannot cut are named in one note, not shown as a row of "—" (a channel cannot cut stock)
  const { ok, skipped } = usable(ids);
  const picker = pick ? el("div", { class: "kpi-picker" }, metricPicker({ key: pick, defaults,
    onChange: () => (ctx ? ctx.navigate() : null) })) : null;
  if (!ok.length) return el("div", { class: "kpi-cut" }, picker, skippedNote(skipped), emptyState(t("na.filter")));
  const [data, marks] = await Promise.all([kpiData(ok), anomaliesOrNone(ok)]);
  const grid = el("div", { class: "kpi-grid" }, ok.map((id) =>
    kpiCard(id, data.total, data.daily, data.currency, { skipped: data.skipped.includes(id),
      noAdSpend: data.noAdSpend, flags: marks.byMetric[id] || [], onWhy: (m) => openWhy(m, { currency: data.currency }) })));
  return el("div", { class: "kpi-cut" }, picker, skippedNote(skipped), dataNotes(data.notes), sourceNote(data), grid);
}
