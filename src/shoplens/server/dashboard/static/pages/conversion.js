// 转化 Conversion: the funnel builder (steps, window, mode, breakdown) -> GET /api/v1/funnel: funnel bars, the step
// table (counts, conversion, step conversion, median time, drop-off CSV links), breakdown and daily conversion.
import { apiUrl, cached, errorText } from "../api.js";
import { chartCard, COLORS, lineChart, wideWidth } from "../charts.js";
import { funnelChart } from "../charts_extra.js";
import { fmtDate, fmtDayShort, fmtInt, fmtPct, fmtSeconds } from "../format.js";
import { dimName, eventName, KNOWN_EVENTS, t, valueName } from "../i18n.js";
import { eventWhere, FILTER_DIMS, rangeParams, setFilter, state } from "../state.js";
import { block, el, emptyState, note, tableCard, withCode } from "../ui.js";
import { dataNotes } from "./common.js";
import { ruleHint } from "../rules.js";
import { parseSteps, stepLabel } from "../steps.js";

const WINDOWS = ["1h", "1d", "3d", "7d", "14d", "30d"];
const MODES = ["ordered", "strict", "unordered"];
const BREAKDOWNS = ["", "channel", "device", "country", "source", "campaign"];
// The default funnel; shoplens/server/warmup.py (DEFAULT_FUNNEL) computes it after every import: keep them equal.
const form = { steps: "product_view,add_to_cart,purchase", window: "14d", mode: "ordered", by: "" };

function windowLabel(w) {
  const n = parseInt(w, 10);
  return w.endsWith("h") ? t("cv.hours", { n }) : t("cv.days", { n });
}

export async function render(page, ctx) {
  const { where, ignored } = eventWhere();
  const results = el("div", { class: "funnel-results" });
  const steps = el("input", { id: "funnel-steps", type: "text", value: form.steps, spellcheck: "false",
    autocomplete: "off", "aria-describedby": "funnel-steps-hint" });
  const select = (id, values, current, label) => el("select", { id }, values.map((v) => el("option", { value: v,
    selected: v === current, text: label(v) })));
  const windowSel = select("funnel-window", WINDOWS, form.window, windowLabel);
  const modeSel = select("funnel-mode", MODES, form.mode, (m) => t(`cv.mode.${m}`));
  const bySel = select("funnel-by", BREAKDOWNS, form.by, (d) => (d ? dimName(d) : t("cv.byNone")));
  bySel.title = t("rule.funnelBy"); // one meaning per label (#14): how a user is put in a group
  const chosen = el("ol", { id: "funnel-step-list", class: "step-list", "aria-label": t("cv.stepList") });
  const showSteps = () => chosen.replaceChildren(...parseSteps(steps.value).map((s, i, all) => el("li", {
    class: "step-chip", "data-step": i + 1, title: s }, `${i + 1}. ${stepLabel(s)}`,
  el("button", { type: "button", class: "link small step-remove", "aria-label": `${t("cv.removeStep")} ${i + 1}`,
    text: "×", onclick: () => { steps.value = all.filter((_, k) => k !== i).join(","); showSteps(); } }))));
  steps.addEventListener("input", showSteps);
  showSteps();
  const stepsError = el("p", { id: "funnel-steps-error", class: "field-error", role: "alert", hidden: true });
  const chips = el("div", { class: "event-chips", id: "funnel-step-picker", "aria-label": t("cv.pickStep"),
    title: t("cv.pickStep") }, await stepChoices(steps, showSteps));
  const run = async () => {
    Object.assign(form, { steps: steps.value.replace(/\s+/g, ""), window: windowSel.value, mode: modeSel.value,
      by: bySel.value });
    stepsError.hidden = true;
    stepsError.textContent = "";
    steps.removeAttribute("aria-invalid");
    await block(results, () => funnelResults(ctx, where, (exc) => {
      steps.setAttribute("aria-invalid", "true");
      stepsError.textContent = errorText(exc);
      stepsError.hidden = false;
    }), ctx);
  };
  const builder = el("form", { class: "card wide funnel-builder", onsubmit: (ev) => {
    ev.preventDefault();
    ctx.reload(run);
  } },
  el("header", { class: "card-head" }, el("h2", { text: t("cv.builder") })),
  el("div", { class: "card-body form-grid" },
    el("div", { class: "field grow" }, el("span", { text: t("cv.stepsPicked") }), chosen, chips,
      el("label", { class: "field advanced-steps" }, el("span", { class: "muted small", text: t("cv.stepsAdvanced") }),
        steps, stepsError, el("small", { id: "funnel-steps-hint", class: "muted" }, withCode(t("cv.stepsHint"))))),
    el("label", { class: "field" }, el("span", { text: t("cv.window") }), windowSel),
    el("label", { class: "field" }, el("span", { text: t("cv.mode") }), modeSel),
    el("label", { class: "field" }, el("span", { text: `${t("cv.by")} ` }, ruleHint("rule.funnelBy")), bySel),
    el("div", { class: "field" }, el("span", { text: "\u00a0" }),
      el("button", { id: "funnel-run", type: "submit", class: "primary", text: t("cv.run") }))));
  page.append(builder);
  if (ignored.length) page.append(note(t("note.ignored", { list: ignored.map((f) => dimName(f.dim)).join(t("list.sep")) }), "warn"));
  page.append(results);
  await run();
}

