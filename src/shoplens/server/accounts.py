"""Logins of the dashboard and API: users with roles and allowed stores, passwords, tokens.

- Roles: ``admin`` (users, stores, imports, config and everything below), ``analyst`` (every
  analysis, saving segments), ``viewer`` (read only).
- Each login sees only its ``stores`` (``["*"]`` = all, the default for admins); queries, exports
  and listings are cut to them by :mod:`shoplens.server.scope`.
- Passwords: scrypt (stdlib ``hashlib``; n=2^14, r=8, p=1, 16-byte salt), at least 8 characters.
- Tokens: 32 random bytes (URL-safe text) handed out once; only their SHA-256 is stored. A token is
  either a browser ``session`` (12 h) or an ``api`` bearer token (30 days); logout deletes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shoplens.errors import ShoplensError
from shoplens.warehouse.accounts_table import TOKENS, USERS

ROLES = ("admin", "analyst", "viewer")
ALL_STORES = "*"
MIN_PASSWORD = 8
NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
TOKEN_TTL = {"session": timedelta(hours=12), "api": timedelta(days=30)}
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    stores: tuple[str, ...]  # ("*",) = every store
    language: str | None = None

    @property
    def all_stores(self) -> bool:
        return ALL_STORES in self.stores

    def to_dict(self) -> dict[str, Any]:
        return {"username": self.username, "role": self.role, "stores": list(self.stores),
                "language": self.language}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check_name(username: str) -> str:
    if not isinstance(username, str) or not NAME.fullmatch(username):
        raise ShoplensError(f"user name {username!r} is not allowed", hint="1-64 letters, digits, _ . @ or -",
                            zh=f"用户名 {username!r} 不合法", zh_hint="1-64 个字母、数字或 _ . @ -")
    return username


def _check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ShoplensError(f"a password needs at least {MIN_PASSWORD} characters",
                            zh=f"密码至少需要 {MIN_PASSWORD} 个字符")
    if len(password) > 1024 or "\x00" in password:
        raise ShoplensError("the password is too long or holds a NUL character", zh="密码过长或含有 NUL 字符")
    return password


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ShoplensError(f"unknown role {role!r}", hint="admin, analyst or viewer",
                            zh=f"未知角色 {role!r}", zh_hint="admin、analyst 或 viewer")
    return role


def _check_stores(wh: Any, stores: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(s.strip() for s in stores if s and s.strip()))
    if not wanted:
        raise ShoplensError("a login needs at least one store", hint="--stores demo (or '*' for all)",
                            zh="账号至少需要一个店铺", zh_hint="--stores demo（或 '*' 表示全部）")
    if ALL_STORES in wanted:
        return (ALL_STORES,)
    known = {r[0] for r in wh.con.execute("SELECT store_id FROM stores").fetchall()}
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise ShoplensError(f"unknown store {unknown[0]!r}", hint=f"stores: {', '.join(sorted(known)) or '(none)'}",
                            zh=f"未知店铺 {unknown[0]!r}", zh_hint=f"已有店铺：{', '.join(sorted(known)) or '（无）'}")
    return wanted


def add_user(wh: Any, username: str, password: str, role: str = "viewer",
             stores: list[str] | tuple[str, ...] = (ALL_STORES,)) -> Account:
    """Create a login (refused when the name exists: use :func:`set_password` / :func:`set_access`)."""
    _check_name(username)
    _check_password(password)
    _check_role(role)
    allowed = _check_stores(wh, stores)
    if get_account(wh, username) is not None:
        raise ShoplensError(f"user {username!r} exists already", hint=f"shoplens account passwd {username}",
                            zh=f"用户 {username!r} 已存在",
                            zh_hint=f"如需修改其密码：shoplens account passwd {username}")
    now = _now()
    wh.con.execute(f"INSERT INTO {USERS} VALUES (?, ?, ?, ?, NULL, ?, ?)",
                   [username, hash_password(password), role, list(allowed), now, now])
    return Account(username, role, allowed)


def set_password(wh: Any, username: str, password: str) -> None:
    """New password; every token of the user is revoked (sessions end)."""
    _check_password(password)
    _require(wh, username)
    wh.con.execute(f"UPDATE {USERS} SET password_hash = ?, updated_at = ? WHERE username = ?",
                   [hash_password(password), _now(), username])
    wh.con.execute(f"DELETE FROM {TOKENS} WHERE username = ?", [username])


def set_access(wh: Any, username: str, *, role: str | None = None,
               stores: list[str] | tuple[str, ...] | None = None) -> Account:
    """Change the role and/or the stores of a login (its sessions stay; they see the new access at once)."""
    account = _require(wh, username)
    new_role = _check_role(role) if role is not None else account.role
    new_stores = _check_stores(wh, stores) if stores is not None else account.stores
    wh.con.execute(f"UPDATE {USERS} SET role = ?, stores = ?, updated_at = ? WHERE username = ?",
                   [new_role, list(new_stores), _now(), username])
    return Account(username, new_role, new_stores, account.language)


def remove_user(wh: Any, username: str) -> None:
    _require(wh, username)
    wh.con.execute(f"DELETE FROM {TOKENS} WHERE username = ?", [username])
    wh.con.execute(f"DELETE FROM {USERS} WHERE username = ?", [username])


def set_language(wh: Any, username: str, language: str) -> None:
    if language not in ("zh", "en"):
        raise ShoplensError(f"unknown language {language!r}", hint="zh or en", zh=f"未知语言 {language!r}",
                            zh_hint="zh 或 en")
    wh.con.execute(f"UPDATE {USERS} SET language = ?, updated_at = ? WHERE username = ?", [language, _now(), username])


def list_accounts(wh: Any) -> list[Account]:
    rows = wh.con.execute(f"SELECT username, role, stores, language FROM {USERS} ORDER BY username").fetchall()
    return [Account(r[0], r[1], tuple(r[2]), r[3]) for r in rows]


def get_account(wh: Any, username: str) -> Account | None:
    row = wh.con.execute(f"SELECT username, role, stores, language FROM {USERS} WHERE username = ?",
                         [username]).fetchone()
    return Account(row[0], row[1], tuple(row[2]), row[3]) if row else None


def _require(wh: Any, username: str) -> Account:
    account = get_account(wh, username)
    if account is None:
        raise ShoplensError(f"no user {username!r}", hint="shoplens account list", zh=f"没有用户 {username!r}",
                            zh_hint="查看全部账号：shoplens account list")
    return account


def check_login(wh: Any, username: str, password: str) -> Account | None:
    """The account when the password is right; None otherwise (a hash is computed either way)."""
    row = wh.con.execute(f"SELECT password_hash FROM {USERS} WHERE username = ?", [username]).fetchone()
    stored = row[0] if row else _DUMMY_HASH
    ok = verify_password(password, stored)
    return get_account(wh, username) if ok and row else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(wh: Any, username: str, kind: str = "session") -> str:
    token = secrets.token_urlsafe(32)
    now = _now()
    wh.con.execute(f"DELETE FROM {TOKENS} WHERE expires_at < ?", [now])
    wh.con.execute(f"INSERT INTO {TOKENS} VALUES (?, ?, ?, ?, ?)",
                   [_digest(token), username, kind, now, now + TOKEN_TTL[kind]])
    return token


def account_of_token(wh: Any, token: str) -> Account | None:
    found = token_login(wh, token)
    return found[0] if found else None


def token_login(wh: Any, token: str) -> tuple[Account, datetime] | None:
    """The account a valid token belongs to and when the token ends (None for an unknown or ended one)."""
    if not token or len(token) > 256:
        return None
    row = wh.con.execute(f"SELECT u.username, u.role, u.stores, u.language, t.expires_at FROM {TOKENS} t JOIN {USERS} u"
                         " ON u.username = t.username WHERE t.token_hash = ? AND t.expires_at >= ?",
                         [_digest(token), _now()]).fetchone()
    return (Account(row[0], row[1], tuple(row[2]), row[3]), row[4]) if row else None


def revoke_token(wh: Any, token: str) -> None:
    wh.con.execute(f"DELETE FROM {TOKENS} WHERE token_hash = ?", [_digest(token)])


DEMO_LOGIN = ("demo", "shoplens-demo")  # printed by `shoplens demo`; accepted only by `serve --demo`


@dataclass(frozen=True)
class DemoLogin:
    """What :func:`ensure_demo_login` did: ``usable`` says whether DEMO_LOGIN logs in (on a --demo server)."""

    status: str  # created | unchanged | adopted | changed | deleted | removed | not_demo
    username: str = DEMO_LOGIN[0]

    @property
    def usable(self) -> bool:
        return self.status in ("created", "unchanged", "adopted")


def is_demo_credential(username: str, password: str) -> bool:
    """The published demo user name and password (refused by a server not started with --demo)."""
    return hmac.compare_digest(f"{username}\0{password}".encode(), "\0".join(DEMO_LOGIN).encode())


def _demo_state(wh: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    from shoplens.warehouse.demo_marks import read_mark

    row = wh.con.execute(f"SELECT password_hash, role, stores FROM {USERS} WHERE username = ?",
                         [DEMO_LOGIN[0]]).fetchone()
    current = {"username": DEMO_LOGIN[0], "password_hash": row[0], "role": row[1], "stores": list(row[2])} \
        if row else None
    return read_mark(wh.con), current


def _is_pristine(current: dict[str, Any]) -> bool:
    """An unmarked ``demo`` login that is exactly what the demo creates (built before the mark existed)."""
    return (current["role"] == "admin" and current["stores"] == [ALL_STORES]
            and verify_password(DEMO_LOGIN[1], current["password_hash"]))


def ensure_demo_login(wh: Any) -> DemoLogin:
    """The demo's admin login (``DEMO_LOGIN``, every store), only in a warehouse whose stores are all demo stores.

    Created once and remembered (:mod:`shoplens.warehouse.demo_marks`); a later run never restores a
    login an operator changed (password, role, stores) or deleted. In a warehouse that holds other
    stores no demo login is created, and one the demo made earlier and nobody changed is removed: a
    published password must never guard real data (an unmarked ``demo`` login is an operator's: kept).
    Run it inside a transaction (``shoplens demo`` does).
    """
    from shoplens.warehouse.demo_marks import non_demo_stores, write_mark

    name, password = DEMO_LOGIN
    mark, current = _demo_state(wh)
    ours = current is not None and mark is not None and current == mark
    if non_demo_stores(wh.con):
        if ours:
            remove_user(wh, name)
            write_mark(wh.con, None)
            return DemoLogin("removed")
        return DemoLogin("not_demo")
    if current is None:
        if mark is not None:
            return DemoLogin("deleted")
        add_user(wh, name, password, "admin", [ALL_STORES])
        _, created = _demo_state(wh)
        write_mark(wh.con, created)
        return DemoLogin("created")
    if ours:
        return DemoLogin("unchanged")
    if mark is None and _is_pristine(current):
        write_mark(wh.con, current)
        return DemoLogin("adopted")
    return DemoLogin("changed")


def revoke_demo_sessions(wh: Any) -> int:
    """Tokens of a ``demo`` login that still has the published password: a server without --demo ends them
    at start (a token from an earlier --demo run must not outlive the mode). Returns how many were ended."""
    row = wh.con.execute(f"SELECT password_hash FROM {USERS} WHERE username = ?", [DEMO_LOGIN[0]]).fetchone()
    if row is None or not verify_password(DEMO_LOGIN[1], row[0]):
        return 0
    count = wh.con.execute(f"SELECT count(*) FROM {TOKENS} WHERE username = ?", [DEMO_LOGIN[0]]).fetchone()[0]
    if count:
        wh.con.execute(f"DELETE FROM {TOKENS} WHERE username = ?", [DEMO_LOGIN[0]])
    return int(count)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))  # so unknown names cost the same time as wrong passwords
