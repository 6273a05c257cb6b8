// New-product trials (GET /products/trial as of the range's last day, first 15 days): each launch's first-days
// numbers, its verdict as a badge (push / keep testing / drop, or whatever the analysis answers) and the
// reasoning in the page's language.
import { fmtCurrency, fmtInt, fmtPct } from "../format.js";
import { t } from "../i18n.js";
import { storeInfo } from "../state.js";
import { emptyState, tableCard } from "../ui.js";
import { asOfOf, badge, optional, productCell, words } from "./products_util.js";

export const loadTrial = () => optional("/products/trial", { ...asOfOf(), days: 15 });

const verdictText = (v) => (t(`verdict.${v}`) === `verdict.${v}` ? v : t(`verdict.${v}`));

export function trialPanel(data) {
  if (!data) return null;
  const rows = data.items || data.products || [];
  const currency = data.currency || (storeInfo() || {}).reporting_currency || null;
  const columns = [
    { key: "product_id", label: t("pr.product"), node: (r) => productCell(r.product_id, r.name), raw: (r) => r.product_id },
    { key: "uv", label: t("pt.uv"), num: true, text: (r) => fmtInt(r.uv), raw: (r) => r.uv },
    { key: "conversion_rate", label: t("pt.conversion"), num: true, text: (r) => fmtPct(r.conversion_rate ?? r.conversion),
      raw: (r) => r.conversion_rate ?? r.conversion },
    { key: "units", label: t("pt.units"), num: true, text: (r) => fmtInt(r.units), raw: (r) => r.units },
    { key: "gmv", label: t("pt.gmv"), num: true, text: (r) => (currency ? fmtCurrency(r.gmv, currency) : fmtInt(r.gmv)), raw: (r) => r.gmv },
    { key: "verdict", label: t("pt.verdict"), node: (r) => badge("verdict", r.verdict, verdictText(r.verdict)), raw: (r) => r.verdict },
    { key: "reason", label: t("pt.reason"), cls: () => "reason-cell", text: (r) => words(r.reason), raw: (r) => words(r.reason), nosort: true },
  ];
  const node = tableCard({ title: t("pt.title"), sub: t("pt.sub", { days: data.days ?? 15 }), id: "trial-table",
    name: "product_trials", columns, rows, empty: emptyState(t("pt.none")),
    noTotal: "one row per new SKU, each judged against its own references",
    rowAttrs: (r) => ({ "data-product": r.product_id, "data-verdict": r.verdict }) });
  node.id = "trial-card";
  return node;
}
