// Date maths of the global controls, pure (no DOM, no state): quick ranges relative to the store's last data day,
// the range a comparison reads (the same shifts as shoplens/metrics/periods.py shift_for, grain none), whether the
// data can support a comparison, and the label that names the compared dates.
//
// Days are ISO strings ("2026-11-15") of the store's local calendar; weeks start on Monday (ISO weeks, as the
// metrics engine cuts them and as 生意参谋 and most zh/en operators count them).

export const PRESETS = ["today", "yesterday", "last7", "last30", "last90", "thisWeek", "thisMonth", "lastWeek",
  "lastMonth"];
export const COMPARES = ["previous", "wow", "yoy", "none"];

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const toDate = (iso) => new Date(`${iso}T00:00:00Z`);
const toIso = (d) => d.toISOString().slice(0, 10);

export function shiftDays(iso, n) {
  const d = toDate(iso);
  d.setUTCDate(d.getUTCDate() + n);
  return toIso(d);
}

export function daysBetween(from, to) { return Math.round((toDate(to) - toDate(from)) / 86_400_000); }

const lastOfMonth = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate(); // m: 1-12

// periods.add_months: the same day `n` months away, clamped to the month's length (31 Mar - 1 month = 28/29 Feb).
export function addMonths(iso, n) {
  const [, y, m, d] = DAY.exec(iso).map(Number);
  const index = y * 12 + (m - 1) + n;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(Math.min(d, lastOfMonth(year, month))).padStart(2, "0")}`;
}

const monthStart = (iso) => `${iso.slice(0, 8)}01`;
const isMonthEnd = (iso) => shiftDays(iso, 1).endsWith("-01");
const monday = (iso) => shiftDays(iso, -((toDate(iso).getUTCDay() + 6) % 7)); // getUTCDay: 0 = Sunday

// {from, to} of a quick range; `last` is the store's last day with data (the dashboard's "today").
export function presetRange(name, last) {
  switch (name) {
    case "today": return { from: last, to: last };
    case "yesterday": { const d = shiftDays(last, -1); return { from: d, to: d }; }
    case "last7": return { from: shiftDays(last, -6), to: last };
    case "last30": return { from: shiftDays(last, -29), to: last };
    case "last90": return { from: shiftDays(last, -89), to: last };
    case "thisWeek": return { from: monday(last), to: last };
    case "thisMonth": return { from: monthStart(last), to: last };
    case "lastWeek": { const m = shiftDays(monday(last), -7); return { from: m, to: shiftDays(m, 6) }; }
    case "lastMonth": { const s = addMonths(monthStart(last), -1); return { from: s, to: shiftDays(monthStart(last), -1) }; }
    default: throw new Error(`unknown preset ${name}`);
  }
}

// The presets whose range is exactly from–to (two may coincide: "this week" is "last 7 days" on a Sunday).
export function activePresets(from, to, last) {
  if (!last || !from || !to) return [];
  return PRESETS.filter((p) => { const r = presetRange(p, last); return r.from === from && r.to === to; });
}

function wholeMonths(from, to) {
  if (!from.endsWith("-01") || !isMonthEnd(to)) return 0;
  return (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7)) + 1;
}

// The range `compare` reads for the totals of from–to (MetricsEngine._comparison with no grain), or null (none).
export function compareRange(compare, from, to) {
  if (!compare || compare === "none") return null;
  if (compare === "wow") return { from: shiftDays(from, -7), to: shiftDays(to, -7) };
  const months = wholeMonths(from, to);
  const back = (iso, n, ends) => {
    const out = addMonths(iso, -n);
    return ends && isMonthEnd(iso) ? shiftDays(addMonths(monthStart(out), 1), -1) : out;
  };
  if (compare === "yoy") return { from: back(from, 12, months > 0), to: back(to, 12, months > 0) };
  if (months) return { from: back(from, months, true), to: back(to, months, true) };
  const n = daysBetween(from, to) + 1;
  return { from: shiftDays(from, -n), to: shiftDays(to, -n) };
}

// Whether the data can support `compare` for from–to: {ok, first} (first: the store's first data day). The
// previous period is always offered (it is the fallback); wow and yoy need data on some day of their range.
export function compareSupported(compare, from, to, first) {
  if (compare === "none" || compare === "previous" || !first || !from || !to) return { ok: true, first };
  const r = compareRange(compare, from, to);
  return { ok: r.to >= first, first };
}

// "2026-10-25" or "10-19 – 10-25" (en) / "10月25日" or "10月19日–10月25日" (zh); the year is kept when the compared
// range is in another year than the current one ("2025-11-15").
export function rangeLabel(range, lang, currentYear = null) {
  if (!range) return "";
  const sameYear = range.from.slice(0, 4) === range.to.slice(0, 4) && (!currentYear || range.from.startsWith(currentYear));
  const one = (iso) => {
    if (lang === "zh") {
      const md = `${Number(iso.slice(5, 7))}月${Number(iso.slice(8, 10))}日`;
      return sameYear ? md : `${iso.slice(0, 4)}年${md}`;
    }
    return sameYear ? iso.slice(5) : iso;
  };
  if (range.from === range.to) return lang === "zh" ? one(range.from) : range.from;
  return lang === "zh" ? `${one(range.from)}–${one(range.to)}` : `${one(range.from)} – ${one(range.to)}`;
}

// The compared dates of `compare` for from–to ("2026-10-25", "10-19 – 10-25", "10月25日"); "" for none.
export function compareDates(compare, from, to, lang) {
  const r = compareRange(compare, from, to);
  return r ? rangeLabel(r, lang, from.slice(0, 4)) : "";
}
