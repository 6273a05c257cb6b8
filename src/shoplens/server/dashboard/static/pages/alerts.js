// 告警 Alerts: the stored alerts of the store (GET /api/v1/alerts) with their severity, rule (names from
// GET /alerts/rules), metric, scope, day, value against its reference, change and status; filters for status
// (asked of the API), severity (the API has none: cut here) and dates (the range above, or all days); acknowledge /
// resolve with a note (analysts and admins: a viewer's buttons are disabled, and a refusal is shown in words);
// "why?" shows the alert's own root cause (its `root_cause` is the GET /why answer: no new request); "check now"
// POSTs /alerts/check for a day. Each alert shows where it was delivered, and a panel lists the scheduled jobs
// (pages/alerts_delivery.js). Alerts are never read from the 30-second GET cache: a status changes under it.
import { api, cached } from "../api.js";
import { fmtChange, fmtDate, fmtMetric } from "../format.js";
import { dimName, lang, metricName, t, valueName } from "../i18n.js";
import { dataRange, metricInfo, state, storeInfo } from "../state.js";
import { makeSortable } from "../table_sort.js";
import { card, clear, el, emptyState, errorBox, note } from "../ui.js";
import { openWhy, showWhy } from "../why.js";
import { deliveryCell, loadDeliveries, schedulePanel } from "./alerts_delivery.js";

export const STATUSES = ["open", "acknowledged", "resolved", "all"];
export const SEVERITIES = ["all", "high", "medium", "low"];
const view = { status: "open", severity: "all", allDays: false }; // kept while the dashboard is open

// The overview card's link: the open alerts, over every day when `day` is outside the selected dates.
export function showOpenAlerts(day) {
  Object.assign(view, { status: "open", severity: "all", allDays: Boolean(day && (day < state.from || day > state.to)) });
}

// A recommendation's alerts link: every alert of the dates above (the caller sets them to the day).
export function showAlertsOf() { Object.assign(view, { status: "all", severity: "all", allDays: false }); }

export const canChange = () => ["analyst", "admin"].includes(state.me && state.me.user && state.me.user.role);
const currency = () => (storeInfo() || {}).reporting_currency || null;

// The rule's name in the page's language (the rules endpoint), else its id.
export function ruleName(rules, id) {
  const names = rules[id] && rules[id].name;
  return (names && (lang() === "zh" ? names.zh : names.en)) || id;
}

export async function loadRules() {
  try {
    const answer = await cached("/alerts/rules");
    return Object.fromEntries((answer.rules || []).map((r) => [r.id, r]));
  } catch (exc) {
    console.warn(exc);
    return {};
  }
}

// The alert's message in the page's language without its leading "rule name: " (the cell shows the name above).
export function details(a, name) {
  const text = (a.message && a.message[lang()]) || "";
  for (const sep of [": ", "："]) if (text.startsWith(`${name}${sep}`)) return text.slice(name.length + sep.length);
  return text;
}

export function scopeText(a) {
  const dims = Object.entries(a.dims || {}).map(([k, v]) => `${dimName(k)}: ${valueName(k, v)}`);
  return [a.store, ...dims].join(" · ");
}

export function openRootCause(a) {
  if (a.root_cause) showWhy(a.root_cause, { currency: currency() });
  else openWhy(a.metric, { date: a.period, currency: currency() });
}

