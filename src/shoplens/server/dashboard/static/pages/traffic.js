// 流量 Traffic: free vs paid mix, the channel table (click a row or bar to drill down channel → source → campaign,
// breadcrumbs go back up), device and country splits (country → device). Every drill-down adds a filter chip and
// re-queries the page (drill.js).
import { barChart, chartCard, COLORS } from "../charts.js";
import { fmtInt, fmtMetric, fmtPct } from "../format.js";
import { dimName, metricName, t, valueName } from "../i18n.js";
import { breadcrumbs, drillInto, drillLevel, parentAttrs } from "../drill.js";
import { hasData, metricInfo, setFilter, state, storeInfo } from "../state.js";
import { block, el, emptyState, note } from "../ui.js";
import { emptyText, metricTable, queryMetrics } from "./common.js";
import { ruleHint } from "../rules.js";

const CHANNEL_METRICS = ["uv", "new_visitors", "bounce_rate", "avg_session_duration", "add_to_cart_rate",
  "conversion_rate", "uv_value", "gmv", "ad_spend", "roi"];
// below a channel: orders carry no source or campaign and ad spend no source, so the visit metrics
const SOURCE_METRICS = ["uv", "sessions", "new_visitors", "bounce_rate", "avg_session_duration", "add_to_cart_rate",
  "cart_to_purchase_rate"];

const drillable = (dim) => !state.filters.some((f) => f.dim === dim);

function drill(ctx, dim) {
  return drillable(dim) ? (row) => { setFilter(dim, row[dim]); ctx.navigate(); } : null;
}

export async function render(page, ctx) {
  const mix = el("div", { class: "slot" });
  const channelChart = el("div", { class: "slot" });
  const table = el("div", { class: "slot wide" });
  const device = el("div", { class: "slot" });
  const country = el("div", { class: "slot" });
  page.append(el("div", { class: "grid" }, mix, channelChart, table, device, country));
  if (!hasData(storeInfo(), "events")) page.prepend(emptyState(t("empty.events", { store: state.store })));

  const channels = block(table, async () => {
    const level = drillLevel("channel");
    const { node, rows, data } = await metricTable({ title: t(`drill.title.${level}`),
      sub: level === "channel" ? t("tr.channelsSub") : t("drill.click"),
      id: "channel-table", name: `traffic_by_${level}`, dim: level,
      pick: level === "channel" ? "channels" : `channels_${level}`, // the picker's key in the URL (m.channels=…)
      ids: level === "channel" ? CHANNEL_METRICS : SOURCE_METRICS, ctx, attrs: parentAttrs("channel"),
      drill: Boolean(drillInto("channel", ctx)), // a campaign has nothing below it
      also: ["uv", level === "channel" ? "gmv" : "sessions"], // the bars beside the table
      empty: emptyText("events") });
    const body = node.querySelector(".card-body");
    body.prepend(breadcrumbs("channel", ctx));
    if (level !== "channel") body.append(note(t("drill.noOrders")));
    if (!hasData(storeInfo(), "ad_spend")) body.append(note(t("empty.ads")));
    node.querySelector(".card-head h2").append(" ", ruleHint("rule.channelTable")); // how channels count (#14)
    await block(channelChart, async () => channelBars(rows, data, ctx, level), ctx);
    return node;
  }, ctx);
  await Promise.all([
    channels,
    block(mix, () => mixCard(), ctx),
    block(device, () => splitCard(ctx, "device", ["uv", "conversion_rate", "gmv"], "device-chart", t("tr.device")), ctx),
    block(country, () => splitCard(ctx, drillLevel("country"), ["uv", "gmv", "conversion_rate"], "country-chart",
      t("tr.country"), 12, "country"), ctx),
  ]);
}

