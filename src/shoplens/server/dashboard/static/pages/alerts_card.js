// The overview's "open alerts" card, titled with its day: the open alerts of the store's latest alert day (the
// newest day any check stored an alert for, whatever its status: once every alert of that day is handled, the card
// says so), counted by severity, the first few messages in the page's language (worst first, each opening its root
// cause), and a link to the Alerts page. Read fresh (not from the GET cache): an acknowledgement must show at once.
import { api } from "../api.js";
import { fmtDate } from "../format.js";
import { lang, t } from "../i18n.js";
import { state, toHash } from "../state.js";
import { card, el } from "../ui.js";
import { openRootCause, showOpenAlerts } from "./alerts.js";

const TOP = 3;
const RANK = { high: 0, medium: 1, low: 2 };

// {day, open}: the latest day with alerts and its open alerts (worst first), from the API's list of the store.
export function latestOpen(alerts) {
  const day = alerts.reduce((max, a) => (a.period > max ? a.period : max), "");
  const open = alerts.filter((a) => a.period === day && a.status === "open")
    .sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.id - b.id);
  return { day: day || null, open };
}

export async function alertsCard() {
  const answer = await api("/alerts", { params: { store: state.store } });
  const { day, open } = latestOpen(answer.alerts || []);
  const counts = ["high", "medium", "low"].map((s) => [s, open.filter((a) => a.severity === s).length])
    .filter(([, n]) => n);
  const body = el("div", { id: "open-alerts", "data-count": String(open.length), "data-day": day || "" },
    open.length
      ? el("div", { class: "open-alert-counts" }, el("strong", { text: t("al.openCount", { n: open.length }) }),
        counts.map(([s, n]) => el("span", { class: `badge sev-${s}`, "data-severity": s, "data-n": String(n),
          text: `${t(`an.sev.${s}`)} ${n}` })))
      : el("p", { class: "muted open-alerts-none", text: t("al.noneOpen") }),
    open.length ? el("ul", { class: "anomaly-items open-alert-items" }, open.slice(0, TOP).map((a) =>
      el("li", { class: "anomaly-item", "data-alert-id": String(a.id) },
        el("span", { class: `badge sev-${a.severity}`, text: t(`an.sev.${a.severity}`) }),
        el("span", { class: "open-alert-message", lang: lang() === "zh" ? "zh-CN" : "en",
          text: (a.message && a.message[lang()]) || a.rule }),
        el("button", { type: "button", class: "link why-button", text: t("why.button"), title: t("al.whyTip"),
          onclick: () => openRootCause(a) })))) : null,
    el("a", { id: "open-alerts-link", href: toHash("alerts"), class: "small", text: t("al.toPage"),
      onclick: () => showOpenAlerts(day) }));
  // the title names the day: the latest alert day is often not today (a demo's data, an import that lags)
  return card({ title: day ? t("al.openTitleDay", { day: lang() === "zh" ? fmtDate(day) : day }) : t("al.openTitle"),
    wide: true, cls: "open-alerts-card", sub: day ? t("al.openSubDay") : t("al.noneChecked"), body });
}
