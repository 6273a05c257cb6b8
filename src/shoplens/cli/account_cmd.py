"""`shoplens account add|passwd|access|list|remove`: logins of the dashboard and REST API.

Named ``account`` rather than ``user``: ``shoplens user USER_ID`` is a shopper's timeline (issue #4),
and a shopper id such as ``list`` must stay reachable.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Annotated, Any

import typer

from shoplens.cli.output import Format, console, print_csv, print_json, rich_table
from shoplens.errors import ShoplensError
from shoplens.i18n import register_labels, t
from shoplens.params import split_values
from shoplens.value_labels import cell

account_app = typer.Typer(help="Dashboard/API logins: add, passwd, access, list, remove. 看板/API 账号管理。",
                          no_args_is_help=True)

register_labels({
    "acct_added": ("已创建账号", "account created"),
    "acct_password_set": ("已修改密码，旧会话已失效", "password changed; old sessions ended"),
    "acct_access_set": ("已更新角色与店铺", "role and stores updated"),
    "acct_removed": ("已删除账号", "account removed"),
    "acct_title": ("看板/API 账号", "Dashboard/API accounts"),
    "acct_name": ("账号", "account"),
    "acct_role": ("角色", "role"),
    "acct_stores": ("店铺", "stores"),
    "acct_lang": ("语言", "language"),
})

RoleOpt = Annotated[str, typer.Option("--role", metavar="admin|analyst|viewer", help="Role / 角色")]
StoresOpt = Annotated[list[str] | None, typer.Option("--stores", metavar="ID[,ID]|*",
                                                     help="Stores the login may see ('*' = all) / 可见店铺")]


PasswordStdinOpt = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input (scripts) / 从标准输入读取密码")]


def _password(given: str | None, from_stdin: bool = False) -> str:
    """--password, else $SHOPLENS_PASSWORD, else standard input's first line (--password-stdin, or whenever
    standard input is not a terminal: a script never gets a prompt or Python's GetPassWarning), else asked
    twice on the terminal."""
    if given:
        return given
    if os.environ.get("SHOPLENS_PASSWORD") and not from_stdin:
        return os.environ["SHOPLENS_PASSWORD"]
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not line:
            raise ShoplensError(
                "no password on standard input",
                hint="pipe it in: printf '%s\\n' \"$PW\" | shoplens account add NAME --password-stdin "
                     "(or set $SHOPLENS_PASSWORD, or run it in a terminal to be asked)",
                zh="标准输入中没有密码",
                zh_hint="用管道传入：printf '%s\\n' \"$PW\" | shoplens account add NAME --password-stdin"
                        "（或设置 $SHOPLENS_PASSWORD，或在终端中运行以交互输入）")
        return line
    first = getpass.getpass("Password / 密码: ")
    if getpass.getpass("Again / 再输一次: ") != first:
        raise ShoplensError("the two passwords differ", zh="两次输入的密码不一致")
    return first


def _writable() -> Any:
    from shoplens.cli.app import open_warehouse

    return open_warehouse()


@account_app.command("add")
def add_command(name: Annotated[str, typer.Argument(help="Login name / 账号")], role: RoleOpt = "viewer",
                stores: StoresOpt = None,
                password: Annotated[str | None, typer.Option("--password", help="(else asked; or $SHOPLENS_PASSWORD)"
                                                             " / 密码")] = None,
                password_stdin: PasswordStdinOpt = False) -> None:
    """Create a login. 创建账号。"""
    from shoplens.server.accounts import add_user

    secret = _password(password, password_stdin)  # before the warehouse is opened (and locked)
    with _writable() as wh:
        account = add_user(wh, name, secret, role, split_values(stores) or ["*"])
    console.print(f"{t('acct_added')}: {account.username} ({account.role}; {', '.join(account.stores)})")


@account_app.command("passwd")
def passwd_command(name: Annotated[str, typer.Argument(help="Login name / 账号")],
                   password: Annotated[str | None, typer.Option("--password", help="(else asked) / 新密码")] = None,
                   password_stdin: PasswordStdinOpt = False) -> None:
    """Set a new password (ends the login's sessions and tokens). 修改密码。"""
    from shoplens.server.accounts import set_password

    secret = _password(password, password_stdin)
    with _writable() as wh:
        set_password(wh, name, secret)
    console.print(f"{t('acct_password_set')}: {name}")


@account_app.command("access")
def access_command(name: Annotated[str, typer.Argument(help="Login name / 账号")],
                   role: Annotated[str | None, typer.Option("--role", metavar="admin|analyst|viewer",
                                                            help="Role / 角色")] = None,
                   stores: StoresOpt = None) -> None:
    """Change a login's role and/or stores. 修改角色与可见店铺。"""
    from shoplens.server.accounts import set_access

    with _writable() as wh:
        account = set_access(wh, name, role=role, stores=split_values(stores) or None)
    console.print(f"{t('acct_access_set')}: {account.username} ({account.role}; {', '.join(account.stores)})")


@account_app.command("remove")
def remove_command(name: Annotated[str, typer.Argument(help="Login name / 账号")]) -> None:
    """Delete a login and its tokens. 删除账号。"""
    from shoplens.server.accounts import remove_user

    with _writable() as wh:
        remove_user(wh, name)
    console.print(f"{t('acct_removed')}: {name}")


@account_app.command("list")
def list_command(fmt: Annotated[Format, typer.Option("--format", "-f", help="table|json|csv / 输出格式")]
                 = Format.table) -> None:
    """List logins (never passwords). 列出账号。"""
    from shoplens.cli.app import open_warehouse, refuse_lake
    from shoplens.server.accounts import list_accounts

    refuse_lake("logins stay in the warehouse, they are not exported", "登录信息只在仓库中，不会导出")
    with open_warehouse(read_only=True) as wh:
        rows = [a.to_dict() for a in list_accounts(wh)]
    if fmt is Format.json:
        print_json({"accounts": rows})
        return
    table = [[r["username"], r["role"], ", ".join(r["stores"]), r["language"] or ""] for r in rows]
    if fmt is Format.csv:
        print_csv(["username", "role", "stores", "language"], table)
        return
    table = [[name, cell("role", role), *rest] for name, role, *rest in table]
    console.print(rich_table(t("acct_title"), [t("acct_name"), t("acct_role"), t("acct_stores"), t("acct_lang")],
                             table))


def register(app: typer.Typer) -> None:
    app.add_typer(account_app, name="account")
