"""Which jobs are due, running them, and the foreground loop of `shoplens schedule run`.

A job is due when its latest scheduled time at or before now is later than the latest due time it has a run for
(``schedule_runs``): after a restart a job that missed one or many times runs once, for the latest missed time,
and then follows its cron. A job that never ran is not caught up: it first runs at its first scheduled time after
the scheduler started (or in the minute it started). A run checks and sends as of now — the last complete day of
each store now — so one run covers what the missed ones would have sent. A failed run counts as done for its due
time (the next due time tries again; unsent alerts are sent by the next send anyway). Each job runs through the
same functions and transactions as its command; the warehouse is opened per wake-up, not held while sleeping.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shoplens.analyses.schedule.config import REPORT_RUNS, Job
from shoplens.errors import ShoplensError
from shoplens.interrupts import pause_point
from shoplens.warehouse import schedule_table as S

OpenWarehouse = Callable[[], AbstractContextManager[Any]]


@dataclass
class Run:
    job: Job
    due: datetime  # aware UTC
    status: str = "ok"  # ok | failed
    message: dict[str, str] | None = None  # {en, zh}

    def to_dict(self) -> dict[str, Any]:
        return {"job": self.job.name, "run": self.job.run, "due": local_text(self.due, self.job.timezone),
                "status": self.status, "message": self.message}


def local_text(at: datetime, zone: str) -> str:
    """``2026-10-28T09:00+08:00``: an instant in the job's zone, to the minute."""
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(zone)).isoformat(timespec="minutes")


def _utc(naive: datetime) -> datetime:
    return naive.replace(tzinfo=UTC)


def due_now(jobs: list[Job], now: datetime, last: dict[str, datetime], since: datetime) -> list[tuple[Job, datetime]]:
    """(job, due instant) for every enabled job due at ``now``, in the order written. ``last``: each job's latest
    run (naive UTC); ``since``: when the scheduler started (a job without a run is due only after it)."""
    out = []
    for job in jobs:
        if not job.enabled:
            continue
        latest = job.cron.latest_at(now, job.zone)
        floor = _utc(last[job.name]) if job.name in last else since - timedelta(minutes=1)
        if latest is not None and latest > floor:
            out.append((job, latest))
    return out


def next_due(jobs: list[Job], now: datetime) -> datetime | None:
    """The earliest scheduled instant after ``now`` over the enabled jobs."""
    times = [t for j in jobs if j.enabled and (t := j.cron.next_after(now, j.zone)) is not None]
    return min(times) if times else None


def _error(exc: Exception) -> dict[str, str]:
    if isinstance(exc, ShoplensError):
        return {"en": exc.render("en"), "zh": exc.render("zh")}
    text = f"{exc.__class__.__name__}: {exc}"
    return {"en": text, "zh": text}


def run_job(wh: Any, job: Job, now: datetime, config: str | os.PathLike[str] | None) -> Run:
    """Run one job as of ``now`` (aware): what it checked, fired and sent, or the error line. Never raises an
    error of the job (an interrupt still stops it)."""
    from shoplens.analyses.alerts import alerts_check
    from shoplens.analyses.notify import alerts_send, load_notify

    en: list[str] = []
    zh: list[str] = []
    try:
        if job.run in ("alerts", "alerts_check"):
            c = alerts_check(wh, config=config, now=now).checked
            days = ", ".join(f"{s} {d}" for s, d in c["days"].items())
            en.append(f"checked {c['rules']} rules ({days}): {c['fired']} fired, {c['new']} new")
            zh.append(f"检查了 {c['rules']} 条规则（{days}）：触发 {c['fired']} 条，新增 {c['new']}")
        if job.run in ("alerts", "alerts_send"):
            notify = load_notify(config)
            if not notify.channels:
                raise ShoplensError("no delivery channels are configured", where="notify.channels",
                                    hint="add channels under notify: (README, Alert delivery)",
                                    zh="没有配置推送渠道",
                                    zh_hint="在 notify: 下添加渠道（参见 README 的“告警推送”一节）")
            result = alerts_send(wh, config=config, notify=notify, now=now.astimezone(UTC).replace(tzinfo=None))
            n = result.to_dict()["counts"]
            en.append(f"sent {n['sent']}, skipped (cooldown) {n['skipped_cooldown']}, failed {n['failed']}")
            zh.append(f"已发送 {n['sent']}，冷却期内跳过 {n['skipped_cooldown']}，失败 {n['failed']}")
            for channel, answer in result.failed.items():
                where = result.channels[channel]
                en.append(f"channel {channel} ({where}) failed: {answer}")
                zh.append(f"渠道 {channel}（{where}）发送失败：{answer}")
            if result.failed:
                return Run(job, now, "failed", {"en": "; ".join(en), "zh": "；".join(zh)})
        if job.run in REPORT_RUNS and not _send_reports(wh, job, now, config, en, zh):
            return Run(job, now, "failed", {"en": "; ".join(en), "zh": "；".join(zh)})
    except Exception as exc:  # a job's failure is recorded; the others still run
        err = _error(exc)
        return Run(job, now, "failed", {"en": "; ".join([*en, err["en"]]), "zh": "；".join([*zh, err["zh"]])})
    return Run(job, now, "ok", {"en": "; ".join(en), "zh": "；".join(zh)})