function channelBars(rows, data, ctx, dim) {
  const sorted = [...rows].sort((a, b) => (b.uv ?? 0) - (a.uv ?? 0));
  const click = drillInto("channel", ctx);
  const second = dim === "channel" ? "gmv" : "sessions";
  const chart = sorted.length
    ? barChart({ rows: sorted, series: [{ key: "uv", name: metricName("uv"), color: COLORS.main,
      fmt: (v, r) => `${fmtInt(v)} · ${second === "gmv" ? fmtMetric(r.gmv, "currency", data.currency) : fmtInt(r[second])}` }],
    label: (r) => valueName(dim, r[dim]), key: (r) => r[dim], dataAttr: dim,
    onClick: click, title: t("tr.channelChart") })
    : emptyState(emptyText("events"));
  const title = dim === "channel" ? t("tr.channelChart") : `${metricName("uv")} · ${dimName(dim)}`;
  return chartCard({ title, sub: click ? t("drill.click") : null,
    id: "channel-chart", name: `${dim}_uv`, chart,
    csv: () => ({ header: [dimName(dim), metricName("uv"), metricName(second)],
      rows: sorted.map((r) => [r[dim], r.uv, r[second]]) }) });
}

// Free vs paid: share of visitors (catalog free/paid_traffic_share) next to the share of GMV.
async function mixCard() {
  const [split, shares] = await Promise.all([
    queryMetrics(["uv", "gmv"], { by: ["channel_type"] }),
    queryMetrics(["free_traffic_share", "paid_traffic_share"]),
  ]);
  const total = (shares.data.rows || [])[0] || {};
  const typed = (split.data.rows || []).filter((r) => r.channel_type);
  const gmvTotal = typed.reduce((sum, r) => sum + (r.gmv || 0), 0);
  const rows = typed.map((r) => ({ ...r, share: total[`${r.channel_type}_traffic_share`] ?? null,
    gmv_share: gmvTotal ? (r.gmv || 0) / gmvTotal : null }));
  const chart = rows.length
    ? barChart({ rows, max: 1, label: (r) => valueName("channel_type", r.channel_type), key: (r) => r.channel_type,
      dataAttr: "channel-type", title: t("tr.mix"), series: [
        { key: "share", name: t("tr.uvShare"), color: COLORS.main, fmt: (v, r) => `${fmtPct(v, 1)} (${fmtInt(r.uv)})` },
        { key: "gmv_share", name: t("tr.gmvShare"), color: COLORS.bars[1],
          fmt: (v, r) => `${fmtPct(v, 1)} (${fmtMetric(r.gmv, "currency", split.data.currency)})` },
      ] })
    : (split.ok.length ? emptyState(emptyText("events")) : note(t("na.filter"), "warn"));
  return chartCard({ title: t("tr.mix"), sub: t("tr.mixSub"), id: "channel-mix", name: "channel_mix", chart,
    csv: () => ({ header: [dimName("channel_type"), metricName("uv"), t("tr.uvShare"), metricName("gmv"), t("tr.gmvShare")],
      rows: rows.map((r) => [r.channel_type, r.uv, r.share, r.gmv, r.gmv_share]) }) });
}

// A bar chart of `dim`; root: the hierarchy it belongs to (the country card drills country → device).
async function splitCard(ctx, dim, ids, id, title, top = null, root = null) {
  const { data, ok } = await queryMetrics(ids, { by: [dim], sort: "uv" });
  const rows = (data.rows || []).filter((r) => r[dim] !== null && r[dim] !== undefined)
    .sort((a, b) => (b.uv ?? 0) - (a.uv ?? 0)).slice(0, top || undefined);
  const [first, second] = ok;
  const chart = rows.length && first
    ? barChart({ rows, series: [{ key: first, name: metricName(first), color: COLORS.main,
      fmt: (v, r) => (second ? `${fmtInt(v)} · ${fmtMetric(r[second], metricInfo(second).unit, data.currency)}`
        : fmtInt(v)) }],
    label: (r) => valueName(dim, r[dim]), key: (r) => r[dim], dataAttr: dim,
    onClick: root ? drillInto(root, ctx) : drill(ctx, dim), title })
    : (ok.length ? emptyState(emptyText("events")) : note(t("na.filter"), "warn"));
  const legend = ok.slice(0, 2).map(metricName).join(" · ");
  const node = chartCard({ title, sub: drillable(dim) ? `${legend} — ${t("ctl.drill")}` : legend, id,
    name: `${dim}_split`, chart,
    csv: () => ({ header: [dimName(dim), ...ok.map(metricName)], rows: rows.map((r) => [r[dim], ...ok.map((k) => r[k])]) }) });
  if (root) node.querySelector(".card-body").prepend(breadcrumbs(root, ctx));
  return node;
}
