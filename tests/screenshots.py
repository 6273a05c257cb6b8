"""Regenerate docs/img/dashboard-<page>-<lang>.png (`make screenshots`): every dashboard page of the demo store in
both languages at a laptop's width (1440 px), plus dashboard-<page>-<lang>-mobile.png at a phone's width (390 px)
for a few pages. Not part of `make test`. (actions-<lang>.png, a state after logging an action, is another shot.)

The demo store is built in a temporary directory (or ``--db FILE``: an existing demo store, copied first),
served by ``shoplens serve --demo`` on loopback and opened in Debian's Chromium with the demo login. A shot
is the top of the page down to at most ``MAX_HEIGHT`` CSS px, so a PNG stays small enough for the docs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

import shoplens  # noqa: E402
from api_server import ApiServer  # noqa: E402
from shoplens.server.accounts import ensure_demo_login  # noqa: E402
from test_dashboard_browser import CHROMIUM_ARGS, PASSWORD, USER, chromium_path  # noqa: E402

PAGES = ("overview", "traffic", "conversion", "users", "products", "service", "alerts", "actions")
MOBILE_PAGES = ("overview", "traffic", "products")
LANGS = {"zh": "zh-CN", "en": "en"}
MAX_HEIGHT = {1440: 1800, 390: 2600}
# states worth a picture besides each page's landing (1440 px, both languages): name -> (page, what to click)
EXTRAS = {
    "overview-yesterday": ("overview", 'button[data-preset="yesterday"]'),  # the one-day view: hourly curve
    "traffic-drill": ("traffic", '#channel-table tbody tr[data-channel="kol"]'),  # channel -> its sources
    "product360": ("products", "#product-table tbody tr[data-product]"),  # a SKU's 360 view
}


def build_store(tmp: Path, source: Path | None) -> Path:
    db = tmp / "demo.duckdb"
    if source:
        shutil.copy(source, db)
    else:
        from shoplens.demo.build import build_demo

        with shoplens.connect(str(db)) as wh:
            build_demo(wh)
    with shoplens.connect(str(db)) as wh:
        ensure_demo_login(wh)
    return db


def wait_ready(page, name: str) -> None:
    page.locator(f'#page[data-page="{name}"][data-ready="true"]').wait_for(state="attached", timeout=60_000)
    page.wait_for_timeout(300)  # fonts and the last layout pass


def open_page(page, name: str) -> None:
    """The page ``name`` with the current store, dates and filters (the hash's query is kept)."""
    page.evaluate("n => { location.hash = location.hash.replace(/^#\\/[a-z]+/, '#/' + n); }", name)
    wait_ready(page, name)


def set_lang(page, want: str) -> None:
    if page.evaluate("document.documentElement.lang") != want:
        page.click("#lang-toggle")
        page.wait_for_function(f"document.documentElement.lang === '{want}'")


def shoot(page, path: Path, width: int) -> None:
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT[width])
    page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": width, "height": height}, full_page=True)
    print(path, path.stat().st_size)


def shoot_extras(page, out: Path, short: str) -> None:
    home = page.evaluate("location.hash")
    for name, (start, click) in EXTRAS.items():
        open_page(page, start)
        page.locator(click).first.click()
        page.wait_for_timeout(200)
        wait_ready(page, start)
        shoot(page, out / f"dashboard-{name}-{short}.png", 1440)
        page.evaluate("h => { location.hash = h; }", home)
        wait_ready(page, home.split("?")[0].removeprefix("#/"))


def main(out: Path, source: Path | None, pages: tuple[str, ...]) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = ApiServer(build_store(Path(tmp), source), demo=True)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                for width in (1440, 390):
                    context = browser.new_context(viewport={"width": width, "height": 900})
                    page = context.new_page()
                    page.goto(server.url + "/")
                    page.fill("#login-username", USER)
                    page.fill("#login-password", PASSWORD)
                    page.click("#login-submit")
                    wait_ready(page, "overview")
                    for short, code in LANGS.items():
                        set_lang(page, code)
                        for name in pages if width == 1440 else [p for p in pages if p in MOBILE_PAGES]:
                            open_page(page, name)
                            wait_ready(page, name)
                            suffix = "-mobile" if width == 390 else ""
                            shoot(page, out / f"dashboard-{name}-{short}{suffix}.png", width)
                        if width == 1440:
                            shoot_extras(page, out, short)
                    context.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TESTS.parent / "docs" / "img")
    parser.add_argument("--db", type=Path, default=None, help="an existing demo store (copied), else built anew")
    parser.add_argument("--pages", default=",".join(PAGES))
    args = parser.parse_args()
    main(args.out, args.db, tuple(args.pages.split(",")))
