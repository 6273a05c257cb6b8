// Where each alert went (GET /api/v1/deliveries: per channel its latest attempt, with status and UTC time) and the
// "Schedule / 定时任务" panel (GET /api/v1/schedule: jobs, cron, next due time, the last run's status). Read fresh
// (not from the GET cache): a send or a scheduled run changes them. No channel address or secret is ever sent.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { makeSortable } from "../table_sort.js";
import { card, el, emptyState, errorBox } from "../ui.js";

// "2026-12-07T02:31:05Z" -> "2026-12-07 02:31 UTC"
export const utcText = (at) => (at ? `${at.slice(0, 10)} ${at.slice(11, 16)} UTC` : "");

// {alert id: [{channel, status, at}]}: each channel's latest attempt (the API lists newest first).
// A log that cannot be read leaves the cells empty rather than the alert list (said in the console).
export async function loadDeliveries(store) {
  let answer;
  try {
    answer = await api("/deliveries", { params: { store, limit: 0 } });
  } catch (exc) {
    console.warn(exc);
    return {};
  }
  const out = {};
  for (const d of answer.deliveries || []) {
    const rows = (out[d.alert_id] ||= []);
    if (!rows.some((r) => r.channel === d.channel)) rows.push(d);
  }
  for (const rows of Object.values(out)) rows.sort((a, b) => (a.channel < b.channel ? -1 : 1));
  return out;
}

export function deliveryCell(rows) {
  if (!rows || !rows.length) return el("td", { class: "alert-delivery muted", text: t("dl.none") });
  return el("td", { class: "alert-delivery" }, rows.map((d) => el("div", { class: "delivery",
    "data-channel": d.channel, "data-status": d.status, "data-at": d.at, title: d.answer || "" },
  el("span", { class: "delivery-channel", text: d.channel }), " ",
  el("span", { class: `badge delivery-${d.status}`, text: t(`dl.status.${d.status}`) }), " ",
  el("span", { class: "delivery-at muted", text: utcText(d.at) }))));
}

export async function schedulePanel() {
  let answer;
  try {
    answer = await api("/schedule");
  } catch (exc) {
    return card({ title: t("sch.title"), wide: true, cls: "schedule-card", body: errorBox(exc) });
  }
  const jobs = answer.jobs || [];
  const cols = ["sch.col.job", "sch.col.run", "sch.col.cron", "sch.col.next", "sch.col.last"];
  const body = jobs.length ? el("div", { class: "table-wrap" }, makeSortable(el("table", { id: "schedule-table",
    class: "data-table", "data-no-total": "a list of jobs" }, el("thead", {}, el("tr", {}, cols.map((c) => el("th", { scope: "col", text: t(c) })))),
  el("tbody", {}, jobs.map((j) => {
    const last = (j.last_runs || [])[0];
    return el("tr", { "data-job": j.job, "data-next": j.next_due || "", "data-last-status": last ? last.status : "",
      "data-last-due": last ? last.due : "" },
    el("td", { text: j.job }), el("td", { text: t(`sch.run.${j.run}`) }),
    el("td", { class: "mono", text: `${j.cron} (${j.timezone})` }),
    el("td", { class: "schedule-next", text: j.enabled ? j.next_due || "—" : t("sch.disabled") }),
    el("td", { class: "schedule-last" }, last ? [el("span", { class: `badge delivery-${last.status}`,
      text: t(`sch.status.${last.status}`) }), " ", el("span", { class: "muted", text: last.due })]
      : el("span", { class: "muted", text: t("sch.never") })));
  }))))) : emptyState(t("sch.none"));
  const sub = jobs.length ? t(answer.running ? "sch.running" : "sch.notRunning") : null;
  return card({ title: t("sch.title"), sub, wide: true, cls: "schedule-card", body: el("div", {
    id: "schedule-panel", "data-running": String(Boolean(answer.running)), "data-count": String(jobs.length) }, body) });
}
