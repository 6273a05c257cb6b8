"""Every dashboard label exists in zh-CN and English, and every label the pages ask for is defined.

Read from the JavaScript sources as text (no browser needed): ``TEXT`` in static/i18n.js maps a key to
``[zh, en]``; pages call ``t("key")`` (keys built at run time, ``t(`…${x}`)``, are checked by the
browser tests, which fail on any ``undefined`` text).
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "src" / "shoplens" / "server" / "dashboard" / "static"
ENTRY = re.compile(r'"?([\w.]+)"?:\s*\[\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"\s*\]', re.DOTALL)
KEY_LINE = re.compile(r'^\s*"?[\w.]+"?:', re.MULTILINE)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def labels() -> dict[str, tuple[str, str]]:
    text = (STATIC / "i18n.js").read_text(encoding="utf-8")
    block = text[text.index("const TEXT = {"):]
    block = block[:block.index("\n};")]
    out = {}
    for key, zh, en in ENTRY.findall(block):
        assert key not in out, f"label {key!r} defined twice"
        out[key] = (zh, en)
    assert len(out) == len(KEY_LINE.findall(block)), "a label is not a [zh, en] pair"
    return out


def test_every_label_has_both_languages() -> None:
    found = labels()
    assert len(found) > 100
    switches = {"login.other", "lang.toggle"}  # the language switch names the other language in its own script
    assert all(found[k] == ("English", "中文") for k in switches)
    for key, (zh, en) in found.items():
        assert zh.strip() and en.strip(), key
        if key in switches:
            continue
        assert not CJK.search(en), f"{key}: English text holds Chinese: {en!r}"
        # a zh label is Chinese unless it is a name or symbol kept as is (GMV, UV, ROI, CSV, PNG, …)
        assert CJK.search(zh) or zh == en or re.fullmatch(r"[A-Za-z0-9 .%/+·↑↓▲▼—–-]+", zh), f"{key}: {zh!r}"


def test_every_label_the_pages_use_is_defined() -> None:
    found = labels()
    used = set()
    for path in STATIC.rglob("*.js"):
        used |= set(re.findall(r'\bt\("([^"]+)"', path.read_text(encoding="utf-8")))
    missing = sorted(used - set(found))
    assert not missing, f"labels used but not defined: {missing}"