function funnelParams(where) {
  return { steps: form.steps, window: form.window, mode: form.mode, by: form.by || null, ...rangeParams(), where };
}

// The step picker: the store's events in the selected dates (GET /values/event, most first), custom ones too.
async function stepChoices(input, changed) {
  let events = KNOWN_EVENTS.map((e) => ({ value: e, rows: null }));
  try {
    const data = await cached("/values/event", rangeParams());
    events = (data.values || []).filter((r) => r.value);
  } catch (exc) {
    console.warn(exc); // the standard events stay offered
  }
  return events.map((r) => el("button", { type: "button", class: "small link step-choice", title: r.value,
    "data-event": r.value, onclick: () => {
      input.value = input.value.trim() ? `${input.value.replace(/,\s*$/, "")},${r.value}` : r.value;
      changed();
    } }, `+ ${eventName(r.value)}${r.rows === null || r.rows === undefined ? "" : ` (${fmtInt(r.rows)})`}`));
}

// A step the store does not know (a typo such as add_to_card) is said beside the steps (`onStepError`), not as
// "no data in these dates"; notes of the answer say why counts are 0 (no data in the dates, a value without rows).
async function funnelResults(ctx, where, onStepError) {
  const params = funnelParams(where);
  let data;
  try {
    data = await cached("/funnel", params);
  } catch (exc) {
    // `where` names the API parameter (steps, exclude); older servers said the CLI's --steps / --exclude
    const at = ((exc && exc.status === 400 && exc.error && exc.error.where) || "").replace(/^--/, "");
    if (at !== "steps" && at !== "exclude") throw exc;
    onStepError(exc);
    return el("div", { class: "wide" }, note(t("cv.fixSteps"), "warn"));
  }
  const steps = (data.steps || []).map((s) => ({ ...s, label: stepLabel(s.event) }));
  const out = el("div", { class: "grid" });
  const explained = dataNotes(data.notes);
  if (explained) out.append(el("div", { class: "wide" }, explained));
  else if (!steps.length || !steps[0].count) out.append(el("div", { class: "wide" }, emptyState(t("empty.rows"))));
  const chart = funnelChart(steps, { fmtCount: fmtInt, fmtPct: (v) => fmtPct(v, 1), label: t("cv.chart"), width: wideWidth(),
    gap: (s) => `↓ ${t("cv.stepConversion")} ${fmtPct(s.step_conversion, 1)} · ${t("cv.dropped")} ${fmtInt(s.dropped)}` });
  const columns = [
    { key: "n", label: t("cv.step"), text: (s) => String(s.n), raw: (s) => s.n, num: true },
    { key: "event", label: t("cv.event"), node: (s) => el("span", {}, s.label, " ", el("code", { class: "muted", text: s.event })),
      raw: (s) => s.event },
    { key: "count", label: t("cv.count"), num: true, cls: () => "count", text: (s) => fmtInt(s.count), raw: (s) => s.count },
    { key: "conversion", label: t("cv.conversion"), num: true, text: (s) => fmtPct(s.conversion), raw: (s) => s.conversion },
    { key: "step_conversion", label: t("cv.stepConversion"), num: true, text: (s) => fmtPct(s.step_conversion),
      raw: (s) => s.step_conversion },
    { key: "median_seconds", label: t("cv.median"), num: true, text: (s) => fmtSeconds(s.median_seconds),
      raw: (s) => s.median_seconds },
    { key: "dropped", label: t("cv.dropped"), num: true, text: (s) => fmtInt(s.dropped), raw: (s) => s.dropped },
    { key: "export", label: t("cv.export"), raw: () => "", node: (s) => (s.n > 1 ? el("a", { class: "dropoff-export",
      href: apiUrl("/funnel/dropped", { ...params, step: s.n, format: "csv" }), download: `dropped_at_step_${s.n}.csv`,
      "data-step": s.n, title: `${t("cv.export")} (${t("cv.step")} ${s.n})`, text: t("cv.exportLink") }) : "") },
  ];
  const rows = steps.map((s, i) => ({ ...s, n: i + 1 }));
  out.append(
    chartCard({ title: t("cv.chart"), id: "funnel-chart", name: "funnel", chart, wide: true,
      csv: () => ({ header: [t("cv.step"), t("cv.event"), t("cv.count"), t("cv.conversion")],
        rows: rows.map((s) => [s.n, s.event, s.count, s.conversion]) }) }),
    tableCard({ title: t("cv.table"), id: "funnel-table", name: "funnel_steps", columns, rows,
      noTotal: "funnel steps: each step counts the users of the step before, step 1 is the total",
      rowAttrs: (s) => ({ "data-step": s.n }) }));
  if (data.breakdown && data.breakdown.groups) out.append(breakdownCard(ctx, data.breakdown, steps));
  if ((data.trend || []).length) out.append(trendCard(data.trend));
  return out;
}

