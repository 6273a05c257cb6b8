"""The ``schedule:`` section of ``shoplens.yaml``: named jobs that `shoplens schedule run` starts at their times.

::

    schedule:
      morning:  {cron: "0 9 * * *", run: alerts, timezone: Asia/Shanghai}   # check, then send
      resend:   {cron: "*/30 * * * *", run: alerts_send}
      weekly:   {cron: "0 8 * * mon", run: alerts_check, enabled: false}
      brief:    {cron: "0 9 * * *", run: brief, timezone: Asia/Shanghai, channels: [ops, mail], lang: zh}
      review:   {cron: "0 10 * * mon", run: review, timezone: Asia/Shanghai, channels: [mail]}

``run`` is ``alerts`` (check the last complete day, then send), ``alerts_check``, ``alerts_send``, ``brief`` (each
store's daily brief of its last complete day) or ``review`` (each store's weekly review of its last complete ISO
week); a report job sends to ``channels`` of ``notify:``, in ``lang`` or each channel's own language, and a report
already sent to a channel is not sent again. ``timezone``
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

RUNS = ("alerts", "alerts_check", "alerts_send", "brief", "review")
REPORT_RUNS = ("brief", "review")  # jobs that send a report: they take channels and lang
JOB_KEYS = ("cron", "run", "timezone", "enabled", "channels", "lang")


@dataclass(frozen=True)
class Job:
    name: str
    cron: Cron
    run: str
    timezone: str = "UTC"
    enabled: bool = True
    channels: tuple[str, ...] = ()  # report jobs: where the report goes
    lang: str | None = None  # report jobs: None = each channel's language

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


def _report_options(raw: dict[str, Any], run: str, where: str,
                    known: list[str] | None) -> tuple[tuple[str, ...], str | None]:
    """``channels`` (required, names of notify.channels when ``known`` is given) and ``lang`` of a report job."""
    if run not in REPORT_RUNS:
        for key in ("channels", "lang"):
            if key in raw:
                raise bad(f"{where}.{key}", f"{key} is only for run: {' | '.join(REPORT_RUNS)}",
                          f"{key} 只用于 run: {' | '.join(REPORT_RUNS)}")
        return (), None
    value = raw.get("channels")
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise bad(f"{where}.channels", f"a {run} job needs channels: a list of notify channel names",
                  f"{run} 任务需要 channels：notify 渠道名列表", "e.g. channels: [ops, mail]",
                  "例如 channels: [ops, mail]")
    for i, channel in enumerate(value):
        if known is not None and channel not in known:
            hint, zh_hint = close_hint(channel, known, cutoff=0.5) if known else (
                "add it under notify.channels", "在 notify.channels 下添加")
            raise bad(f"{where}.channels[{i}]", f"unknown channel {channel!r}", f"未知渠道 {channel!r}", hint, zh_hint)
    lang = raw.get("lang")
    if lang is not None and lang not in ("zh", "en"):
        raise bad(f"{where}.lang", f"lang {lang!r} is not zh or en", f"lang {lang!r} 应为 zh 或 en")
    return tuple(dict.fromkeys(value)), lang


def parse_job(name: str, raw: Any, where: str, channels: list[str] | None = None) -> Job:
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
    picked, lang = _report_options(raw, run, where, channels)
    return Job(name, cron, run, _zone(raw.get("timezone", "UTC"), f"{where}.timezone"), enabled, picked, lang)


def parse_schedule(section: Any, where: str, channels: list[str] | None = None) -> list[Job]:
    """``channels``: the names of notify.channels, to check report jobs against (None: not checked)."""
    if section is None:
        return []
    if not isinstance(section, dict):
        raise bad(where, "the schedule section must map job names to jobs", "schedule 部分应为“任务名: 任务”的映射")
    return [parse_job(str(k), v, f"{where}.{k}", channels) for k, v in section.items()]


def load_schedule(explicit: str | os.PathLike[str] | None = None) -> list[Job]:
    """The jobs of the config file (``--config``, $SHOPLENS_CONFIG, ./shoplens.yaml), in the order written."""
    path: Path | None = config_path(explicit)
    if path is None:
        return []
    data = read_config(path)
    if not isinstance(data, dict):
        return parse_schedule(None, f"{path}: schedule")
    notify = data.get("notify")
    found = notify.get("channels") if isinstance(notify, dict) else None
    names = [str(k) for k in found] if isinstance(found, dict) else []
    return parse_schedule(data.get("schedule"), f"{path}: schedule", names)
