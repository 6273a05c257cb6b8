"""Behaviour analytics over HTTP: funnels, retention, paths, RFM, root cause (why), one user's timeline.

Parameters are the CLI's options (``--from`` is ``from``, repeatable options repeat or take commas)
and the JSON is the CLI's ``--format json``; ``format=csv`` answers what the CLI's ``--format csv`` prints
(through the one safe CSV writer), with the answer's notes in the ``X-Shoplens-Notes`` header. Every request
is cut to the login's stores.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from shoplens.params import split_values, where_pairs
from shoplens.server.deps import Session, viewer
from shoplens.server.respond import as_csv, as_json, records_csv
from shoplens.server.validation import Day

STORE = Query(None, description="store ids (comma-separated or repeated; default: every store of the login)")
router = APIRouter(tags=["behaviour"])

FROM = Query(None, alias="from", description="first local date (default: all data)")
TO = Query(None, alias="to", description="last local date")
WHERE = Query(None, description="event filter KEY=VALUE, repeatable")
FORMAT = Query("json", description="json, or csv: the rows the CLI's --format csv prints (a download)")
Format = Literal["json", "csv"]


@router.get("/funnel")
def funnel(steps: str = Query(..., min_length=1, description="E1,E2[k=v],... (2-10 steps)"), window: str = "14d",
           mode: Literal["ordered", "strict", "unordered"] = "ordered", exclude: str | None = None,
           by: str | None = None, start: Day | None = FROM, end: Day | None = TO,
           where: list[str] | None = WHERE, segment: str | None = None, store: list[str] | None = STORE,
           format: Format = FORMAT, s: Session = Depends(viewer)) -> Response:
    """Step counts, conversions, step times, breakdown by the first step's value, daily trend (format=csv: the
    steps)."""
    from shoplens.analyses.funnel import funnel as run

    stores = s.stores(store)
    result = s.answer(stores, run, steps=steps, window=window, mode=mode, exclude=exclude, by=by, start=start, end=end,
                      where=where, segment=segment)
    if format == "csv":
        frame = result.to_pandas()
        return as_csv(list(frame.columns), frame.values.tolist(), "funnel.csv", notes=result.notes)
    return as_json(result.to_dict())


@router.get("/funnel/dropped")
def funnel_dropped(steps: str = Query(..., min_length=1, description="E1,E2[k=v],... (2-10 steps)"),
                   step: int = Query(..., ge=2, le=10, description="users who reached step-1, not step"),
                   window: str = "14d", mode: Literal["ordered", "strict", "unordered"] = "ordered",
                   exclude: str | None = None, by: str | None = None, start: Day | None = FROM,
                   end: Day | None = TO, where: list[str] | None = WHERE, segment: str | None = None,
                   store: list[str] | None = STORE, limit: int | None = Query(None, ge=1, le=1_000_000),
                   format: Literal["json", "csv"] = "json", s: Session = Depends(viewer)) -> Response:
    """The re-targeting list of a funnel step (CSV with format=csv)."""
    from shoplens.analyses.funnel import funnel_dropped as run

    stores = s.stores(store)
    result = s.answer(stores, run, keep=False, steps=steps, step=step, window=window, mode=mode, exclude=exclude, by=by,
                      start=start, end=end, where=where, segment=segment, limit=limit)
    if format == "csv":
        zones = store_zones(s, stores)
        return records_csv([dropped_csv_row(r, zones) for r in result.users], f"dropped_at_step_{step}.csv")
    return as_json(result.to_dict())


@router.get("/retention")
def retention(cohort_event: str = "purchase", return_event: str | None = None,
              period: Literal["day", "week", "month"] = "month", first_time: bool = False,
              periods: int | None = Query(None, ge=0, le=63), by: str | None = None, start: Day | None = FROM,
              end: Day | None = TO, where: list[str] | None = WHERE, segment: str | None = None,
              store: list[str] | None = STORE, format: Format = FORMAT, s: Session = Depends(viewer)) -> Response:
    """Cohort retention / repurchase table (values per period k, rates, weighted averages; format=csv: one row
    per cohort and period k)."""
    from shoplens.analyses.retention import retention as run

    stores = s.stores(store)
    result = s.answer(stores, run, cohort_event=cohort_event, return_event=return_event, period=period,
                      first_time=first_time, periods=periods, by=by, start=start, end=end, where=where, segment=segment)
    if format == "csv":
        return as_csv(*result.csv_table(), "retention.csv", notes=result.notes)
    return as_json(result.to_dict())


@router.get("/paths")
def paths(start_event: str | None = Query(None, alias="start"),
          end_event: str | None = Query(None, alias="end"),
          depth: int = Query(4, ge=1, le=10), top: int = Query(10, ge=1, le=100), collapse_repeats: bool = False,
          events: list[str] | None = Query(None), start: Day | None = FROM, end: Day | None = TO,
          where: list[str] | None = WHERE, segment: str | None = None, store: list[str] | None = STORE,
          format: Format = FORMAT, s: Session = Depends(viewer)) -> Response:
    """Next (start=E) or previous (end=E) steps within visits: Sankey nodes and links, top paths (format=csv: the
    links)."""
    from shoplens.analyses.paths import paths as run

    stores = s.stores(store)
    result = s.answer(stores, run, start_event=start_event, end_event=end_event, depth=depth, top=top,
                      collapse_repeats=collapse_repeats, events=split_values(events) or None, start=start, end=end,
                      where=where, segment=segment)
    if format == "csv":
        return as_csv(*result.csv_table(), "paths.csv", notes=result.notes)
    return as_json(result.to_dict())


@router.get("/rfm")
def rfm(as_of: Day | None = None, bins: int = Query(5, ge=2, le=10), where: list[str] | None = WHERE,
        segment: str | None = None, store: list[str] | None = STORE, s: Session = Depends(viewer)) -> Response:
    """RFM tiers: sizes, GMV shares, score bounds."""
    from shoplens.analyses.rfm import rfm as run

    stores = s.stores(store)
    result = s.answer(stores, run, as_of=as_of, bins=bins, where=where, segment=segment)
    return as_json(result.to_dict())


@router.get("/rfm/customers")
def rfm_customers(tier: str | None = None, win_back: int | None = Query(None, ge=0, le=36_500),
                  as_of: Day | None = None, bins: int = Query(5, ge=2, le=10), where: list[str] | None = WHERE,
                  segment: str | None = None, store: list[str] | None = STORE,
                  limit: int | None = Query(None, ge=1, le=1_000_000), format: Literal["json", "csv"] = "json",
                  s: Session = Depends(viewer)) -> Response:
    """Customers of a tier, or with no purchase for ``win_back`` days (CSV with format=csv)."""
    from shoplens.analyses.rfm import customers

    stores = s.stores(store)
    result = s.answer(stores, customers, keep=False, tier=tier, as_of=as_of, bins=bins, where=where, segment=segment,
                      min_recency_days=win_back, limit=limit)
    if format == "csv":
        return records_csv(result.table_rows(), rfm_filename(result.tier, result.min_recency_days, result.as_of))
    return as_json(result.to_dict())


def store_zones(s: Session, stores: list[str]) -> list[str]:
    """The time zones of the chosen stores (all the login's when none is named)."""
    ids = stores or list(s.allowed_stores())
    with s.reading() as wh:
        return sorted({r[0] for r in wh.con.execute(
            "SELECT DISTINCT timezone FROM stores WHERE list_contains(?, store_id)", [ids]).fetchall()})


def dropped_csv_row(row: dict[str, Any], zones: list[str]) -> dict[str, Any]:
    """A drop-off CSV row whose time columns name their zone: ``first_step_at (UTC)`` and ``first_step_at
    (Asia/Shanghai)`` (the store time the dashboard shows; ``store time`` over stores in several zones)."""
    zone = zones[0] if len(zones) == 1 else "store time"
    names = {"first_step_at": "first_step_at (UTC)", "last_step_at": "last_step_at (UTC)",
             "first_step_local": f"first_step_at ({zone})", "last_step_local": f"last_step_at ({zone})"}
    return {names.get(k, k): v for k, v in row.items()}


def rfm_filename(tier: str | None, win_back: int | None, as_of: Any) -> str:
    """``rfm_<tier>_<as_of>.csv`` (``all`` for every tier; ``win_back_<days>`` before the tier of a win-back list):
    the file says which list and which day it is, not just ``customers.csv``."""
    parts = ["rfm", *([f"win_back_{win_back}"] if win_back is not None else []), tier or "all", str(as_of)]
    return "_".join(parts) + ".csv"


@router.get("/anomalies")
def anomalies(metrics: str | None = Query(None, description="ids, comma-separated (default: gmv, uv, "
                                          "conversion_rate, aov, uv_value, add_to_cart_rate, refund_rate, roi)"),
              by: str | None = Query(None, description="one series per value of this dimension, e.g. channel"),
              start: Day | None = Query(None, alias="from", description="first local date (default: the last 30 "
                                        "days with data)"), end: Day | None = TO,
              sensitivity: Literal["low", "medium", "high"] = "medium", store: list[str] | None = STORE,
              format: Format = FORMAT, s: Session = Depends(viewer)) -> Response:
    """Days on which a metric left the band learned from its own history (the CLI's `shoplens anomalies` JSON;
    format=csv: one row per anomaly)."""
    from shoplens.analyses.anomalies import anomalies as run

    stores = s.stores(store)
    result = s.answer(stores, run, metrics=metrics, by=by, start=start, end=end, sensitivity=sensitivity)
    if format == "csv":
        return as_csv(*result.csv_table(), "anomalies.csv", notes=result.notes)
    return as_json(result.to_dict())


@router.get("/why")
def why(metric: str = Query(..., min_length=1, description="catalog metric id, e.g. gmv"),
        date: Day | None = Query(None, description="one local day (default compare: wow)"),
        start: Day | None = FROM, end: Day | None = TO,
        compare: Literal["previous", "wow", "yoy", "baseline"] | None = None,
        by: list[str] | None = Query(None, description="dimensions, comma-separated or repeated"),
        where: list[str] | None = Query(None, description="DIM=VALUE, repeatable: explain one slice"),
        store: list[str] | None = STORE, s: Session = Depends(viewer)) -> Response:
    """Root cause of a metric's change: factors, dimension values (Adtributor), a sentence in zh and en; the CLI's
    ``shoplens why --format json``. One store per request (the login's only store by default)."""
    from shoplens.analyses.why import why as run

    stores = s.stores(store)
    result = s.answer(stores, run, metric=metric, day=date, start=start, end=end, compare=compare,
                      by=split_values(by) or None, where=where_pairs(where) or None)
    return as_json(result.to_dict())


@router.get("/users/{user_id}/timeline")
def timeline(user_id: str, start: Day | None = FROM, end: Day | None = TO, kinds: list[str] | None = Query(None),
             limit: int | None = Query(200, ge=0, le=100_000), as_of: Day | None = None,
             store: list[str] | None = STORE, lang: Literal["zh", "en"] | None = None,
             s: Session = Depends(viewer)) -> Response:
    """One user's profile, lifecycle, RFM tier and history, newest first; texts in ``lang`` (default: the login's
    language, else English)."""
    from shoplens import i18n
    from shoplens.analyses.timeline import user_timeline

    i18n.set_lang(lang or s.account.language or "en")  # this request's context only

    stores = s.stores(store)
    with s.reading() as wh:  # a user outside the login's stores is unknown: 404 naming only its own stores
        result = user_timeline(wh, user_id, store=stores, start=start, end=end, kinds=split_values(kinds) or None,
                               limit=limit, as_of=as_of)
    return as_json(result.to_dict())
