"""The brief's HTML is one self-contained file, its PDF opens with Chinese as text, and the page reads at a
phone's width in both languages (Chromium, as the dashboard tests drive it)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import shoplens
from test_brief_fixture import DAY, store_db  # noqa: F401 - the hand-made store, a module fixture
from test_dashboard_browser import launched_chromium


@pytest.fixture(scope="module")
def report(store_db: Path):  # noqa: F811
    with shoplens.connect(str(store_db), read_only=True) as wh:
        return shoplens.brief(wh, day=DAY)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_has_no_external_reference(report, lang: str) -> None:
    html = report.render("html", lang)
    for needle in ("http", "src=", "url(", "<link", "<script", "@import", "//"):
        assert needle not in html.lower(), needle
    assert html.count("<svg") >= 2  # the sparklines and the channel bars are inline SVG
    assert re.search(r"<html lang='(en|zh-CN)'>", html) and "<meta name='viewport'" in html


def test_pdf_opens_with_chinese_text(report) -> None:
    from pypdf import PdfReader

    with launched_chromium():  # the same skip (or CI failure) as the other browser tests when it is missing
        pass
    pdf = report.render("pdf", "zh")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    text = "".join(page.extract_text() for page in reader.pages)
    for words in ("运营日报", "成交总额", "核心指标", "较上周同日", "$300.00"):
        assert words in text, words
    fonts = {str(f) for page in reader.pages for f in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts  # the fonts are in the file (Chromium embeds what it used)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_phone_width_screenshot(report, lang: str, tmp_path: Path) -> None:
    """At 390 px nothing is wider than the screen (no horizontal scroll), and the picture is not blank."""
    html = report.render("html", lang)
    with launched_chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.route("**/*", lambda route: route.abort())
        page.set_content(html)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        title = "运营日报" if lang == "zh" else "Daily brief"
        assert page.inner_text("h1") == title
        shot = tmp_path / f"brief-{lang}.png"
        page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == 390 and height > 800


def test_committed_screenshots_exist() -> None:
    """README shows docs/img/brief-{en,zh}.png (regenerate: make brief-img)."""
    img = Path(__file__).resolve().parents[1] / "docs" / "img"
    for lang in ("en", "zh"):
        data = (img / f"brief-{lang}.png").read_bytes()
        assert data.startswith(b"\x89PNG") and int.from_bytes(data[16:20], "big") == 780  # 390 px at 2x
