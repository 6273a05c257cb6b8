// 概览 Overview: the open alerts of the latest alert day (pages/alerts_card.js), KPI cards (value, changes vs the
// named compared dates, target attainment, sparkline, anomaly flag, why?), the trend of one KPI (GMV first; click a
// card to chart another) and the range's bad anomalies. The trend is daily against the comparison period with the
// days GET /api/v1/anomalies flagged (a click on a point: why? for that day, or week); a one-day range charts the
// day by hour against the day before and the same weekday last week, so "how is today going vs yesterday and last
// week" is one glance.
import { anomalyTip, badList, chartMarks } from "../anomalies.js";
import { isAbort } from "../api.js";
import { COLORS, chartCard, lineChart, wideWidth } from "../charts.js";
import { compareLabel } from "../compare.js";
import { compareDates, compareSupported } from "../dates.js";
import { fmtAxis, fmtDate, fmtDayShort, fmtMetric } from "../format.js";
import { dataRange, isOneDay, metricInfo, metricWhere, state, storeInfo } from "../state.js";
import { lang, metricName, t } from "../i18n.js";
import { block, card, el, emptyState, note } from "../ui.js";
import { openWhy } from "../why.js";
import { metricPicker as cardPicker, pickedIds } from "../metric_picker.js";
import { alertsCard } from "./alerts_card.js";
import { anomaliesOrNone, dataNotes, emptyText, kpiCard, kpiData, queryMetrics, skippedNote, sourceNote } from "./common.js";

// shoplens/server/warmup.py computes these for the landing range after every import: keep the two lists equal.
export const KPIS = ["gmv", "uv", "paying_buyers", "conversion_rate", "customer_unit_price", "uv_value", "refund_rate",
  "roi"];
let trendMetric = "gmv";

export async function render(page, ctx) {
  const kpiHolder = el("div", { class: "kpi-grid", id: "kpi-grid" });
  const trendHolder = el("div", { class: "grid-wide" });
  const listHolder = el("div", {});
  const notes = el("div", {});
  const alertsHolder = el("div", { class: "grid-wide" });
  // the cards: the operators' core set (KPIS) unless the picker chose others (#/overview?…&m.overview=…)
  const ids = pickedIds("overview", KPIS);
  const picker = cardPicker({ key: "overview", defaults: KPIS, onChange: () => ctx.navigate() });
  page.append(notes, alertsHolder, card({ title: t("ov.kpis"), sub: t("ov.clickCard"), wide: true, body: kpiHolder,
    actions: [picker] }), trendHolder,
    card({ title: t("an.title"), sub: t("an.sub"), wide: true, body: listHolder }));

  let data = null;
  let marks = { byMetric: {}, records: [], note: null };
  const why = (metric, when = {}) => openWhy(metric, { ...when, currency: data && data.currency });
  const pick = (chosen) => { trendMetric = chosen; ctx.reload(draw); };
  const draw = async () => {
    kpiHolder.textContent = "";
    for (const id of ids.filter((k) => metricInfo(k))) {
      kpiHolder.append(kpiCard(id, data.total, data.daily, data.currency, {
        skipped: data.skipped.includes(id), selected: id === trendMetric, flags: marks.byMetric[id] || [],
        noAdSpend: data.noAdSpend, onSelect: pick, onWhy: (m) => why(m) }));
    }
    listHolder.textContent = "";
    listHolder.append(badList(marks, { onWhy: why, currency: data.currency }));
    if (isOneDay()) await block(trendHolder, () => hourlyCard(data, pick), ctx);
    else {
      trendHolder.textContent = "";
      trendHolder.append(trendCard(data, marks, pick));
    }
  };
  const openAlerts = block(alertsHolder, alertsCard, ctx); // today's open alerts, beside the KPIs
  await block(kpiHolder, async () => {
    [data, marks] = await Promise.all([kpiData(ids), anomaliesOrNone(ids)]);
    const warn = skippedNote(data.skipped);
    if (warn) notes.append(warn);
    const total = data.total || {};
    const explained = dataNotes(data.notes);
    const source = sourceNote(data);
    if (source) notes.append(source);
    if (explained) notes.append(explained);
    else if (!total.gmv && !total.uv) {
      const orders = emptyText("orders");
      const events = emptyText("events");
      notes.append(emptyState(orders, orders === events ? null : events));
    }
    if (!data.ok.includes(trendMetric)) trendMetric = data.ok[0] || "gmv";
    return el("div", { class: "placeholder" });
  }, ctx);
  if (data && ctx.alive()) await draw();
  await openAlerts;
}

// The trend axis names its unit: "GMV (CNY)" for money, the metric's name otherwise.
function axisTitle(id, currency) {
  const m = metricInfo(id) || {};
  return m.unit === "currency" && currency ? t("ov.axisMoney", { metric: metricName(id), currency }) : metricName(id);
}

function metricPicker(data, id, pick) {
  return el("select", { id: "trend-metric", class: "small", "aria-label": t("ov.trend"),
    onchange: (ev) => pick(ev.target.value) },
  data.ok.map((k) => el("option", { value: k, selected: k === id, text: metricName(k) })));
}

