"""Who is asking and what they may see: the per-request dependencies of every API route.

``Session`` bundles the warehouse (the server's single connection, used under a lock), the
login's :class:`~shoplens.server.accounts.Account` and the stores it may see. Routes never read a
``store`` parameter themselves: :meth:`Session.stores` cuts it to the allowed stores, and a store
the login may not see is answered exactly like a store that does not exist (404), so nothing leaks.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, HTTPException, Request

from shoplens.server.accounts import ROLES, Account, token_login
from shoplens.server.security import csrf_ok

SESSION_COOKIE = "shoplens_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
MEMO_SIZE = 10_000  # facts kept per generation at most
RANK = {role: i for i, role in enumerate(reversed(ROLES))}  # viewer 0 < analyst 1 < admin 2


@dataclass
class ServerState:
    """What the server process holds: the warehouse, its write lock and what is known about the data.

    Every write goes through :meth:`writing` (one at a time) and ends a *generation*; facts read
    once per generation (logins of tokens, stores, the data version) are kept in memory until the
    next write, so a read request costs no bookkeeping queries. The server is the only process that
    can write the file (DuckDB's lock), so nothing changes the data behind its back.
    """

    wh: Any  # shoplens Warehouse, opened read-write by the server (DuckDB allows one writer)
    secret: str
    settings: Any = None  # shoplens.server.settings.ServerSettings (limits); None: the defaults
    lock: threading.RLock = field(default_factory=threading.RLock)  # one unit of work at a time
    generation: int = 0
    after_write: list[Callable[[], None]] = field(default_factory=list)  # e.g. warm the cache again
    _memo: dict[Any, Any] = field(default_factory=dict)
    _memo_generation: int = -1
    _memo_lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """The warehouse's own connection for one unit of work that may write; ends the generation."""
        with self.lock:
            try:
                yield self.wh
            finally:
                self.generation += 1
        for hook in self.after_write:
            hook()

    def memo(self, key: Any, compute: Callable[[Any], Any]) -> Any:
        """``compute(cursor)`` once per generation (a racing write only makes the next reader compute again)."""
        generation = self.generation
        with self._memo_lock:
            if self._memo_generation != generation or len(self._memo) > MEMO_SIZE:  # a flood of bad tokens
                self._memo, self._memo_generation = {}, generation
            if key in self._memo:
                return self._memo[key]
        view = self.wh.cursor()
        try:
            value = compute(view)
        finally:
            view.close()
        with self._memo_lock:
            if self._memo_generation == generation == self.generation:
                self._memo[key] = value
        return value


def known_stores(state: ServerState) -> list[str]:
    """Every store id of the warehouse, in order (read once per write)."""
    return state.memo("stores", lambda wh: [r[0] for r in wh.con.execute(
        "SELECT store_id FROM stores ORDER BY store_id").fetchall()])


def state_of(request: Request) -> ServerState:
    return request.app.state.shoplens


def unauthorized(message: str = "log in first", zh: str = "请先登录") -> HTTPException:
    return HTTPException(401, detail={"message": message, "zh": zh}, headers={"WWW-Authenticate": "Bearer"})


def _token(request: Request) -> tuple[str | None, bool]:
    """(token, from_cookie)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


@dataclass
class Session:
    state: ServerState
    account: Account
    token: str
    from_cookie: bool
    gone: Callable[[], bool] = lambda: False  # the client closed the connection (shoplens.server.guard)

    @property
    def wh(self) -> Any:
        return self.state.wh

    @contextmanager
    def locked(self) -> Iterator[Any]:
        """The warehouse's own connection, for one unit of work that writes (one at a time)."""
        with self.state.writing() as wh:
            yield wh

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """The warehouse on a cursor of its own, for work that only reads: read requests run in parallel
        (DuckDB is MVCC: a read sees the data as of its start, even while an import writes)."""
        view = self.state.wh.cursor()
        try:
            yield view
        finally:
            view.close()

    def answer(self, stores: list[str], run: Callable[..., Any], *, keep: bool = True, **options: Any) -> Any:
        """``run(wh, store=stores, **options)`` on a read cursor, or its earlier answer for the same stores,
        options and data (see :mod:`shoplens.server.cache`)."""
        from shoplens.server.cache import PER_LOGIN, Busy, answer
        from shoplens.server.segment_access import check_use

        with self.segment_hints():
            if options.get("segment"):
                with self.reading() as wh:
                    check_use(wh, self.account, options["segment"])  # a hidden saved segment is a missing one
            budget = self.state.settings.time_budget_seconds if self.state.settings else None
            deadline = time.monotonic() + budget if budget else None
            try:
                return answer(self.state, stores, run, keep=keep, who=self.account.username, deadline=deadline,
                              gone=self.gone, **options)
            except Busy:
                raise HTTPException(429, headers={"Retry-After": "2"}, detail={
                    "message": f"this login already has {PER_LOGIN} analyses computing",
                    "zh": f"该账号已有 {PER_LOGIN} 个分析正在计算", "hint": "try again when one of them is done",
                    "zh_hint": "请等其中一个完成后再试"}) from None
            except Exception as exc:
                raise stopped(exc, budget) from None

    @contextmanager
    def segment_hints(self) -> Iterator[None]:
        """A segment the engines cannot find answers 404 with a hint naming only this login's segments."""
        from shoplens.analyses.segments.store import SegmentNotFound
        from shoplens.server.segment_access import own_hint

        try:
            yield
        except SegmentNotFound as missing:
            with self.reading() as wh:
                raise own_hint(wh, self.account, missing) from None

    def allowed_stores(self) -> list[str]:
        known = known_stores(self.state)
        return known if self.account.all_stores else [s for s in known if s in self.account.stores]

    def stores(self, store: str | list[str] | None) -> list[str]:
        """The stores a request asked for (comma-separated or repeated), cut to what the login may see."""
        allowed = self.allowed_stores()
        wanted = [s.strip() for item in ([store] if isinstance(store, str) else store or [])
                  for s in item.split(",") if s.strip()]
        for s in wanted:
            if s not in allowed:
                listed = ", ".join(allowed)
                raise HTTPException(404, detail={"message": f"unknown store {s!r}", "zh": f"未知店铺 {s!r}",
                                                 "hint": f"stores: {listed or '(none)'}",
                                                 "zh_hint": f"可用店铺：{listed or '（无）'}"})
        if not wanted and not allowed:
            raise HTTPException(404, detail={"message": "this login may see no store yet",
                                             "zh": "该账号还没有可查看的店铺",
                                             "hint": 'an admin grants stores: PUT /api/v1/accounts/NAME '
                                                     '{"stores": ["ID"]}',
                                             "zh_hint": '请管理员授权：PUT /api/v1/accounts/账号 '
                                                        '{"stores": ["店铺ID"]}'})
        return wanted or allowed


def stopped(exc: Exception, budget: float | None) -> Exception:
    """A computation that did not finish (time budget, server stopping, client gone) as an HTTP answer."""
    from shoplens.server.cache import Cancelled, Gone, Stopping, TimedOut

    if isinstance(exc, TimedOut) and exc.started:
        return HTTPException(504, detail={
            "message": f"this analysis took longer than {budget:g} s and was stopped",
            "zh": f"该分析超过 {budget:g} 秒，已停止", "hint": "ask for a shorter range, fewer dimensions or "
            "a longer grain", "zh_hint": "请缩短日期范围、减少拆分维度或使用更长的粒度"})
    if isinstance(exc, TimedOut) and exc.queue == "login":  # its own other analyses held its share of the slots
        from shoplens.server.cache import RESULTS

        n = RESULTS.per_login
        return HTTPException(503, headers={"Retry-After": "5"}, detail={
            "message": f"this analysis did not start within {budget:g} s: this login's own other analyses were using "
            f"all of its computing share ({n} at once)",
            "zh": f"该分析 {budget:g} 秒内未能开始：本账号自己的其他分析占满了它的计算份额（同时最多 {n} 个）",
            "hint": "wait for your other analyses to finish (or ask for fewer at once), then try again",
            "zh_hint": "请等本账号的其他分析完成（或减少同时发起的分析）后再试"})
    if isinstance(exc, TimedOut):
        return HTTPException(503, headers={"Retry-After": "5"}, detail={
            "message": f"the server was busy for {budget:g} s with other analyses", "zh": f"服务器 {budget:g} 秒内一直"
            "忙于其他分析", "hint": "try again in a moment", "zh_hint": "请稍后再试"})
    if isinstance(exc, Stopping | Cancelled | Gone):
        return HTTPException(503, headers={"Retry-After": "5"}, detail={
            "message": "the server is stopping; the analysis was not finished", "zh": "服务器正在停止，分析未完成",
            "hint": "try again when it is back", "zh_hint": "请在服务恢复后重试"})
    return exc


def session(request: Request) -> Session:
    """The logged-in session (401 without one); browser sessions must carry the CSRF header to write."""
    state = state_of(request)
    token, from_cookie = _token(request)
    if not token:
        raise unauthorized()
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()  # raw tokens are not kept
    found = state.memo(("token", digest), lambda wh: token_login(wh, token))
    account = found[0] if found and found[1] >= datetime.now(UTC).replace(tzinfo=None) else None
    if account is None:
        raise unauthorized("the session has ended or the token is not valid", "会话已结束或令牌无效")
    if from_cookie and request.method in UNSAFE and not csrf_ok(state.secret, token, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, detail={"message": "missing or wrong CSRF token", "zh": "缺少或错误的 CSRF 令牌",
                                         "hint": f"send the {CSRF_HEADER} header from GET /api/v1/me",
                                         "zh_hint": f"请带上 GET /api/v1/me 给出的 {CSRF_HEADER} 请求头"})
    gone = request.scope.get("shoplens.gone")
    return Session(state, account, token, from_cookie, gone.is_set if gone is not None else lambda: False)


def role_at_least(role: str) -> Any:
    """A dependency: the session, if its role is ``role`` or above (403 otherwise)."""

    def check(s: Session = Depends(session)) -> Session:
        if RANK[s.account.role] < RANK[role]:
            raise HTTPException(403, detail={"message": f"this needs the {role} role (you are {s.account.role})",
                                             "zh": f"需要 {role} 角色（当前为 {s.account.role}）"})
        return s

    return check


viewer = role_at_least("viewer")
analyst = role_at_least("analyst")
admin = role_at_least("admin")
