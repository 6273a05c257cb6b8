// The data page's import form (admins): files, preset (with the file it expects; "auto" only when the API says
// every preset recognises its file), table for a canonical import, store (a new one needs currency and time zone).
// "Preview" runs the import on the server and rolls it back (POST /imports/preview): the first rows it would write
// per table, the conservation summary per file (read = loaded + duplicates + quarantined) and the quarantine
// examples (file:line:column, reason, value). "Import" runs it for real and shows the same with the import id.
// The last answer is kept while the dashboard is open, so a language switch shows it again in the other language.
import { api, apiUpload, clearCache, errorText } from "../api.js";
import { fmtInt } from "../format.js";
import { lang, t } from "../i18n.js";
import { defaultRange, state } from "../state.js";
import { card, el, emptyState, note } from "../ui.js";

const view = { result: null, presets: null }; // {mode: preview|import, answer}

async function presets() {
  if (!view.presets) view.presets = await api("/presets");
  return view.presets;
}

const pick = (p, key) => (lang() === "zh" ? p[`${key}_zh`] || p[key] : p[key] || p[`${key}_zh`]) || "";

export async function importCard(ctx, onImported) {
  const info = await presets();
  const field = (label, control, hint) => el("label", { class: "control data-field" },
    el("span", { text: t(label) }), control, hint ? el("small", { class: "muted", text: t(hint) }) : null);
  const file = el("input", { id: "import-file", type: "file", multiple: true });
  const preset = el("select", { id: "import-preset" },
    el("option", { value: "", text: t("data.preset.canonical") }),
    info.auto ? el("option", { value: "auto", text: t("data.preset.auto") }) : null,
    (info.presets || []).map((p) => el("option", { value: p.name, text: p.name })));
  const table = el("select", { id: "import-table" }, el("option", { value: "", text: t("data.guessTable") }),
    (info.tables || []).map((name) => el("option", { value: name, text: name })));
  const tableField = field("data.table", table);
  const expects = el("p", { id: "import-expects", class: "muted data-expects" });
  const showPreset = () => {
    const p = (info.presets || []).find((x) => x.name === preset.value);
    tableField.hidden = Boolean(preset.value);
    expects.textContent = p ? [pick(p, "description"), pick(p, "expects")].filter(Boolean).join(" — ")
      : t(preset.value === "auto" ? "data.autoHint" : "data.canonicalHint");
  };
  preset.addEventListener("change", showPreset);
  const stores = el("datalist", { id: "import-stores" }, state.stores.map((s) => el("option", { value: s.store_id })));
  const store = el("input", { id: "import-store", list: "import-stores", value: state.store || "", autocomplete: "off" });
  const currency = el("input", { id: "import-currency", placeholder: t("data.eg", { v: "CNY" }), maxlength: "3", size: "6" });
  const timezone = el("input", { id: "import-timezone", placeholder: t("data.eg", { v: "Asia/Shanghai" }), size: "16" });
  const error = el("div", { id: "import-error", class: "data-error", role: "alert" });
  const result = el("div", { id: "import-result" });
  const form = () => {
    const data = new FormData();
    for (const f of file.files) data.append("file", f, f.name);
    for (const [key, node] of [["preset", preset], ["store", store], ["currency", currency], ["timezone", timezone]]) {
      if (node.value.trim()) data.append(key, node.value.trim());
    }
    if (!preset.value && table.value) data.append("table", table.value);
    return data;
  };
  const run = (mode) => ctx.reload(async () => {
    error.textContent = "";
    if (!file.files.length) { error.textContent = t("data.noFile"); return; }
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const answer = await apiUpload(mode === "preview" ? "/imports/preview" : "/imports", form());
      view.result = { mode, answer };
      showResult(result);
      if (mode === "import") {
        clearCache(); // every page's numbers may have changed
        state.stores = (await api("/stores")).stores || state.stores;
        if (answer.store_id !== state.store) { // show the sources of the store it went to (a new one, say)
          state.store = answer.store_id;
          Object.assign(state, defaultRange(), { filters: [] }); // as the store select does
          ctx.navigate();
        } else {
          await onImported();
        }
      }
    } catch (exc) {
      view.result = null;
      result.replaceChildren();
      error.textContent = errorText(exc).split("\n")[0];
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
  const buttons = [
    el("button", { id: "import-preview", type: "button", onclick: () => run("preview"), text: t("data.preview") }),
    el("button", { id: "import-run", type: "button", class: "primary", onclick: () => run("import"),
      text: t("data.import") })];
  showPreset();
  showResult(result);
  const body = el("div", { id: "import-form", class: "data-form" },
    el("div", { class: "data-fields" },
      field("data.files", file), field("data.presetLabel", preset), tableField,
      field("data.store", el("span", {}, store, stores)),
      field("data.currency", currency, "data.newStoreOnly"), field("data.timezone", timezone, "data.newStoreOnly")),
    expects, el("div", { class: "data-buttons" }, buttons), error, result);
  return card({ title: t("data.importTitle"), sub: t("data.importSub"), wide: true, body });
}

function showResult(box) {
  box.replaceChildren();
  if (!view.result) return;
  const { mode, answer: a } = view.result;
  box.dataset.mode = mode;
  box.dataset.importId = a.import_id ?? "";
  const reasons = (view.presets && view.presets.reasons) || {};
  const count = (key) => el("span", { class: "data-count", "data-count": key },
    el("b", { text: fmtInt(a[key]) }), ` ${t(`data.count.${key}`)}`);
  const head = mode === "preview" ? t("data.previewDone", { store: a.store_id })
    : t("data.importDone", { id: a.import_id, store: a.store_id });
  box.append(el("div", { id: "import-summary", class: `data-summary data-${mode}`, "data-outcome": a.outcome },
    el("p", { class: "data-headline", text: head }),
    el("p", { class: "data-balance" }, count("read"), " = ", count("loaded"), " + ", count("duplicates"), " + ",
      count("quarantined")),
    a.store_created ? note(t(mode === "preview" ? "data.storeWouldBeCreated" : "data.storeCreated"), "info") : null,
    a.outcome === "no_rows" ? note(t("data.noRows"), "warn") : null));
  box.append(smallTable("import-files", ["data.col.file", "data.count.read", "data.count.loaded",
    "data.count.duplicates", "data.count.quarantined", "data.col.balanced"], a.files.map((f) => ({
    attrs: { "data-file": f.file }, cells: [f.file, fmtInt(f.read), fmtInt(f.loaded), fmtInt(f.duplicates),
      fmtInt(f.quarantined), f.read === f.loaded + f.duplicates + f.quarantined ? "✓" : "✗"] }))));
  if (a.quarantine_examples.length) {
    box.append(el("h3", { class: "data-h", text: t("data.quarantine", { n: fmtInt(a.quarantined) }) }),
      smallTable("import-quarantine", ["data.col.where", "data.col.reason", "data.col.value"],
        a.quarantine_examples.map((q) => {
          const r = reasons[q.reason];
          return { attrs: { "data-reason": q.reason },
            cells: [`${q.file}:${q.line}${q.column ? `:${q.column}` : ""}`,
              el("span", { title: q.message || "", text: r ? (lang() === "zh" ? r.zh : r.en) : q.reason }),
              q.value ?? "—"] };
        })));
  }
  if (mode === "preview") {
    const tables = Object.entries(a.preview || {});
    if (!tables.length) box.append(emptyState(t("data.nothingNew")));
    for (const [name, p] of tables) box.append(previewTable(name, p, (a.tables || {})[name] || 0));
  }
}

// The rows as the import would write them; columns without any value (and the store id, chosen above) left out.
function previewTable(name, p, total) {
  const keep = p.columns.map((c, i) => [c, i]).filter(([c, i]) => c !== "store_id"
    && p.rows.some((r) => r[i] !== null && r[i] !== ""));
  return el("div", { class: "data-preview" },
    el("h3", { class: "data-h" }, el("code", { text: name }),
      ` ${t("data.previewRows", { n: fmtInt(p.rows.length), total: fmtInt(total) })}`,
      el("small", { class: "muted", text: ` ${t("data.utc")}` })),
    el("div", { class: "table-wrap" }, el("table", { id: `preview-${name}`, class: "data-table" },
      el("thead", {}, el("tr", {}, keep.map(([c]) => el("th", { scope: "col", text: c })))),
      el("tbody", {}, p.rows.map((r) => el("tr", {}, keep.map(([, i]) => el("td", {
        text: r[i] === null ? "—" : String(r[i]) }))))))));
}

function smallTable(id, labels, rows) {
  return el("div", { class: "table-wrap" }, el("table", { id, class: "data-table" },
    el("thead", {}, el("tr", {}, labels.map((l) => el("th", { scope: "col", text: t(l) })))),
    el("tbody", {}, rows.map((row) => el("tr", row.attrs, row.cells.map((c) => el("td", {}, c)))))));
}
