// The dashboard's global state (store, dates, comparison, filters, page), its URL form (#/page?store=…) and the
// query parameters every page sends. Filters apply to every query that can take them: a metric that cannot be cut
// by a filter's dimension is left out (shown as "—" with a note) rather than failing the whole query.
import { COMPARES, compareSupported } from "./dates.js";

export const PAGES = ["overview", "traffic", "conversion", "users", "products", "service", "alerts", "actions", "data"];
export const FILTER_DIMS = ["channel", "country", "device", "category"];
// the lower levels of the drill-down hierarchies (drill.js): filters the URL keeps, not offered in the picker
export const DRILL_DIMS = ["source", "campaign", "brand", "product"];
export const EVENT_KEYS = new Set(["channel", "device", "country"]); // keys behaviour analyses accept in where=

export const state = {
  me: null,          // GET /api/v1/me
  stores: [],        // GET /api/v1/stores rows
  catalog: { metrics: {}, dimensions: {} },
  store: null,
  from: null,
  to: null,
  compare: "previous",
  filters: [],       // [{dim, value}]: values of one dimension mean any of them, different dimensions all
  page: "overview",
  picks: {},         // {table or card key: [metric ids]} chosen in a metric picker (URL: m.<key>=a,b)
};

export function setCatalog(data) {
  const metrics = {};
  for (const m of data.metrics || []) metrics[m.id] = m;
  state.catalog = { metrics, dimensions: data.dimensions || {}, values: data.values || {} }; // values: #14
}

export const metricInfo = (id) => state.catalog.metrics[id] || null;
export const hasMetric = (id) => Boolean(state.catalog.metrics[id]);
export const storeInfo = () => state.stores.find((s) => s.store_id === state.store) || null;
export const compareParam = () => (state.compare === "none" ? null : state.compare);

// Metric ids that exist and can be cut by every dimension in `by` and every active filter.
export function usable(ids, by = []) {
  const dims = [...by, ...state.filters.map((f) => f.dim)];
  const ok = [];
  const skipped = [];
  for (const id of ids) {
    const m = metricInfo(id);
    if (!m) continue;
    if (dims.every((d) => (m.dimensions || []).includes(d))) ok.push(id);
    else skipped.push(id);
  }
  return { ok, skipped };
}

export function metricWhere() { return state.filters.map((f) => `${f.dim}=${f.value}`); }

// Filters for the behaviour analyses (funnel, retention, RFM): only the event keys apply, the values of one key
// as KEY=A|B (any of them). A value holding "|" cannot be written that way, so it is left out (and said so).
export function eventWhere() {
  const usableFilter = (f) => EVENT_KEYS.has(f.dim) && !f.value.includes("|");
  const values = new Map();
  for (const f of state.filters.filter(usableFilter)) values.set(f.dim, [...(values.get(f.dim) || []), f.value]);
  return {
    where: [...values].map(([dim, vs]) => `${dim}=${vs.join("|")}`),
    ignored: state.filters.filter((f) => !usableFilter(f)),
  };
}

export function rangeParams() { return { store: state.store, from: state.from, to: state.to }; }

export function metricParams(ids, extra = {}) {
  return { metrics: ids.join(","), ...rangeParams(), where: metricWhere(), ...extra };
}

// Drill-down: the page shows this value of `dim` only.
export function setFilter(dim, value) {
  state.filters = state.filters.filter((f) => f.dim !== dim);
  addFilter(dim, value);
}

// The filter picker: one more value of `dim` (the page then shows any of its values).
export function addFilter(dim, value) {
  if (value === null || value === undefined || value === "") return;
  const text = String(value);
  if (!state.filters.some((f) => f.dim === dim && f.value === text)) state.filters.push({ dim, value: text });
}

// One value of `dim`, or (no value given) all of them.
export function removeFilter(dim, value) {
  state.filters = state.filters.filter((f) => f.dim !== dim || (value !== undefined && f.value !== value));
}

// ---- dates -------------------------------------------------------------------------------------------------

export function isoDay(date) { return date.toISOString().slice(0, 10); }

export function addDays(iso, n) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return isoDay(d);
}

// A UTC timestamp from /stores as the store's local date.
function localDay(ts, timezone) {
  if (!ts) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(ts)) return ts;
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(ts) ? ts : `${ts}Z`);
  if (Number.isNaN(d.getTime())) return String(ts).slice(0, 10);
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: timezone || "UTC", year: "numeric", month: "2-digit",
      day: "2-digit" }).format(d);
  } catch {
    return isoDay(d);
  }
}

// The store's data range (local dates) from the events and orders tables.
export function dataRange(info) {
  const tables = (info && info.tables) || {};
  const pick = (key, agg) => ["events", "orders"].map((t) => localDay(tables[t] && tables[t][key], info.timezone))
    .filter(Boolean).sort()[agg === "max" ? "pop" : "shift"]();
  return info ? { min: pick("min_ts", "min") || null, max: pick("max_ts", "max") || null } : { min: null, max: null };
}

export function hasData(info, table) { return Boolean(info && info.tables && info.tables[table] && info.tables[table].rows); }

// The last 30 days with data of the current store.
export function defaultRange() {
  const { max } = dataRange(storeInfo());
  const to = max || isoDay(new Date());
  return { from: addDays(to, -29), to };
}

// A comparison the data cannot support (yoy on a store without a year of history, wow before the 8th day) falls
// back to the previous period; returns the comparison dropped (for a note), or null.
export function fitCompare() {
  const { min } = dataRange(storeInfo());
  if (compareSupported(state.compare, state.from, state.to, min).ok) return null;
  const dropped = state.compare;
  state.compare = "previous";
  return dropped;
}

export const isOneDay = () => Boolean(state.from) && state.from === state.to;

// ---- URL ---------------------------------------------------------------------------------------------------

export function toHash(page = state.page) {
  const qs = new URLSearchParams();
  if (state.store) qs.set("store", state.store);
  if (state.from) qs.set("from", state.from);
  if (state.to) qs.set("to", state.to);
  qs.set("compare", state.compare);
  for (const f of state.filters) qs.append("f", `${f.dim}=${f.value}`);
  for (const [key, ids] of Object.entries(state.picks)) if (ids.length) qs.set(`m.${key}`, ids.join(","));
  return `#/${page}?${qs.toString()}`;
}

// Reads the hash into the state; false when it named nothing usable (the caller then writes a fresh one).
export function fromHash(hash) {
  const match = /^#\/([a-z]+)(?:\?(.*))?$/.exec(hash || "");
  if (!match || !PAGES.includes(match[1])) return false;
  state.page = match[1];
  const qs = new URLSearchParams(match[2] || "");
  const store = qs.get("store");
  if (store && state.stores.some((s) => s.store_id === store)) state.store = store;
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (day.test(qs.get("from") || "")) state.from = qs.get("from");
  if (day.test(qs.get("to") || "")) state.to = qs.get("to");
  if (COMPARES.includes(qs.get("compare"))) state.compare = qs.get("compare");
  state.filters = [];
  for (const f of qs.getAll("f")) {
    const i = f.indexOf("=");
    if (i > 0 && [...FILTER_DIMS, ...DRILL_DIMS].includes(f.slice(0, i))) addFilter(f.slice(0, i), f.slice(i + 1));
  }
  state.picks = {};
  for (const [key, value] of qs) {
    if (/^m\.[a-z0-9_]+$/.test(key)) state.picks[key.slice(2)] = value.split(",").filter((id) => /^[a-z0-9_]+$/.test(id));
  }
  return true;
}
