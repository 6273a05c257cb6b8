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
