// The people parts of the Users page: saved segments (list, size, member CSV, preview/save builder) and the
// user timeline search (profile, lifecycle, RFM tier, history).
import { api, apiUrl, cached, clearCache, errorText } from "../api.js";
import { fmtCurrency, fmtInt, fmtNumber, fmtPct } from "../format.js";
import { eventName, lang, t, valueName } from "../i18n.js";
import { state, storeInfo } from "../state.js";
import { block, card, csvButton, el, emptyState, errorBox } from "../ui.js";

// ---- segments ----------------------------------------------------------------------------------------------

export async function segmentsCard(ctx) {
  const data = await cached("/segments");
  const segments = data.segments || [];
  const list = el("ul", { id: "segment-list", class: "segment-list" }, segments.map((s) => segmentItem(s)));
  const body = el("div", {}, list, segments.length ? null : emptyState(t("empty.segments")));
  const role = (state.me && state.me.user && state.me.user.role) || "viewer";
  body.append(builder(ctx, role !== "viewer"));
  return card({ title: t("us.segments"), body, actions: [csvButton("segments", () => ({
    header: [t("us.segmentName"), t("us.segmentRule"), t("us.segmentDesc"), t("us.visibleTo")],
    rows: segments.map((s) => [s.name, s.rule, s.description, (s.stores || ["*"]).join(" ")]) }), "segment-list")] });
}

function segmentItem(s) {
  const size = el("span", { class: "segment-size muted" });
  const shared = !s.stores || s.stores.includes("*");
  const scope = el("span", { class: "badge muted small segment-scope", "data-shared": String(shared),
    title: t(shared ? "us.sharedTip" : "us.storesTip"),
    text: shared ? t("us.shared") : t("us.ownStores", { stores: s.stores.join(", ") }) });
  return el("li", { class: "segment", "data-segment": s.name },
    el("div", { class: "segment-head" }, el("span", { class: "segment-title" }, el("strong", { text: s.name }), scope),
      el("div", { class: "segment-actions" },
        el("button", { type: "button", class: "small link segment-show", text: t("us.show"), onclick: async () => {
          size.textContent = t("loading");
          try {
            const p = await cached(`/segments/${encodeURIComponent(s.name)}`, { store: state.store });
            size.textContent = t("us.size.text", { n: fmtInt(p.members), share: fmtPct(p.share, 2) });
          } catch (exc) { size.textContent = errorText(exc); }
        } }),
        el("a", { class: "segment-export small", download: `${s.name}.csv`, text: t("us.members"),
          href: apiUrl(`/segments/${encodeURIComponent(s.name)}/members`, { store: state.store, format: "csv" }) }))),
    el("code", { class: "segment-rule", text: s.rule || JSON.stringify(s.definition) }),
    s.description ? el("p", { class: "muted", text: s.description }) : null, size);
}

function builder(ctx, canSave) {
  const name = el("input", { id: "segment-name", type: "text", maxlength: 64, "aria-label": t("us.segmentName"),
    placeholder: t("us.segmentName") });
  const rule = el("textarea", { id: "segment-rule", rows: 2, "aria-label": t("us.segmentRule"),
    placeholder: t("us.rulePlaceholder") });
  const result = el("div", { class: "segment-result", "aria-live": "polite" });
  const preview = async () => {
    result.textContent = t("loading");
    try {
      const p = await api("/segments/preview", { method: "POST", params: { store: state.store },
        body: { rule: rule.value } });
      result.textContent = t("us.size.text", { n: fmtInt(p.members), share: fmtPct(p.share, 2) });
    } catch (exc) { result.textContent = ""; result.append(errorBox(exc)); }
  };
  const save = async () => {
    result.textContent = t("loading");
    try {
      await api("/segments", { method: "POST", params: { store: state.store },
        body: { name: name.value.trim(), rule: rule.value } });
      clearCache();
      ctx.toast(t("us.saved", { name: name.value.trim() }));
      ctx.navigate();
    } catch (exc) { result.textContent = ""; result.append(errorBox(exc)); }
  };
  return el("details", { class: "segment-builder" }, el("summary", { text: t("us.builder") }),
    el("div", { class: "form-stack" }, name, rule,
      el("div", { class: "row" },
        el("button", { type: "button", id: "segment-preview", class: "small", onclick: preview, text: t("us.preview") }),
        canSave ? el("button", { type: "button", id: "segment-save", class: "small primary", onclick: save,
          text: t("us.save") }) : el("span", { class: "muted", text: t("us.readOnly") })),
      result));
}

// ---- timeline ----------------------------------------------------------------------------------------------

let last = null; // {store, id}: the last search, shown again when the page re-renders for the same store

