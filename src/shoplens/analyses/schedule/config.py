"""The ``schedule:`` section of ``shoplens.yaml``: named jobs that `shoplens schedule run` starts at their times.

::

    schedule:
      morning:  {cron: "0 9 * * *", run: alerts, timezone: Asia/Shanghai}   # check, then send
      resend:   {cron: "*/30 * * * *", run: alerts_send}
      weekly:   {cron: "0 8 * * mon", run: alerts_check, enabled: false}

``run`` is ``alerts`` (check the last complete day, then send), ``alerts_check`` or ``alerts_send``. ``timezone``
(an IANA name) is the zone the cron times are read in; without it, UTC. Jobs due at the same time run in the order
written. Every mistake is one line naming the place (``shoplens.yaml: schedule.morning.cron``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from shoplens.analyses.notify.config import check_keys
from shoplens.analyses.schedule.cron import EXAMPLE, Cron, CronError, parse_cron
from shoplens.config import config_path, read_config
from shoplens.errors import ShoplensError, close_hint

RUNS = ("alerts", "alerts_check", "alerts_send")
JOB_KEYS = ("cron", "run", "timezone", "enabled")


@dataclass(frozen=True)
class Job:
    name: str
    cron: Cron
    run: str
    timezone: str = "UTC"
    enabled: bool = True

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def bad(where: str, message: str, zh: str, hint: str | None = None, zh_hint: str | None = None) -> ShoplensError:
    return ShoplensError(message, where=where, hint=hint or "see README, section Schedule",
                         zh=f"配置文件有误：{zh}", zh_hint=zh_hint or "参见 README 的“定时任务”一节")


def _zone(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad(where, f"timezone {value!r} is not an IANA zone name", f"timezone {value!r} 不是 IANA 时区名",
                  "e.g. Asia/Shanghai or UTC", "例如 Asia/Shanghai 或 UTC")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        hint, zh_hint = close_hint(value, sorted(available_timezones()), cutoff=0.5)
        if hint.startswith("known"):
            hint, zh_hint = "e.g. Asia/Shanghai or UTC", "例如 Asia/Shanghai 或 UTC"
        raise bad(where, f"unknown time zone {value!r}", f"未知时区 {value!r}", hint, zh_hint) from None
    return value


def parse_job(name: str, raw: Any, where: str) -> Job:
    if not isinstance(raw, dict):
        raise bad(where, "a job must be a mapping {cron, run, timezone, enabled}",
                  "任务应为键值映射 {cron, run, timezone, enabled}")
    check_keys(raw, JOB_KEYS, where, "a schedule job")
    if "cron" not in raw:
        raise bad(where, "the job needs cron", "任务缺少 cron", f"e.g. cron: {EXAMPLE.split(' (')[0]}")
    try:
        cron = parse_cron(raw["cron"])
    except CronError as exc:
        raise bad(f"{where}.cron", exc.en, exc.zh, f"e.g. {EXAMPLE}",
                  '例如 "*/30 * * * *"（每 30 分钟）或 "0 9 * * mon-fri"（工作日 09:00）') from None
    run = raw.get("run")
    if run not in RUNS:
        hint, zh_hint = close_hint(str(run), RUNS, cutoff=0.5)
        raise bad(f"{where}.run", f"run {run!r} is not one of {', '.join(RUNS)}", f"run {run!r} 无效", hint,
                  zh_hint)
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise bad(f"{where}.enabled", f"enabled must be true or false, not {enabled!r}",
                  f"enabled 应为 true 或 false，而不是 {enabled!r}")
    return Job(name, cron, run, _zone(raw.get("timezone", "UTC"), f"{where}.timezone"), enabled)


def parse_schedule(section: Any, where: str) -> list[Job]:
    if section is None:
        return []
    if not isinstance(section, dict):
        raise bad(where, "the schedule section must map job names to jobs", "schedule 部分应为“任务名: 任务”的映射")
    return [parse_job(str(k), v, f"{where}.{k}") for k, v in section.items()]


def load_schedule(explicit: str | os.PathLike[str] | None = None) -> list[Job]:
    """The jobs of the config file (``--config``, $SHOPLENS_CONFIG, ./shoplens.yaml), in the order written."""
    path: Path | None = config_path(explicit)
    if path is None:
        return []
    data = read_config(path)
    return parse_schedule(data.get("schedule") if isinstance(data, dict) else None, f"{path}: schedule")
