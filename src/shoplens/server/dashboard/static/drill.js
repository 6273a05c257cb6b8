// Hierarchical drill-down: channel → source → campaign, category → brand → product, country → device. The drill
// path IS the filter chips (f=channel=paid_search&f=source=google in the URL), so reload and back keep the level:
// the table of a hierarchy shows the first level without a filter, i.e. the children of the deepest clicked value
// (not a one-row table). Breadcrumbs above the table go back up (全部渠道 › 付费搜索 › google).
import { dimName, t, valueName } from "./i18n.js";
import { removeFilter, setFilter, state } from "./state.js";
import { el } from "./ui.js";

export const HIERARCHIES = {
  channel: ["channel", "source", "campaign"],
  category: ["category", "brand", "product"],
  country: ["country", "device"],
};

const filtered = (dim) => state.filters.filter((f) => f.dim === dim);

// The level a hierarchy's table shows: the first dimension of the chain without a filter (the leaf when all are).
export function drillLevel(root) {
  const chain = HIERARCHIES[root];
  const free = chain.find((d) => !filtered(d).length);
  return free || chain[chain.length - 1];
}

// The filter of the clicked levels above `dim` as row attributes (data-channel="paid_search" on a source row).
export function parentAttrs(root) {
  const attrs = {};
  for (const d of HIERARCHIES[root]) {
    const values = filtered(d);
    if (d === drillLevel(root)) break;
    if (values.length === 1) attrs[`data-${d}`] = values[0].value;
  }
  return attrs;
}

// A click on a row (or bar) of the level shown: filter by its value, which shows the next level.
export function drillInto(root, ctx) {
  const dim = drillLevel(root);
  const chain = HIERARCHIES[root];
  const leaf = dim === chain[chain.length - 1];
  // nothing below a leaf (campaign, device): a click would only filter the table to one row. A product opens its
  // 360 view instead.
  if (leaf && dim !== "product") return null;
  return (row) => {
    if (row[dim] === null || row[dim] === undefined) return;
    setFilter(dim, row[dim]);
    ctx.navigate();
  };
}

// Back up to `dim`'s level: drop the filters of `dim` and every level below it.
export function drillUp(root, dim, ctx) {
  const chain = HIERARCHIES[root];
  for (const d of chain.slice(chain.indexOf(dim))) removeFilter(d);
  ctx.navigate();
}

// 全部渠道 › 付费搜索 › google  (· showing: sources). Every crumb but the last is a link up.
export function breadcrumbs(root, ctx) {
  const chain = HIERARCHIES[root];
  const crumbs = [{ dim: chain[0], text: t(`drill.all.${root}`) }];
  for (const d of chain) {
    const values = filtered(d);
    if (!values.length) break;
    const next = chain[chain.indexOf(d) + 1];
    crumbs.push({ dim: next || null, text: values.map((f) => valueName(d, f.value)).join(" | "), of: d });
  }
  const level = drillLevel(root);
  const items = crumbs.map((c, i) => {
    const last = i === crumbs.length - 1;
    const node = last || !c.dim
      ? el("span", { class: "crumb current", "aria-current": "true", text: c.text })
      : el("a", { href: "#", class: "crumb", "data-level": c.dim, text: c.text,
        onclick: (ev) => { ev.preventDefault(); drillUp(root, c.dim, ctx); } });
    return [i ? el("span", { class: "crumb-sep", "aria-hidden": "true", text: "›" }) : null, node];
  });
  return el("nav", { class: "breadcrumbs", "data-drill": root, "data-level": level, "aria-label": t("drill.path") },
    items, el("span", { class: "crumb-level muted", text: t("drill.showing", { dim: dimName(level) }) }));
}
