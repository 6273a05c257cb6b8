// CSV columns that say what they hold (#14): an enumerated dimension gives its id AND its name, and a number's
// header names its unit (seconds, the currency, a 0–1 ratio) instead of leaving raw seconds unexplained.
import { dimName, t, valueName } from "./i18n.js";

export function csvLabel(label, unit, currency) {
  if (unit === "seconds") return `${label} (${t("ex.seconds")})`;
  if (unit === "currency" && currency) return `${label} (${currency})`;
  if (unit === "percent") return `${label} (${t("ex.ratio")})`;
  return label;
}

// [id column (headed by the dimension id, what --by / where= take), name column] for the CSV of a table cut by `dim`.
export function csvIdName(dim, get) {
  return [{ label: dim, raw: get }, { label: dimName(dim), raw: (row) => valueName(dim, get(row)) }];
}
