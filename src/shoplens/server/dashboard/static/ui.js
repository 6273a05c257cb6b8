// Small DOM helpers and the building blocks every page uses: cards, tables with CSV export, loading, empty and
// error states, downloads.
import { errorText, isAbort } from "./api.js";
import { toCsv } from "./csv.js";
import { t } from "./i18n.js";
import { makeSortable, shownOrder } from "./table_sort.js";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "value") node.value = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) { while (node.firstChild) node.firstChild.remove(); return node; }

export function spinner() {
  return el("div", { class: "loading", role: "status", "aria-live": "polite" },
    el("div", { class: "spinner", "aria-hidden": "true" }), el("span", { class: "sr-only", text: t("loading") }),
    el("div", { class: "skeleton" }), el("div", { class: "skeleton short" }));
}

// Text whose `backticked` parts are ids or commands to type as they are: those parts become <code> (shown in a
// monospace font, and not words of the page's language).
export function withCode(text) {
  return String(text).split("`").map((part, i) => (i % 2 ? el("code", { text: part }) : part)).filter((p) => p !== "");
}

export function emptyState(message, hint) {
  return el("div", { class: "empty" }, el("div", { class: "empty-icon", "aria-hidden": "true", text: "∅" }),
    el("p", { class: "empty-message" }, withCode(message)), hint ? el("p", { class: "empty-hint", text: hint }) : null);
}

export function errorBox(exc) { return el("div", { class: "error-box", role: "alert", text: errorText(exc) }); }

export function note(text, kind = "info") { return el("p", { class: `note note-${kind}`, text }); }

export function card({ title, sub, actions = [], body = null, wide = false, cls = "" }) {
  return el("section", { class: `card ${wide ? "wide" : ""} ${cls}`.trim() },
    el("header", { class: "card-head" },
      el("div", {}, el("h2", { text: title }), sub ? el("p", { class: "card-sub", text: sub }) : null),
      el("div", { class: "card-actions" }, actions)),
    el("div", { class: "card-body" }, body));
}

// Loads one block of a page: a spinner while `fn` runs, then its node, an empty state or the API's error.
// Resolves true on success, false on error (aborts propagate silently as false).
export async function block(container, fn, ctx) {
  clear(container).append(spinner());
  container.setAttribute("aria-busy", "true");
  try {
    const node = await fn();
    if (ctx && !ctx.alive()) return false;
    clear(container);
    append(container, [node]);
    return true;
  } catch (exc) {
    if (isAbort(exc) || (ctx && !ctx.alive())) return false;
    console.error(exc);
    if (ctx) ctx.errors += 1;
    clear(container).append(errorBox(exc));
    return false;
  } finally {
    container.removeAttribute("aria-busy");
  }
}

// ---- downloads ---------------------------------------------------------------------------------------------

export function download(filename, blob) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: filename, class: "sr-only" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// button.export-csv: `data()` returns {header, rows} at click time (the rows as shown, raw numbers).
export function csvButton(name, data, forId) {
  return el("button", { type: "button", class: "export-csv small", "data-for": forId, "data-name": name,
    title: `${name}.csv`, onclick: () => {
      const { header, rows } = data();
      // with a UTF-8 BOM, so Excel opens Chinese text correctly (csv readers: encoding utf-8-sig)
      download(`${name}.csv`, new Blob(["\ufeff", toCsv(header, rows)], { type: "text/csv;charset=utf-8" }));
    } }, t("export.csv"));
}

// ---- tables ------------------------------------------------------------------------------------------------

// columns: [{key, label, text(row) -> shown text, raw(row) -> CSV value, cls(row), num,
//   csv: [{label, raw(row)}] -> CSV columns in place of this one (a cell showing two values),
//   sort(row) -> sort value (default: raw for numbers, the shown text otherwise), nosort: not sortable}]
// total: a row object shown first as tr[data-total] (never sorted; its first cell says "Total");
// noTotal: why the table has none (data-no-total); sort: {key, direction} applied at build (table_sort.js).
export function dataTable({ id, columns, rows, rowAttrs, onRowClick, rowTitle, total = null, noTotal = null,
  sort = null }) {
  const head = el("thead", {}, el("tr", {}, columns.map((c) => el("th", {
    class: c.num ? "num" : "", scope: "col", title: c.title || null, text: c.label, "data-key": c.key,
    "data-nosort": c.nosort || null }))));
  const cells = (row, tr, isTotal) => {
    columns.forEach((c, k) => {
      const content = isTotal && k === 0 ? t("sc.total")
        : (c.node ? c.node(row) : (c.text ? c.text(row) : row[c.key]));
      const sortValue = c.sort ? c.sort(row) : (c.num ? (c.raw ? c.raw(row) : row[c.key]) : null);
      tr.append(el("td", { class: [c.num ? "num" : "", c.cls ? c.cls(row) || "" : ""].join(" ").trim() || null,
        title: c.tip ? c.tip(row) : null,
        "data-sort": typeof sortValue === "number" && Number.isFinite(sortValue) ? String(sortValue)
          : (typeof sortValue === "string" ? sortValue : null) }, content ?? "—"));
    });
    return tr;
  };
  const body = el("tbody", {}, rows.map((row, i) => {
    const attrs = rowAttrs ? rowAttrs(row) : {};
    const tr = el("tr", { ...attrs, "data-i": i, class: onRowClick ? "clickable" : null, tabindex: onRowClick ? "0" : null,
      title: rowTitle || null });
    if (onRowClick) {
      tr.addEventListener("click", (ev) => { if (!ev.target.closest("a,button")) onRowClick(row); });
      tr.addEventListener("keydown", (ev) => { if (ev.key === "Enter") onRowClick(row); });
    }
    return cells(row, tr, false);
  }));
  const foot = total && rows.length
    ? el("tbody", { class: "total-body" }, cells(total, el("tr", { class: "total-row", "data-total": "" }), true)) : null;
  const table = el("table", { id, class: "data-table", "data-no-total": total ? null : noTotal }, head, foot, body);
  const index = sort ? columns.findIndex((c) => c.key === sort.key) : -1;
  return makeSortable(table, index >= 0 ? { index, direction: sort.direction || "descending" } : null);
}

export function tableCsv(columns, rows, total = null) {
  const cols = columns.flatMap((c) => c.csv || [c]);
  const line = (r) => cols.map((c) => (c.raw ? c.raw(r) : r[c.key]));
  // the first column's CSV cells (id and name of a dimension) say "Total" once, then stay empty
  const first = columns.length ? (columns[0].csv || [columns[0]]).length : 1;
  const totalLine = total ? [t("sc.total"), ...Array(first - 1).fill(""), ...line(total).slice(first)] : null;
  return { header: cols.map((c) => c.label), rows: [...rows.map(line), ...(totalLine ? [totalLine] : [])] };
}

// A card holding a table, its CSV export (rows in the order shown, the total last) and an empty state when there
// are no rows.
export function tableCard({ title, sub, id, name, columns, rows, empty, rowAttrs, onRowClick, rowTitle, wide = true,
  extra = [], total = null, noTotal = null, sort = null }) {
  const table = dataTable({ id, columns, rows, rowAttrs, onRowClick, rowTitle, total, noTotal, sort });
  const body = rows.length
    ? el("div", { class: "table-wrap" }, table)
    : el("div", {}, dataTable({ id, columns, rows: [], noTotal }), empty || emptyState(t("empty.rows")));
  return card({ title, sub, wide, body,
    actions: [...extra, csvButton(name, () => tableCsv(columns, shownOrder(table, rows), total), id)] });
}
