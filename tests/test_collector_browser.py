"""The JS snippet in Chromium: a shop page on its own origin loads /collect.js from a real ``shoplens serve``,
a shopper lands from a newsletter, views a product, adds it to the cart and buys; another only looks. The
metrics API then counts them (uv 2, add-to-cart rate 1/2), and the warehouse holds exactly their events.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import pytest

from api_server import ApiServer, free_port
from collect_shop import BROWSER_UA, make_shop
from test_dashboard_browser import CHROMIUM_ARGS, launched_chromium

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<script src="{api}/collect.js" data-key="{key}" data-page-type="{page_type}"></script></head>
<body><h1>{title}</h1>{body}</body></html>"""
PRODUCT = """<button id="add" onclick="shoplens.track('add_to_cart', {product_id: 'P1', price: 19.9})">Add</button>
<script>shoplens.track('product_view', {product_id: 'P1'});</script>"""
CHECKOUT = """<button id="pay" onclick="shoplens.track('purchase', {product_id: 'P1', order_id: 'o-1'})">Pay</button>
<script>shoplens.track('begin_checkout', {product_id: 'P1'});</script>"""


@pytest.fixture
def shop_site(tmp_path: Path) -> Iterator[tuple[ApiServer, str, Path]]:
    """(the shoplens server, the shop's origin, the warehouse): the shop's pages served on a port of their own."""
    db, config = make_shop(tmp_path)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), "collect", "keys", "create", "--store",
                          "shop", "--origin", origin, "-f", "json"], capture_output=True, text=True, check=True)
    key = json.loads(out.stdout)["key"]
    server = ApiServer(db, env={"SHOPLENS_CONFIG": str(config)})
    site = tmp_path / "site"
    site.mkdir()
    for name, title, page_type, body in (("product.html", "Product P1", "product", PRODUCT),
                                         ("checkout.html", "Checkout", "checkout", CHECKOUT)):
        (site / name).write_text(PAGE.format(title=title, api=server.url, key=key, page_type=page_type, body=body),
                                 encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, origin, db
    finally:
        httpd.shutdown()
        server.stop()


@contextmanager
def shopper_browser() -> Iterator[Any]:
    """Chromium whose every request, beacons included, carries a desktop browser's User-Agent: headless Chromium's
    own ("HeadlessChrome") is on the collector's bot list, and a context's user_agent does not reach sendBeacon."""
    CHROMIUM_ARGS.append(f"--user-agent={BROWSER_UA}")
    try:
        with launched_chromium() as browser:
            yield browser
    finally:
        CHROMIUM_ARGS.pop()


def _sent(page: Any) -> None:
    """Until the snippet's queue is empty (every event answered by the collector)."""
    page.wait_for_function("() => window.shoplens && window.shoplens.queue().length === 0", timeout=15_000)


def test_snippet_events_reach_the_metrics(shop_site: tuple[ApiServer, str, Path]) -> None:
    server, origin, db = shop_site
    today = datetime.now(UTC).date().isoformat()  # the store's zone is UTC
    api = server.client("root")
    params = {"metrics": "uv,add_to_cart_rate", "store": "shop", "from": today, "to": today}
    assert not api.get("/api/v1/metrics", params=params).json()["rows"][0]["uv"]  # no visitor yet (answer cached)
    with shopper_browser() as browser:
        buyer = browser.new_context(user_agent=BROWSER_UA)  # headless Chromium's own agent is on the bot list
        page = buyer.new_page()
        page.goto(f"{origin}/product.html?utm_source=newsletter&utm_medium=email&utm_campaign=dec")
        _sent(page)
        page.click("#add")
        _sent(page)
        page.goto(f"{origin}/checkout.html")
        page.click("#pay")
        _sent(page)
        buyer_id = page.evaluate("() => shoplens.anonymousId()")
        buyer.close()
        looker = browser.new_context(user_agent=BROWSER_UA)
        page = looker.new_page()
        page.goto(f"{origin}/product.html")
        _sent(page)
        looker_id = page.evaluate("() => shoplens.anonymousId()")
        looker.close()
    assert buyer_id != looker_id
    deadline = time.monotonic() + 60  # "the dashboard shows them within a minute"
    while True:
        r = api.get("/api/v1/metrics", params=params)
        assert r.status_code == 200, r.text
        values = r.json()["rows"][0]
        if values.get("uv") == 2:
            break
        assert time.monotonic() < deadline, values
        time.sleep(0.5)
    assert values["add_to_cart_rate"] == pytest.approx(0.5)
    server.stop()
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT user_id, event, product_id, channel, device, session_id, campaign, page_type,"
                       " properties FROM events WHERE store_id = 'shop' ORDER BY ts, event").fetchall()
    con.close()
    by_user: dict[str, list[str]] = {}
    for row in rows:
        by_user.setdefault(row[0], []).append(row[1])
    assert sorted(by_user[buyer_id]) == sorted(["page_view", "product_view", "add_to_cart", "page_view",
                                                "begin_checkout", "purchase"])
    assert sorted(by_user[looker_id]) == ["page_view", "product_view"] and len(by_user) == 2
    buyer_rows = [r for r in rows if r[0] == buyer_id]
    assert {r[3] for r in buyer_rows} == {"email"} and {r[6] for r in buyer_rows} == {"dec"}  # utm kept all visit
    assert {r[4] for r in rows} == {"desktop"} and len({r[5] for r in buyer_rows}) == 1  # one session
    assert {r[3] for r in rows if r[0] == looker_id} == {"direct"}
    cart = next(r for r in buyer_rows if r[1] == "add_to_cart")
    assert cart[2] == "P1" and json.loads(cart[8])["price"] == 19.9 and json.loads(cart[8])["url"].endswith(
        "product.html?utm_source=newsletter&utm_medium=email&utm_campaign=dec")


def test_snippet_queue_survives_a_failure_and_sessions_expire(shop_site: tuple[ApiServer, str, Path]) -> None:
    """The collector unreachable: the events wait in localStorage and go out on the next page; 30 minutes without
    an event start a new session."""
    server, origin, db = shop_site
    with shopper_browser() as browser:
        context = browser.new_context(user_agent=BROWSER_UA)
        page = context.new_page()
        context.route(f"{server.url}/collect", lambda route: route.abort())  # offline
        page.goto(f"{origin}/product.html")
        page.wait_for_timeout(1500)
        waiting = page.evaluate("() => shoplens.queue().map(e => e.event)")
        assert waiting == ["page_view", "product_view"]
        first_session = page.evaluate("() => shoplens.queue()[0].session_id")
        context.unroute(f"{server.url}/collect")
        page.evaluate("() => localStorage.setItem('shoplens_last', String(Date.now() - 31 * 60 * 1000))")
        page.goto(f"{origin}/checkout.html")  # the queue left over is sent with this page's events
        _sent(page)
        user = page.evaluate("() => shoplens.anonymousId()")
        context.close()
    admin = server.client("root")
    deadline = time.monotonic() + 30
    while admin.get("/api/v1/collect/stats").json()["flushed"].get("shop", 0) < 4:
        assert time.monotonic() < deadline, admin.get("/api/v1/collect/stats").json()
        time.sleep(0.2)
    server.stop()
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT event, session_id FROM events WHERE user_id = ? ORDER BY ts", [user]).fetchall()
    con.close()
    assert sorted(e for e, _ in rows) == ["begin_checkout", "page_view", "page_view", "product_view"]
    sessions = {e: s for e, s in rows if e in ("product_view", "begin_checkout")}
    assert sessions["product_view"] == first_session != sessions["begin_checkout"]
