// Hand-written SVG charts (no library): line chart with a comparison series, sparkline, bar chart; PNG export.
// Every style is an SVG attribute (not CSS), so a chart rendered to a PNG looks the same as on the page.
import { t } from "./i18n.js";
import { card, csvButton, download, el } from "./ui.js";

const NS = "http://www.w3.org/2000/svg";
export const FONT = "system-ui, -apple-system, 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', sans-serif";
export const COLORS = { main: "#2f5bea", compare: "#9aa5b8", bad: "#d93025", good: "#188038", warn: "#e8a317",
  grid: "#e6e9ef",
  text: "#5f6b7a", strong: "#1f2937", bars: ["#2f5bea", "#f29d38", "#22a398", "#a259d9", "#e2557b", "#6b8e23"] };

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c) node.append(c);
  return node;
}

function root(width, height, label) {
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": label,
    "font-family": FONT, "font-size": 12, class: "chart-svg", preserveAspectRatio: "xMidYMid meet" },
  svg("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }));
}

const finite = (v) => typeof v === "number" && Number.isFinite(v);

// The room of a chart when the layout has one column (styles.css: <= 1100 px, the sidebar folds at <= 900 px):
// the window less the sidebar, the page's and the card's paddings. A chart drawn at the room it has keeps its
// 11-12 px text at that size on a phone (drawn at 560 and scaled down it was 7 px). Wider layouts: `width`.
export function fitWidth(width) {
  const vw = document.documentElement.clientWidth || window.innerWidth;
  if (vw > 1100) return width;
  const room = vw > 900 ? vw - 208 - 48 - 34 : vw - 24 - 26;
  return Math.max(260, Math.min(width, room));
}

// The drawing width of a chart in a full-width card: about its size on screen, so its text stays ~12px.
export const wideWidth = () => fitWidth(Math.max(560, Math.min(1100, window.innerWidth - 280)));

