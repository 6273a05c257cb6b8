"""Logging in and out, who am I, and the stores a login may see.

``POST /api/v1/login`` with ``{"username", "password"}`` starts a browser session (HttpOnly,
SameSite=Lax cookie; the response carries the CSRF token for writes) or, with ``"kind": "api"``,
returns a bearer token for scripts. Failed logins are rate limited per client and user name.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from shoplens.server.accounts import check_login, is_demo_credential, issue_token, revoke_token, set_language
from shoplens.server.deps import SESSION_COOKIE, Session, session, state_of, viewer
from shoplens.server.security import LoginLimiter, csrf_token

router = APIRouter(tags=["auth"])
LIMITER = LoginLimiter()


class Login(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    kind: Literal["session", "api"] = "session"


class Language(BaseModel):
    language: Literal["zh", "en"]


def _me(s: Session) -> dict[str, Any]:
    body: dict[str, Any] = {"user": s.account.to_dict(), "stores": s.allowed_stores()}
    if s.from_cookie:
        body["csrf_token"] = csrf_token(s.state.secret, s.token)
    return body


@router.post("/login")
def login(body: Login, request: Request, response: Response) -> dict[str, Any]:
    """Check the password; start a browser session or hand out an API token."""
    state = state_of(request)
    key = f"{request.client.host if request.client else '?'}|{body.username.lower()}"
    with state.lock:  # checked under the lock that serialises logins: concurrent guesses cannot all pass
        wait = LIMITER.retry_after(key)
        if wait:
            raise HTTPException(429, detail={"message": f"too many failed logins, try again in {wait} s",
                                             "zh": f"登录失败次数过多，请 {wait} 秒后再试"},
                                headers={"Retry-After": str(wait)})
        account = check_login(state.wh, body.username, body.password)
        if not getattr(request.app.state, "demo_mode", False) and is_demo_credential(body.username, body.password):
            account = None  # the published demo password works only on `serve --demo`: refused like a wrong one
        if account is None:
            LIMITER.failed(key)
            raise HTTPException(401, detail={"message": "wrong user name or password", "zh": "用户名或密码错误"})
        LIMITER.succeeded(key)
        with state.writing() as wh:  # the only write of a login (a failed one writes nothing)
            token = issue_token(wh, account.username, body.kind)
    out: dict[str, Any] = {"user": account.to_dict()}
    if body.kind == "api":
        out["token"] = token
    else:
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", max_age=12 * 3600,
                            secure=request.url.scheme == "https")
        out["csrf_token"] = csrf_token(state.secret, token)
    return out


@router.post("/logout")
def logout(response: Response, s: Session = Depends(session)) -> dict[str, Any]:
    """End this session or revoke this token."""
    with s.locked() as wh:
        revoke_token(wh, s.token)
    response.delete_cookie(SESSION_COOKIE)
    return {"ok": True}


@router.get("/me")
def me(s: Session = Depends(viewer)) -> dict[str, Any]:
    """The login, its role, the stores it may see, and (browser sessions) the CSRF token for writes."""
    return _me(s)


@router.put("/me/language")
def language(body: Language, s: Session = Depends(viewer)) -> dict[str, Any]:
    """Remember the dashboard language of this login (zh or en)."""
    with s.locked() as wh:
        set_language(wh, s.account.username, body.language)
    return {"language": body.language}


@router.get("/stores")
def stores(s: Session = Depends(viewer)) -> dict[str, Any]:
    """The stores this login may see, with their time zone, currency and data range."""
    from shoplens.server.warmup import store_rows

    return {"stores": s.answer(s.allowed_stores(), store_rows)}
