"""Behavioural segments (人群) over HTTP: the same operations and JSON as ``shoplens segment``.

Segments are saved by name for the whole warehouse; sizes, profiles and member lists are always
computed over the login's stores (:meth:`Session.stores`), never over every store. Which logins see
a definition at all, and may change it, is :mod:`shoplens.server.segment_access`.
Rules come as text (``"rule"``) or as the JSON tree (``"json"``: an object, or its text); unlike
the CLI's ``--json``, a string is never read as a file name (that would read files of the server).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from shoplens.errors import ShoplensError
from shoplens.server.deps import Session, analyst, viewer
from shoplens.server.respond import as_csv, as_json
from shoplens.server.segment_access import check_change, find, visible
from shoplens.server.validation import Day

STORE = Query(None, description="store ids (comma-separated or repeated; default: every store of the login)")
AS_OF = Query(None, description="evaluate as of this local date (default: each store's last data day)")
TOP = Query(5, ge=1, le=100, description="values shown per property")
router = APIRouter(tags=["segments"])


class Rule(BaseModel):
    """Exactly one of ``rule`` (text) or ``json`` (the tree, or its JSON text)."""

    model_config = ConfigDict(populate_by_name=True)
    rule: str | None = Field(None, max_length=20_000, description='e.g. "orders>=3 and not did(purchase, '
                             'last_days=90)"')
    tree: Any = Field(None, alias="json", description='e.g. {"rfm": ["core", "rising"]}')


class SaveBody(Rule):
    name: str = Field(max_length=64)
    description: str | None = Field(None, max_length=2000)


def _definition(body: Rule) -> dict[str, Any]:
    from shoplens.analyses.segments import definition_from, normalise
    from shoplens.analyses.segments.store import parse_json

    if (body.rule is None) == (body.tree is None):
        raise ShoplensError('give exactly one of "rule" (text) or "json" (tree)', hint='e.g. {"rule": "orders>=3"}',
                            zh='请只给出 "rule"（文本）或 "json"（规则树）之一', zh_hint='例如 {"rule": "orders>=3"}')
    if body.rule is not None:
        return definition_from(body.rule)
    tree = body.tree
    if isinstance(tree, str):  # JSON text, never a file path (read_json would read files on the server)
        tree = parse_json(tree, "json")
    return definition_from(tree) if isinstance(tree, dict) else normalise(tree)  # normalise says what is wrong


def _context(wh: Any, stores: list[str]) -> Any:
    from shoplens.analyses.context import open_context

    return open_context(wh, store=stores)  # never None: that would mean every store of the warehouse


@router.get("/segments")
def list_saved_segments(s: Session = Depends(viewer)) -> Response:
    """Saved segments (name, rule, definition, description, times): `shoplens segment list --format json`."""
    with s.reading() as wh:
        return as_json({"segments": [seg.to_dict() for seg in visible(wh, s.account)]})


@router.post("/segments")
def save_segment(body: SaveBody, store: list[str] | None = STORE, s: Session = Depends(analyst)) -> Response:
    """Save (create or replace) a segment; its size is counted in the login's stores (`segment save --format json`)."""
    from shoplens.analyses.segments import compile_sql
    from shoplens.analyses.segments import save_segment as save
    from shoplens.analyses.segments.compile import make_frame, universe_sql

    definition = _definition(body)
    try:
        stores: list[str] | None = s.stores(store)
    except HTTPException:
        if store:
            raise
        stores = None  # the login sees no store yet: save now, sizes come with access
    with s.locked() as wh:
        ctx = None
        if stores is not None:
            try:
                ctx = _context(wh, stores)
            except ShoplensError:
                if store:
                    raise
                ctx = None  # no data yet (as the CLI)
        existing = check_change(wh, s.account, body.name)  # 409 taken (hidden) / 403 shared
        scope = None if existing or s.account.all_stores else list(s.account.stores)
        saved, created = save(wh, body.name, definition, body.description, stores=scope)
        n = users = None
        if ctx is not None:
            n, users = wh.con.execute(f"SELECT (SELECT count(*) FROM ({compile_sql(ctx, body.name)})),"
                                      f" (SELECT count(*) FROM ({universe_sql(make_frame(ctx))}))").fetchone()
    share = n / users if n is not None and users else None
    return as_json({**saved.to_dict(), "created": created, "members": n, "users": users, "share": share})


def segment_profile(wh: Any, store: list[str], definition: Any, as_of: Any = None, top: int = 5) -> Any:
    """A segment's size and profile in these stores (computed under the server's time budget and slots)."""
    from shoplens.analyses.segments import profile

    return profile(_context(wh, store), definition, as_of, top=top)


@router.post("/segments/preview")
def preview_segment(body: Rule, store: list[str] | None = STORE, as_of: Day | None = AS_OF, top: int = TOP,
            s: Session = Depends(viewer)) -> Response:
    """Size and profile of a rule without saving it (`segment preview --format json`)."""

    definition = _definition(body)
    stores = s.stores(store)
    result = s.answer(stores, segment_profile, keep=False, definition=definition, as_of=as_of, top=top)
    return as_json(result.to_dict())


@router.get("/segments/{name}")
def show_segment(name: str, store: list[str] | None = STORE, as_of: Day | None = AS_OF, top: int = TOP,
         s: Session = Depends(viewer)) -> Response:
    """Members, share of all users, profile and GMV share per store (`segment show NAME --format json`)."""

    stores = s.stores(store)
    with s.segment_hints():
        with s.reading() as wh:
            find(wh, s.account, name)  # missing or hidden: 404, the CLI's message
        result = s.answer(stores, segment_profile, keep=False, definition=name, as_of=as_of, top=top)
    return as_json(result.to_dict())


@router.get("/segments/{name}/members")
def export_segment_members(name: str, store: list[str] | None = STORE, as_of: Day | None = AS_OF,
            limit: int | None = Query(None, ge=1, le=1_000_000_000, description="the first N members"),
            format: Literal["csv", "json"] = "csv", s: Session = Depends(viewer)) -> Response:
    """The member list (store_id, user_id) in the login's stores: a CSV download, or `segment export --format json`."""
    from shoplens.analyses.segments import compile_sql

    stores = s.stores(store)
    with s.segment_hints(), s.reading() as wh:
        find(wh, s.account, name)  # missing or hidden: 404, the CLI's message
        sql = (f"SELECT store_id, user_id FROM ({compile_sql(_context(wh, stores), name, as_of)})"
               f" ORDER BY store_id, user_id{f' LIMIT {int(limit)}' if limit else ''}")
        rows = wh.con.execute(sql).fetchall()
    if format == "csv":
        return as_csv(["store_id", "user_id"], rows, f"{name}.csv")
    return as_json({"segment": name, "members": [{"store_id": st, "user_id": u} for st, u in rows]})


@router.delete("/segments/{name}")
def delete_segment(name: str, s: Session = Depends(analyst)) -> Response:
    """Delete a saved segment; answers the deleted definition."""
    from shoplens.analyses.segments import delete_segment as run

    with s.segment_hints(), s.locked() as wh:
        find(wh, s.account, name)  # missing or hidden: 404, the CLI's message
        check_change(wh, s.account, name)  # a shared one: only a login of every store
        removed = run(wh, name)
    return as_json({**removed.to_dict(), "deleted": True})
