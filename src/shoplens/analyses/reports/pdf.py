"""PDF: the HTML report printed by Chromium (Playwright driving Debian's ``/usr/bin/chromium``, as the dashboard
tests do). Chromium embeds the fonts it uses, so Chinese comes out as text (WenQuanYi Micro Hei first in the
HTML's font list). The browser is launched offline (no network, no sync), for one page, and closed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from shoplens.analyses.reports.html import to_html
from shoplens.analyses.reports.model import Report
from shoplens.errors import ShoplensError

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]


def chromium_path() -> str | None:
    """``$SHOPLENS_CHROMIUM``, else ``chromium`` on PATH, else /usr/bin/chromium."""
    path = os.environ.get("SHOPLENS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).is_file() else None


def _no_browser(what: str) -> ShoplensError:
    return ShoplensError(f"--format pdf needs {what}", where="pdf",
                         hint="pip install playwright and apt-get install chromium (or set SHOPLENS_CHROMIUM), "
                              "or use --format html", zh=f"--format pdf 需要 {what}",
                         zh_hint="请安装 playwright（pip）和 chromium（apt-get，或设置 SHOPLENS_CHROMIUM），"
                                 "或改用 --format html")


def to_pdf(report: Report, lang: str) -> bytes:
    return html_to_pdf(to_html(report, lang))


def html_to_pdf(html: str) -> bytes:
    """A4 PDF bytes of ``html`` (self-contained: nothing is fetched, every request is refused)."""
    return _in_browser(html, None)


def screenshot(html: str, width: int = 390) -> bytes:
    """A full-page PNG of ``html`` at a phone's width (390 CSS px, an iPhone 12-15), for docs and tests."""
    return _in_browser(html, width)


def _in_browser(html: str, width: int | None) -> bytes:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise _no_browser("the Python package playwright") from None
    exe = chromium_path()
    if exe is None:
        raise _no_browser("Chromium (/usr/bin/chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width or 800, "height": 800},
                                    device_scale_factor=2 if width else 1)
            page.route("**/*", lambda route: route.abort())  # a self-contained page asks for nothing
            page.set_content(html, wait_until="load")
            if width:
                return page.screenshot(full_page=True)
            return page.pdf(format="A4", print_background=True,
                            margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"})
        finally:
            browser.close()
