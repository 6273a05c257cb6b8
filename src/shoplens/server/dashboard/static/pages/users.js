// 用户 Users: repeat-purchase retention heatmap, RFM tiers (table + size/GMV-share map), saved segments (list,
// size, member export, builder) and the user timeline search (segments and timeline live in people.js).
import { apiUrl, cached } from "../api.js";
import { barChart, chartCard, COLORS } from "../charts.js";
import { heatmap } from "../charts_extra.js";
import { fmtCurrency, fmtInt, fmtNumber, fmtPct } from "../format.js";
import { dimName, lang, t } from "../i18n.js";
import { addDays, dataRange, eventWhere, hasData, state, storeInfo } from "../state.js";
import { block, el, emptyState, note, tableCard } from "../ui.js";
import { segmentsCard, timelineCard } from "./people.js";

const SPAN = { week: 12 * 7, month: 183 }; // cohorts shown: at least the last 12 weeks / 6 months up to `to`
let period = "week";

// No cohorts / tiers: "pick other dates" when the store has orders, else what to import.
function emptyFor(key) {
  const info = storeInfo();
  return emptyState(hasData(info, "orders") ? t("empty.range", dataRange(info)) : t(key));
}

export async function render(page, ctx) {
  const { where, ignored } = eventWhere();
  const retention = el("div", { class: "slot wide" });
  const rfmTable = el("div", { class: "slot wide" });
  const rfmMap = el("div", { class: "slot" });
  const segments = el("div", { class: "slot" });
  const timeline = el("div", { class: "slot wide" });
  if (ignored.length) page.append(note(t("note.ignored", { list: ignored.map((f) => dimName(f.dim)).join(t("list.sep")) }), "warn"));
  page.append(el("div", { class: "grid" }, retention, rfmTable, rfmMap, segments, timeline));
  const timelineNode = timelineCard(ctx);
  timeline.append(timelineNode);
  let rfmData = null;
  await Promise.all([
    block(retention, () => retentionCard(ctx, where, retention), ctx),
    block(rfmTable, async () => {
      rfmData = await cached("/rfm", { store: state.store, as_of: state.to, where });
      return rfmTableCard(rfmData, where);
    }, ctx).then(() => block(rfmMap, async () => rfmMapCard(rfmData), ctx)),
    block(segments, () => segmentsCard(ctx), ctx),
    timelineNode.initial,
  ]);
}

async function retentionCard(ctx, where, holder) {
  const from = [state.from, addDays(state.to, -SPAN[period] + 1)].sort()[0];
  const data = await cached("/retention", { store: state.store, first_time: true, period, from, to: state.to, where });
  const unit = t(`us.${period}`);
  const cohorts = data.cohorts || [];
  const width = Math.max(0, ...cohorts.map((c) => c.values.length));
  const cols = Array.from({ length: width }, (_, k) => (k === 0 ? "0" : `+${k}`));
  const cell = (rate, value, incomplete) => ({ value: rate, text: fmtPct(rate, 1), incomplete, title: fmtInt(value) });
  const rows = cohorts.map((c) => ({ key: c.cohort, label: `${c.cohort}`, sub: fmtInt(c.size),
    cells: c.rates.map((r, k) => cell(r, c.values[k], !c.complete && k === c.rates.length - 1)) }));
  const avg = (data.average || [])[0];
  if (avg) {
    rows.push({ key: "average", label: t("us.average"), bold: true, sub: fmtInt(avg.sizes[0]),
      cells: avg.rates.map((r, k) => cell(r, avg.values[k], false)) });
  }
  const scaleMax = Math.max(0.0001, ...cohorts.flatMap((c) => c.rates.slice(1)));
  const chart = cohorts.length
    ? heatmap({ rows, cols, scaleMax, label: t("us.retention"), firstCol: t("us.cohort"), sizeCol: t("us.size"),
      incompleteTip: t("us.incomplete") })
    : emptyFor("empty.retention");
  const select = el("select", { id: "retention-period", class: "small", "aria-label": t("us.period"),
    onchange: (ev) => {
      period = ev.target.value;
      ctx.reload(() => block(holder, () => retentionCard(ctx, where, holder), ctx));
    } }, ["week", "month"].map((p) => el("option", { value: p, selected: p === period, text: t(`us.${p}`) })));
  const sub = t("us.retentionSub", { n: period === "week" ? 12 : 6, unit, to: state.to });
  return chartCard({ title: t("us.retention"), sub: lang() === "zh" ? `${sub}（${from} 起）` : `${sub} (from ${from})`,
    id: "retention-heatmap", name: `retention_${period}`, chart, wide: true, extra: [select],
    csv: () => ({ header: [t("us.cohort"), t("us.size"), ...cols.map((c) => `${c} ${unit}`)],
      rows: [...cohorts.map((c) => [c.cohort, c.size, ...c.rates]),
        ...(avg ? [[t("us.average"), avg.sizes[0], ...avg.rates]] : [])] }) });
}

