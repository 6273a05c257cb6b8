"""Logins over HTTP (admin only): ``shoplens account list|add|access|passwd|remove``. Never a password hash.

An admin of every store (``'*'``) manages every login. An admin of some stores sees and manages
only the logins whose stores are all among theirs, and grants only those stores: an account of
another store is answered like a missing one (404), a store it may not see like an unknown store.
The warehouse always keeps at least one admin: removing or demoting the last one is refused.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import BaseModel, Field

from shoplens.errors import ShoplensError
from shoplens.params import split_values
from shoplens.server.accounts import ALL_STORES, Account, get_account
from shoplens.server.deps import Session, admin
from shoplens.server.respond import as_json

router = APIRouter(tags=["accounts"])


class NewAccount(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    role: str = Field("viewer", description="admin, analyst or viewer")
    stores: list[str] | str = Field(default_factory=lambda: [ALL_STORES],
                                    description="store ids the login may see ('*' = all)")


class Change(BaseModel):
    role: str | None = Field(None, description="admin, analyst or viewer")
    stores: list[str] | str | None = Field(None, description="store ids the login may see ('*' = all)")
    password: str | None = Field(None, max_length=1024, description="a new password (ends the login's sessions)")


def _manages(s: Session, account: Account) -> bool:
    return s.account.all_stores or (not account.all_stores and set(account.stores) <= set(s.account.stores))


def _target(s: Session, wh: Any, username: str) -> Account:
    account = get_account(wh, username)
    if account is None or not _manages(s, account):
        raise HTTPException(404, detail={"message": f"no user {username!r}", "zh": f"没有用户 {username!r}",
                                         "hint": "GET /api/v1/accounts lists the logins",
                                         "zh_hint": "GET /api/v1/accounts 可列出所有账号"})
    return account


def _grantable(s: Session, stores: list[str] | str) -> list[str]:
    wanted = split_values(stores) if isinstance(stores, str) else [v.strip() for v in stores if v and v.strip()]
    if not s.account.all_stores:
        if ALL_STORES in wanted:
            raise HTTPException(403, detail={"message": "only an admin of every store may grant every store ('*')",
                                             "zh": "只有可访问全部店铺的管理员才能授予全部店铺（'*'）"})
        for store in wanted:
            if store not in s.account.stores:
                raise HTTPException(404, detail={"message": f"unknown store {store!r}", "zh": f"未知店铺 {store!r}",
                                                 "hint": f"stores: {', '.join(s.account.stores)}",
                                                 "zh_hint": f"可用店铺：{', '.join(s.account.stores)}"})
    return wanted


def _keep_an_admin(wh: Any) -> None:
    if not any(a.role == "admin" for a in _all(wh)):
        raise ShoplensError("the last admin cannot be removed or given another role",
                            hint="make another login admin first", zh="不能删除最后一个管理员或更改其角色",
                            zh_hint="请先把另一个账号设为管理员")


def _all(wh: Any) -> list[Account]:
    from shoplens.server.accounts import list_accounts

    return list_accounts(wh)


def _transaction(wh: Any, work: Any) -> Any:
    """``work()`` all or nothing (a refused change leaves the login as it was)."""
    wh.con.execute("BEGIN TRANSACTION")
    try:
        out = work()
        _keep_an_admin(wh)
    except BaseException:
        wh.con.execute("ROLLBACK")
        raise
    wh.con.execute("COMMIT")
    return out


@router.get("/accounts")
def list_logins(s: Session = Depends(admin)) -> Response:
    """The logins this admin manages: name, role, stores, language (`shoplens account list --format json`)."""
    with s.reading() as wh:
        return as_json({"accounts": [a.to_dict() for a in _all(wh) if _manages(s, a)]})


@router.post("/accounts", status_code=201)
def add_login(body: NewAccount, s: Session = Depends(admin)) -> Response:
    """Create a login (`shoplens account add`)."""
    from shoplens.server.accounts import add_user

    stores = _grantable(s, body.stores)
    with s.locked() as wh:
        account = add_user(wh, body.username, body.password, body.role, stores)
    response = as_json(account.to_dict())
    response.status_code = 201
    return response


@router.put("/accounts/{username}")
def change_login(username: str, body: Change, s: Session = Depends(admin)) -> Response:
    """Change the role, stores and/or password of a login (a new password ends its sessions and tokens)."""
    from shoplens.server.accounts import set_access, set_password

    if body.role is None and body.stores is None and body.password is None:
        raise ShoplensError('nothing to change: give "role", "stores" or "password"',
                            zh='没有要修改的内容：请给出 "role"、"stores" 或 "password"')
    stores = _grantable(s, body.stores) if body.stores is not None else None
    with s.locked() as wh:
        _target(s, wh, username)

        def work() -> Account:
            if body.password is not None:
                set_password(wh, username, body.password)
            return set_access(wh, username, role=body.role, stores=stores)

        account = _transaction(wh, work)
    return as_json(account.to_dict())


@router.delete("/accounts/{username}")
def remove_login(username: str, s: Session = Depends(admin)) -> Response:
    """Delete a login and its tokens (`shoplens account remove`)."""
    from shoplens.server.accounts import remove_user

    with s.locked() as wh:
        account = _target(s, wh, username)
        _transaction(wh, lambda: remove_user(wh, username))
    return as_json({**account.to_dict(), "deleted": True})
