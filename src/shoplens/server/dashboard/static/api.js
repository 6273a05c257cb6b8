// Talking to /api/v1 with the browser session: the HttpOnly cookie goes along by itself, writes carry the
// CSRF token (from the login answer or GET /api/v1/me). Errors are the API's JSON {error: {message, zh, hint, ...}}.
import { lang, t } from "./i18n.js";

const BASE = "/api/v1";
let csrf = null;
const unauthorizedHandlers = [];

const cache = new Map(); // GET url -> {at, promise}: language switches and page revisits do not re-query
const CACHE_MS = 30_000; // short: the server's own cache answers repeats in milliseconds, and new imports show soon

export function setCsrf(token) { csrf = token || null; }
export function clearCache() { cache.clear(); }
export function onUnauthorized(fn) { unauthorizedHandlers.push(fn); }

export class ApiError extends Error {
  constructor(status, error) {
    super((error && error.message) || `HTTP ${status}`);
    this.status = status;
    this.error = error || { message: `HTTP ${status}` };
  }
}

// Query string: arrays repeat the key (where=a=1&where=b=2); null/undefined/"" are left out.
export function query(params) {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) if (v !== null && v !== undefined && v !== "") qs.append(key, String(v));
  }
  const text = qs.toString();
  return text ? `?${text}` : "";
}

export function apiUrl(path, params) { return `${BASE}${path}${query(params)}`; }

const BUSY_RETRIES = 5; // a GET refused with 429 (this login has many analyses computing) is asked again

export async function api(path, { method = "GET", params, body, signal } = {}, attempt = 0) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  let res;
  try {
    res = await fetch(apiUrl(path, params), {
      method, headers, signal, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (exc) {
    if (exc && exc.name === "AbortError") throw exc;
    throw new ApiError(0, { message: "the server cannot be reached", zh: "无法连接服务器",
      hint: "check that `shoplens serve` is running", zh_hint: "请确认 shoplens serve 正在运行" });
  }
  if (res.status === 429 && method === "GET" && attempt < BUSY_RETRIES) {
    const wait = Number(res.headers.get("Retry-After")) || 2;
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    return api(path, { method, params, body, signal }, attempt + 1);
  }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (res.status === 401 && path !== "/login") unauthorizedHandlers.forEach((fn) => fn());
  if (!res.ok) throw new ApiError(res.status, data && data.error);
  return data;
}

// A GET answer shared by identical requests for 30 seconds (analyses are read-only between imports).
export function cached(path, params) {
  const url = apiUrl(path, params);
  const hit = cache.get(url);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.promise;
  const promise = api(path, { params });
  cache.set(url, { at: Date.now(), promise });
  promise.catch(() => cache.delete(url));
  if (cache.size > 200) cache.delete(cache.keys().next().value);
  return promise;
}

// A multipart upload (the data page's import and preview): the form as it is, the CSRF token, errors as api().
export async function apiUpload(path, form) {
  const headers = { Accept: "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  let res;
  try {
    res = await fetch(apiUrl(path), { method: "POST", headers, body: form, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, { message: "the server cannot be reached", zh: "无法连接服务器" });
  }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (res.status === 401) unauthorizedHandlers.forEach((fn) => fn());
  if (!res.ok) throw new ApiError(res.status, data && data.error);
  return data;
}

export function isAbort(exc) { return exc && exc.name === "AbortError"; }

// The error in the current language: message plus hint.
export function errorText(exc) {
  const e = (exc && exc.error) || { message: String((exc && exc.message) || exc) };
  const zh = lang() === "zh";
  const message = (zh ? e.zh : e.message) || e.message || e.zh || t("error.unknown");
  const hint = zh ? e.zh_hint || e.hint : e.hint;
  return hint ? `${message} — ${hint}` : message;
}
