// The root-cause panel ("why?"): GET /api/v1/why for a KPI over the selected range (vs the previous period) or for
// one day of a chart (vs the same weekday a week earlier). Shows the API's sentence in the dashboard's language, a
// waterfall of the factors (reference value -> value) and the values of a dimension that explain the change.
// Errors (a date without data, a busy server: 429/503/504) are the API's bilingual message, inline in the panel.
import { cached, errorText, isAbort } from "./api.js";
import { waterfallChart } from "./charts_extra.js";
import { fmtChange, fmtDate, fmtMetric, fmtPct } from "./format.js";
import { dimName, lang, metricName, t, valueName } from "./i18n.js";
import { metricInfo, state } from "./state.js";
import { makeSortable } from "./table_sort.js";
import { clear, el, note, spinner } from "./ui.js";

export const WHY_DIMS = ["channel", "device", "country", "category", "new_vs_returning", "member_tier"];
const TOP_VALUES = 8;
let shown = null; // {request, answer, error, dim}: what the panel shows, re-drawn on a language switch
let asked = 0;

const $ = () => document.getElementById("why-panel");

// request: {metric, date} (compare wow) or {metric, from, to} (compare previous); currency for the numbers.
// where: the slice a chart shows ("dim=value", as GET /metrics): the answer explains that slice, not the store.
export async function openWhy(metric, { date = null, from = null, to = null, currency = null, where = null } = {}) {
  const params = { metric, store: state.store, by: WHY_DIMS.join(","), where: where && where.length ? where : null };
  if (date) Object.assign(params, { date, compare: "wow" });
  else Object.assign(params, { from: from || state.from, to: to || state.to, compare: "previous" });
  const ticket = ++asked;
  shown = { request: { metric, date, currency, params }, answer: null, error: null, dim: null };
  draw();
  try {
    const answer = await cached("/why", params);
    if (ticket === asked && shown) { shown.answer = answer; draw(); }
  } catch (exc) {
    if (isAbort(exc) || ticket !== asked || !shown) return;
    shown.error = exc;
    draw();
  }
}

// An answer already at hand (an alert's `root_cause` is the same JSON as GET /why): shown without a request.
export function showWhy(answer, { currency = null } = {}) {
  asked += 1;
  const period = answer.period || {};
  const ref = answer.reference || {};
  const date = period.from && period.from === period.to && ref.kind === "wow" ? period.from : null;
  shown = { request: { metric: answer.metric, date, currency, params: { from: period.from, to: period.to },
    given: true }, answer, error: null, dim: null };
  draw();
}

// The days of one point of a time-series chart: {date} for a day, {from, to} for a week ("2026-W43", ISO) or a
// month ("2026-10") cut to the selected range (the point's value covers those days only); null for an hour.
export function pointPeriod(label, grain = "day") {
  const text = String(label || "");
  const iso = (d) => d.toISOString().slice(0, 10);
  const clip = (from, to) => ({ from: from < state.from ? state.from : from, to: to > state.to ? state.to : to });
  if (grain === "day" && /^\d{4}-\d{2}-\d{2}$/.test(text)) return { date: text };
  let week = /^(\d{4})-W(\d{2})$/.exec(text);
  if (grain === "week" && week) {
    const jan4 = new Date(Date.UTC(Number(week[1]), 0, 4)); // ISO week 1 holds January 4th
    const monday = new Date(jan4.getTime() + ((Number(week[2]) - 1) * 7 - ((jan4.getUTCDay() + 6) % 7)) * 86_400_000);
    return clip(iso(monday), iso(new Date(monday.getTime() + 6 * 86_400_000)));
  }
  week = /^(\d{4})-(\d{2})$/.exec(text);
  if (grain === "month" && week) {
    const [y, m] = [Number(week[1]), Number(week[2])];
    return clip(iso(new Date(Date.UTC(y, m - 1, 1))), iso(new Date(Date.UTC(y, m, 0))));
  }
  return null;
}

// A click on point `label` of a chart of `why.metric` (charts.js lineChart's `why` option).
export function whyAtPoint({ metric, grain = "day", currency = null, where = null }, label) {
  const period = pointPeriod(label, grain);
  if (period) openWhy(metric, { ...period, currency, where });
}

export function closeWhy() {
  asked += 1;
  shown = null;
  const panel = $();
  if (panel) panel.remove();
}

// After a language switch: the same answer in the other language (no new request).
export function refreshWhy() { if (shown) draw(); }

