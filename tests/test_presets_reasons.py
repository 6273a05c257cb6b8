"""Every quarantine reason a preset files has its English and Chinese text and a hint in REASONS, so the CLI
and the dashboard never show a bare code such as ``unknown_status``.

The reason codes are collected from the presets' source (every ``Reject(...)`` call), independently of
what an import happens to produce; a reason that is not a string literal would escape this check, so
that is refused too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import shoplens
from shoplens.ingest.parse import REASONS
from shoplens.ingest.pipeline import import_files
from shoplens.ingest.quarantine import message

PRESETS = Path(shoplens.__file__).parent / "presets"
CJK = re.compile(r"[\u4e00-\u9fff]")


def preset_reasons() -> dict[str, set[str]]:
    """reason code -> the preset modules whose Reject(...) calls use it."""
    found: dict[str, set[str]] = {}
    for path in sorted(PRESETS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Reject"):
                continue
            arg = node.args[1] if len(node.args) > 1 else next(k.value for k in node.keywords if k.arg == "reason")
            assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), \
                f"{path.name}:{node.lineno}: a Reject reason must be a string literal"
            found.setdefault(arg.value, set()).add(path.name)
    return found


def test_every_preset_reason_has_both_languages_and_a_hint() -> None:
    found = preset_reasons()
    # the reasons of the platform presets the review found missing, at least
    assert {"unknown_status", "unknown_channel", "unknown_device", "other_store", "report_inconsistent",
            "unsupported_period"} <= set(found)
    missing = {code: sorted(where) for code, where in found.items() if code not in REASONS}
    assert not missing, f"reasons without a text in shoplens.ingest.parse.REASONS: {missing}"
    for code in found:
        en, zh, hint = REASONS[code]
        assert re.search("[a-z]{3}", en) and hint and CJK.search(zh), code
        assert message(code) != code and zh in message(code), code


def test_an_import_shows_the_reason_in_words(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("订单编号,买家应付货款,订单状态,订单创建时间\n"
                    "1000000000000000003,30.00,交易冻结,2024-03-01 12:00:00\n", encoding="utf-8")
    w = shoplens.connect(str(tmp_path / "w.duckdb"))
    import_files(w, [path], preset="tmall-orders", store="s")
    reason, text = w.con.execute("SELECT reason, message FROM quarantine").fetchone()
    w.close()
    assert reason == "unknown_status"
    assert text.startswith(f"{REASONS['unknown_status'][0]} / {REASONS['unknown_status'][1]}")


def test_every_reason_has_a_chinese_hint() -> None:
    """Quarantine reasons are bilingual to the hint: the collector's per-event answer carries both."""
    from shoplens.ingest.parse import REASONS, ZH_HINTS

    assert set(ZH_HINTS) == set(REASONS)
    assert all(CJK.search(text) for text in ZH_HINTS.values())
