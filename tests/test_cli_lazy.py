"""The CLI registers only the command it runs (shoplens/cli/app.py): the module map must match what each module
registers, and the help, a typo and the global options still see every command."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import typer

from shoplens.cli.app import COMMAND_MODULES, EXTRA_COMMANDS, asked_command


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_each_module_registers_its_own_name_and_its_extras(module: str) -> None:
    app = typer.Typer()
    importlib.import_module(f"shoplens.cli.{module}_cmd").register(app)
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert sorted(names) == sorted([module, *(k for k, v in EXTRA_COMMANDS.items() if v == module)])


def test_no_other_command_module_exists() -> None:
    from pathlib import Path

    import shoplens.cli

    folder = Path(shoplens.cli.__file__).parent
    top_level = {p.stem[:-4] for p in folder.glob("*_cmd.py")} - {"products_abc", "products_roles", "products_trial"}
    assert top_level == set(COMMAND_MODULES)  # the three products_* modules are subcommands of `products`


@pytest.mark.parametrize(("argv", "module"), [
    (["alerts", "check", "--date", "2026-10-26"], "alerts"),
    (["--db", "x.duckdb", "--lang", "zh", "why", "gmv"], "why"),
    (["--db=x.duckdb", "--debug", "metrics", "gmv"], "metrics"),
    (["schema"], "info"),
    (["migrate"], "info"),
    (["products", "abc"], "products"),
    (["alerts", "--help"], "alerts"),
    (["--help"], None),
    (["-h", "alerts"], None),
    ([], None),
    (["alertz"], None),
    (["--version"], None),
    (["--db", "metrics"], None),  # "metrics" is --db's value here: no command
])
def test_the_asked_command(argv: list[str], module: str | None) -> None:
    assert asked_command(argv) == module


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", *args], capture_output=True, text=True, timeout=120)


def test_help_and_typos_still_see_every_command() -> None:
    listed = run("--help").stdout
    assert all(f" {name} " in listed for name in [*COMMAND_MODULES, *EXTRA_COMMANDS])
    typo = run("alertz")
    assert typo.returncode != 0 and "did you mean 'alerts'" in typo.stderr
    assert "forecast" in typo.stderr and "schema" in typo.stderr  # the list of commands is whole
    assert "check" in run("alerts", "--help").stdout


def test_only_the_asked_commands_module_is_imported() -> None:
    code = ("import sys; from shoplens.cli.app import register; register(['--db', 'x.duckdb', 'why', 'gmv']); "
            "print(sorted(m for m in sys.modules if m.startswith('shoplens.cli.') and m.endswith('_cmd')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "['shoplens.cli.why_cmd']"


TREE = """
import json, sys
import typer.main
from shoplens.cli.app import app, register
register(json.loads(sys.argv[1]))
def tree(cmd):
    subs = getattr(cmd, "commands", {}) or {}
    return {name: tree(sub) for name, sub in sorted(subs.items())}
print(json.dumps(tree(typer.main.get_command(app))))
"""


def command_tree(argv: list[str] | None) -> dict:
    import json

    out = subprocess.run([sys.executable, "-c", TREE, json.dumps(argv)], capture_output=True, text=True, timeout=120,
                         check=True)
    return json.loads(out.stdout)


def test_every_command_has_the_same_subcommands_registered_alone() -> None:
    """A module may add subcommands to another one's group (notify_cmd adds `alerts send`): registered alone, each
    command has every subcommand it has when all are registered (app.NEEDS says which modules come along)."""
    whole = command_tree([])
    for name in [*COMMAND_MODULES, *EXTRA_COMMANDS]:
        alone = command_tree([name])
        assert alone[name] == whole[name], name


def test_labels_a_command_uses_are_defined_without_other_commands() -> None:
    """A literal t("key") of a command module is defined by shoplens.i18n, by that module, or by the helpers it
    imports; not by another command module (registered alone, that label would be missing)."""
    import re
    from pathlib import Path

    import shoplens.cli

    folder = Path(shoplens.cli.__file__).parent
    texts = {p.stem: p.read_text(encoding="utf-8") for p in folder.glob("*.py")}
    owner: dict[str, set[str]] = {}
    for module, text in texts.items():
        for block in re.findall(r"register_labels\(\{(.*?)\}\)", text, re.S):
            for key in re.findall(r'^\s*["\']([a-z0-9_]+)["\']:', block, re.M):
                owner.setdefault(key, set()).add(module)
    for module, text in texts.items():
        if not module.endswith("_cmd"):
            continue
        for key in set(re.findall(r'\bt\(\s*["\']([a-z0-9_]+)["\']', text)):
            others = {o for o in owner.get(key, set()) if o.endswith("_cmd")} - {module}
            assert not others or module in owner.get(key, set()), (module, key, others)
