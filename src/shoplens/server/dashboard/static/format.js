// Numbers, money, rates and durations for the current locale (Intl.NumberFormat, cached per locale/option set).
import { htmlLang, lang } from "./i18n.js";

const cache = new Map();

function nf(options) {
  const key = `${htmlLang()}|${JSON.stringify(options)}`;
  if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(htmlLang(), options));
  return cache.get(key);
}

const missing = (v) => v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v));
export const DASH = "—";

export function fmtInt(v) { return missing(v) ? DASH : nf({ maximumFractionDigits: 0 }).format(v); }

export function fmtNumber(v, digits = 2, minDigits = 0) {
  return missing(v) ? DASH : nf({ minimumFractionDigits: minDigits, maximumFractionDigits: digits }).format(v);
}

export function fmtPct(v, digits = 2) {
  return missing(v) ? DASH : nf({ style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits })
    .format(v);
}

export function fmtCurrency(v, currency, digits = 2) {
  if (missing(v)) return DASH;
  if (!currency) return fmtNumber(v, digits);
  try {
    return nf({ style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
  } catch {
    return `${fmtNumber(v, digits)} ${currency}`;
  }
}

// Compact axis labels: 1.2万 / 12K.
export function fmtCompact(v) {
  return missing(v) ? DASH : nf({ notation: "compact", maximumFractionDigits: 1 }).format(v);
}

export function fmtSeconds(v) {
  if (missing(v)) return DASH;
  const s = Math.round(v);
  const zh = lang() === "zh";
  if (s < 60) return zh ? `${s}秒` : `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return zh ? `${m}分${s % 60}秒` : `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return zh ? `${h}小时${m % 60}分` : `${h}h ${m % 60}m`;
  return zh ? `${fmtNumber(s / 86400, 1)}天` : `${fmtNumber(s / 86400, 1)} d`;
}

export function fmtDays(v) {
  if (missing(v)) return DASH;
  return lang() === "zh" ? `${fmtNumber(v, 1, 1)}天` : `${fmtNumber(v, 1, 1)} d`;
}

// A metric value by the catalog's unit: count, percent, currency, number, seconds, days, score.
export function fmtMetric(v, unit, currency) {
  switch (unit) {
    case "count": return fmtInt(v);
    case "percent": return fmtPct(v);
    case "currency": return fmtCurrency(v, currency);
    case "seconds": return fmtSeconds(v);
    case "days": return fmtDays(v);
    case "score": return fmtNumber(v, 2, 2);
    default: return fmtNumber(v, 2);
  }
}

// A KPI card's headline: the full value up to 6 integer digits, compact beyond, so a card never
// overflows (CN¥2.7M / ¥270.14万); the caller puts the full value (fmtMetric) in the title.
export function fmtKpi(v, unit, currency) {
  if (missing(v) || Math.abs(v) < 1_000_000 || !["currency", "count", "number"].includes(unit)) {
    return fmtMetric(v, unit, currency);
  }
  const compact = { notation: "compact", maximumFractionDigits: 2 };
  if (unit === "currency" && currency) {
    try {
      return nf({ ...compact, style: "currency", currency }).format(v); // the symbol of fmtCurrency (CN¥ in en)
    } catch {
      return `${nf(compact).format(v)} ${currency}`;
    }
  }
  return nf(compact).format(v);
}

// Short axis form of a metric value (money without its symbol: the card title names the metric).
export function fmtAxis(v, unit) {
  if (missing(v)) return "";
  if (unit === "percent") return fmtPct(v, Math.abs(v) < 0.1 ? 1 : 0);
  if (unit === "seconds") return fmtSeconds(v);
  return Math.abs(v) >= 1000 ? fmtCompact(v) : fmtNumber(v, 2);
}

// A relative change (0.337 -> "+33.7%").
export function fmtChange(v) {
  if (missing(v)) return DASH;
  const text = nf({ style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: "exceptZero" })
    .format(v);
  return text;
}

export function fmtDate(iso) {
  if (!iso) return DASH;
  const [y, m, d] = String(iso).slice(0, 10).split("-").map(Number);
  if (!y) return String(iso);
  return new Intl.DateTimeFormat(htmlLang(), { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(y, m - 1, d)));
}

// "2026-11-15" -> "11/15" (axis ticks).
export function fmtDayShort(iso) {
  const text = String(iso || "");
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) return `${Number(text.slice(5, 7))}/${Number(text.slice(8, 10))}`;
  return text;
}
