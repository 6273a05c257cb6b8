// Scorecard columns for metric tables: each metric's value, its change against the selected comparison (the API's
// <id>__<compare>_change, coloured by the catalog's good direction), the sample size of a rate and the benchmark.
//
// Sample sizes: a rate's catalog `base` is the count metric of its denominator (conversion_rate: uv). Below
// MIN_CASES cases the cell is muted (never coloured) and shows the count, "100 % (6)": a rate on 6 parcels is a
// hint, not a verdict. Benchmarks: a cell turns red only when the value is worse than the catalog benchmark by
// more than BENCH_TOLERANCE of it (4.78 against a 4.80 DSR is not news) and, when the whole store (the total row)
// is itself that far below, only when the row is worse than the store too: a colour on every row says nothing,
// the rows that pull the store down do. The benchmark is in every cell's tooltip.
import { fmtChange, fmtInt, fmtMetric } from "./format.js";
import { compareLabel } from "./compare.js";
import { csvIdName, csvLabel } from "./exports.js";
import { dimName, metricDefinition, metricName, t, valueName } from "./i18n.js";
import { metricInfo, usable } from "./state.js";
import { el } from "./ui.js";

export const MIN_CASES = 30;
export const BENCH_TOLERANCE = 0.05;

export const baseOf = (id) => (metricInfo(id) || {}).base || null;

// Base metrics the rates among `ids` need that are not shown themselves (fetched, not shown as columns).
export function baseIds(ids, dims = []) {
  const wanted = [...new Set(ids.map(baseOf).filter((b) => b && !ids.includes(b)))];
  return usable(wanted, dims).ok;
}

// The cases a rate rests on in `row` (null: not a rate with a known base, or the base was not fetched).
export function cases(id, row) {
  const base = baseOf(id);
  const n = base && row ? row[base] : null;
  return typeof n === "number" ? n : null;
}

export const isFew = (id, row) => { const n = cases(id, row); return n !== null && n < MIN_CASES; };

// "bad" when the value is worse than the benchmark by more than the tolerance (by the metric's good direction)
// and, if the store's `total` is that bad as well, worse than the total.
export function benchTone(id, row, total = null) {
  const m = metricInfo(id);
  const v = row[id];
  const b = row[`${id}__benchmark`];
  if (!m || typeof v !== "number" || typeof b !== "number" || isFew(id, row)) return "";
  const worse = (x, ref) => (m.good === "up" ? x < ref : m.good === "down" ? x > ref : false);
  const tolerated = m.good === "up" ? b - BENCH_TOLERANCE * Math.abs(b) : b + BENCH_TOLERANCE * Math.abs(b);
  if (!worse(v, tolerated)) return "";
  const tv = total && total !== row ? total[id] : null;
  if (typeof tv === "number" && worse(tv, tolerated) && !worse(v, tv)) return "";
  return "bad";
}

// good / bad / neutral for a change of metric `id` (catalog good: up, down or neutral).
export function changeTone(id, change) {
  const m = metricInfo(id) || {};
  if (typeof change !== "number" || !change || m.good === "neutral") return "neutral";
  return (change > 0) === (m.good === "up") ? "good" : "bad";
}

function valueTip(id, row, currency, total, bench = true) {
  const m = metricInfo(id) || {};
  const parts = [];
  const n = cases(id, row);
  if (n !== null) parts.push(t(n < MIN_CASES ? "sc.fewTip" : "sc.casesTip", { n: fmtInt(n), base: metricName(baseOf(id)),
    min: MIN_CASES }));
  if (bench && typeof row[`${id}__benchmark`] === "number") {
    const b = fmtMetric(row[`${id}__benchmark`], m.unit, currency);
    parts.push(benchTone(id, row, total) ? t("bench.worse", { v: b }) : t("sc.benchTip", { v: b }));
  }
  return parts.length ? parts.join("\n") : null;
}

function valueColumn(id, currency, total, bench = true) {
  const m = metricInfo(id) || {};
  return { key: id, label: metricName(id), num: true, title: metricDefinition(id),
    node: (row) => {
      const text = fmtMetric(row[id], m.unit, currency);
      return isFew(id, row) ? [text, el("span", { class: "cases", text: ` (${fmtInt(cases(id, row))})` })] : text;
    },
    raw: (row) => row[id],
    csv: [{ label: csvLabel(metricName(id), m.unit, currency), raw: (row) => row[id] }], // the unit in the header
    cls: (row) => [isFew(id, row) ? "few" : "", bench ? benchTone(id, row, total) : ""].join(" ").trim(),
    tip: (row) => valueTip(id, row, currency, total, bench) };
}

function changeColumn(id, cmp) {
  const key = `${id}__${cmp}_change`;
  const label = t("sc.change", { cmp: t(`cmp.short.${cmp}`) });
  return { key, label, num: true, title: `${metricName(id)} · ${label} · ${compareLabel(cmp)}`, // names the dates
    text: (row) => fmtChange(row[key]), raw: (row) => row[key],
    cls: (row) => `chg ${isFew(id, row) ? "few" : changeTone(id, row[key])}`,
    csv: [{ label: `${metricName(id)} ${label}`, raw: (row) => row[key] }] };
}

// Columns of metric `ids`: value (+ change when `cmp` names a comparison); `total`: the table's total row (for the
// benchmark colour). The CSV keeps the raw numbers.
// bench=false: no benchmark colour or tooltip (a table showing the gap as numbers instead).
export function scoreColumns(ids, currency, { cmp = null, total = null, bench = true } = {}) {
  return ids.flatMap((id) => (cmp ? [valueColumn(id, currency, total, bench), changeColumn(id, cmp)]
    : [valueColumn(id, currency, total, bench)]));
}

// A dimension column: the shown label (sorted by it) and, in the CSV, the raw id (headed by the dimension id, what
// --by / where= take) and the label (headed by the dimension's name): exports.js csvIdName.
export function labelColumn(dim) {
  return { key: dim, label: dimName(dim), text: (row) => valueName(dim, row[dim]), sort: (row) => valueName(dim, row[dim]),
    raw: (row) => row[dim], csv: csvIdName(dim, (row) => row[dim]) };
}
