// 行动 Actions: the day's recommendations (GET /api/v1/recommendations) as cards, each loggable in one click
// (POST /api/v1/actions with the recommendation's id), the action log with a hand form and removal
// (pages/actions_log.js) and, for a clicked action, its measured effect (pages/actions_effect.js). Writes need the
// analyst or admin role: a viewer sees no write button (and the API refuses anyway). Recommendations come from the
// GET cache (a read of one data version); the action log is read fresh (a write changes it).
import { api, cached } from "../api.js";
import { fmtCurrency, fmtDate, fmtMetric } from "../format.js";
import { dimName, lang, metricName, t, valueName } from "../i18n.js";
import { defaultRange, metricInfo, state, storeInfo } from "../state.js";
import { card, clear, el, emptyState, errorBox, note } from "../ui.js";
import { canChange, showAlertsOf } from "./alerts.js";
import { actionLog } from "./actions_log.js";

const view = { day: null }; // the day asked for (null: the server's default, each store's last complete day)

// The day to ask for: the page's own choice, else the end of the global range when the user changed it, else the
// server's default (the last complete day; the default range ends at the last day with data, maybe incomplete).
function askedDay() {
  if (view.day) return view.day;
  return state.to && state.to !== defaultRange().to ? state.to : null;
}

// What a one-click log sends: the action text in the UI language, the first evidence metric of the catalog that
// the recommendation's scope can cut (evidence about another scope left out), that scope (dim=value; none for a
// scope the metric catalog has no dimension for, e.g. a segment), else the expected effect's metric store-wide.
export function actionFrom(rec) {
  const [dim, value] = Object.entries(rec.scope || {}).find(([k]) => k !== "store") || [];
  const cuts = (id) => Boolean(dim) && ((metricInfo(id) || {}).dimensions || []).includes(dim);
  const own = (rec.evidence || []).filter((e) => !e.scope && metricInfo(e.metric));
  let pick = own.find((e) => !dim || cuts(e.metric));
  let scope = pick && dim ? `${dim}=${value}` : null;
  if (!pick) {
    const metric = [rec.expected_effect && rec.expected_effect.metric, "gmv"].find((id) => id && metricInfo(id));
    pick = { metric };
    scope = cuts(metric) ? `${dim}=${value}` : null;
  }
  return { title: (rec.action && (rec.action[lang()] || rec.action.en)) || rec.rule, metric: pick.metric, scope,
    date: rec.day, store: (rec.scope && rec.scope.store) || state.store, recommendation: rec.id };
}

const currency = () => (storeInfo() || {}).reporting_currency || null;

// The seller's own names (store id, SKU id, product name, campaign, segment) stay as they are, marked as names
// (data-raw-id): they are not untranslated words. A value with a zh/en label shows the label.
const rawName = (text) => el("span", { "data-raw-id": "", text: String(text) });

function scopeDim(k) {
  return dimName(k) !== k || t(`act.dim.${k}`) === `act.dim.${k}` ? dimName(k) : t(`act.dim.${k}`);
}

function scopeValue(k, v) {
  const shown = valueName(k, v);
  return shown === String(v) ? rawName(v) : shown;
}

