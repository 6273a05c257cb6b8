"""zh-CN / English: every label, error and preset description exists in both languages."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from shoplens import errors, i18n
from shoplens.errors import NoWarehouseError, SchemaError, ShoplensError
from shoplens.presets import get_preset, preset_names

SRC = Path(__file__).resolve().parents[1] / "src" / "shoplens"
CJK = re.compile(r"[\u4e00-\u9fff]")
ENV = {"COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "1"}


def _error_classes() -> set[str]:
    found, todo = set(), [ShoplensError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def _error_calls() -> list[tuple[str, ast.Call, bool]]:
    """(``file:line``, call, raised directly) for every construction of a ShoplensError class."""
    names = _error_classes()
    calls = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        raised = {id(node.exc) for node in ast.walk(tree) if isinstance(node, ast.Raise) and node.exc}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in names:
                calls.append((f"{path.relative_to(SRC)}:{node.lineno}", node, id(node) in raised))
    return calls


# --- (a) no error without Chinese --------------------------------------------------------------

def test_every_error_in_the_source_has_chinese_text() -> None:
    calls = _error_calls()
    assert sum(raised for _, _, raised in calls) >= 40, "the scan found too few `raise …Error(…)`"
    missing, no_zh_hint = [], []
    for where, call, _ in calls:
        keywords = {k.arg for k in call.keywords}
        if "zh" not in keywords or None in keywords:  # None: **kwargs, which cannot be checked statically
            missing.append(where)
        elif "hint" in keywords and "zh_hint" not in keywords:
            no_zh_hint.append(where)
    assert not missing, f"errors without zh=: {missing}"
    assert not no_zh_hint, f"errors with hint= but without zh_hint=: {no_zh_hint}"


def test_chinese_literals_in_errors_are_chinese() -> None:
    """A literal ``zh=``/``zh_hint=`` text must actually contain Chinese (no copy-pasted English)."""
    for where, call, _ in _error_calls():
        for kw in call.keywords:
            if kw.arg == "zh" and isinstance(kw.value, ast.Constant | ast.JoinedStr):
                text = ast.unparse(kw.value)
                assert CJK.search(text), (where, text)


# --- (b) rendering ------------------------------------------------------------------------------

def test_render_both_languages() -> None:
    exc = ShoplensError("file not found", where="a.csv", hint="check the path", zh="文件不存在",
                        zh_hint="请检查文件路径")
    assert exc.render("en") == "a.csv: file not found (hint: check the path)"
    assert exc.render("zh") == "a.csv: 文件不存在（提示：请检查文件路径）"
    assert str(exc) == exc.render("en")  # logs and tests read English


def test_render_without_where_or_hint() -> None:
    assert ShoplensError("empty", zh="空").render("zh") == "空"
    assert ShoplensError("empty", zh="空").render("en") == "empty"
    assert ShoplensError("empty", where="x", zh="空").render("zh") == "x: 空"
    assert ShoplensError("empty", hint="fill it", zh="空", zh_hint="填上").render("zh") == "空（提示：填上）"


def test_render_falls_back_to_english_parts() -> None:
    assert ShoplensError("boom", hint="do X").render("zh") == "boom（提示：do X）"
    assert ShoplensError("boom", hint="do X", zh="爆了").render("zh") == "爆了（提示：do X）"
    assert ShoplensError("boom", hint="do X", zh_hint="做 X").render("zh") == "boom（提示：做 X）"
    assert SchemaError("boom", zh="爆了").render("fr") == "boom"  # anything but zh is English


def test_where_set_later_is_rendered() -> None:
    exc = ShoplensError("cannot tell the text encoding", zh="无法识别文件编码")
    exc.where = "b.csv"  # readers.py adds the path after the fact
    assert exc.render("zh") == "b.csv: 无法识别文件编码"
    assert str(exc) == "b.csv: cannot tell the text encoding"


def test_real_errors_keep_dynamic_parts_in_both_languages() -> None:
    with pytest.raises(ShoplensError) as info:
        get_preset("no-such-preset")
    exc = info.value
    assert str(exc).startswith("unknown preset 'no-such-preset'")
    zh = exc.render("zh")
    assert "'no-such-preset'" in zh and CJK.search(zh)
    for name in preset_names():
        assert name in str(exc) and name in zh

    from shoplens.ingest.store_context import check_currency

    with pytest.raises(ShoplensError) as info:
        check_currency("XXQ")
    assert "'XXQ'" in str(info.value) and "'XXQ'" in info.value.render("zh")
    assert "未知的币种" in info.value.render("zh")


# --- (c) the CLI as a user runs it ------------------------------------------------------------

def _run_all(commands: list[list[str]], envs: list[dict[str, str]]) -> list[subprocess.CompletedProcess[str]]:
    """Run the commands at once (start-up time overlaps), each with its extra environment."""
    procs = [subprocess.Popen([sys.executable, "-m", "shoplens.cli", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, **ENV, **env})
             for args, env in zip(commands, envs, strict=True)]
    done = []
    for args, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return done


def test_cli_errors_in_chinese_and_english(tmp_path: Path) -> None:
    src = tmp_path / "orders.csv"
    src.write_text("order_id,created_ts,currency,gross_amount\no1,2024-03-01 10:00:00,USD,10\n")
    missing = tmp_path / "nothere.csv"
    no_db = tmp_path / "nowhere.duckdb"
    presets = ", ".join(preset_names())
    expected = {
        "zh": [f"错误: {missing}: 文件不存在（提示：请检查文件路径）",
               f"错误: 未知的预设 'no-such-preset'（提示：可用预设：{presets}）",
               f"错误: {no_db}: 这里还没有仓库（提示：先运行 `shoplens demo` 或 `shoplens import …`，"
               "或用 --db / SHOPLENS_DB 指向已有仓库）"],
        "en": [f"error: {missing}: file not found (hint: check the path)",
               f"error: unknown preset 'no-such-preset' (hint: presets: {presets})",
               f"error: {no_db}: no warehouse here yet (hint: run `shoplens demo` or `shoplens import …` first, "
               "or point --db / SHOPLENS_DB at one)"],
    }
    commands, envs, lines = [], [], []
    for lang, other in (("zh", "en"), ("en", "zh")):  # --lang wins over $SHOPLENS_LANG
        # the import mistakes each get their own (not yet existing) warehouse: they run in parallel
        commands += [["--lang", lang, "--db", str(tmp_path / f"{lang}-1.duckdb"), "import", "orders", str(missing)],
                     ["--lang", lang, "--db", str(tmp_path / f"{lang}-2.duckdb"), "import", "--preset",
                      "no-such-preset", str(src)],
                     ["--lang", lang, "--db", str(no_db), "info"]]
        envs += [{"SHOPLENS_LANG": other}] * 3
        lines += expected[lang]
    results = _run_all(commands, envs)
    for args, proc, line in zip(commands, results, lines, strict=True):
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.strip().splitlines() == [line], (args, proc.stderr)
    assert not no_db.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]  # failed imports left nothing


def test_cli_language_from_environment(tmp_path: Path) -> None:
    no_db = tmp_path / "nowhere.duckdb"
    proc = subprocess.run([sys.executable, "-m", "shoplens.cli", "--db", str(no_db), "info"], text=True,
                          capture_output=True, timeout=60,
                          env={**os.environ, **ENV, "SHOPLENS_LANG": "zh_CN.UTF-8"})
    assert proc.returncode == 2 and proc.stderr.startswith(f"错误: {no_db}: 这里还没有仓库"), proc.stderr


def test_cli_presets_table_in_chinese() -> None:
    proc = subprocess.run([sys.executable, "-m", "shoplens.cli", "--lang", "zh", "presets"], text=True,
                          capture_output=True, timeout=60, env={**os.environ, **ENV})
    assert proc.returncode == 0, proc.stderr
    assert i18n.LABELS["presets_title"][0] in proc.stdout
    assert get_preset("olist").description_zh in proc.stdout
    assert get_preset("olist").description not in proc.stdout


# --- (d) catalogs ------------------------------------------------------------------------------

def test_every_label_has_both_languages() -> None:
    """Every label registered anywhere (each command module registers its own on import: all are imported first,
    so the check does not depend on which tests ran before in this process). A pure format template without words
    (``{group}（{by}）``) and an acronym Chinese writes the same (WAPE) need no Chinese characters."""
    import importlib
    import re

    from shoplens.cli.app import COMMAND_MODULES

    for name in COMMAND_MODULES:
        importlib.import_module(f"shoplens.cli.{name}_cmd")
    for key, pair in i18n.LABELS.items():
        assert len(pair) == 2, key
        zh, en = pair
        assert zh.strip() and en.strip(), key
        words = re.sub(r"\{[^}]*\}", "", en)
        if not re.search(r"[A-Za-z]", words) or (zh == en and en.isupper()):
            continue  # a template of placeholders and punctuation, or an acronym written so in Chinese too (WAPE)
        assert CJK.search(zh), (key, zh)


def test_every_preset_has_a_chinese_description() -> None:
    for name in preset_names():
        preset = get_preset(name)
        assert preset.description.strip(), name
        assert CJK.search(getattr(preset, "description_zh", "")), name


def test_demo_incident_has_both_languages() -> None:
    from shoplens.demo.calendar import build_calendar

    incident = build_calendar(date(2024, 12, 31), 90, "Asia/Shanghai").incident_dict()
    assert incident["what"] and CJK.search(incident["what_zh"])
    assert incident["channel"] in incident["what"] and incident["channel"] in incident["what_zh"]


def test_error_classes_are_all_shoplens_errors() -> None:
    for name in ("DatabaseLockedError", "NoWarehouseError", "SchemaError", "FxRateMissingError"):
        assert issubclass(getattr(errors, name), ShoplensError)
    assert NoWarehouseError("x", zh="无").render("zh") == "无"