export function timelineCard(ctx) {
  const lastUser = last && last.store === state.store ? last.id : "";
  const input = el("input", { id: "timeline-user", type: "search", value: lastUser, placeholder: t("us.userId"),
    "aria-label": t("us.userId"), autocomplete: "off", spellcheck: "false" });
  const profile = el("div", { id: "timeline-profile", class: "timeline-profile" });
  const list = el("ol", { id: "timeline-list", class: "timeline-list" });
  const output = el("div", { class: "timeline-output" }, profile, list);
  const search = (user) => {
    if (user !== undefined) input.value = user;
    const id = input.value.trim();
    if (!id) return;
    last = { store: state.store, id };
    ctx.reload(() => block(output, () => timeline(id), ctx));
  };
  const form = el("form", { class: "row timeline-form", onsubmit: (ev) => { ev.preventDefault(); search(); } },
    input, el("button", { id: "timeline-search", type: "submit", class: "primary", text: t("us.search") }));
  const tries = el("p", { class: "muted timeline-try" });
  cached("/rfm/customers", { tier: "core", limit: 5, store: state.store, as_of: state.to }).then((data) => {
    const rows = data.rows || [];
    if (rows.length && ctx.alive()) {
      tries.append(t("us.try"), ...rows.map((r) => el("button", { type: "button", class: "link small try-user",
        text: r.user_id, onclick: () => search(r.user_id) })));
    }
  }).catch(() => {});
  output.append(el("p", { class: "muted", text: t("us.timelineHint") }));
  const node = card({ title: t("us.timeline"), wide: true, body: el("div", {}, form, tries, output) });
  // the last search comes back after a language switch or a change of dates (part of the page's first load)
  node.initial = lastUser ? block(output, () => timeline(lastUser), ctx) : null;
  return node;
}

function kv(label, value) { return el("div", { class: "kv" }, el("dt", { text: label }), el("dd", { text: value ?? "—" })); }

async function timeline(userId) {
  const data = await cached(`/users/${encodeURIComponent(userId)}/timeline`, { store: state.store, limit: 200, lang: lang() });
  const p = data.profile || {};
  const currency = p.currency || (storeInfo() || {}).reporting_currency;
  const zh = lang() === "zh";
  const rfm = data.rfm ? `${zh ? data.rfm.name_zh : data.rfm.name_en} (R${data.rfm.r_score} F${data.rfm.f_score} M${data.rfm.m_score})` : "—";
  const profile = el("div", { id: "timeline-profile", class: "timeline-profile", "data-user": data.user_id },
    el("h3", { text: `${data.user_id}` }, el("span", { class: `badge stage-${data.lifecycle && data.lifecycle.stage}`,
      title: data.lifecycle && data.lifecycle.rule, "data-stage": data.lifecycle ? data.lifecycle.stage : "",
      text: data.lifecycle ? valueName("lifecycle", data.lifecycle.stage) : "" })),
    el("dl", { class: "kv-grid" },
      kv(zh ? "国家/市场" : "Country", valueName("country", p.country)),
      kv(zh ? "会员等级" : "Member tier", valueName("member_tier", p.member_tier)),
      kv(zh ? "首次来源" : "First channel", valueName("channel", p.first_channel)),
      kv(zh ? "设备" : "Devices", (p.devices || []).map((d) => valueName("device", d)).join(", ")),
      kv(zh ? "首次访问" : "First seen", p.first_seen), kv(zh ? "最近访问" : "Last seen", p.last_seen),
      kv(zh ? "会话/事件" : "Sessions / events", `${fmtInt(p.sessions)} / ${fmtInt(p.events)}`),
      kv(zh ? "支付订单" : "Paid orders", fmtInt(p.orders)),
      kv("GMV", fmtCurrency(p.gmv, currency)), kv(zh ? "笔单价" : "AOV", fmtCurrency(p.aov, currency)),
      kv(zh ? "退款" : "Refunds", `${fmtInt(p.refund_count)} · ${fmtCurrency(p.refunds, currency)}`),
      kv(zh ? "评价/均分" : "Reviews / rating", `${fmtInt(p.reviews)} / ${fmtNumber(p.avg_rating, 1)}`),
      kv(zh ? "客服工单" : "Tickets", fmtInt(p.tickets)), kv("RFM", rfm)));
  const items = [...(data.timeline || [])].sort((a, b) => String(b.ts).localeCompare(String(a.ts)));
  const more = data.truncated ? t("us.truncated", { n: items.length }) : "";
  const list = el("ol", { id: "timeline-list", class: "timeline-list" }, items.map((it) => el("li", {
    class: `tl-item kind-${it.kind}`, "data-kind": it.kind, "data-id": it.id },
  el("time", { datetime: it.ts, text: it.local_time || it.ts }),
  el("span", { class: "badge", text: valueName("kind", it.kind) }),
  ...itemText(it, currency))));
  return el("div", {}, profile, el("p", { class: "muted", text: t("us.items", { total: fmtInt(data.total), more }) }),
    items.length ? list : emptyState(t("empty.rows")));
}

// The server's description is the whole line in the page's language ("下单 O1-13379 · 已签收 · … "): its first part
// is the headline and the rest the details below it, so nothing is said twice (#14); without one, the fields.
function itemText(it, currency) {
  const parts = String(it.description || "").split(" · ").filter(Boolean);
  const [head, ...rest] = parts.length ? parts : [headline(it, currency)];
  return [el("div", { class: "tl-main" }, el("strong", { class: "tl-head", text: head }),
    rest.length ? el("span", { class: "muted tl-desc", text: rest.join(" · ") }) : null)];
}

function headline(it, currency) {
  switch (it.kind) {
    case "event": return [eventName(it.event), valueName("channel", it.channel), valueName("device", it.device)]
      .filter(Boolean).join(" · ");
    case "order": case "refund": return [it.order_id, valueName("status", it.status), fmtCurrency(it.amount, currency)]
      .filter(Boolean).join(" · ");
    case "review": return `${"★".repeat(Math.max(0, Math.min(5, it.rating || 0)))} ${it.product_name || it.product_id || ""}`;
    case "shipment": return [it.order_id, valueName("carrier", it.carrier), valueName("shipment_status", it.status)]
      .filter(Boolean).join(" · ");
    default: return it.ticket_kind ? valueName("ticket_kind", it.ticket_kind) : valueName("kind", it.kind);
  }
}
