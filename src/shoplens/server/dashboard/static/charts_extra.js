// Funnel bars and the cohort heatmap (SVG, attributes only; see charts.js).
import { COLORS, fitWidth, svg, textWidth } from "./charts.js";
import { el } from "./ui.js";

const finite = (v) => typeof v === "number" && Number.isFinite(v);

function base(width, height, label) {
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": label,
    "font-family": "system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', sans-serif", "font-size": 12,
    class: "chart-svg" }, svg("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }));
}

// steps: [{label, count, conversion, step_conversion, dropped}]; fmt: {count, pct}; between-step notes via `gap`.
export function funnelChart(steps, { fmtCount, fmtPct, gap, label = "", width = 760 }) {
  width = fitWidth(width);
  const rowH = 44;
  const gapH = 22;
  // the label column fits the longest step label (a step condition such as "加入购物车 · 渠道=付费搜索" is not cut, #14)
  const textW = (s) => [...s].reduce((n, c) => n + (/[\u2e80-\uffff]/.test(c) ? 13 : 7.2), 0);
  const longest = Math.max(0, ...steps.map((s, i) => textW(`${i + 1}. ${s.label}`)));
  const pad = { l: Math.round(Math.min(width * 0.45, Math.max(170, longest + 20))), r: 20, t: 10 };
  const w = width - pad.l - pad.r;
  const height = pad.t * 2 + steps.length * rowH + Math.max(0, steps.length - 1) * gapH;
  const top = Math.max(1, ...steps.map((s) => s.count).filter(finite));
  const node = base(width, height, label);
  steps.forEach((s, i) => {
    const y = pad.t + i * (rowH + gapH);
    const bw = finite(s.count) ? Math.max(2, (s.count / top) * w) : 0;
    const x = pad.l + (w - bw) / 2;
    const shade = 1 - (i / Math.max(1, steps.length)) * 0.45;
    node.append(svg("g", { class: "funnel-step", "data-step": i + 1 },
      svg("text", { x: 8, y: y + rowH / 2 - 3, fill: COLORS.strong, "font-weight": 600, text: `${i + 1}. ${s.label}` }),
      svg("text", { x: 8, y: y + rowH / 2 + 13, fill: COLORS.text, "font-size": 11, text: fmtPct(s.conversion) }),
      svg("rect", { x: pad.l, y, width: w, height: rowH, fill: "#f3f5f9", rx: 4 }),
      svg("rect", { x, y, width: bw, height: rowH, fill: COLORS.main, "fill-opacity": shade, rx: 4 }),
      svg("text", { x: pad.l + w / 2, y: y + rowH / 2 + 5, "text-anchor": "middle", "font-weight": 700,
        fill: bw > 90 ? "#ffffff" : COLORS.strong, text: fmtCount(s.count) })));
    if (i < steps.length - 1 && gap) {
      node.append(svg("text", { x: pad.l + w / 2, y: y + rowH + gapH / 2 + 5, "text-anchor": "middle",
        fill: COLORS.text, "font-size": 11, text: gap(steps[i + 1], i + 1) }));
    }
  });
  return el("div", { class: "chart" }, node);
}

function mix(a, b, f) {
  const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  return `#${pa.map((v, i) => Math.round(v + (pb[i] - v) * f).toString(16).padStart(2, "0")).join("")}`;
}