function breakdownCard(ctx, breakdown, steps) {
  const dim = breakdown.by;
  const last = steps.length - 1;
  const canDrill = FILTER_DIMS.includes(dim) && !state.filters.some((f) => f.dim === dim);
  const rows = breakdown.groups.map((g) => ({ value: g.value, steps: g.steps }));
  const columns = [
    { key: "value", label: dimName(dim), text: (r) => valueName(dim, r.value), raw: (r) => r.value },
    ...steps.map((s, i) => ({ key: `s${i}`, label: `${i + 1}. ${s.label}`, num: true,
      text: (r) => fmtInt(r.steps[i] && r.steps[i].count), raw: (r) => r.steps[i] && r.steps[i].count })),
    { key: "conversion", label: t("cv.conversion"), num: true, text: (r) => fmtPct(r.steps[last] && r.steps[last].conversion),
      raw: (r) => r.steps[last] && r.steps[last].conversion },
  ];
  return tableCard({ title: t("cv.breakdown", { dim: dimName(dim) }), sub: t("rule.funnelBy"), id: "funnel-breakdown",
    name: `funnel_by_${dim}`,
    columns, rows, rowAttrs: (r) => ({ "data-value": r.value }), noTotal: "the funnel table above is the total",
    onRowClick: canDrill ? (r) => { setFilter(dim, r.value); ctx.navigate(); } : null,
    rowTitle: canDrill ? t("ctl.drill") : null });
}

function trendCard(trend) {
  const labels = trend.map((d) => d.day);
  const chart = lineChart({ labels, label: t("cv.trend"), width: wideWidth(),
    series: [{ name: t("cv.conversion"), values: trend.map((d) => d.conversion), color: COLORS.main }],
    fmtY: (v) => fmtPct(v, 1), fmtTip: (v, i) => `${fmtPct(v, 1)} (${fmtInt(trend[i].converted)} / ${fmtInt(trend[i].entered)})`,
    fmtX: (d, long) => (long ? fmtDate(d) : fmtDayShort(d)) });
  return chartCard({ title: t("cv.trend"), id: "funnel-trend", name: "funnel_daily", chart, wide: true,
    csv: () => ({ header: [t("col.date"), t("cv.entered"), t("cv.converted"), t("cv.conversion")],
      rows: trend.map((d) => [d.day, d.entered, d.converted, d.conversion]) }) });
}
