"""The review's HTML is one self-contained file and its PDF opens with Chinese as text (the brief's renderers)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import shoplens
from test_dashboard_browser import launched_chromium
from test_review_fixture import store_db  # noqa: F401 - the hand-made store, a module fixture


@pytest.fixture(scope="module")
def report(store_db: Path):  # noqa: F811
    with shoplens.connect(str(store_db), read_only=True) as wh:
        return shoplens.review(wh, week="2026-W11")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_has_no_external_reference(report, lang: str) -> None:
    html = report.render("html", lang)
    for needle in ("http", "src=", "url(", "<link", "<script", "@import", "//"):
        assert needle not in html.lower(), needle
    assert html.count("<svg") >= 6  # the 8-week sparklines, inline (ROI has one week with spend: no line)
    title = "运营周报（周复盘）" if lang == "zh" else "Weekly review"
    assert f"<h1>{title}</h1>" in html


def test_pdf_opens_with_chinese_text(report) -> None:
    from pypdf import PdfReader

    with launched_chromium():  # the same skip (or CI failure) as the other browser tests when it is missing
        pass
    pdf = report.render("pdf", "zh")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    text = "".join(page.extract_text() for page in reader.pages)
    for words in ("运营周报", "成交总额", "较上周", "较去年同周", "漏斗变化", "留存变化", "$300.00"):
        assert words in text, words


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_phone_width(report, lang: str) -> None:
    """At 390 px nothing is wider than the screen (the KPI table has three comparison columns)."""
    html = report.render("html", lang)
    with launched_chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.route("**/*", lambda route: route.abort())
        page.set_content(html)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.inner_text("h1") == ("运营周报（周复盘）" if lang == "zh" else "Weekly review")
