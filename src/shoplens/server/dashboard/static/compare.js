// The comparison in words: "vs 2026-11-14" / "对比 11月14日" (the compared dates, not "vs prev."), the compare
// select's option texts (a comparison the data cannot support says why) and the legend names of the trends.
import { compareDates, compareSupported } from "./dates.js";
import { lang, t } from "./i18n.js";
import { dataRange, state, storeInfo } from "./state.js";

// "vs 2026-11-14" for `cmp` of the current range (or of from–to).
export function compareLabel(cmp, from = state.from, to = state.to) {
  const dates = compareDates(cmp, from, to, lang());
  return dates ? t("cmp.vs", { dates }) : "";
}

// [{value, text, title, disabled}] of the compare select for the current range and store.
export function compareOptions() {
  const { min } = dataRange(storeInfo());
  return ["previous", "wow", "yoy", "none"].map((value) => {
    const name = t(`cmp.${value}`);
    if (value === "none") return { value, text: name, title: name, disabled: false };
    const dates = compareDates(value, state.from, state.to, lang());
    const { ok } = compareSupported(value, state.from, state.to, min);
    const text = ok ? t("cmp.option", { name, dates }) : t("cmp.noData", { name, first: min });
    return { value, text, title: text, disabled: !ok };
  });
}