function draw() {
  let panel = $();
  if (!panel) {
    panel = el("aside", { id: "why-panel", class: "why-panel", role: "dialog", "aria-modal": "false",
      tabindex: "-1", onkeydown: (ev) => { if (ev.key === "Escape") closeWhy(); } });
    document.body.append(panel);
  }
  const { request, answer, error } = shown;
  const state_ = error ? "error" : answer ? "ready" : "loading";
  panel.setAttribute("data-metric", request.metric);
  panel.setAttribute("data-state", state_);
  panel.setAttribute("aria-label", t("why.title"));
  clear(panel).append(el("header", { class: "why-head" },
    el("div", {}, el("h2", { text: `${t("why.title")} · ${metricName(request.metric)}` }),
      el("p", { class: "card-sub", text: request.date ? t("why.day", { day: fmtDate(request.date) })
        : t(request.given ? "why.span" : "why.range", { from: request.params.from, to: request.params.to }) })),
    el("button", { id: "why-close", type: "button", class: "small", "aria-label": t("why.close"),
      onclick: closeWhy, text: "×" })));
  if (state.filters.length && !request.params.where) panel.append(note(t("why.wholeStore"), "warn"));
  if (error) {
    panel.append(el("div", { id: "why-error", class: "error-box", role: "alert", "data-status": String(error.status ?? ""),
      text: errorText(error) }));
  } else if (!answer) {
    panel.append(spinner());
  } else {
    panel.append(...body(answer, request.currency));
  }
  if (state_ !== "loading") panel.focus({ preventScroll: true });
}

function body(a, currency) {
  const m = metricInfo(a.metric) || {};
  const f = (v) => fmtMetric(v, m.unit, currency);
  const parts = [el("p", { id: "why-summary", class: "why-summary", lang: lang() === "zh" ? "zh-CN" : "en",
    text: (a.summary && a.summary[lang()]) || "" }),
  el("p", { class: "muted", text: t("why.reference", { from: a.reference.from, to: a.reference.to,
    before: f(a.reference_value), now: f(a.value), change: fmtChange(a.change_pct) }) })];
  parts.push(el("h3", { text: t("why.factors") }));
  if (a.factors.length) {
    const tone = (s) => (m.good === "neutral" || !s.value ? "" : (s.value > 0) === (m.good !== "down") ? "good" : "bad");
    parts.push(el("div", { id: "why-waterfall" }, waterfallChart({
      start: { label: t("why.before"), value: a.reference_value }, end: { label: t("why.now"), value: a.value },
      steps: a.factors.map((x) => ({ key: x.factor, label: factorName(x.factor), value: x.contribution })),
      fmt: f, tone, label: `${metricName(a.metric)} ${t("why.factors")}` })));
  } else {
    parts.push(el("p", { id: "why-no-factors", class: "muted", text: t("why.noFactors") }));
  }
  parts.push(dimensionBlock(a, f));
  const notes = (a.notes || []).map((n) => (lang() === "zh" ? n.zh : n.en)).filter(Boolean);
  if (notes.length) parts.push(el("ul", { id: "why-notes", class: "why-notes muted" }, notes.map((x) => el("li", { text: x }))));
  return parts;
}

function factorName(id) {
  if (metricInfo(id)) return metricName(id);
  const own = { orders_per_buyer: "why.ordersPerBuyer", buyers_per_cart_buyer: "why.buyersPerCartBuyer" }[id];
  return own ? t(own) : id;
}

// The values of one dimension (the API's best first; a select shows another), top values only.
function dimensionBlock(a, f) {
  const holder = el("div", { class: "why-dims" }, el("h3", { text: t("why.values") }));
  if (!a.dimensions.length) return append(holder, el("p", { class: "muted", text: t("why.noDims") }));
  const dim = a.dimensions.find((d) => d.dimension === shown.dim) || a.dimensions[0];
  const select = el("select", { id: "why-dim", class: "small", "aria-label": t("why.dimension"), onchange: (ev) => {
    shown.dim = ev.target.value;
    holder.replaceWith(dimensionBlock(a, f));
  } }, a.dimensions.map((d) => el("option", { value: d.dimension, selected: d === dim,
    text: `${dimName(d.dimension)} · ${t("why.power", { p: fmtPct(d.explanatory_power, 0) })}` })));
  const cols = [t("why.value"), t("why.before"), t("why.now"), t("why.contribution"), t("why.share")];
  const rows = dim.values.slice(0, TOP_VALUES).map((v) => el("tr", { "data-value": v.value,
    class: v.explains ? "explains" : null },
  el("td", { text: `${v.explains ? "★ " : ""}${v.value === "(unattributed)" ? t("why.unattributed") : valueName(dim.dimension, v.value)}` }),
  el("td", { class: "num", text: f(v.value_before) }), el("td", { class: "num", text: f(v.value_now) }),
  el("td", { class: "num", "data-raw": String(v.contribution), text: f(v.contribution) }),
  el("td", { class: "num", text: fmtPct(v.share, 1) })));
  holder.append(select, el("div", { class: "table-wrap" }, makeSortable(el("table", { id: "why-values", class: "data-table",
    "data-no-total": "contributions to one change, shown with the change" },
  el("thead", {}, el("tr", {}, cols.map((c, i) => el("th", { scope: "col", class: i ? "num" : null, text: c })))),
  el("tbody", {}, rows)))), el("p", { class: "muted", text: t("why.explainsNote") }));
  return holder;
}

function append(node, child) { node.append(child); return node; }
