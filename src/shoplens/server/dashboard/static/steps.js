// Funnel steps as people read them (#14): "add_to_cart[channel=paid_search]" -> "加入购物车 · 渠道=付费搜索".
// The syntax is the API's (shoplens.analyses.filters.parse_steps): steps split by commas outside brackets, the
// conditions of one step by , & or ; and the values of one condition by |.
import { dimName, eventName, valueName } from "./i18n.js";
import { state } from "./state.js";

export function parseSteps(text) {
  const out = [];
  let depth = 0;
  let start = 0;
  const s = String(text || "");
  for (let i = 0; i <= s.length; i += 1) {
    const c = s[i];
    if (c === "[") depth += 1;
    else if (c === "]") depth = Math.max(0, depth - 1);
    if (i === s.length || (c === "," && depth === 0)) {
      const step = s.slice(start, i).trim();
      if (step) out.push(step);
      start = i + 1;
    }
  }
  return out;
}

function keyName(key) {
  if ((state.catalog.dimensions || {})[key]) return dimName(key);
  return valueName("dimension", key);
}

function conditionLabel(text) {
  const m = /^\s*([\w.]+)\s*(!=|=)\s*(.*?)\s*$/.exec(text);
  if (!m) return text.trim();
  const [, key, op, values] = m;
  const dim = key.replace(/^(properties|prop)\./, "");
  const names = values.split("|").map((v) => valueName(dim, v.trim())).join("|");
  return `${keyName(dim)}${op === "!=" ? "≠" : "="}${names}`;
}

export function stepLabel(step) {
  const text = String(step);
  const open = text.indexOf("[");
  if (open < 0 || !text.endsWith("]")) return eventName(text);
  const conditions = text.slice(open + 1, -1).split(/[,&;]/).filter((c) => c.trim()).map(conditionLabel);
  return [eventName(text.slice(0, open).trim()), ...conditions].join(" · ");
}
