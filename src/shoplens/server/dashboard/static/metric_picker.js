// The metric picker: a button opening the catalog's metrics grouped as the catalog groups them (traffic,
// conversion, …), each with its zh/en name and its definition and formula on hover (what `shoplens metrics
// explain` shows). Only metrics the table's dimensions and the active filters can take are offered. The choice
// lives in the URL (state.picks[key] -> #/page?…&m.<key>=gmv,uv), so a reload or a shared link keeps it; the
// page's defaults (the operators' core set) apply while nothing is picked.
//
//   metricPicker({key, ids, defaults, dims, onChange}) -> button + panel (a node to put in a card's actions)
//   pickedIds(key, defaults, dims) -> the ids to show now
import { lang, metricDefinition, metricName, t } from "./i18n.js";
import { state, usable } from "./state.js";
import { el } from "./ui.js";

const GROUPS = ["traffic", "conversion", "retention", "value", "product", "service", "logistics"];

// The picked ids of `key` that still exist (and fit `dims`), else `defaults`.
export function pickedIds(key, defaults, dims = []) {
  const picked = (state.picks[key] || []).filter((id) => state.catalog.metrics[id]);
  const ok = usable(picked, dims).ok;
  return ok.length ? ok : defaults;
}

// Catalog ids (all when `ids` is null) the dimensions and filters allow, in catalog order.
export function pickable(ids = null, dims = []) {
  const all = Object.keys(state.catalog.metrics).filter((id) => !ids || ids.includes(id));
  return usable(all, dims).ok;
}

function tip(id) {
  const m = state.catalog.metrics[id] || {};
  return `${metricDefinition(id)}\n= ${m.formula || ""}`;
}

// `onChange(ids)` runs after the state and URL changed (default: nothing else; pages pass ctx.navigate).
export function metricPicker({ key, ids = null, defaults, dims = [], onChange = null }) {
  const options = pickable(ids, dims);
  const current = pickedIds(key, defaults, dims);
  const button = el("button", { type: "button", class: "small metric-picker-button", "data-picker": key,
    "aria-haspopup": "true", "aria-expanded": "false", title: t("mp.tip"),
    text: `${t("mp.button")} (${current.length}) ▾` });
  const groups = GROUPS.map((g) => [g, options.filter((id) => state.catalog.metrics[id].group === g)])
    .filter(([, list]) => list.length);
  const boxes = [];
  const panel = el("div", { class: "metric-picker", "data-picker": key, role: "dialog", "aria-label": t("mp.button"),
    hidden: true },
  el("div", { class: "mp-groups" }, groups.map(([g, list]) => el("fieldset", { class: "mp-group", "data-group": g },
    el("legend", { text: t(`grp.${g}`) }),
    list.map((id) => {
      const box = el("input", { type: "checkbox", value: id, "data-metric": id, checked: current.includes(id) });
      boxes.push(box);
      return el("label", { class: "mp-item", title: tip(id) }, box, el("span", { text: metricName(id) }));
    })))),
  el("div", { class: "mp-actions" },
    el("button", { type: "button", class: "small mp-reset", text: t("mp.defaults"),
      onclick: () => { for (const b of boxes) b.checked = defaults.includes(b.value); } }),
    el("button", { type: "button", class: "small mp-cancel", text: t("mp.cancel"), onclick: () => close() }),
    el("button", { type: "button", class: "small primary mp-apply", text: t("mp.apply"), onclick: () => apply() })));
  const wrap = el("div", { class: "metric-picker-wrap", lang: lang() === "zh" ? "zh-CN" : "en" }, button, panel);

  const outside = (ev) => { if (!wrap.contains(ev.target)) close(); };
  const esc = (ev) => { if (ev.key === "Escape") close(); };
  function open() {
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    document.addEventListener("mousedown", outside);
    document.addEventListener("keydown", esc);
  }
  function close() {
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    document.removeEventListener("mousedown", outside);
    document.removeEventListener("keydown", esc);
  }
  // The kept ids in their current order, then the newly ticked ones in catalog order.
  function apply() {
    const ticked = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!ticked.length) return;
    const ids = [...current.filter((id) => ticked.includes(id)), ...ticked.filter((id) => !current.includes(id))];
    // the defaults ticked again (in any order, e.g. after "Defaults"): no choice left in the URL
    const same = ids.length === defaults.length && defaults.every((id) => ids.includes(id));
    if (same) delete state.picks[key];
    else state.picks[key] = ids;
    close();
    if (onChange) onChange(ids);
  }
  button.addEventListener("click", () => (panel.hidden ? open() : close()));
  return wrap;
}
