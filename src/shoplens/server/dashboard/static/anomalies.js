// Anomalous days from GET /api/v1/anomalies (the server's detector: same-weekday median, robust band, promotions
// left out): the dashboard draws what the API says and judges nothing itself. Filters: the API has no where=, so
// one filter value (channel=paid_search) asks for that dimension's series (by=channel); anything else: no marks.
import { cached } from "./api.js";
import { fmtDate, fmtMetric } from "./format.js";
import { metricName, t, valueName } from "./i18n.js";
import { metricInfo, state } from "./state.js";
import { el, note } from "./ui.js";

const SEVERITY = { high: 0, medium: 1, low: 2 };

// {byMetric: {id: [record]}, records, note}: `note` says why there are no marks (filters), null otherwise.
export async function loadAnomalies(ids) {
  const empty = { byMetric: {}, records: [], note: null };
  const dims = [...new Set(state.filters.map((f) => f.dim))];
  if (!ids.length) return empty;
  if (state.filters.length > 1 || dims.length > 1) return { ...empty, note: t("an.filtered") };
  const filter = state.filters[0] || null;
  const usable = filter ? ids.filter((id) => (metricInfo(id)?.dimensions || []).includes(filter.dim)) : ids;
  if (!usable.length) return { ...empty, note: t("an.filtered") };
  const answer = await cached("/anomalies", { metrics: usable.join(","), store: state.store, from: state.from,
    to: state.to, by: filter ? filter.dim : null });
  const records = (answer.anomalies || []).filter((a) => a.store === state.store
    && (filter ? a.dims && a.dims[filter.dim] === filter.value : !a.dims || !Object.keys(a.dims).length));
  const byMetric = {};
  for (const a of records) (byMetric[a.metric] ||= []).push(a);
  return { byMetric, records, note: null };
}

// Chart marks for `labels` (the daily periods): {i, bad, severity, period} per anomaly on a drawn day.
export function chartMarks(records, labels) {
  const at = new Map(labels.map((p, i) => [p, i]));
  return (records || []).filter((a) => at.has(a.period)).map((a) => ({ i: at.get(a.period), bad: a.bad,
    severity: a.severity, period: a.period }));
}

// The tooltip lines of an anomalous day: value, expected, band, severity.
export function anomalyTip(a, currency) {
  const unit = (metricInfo(a.metric) || {}).unit;
  const f = (v) => fmtMetric(v, unit, currency);
  return el("div", { class: `tip-anomaly ${a.bad ? "bad" : ""}`.trim() },
    el("strong", { text: `⚠ ${t(`an.sev.${a.severity}`)}${a.bad ? ` · ${t("an.bad")}` : ""}` }),
    el("div", { text: t("an.tip", { value: f(a.value), expected: f(a.expected), lower: f(a.lower),
      upper: f(a.upper) }) }));
}

// The range's bad anomalies (worst first): metric, day, severity, a "why?" per row.
export function badList(result, { onWhy, currency }) {
  const bad = result.records.filter((a) => a.bad)
    .sort((a, b) => SEVERITY[a.severity] - SEVERITY[b.severity] || b.period.localeCompare(a.period)
      || Math.abs(b.score) - Math.abs(a.score));
  const body = el("div", { id: "anomaly-list" });
  if (result.note) body.append(note(result.note, "warn"));
  if (!bad.length) {
    body.append(el("p", { class: "muted anomaly-none", text: t("an.none") }));
    return body;
  }
  const filter = state.filters[0];
  body.append(el("ul", { class: "anomaly-items" }, bad.map((a) => {
    const unit = (metricInfo(a.metric) || {}).unit;
    return el("li", { class: `anomaly-item sev-${a.severity}`, "data-metric": a.metric, "data-period": a.period,
      "data-severity": a.severity },
    el("span", { class: `badge sev-${a.severity}`, text: t(`an.sev.${a.severity}`) }),
    el("span", { class: "anomaly-metric", text: metricName(a.metric) }),
    filter ? el("span", { class: "muted", text: valueName(filter.dim, filter.value) }) : null,
    el("span", { class: "anomaly-day", text: fmtDate(a.period) }),
    el("span", { class: "muted", text: t("an.short", { value: fmtMetric(a.value, unit, currency),
      expected: fmtMetric(a.expected, unit, currency) }) }),
    onWhy ? el("button", { type: "button", class: "link why-button", text: t("why.button"),
      title: t("why.title"), onclick: () => onWhy(a.metric, { date: a.period }) }) : null);
  })));
  return body;
}
