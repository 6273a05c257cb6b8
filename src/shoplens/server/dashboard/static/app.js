// The single-page app: login, the shell (navigation, language, logout, global controls), the hash router
// (#/page?store=…&from=…&to=…&compare=…&f=dim=value) and the page lifecycle (#page[data-ready]).
import { api, clearCache, errorText, onUnauthorized, setCsrf } from "./api.js";
import { renderControls } from "./controls.js";
import { watchFit } from "./fit.js";
import { htmlLang, initialLang, lang, setLang, t } from "./i18n.js";
import * as actions from "./pages/actions.js";
import * as alerts from "./pages/alerts.js";
import * as conversion from "./pages/conversion.js";
import * as data from "./pages/data.js";
import * as overview from "./pages/overview.js";
import * as products from "./pages/products.js";
import * as service from "./pages/service.js";
import * as traffic from "./pages/traffic.js";
import * as users from "./pages/users.js";
import { defaultRange, fromHash, PAGES, setCatalog, state, toHash } from "./state.js";
import { el, emptyState } from "./ui.js";
import { closeWhy, refreshWhy } from "./why.js";

const MODULES = { overview, traffic, conversion, users, products, service, alerts, actions, data };
const ICONS = { overview: "◎", traffic: "⇄", conversion: "▽", users: "☺", products: "▦", service: "✆", alerts: "⚑",
  actions: "✓", data: "⇪" };
let current = null; // the context of the page being shown

const $ = (sel) => document.querySelector(sel);

// ---- login -------------------------------------------------------------------------------------------------

function translateStatic() {
  document.documentElement.lang = htmlLang();
  document.title = t("app.title");
  document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
  const other = $("#login-lang");
  if (other) other.textContent = t("login.other");
}

function showLogin(message = "") {
  current = null;
  closeWhy();
  state.me = null;
  setCsrf(null);
  clearCache();
  const app = $("#app");
  if (app) app.remove();
  $("#boot").hidden = true;
  $("#login").hidden = false;
  $("#login-error").textContent = message;
  translateStatic();
  $("#login-username").focus();
}

async function submitLogin(ev) {
  ev.preventDefault();
  const button = $("#login-submit");
  const error = $("#login-error");
  button.disabled = true;
  button.textContent = t("login.busy");
  error.textContent = "";
  try {
    const answer = await api("/login", { method: "POST", body: {
      username: $("#login-username").value.trim(), password: $("#login-password").value, kind: "session" } });
    setCsrf(answer.csrf_token);
    $("#login-password").value = "";
    await startApp(await api("/me"));
  } catch (exc) {
    error.textContent = errorText(exc);
  } finally {
    button.disabled = false;
    button.textContent = t("login.submit");
  }
}

// ---- the app -----------------------------------------------------------------------------------------------

async function startApp(me) {
  state.me = me;
  setCsrf(me.csrf_token);
  if (me.user && (me.user.language === "zh" || me.user.language === "en")) setLang(me.user.language);
  const [catalog, stores] = await Promise.all([api("/metrics/catalog"), api("/stores")]);
  setCatalog(catalog);
  state.stores = stores.stores || [];
  state.store = state.stores.length ? state.stores[0].store_id : null;
  const ok = fromHash(location.hash);
  if (!state.from || !state.to) Object.assign(state, defaultRange());
  $("#login").hidden = true;
  $("#boot").hidden = true;
  buildShell();
  if (!ok || location.hash !== toHash()) history.replaceState(null, "", toHash());
  route();
}

function buildShell() {
  const old = $("#app");
  if (old) old.remove();
  translateStatic();
  const nav = el("nav", { class: "nav", "aria-label": "main" }, PAGES.map((p) => el("a", {
    href: toHash(p), "data-page": p, class: p === state.page ? "active" : null,
    "aria-current": p === state.page ? "page" : null },
  el("span", { class: "nav-icon", "aria-hidden": "true", text: ICONS[p] }), el("span", { text: t(`page.${p}`) }))));
  nav.id = "main-nav";
  nav.addEventListener("click", (ev) => { if (ev.target.closest("a")) setMenu(false); }); // the same page too
  const user = state.me.user || {};
  const role = user.role ? t(`shell.role.${user.role}`) : "";
  const app = el("div", { id: "app", class: "app" },
    el("aside", { class: "sidebar" },
      el("div", { class: "brand" }, el("span", { class: "brand-mark", "aria-hidden": "true" }), "shoplens"),
      menuButton(), nav),
    el("div", { class: "main" },
      el("header", { class: "topbar" },
        el("h1", { class: "page-title", text: t(`page.${state.page}`) }),
        el("div", { class: "user-box" },
          el("span", { class: "user-name", title: role },
            el("span", { "data-raw-id": "user", text: user.username || "" }), role ? ` · ${role}` : ""),
          el("button", { id: "lang-toggle", type: "button", class: "small", title: t("lang.toggleTitle"),
            lang: lang() === "zh" ? "en" : "zh-CN", // the other language, named in itself
            onclick: toggleLanguage, text: t("lang.toggle") }),
          el("button", { id: "logout", type: "button", class: "small", onclick: logout, text: t("logout") }))),
      el("div", { id: "controls", class: "controls" }),
      el("div", { id: "page", "data-page": state.page, class: "page" })),
    el("div", { id: "toast", class: "toast", role: "status", hidden: true }));
  document.body.append(app);
  watchFit(app);
}

