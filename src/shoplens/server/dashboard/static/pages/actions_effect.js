// An action's measured effect (GET /api/v1/actions/{id}/effect?days=): the sentence in the page's language, the
// difference-in-differences estimate with its 95 % interval, the four means, and the daily treated vs comparison
// series as a line chart; a days selector (7/14/28). An action too recent for the days asked shows the server's
// message and hint (which says how many days exist).
import { api } from "../api.js";
import { fmtDate, fmtDayShort, fmtMetric, fmtNumber } from "../format.js";
import { lang, t } from "../i18n.js";
import { COLORS, lineChart, wideWidth } from "../charts.js";
import { storeInfo } from "../state.js";
import { makeSortable } from "../table_sort.js";
import { card, clear, el, errorBox } from "../ui.js";

export const EFFECT_DAYS = [7, 14, 28];

// A value in the metric's unit; a difference of rates in percentage points (as the sentence says it).
export function fmtEffect(v, unit, diff = false) {
  if (diff && unit === "percent") {
    return v === null || v === undefined ? "—" : `${fmtNumber(v * 100, 2, 2)}${t("act.pp")}`;
  }
  return fmtMetric(v, unit, (storeInfo() || {}).reporting_currency || null);
}

export function effectPanel(ctx) {
  const body = el("div", { id: "effect-panel", "data-state": "empty" });
  const view = { days: 14, action: null };
  const days = el("select", { id: "effect-days", class: "small", "aria-label": t("act.days"),
    onchange: (ev) => { view.days = Number(ev.target.value); if (view.action) ctx.reload(() => open(view.action)); } },
  EFFECT_DAYS.map((d) => el("option", { value: String(d), selected: d === view.days, text: t("act.nDays", { n: d }) })));
  const node = card({ title: t("act.effectTitle"), sub: t("act.effectSub"), wide: true, cls: "effect-card",
    actions: [el("label", { class: "control inline" }, el("span", { text: t("act.days") }), days)],
    body });
  body.append(el("p", { class: "muted", text: t("act.pick") }));

  async function open(action) {
    view.action = action;
    Object.assign(body.dataset, { actionId: String(action.id), days: String(view.days), state: "loading" });
    let answer;
    try {
      answer = await api(`/actions/${action.id}/effect`, { params: { days: view.days } });
    } catch (exc) {
      if (!ctx.alive() || view.action !== action) return;
      body.dataset.state = "error";
      clear(body).append(el("h3", { class: "effect-title", text: action.title }),
        el("div", { id: "effect-error" }, errorBox(exc)));
      return;
    }
    if (!ctx.alive() || view.action !== action) return;
    body.dataset.state = "ready";
    clear(body).append(...content(answer));
    body.scrollIntoView({ block: "nearest" });
  }

  function close() {
    view.action = null;
    body.dataset.state = "empty";
    clear(body).append(el("p", { class: "muted", text: t("act.pick") }));
  }

  return { node, open, close };
}

function content(answer) {
  const e = answer.effect || {};
  const unit = (answer.metric || {}).unit;
  const w = answer.windows || {};
  const name = (answer.metric || {})[lang()] || (answer.metric || {}).id;
  const comparison = ((answer.comparison || {}).label || {})[lang()] || "";
  const estimate = el("div", { id: "effect-estimate", class: `effect-estimate ${e.significant ? "sig" : "nosig"}`,
    "data-estimate": String(e.estimate ?? ""), "data-low": String(e.low ?? ""), "data-high": String(e.high ?? ""),
    "data-significant": String(Boolean(e.significant)) },
  el("span", { class: "muted", text: `${t("act.estimate")}: ` }),
  el("strong", { class: "effect-value", text: fmtEffect(e.estimate, unit, true) }),
  el("span", { class: "effect-interval", text: ` [${fmtEffect(e.low, unit, true)}, ${fmtEffect(e.high, unit, true)}]` }),
  el("span", { class: "muted", text: ` ${t("act.interval")}` }),
  el("span", { class: `badge ${e.significant ? "status-resolved" : ""}`,
    text: t(e.significant ? "act.sig" : "act.nosig") }));
  const means = makeSortable(el("table", { id: "effect-means", class: "data-table compact",
    "data-no-total": "treated vs comparison: two groups, not parts of a whole" },
    el("thead", {}, el("tr", {}, el("th", { text: "" }),
      el("th", { class: "num", text: `${t("act.before")} ${w.before ? `${w.before.from}..${w.before.to}` : ""}` }),
      el("th", { class: "num", text: `${t("act.after")} ${w.after ? `${w.after.from}..${w.after.to}` : ""}` }),
      el("th", { class: "num", text: t("act.change") }))),
    el("tbody", {},
      el("tr", { "data-group": "treated" }, el("td", { text: t("act.treated") }),
        el("td", { class: "num", text: fmtEffect(e.treated_before, unit) }),
        el("td", { class: "num", text: fmtEffect(e.treated_after, unit) }),
        el("td", { class: "num", text: fmtEffect(e.treated_change, unit, true) })),
      el("tr", { "data-group": "control" }, el("td", { text: `${t("act.control")}: ${comparison}` }),
        el("td", { class: "num", text: fmtEffect(e.control_before, unit) }),
        el("td", { class: "num", text: fmtEffect(e.control_after, unit) }),
        el("td", { class: "num", text: fmtEffect(e.control_change, unit, true) })))));
  const daily = answer.daily || [];
  const chart = lineChart({ labels: daily.map((d) => d.date), width: wideWidth(), height: 220,
    label: `${name} ${t("act.chart")}`,
    series: [{ name: t("act.treated"), values: daily.map((d) => d.treated), color: COLORS.main },
      { name: `${t("act.control")}: ${comparison}`, values: daily.map((d) => d.control), color: COLORS.compare,
        dashed: true }],
    fmtY: (v) => fmtEffect(v, unit), fmtX: (d, long) => (long ? fmtDate(d) : fmtDayShort(d)) });
  const action = answer.action || {};
  return [el("h3", { class: "effect-title", text: `${action.title || ""} · ${name} · ${action.scope_text || ""}` }),
    el("p", { id: "effect-sentence", class: "effect-sentence", lang: lang() === "zh" ? "zh-CN" : "en",
      text: (answer.sentence || {})[lang()] || "" }),
    estimate, el("div", { class: "table-wrap" }, means),
    el("div", { id: "effect-chart", class: "chart-holder", "data-points": String(daily.length) }, chart)];
}