function trendCard(data, marks, pick) {
  const id = trendMetric;
  const m = metricInfo(id) || {};
  const cmp = state.compare === "none" ? null : state.compare;
  const labels = data.daily.map((r) => r.period);
  const values = data.daily.map((r) => r[id] ?? null);
  const series = [{ key: "current", name: `${metricName(id)} · ${t("ov.current")}`, values, color: COLORS.main }];
  if (cmp) {
    series.push({ key: cmp, name: `${t("ov.compared")} (${compareLabel(cmp)})`, values: data.daily.map((r) => r[`${id}__${cmp}`] ?? null),
      color: COLORS.compare, dashed: true });
  }
  const fmtY = (v) => fmtAxis(v, m.unit);
  const daily = data.grain === "day"; // anomalies are per day: a weekly chart has none (its why? is per week)
  const flags = daily ? marks.byMetric[id] || [] : [];
  const flagAt = new Map(flags.map((a) => [a.period, a]));
  const chart = data.ok.includes(id) && labels.length
    ? lineChart({ labels, series, fmtY, fmtTip: (v) => fmtMetric(v, m.unit, data.currency),
      fmtX: (d, long) => (long ? (daily ? fmtDate(d) : d) : fmtDayShort(d)), marks: chartMarks(flags, labels),
      tipExtra: (i) => (flagAt.has(labels[i]) ? anomalyTip(flagAt.get(labels[i]), data.currency) : null),
      why: { metric: id, grain: data.grain, currency: data.currency, where: metricWhere() },
      yTitle: axisTitle(id, data.currency), label: `${metricName(id)} ${t("ov.trend")}`, width: wideWidth() })
    : note(t("na.filter"), "warn");
  const csv = () => ({ header: [t("col.date"), metricName(id), ...(cmp ? [t("ov.compared")] : [])],
    rows: data.daily.map((r) => [r.period, r[id], ...(cmp ? [r[`${id}__${cmp}`]] : [])]) });
  return chartCard({ title: `${t("ov.trend")} · ${metricName(id)}`, sub: t("ov.trendSub"), id: "trend-chart",
    name: `trend_${id}`, chart, csv, wide: true, extra: [metricPicker(data, id, pick)] });
}

// One day by hour (GET /metrics grain=hour) against the day before (compare=previous) and the same weekday last
// week (compare=wow), the comparisons the data supports. A metric from daily records (ad spend, stock) has no
// hours: the API refuses it (metrics/checks.py check_hourly) and the card says so instead of an empty chart.
async function hourlyCard(data, pick) {
  const id = trendMetric;
  const m = metricInfo(id) || {};
  const { min } = dataRange(storeInfo());
  const compares = ["previous", "wow"].filter((c) => compareSupported(c, state.from, state.to, min).ok);
  const head = { title: `${t("ov.trend")} · ${metricName(id)} · ${t("day.hourly", { day: state.from })}`,
    sub: t("day.hourlySub"), id: "trend-chart", wide: true, extra: [metricPicker(data, id, pick)] };
  const plain = (body) => chartCard({ ...head, name: `hourly_${id}`, chart: body });
  if (!data.ok.includes(id)) return plain(note(t("na.filter"), "warn"));
  let answers;
  try {
    answers = await Promise.all((compares.length ? compares : [null]).map((c) =>
      queryMetrics([id], { grain: "hour", compare: c })));
  } catch (exc) {
    if (isAbort(exc) || !exc || exc.status !== 400) throw exc;
    const holder = plain(note(t("day.noHourly", { metric: metricName(id) }), "info"));
    holder.querySelector("#trend-chart").dataset.hourly = "refused";
    return holder;
  }
  const rows = answers[0].data.rows || [];
  const labels = rows.map((r) => r.period);
  const series = [{ key: "current", name: `${metricName(id)} · ${state.from}`, values: rows.map((r) => r[id] ?? null),
    color: COLORS.main }];
  compares.forEach((c, i) => {
    const byPeriod = new Map((answers[i].data.rows || []).map((r) => [r.period, r[`${id}__${c}`] ?? null]));
    series.push({ key: c, name: t(c === "wow" ? "day.wow" : "day.prev", { day: compareDates(c, state.from, state.to, lang()) }),
      values: labels.map((p) => byPeriod.get(p) ?? null), color: c === "wow" ? COLORS.bars[1] : COLORS.compare,
      dashed: c === "previous", dotted: c === "wow" });
  });
  const currency = answers[0].data.currency || data.currency;
  const chart = lineChart({ labels, series, fmtY: (v) => fmtAxis(v, m.unit), fmtTip: (v) => fmtMetric(v, m.unit, currency),
    fmtX: (d, long) => (long ? d : String(d).slice(11, 16)), yTitle: axisTitle(id, currency),
    label: `${metricName(id)} ${t("day.hourly", { day: state.from })}`, width: wideWidth() });
  const csv = () => ({ header: [t("col.hour"), metricName(id), ...series.slice(1).map((s) => s.name)],
    rows: rows.map((r, i) => [r.period, ...series.map((s) => s.values[i])]) });
  const node = chartCard({ ...head, name: `hourly_${id}`, chart, csv });
  node.querySelector("#trend-chart").dataset.hourly = "shown";
  return node;
}
