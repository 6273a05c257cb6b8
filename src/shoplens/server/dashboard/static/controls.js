// The global controls above every page: store, date range (+ quick ranges), comparison, filter chips and the
// "add filter" picker. Every change goes through navigate() (the URL), which re-renders the page.
import { cached, errorText } from "./api.js";
import { fmtInt } from "./format.js";
import { dimName, t, valueName } from "./i18n.js";
import { compareOptions } from "./compare.js";
import { activePresets, PRESETS, presetRange } from "./dates.js";
import { addFilter, dataRange, defaultRange, DRILL_DIMS, FILTER_DIMS, fitCompare, removeFilter, state, storeInfo,
  toHash }
  from "./state.js";
import { HIERARCHIES } from "./drill.js";
import { el } from "./ui.js";

const CHIP_ORDER = [...FILTER_DIMS, ...DRILL_DIMS]; // channel before its source, category before its brand

export function renderControls(container, { navigate }) {
  container.textContent = "";
  const { min, max } = dataRange(storeInfo());

  const store = el("select", { id: "store-select", "aria-label": t("ctl.store"), onchange: (ev) => {
    state.store = ev.target.value;
    Object.assign(state, defaultRange());
    state.filters = [];
    navigate();
  } }, state.stores.map((s) => el("option", { value: s.store_id, selected: s.store_id === state.store,
    text: s.name && s.name !== s.store_id ? `${s.name} (${s.store_id})` : s.store_id })));

  const message = el("span", { class: "control-error", role: "alert" });
  const dateInput = (id, key) => el("input", { id, type: "date", value: state[key] || "", min: min || null,
    max: max || null, "aria-label": t(key === "from" ? "ctl.from" : "ctl.to"), onchange: () => {
      const from = container.querySelector("#date-from").value;
      const to = container.querySelector("#date-to").value;
      if (!from || !to) return;
      if (from > to) { message.textContent = t("ctl.badRange"); return; }
      message.textContent = "";
      state.from = from;
      state.to = to;
      navigate();
    } });

  const presets = presetButtons(max, navigate);

  const dropped = fitCompare();
  if (dropped) history.replaceState(null, "", toHash());
  const compare = el("select", { id: "compare-select", "aria-label": t("ctl.compare"), onchange: (ev) => {
    state.compare = ev.target.value;
    navigate();
  } }, compareOptions().map((o) => el("option", { value: o.value, selected: o.value === state.compare, text: o.text,
    title: o.title, disabled: o.disabled })));
  const fellBack = dropped ? el("span", { class: "control-note", id: "compare-note", role: "status",
    "data-dropped": dropped, text: t("cmp.fellBack", { name: t(`cmp.${dropped}`), first: min }) }) : null;

  const chipErrors = el("div", { id: "filter-errors", class: "chip-errors" });
  const chips = el("div", { id: "filter-chips", class: "chips", "aria-label": t("ctl.filters") },
    [...state.filters].sort((a, b) => CHIP_ORDER.indexOf(a.dim) - CHIP_ORDER.indexOf(b.dim)).map((f) => {
      const name = `${dimName(f.dim)}: ${valueName(f.dim, f.value)}`;
      const chip = el("span", { class: "chip", "data-filter": f.dim, "data-value": f.value, title: `${f.dim}=${f.value}` },
        el("span", { class: "chip-text", text: name }),
        el("button", { type: "button", class: "chip-remove", "aria-label": t("ctl.removeFilter", { name }),
          title: t("ctl.removeFilter", { name }), onclick: () => { removeChip(f); navigate(); } },
        "×"));
      checkFilter(f, chip, chipErrors);
      return chip;
    }),
    new Set(state.filters.map((f) => f.dim)).size < state.filters.length
      ? el("span", { class: "chips-hint muted small", text: t("ctl.anyOf") }) : null,
    state.filters.length ? null : el("span", { class: "chips-empty", text: t("ctl.noFilters") }),
    state.filters.length > 1 ? el("button", { type: "button", class: "link small", text: t("ctl.clearFilters"),
      onclick: () => { state.filters = []; navigate(); } }) : null);

  const picker = el("div", { class: "filter-picker", hidden: true });
  const add = el("button", { type: "button", class: "small add-filter", id: "add-filter", "aria-expanded": "false",
    onclick: () => {
      picker.hidden = !picker.hidden;
      add.setAttribute("aria-expanded", String(!picker.hidden));
      if (!picker.hidden) buildPicker(picker, navigate, () => { picker.hidden = true; });
    } }, `+ ${t("ctl.addFilter")}`);

  const range = min && max ? el("span", { class: "range-hint", text: t("ctl.range", { min, max }) }) : null;
  container.append(
    el("div", { class: "control-row" },
      el("label", { class: "control" }, el("span", { text: t("ctl.store") }), store),
      el("label", { class: "control" }, el("span", { text: t("ctl.from") }), dateInput("date-from", "from")),
      el("label", { class: "control" }, el("span", { text: t("ctl.to") }), dateInput("date-to", "to")),
      presets,
      el("label", { class: "control" }, el("span", { text: t("ctl.compare") }), compare),
      range, message, fellBack),
    el("div", { class: "control-row filters" }, el("span", { class: "filters-label", text: t("ctl.filters") }),
      chips, add, picker),
    chipErrors);
}