function scopeNodes(scope) {
  const parts = Object.entries(scope || {}).filter(([k]) => k !== "store")
    .map(([k, v]) => [`${scopeDim(k)}: `, scopeValue(k, v)]);
  const all = [(scope || {}).store ? [rawName(scope.store)] : null, ...(parts.length ? parts : [[t("act.wholeStore")]])]
    .filter(Boolean);
  return all.flatMap((p, i) => (i ? [" · ", ...p] : p));
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// The action text with the names the API lists (`names`) wrapped as names; the longest first, so a name that
// holds another is kept whole.
export function actionNodes(text, names) {
  const found = (names || []).filter((n) => n && text.includes(n)).sort((a, b) => b.length - a.length);
  if (!found.length) return [text];
  const pattern = new RegExp(`(${found.map(escapeRegExp).join("|")})`);
  return text.split(pattern).filter((p) => p !== "").map((p) => (found.includes(p) ? rawName(p) : p));
}

// A catalog metric's name; the few evidence numbers outside the catalog (counts of a rule) have labels here.
function evidenceName(id) {
  return metricInfo(id) || t(`act.ev.${id}`) === `act.ev.${id}` ? metricName(id) : t(`act.ev.${id}`);
}

function evidenceItem(e) {
  const info = metricInfo(e.metric);
  const f = (v) => (info ? fmtMetric(v, info.unit, currency()) : fmtMetric(v, Number.isInteger(v) ? "count" : null));
  const other = e.scope ? (typeof e.scope === "string" ? (e.scope === "store" ? t("act.wholeStore") : e.scope)
    : Object.entries(e.scope).map(([k, v]) => `${dimName(k)}: ${valueName(k, v)}`).join(", ")) : null;
  return el("li", { class: "rec-evidence-item", "data-metric": e.metric, "data-value": String(e.value ?? ""),
    "data-reference": String(e.reference ?? "") },
  el("span", { class: "rec-evidence-metric", text: evidenceName(e.metric) }), other ? ` (${other})` : "", ": ",
  el("strong", { class: "rec-evidence-value", text: f(e.value) }),
  e.reference === null || e.reference === undefined ? null
    : el("span", { class: "muted rec-evidence-reference", "data-kind": e.reference_kind || "",
      text: ` ${t(`act.reference.${e.reference_kind || "other"}`, { v: f(e.reference) })}` }));
}

// Links: the alerts of the day open the Alerts page on that day; API addresses open; commands are shown to copy.
function links(rec, ctx) {
  const items = [];
  for (const [key, value] of Object.entries(rec.links || {})) {
    const label = t(`act.link.${key}`) === `act.link.${key}` ? key : t(`act.link.${key}`);
    let node;
    if (key === "alerts") {
      node = el("a", { href: "#", class: "rec-link-alerts", onclick: (ev) => {
        ev.preventDefault();
        Object.assign(state, { from: rec.day, to: rec.day, store: (rec.scope && rec.scope.store) || state.store });
        showAlertsOf();
        ctx.navigate("alerts");
      }, text: t("act.openAlerts") });
    } else if (typeof value === "string" && value.startsWith("/api/v1/")) {
      node = el("a", { href: value, target: "_blank", rel: "noopener", class: "mono rec-link-url",
        "data-raw-id": "url", text: value }); // an address, like a command, is not prose
    } else if (Array.isArray(value) && key === "shift_to") { // values of the recommendation's own dimension
      const dim = Object.keys(rec.scope || {}).find((k) => k !== "store");
      node = el("span", {}, value.flatMap((v, i) => [i ? t("list.sep") : "", scopeValue(dim, v)]));
    } else if (Array.isArray(value)) { // campaigns, products: the seller's own names and ids
      node = el("span", { class: "mono", "data-raw-id": key, text: value.join(", ") });
    } else {
      node = el("code", { class: "rec-link-command", text: String(value) });
    }
    items.push(el("li", { "data-link": key }, el("span", { class: "muted", text: `${label}: ` }), node));
  }
  return items.length ? el("ul", { class: "rec-links" }, items) : null;
}

function recCard(rec, logged, ctx, onLog) {
  const effect = rec.expected_effect;
  const done = logged.get(rec.id);
  const button = canChange() && !done ? el("button", { type: "button", class: "small primary rec-log",
    text: t("act.log"), title: t("act.logTip"), onclick: (ev) => { ev.target.disabled = true; onLog(rec); } }) : null;
  return el("article", { class: `rec-card pri-${rec.priority}`, "data-rec-id": rec.id, "data-rule": rec.rule,
    "data-priority": rec.priority, "data-logged": String(Boolean(done)) },
  el("div", { class: "rec-head" },
    el("span", { class: `badge sev-${rec.priority}`, text: t(`act.pri.${rec.priority}`) }),
    el("span", { class: "rec-scope muted" }, scopeNodes(rec.scope)),
    done ? el("span", { class: "badge status-resolved rec-logged", "data-action-id": String(done),
      text: t("act.logged") }) : button),
  el("p", { class: "rec-action", lang: lang() === "zh" ? "zh-CN" : "en" },
    actionNodes((rec.action || {})[lang()] || "", rec.names)),
  el("ul", { class: "rec-evidence" }, (rec.evidence || []).map(evidenceItem)),
  effect ? el("p", { class: "rec-effect", "data-value": String(effect.value ?? "") },
    el("span", { class: "muted", text: `${t("act.expected")}: ` }),
    el("strong", { text: fmtCurrency(effect.value, effect.currency) }),
    el("span", { class: "muted", text: ` — ${effect[lang()] || effect.en || ""}` })) : null,
  links(rec, ctx));
}

export async function render(page, ctx) {
  const recError = el("div", { id: "rec-error" });
  const recList = el("div", { id: "rec-list", class: "rec-list" });
  const summary = el("p", { id: "rec-summary", class: "muted" });
  const day = el("input", { id: "rec-day", type: "date", "aria-label": t("act.day"), onchange: (ev) => {
    view.day = ev.target.value || null;
    ctx.reload(loadAll);
  } });
  if (state.filters.length) page.append(note(t("act.noFilters"), "warn"));
  page.append(card({ title: t("act.recTitle"), sub: t("act.recSub"), wide: true, body: el("div", {},
    el("div", { class: "control-row" }, el("label", { class: "control" }, el("span", { text: t("act.day") }), day)),
    summary, recError, recList) }));
  const log = actionLog(ctx, () => loadAll());
  page.append(...log.nodes);

  async function loadAll() {
    clear(recError);
    let answer;
    let actions;
    try {
      [answer, actions] = await Promise.all([cached("/recommendations", { store: state.store, date: askedDay() }),
        log.load()]);
    } catch (exc) {
      if (!ctx.alive()) return;
      ctx.errors += 1;
      clear(recList);
      recError.append(errorBox(exc));
      return;
    }
    if (!ctx.alive()) return;
    const recs = answer.recommendations || []; // the API's order (priority, then GMV at stake): kept as is
    const shown = (answer.days || {})[state.store] || askedDay();
    day.value = shown || "";
    summary.dataset.day = shown || "";
    summary.textContent = t("act.recCount", { n: recs.length, day: fmtDate(shown) });
    const logged = new Map();
    for (const a of actions) if (a.recommendation && !logged.has(a.recommendation)) logged.set(a.recommendation, a.id);
    clear(recList).append(...(recs.length ? recs.map((r) => recCard(r, logged, ctx, logRec)) : [emptyState(t("act.noRecs"))]));
  }

  function logRec(rec) {
    ctx.reload(async () => {
      clear(recError);
      try {
        await api("/actions", { method: "POST", body: actionFrom(rec) });
      } catch (exc) {
        recError.append(errorBox(exc));
        return;
      }
      await loadAll();
    });
  }

  await loadAll();
}