// rows: [{label, sub, cells: [{value, text, incomplete}]}]; cols: column labels. Colour by value / scaleMax.
export function heatmap({ rows, cols, scaleMax, label = "", firstCol = "", sizeCol = "", incompleteTip = "" }) {
  const cellW = 58;
  const cellH = 28;
  const pad = { l: 200, t: 34 };
  const width = pad.l + cols.length * cellW + 10;
  const height = pad.t + rows.length * cellH + 10;
  const node = base(Math.max(width, 320), height, label);
  node.setAttribute("width", Math.max(width, 320)); // never scaled down: its box scrolls (.scroll-x)
  node.append(svg("text", { x: 8, y: 20, fill: COLORS.text, "font-weight": 600, text: firstCol }),
    svg("text", { x: pad.l - 10, y: 20, "text-anchor": "end", fill: COLORS.text, "font-weight": 600, text: sizeCol }));
  cols.forEach((c, j) => node.append(svg("text", { x: pad.l + j * cellW + cellW / 2, y: 20, "text-anchor": "middle",
    fill: COLORS.text, text: c })));
  rows.forEach((r, i) => {
    const y = pad.t + i * cellH;
    const g = svg("g", { class: "heat-row", "data-cohort": r.key ?? r.label },
      svg("text", { x: 8, y: y + cellH / 2 + 4, fill: COLORS.strong, "font-weight": r.bold ? 700 : 400, text: r.label }),
      svg("text", { x: pad.l - 10, y: y + cellH / 2 + 4, "text-anchor": "end", fill: COLORS.text, text: r.sub || "" }));
    r.cells.forEach((cell, j) => {
      if (!cell) return;
      const f = finite(cell.value) && scaleMax > 0 ? Math.min(1, cell.value / scaleMax) : 0;
      const fill = j === 0 ? "#e8ecf5" : mix("#f4f7ff", COLORS.main, f);
      const rect = svg("rect", { x: pad.l + j * cellW + 1, y: y + 1, width: cellW - 2, height: cellH - 2, fill, rx: 3,
        stroke: cell.incomplete ? "#c5ccd8" : null, "stroke-dasharray": cell.incomplete ? "3 2" : null },
      svg("title", { text: `${r.label} · ${cols[j]}: ${cell.text}${cell.incomplete ? ` (${incompleteTip})` : ""}` }));
      g.append(rect, svg("text", { x: pad.l + j * cellW + cellW / 2, y: y + cellH / 2 + 4, "text-anchor": "middle",
        "font-size": 11, fill: f > 0.55 && j > 0 ? "#ffffff" : COLORS.strong, "pointer-events": "none",
        text: cell.text }));
    });
    node.append(g);
  });
  return el("div", { class: "chart scroll-x" }, node);
}

function short(text, room) {
  let out = String(text);
  if (textWidth(out, 12) <= room) return out;
  while (out.length > 1 && textWidth(`${out}…`, 12) > room) out = out.slice(0, -1);
  return `${out}…`;
}

// A waterfall from `start` to `end` through signed steps: [{key, label, value}], bars coloured by `tone(step)`
// ("good"/"bad"/neutral). Each step is a g.waterfall-step[data-step] holding its bar; totals are g.waterfall-total.
export function waterfallChart({ start, end, steps, fmt, tone = () => "", label = "", width = 640, height = 240 }) {
  width = fitWidth(width);
  const pad = { l: 12, r: 12, t: 22, b: 40 };
  const bars = [{ key: "__start", label: start.label, from: 0, to: start.value, total: true }];
  let level = start.value;
  for (const s of steps) {
    bars.push({ key: s.key, label: s.label, from: level, to: level + s.value, value: s.value, tone: tone(s) });
    level += s.value;
  }
  bars.push({ key: "__end", label: end.label, from: 0, to: end.value, total: true });
  const all = bars.flatMap((b) => [b.from, b.to]).filter(finite);
  const lo = Math.min(0, ...all);
  const hi = Math.max(0, ...all) || 1;
  const h = height - pad.t - pad.b;
  const y = (v) => pad.t + h - ((v - lo) / (hi - lo || 1)) * h;
  const slot = (width - pad.l - pad.r) / bars.length;
  const node = base(width, height, label);
  node.append(svg("line", { x1: pad.l, x2: width - pad.r, y1: y(0), y2: y(0), stroke: COLORS.grid }));
  const fill = { good: COLORS.good, bad: COLORS.bad };
  bars.forEach((b, i) => {
    const x = pad.l + i * slot + slot * 0.18;
    const bw = slot * 0.64;
    const top = y(Math.max(b.from, b.to));
    const g = svg("g", b.total ? { class: "waterfall-total", "data-total": b.key.slice(2) }
      : { class: "waterfall-step", "data-step": b.key, "data-value": String(b.value), "data-tone": b.tone || "neutral" });
    g.append(svg("rect", { x, y: top, width: bw, height: Math.max(1, Math.abs(y(b.from) - y(b.to))), rx: 2,
      fill: b.total ? COLORS.main : fill[b.tone] || COLORS.compare }),
    svg("text", { x: x + bw / 2, y: top - 6, "text-anchor": "middle", "font-size": 11, fill: COLORS.strong,
      text: b.total ? fmt(b.to) : `${b.value > 0 ? "+" : ""}${fmt(b.value)}` }),
    svg("text", { x: x + bw / 2, y: height - pad.b + 16, "text-anchor": "middle", fill: COLORS.text,
      text: short(b.label, slot - 4) }, svg("title", { text: b.label })));
    node.append(g);
  });
  return el("div", { class: "chart waterfall" }, node);
}
