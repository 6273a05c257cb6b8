// Sortable tables: a click on a header (or Enter on it) sorts the body rows, descending first, then ascending.
// Works on any <table>: a cell's data-sort holds its raw value (dataTable writes it), else its shown text is read.
// Numeric columns (th.num) sort as numbers, text by the shown label with the page language's collation (zh:
// pinyin, so Chinese rows are in an order a reader can follow). Missing values go last in both directions.
// Rows marked data-total (the total row) never move. A sortable header is th.sortable[aria-sort].
import { lang, t } from "./i18n.js";

const MISSING = new Set(["", "—", "-", "–"]);

function collator() {
  return new Intl.Collator(lang() === "zh" ? "zh-Hans-CN-u-co-pinyin" : "en", { numeric: true, sensitivity: "base" });
}

function cellValue(td, numeric) {
  if (!td) return null;
  const raw = td.hasAttribute("data-sort") ? td.getAttribute("data-sort") : td.textContent.trim();
  if (MISSING.has(raw)) return null;
  if (!numeric) return raw;
  const n = Number(td.hasAttribute("data-sort") ? raw : raw.replace(/[−]/g, "-").replace(/[^\d.eE+-]/g, ""));
  return Number.isFinite(n) ? n : null;
}

// Sorts `table` by column `index` ("descending" | "ascending"); the order is a stable sort of the current order.
export function sortTable(table, index, direction) {
  const ths = [...table.tHead.rows[0].cells];
  const th = ths[index];
  const numeric = th.classList.contains("num");
  const cmp = collator();
  const sign = direction === "ascending" ? 1 : -1;
  for (const body of table.tBodies) {
    const rows = [...body.rows].filter((tr) => !tr.hasAttribute("data-total"));
    const keyed = rows.map((tr, i) => ({ tr, i, v: cellValue(tr.cells[index], numeric) }));
    keyed.sort((a, b) => {
      if (a.v === null || b.v === null) return (a.v === null) - (b.v === null) || a.i - b.i;
      const d = numeric ? a.v - b.v : cmp.compare(a.v, b.v);
      return d ? sign * d : a.i - b.i;
    });
    for (const { tr } of keyed) body.append(tr);
    for (const tr of body.querySelectorAll("tr[data-total]")) body.prepend(tr); // pinned at the top
  }
  for (const other of ths) if (other.classList.contains("sortable")) other.setAttribute("aria-sort", "none");
  th.setAttribute("aria-sort", direction);
  table.dataset.sortCol = String(index);
  table.dataset.sortDir = direction;
  table.dispatchEvent(new CustomEvent("sorted", { detail: { index, direction } }));
}

// Makes every header of `table` sortable (except th[data-nosort]); `initial`: {index, direction} to apply now.
export function makeSortable(table, initial = null) {
  if (!table.tHead || !table.tHead.rows.length) return table;
  [...table.tHead.rows[0].cells].forEach((th, index) => {
    if (th.hasAttribute("data-nosort")) return;
    th.classList.add("sortable");
    th.setAttribute("aria-sort", "none");
    th.tabIndex = 0;
    const tip = t("sc.sortTip");
    th.title = th.title ? `${th.title}\n${tip}` : tip;
    const go = () => sortTable(table, index, th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending");
    th.addEventListener("click", go);
    th.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); go(); } });
  });
  if (initial && initial.index >= 0) sortTable(table, initial.index, initial.direction || "descending");
  return table;
}

// The rows of `table` in their shown order (for a CSV that follows what the reader sorted).
export function shownOrder(table, rows) {
  const trs = [...table.querySelectorAll("tbody tr:not([data-total])")];
  const order = trs.map((tr) => Number(tr.dataset.i)).filter((i) => Number.isInteger(i) && rows[i] !== undefined);
  return order.length === rows.length ? order.map((i) => rows[i]) : rows;
}
