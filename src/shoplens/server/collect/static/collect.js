/* shoplens collector snippet (no dependency). Docs: docs/collector.md
 *   <script src="https://YOUR-SHOPLENS/collect.js" data-key="slk_..." async></script>
 *   shoplens.track('product_view', {product_id: 'P1'}); shoplens.track('add_to_cart', {product_id: 'P1'});
 * An anonymous id (localStorage), a session id (new after 30 minutes without an event), utm_* of the landing
 * page kept for the session, a page_view on load (data-auto="false" turns it off). Events are sent in batches
 * with navigator.sendBeacon (fetch as the fallback); what could not be sent waits in localStorage and is sent
 * again later (event ids are made here, so a retry is never counted twice). */
(function (w, d) {
  'use strict';
  if (w.shoplens && w.shoplens.track) return;
  var script = d.currentScript || d.querySelector('script[data-key][src*="collect.js"]');
  var KEY = script && script.getAttribute('data-key');
  var ENDPOINT = (script && script.getAttribute('data-endpoint')) || (script ? new URL(script.src).origin + '/collect' : '/collect');
  var AUTO = !script || script.getAttribute('data-auto') !== 'false';
  var SESSION_MS = 30 * 60 * 1000, MAX_QUEUE = 1000, BATCH = 100;
  var P = 'shoplens_';
  var mem = {};
  function get(k) { try { return w.localStorage.getItem(P + k); } catch (e) { return mem[k] || null; } }
  function set(k, v) { try { w.localStorage.setItem(P + k, v); } catch (e) { mem[k] = v; } }
  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0; return (c === 'x' ? r : (r & 3 | 8)).toString(16);
    });
  }
  function anonymousId() { var id = get('aid'); if (!id) { id = uuid(); set('aid', id); } return id; }
  function session() {
    var now = Date.now(), last = +(get('last') || 0), sid = get('sid');
    var utm = utmOf(w.location.search);
    var campaign = utm && JSON.stringify(utm) !== (get('utm') || '{}');  // another campaign's link: a new visit
    if (!sid || now - last > SESSION_MS || campaign) {
      sid = uuid();
      set('sid', sid);
      set('utm', JSON.stringify(utm || {}));
      set('ref', d.referrer || '');
    }
    set('last', String(now));
    return sid;
  }
  function utmOf(search) {
    var q = new URLSearchParams(search || ''), out = {}, any = false;
    ['source', 'medium', 'campaign'].forEach(function (k) {
      var v = q.get('utm_' + k); if (v) { out[k] = v; any = true; }
    });
    return any ? out : null;
  }
  function queue() { try { return JSON.parse(get('queue') || '[]'); } catch (e) { return []; } }
  function save(items) { set('queue', JSON.stringify(items.slice(-MAX_QUEUE))); }

  function track(event, props) {
    props = props || {};
    var sid = session(), utm = {}, e;
    try { utm = JSON.parse(get('utm') || '{}'); } catch (x) { utm = {}; }
    e = {event_id: uuid(), event: event, ts: new Date().toISOString(), user_id: props.user_id || anonymousId(),
         session_id: sid, page_type: props.page_type || null, product_id: props.product_id || null,
         source: utm.source || null, medium: utm.medium || null, campaign: utm.campaign || null,
         url: w.location.href, referrer: get('ref') || d.referrer || null, properties: {}};
    for (var k in props) {
      if (Object.prototype.hasOwnProperty.call(props, k) && !(k in e)) e.properties[k] = props[k];
    }
    var items = queue(); items.push(e); save(items);
    schedule();
    return e.event_id;
  }

  var timer = null, sending = false;
  function schedule() { if (!timer) timer = setTimeout(function () { timer = null; flush(); }, 200); }

  function flush(leaving) {
    var items = queue();
    if (!items.length || (sending && !leaving) || !KEY) return;
    var batch = items.slice(0, BATCH);
    var body = JSON.stringify({write_key: KEY, events: batch});
    function done() {  // drop what was sent (events tracked meanwhile stay)
      var ids = {}; batch.forEach(function (x) { ids[x.event_id] = 1; });
      save(queue().filter(function (x) { return !ids[x.event_id]; }));
      sending = false;
      if (queue().length) schedule();
    }
    if (leaving && w.navigator.sendBeacon) {  // the page is going away: the browser sends it for us
      if (w.navigator.sendBeacon(ENDPOINT, body)) done();
      return;
    }
    sending = true;
    if (w.fetch) {  // text/plain: a "simple" CORS request, no preflight; keepalive survives a navigation
      w.fetch(ENDPOINT, {method: 'POST', body: body, keepalive: true, credentials: 'omit',
                         headers: {'Content-Type': 'text/plain'}})
        .then(function (r) { if (r.status === 429 || r.status >= 500) { throw new Error('retry'); } done(); })
        .catch(function () { sending = false; setTimeout(flush, 5000); });  // kept in the queue: retried
    } else if (w.navigator.sendBeacon && w.navigator.sendBeacon(ENDPOINT, body)) {
      done();
    } else {
      sending = false;
    }
  }

  w.shoplens = {track: track, flush: flush, anonymousId: anonymousId, queue: queue};
  w.addEventListener('pagehide', function () { flush(true); });
  d.addEventListener('visibilitychange', function () { if (d.visibilityState === 'hidden') flush(true); });
  if (AUTO) track('page_view', {page_type: (script && script.getAttribute('data-page-type')) || null});
  if (queue().length) schedule();  // left over from an earlier page
})(window, document);
