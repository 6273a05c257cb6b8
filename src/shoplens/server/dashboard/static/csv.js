// CSV for the export buttons, with the same safety rule as the server's writer (src/shoplens/csv_out.py; a test
// checks both give the same cells): a TEXT cell starting with = + - @, a tab or a carriage return (or the
// full-width ＝ ＋ － ＠) gets a single quote in front, so a spreadsheet shows it as text and never runs it as a
// formula. Numbers stay numbers (-5.2 is written as -5.2), and so does text that is exactly a plain decimal
// number ("-5"). Missing values (null, undefined, NaN) are empty cells.
const TRIGGERS = new Set(["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"]);
const PLAIN_NUMBER = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

export function safeCell(v) {
  if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) return "";
  if (typeof v === "number") return String(v);
  const s = String(v);
  return s && TRIGGERS.has(s[0]) && !PLAIN_NUMBER.test(s) ? `'${s}` : s;
}

export function csvCell(v) {
  const s = safeCell(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header, rows) {
  return [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
