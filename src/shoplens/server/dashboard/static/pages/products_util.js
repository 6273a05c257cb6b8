// What the Products page's #16 panels share: the optional analysis routes (a route this server does not have
// answers 404 "Not Found": the panel is then left out), the as-of day (the range's end), badges.
import { ApiError, cached } from "../api.js";
import { lang } from "../i18n.js";
import { state } from "../state.js";
import { el } from "../ui.js";

// GET an analysis; null when the server has no such route (404 "Not Found" with no place named: an older server,
// the panel is not shown). An analysis's own 404 (an unknown product) names its place and is shown as an error.
export async function optional(path, params) {
  try {
    return await cached(path, params);
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 404 && (!exc.error || (exc.error.message === "Not Found" && !exc.error.where))) {
      return null;
    }
    throw exc;
  }
}

// ABC and roles read the page's dates; trial, replenishment and forecast are "as of" the range's last day.
export const rangeOf = () => ({ store: state.store, from: state.from, to: state.to });
export const asOfOf = () => ({ store: state.store, as_of: state.to });

// A reason or note given as {en, zh} (or {message, zh}) in the page's language.
export function words(reason) {
  if (!reason) return "";
  if (typeof reason === "string") return reason;
  return (lang() === "zh" ? reason.zh : reason.en || reason.message) || reason.en || reason.zh || "";
}

export function badge(kind, value, text) {
  return el("span", { class: `badge ${kind}-${value}`, "data-value": value, text });
}

// The product's name with its id underneath (the product table's cell), the id alone when nameless.
export function productCell(id, name) {
  return el("div", { class: "product-cell" }, name
    ? [el("div", { class: "product-name", text: name }), el("div", { class: "product-id muted", text: id })]
    : el("div", { class: "product-name", text: id }));
}