// At a phone's width (styles.css: max-width 900px) the page list folds behind this button; wider, it is hidden
// and the sidebar shows the list. It closes on navigation (route) and on Escape.
function menuButton() {
  return el("button", { id: "menu-toggle", type: "button", class: "menu-toggle", "aria-expanded": "false",
    "aria-controls": "main-nav", title: t("shell.menu"), onclick: () => setMenu(!menuOpen()) },
  el("span", { "aria-hidden": "true", text: "☰" }), el("span", { class: "menu-label", text: t(`page.${state.page}`) }));
}

const menuOpen = () => $("#menu-toggle")?.getAttribute("aria-expanded") === "true";

function setMenu(open) {
  const button = $("#menu-toggle");
  if (!button) return;
  button.setAttribute("aria-expanded", String(open));
  $("#app").classList.toggle("menu-open", open);
}

export function toast(text) {
  const node = $("#toast");
  if (!node) return;
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.hidden = true; }, 5000);
}

// Saved first (PUT /me/language), then shown: once <html lang> changes, a reload keeps the language.
async function toggleLanguage() {
  const next = lang() === "zh" ? "en" : "zh";
  const button = $("#lang-toggle");
  if (button) button.disabled = true;
  let failure = null;
  try {
    await api("/me/language", { method: "PUT", body: { language: next } });
    if (state.me && state.me.user) state.me.user.language = next;
  } catch (exc) {
    failure = exc;
  }
  setLang(next);
  if (!state.me) { translateStatic(); return; } // the session ended meanwhile: the login form is showing
  buildShell();
  route();
  refreshWhy(); // the open root-cause panel in the new language
  if (failure) toast(errorText(failure));
}

async function logout() {
  try { await api("/logout", { method: "POST" }); } catch (exc) { console.warn(exc); }
  history.replaceState(null, "", location.pathname);
  showLogin();
}

// Changes to the global state go through the URL, so reload and back/forward keep them.
export function navigate(page = state.page) {
  const hash = toHash(page);
  if (location.hash === hash) route();
  else location.hash = hash;
}

function route() {
  if (!state.me || !$("#app")) return;
  if (!fromHash(location.hash)) history.replaceState(null, "", toHash());
  document.querySelectorAll(".nav a[data-page]").forEach((a) => {
    const active = a.dataset.page === state.page;
    a.classList.toggle("active", active);
    if (active) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
    a.setAttribute("href", toHash(a.dataset.page));
  });
  $(".page-title").textContent = t(`page.${state.page}`);
  setMenu(false);
  const label = $("#menu-toggle .menu-label");
  if (label) label.textContent = t(`page.${state.page}`);
  renderControls($("#controls"), { navigate });
  renderPage();
}

async function renderPage() {
  const old = $("#page");
  const page = el("div", { id: "page", "data-page": state.page, class: "page", "aria-busy": "true" });
  old.replaceWith(page);
  const ctx = { errors: 0, pending: 1, page, alive: () => current === ctx && page.isConnected, navigate, toast };
  const finish = () => {
    ctx.pending -= 1;
    if (ctx.pending === 0 && ctx.alive()) ready(ctx);
  };
  // re-query part of the page (funnel run, timeline search): data-ready is removed until every load has ended
  ctx.reload = async (fn) => {
    if (ctx.pending === 0) ctx.errors = 0;
    ctx.pending += 1;
    page.removeAttribute("data-ready");
    page.removeAttribute("data-error");
    page.setAttribute("aria-busy", "true");
    try { await fn(); } finally { finish(); }
  };
  current = ctx;
  try {
    if (!state.store) page.append(emptyState(t("empty.store")));
    else await MODULES[state.page].render(page, ctx);
  } catch (exc) {
    console.error(exc);
    ctx.errors += 1;
    page.append(el("div", { class: "error-box", role: "alert", text: errorText(exc) }));
  } finally {
    finish();
  }
}

function ready(ctx) {
  ctx.page.removeAttribute("aria-busy");
  if (ctx.errors) ctx.page.setAttribute("data-error", "true");
  ctx.page.setAttribute("data-ready", "true");
}

async function boot() {
  setLang(initialLang());
  translateStatic();
  $("#login-form").addEventListener("submit", submitLogin);
  $("#login-lang").addEventListener("click", () => { setLang(lang() === "zh" ? "en" : "zh"); translateStatic(); });
  onUnauthorized(() => { if (state.me) showLogin(lang() === "zh" ? "会话已结束，请重新登录" : "Your session ended; log in again"); });
  window.addEventListener("hashchange", () => { closeWhy(); route(); }); // new dates or page: the panel is stale
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && menuOpen()) { setMenu(false); $("#menu-toggle").focus(); }
  });
  try {
    await startApp(await api("/me"));
  } catch (exc) {
    if (exc && exc.status === 401) showLogin();
    else showLogin(errorText(exc));
  }
}

boot();
