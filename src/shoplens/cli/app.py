"""The `shoplens` command: global options, error handling and the command groups.

A user mistake (ShoplensError) prints one line — what, where, hint — and exits non-zero;
`--debug` shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shoplens import __version__, i18n
from shoplens.errors import ShoplensError

if TYPE_CHECKING:
    from shoplens.warehouse.connection import Warehouse

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
    lake: str | None = None
    engine: str = "duckdb"
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
    lake: Annotated[str | None, typer.Option(
        "--lake", help="Read a lake of Parquet files instead of the warehouse (default $SHOPLENS_LAKE) / "
        "改为读取 Parquet 数据湖", show_default=False)] = None,
    engine: Annotated[str | None, typer.Option(
        "--engine", help="duckdb|spark: what runs the queries over --lake (default $SHOPLENS_ENGINE or duckdb) / "
        "查询引擎", show_default=False)] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="Output language zh|en (default $SHOPLENS_LANG, $LANG) / 输出语言")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks / 显示调用栈")] = False,
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                          help="Show the version and exit")] = False,
) -> None:
    state.db = db
    # a flag beats the environment: --db picks the warehouse even when $SHOPLENS_LAKE is set, and $SHOPLENS_ENGINE
    # only applies to lakes (an explicit --engine spark without a lake is a mistake, said as one)
    state.lake = lake or (os.environ.get("SHOPLENS_LAKE") if db is None else None) or None
    state.engine = engine or (os.environ.get("SHOPLENS_ENGINE") if state.lake else None) or "duckdb"
    state.debug = debug or bool(os.environ.get("SHOPLENS_DEBUG"))
    if lang:
        i18n.set_lang(lang)


def db_path() -> str | None:
    return str(state.db) if state.db else None


def open_warehouse(*, read_only: bool = False, existing: bool = False) -> Warehouse:
    """The warehouse the global options name: ``--db`` (or its default), or the lake of ``--lake`` (read-only: a
    command that writes is refused there with one line). ``existing``: a missing warehouse file is the usual "no
    warehouse here yet" error instead of a new empty warehouse."""
    from shoplens.warehouse.connection import Warehouse, default_db_path

    if state.lake is None:
        if existing and not read_only and not Path(db_path() or default_db_path()).exists():
            Warehouse(db_path(), read_only=True)  # raises NoWarehouseError
        return Warehouse(db_path(), read_only=read_only, engine=state.engine)
    if state.db is not None:
        raise ShoplensError("--db and --lake name two sources of data", where="--lake",
                            hint="give one: the warehouse file (--db) or the lake (--lake)",
                            zh="--db 与 --lake 指定了两个数据来源",
                            zh_hint="只给其中一个：仓库文件（--db）或数据湖（--lake）")
    if not read_only:
        refuse_lake()
    wh = Warehouse(read_only=True, lake=state.lake, engine=state.engine)
    for en, zh in wh.lake_notes:
        typer.echo(f"{i18n.t('note')}: {zh if i18n.lang() == 'zh' else en}", err=True)
    return wh


def refuse_lake(what: str = "this command writes to the warehouse", what_zh: str = "该命令需要写入仓库") -> None:
    """One line instead of a command that cannot run over a lake (``--lake``)."""
    if state.lake is not None:
        raise ShoplensError(f"a lake is read-only: {what}", where=state.lake,
                            hint="run it on the warehouse (--db) and export again (`shoplens lake export`)",
                            zh=f"数据湖只读：{what_zh}",
                            zh_hint="请在仓库（--db）上运行，再重新导出（`shoplens lake export`）")


# every command module, in the order `shoplens --help` lists their commands; a module registers the command named
# like itself (alerts_cmd: `alerts`) and the ones in EXTRA_COMMANDS (tests/test_cli_lazy.py checks both)
COMMAND_MODULES = ("import", "info", "quarantine", "demo", "metrics", "funnel", "retention", "paths", "segment",
                   "rfm", "user", "account", "serve", "store", "values", "anomalies", "why", "alerts", "notify",
                   "schedule", "brief", "recommend", "action", "review", "presets", "collect", "products",
                   "replenish", "forecast", "lake")
EXTRA_COMMANDS = {"migrate": "info", "schema": "info"}
NEEDS = {"alerts": ("notify",)}  # notify_cmd adds `alerts send` to the alerts group
GLOBAL_WITH_VALUE = ("--db", "--lake", "--engine", "--lang")
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