export function niceTicks(min, max, count = 4) {
  if (!finite(min) || !finite(max)) return [0, 1];
  if (min === max) { max = min === 0 ? 1 : min * 1.1; min = Math.min(0, min); }
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const start = Math.floor(min / step) * step;
  const ticks = [Number(start.toPrecision(12))];
  while (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  if (ticks.length < 2) ticks.push(Number((start + step).toPrecision(12)));
  return ticks;
}

// labels: x labels; series: [{name, values, color, dashed, dotted}]; yTitle: the axis unit ("GMV (CNY)"); marks: flagged points of the first series, indices or
// {i, bad, severity, period} (bad: alert red, else amber); tipExtra(i): more tooltip lines for point i.
// why: {metric, grain, currency, where} when the first series is a catalog metric by day, week or month: a click on
// a point opens the root-cause panel (why.js) for that metric and period, the tooltip says so. One hook for every
// page's chart; a chart that is not of a catalog metric (a funnel, an action's effect) passes none.
export function lineChart({ labels, series, fmtY = String, fmtX = String, fmtTip, marks = [], label = "",
  width = 760, height = 260, onPoint, tipExtra, yTitle = "", why = null }) {
  if (why && !["day", "week", "month"].includes(why.grain || "day")) why = null; // an hour: why is per day
  if (why) {
    const own = tipExtra;
    onPoint = onPoint || ((i) => import("./why.js").then((m) => m.whyAtPoint(why, labels[i])));
    tipExtra = (i) => (own && own(i)) || el("div", { class: "muted why-tip",
      text: t((why.grain || "day") === "day" ? "why.clickPoint" : "why.clickPeriod") });
  }
  const pad = { l: 64, r: 16, t: yTitle ? 28 : 16, b: 30 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const all = series.flatMap((s) => s.values).filter(finite);
  const ticks = niceTicks(Math.min(0, ...all), Math.max(...(all.length ? all : [1])));
  const [y0, y1] = [ticks[0], ticks[ticks.length - 1]];
  const n = labels.length;
  const x = (i) => pad.l + (n <= 1 ? w / 2 : (i * w) / (n - 1));
  const y = (v) => pad.t + h - ((v - y0) / (y1 - y0 || 1)) * h;
  const node = root(width, height, label);
  if (yTitle) node.append(svg("text", { x: 4, y: 14, fill: COLORS.text, class: "y-title", "font-weight": 600, text: yTitle }));
  for (const tv of ticks) {
    node.append(svg("line", { x1: pad.l, x2: width - pad.r, y1: y(tv), y2: y(tv), stroke: COLORS.grid }),
      svg("text", { x: pad.l - 8, y: y(tv) + 4, "text-anchor": "end", fill: COLORS.text, text: fmtY(tv) }));
  }
  const every = Math.max(1, Math.ceil(n / 8));
  labels.forEach((lab, i) => {
    if (i % every === 0 || (i === n - 1 && i % every >= every / 2)) {
      node.append(svg("text", { x: x(i), y: height - 10, "text-anchor": "middle", fill: COLORS.text, text: fmtX(lab) }));
    }
  });
  for (const s of [...series].reverse()) {
    let d = "";
    s.values.forEach((v, i) => { if (finite(v)) d += `${d && finite(s.values[i - 1]) ? "L" : "M"}${x(i)},${y(v)}`; });
    node.append(svg("path", { d, fill: "none", stroke: s.color, "stroke-width": s.dashed || s.dotted ? 1.5 : 2.2,
      "stroke-dasharray": s.dotted ? "1.5 3" : s.dashed ? "5 4" : null, "stroke-linejoin": "round",
      "stroke-linecap": s.dotted ? "round" : null, class: "series", "data-series": s.key || null,
      "data-values": JSON.stringify(s.values.map((v) => (finite(v) ? v : null))) }));
  }
  const main = series[0];
  for (const mark of marks) {
    const { i, bad = true, severity = null, period = null } = typeof mark === "number" ? { i: mark } : mark;
    if (main && finite(main.values[i])) {
      node.append(svg("circle", { cx: x(i), cy: y(main.values[i]), r: 4.5, fill: bad ? COLORS.bad : COLORS.warn,
        stroke: "#fff", "stroke-width": 1.5, class: "anomaly", "data-period": period, "data-severity": severity,
        "data-bad": String(Boolean(bad)) }));
    }
  }
  // hover: a guide line and an HTML tooltip
  const wrap = el("div", { class: "chart", "data-why-metric": why ? why.metric : null,
    "data-why-grain": why ? why.grain || "day" : null, "data-labels": why ? JSON.stringify(labels) : null }, node);
  const tip = el("div", { class: "chart-tip", hidden: true });
  const guide = svg("line", { y1: pad.t, y2: pad.t + h, stroke: COLORS.text, "stroke-dasharray": "2 3",
    visibility: "hidden" });
  node.append(guide);
  const overlay = svg("rect", { x: pad.l, y: pad.t, width: w, height: h, fill: "transparent",
    cursor: onPoint ? "pointer" : null });
  node.append(overlay);
  const indexAt = (ev) => {
    const box = node.getBoundingClientRect();
    const px = ((ev.clientX - box.left) / box.width) * width;
    return Math.max(0, Math.min(n - 1, Math.round(((px - pad.l) / (w || 1)) * (n - 1))));
  };
  overlay.addEventListener("mousemove", (ev) => {
    if (!n) return;
    const i = indexAt(ev);
    guide.setAttribute("x1", x(i));
    guide.setAttribute("x2", x(i));
    guide.setAttribute("visibility", "visible");
    tip.hidden = false;
    tip.textContent = "";
    tip.append(el("strong", { text: fmtX(labels[i], true) }),
      ...series.map((s) => el("div", {}, el("span", { class: "swatch", "data-color": s.color }), `${s.name}: `,
        (fmtTip || fmtY)(s.values[i], i, s))));
    const extra = tipExtra ? tipExtra(i) : null;
    if (extra) tip.append(extra);
    tip.querySelectorAll(".swatch").forEach((sw) => { sw.style.background = sw.dataset.color; });
    const box = wrap.getBoundingClientRect();
    const left = ev.clientX - box.left;
    tip.style.left = `${Math.min(left + 12, box.width - 180)}px`;
    tip.style.top = `${ev.clientY - box.top + 12}px`;
  });
  overlay.addEventListener("mouseleave", () => { tip.hidden = true; guide.setAttribute("visibility", "hidden"); });
  if (onPoint) overlay.addEventListener("click", (ev) => onPoint(indexAt(ev)));
  wrap.append(tip, legend(series));
  return wrap;
}

function legend(series) {
  return el("div", { class: "legend" }, series.map((s) => {
    const sw = el("span", { class: `swatch ${s.dotted ? "dotted" : s.dashed ? "dashed" : ""}`.trim() });
    sw.style.borderColor = s.color;
    sw.style.background = s.dashed || s.dotted ? "transparent" : s.color;
    return el("span", { class: "legend-item", "data-series": s.key || null }, sw, s.name);
  }));
}

export function sparkline(values, { marks = [], color = COLORS.main, width = 140, height = 36 } = {}) {
  const vals = values.filter(finite);
  const node = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", height, class: "sparkline",
    preserveAspectRatio: "none", "aria-hidden": "true" });
  if (vals.length < 2) return node;
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const x = (i) => 2 + (i * (width - 4)) / (values.length - 1);
  const y = (v) => height - 3 - ((v - lo) / (hi - lo || 1)) * (height - 6);
  let d = "";
  values.forEach((v, i) => { if (finite(v)) d += `${d ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`; });
  node.append(svg("path", { d: `${d}L${x(values.length - 1)},${height}L${x(0)},${height}Z`, fill: color,
    opacity: 0.08 }), svg("path", { d, fill: "none", stroke: color, "stroke-width": 1.6,
    "vector-effect": "non-scaling-stroke" }));
  for (const mark of marks) {
    const { i, bad = true } = typeof mark === "number" ? { i: mark } : mark;
    if (finite(values[i])) node.append(svg("circle", { cx: x(i), cy: y(values[i]), r: 2.5, fill: bad ? COLORS.bad : COLORS.warn }));
  }
  return node;
}

