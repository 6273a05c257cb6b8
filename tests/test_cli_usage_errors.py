"""A command line that does not parse is one line in the output language, exit 2 (issue #11, Seen 8: `--lang zh`
left click's usage errors in English: ``Error: Invalid value for '--limit'…``, missing argument, no such option,
no such command), through the real `shoplens` process. Nothing needs a warehouse: parsing fails first."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CASES = {  # arguments -> (English fragments, Chinese fragments) of the one line
    ("metrics", "gmv", "--limit", "abc"): (["invalid value for '--limit': 'abc' is not a whole number",
                                            "shoplens metrics -h"],
                                           ["'--limit' 的值无效：'abc' 不是整数", "shoplens metrics -h）"]),
    ("values",): (["missing argument 'DIM'", "shoplens values -h"], ["缺少参数 'DIM'", "shoplens values -h"]),
    ("funnel",): (["missing option '--steps'"], ["缺少选项 '--steps'"]),
    ("metrics", "gmv", "--sotr", "gmv"): (["no such option: --sotr", "did you mean --sort"],
                                          ["没有选项 --sotr", "是否想用 --sort"]),
    ("metricz",): (["no such command 'metricz'", "did you mean 'metrics'?", "commands: "],
                   ["没有命令 'metricz'", "是否想用 'metrics'？", "可用命令："]),
    ("store", "remove", "s1"): (["no such command 'remove'", "commands: list, show, rename, delete"],
                                ["没有命令 'remove'", "可用命令：list, show, rename, delete"]),
    ("info", "--format", "xml"): (["invalid value for '--format' / '-f': 'xml' is not one of 'table', 'json'"],
                                  ["'--format' / '-f' 的值无效：'xml' 不在可选值之中：'table', 'json'"]),
    ("metrics", "gmv", "--limit"): (["option '--limit' needs a value"], ["选项 '--limit' 需要一个值"]),
    ("info", "extra"): (["unexpected extra argument(s): extra"], ["多余的参数：extra"]),
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPLENS_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "shoplens", *args], capture_output=True, text=True, timeout=120,
                          env=env)


def one_line(proc: subprocess.CompletedProcess[str], prefix: str) -> str:
    assert proc.returncode == 2, proc.stderr  # a usage error keeps click's exit code
    assert proc.stdout == "" and "Traceback" not in proc.stderr and "Usage:" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix), proc.stderr
    return lines[0]


@pytest.mark.parametrize("args", list(CASES), ids=[" ".join(a) for a in CASES])
def test_usage_errors_are_one_line_in_each_language(args: tuple[str, ...]) -> None:
    en, zh = CASES[args]
    line = one_line(run(*args), "error: ")
    assert all(f in line for f in en), line
    line = one_line(run("--lang", "zh", *args), "错误: ")
    assert all(f in line for f in zh), line
    assert "Invalid value" not in line and "Missing" not in line and "No such" not in line, line


def test_the_language_of_the_environment_and_lang_before_the_command_is_read() -> None:
    """An unknown command fails before the root options are applied: --lang and $SHOPLENS_LANG still count."""
    env = {**os.environ, "SHOPLENS_LANG": "zh"}
    proc = subprocess.run([sys.executable, "-m", "shoplens", "metricz"], capture_output=True, text=True,
                          timeout=120, env=env)
    assert one_line(proc, "错误: 没有命令 'metricz'")
    assert one_line(run("--lang=zh", "metricz"), "错误: 没有命令 'metricz'")


def test_no_arguments_still_show_the_help() -> None:
    proc = run("store")
    assert proc.returncode == 2 and "shoplens store [OPTIONS] COMMAND" in proc.stdout + proc.stderr
    assert "rename" in proc.stdout + proc.stderr
