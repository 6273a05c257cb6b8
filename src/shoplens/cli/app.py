"""The `shoplens` command: global options, error handling and the command groups.

A user mistake (ShoplensError) prints one line — what, where, hint — and exits non-zero;
`--debug` shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from shoplens import __version__, i18n
from shoplens.errors import ShoplensError

app = typer.Typer(
    name="shoplens",
    help="shoplens — operations analytics for cross-border e-commerce sellers.\n\n"
    "跨境电商精细化运营分析：导入店铺数据、查看指标、分析用户行为。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class State:
    db: Path | None = None
    debug: bool = False


state = State()


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"shoplens {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[Path | None, typer.Option(
        "--db", help="Warehouse file (default $SHOPLENS_DB or ./shoplens.duckdb) / 仓库文件",
        show_default=False)] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="Output language zh|en (default $SHOPLENS_LANG, $LANG) / 输出语言")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks / 显示调用栈")] = False,
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                          help="Show the version and exit")] = False,
) -> None:
    state.db = db
    state.debug = debug or bool(os.environ.get("SHOPLENS_DEBUG"))
    if lang:
        i18n.set_lang(lang)


def db_path() -> str | None:
    return str(state.db) if state.db else None


# every command module, in the order `shoplens --help` lists their commands; a module registers the command named
# like itself (alerts_cmd: `alerts`) and the ones in EXTRA_COMMANDS (tests/test_cli_lazy.py checks both)
COMMAND_MODULES = ("import", "info", "quarantine", "demo", "metrics", "funnel", "retention", "paths", "segment",
                   "rfm", "user", "account", "serve", "store", "values", "anomalies", "why", "alerts", "notify",
                   "schedule", "brief", "recommend", "action", "review", "presets", "collect", "products",
                   "replenish", "forecast")
EXTRA_COMMANDS = {"migrate": "info", "schema": "info"}
NEEDS = {"alerts": ("notify",)}  # notify_cmd adds `alerts send` to the alerts group
GLOBAL_WITH_VALUE = ("--db", "--lang")
_REGISTERED: set[str] = set()


def asked_command(argv: list[str]) -> str | None:
    """The command module ``argv`` (the arguments after ``shoplens``) runs, or None when the help, no command or an
    unknown one is asked for (then every command is registered: the help lists them, a typo gets suggestions)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-h", "--help", "--version"):
            return None
        if arg in GLOBAL_WITH_VALUE:
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        name = EXTRA_COMMANDS.get(arg, arg)
        return name if name in COMMAND_MODULES else None
    return None


def register(argv: list[str] | None = None) -> None:
    """Add the commands to the app: only the one ``argv`` asks for when given (importing every command module and
    building Typer's parser for all ~60 commands costs ~0.1 s per run), else all of them."""
    import importlib

    only = asked_command(argv) if argv is not None else None
    for name in (only, *NEEDS.get(only, ())) if only else COMMAND_MODULES:
        if name not in _REGISTERED:
            importlib.import_module(f"shoplens.cli.{name}_cmd").register(app)
            _REGISTERED.add(name)


def main() -> None:
    """Run the command; every way out goes through one of the reports below (see cli/signals.py)."""
    from shoplens.cli import signals

    signals.install()  # again for callers of this function; shoplens.cli.main did it before the imports
    try:
        register(sys.argv[1:])
        code = app(standalone_mode=False)  # Typer returns (not raises) the exit code of typer.Exit / Ctrl-C
    except BaseException as exc:  # reported below, one line each
        signals.exit_if_requested()  # after a signal, whatever unwound the stack is the interrupt
        _report(exc)
    signals.exit_if_requested()
    sys.exit(code if isinstance(code, int) else 0)


def _report(exc: BaseException) -> None:
    """One line for an error (a traceback only with --debug), then exit with its code."""
    if isinstance(exc, Exception) and not state.debug:
        from shoplens.disk import disk_full_error

        full = disk_full_error(exc)  # also behind a ShoplensError ("cannot open the warehouse: … No space left")
        if full is not None:
            typer.echo(f"{i18n.t('error')}: {full.render(i18n.lang())}", err=True)
            sys.exit(full.exit_code)
        import duckdb

        if isinstance(exc, duckdb.OutOfMemoryException):  # an analysis too big for warehouse.memory_limit
            from shoplens.config import warehouse_settings
            from shoplens.warehouse.memory import out_of_memory

            error = out_of_memory(exc, warehouse_settings())
            typer.echo(f"{i18n.t('error')}: {error.render(i18n.lang())}", err=True)
            sys.exit(error.exit_code)
    try:
        raise exc
    except ShoplensError as exc:
        if state.debug:
            raise
        typer.echo(f"{i18n.t('error')}: {exc.render(i18n.lang())}", err=True)
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted / 已中止", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except Exception as exc:  # click usage errors carry their own exit code
        import click
        from typer.exceptions import TyperException  # base of Typer's vendored click's ClickException

        from shoplens.cli.usage_errors import argv_lang, is_usage_error, usage_error

        if is_usage_error(exc):  # one line in the output language (--lang may not have been read yet)
            i18n.set_lang(argv_lang(sys.argv[1:]) or i18n.lang())
            typer.echo(f"{i18n.t('error')}: {usage_error(exc).render(i18n.lang())}", err=True)
            sys.exit(exc.exit_code)
        if isinstance(exc, click.ClickException | TyperException) and hasattr(exc, "show"):
            exc.show()
            sys.exit(exc.exit_code)
        if state.debug:
            raise
        if i18n.lang() == "zh":
            typer.echo(f"{i18n.t('error')}: 内部错误：{type(exc).__name__}: {exc}"
                       "（提示：加 --debug 重新运行并报告此问题）", err=True)
        else:
            typer.echo(f"{i18n.t('error')}: internal error: {type(exc).__name__}: {exc} "
                       "(hint: run again with --debug and report it)", err=True)
        sys.exit(1)