export async function render(page, ctx) {
  const errors = el("div", { id: "alert-error" });
  const list = el("div", { id: "alert-list" });
  const summary = el("p", { id: "alert-summary", class: "muted" });
  const select = (id, values, key, label) => el("label", { class: "control" }, el("span", { text: t(label) }),
    el("select", { id, class: "small", onchange: (ev) => { view[key] = ev.target.value; ctx.reload(load); } },
      values.map((v) => el("option", { value: v, selected: v === view[key], text: t(`al.${key}.${v}`) }))));
  const allDays = el("label", { class: "control inline" }, el("input", { id: "alert-all-days", type: "checkbox",
    checked: view.allDays, onchange: (ev) => { view.allDays = ev.target.checked; ctx.reload(load); } }),
  el("span", { text: t("al.allDays") }));
  const filters = el("div", { class: "control-row alert-filters" },
    select("alert-status", STATUSES, "status", "al.statusFilter"),
    select("alert-severity", SEVERITIES, "severity", "al.severityFilter"), allDays, checkNow(ctx, errors, () => load()));
  if (state.filters.length) page.append(note(t("al.noFilters"), "warn"));
  page.append(card({ title: t("al.title"), sub: t("al.sub"), wide: true,
    body: el("div", {}, filters, summary, errors, list) }));
  const schedule = el("div", { id: "schedule-slot" });
  page.append(schedule);

  let rules = {};
  let delivered = {};
  // the list again; an API error is shown above it in words (never an uncaught rejection)
  async function load() {
    try {
      await fetchList();
    } catch (exc) {
      if (!ctx.alive()) return;
      ctx.errors += 1;
      clear(list);
      clear(errors).append(errorBox(exc));
    }
  }

  async function fetchList() {
    clear(errors);
    const params = { store: state.store, status: view.status === "all" ? null : view.status,
      from: view.allDays ? null : state.from, to: view.allDays ? null : state.to };
    let answer;
    let panel;
    [answer, rules, delivered, panel] = await Promise.all([api("/alerts", { params }), loadRules(),
      loadDeliveries(state.store), schedulePanel()]);
    if (!ctx.alive()) return;
    const alerts = (answer.alerts || []).filter((a) => view.severity === "all" || a.severity === view.severity);
    summary.textContent = t("al.count", { n: alerts.length });
    clear(list).append(alerts.length ? table(alerts) : emptyState(t("al.none")));
    clear(schedule).append(panel);
  }

  function table(alerts) {
    const cols = ["al.col.severity", "al.col.rule", "al.col.metric", "al.col.scope", "al.col.day", "al.col.value",
      "al.col.change", "al.col.status", "al.col.delivery", "al.col.actions"];
    return el("div", { class: "table-wrap" }, makeSortable(el("table", { id: "alerts-table", class: "data-table",
      "data-no-total": "a log of alerts" },
    el("thead", {}, el("tr", {}, cols.map((c) => el("th", { scope: "col", text: t(c) })))),
    el("tbody", {}, alerts.map(row)))));
  }

  function row(a) {
    const unit = (metricInfo(a.metric) || {}).unit;
    const f = (v) => fmtMetric(v, unit, currency());
    const actions = el("td", { class: "alert-actions" },
      el("button", { type: "button", class: "link why-button alert-why", text: t("why.button"),
        title: t("al.whyTip"), onclick: () => openRootCause(a) }),
      a.status === "resolved" ? null : change(a, "ack"), a.status === "resolved" ? null : change(a, "resolve"));
    return el("tr", { "data-alert-id": String(a.id), "data-rule": a.rule, "data-severity": a.severity,
      "data-status": a.status, "data-metric": a.metric, "data-period": a.period, class: `clickable sev-${a.severity}`,
      title: t("al.whyTip"), onclick: (ev) => { if (!ev.target.closest("button,input,a")) openRootCause(a); } },
    el("td", {}, el("span", { class: `badge sev-${a.severity}`, text: t(`an.sev.${a.severity}`) })),
    el("td", { class: "alert-rule" }, el("div", { class: "alert-rule-name", text: ruleName(rules, a.rule) }),
      el("div", { class: "alert-message muted", lang: lang() === "zh" ? "zh-CN" : "en",
        text: details(a, ruleName(rules, a.rule)) })),
    el("td", { text: metricName(a.metric) }),
    el("td", { class: "alert-scope", text: scopeText(a) }),
    el("td", { text: fmtDate(a.period) }),
    el("td", { class: "num", text: t("al.vs", { value: f(a.value), reference: f(a.reference) }) }),
    el("td", { class: "num", "data-raw": String(a.change ?? ""), text: fmtChange(a.change) }),
    el("td", {}, el("span", { class: `badge status-${a.status}`, text: t(`al.status.${a.status}`) })),
    deliveryCell(delivered[a.id]), actions);
  }

  // ack / resolve: a note field and a confirm button appear under the row; a viewer sees the buttons disabled.
  function change(a, action) {
    const allowed = canChange() && !(action === "ack" && a.status === "acknowledged");
    return el("button", { type: "button", class: `small alert-${action}`, disabled: !allowed,
      title: canChange() ? null : t("al.needsAnalyst"), text: t(`al.${action}`), onclick: (ev) => {
        const tr = ev.target.closest("tr");
        const old = tr.nextElementSibling;
        if (old && old.classList.contains("alert-form")) old.remove();
        const input = el("input", { type: "text", class: "alert-note", maxlength: "2000",
          placeholder: t("al.notePlaceholder"), "aria-label": t("al.note") });
        const form = el("tr", { class: "alert-form", "data-for": String(a.id) }, el("td", { colspan: "10" },
          el("div", { class: "alert-form-row" }, input,
            el("button", { type: "button", class: "small primary alert-confirm", text: t(`al.${action}`),
              onclick: () => ctx.reload(async () => {
                try {
                  await api(`/alerts/${a.id}/${action}`, { method: "POST", body: { note: input.value.trim() || null } });
                } catch (exc) {
                  clear(errors).append(errorBox(exc));
                  return;
                }
                await load();
              }) }),
            el("button", { type: "button", class: "small", text: t("ctl.cancel"), onclick: () => form.remove() }))));
        tr.after(form);
        input.focus();
      } });
  }

  await load();
}

// "Check now": evaluate every rule for a day (default: the last day with data) and list again.
function checkNow(ctx, errors, load) {
  if (!canChange()) return null;
  const { min, max } = dataRange(storeInfo());
  const day = el("input", { id: "alert-check-date", type: "date", value: max || "", min: min || null, max: max || null,
    "aria-label": t("al.checkDay") });
  const result = el("span", { id: "alert-check-result", class: "muted", role: "status" });
  return el("div", { class: "control alert-check" }, el("span", { text: t("al.checkDay") }), day,
    el("button", { id: "alert-check", type: "button", class: "small primary", text: t("al.check"),
      title: t("al.checkTip"), onclick: () => ctx.reload(async () => {
        result.textContent = "";
        clear(errors);
        let answer;
        try {
          answer = await api("/alerts/check", { method: "POST", params: { date: day.value || null,
            store: state.store } });
        } catch (exc) {
          errors.append(errorBox(exc));
          return;
        }
        await load(); // with what the check stored
        const c = answer.checked || {};
        result.dataset.fired = String(c.fired ?? 0);
        result.dataset.new = String(c.new ?? 0);
        result.textContent = t("al.checked", { fired: c.fired ?? 0, fresh: c.new ?? 0 });
      }) }), result);
}
