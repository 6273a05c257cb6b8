"""Delivery and schedule over HTTP: the delivery log, the scheduled jobs with their runs, and sending now.

The delivery log is cut to the login's stores through each row's alert. The schedule is the server's own (its
config's ``schedule:``); a run's message names the stores it checked, so only a login that may see every store of
the warehouse sees it.
``POST /alerts/send`` is `shoplens alerts send` for the login's stores, under the write lock. Nothing here shows a
channel's address or secret: only its name, the status and the platform's answer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from shoplens.errors import ShoplensError
from shoplens.server.deps import Session, analyst, known_stores, viewer
from shoplens.server.respond import as_json
from shoplens.server.validation import Day

STORE = Query(None, description="store ids (comma-separated or repeated; default: every store of the login)")
RECENT = 5  # runs shown per job
router = APIRouter(tags=["alerts"])


@router.get("/deliveries")
def list_deliveries(alert: int | None = Query(None, ge=1, le=2**62, description="one alert's id"),
                    channel: str | None = Query(None, max_length=200, description="a channel's name"),
                    status: Literal["sent", "failed", "skipped_cooldown"] | None = None,
                    date: Day | None = Query(None, description="the UTC day of the attempt"),
                    limit: int = Query(100, ge=0, le=100_000, description="at most this many rows (0 = all)"),
                    offset: int = Query(0, ge=0, le=10**9, description="rows to skip (paging)"),
                    store: list[str] | None = STORE, s: Session = Depends(viewer)) -> Response:
    """The delivery log of alerts of the login's stores, newest first: channel, alert, time (UTC), status,
    attempts, whether it went in a digest and the platform's answer. ``total`` counts every matching row."""
    from shoplens.warehouse.deliveries_table import find

    stores = s.stores(store)
    with s.reading() as wh:
        rows, total = find(wh.con, stores=stores, alert_id=alert, channel=channel, status=status, day=date,
                           limit=limit or None, offset=offset)
    return as_json({"deliveries": rows, "total": total, "limit": limit, "offset": offset})


def _local(at: datetime, zone: str) -> str:
    from shoplens.analyses.schedule.runner import local_text

    return local_text(at.replace(tzinfo=UTC), zone)


def _run(r: dict[str, Any], zone: str, show: bool) -> dict[str, Any]:
    """One recorded run as JSON: the due time in the job's zone, UTC times, the {en, zh} message when ``show``."""
    utc = {k: r[k].isoformat(timespec="seconds") + "Z" for k in ("started", "finished")}
    return dict(due=_local(r["due"], zone), **utc, status=r["status"],
                message=json.loads(r["message"]) if r["message"] and show else None)


@router.get("/schedule")
def schedule(request: Request, s: Session = Depends(viewer)) -> Response:
    """The config's scheduled jobs: cron, time zone, enabled, the next due time (in the job's zone) and the latest
    runs with their status (the message only for a login that may see every store). ``running``: this server runs them
    (false with `serve --no-schedule`)."""
    from shoplens.server.scheduler import plan
    from shoplens.warehouse.schedule_table import recent_runs

    state = request.app.state.schedule
    with s.reading() as wh:
        runs = recent_runs(wh.con, RECENT)
    everything = set(s.allowed_stores()) == set(known_stores(s.state))
    jobs = []
    for job, row in zip(state["jobs"], plan(state["jobs"]), strict=True):
        row["last_runs"] = [_run(r, job.timezone, everything) for r in runs.get(job.name, [])]
        jobs.append(row)
    return as_json({"running": state["running"], "jobs": jobs})


@router.post("/alerts/send")
def send_alerts(date: Day | None = Query(None, description="only alerts of this local day"),
                store: list[str] | None = STORE, s: Session = Depends(analyst)) -> Response:
    """Send the open alerts of the login's stores not yet delivered to their channels (``notify:`` routes):
    `shoplens alerts send --format json`. Sending again sends nothing new."""
    from shoplens.analyses.notify import alerts_send, load_notify

    notify = load_notify()
    if not notify.channels:
        raise ShoplensError("no delivery channels are configured", where="notify.channels",
                            hint="add channels under notify: in the server's config file (README, Alert delivery)",
                            zh="没有配置推送渠道",
                            zh_hint="在服务器配置文件的 notify: 下添加渠道（参见 README 的“告警推送”一节）")
    stores = s.stores(store)
    with s.locked() as wh:
        result = alerts_send(wh, day=date, store=stores, notify=notify)
    data: dict[str, Any] = result.to_dict()
    return as_json(data)
