// 数据 Data: where each store's numbers come from and how to bring more in. Admins see the import form
// (pages/data_import.js: preset, preview of the rows it would write, the conservation summary, the quarantine);
// analysts and admins see the store's sources (GET /api/v1/sources): each table fed by a preset, a canonical import
// or the event collector, with its files, rows, first and last data day in the store's zone and how fresh that is.
// Columns: what a human checks first (last day, freshness) comes first, so a phone shows it without scrolling.
// Viewers read analyses only (the API refuses them sources and the quarantine), so they get a note.
import { api } from "../api.js";
import { fmtInt } from "../format.js";
import { lang, t } from "../i18n.js";
import { state } from "../state.js";
import { card, el, emptyState, errorBox, note, tableCard } from "../ui.js";
import { importCard } from "./data_import.js";

const role = () => (state.me && state.me.user && state.me.user.role) || "viewer";

export async function render(page, ctx) {
  if (role() === "viewer") {
    page.append(card({ title: t("data.sources"), wide: true, body: note(t("data.viewerOnly"), "info") }));
    return;
  }
  const sources = el("div", { id: "data-sources" });
  if (role() === "admin") page.append(await importCard(ctx, () => ctx.reload(() => loadSources(sources)).catch(() => {}))); // box shows it
  page.append(sources);
  await loadSources(sources);
}

export function presetName(name) {
  if (name === "canonical" || name === "collector" || name === "demo" || name === "unknown") return t(`data.preset.${name}`);
  return name;
}

export function freshnessText(s) {
  if (s.freshness === "empty" || s.freshness === "undated") return t(`data.fresh.${s.freshness}`);
  if (s.freshness === "fresh") return t("data.fresh.fresh");
  return t(s.freshness === "late" ? "data.fresh.late" : "data.fresh.stale", { n: fmtInt(s.days_behind) });
}

function importTime(text) {
  if (!text) return "—";
  const when = new Date(`${text.replace(" ", "T")}Z`); // the manifest's times are UTC
  return Number.isNaN(when.getTime()) ? text : when.toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB",
    { dateStyle: "medium", timeStyle: "short" });
}

async function loadSources(box) {
  box.replaceChildren();
  let answer;
  try {
    answer = await api("/sources", { params: { store: state.store } });
  } catch (exc) {
    box.append(errorBox(exc));
    throw exc;
  }
  const store = (answer.stores || [])[0] || { sources: [], timezone: "" };
  const columns = [
    { key: "table", label: t("data.col.table"), node: (s) => el("code", { text: s.table }) },
    { key: "preset", label: t("data.col.preset"), text: (s) => presetName(s.preset), raw: (s) => s.preset },
    { key: "last_day", label: t("data.col.last"), text: (s) => s.last_day || "—" },
    { key: "freshness", label: t("data.col.freshness"), sort: (s) => (s.days_behind ?? 1e9),
      node: (s) => el("span", { class: `fresh-chip fresh-${s.freshness}`, text: freshnessText(s) }),
      raw: (s) => s.freshness },
    { key: "rows", label: t("data.col.rows"), num: true, text: (s) => fmtInt(s.rows), raw: (s) => s.rows },
    { key: "first_day", label: t("data.col.first"), text: (s) => s.first_day || "—" },
    { key: "files", label: t("data.col.files"), text: (s) => filesText(s.files, s.files_total), raw: (s) => s.files.join(" "),
      tip: (s) => s.files.join("\n") },
    { key: "last_import", label: t("data.col.lastImport"), text: (s) => importTime(s.last_import),
      raw: (s) => s.last_import },
  ];
  box.append(tableCard({ title: t("data.sources"), sub: t("data.sourcesSub", { store: store.store || state.store,
    tz: store.timezone }), id: "sources-table", name: `sources_${state.store}`, columns, rows: store.sources,
  empty: emptyState(t("data.noSources")),
  rowAttrs: (s) => ({ "data-table": s.table, "data-preset": s.preset, "data-freshness": s.freshness,
    "data-last-day": s.last_day || "", "data-rows": s.rows }) }));
}

function filesText(files, total = files.length) { // the API lists the latest 20 names; total counts them all
  if (!files.length) return "—";
  return total <= 2 ? files.join(", ") : t("data.nFiles", { first: files[0], n: fmtInt(total - 1) });
}