// Quick ranges relative to the store's last day with data (the demo's "today" is its last data day), the active
// one(s) marked (aria-pressed); weeks start on Monday.
function presetButtons(last, navigate) {
  const info = storeInfo() || {};
  const active = new Set(activePresets(state.from, state.to, last));
  const tip = t("preset.tip", { last: last || "—", tz: info.timezone || "UTC" });
  return el("div", { class: "presets", role: "group", title: tip, "aria-label": tip }, PRESETS.map((p) => {
    const days = { last7: 7, last30: 30, last90: 90 }[p];
    return el("button", { type: "button", class: `small preset ${active.has(p) ? "active" : ""}`.trim(),
      "data-preset": p, "data-days": days || null, "aria-pressed": String(active.has(p)), disabled: last ? null : true,
      title: last ? `${t(`preset.${p}`)}: ${rangeText(presetRange(p, last))} · ${tip}` : tip, onclick: () => {
        Object.assign(state, presetRange(p, last));
        navigate();
      } }, t(`preset.${p}`));
  }));
}

const rangeText = (r) => (r.from === r.to ? r.from : `${r.from} – ${r.to}`);

// A filter value the store does not know (typed into the URL, or a store switched under it) is marked on its chip,
// with the server's message ("unknown channel 'paidsearch' — did you mean paid_search?") beside the filters.
function checkFilter(f, chip, holder) {
  cached(`/values/${encodeURIComponent(f.dim)}`, { store: state.store, value: f.value, limit: 1 }).catch((exc) => {
    if (!exc || exc.status !== 400 || !chip.isConnected) return;
    chip.classList.add("invalid");
    chip.setAttribute("aria-invalid", "true");
    holder.append(el("p", { class: "chip-error", role: "alert", "data-filter": f.dim, "data-value": f.value,
      text: errorText(exc) }));
  });
}

// Dimension select + value select (GET /values/{dim}: the store's values with their rows in the dates, most first)
// or a typed value, checked by the server before it becomes a filter (an unknown one is said here, not applied).
function buildPicker(picker, navigate, close) {
  picker.textContent = "";
  const values = el("select", { class: "filter-value", "aria-label": t("ctl.pickValue") });
  const typed = el("input", { type: "text", class: "filter-typed", placeholder: t("ctl.typeValue"),
    "aria-label": t("ctl.typeValue"), spellcheck: "false", autocomplete: "off" });
  const dim = el("select", { class: "filter-dim", "aria-label": t("ctl.filters"), onchange: () => load() },
    FILTER_DIMS.map((d) => el("option", { value: d, text: dimName(d) })));
  const status = el("span", { class: "picker-status", role: "alert" });
  const apply = el("button", { type: "button", class: "small primary", text: t("ctl.apply"), onclick: async () => {
    const value = typed.value.trim() || values.value;
    if (!value) return;
    status.textContent = "";
    typed.removeAttribute("aria-invalid");
    if (typed.value.trim()) {
      try {
        await cached(`/values/${encodeURIComponent(dim.value)}`, { store: state.store, value, limit: 1 });
      } catch (exc) {
        typed.setAttribute("aria-invalid", "true");
        status.textContent = errorText(exc);
        return;
      }
    }
    addFilter(dim.value, value);
    close();
    navigate();
  } });
  let asked = 0; // the latest list asked for: an earlier answer arriving late must not replace it
  async function load() {
    const ticket = ++asked;
    values.textContent = "";
    values.append(el("option", { value: "", text: t("loading") }));
    status.textContent = "";
    try {
      const data = await cached(`/values/${encodeURIComponent(dim.value)}`, { store: state.store, from: state.from,
        to: state.to });
      if (ticket !== asked) return;
      values.textContent = "";
      values.append(el("option", { value: "", text: t("ctl.pickValue") }));
      for (const row of data.values || []) {
        const v = row.value;
        if (v === null || v === undefined || v === "") continue;
        const n = row.rows === null || row.rows === undefined ? "" : ` (${fmtInt(row.rows)})`;
        values.append(el("option", { value: v, text: `${valueName(dim.value, v)}${n}` }));
      }
    } catch (exc) {
      if (ticket !== asked) return;
      values.textContent = "";
      status.textContent = errorText(exc);
    }
  }
  picker.append(dim, values, typed, apply, el("button", { type: "button", class: "small", text: t("ctl.cancel"),
    onclick: close }), el("small", { class: "muted picker-hint", text: t("ctl.valueCounts") }), status);
  load();
}

// A chip's value goes; when it was the last value of a drill level (channel in channel → source → campaign), the
// levels below it go too: a source left without its channel would cut the channel table silently.
function removeChip(f) {
  removeFilter(f.dim, f.value);
  if (state.filters.some((x) => x.dim === f.dim)) return;
  for (const chain of Object.values(HIERARCHIES)) {
    const at = chain.indexOf(f.dim);
    if (at >= 0) for (const below of chain.slice(at + 1)) removeFilter(below);
  }
}
