"""`shoplens schedule run|list`: the jobs of ``schedule:`` in shoplens.yaml, run in the foreground."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from shoplens.cli.alerts_cmd import ConfigOpt
from shoplens.cli.output import Shape, console, print_json, rich_table
from shoplens.errors import ShoplensError
from shoplens.i18n import lang, register_labels, t

HELP = """Scheduled jobs (schedule: in shoplens.yaml): alert checks and deliveries at cron times. 定时任务。

Examples / 示例:\n
  shoplens schedule list\n
  shoplens schedule run\n
  shoplens schedule run --once --now 2026-10-28T09:00+08:00

Missed runs after a restart run once (for the latest missed time), not once per missed time.
重启后错过的运行只补跑一次（按最近一次错过的时间）。
"""

schedule_app = typer.Typer(help=HELP, no_args_is_help=True)
ShapeOpt = Annotated[Shape, typer.Option("--format", help="table|json / 输出格式")]

register_labels({
    "sc_title": ("定时任务", "Scheduled jobs"),
    "sc_job": ("任务", "Job"),
    "sc_cron": ("定时规则（cron）", "Cron"),
    "sc_zone": ("时区", "Time zone"),
    "sc_run": ("执行", "Runs"),
    "sc_next": ("下次运行", "Next due"),
    "sc_last": ("上次运行", "Last run"),
    "sc_off": ("（已停用）", "(disabled)"),
    "sc_ok": ("成功", "ok"),
    "sc_failed": ("失败", "failed"),
    "sc_none": ("没有配置定时任务", "no scheduled jobs are configured"),
    "sc_nothing": ("没有到期的任务", "no job is due"),
    "sc_line": ("任务 {job}（{run}，计划 {due}）：{status}：{message}",
                "job {job} ({run}, due {due}): {status}: {message}"),
    "sc_waiting": ("定时任务已启动：{jobs} 个任务，下次运行 {next}（Ctrl-C 停止）",
                   "scheduler started: {jobs} jobs, next due {next} (Ctrl-C stops it)"),
})


def register(app: typer.Typer) -> None:
    app.add_typer(schedule_app, name="schedule")


def _jobs(config: str | None) -> list[Any]:
    from shoplens.analyses.schedule import load_schedule

    jobs = load_schedule(config)
    if not jobs:
        raise ShoplensError(t("sc_none"), where=f"{config or 'shoplens.yaml'}: schedule",
                            hint="add jobs under schedule: (README, Schedule)", zh="没有配置定时任务",
                            zh_hint="在 schedule: 下添加任务（参见 README 的“定时任务”一节）")
    return jobs


def _now(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ShoplensError(f"{text!r} is not a date and time", where="--now", hint="e.g. 2026-10-28T09:00+08:00 "
                            "(without an offset: UTC)", zh=f"{text!r} 不是日期时间",
                            zh_hint="例如 2026-10-28T09:00+08:00（不带时差则为 UTC）") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _open() -> Any:
    from shoplens.cli.alerts_cmd import _open as open_wh

    return open_wh(False)


def _line(run: Any) -> None:
    data = run.to_dict()
    line = t("sc_line").format(job=data["job"], run=data["run"], due=data["due"], status=t("sc_" + data["status"]),
                               message=(data["message"] or {}).get(lang(), ""))
    console.print(line, highlight=False, markup=False, soft_wrap=True)


@schedule_app.command("run")
def run_command(once: Annotated[bool, typer.Option("--once", help="Run what is due (or missed) now and exit / "
                                                   "只运行当前到期（或错过）的任务后退出")] = False,
                now: Annotated[str | None, typer.Option("--now", metavar="ISO", help="With --once: the time to run "
                                                        "as (default: the clock) / 指定当前时间")] = None,
                config: ConfigOpt = None, fmt: ShapeOpt = Shape.table) -> None:
    """Run the jobs at their times in the foreground (Ctrl-C stops). 在前台按时运行定时任务。"""
    from shoplens.analyses.schedule import next_due, run_due, run_forever

    jobs = _jobs(config)
    at = _now(now)
    if at is not None and not once:
        raise ShoplensError("--now goes with --once", where="--now", hint="add --once", zh="--now 需与 --once 同用",
                            zh_hint="加上 --once")
    if once:
        at = at or datetime.now(UTC)
        runs = list(run_due(_open, jobs, config, since=at, now=at))
        if fmt is Shape.json:
            print_json({"runs": [r.to_dict() for r in runs]})
        else:
            for run in runs:
                _line(run)
            if not runs:
                console.print(t("sc_nothing"))
        if any(r.status == "failed" for r in runs):
            raise typer.Exit(1)
        return
    wake = next_due(jobs, datetime.now(UTC))
    shown = wake.astimezone().isoformat(timespec="minutes") if wake else "-"
    console.print(t("sc_waiting").format(jobs=sum(j.enabled for j in jobs), next=shown), highlight=False)
    run_forever(_open, jobs, config, _line,
                lambda exc: typer.echo(f"{t('error')}: {exc.render(lang())}", err=True))


@schedule_app.command("list")
def list_command(config: ConfigOpt = None, fmt: ShapeOpt = Shape.table) -> None:
    """The jobs, their next due time and last run. 查看定时任务、下次运行时间与上次运行。"""
    from shoplens.analyses.schedule import last_runs, next_due
    from shoplens.analyses.schedule.runner import local_text
    from shoplens.cli.alerts_cmd import _open as open_wh

    jobs = _jobs(config)
    with open_wh(True) as wh:
        last = last_runs(wh)
    now = datetime.now(UTC)
    rows = []
    for j in jobs:
        nxt = next_due([j], now)
        run = last.get(j.name)
        rows.append({"job": j.name, "cron": j.cron.text, "timezone": j.timezone, "run": j.run, "enabled": j.enabled,
                     "next_due": local_text(nxt, j.timezone) if nxt and j.enabled else None,
                     "last_run": None if run is None else {
                         "due": local_text(run["due"].replace(tzinfo=UTC), j.timezone), "status": run["status"],
                         "finished": run["finished"].isoformat(timespec="seconds") + "Z", "message": run["message"]}})
    if fmt is Shape.json:
        print_json({"jobs": rows})
        return
    table = [[r["job"], r["cron"], r["timezone"], r["run"], r["next_due"] or t("sc_off"),
              "" if r["last_run"] is None else f"{r['last_run']['due']} {t('sc_' + r['last_run']['status'])}"]
             for r in rows]
    console.print(rich_table(t("sc_title"), [t("sc_job"), t("sc_cron"), t("sc_zone"), t("sc_run"), t("sc_next"),
                                             t("sc_last")], table))
