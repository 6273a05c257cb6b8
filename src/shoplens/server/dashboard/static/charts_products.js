// The Products page's charts (SVG attributes only, as charts.js): the ABC Pareto chart, the role quadrant and the
// forecast with its 80 % / 95 % bands.
import { COLORS, fitWidth, FONT, niceTicks, svg } from "./charts.js";
import { el } from "./ui.js";

const finite = (v) => typeof v === "number" && Number.isFinite(v);
export const CLASS_COLORS = { A: "#2f5bea", B: "#f29d38", C: "#9aa5b8" };

function root(width, height, label) {
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": label,
    "font-family": FONT, "font-size": 12, class: "chart-svg", preserveAspectRatio: "xMidYMid meet" },
  svg("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }));
}

// products: [{product_id, name, value, cumulative_share, class}] ranked; thresholds: [0.6, 0.85].
export function paretoChart({ products, thresholds, fmtValue, fmtPct, label = "", width = 760, height = 280 }) {
  width = fitWidth(width);
  const pad = { l: 64, r: 46, t: 16, b: 30 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const n = products.length;
  const ticks = niceTicks(0, Math.max(1e-9, ...products.map((p) => p.value).filter(finite)));
  const top = ticks[ticks.length - 1];
  const bw = n ? w / n : w;
  const x = (i) => pad.l + i * bw;
  const y = (v) => pad.t + h - (v / (top || 1)) * h;
  const yc = (s) => pad.t + h - s * h;
  const node = root(width, height, label);
  for (const tv of ticks) {
    node.append(svg("line", { x1: pad.l, x2: width - pad.r, y1: y(tv), y2: y(tv), stroke: COLORS.grid }),
      svg("text", { x: pad.l - 8, y: y(tv) + 4, "text-anchor": "end", fill: COLORS.text, text: fmtValue(tv) }));
  }
  for (const s of [0, 0.5, 1]) {
    node.append(svg("text", { x: width - pad.r + 6, y: yc(s) + 4, fill: COLORS.text, text: fmtPct(s) }));
  }
  const bars = svg("g", { class: "pareto-bars" });
  products.forEach((p, i) => {
    bars.append(svg("rect", { x: x(i) + (bw > 4 ? bw * 0.1 : 0), y: y(Math.max(0, p.value || 0)),
      width: Math.max(0.6, bw > 4 ? bw * 0.8 : bw), height: Math.max(0, pad.t + h - y(Math.max(0, p.value || 0))),
      fill: CLASS_COLORS[p.class] || COLORS.compare, class: "pareto-bar", "data-product": p.product_id,
      "data-class": p.class }, svg("title", { text: `#${i + 1} ${p.name || p.product_id}: ${fmtValue(p.value)} · ${fmtPct(p.cumulative_share)} · ${p.class}` })));
  });
  node.append(bars);
  thresholds.forEach((th, k) => {
    node.append(svg("line", { x1: pad.l, x2: width - pad.r, y1: yc(th), y2: yc(th), stroke: COLORS.bad,
      "stroke-dasharray": "5 4", class: "pareto-threshold", "data-threshold": th }),
    svg("text", { x: width - pad.r - 4, y: yc(th) - 4, "text-anchor": "end", fill: COLORS.bad, "font-size": 11,
      text: `${"AB"[k] || ""} ≤ ${fmtPct(th)}` }));
  });
  let d = "";
  products.forEach((p, i) => { if (finite(p.cumulative_share)) d += `${d ? "L" : "M"}${x(i) + bw / 2},${yc(p.cumulative_share)}`; });
  node.append(svg("path", { d, fill: "none", stroke: COLORS.strong, "stroke-width": 2, class: "pareto-line",
    "stroke-linejoin": "round" }));
  const every = Math.max(1, Math.ceil(n / 8));
  for (let i = 0; i < n; i += every) {
    node.append(svg("text", { x: x(i) + bw / 2, y: height - 10, "text-anchor": "middle", fill: COLORS.text,
      text: String(i + 1) }));
  }
  return el("div", { class: "chart" }, node);
}

// points: [{x, y, role, id, label}] with x, y > 0 (indexes: 1 = the category median), drawn on log2 scales.
export function quadrantChart({ points, colors, fmtTip, label = "", width = 760, height = 340, xTitle, yTitle }) {
  width = fitWidth(width);
  const pad = { l: 56, r: 16, t: 24, b: 40 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const lx = points.map((p) => Math.log2(p.x));
  const ly = points.map((p) => Math.log2(p.y));
  // each axis spans whole powers of two around its points, the median (×1) always inside
  const range = (vs) => [Math.min(-1, Math.floor(Math.min(...vs, 0))), Math.max(1, Math.ceil(Math.max(...vs, 0)))];
  const [x0, x1] = range(lx);
  const [y0, y1] = range(ly);
  const x = (v) => pad.l + ((Math.log2(v) - x0) / (x1 - x0)) * w;
  const y = (v) => pad.t + h - ((Math.log2(v) - y0) / (y1 - y0)) * h;
  const node = root(width, height, label);
  node.append(svg("rect", { x: pad.l, y: pad.t, width: w, height: h, fill: "none", stroke: COLORS.grid }));
  const stepX = Math.max(1, Math.ceil((x1 - x0) / Math.max(3, Math.floor(w / 64)))); // labels ~64 px apart
  for (let e = x0; e <= x1; e += stepX) {
    node.append(svg("text", { x: x(2 ** e), y: pad.t + h + 16, "text-anchor": "middle", fill: COLORS.text,
      text: `×${fmtFactor(2 ** e)}` }));
  }
  for (let e = y0; e <= y1; e += 1) {
    node.append(svg("text", { x: pad.l - 6, y: y(2 ** e) + 4, "text-anchor": "end", fill: COLORS.text,
      text: `×${fmtFactor(2 ** e)}` }));
  }
  node.append(svg("line", { x1: x(1), x2: x(1), y1: pad.t, y2: pad.t + h, stroke: COLORS.text, "stroke-dasharray": "3 3" }),
    svg("line", { x1: pad.l, x2: pad.l + w, y1: y(1), y2: y(1), stroke: COLORS.text, "stroke-dasharray": "3 3" }),
    svg("text", { x: pad.l + w, y: height - 4, "text-anchor": "end", fill: COLORS.strong, "font-weight": 600, text: xTitle }),
    svg("text", { x: 4, y: 14, fill: COLORS.strong, "font-weight": 600, text: yTitle }));
  const dots = svg("g", { class: "quadrant-dots" });
  for (const p of points) {
    dots.append(svg("circle", { cx: x(p.x), cy: y(p.y), r: 4, fill: colors[p.role] || COLORS.compare,
      "fill-opacity": 0.8, stroke: "#fff", "stroke-width": 1, class: "quadrant-dot", "data-product": p.id,
      "data-role": p.role }, svg("title", { text: fmtTip(p) })));
  }
  node.append(dots);
  return el("div", { class: "chart" }, node);
}

function fmtFactor(v) { return v >= 1 ? String(v) : `1/${Math.round(1 / v)}`; }

// history: [{period, value}]; forecast: [{period, value, lo80, hi80, lo95, hi95}].
export function forecastChart({ history, forecast, fmtY, fmtX, names, label = "", width = 760, height = 280 }) {
  width = fitWidth(width);
  const pad = { l: 56, r: 16, t: 16, b: 30 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const periods = [...history.map((p) => p.period), ...forecast.map((p) => p.period)];
  const n = periods.length;
  const all = [...history.map((p) => p.value), ...forecast.flatMap((p) => [p.value, p.lo95, p.hi95])].filter(finite);
  const ticks = niceTicks(Math.min(0, ...all), Math.max(1, ...all));
  const [y0, y1] = [ticks[0], ticks[ticks.length - 1]];
  const x = (i) => pad.l + (n <= 1 ? w / 2 : (i * w) / (n - 1));
  const y = (v) => pad.t + h - ((v - y0) / (y1 - y0 || 1)) * h;
  const node = root(width, height, label);
  for (const tv of ticks) {
    node.append(svg("line", { x1: pad.l, x2: width - pad.r, y1: y(tv), y2: y(tv), stroke: COLORS.grid }),
      svg("text", { x: pad.l - 8, y: y(tv) + 4, "text-anchor": "end", fill: COLORS.text, text: fmtY(tv) }));
  }
  const every = Math.max(1, Math.ceil(n / 8));
  periods.forEach((p, i) => {
    if (i % every === 0) node.append(svg("text", { x: x(i), y: height - 10, "text-anchor": "middle", fill: COLORS.text, text: fmtX(p) }));
  });
  const off = history.length;
  const band = (lo, hi, opacity, cls) => {
    const pts = forecast.map((p, k) => [x(off + k), p[lo], p[hi]]).filter(([, a, b]) => finite(a) && finite(b));
    if (!pts.length) return null;
    const d = `M${pts.map(([px, a]) => `${px},${y(a)}`).join("L")}L${[...pts].reverse().map(([px, , b]) => `${px},${y(b)}`).join("L")}Z`;
    return svg("path", { d, fill: COLORS.main, "fill-opacity": opacity, stroke: "none", class: cls });
  };
  node.append(band("lo95", "hi95", 0.12, "band-95") || "", band("lo80", "hi80", 0.22, "band-80") || "");
  const line = (vals, start, attrs) => {
    let d = "";
    vals.forEach((v, k) => { if (finite(v)) d += `${d ? "L" : "M"}${x(start + k)},${y(v)}`; });
    return svg("path", { d, fill: "none", "stroke-width": 2, "stroke-linejoin": "round", ...attrs });
  };
  node.append(line(history.map((p) => p.value), 0, { stroke: COLORS.strong, class: "history-line" }));
  const joined = history.length ? [history[history.length - 1].value, ...forecast.map((p) => p.value)] : forecast.map((p) => p.value);
  node.append(line(joined, history.length ? off - 1 : 0, { stroke: COLORS.main, "stroke-dasharray": "5 4",
    class: "forecast-line", "data-values": JSON.stringify(forecast.map((p) => p.value)) }));
  const legend = el("div", { class: "legend" },
    [[COLORS.strong, names.history, 1], [COLORS.main, names.forecast, 1], [COLORS.main, names.band80, 0.35],
      [COLORS.main, names.band95, 0.15]].map(([c, text, o]) => {
      const sw = el("span", { class: "swatch" });
      sw.style.background = c;
      sw.style.opacity = String(o);
      return el("span", { class: "legend-item" }, sw, text);
    }));
  return el("div", { class: "chart" }, node, legend);
}
