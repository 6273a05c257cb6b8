// The action log of the Actions page: GET /api/v1/actions of the store as a table (day, title, metric, scope,
// recommendation, who), a form to log an action by hand (POST; the server checks metric, dimension and value and
// its refusal is shown in words) and removal (DELETE); analysts and admins only. A click on a row shows the
// action's effect (pages/actions_effect.js).
import { api } from "../api.js";
import { fmtDate } from "../format.js";
import { lang, metricName, t } from "../i18n.js";
import { state } from "../state.js";
import { makeSortable } from "../table_sort.js";
import { card, clear, el, emptyState, errorBox } from "../ui.js";
import { canChange } from "./alerts.js";
import { effectPanel } from "./actions_effect.js";

export function actionLog(ctx, reloadAll) {
  const errors = el("div", { id: "action-error" });
  const list = el("div", { id: "action-list" });
  const effect = effectPanel(ctx);
  let selected = null;

  // the store's active actions, newest day first; the table is redrawn (the caller awaits this with the cards)
  async function load() {
    clear(errors);
    let answer;
    try {
      answer = await api("/actions", { params: { store: state.store } });
    } catch (exc) {
      if (ctx.alive()) { ctx.errors += 1; clear(list); errors.append(errorBox(exc)); }
      return [];
    }
    const actions = answer.actions || [];
    if (ctx.alive()) clear(list).append(actions.length ? table(actions) : emptyState(t("act.noActions")));
    if (selected && !actions.some((a) => a.id === selected)) { selected = null; effect.close(); }
    return actions;
  }

  function table(actions) {
    const cols = ["act.col.day", "act.col.title", "act.col.metric", "act.col.scope", "act.col.rec", "act.col.who",
      "act.col.actions"];
    return el("div", { class: "table-wrap" }, makeSortable(el("table", { id: "actions-table", class: "data-table",
      "data-no-total": "a log of actions" },
    el("thead", {}, el("tr", {}, cols.map((c) => el("th", { scope: "col", text: t(c) })))),
    el("tbody", {}, actions.map(row)))));
  }

  function row(a) {
    const remove = canChange() ? el("button", { type: "button", class: "small action-remove", text: t("act.remove"),
      onclick: () => ctx.reload(async () => {
        clear(errors);
        try {
          await api(`/actions/${a.id}`, { method: "DELETE" });
        } catch (exc) {
          errors.append(errorBox(exc));
          return;
        }
        await reloadAll();
      }) }) : null;
    return el("tr", { class: `clickable${a.id === selected ? " selected" : ""}`, tabindex: "0",
      "data-action-id": String(a.id), "data-date": a.date, "data-metric": a.metric, "data-scope": a.scope_text,
      "data-recommendation": a.recommendation || "", title: t("act.effectTip"),
      onclick: (ev) => { if (!ev.target.closest("button")) show(a, ev.currentTarget); },
      onkeydown: (ev) => { if (ev.key === "Enter") show(a, ev.currentTarget); } },
    el("td", { text: fmtDate(a.date) }), el("td", { class: "action-title", text: a.title }),
    el("td", { text: metricName(a.metric) }),
    el("td", { class: "mono", text: a.scope_text === "store" ? t("act.wholeStore") : a.scope_text }),
    el("td", { class: "mono action-rec", text: a.recommendation || "—" }),
    el("td", { text: a.created_by || "—" }),
    el("td", { class: "alert-actions" }, el("button", { type: "button", class: "link action-effect",
      text: t("act.effect"), onclick: (ev) => show(a, ev.target.closest("tr")) }), remove));
  }

  function show(a, tr) {
    selected = a.id;
    document.querySelectorAll("#actions-table tr.selected").forEach((r) => r.classList.remove("selected"));
    if (tr) tr.classList.add("selected");
    ctx.reload(() => effect.open(a));
  }

  const nodes = [
    card({ title: t("act.logTitle"), sub: t("act.logSub"), wide: true,
      body: el("div", {}, canChange() ? form() : null, errors, list) }),
    effect.node];

  // by hand: title, metric (the catalog), scope dim=value (optional), day (default: the end of the range)
  function form() {
    const metrics = Object.values(state.catalog.metrics)
      .sort((a, b) => metricName(a.id).localeCompare(metricName(b.id), lang() === "zh" ? "zh-CN" : "en"));
    const title = el("input", { id: "action-title", type: "text", maxlength: "2000", placeholder: t("act.titleHint"),
      "aria-label": t("act.col.title") });
    const metric = el("select", { id: "action-metric", class: "small", "aria-label": t("act.col.metric") },
      metrics.map((m) => el("option", { value: m.id, selected: m.id === "conversion_rate", text: metricName(m.id) })));
    const scope = el("input", { id: "action-scope", type: "text", maxlength: "500", placeholder: "channel=paid_search",
      "aria-label": t("act.col.scope") });
    const day = el("input", { id: "action-date", type: "date", value: state.to || "", "aria-label": t("act.col.day") });
    const submit = el("button", { id: "action-submit", type: "submit", class: "small primary", text: t("act.add") });
    return el("form", { id: "action-form", class: "action-form", onsubmit: (ev) => {
      ev.preventDefault();
      if (!title.value.trim()) { title.focus(); return; }
      ctx.reload(async () => {
        clear(errors);
        try {
          await api("/actions", { method: "POST", body: { title: title.value.trim(), metric: metric.value,
            scope: scope.value.trim() || null, date: day.value || null, store: state.store } });
        } catch (exc) {
          errors.append(errorBox(exc));
          return;
        }
        title.value = "";
        scope.value = "";
        await reloadAll();
      });
    } },
    el("label", { class: "control grow" }, el("span", { text: t("act.col.title") }), title),
    el("label", { class: "control" }, el("span", { text: t("act.col.metric") }), metric),
    el("label", { class: "control" }, el("span", { text: t("act.scopeLabel") }), scope),
    el("label", { class: "control" }, el("span", { text: t("act.col.day") }), day), submit);
  }

  return { nodes, load };
}
