// "How is this counted?" beside a label whose number another page counts differently (#14, one meaning per label):
// an ⓘ with the rule as its tooltip (hover, focus) and its accessible name; docs/metrics.md says the same.
import { t } from "./i18n.js";
import { el } from "./ui.js";

export function ruleHint(key) {
  return el("span", { class: "rule-hint", tabindex: "0", role: "note", title: t(key), "aria-label": t(key),
    "data-rule": key, text: "ⓘ" });
}
