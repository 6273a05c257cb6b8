// 概览 Overview: the open alerts of the latest alert day (pages/alerts_card.js), KPI cards (value, 环比/同比 arrow,
// target attainment, sparkline, anomaly flag, why?), the daily trend of one KPI (GMV first; click a card to chart
// another) against the comparison period with the days GET /api/v1/anomalies flagged (a click on a day: why?), and
// the range's bad anomalies.
import { anomalyTip, badList, chartMarks } from "../anomalies.js";
import { COLORS, chartCard, lineChart, wideWidth } from "../charts.js";
import { fmtAxis, fmtDate, fmtDayShort, fmtMetric } from "../format.js";
import { metricInfo, state } from "../state.js";
import { metricName, t } from "../i18n.js";
import { block, card, el, emptyState, note } from "../ui.js";
import { openWhy } from "../why.js";
import { alertsCard } from "./alerts_card.js";
import { anomaliesOrNone, dataNotes, emptyText, kpiCard, kpiData, skippedNote } from "./common.js";

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
  page.append(notes, alertsHolder, card({ title: t("ov.kpis"), sub: t("ov.clickCard"), wide: true, body: kpiHolder }), trendHolder,
    card({ title: t("an.title"), sub: t("an.sub"), wide: true, body: listHolder }));

  let data = null;
  let marks = { byMetric: {}, records: [], note: null };
  const why = (metric, when = {}) => openWhy(metric, { ...when, currency: data && data.currency });
  const draw = () => {
    kpiHolder.textContent = "";
    for (const id of KPIS.filter((k) => metricInfo(k))) {
      kpiHolder.append(kpiCard(id, data.total, data.daily, data.currency, {
        skipped: data.skipped.includes(id), selected: id === trendMetric, flags: marks.byMetric[id] || [],
        onSelect: (chosen) => { trendMetric = chosen; draw(); }, onWhy: (m) => why(m) }));
    }
    trendHolder.textContent = "";
    trendHolder.append(trendCard(data, marks, why));
    listHolder.textContent = "";
    listHolder.append(badList(marks, { onWhy: why, currency: data.currency }));
  };
  const openAlerts = block(alertsHolder, alertsCard, ctx); // today's open alerts, beside the KPIs
  await block(kpiHolder, async () => {
    [data, marks] = await Promise.all([kpiData(KPIS), anomaliesOrNone(KPIS)]);
    const warn = skippedNote(data.skipped);
    if (warn) notes.append(warn);
    const total = data.total || {};
    const explained = dataNotes(data.notes);
    if (explained) notes.append(explained);
    else if (!total.gmv && !total.uv) {
      const orders = emptyText("orders");
      const events = emptyText("events");
      notes.append(emptyState(orders, orders === events ? null : events));
    }
    if (!data.ok.includes(trendMetric)) trendMetric = data.ok[0] || "gmv";
    return el("div", { class: "placeholder" });
  }, ctx);
  if (data && ctx.alive()) draw();
  await openAlerts;
}

function trendCard(data, marks, why) {
  const id = trendMetric;
  const m = metricInfo(id) || {};
  const cmp = state.compare === "none" ? null : state.compare;
  const labels = data.daily.map((r) => r.period);
  const values = data.daily.map((r) => r[id] ?? null);
  const series = [{ name: `${metricName(id)} · ${t("ov.current")}`, values, color: COLORS.main }];
  if (cmp) {
    series.push({ name: `${t("ov.compared")} (${t(`cmp.short.${cmp}`)})`, values: data.daily.map((r) => r[`${id}__${cmp}`] ?? null),
      color: COLORS.compare, dashed: true });
  }
  const fmtY = (v) => fmtAxis(v, m.unit);
  const daily = data.grain === "day"; // anomalies and why? are per day: a weekly chart has neither
  const flags = daily ? marks.byMetric[id] || [] : [];
  const flagAt = new Map(flags.map((a) => [a.period, a]));
  const chart = data.ok.includes(id) && labels.length
    ? lineChart({ labels, series, fmtY, fmtTip: (v) => fmtMetric(v, m.unit, data.currency),
      fmtX: (d, long) => (long ? (daily ? fmtDate(d) : d) : fmtDayShort(d)), marks: chartMarks(flags, labels),
      tipExtra: (i) => (flagAt.has(labels[i]) ? anomalyTip(flagAt.get(labels[i]), data.currency)
        : daily ? el("div", { class: "muted", text: t("why.clickPoint") }) : null),
      onPoint: daily ? (i) => why(id, { date: labels[i] }) : null,
      label: `${metricName(id)} ${t("ov.trend")}`, width: wideWidth() })
    : note(t("na.filter"), "warn");
  const picker = el("select", { id: "trend-metric", class: "small", "aria-label": t("ov.trend"), onchange: (ev) => {
    trendMetric = ev.target.value;
    document.querySelectorAll(".kpi-card").forEach((c) => {
      c.classList.toggle("selected", c.dataset.kpi === trendMetric);
      c.setAttribute("aria-pressed", String(c.dataset.kpi === trendMetric));
    });
    const holder = ev.target.closest(".grid-wide");
    holder.textContent = "";
    holder.append(trendCard(data, marks, why));
  } }, data.ok.map((k) => el("option", { value: k, selected: k === id, text: metricName(k) })));
  const csv = () => ({ header: [t("col.date"), metricName(id), ...(cmp ? [t("ov.compared")] : [])],
    rows: data.daily.map((r) => [r.period, r[id], ...(cmp ? [r[`${id}__${cmp}`]] : [])]) });
  return chartCard({ title: `${t("ov.trend")} · ${metricName(id)}`, sub: t("ov.trendSub"), id: "trend-chart",
    name: `trend_${id}`, chart, csv, wide: true, extra: [picker] });
}