// Rough text width in px (CJK glyphs are square, Latin ones about 0.58 em): enough to place labels.
export function textWidth(text, size) {
  let w = 0;
  for (const ch of String(text)) w += ch.codePointAt(0) > 0x2e80 ? size : size * 0.58;
  return w;
}

function fit(text, size, room) {
  if (textWidth(text, size) <= room) return text;
  let out = String(text);
  while (out.length > 1 && textWidth(`${out}…`, size) > room) out = out.slice(0, -1);
  return `${out}…`;
}

// A value after the end of its bar, or inside it (white) when it would run off the chart.
function valueLabel(text, end, y, limit) {
  const tw = textWidth(text, 11);
  const inside = end + 6 + tw > limit;
  return svg("text", { x: inside ? end - 6 : end + 6, y, "text-anchor": inside ? "end" : "start", "font-size": 11,
    fill: inside ? "#ffffff" : COLORS.text, text });
}

// Horizontal bars. rows: data; series: [{key, name, color, fmt}]; label(row), key(row); onClick(row) drills down.
export function barChart({ rows, series, label, key, onClick, title = "", width = 520, max = null,
  dataAttr = "key" }) {
  width = fitWidth(width);
  const rowH = series.length > 1 ? 14 * series.length + 12 : 26;
  const pad = { l: Math.min(150, Math.round(width * 0.34)), r: 12, t: 8, b: 8 };
  const height = pad.t + pad.b + rows.length * rowH;
  const w = width - pad.l - pad.r;
  const top = max ?? Math.max(0, ...rows.flatMap((r) => series.map((s) => r[s.key])).filter(finite));
  const node = root(width, Math.max(height, 40), title);
  rows.forEach((row, i) => {
    const y = pad.t + i * rowH;
    const g = svg("g", { class: onClick ? "bar clickable" : "bar", [`data-${dataAttr}`]: key(row),
      cursor: onClick ? "pointer" : null, tabindex: onClick ? 0 : null, role: onClick ? "button" : null });
    const name = String(label(row));
    g.append(svg("text", { x: pad.l - 8, y: y + rowH / 2 + 4, "text-anchor": "end", fill: COLORS.strong,
      text: fit(name, 12, pad.l - 14) }, svg("title", { text: name })));
    series.forEach((s, j) => {
      const v = row[s.key];
      const bh = series.length > 1 ? 12 : 16;
      const by = y + (series.length > 1 ? 6 + j * 14 : (rowH - bh) / 2);
      const bw = finite(v) && top > 0 ? Math.max(1, (v / top) * w) : 0;
      g.append(svg("rect", { x: pad.l, y: by, width: w, height: bh, fill: "#f3f5f9", rx: 2 }),
        svg("rect", { x: pad.l, y: by, width: bw, height: bh, fill: s.color || COLORS.bars[j], rx: 2 }),
        valueLabel(s.fmt ? s.fmt(v, row) : String(v ?? "—"), pad.l + bw, by + bh - 2, width - 4));
    });
    if (onClick) {
      g.append(svg("title", { text: `${name} — ${t("ctl.drill")}` }));
      g.addEventListener("click", () => onClick(row));
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") onClick(row); });
    }
    node.append(g);
  });
  const wrap = el("div", { class: "chart" }, node);
  if (series.length > 1) wrap.append(legend(series.map((s, j) => ({ name: s.name, color: s.color || COLORS.bars[j] }))));
  return wrap;
}

// ---- PNG ---------------------------------------------------------------------------------------------------

export async function svgToPng(node, name, scale = 2) {
  const [, , width, height] = (node.getAttribute("viewBox") || "0 0 600 300").split(/\s+/).map(Number);
  const copy = node.cloneNode(true);
  copy.setAttribute("width", width);
  copy.setAttribute("height", height);
  copy.querySelectorAll("[visibility=visible]").forEach((n) => n.setAttribute("visibility", "hidden"));
  const text = new XMLSerializer().serializeToString(copy);
  const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml;charset=utf-8" }));
  try {
    const img = new Image();
    await new Promise((resolve, reject) => { img.onload = resolve; img.onerror = reject; img.src = url; });
    const canvas = document.createElement("canvas");
    canvas.width = width * scale;
    canvas.height = height * scale;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    download(`${name}.png`, blob);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function pngButton(name, target, forId) {
  return el("button", { type: "button", class: "export-png small", "data-for": forId, "data-name": name,
    title: `${name}.png`, onclick: () => {
      const node = typeof target === "function" ? target() : target;
      const chart = node && (node.matches("svg") ? node : node.querySelector("svg.chart-svg"));
      if (chart) svgToPng(chart, name).catch((exc) => console.error(exc));
    } }, t("export.png"));
}

// A card with a chart in div#id, a PNG button and a CSV button (the chart's data).
export function chartCard({ title, sub, id, name, chart, csv, wide = false, extra = [] }) {
  const holder = el("div", { id, class: "chart-holder" }, chart);
  return card({ title, sub, wide, body: holder,
    actions: [...extra, csv ? csvButton(name, csv, id) : null, pngButton(name, holder, id)] });
}