function tierName(tier) { return lang() === "zh" ? tier.name_zh : tier.name_en; }

// Value order, as shoplens.analyses.rfm_tiers.value_order: highest average monetary (then frequency) first, empty
// tiers after, the catch-all "others" last and only when someone is in it.
function sortedTiers(data) {
  const num = (v) => (v === null || v === undefined ? -1 : v);
  const key = (r) => [r.customers ? 0 : 1, r.tier === "others" ? 1 : 0, -num(r.avg_monetary), -num(r.avg_frequency)];
  const cmp = (a, b) => { const x = key(a); const y = key(b); return x.map((v, i) => v - y[i]).find((d) => d) || 0; };
  return (data.tiers || []).filter((r) => r.tier !== "others" || r.customers).sort(cmp);
}

function rfmTableCard(data, where) {
  const currency = (storeInfo() || {}).reporting_currency;
  const rows = data.customers ? sortedTiers(data) : [];
  const columns = [
    { key: "tier", label: t("us.tier"), text: tierName, raw: (r) => r.tier },
    { key: "customers", label: t("us.customers"), num: true, text: (r) => fmtInt(r.customers) },
    { key: "share", label: t("us.share"), num: true, text: (r) => fmtPct(r.share, 1) },
    { key: "gmv", label: t("us.gmv"), num: true, text: (r) => fmtCurrency(r.gmv, currency) },
    { key: "gmv_share", label: t("us.gmvShare"), num: true, text: (r) => fmtPct(r.gmv_share, 1) },
    { key: "avg_recency_days", label: t("us.recency"), num: true, text: (r) => fmtNumber(r.avg_recency_days, 1) },
    { key: "avg_frequency", label: t("us.frequency"), num: true, text: (r) => fmtNumber(r.avg_frequency, 2) },
    { key: "avg_monetary", label: t("us.monetary"), num: true, text: (r) => fmtCurrency(r.avg_monetary, currency) },
    { key: "list", label: t("us.customerList"), raw: () => "", nosort: true,
      node: (r) => (r.tier === null ? "" : listLink(r)) },
  ];
  function listLink(r) {
    return el("a", { class: "tier-export",
      href: apiUrl("/rfm/customers", { tier: r.tier, store: state.store, as_of: data.as_of, where, format: "csv" }),
      download: `rfm_${r.tier}_${data.as_of}.csv`, text: "CSV" });
  }
  return tableCard({ title: t("us.rfm"), sub: t("us.rfmSub", { as_of: data.as_of || state.to, n: fmtInt(data.customers) }),
    id: "rfm-table", name: "rfm_tiers", columns, rows, rowAttrs: (r) => ({ "data-tier": r.tier }),
    empty: emptyFor("empty.rfm"), total: rows.length ? rfmTotal(rows) : null });
}

// All customers: the tiers split them, so counts and GMV add up and each average is the customer-weighted mean of
// the tiers that have one (a store without amounts has no GMV or average spend: "—", not 0).
function rfmTotal(rows) {
  const n = rows.reduce((s, r) => s + r.customers, 0);
  const mean = (key) => {
    const known = rows.filter((r) => typeof r[key] === "number");
    const weight = known.reduce((s, r) => s + r.customers, 0);
    return weight ? known.reduce((s, r) => s + r.customers * r[key], 0) / weight : null;
  };
  const sum = (key) => (rows.some((r) => typeof r[key] === "number") ? rows.reduce((s, r) => s + (r[key] ?? 0), 0) : null);
  const gmv = sum("gmv");
  return { tier: null, customers: n, share: sum("share"), gmv, gmv_share: sum("gmv_share"),
    avg_recency_days: mean("avg_recency_days"), avg_frequency: mean("avg_frequency"),
    avg_monetary: gmv !== null && n ? gmv / n : null };
}

function rfmMapCard(data) {
  if (!data) return emptyFor("empty.rfm");
  const rows = data.customers ? sortedTiers(data) : [];
  const chart = rows.length
    ? barChart({ rows, label: tierName, key: (r) => r.tier, dataAttr: "tier", title: t("us.rfmMap"), max: null,
      series: [
        { key: "share", name: t("us.share"), color: COLORS.main, fmt: (v, r) => `${fmtPct(v, 1)} (${fmtInt(r.customers)})` },
        { key: "gmv_share", name: t("us.gmvShare"), color: COLORS.bars[1], fmt: (v) => fmtPct(v, 1) },
      ] })
    : emptyFor("empty.rfm");
  return chartCard({ title: t("us.rfmMap"), id: "rfm-chart", name: "rfm_map", chart,
    csv: () => ({ header: [t("us.tier"), t("us.customers"), t("us.share"), t("us.gmvShare")],
      rows: rows.map((r) => [r.tier, r.customers, r.share, r.gmv_share]) }) });
}
