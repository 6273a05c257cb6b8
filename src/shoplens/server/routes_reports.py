"""Reports over HTTP: the daily brief (``GET /api/v1/brief``) and the weekly review (``GET /api/v1/review``) as
JSON, or as the HTML / markdown text the CLI writes. PDF stays with the CLI (``shoplens brief --format pdf``): it
starts a browser, too heavy per request."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Response

from shoplens.server.deps import Session, viewer
from shoplens.server.respond import as_json
from shoplens.server.validation import Day

router = APIRouter(tags=["reports"])
MEDIA = {"html": "text/html; charset=utf-8", "markdown": "text/markdown; charset=utf-8"}
TEXT = {"schema": {"type": "string"}}


@router.get("/brief", responses={200: {"content": {"application/json": {}, "text/html": TEXT, "text/markdown": TEXT}}})
def brief(date: Day | None = Query(None, description="the local day (default: the store's last complete day)"),
          store: list[str] | None = Query(None, description="one store id (default: the login's only store)"),
          format: Literal["json", "html", "markdown"] = "json",
          lang: Literal["zh", "en"] | None = Query(None, description="html/markdown language (default: the login's, "
                                                                      "else English)"),
          s: Session = Depends(viewer)) -> Response:
    """The daily brief of one store: ``shoplens brief --format json`` (numbers and both languages' labels), or
    ``format=html`` (one self-contained page) / ``format=markdown`` (robot text) in ``lang``."""
    from shoplens.analyses.brief import brief as run
    from shoplens.analyses.reports import render

    stores = s.stores(store)
    report = s.answer(stores, run, day=date)
    if format == "json":
        return as_json(report.to_dict())
    body = render(report, format, lang or s.account.language or "en")
    return Response(body, media_type=MEDIA[format])


@router.get("/review", responses={200: {"content": {"application/json": {}, "text/html": TEXT,
                                                    "text/markdown": TEXT}}})
def review(week: str | None = Query(None, max_length=16, description="the ISO week, e.g. 2026-W43 (default: the "
                                                                     "store's last complete week)"),
           store: list[str] | None = Query(None, description="one store id (default: the login's only store)"),
           format: Literal["json", "html", "markdown"] = "json",
           lang: Literal["zh", "en"] | None = Query(None, description="html/markdown language (default: the login's, "
                                                                       "else English)"),
           s: Session = Depends(viewer)) -> Response:
    """The weekly review of one store: ``shoplens review --format json``, or ``format=html`` / ``format=markdown``
    in ``lang``; the same shape as ``/brief``."""
    from shoplens.analyses.reports import render
    from shoplens.analyses.review import review as run
    from shoplens.analyses.review.weeks import parse_week

    monday = parse_week(week)
    stores = s.stores(store)
    report = s.answer(stores, run, week=monday)
    if format == "json":
        return as_json(report.to_dict())
    body = render(report, format, lang or s.account.language or "en")
    return Response(body, media_type=MEDIA[format])