def _build(run: str, wh: Any, store: str, now: datetime, config: str | os.PathLike[str] | None) -> Any:
    """The report a job sends: the store's last complete day (brief) or ISO week (review) as of ``now``, with the
    targets and rules of the schedule's own config file."""
    if run == "review":
        from shoplens.analyses.review import review

        return review(wh, store=store, now=now, config=config)
    from shoplens.analyses.brief import brief

    return brief(wh, store=store, now=now, config=config)


def _send_reports(wh: Any, job: Job, now: datetime, config: str | os.PathLike[str] | None, en: list[str],
                  zh: list[str]) -> bool:
    """Each store's report of its last complete period as of ``now``, to the job's channels: whether all went."""
    from shoplens.analyses.notify import load_notify
    from shoplens.analyses.notify.reports import period_of, send_report
    from shoplens.warehouse.stores import list_stores

    notify = load_notify(config)
    at = now.astimezone(UTC).replace(tzinfo=None)
    ok = True
    for store in list_stores(wh.con):
        try:
            report = _build(job.run, wh, store.store_id, now, config)
        except ShoplensError as exc:  # e.g. a store without data yet: say so, the other stores still get theirs
            en.append(f"{job.run} {store.store_id}: {exc.render('en')}")
            zh.append(f"{job.run} {store.store_id}：{exc.render('zh')}")
            ok = False
            continue
        result = send_report(wh, report, list(job.channels), notify, lang=job.lang, now=at)
        n = result.to_dict()["counts"]
        what = f"{job.run} {store.store_id} {period_of(report)}"
        en.append(f"{what}: sent {n['sent']}, already sent {n['already_sent']}, failed {n['failed']}")
        zh.append(f"{what}：已发送 {n['sent']}，此前已发送 {n['already_sent']}，失败 {n['failed']}")
        for channel, answer in result.failed.items():
            en.append(f"channel {channel} ({result.channels[channel]}) failed: {answer}")
            zh.append(f"渠道 {channel}（{result.channels[channel]}）发送失败：{answer}")
        ok = ok and not result.failed
    return ok


def _clock() -> datetime:
    return datetime.now(UTC)


def run_due(open_wh: OpenWarehouse, jobs: list[Job], config: str | os.PathLike[str] | None, *, since: datetime,
            now: datetime | None = None, clock: Callable[[], datetime] = _clock) -> Iterator[Run]:
    """Run every job due at ``now`` (default: the clock) one after the other, each recorded when it ends."""
    with open_wh() as wh:
        at = now or clock()
        for job, due in due_now(jobs, at, S.last_due(wh.con), since):
            started = now or clock()
            run = run_job(wh, job, started, config)
            run.due = due
            finished = now or clock()
            S.record(wh.con, job.name, due.replace(tzinfo=None), started.astimezone(UTC).replace(tzinfo=None),
                     finished.astimezone(UTC).replace(tzinfo=None), run.status, json.dumps(run.message,
                                                                                          ensure_ascii=False))
            yield run


def run_forever(open_wh: OpenWarehouse, jobs: list[Job], config: str | os.PathLike[str] | None,
                report: Callable[[Run], None], on_error: Callable[[ShoplensError], None], *,
                clock: Callable[[], datetime] = _clock, sleep: Callable[[float], None] = time.sleep) -> None:
    """Wake at each due time and run what is due, until a signal stops the process. A warehouse that cannot be
    opened (locked by an import) is reported and tried again at the next due time."""
    since = clock()
    while True:
        try:
            for run in run_due(open_wh, jobs, config, since=since, clock=clock):
                report(run)
        except ShoplensError as exc:
            on_error(exc)
        wake = next_due(jobs, clock())
        if wake is None:
            return
        pause_point("schedule_wait")
        while (left := (wake - clock()).total_seconds()) > 0:
            sleep(min(left, 60.0))


def last_runs(wh: Any) -> dict[str, dict[str, Any]]:
    """Each job's latest run, the message as {en, zh}."""
    out = S.last_runs(wh.con)
    for row in out.values():
        row["message"] = json.loads(row["message"]) if row["message"] else None
    return out
