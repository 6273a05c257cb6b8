"""``alerts_send``: every open alert not yet delivered to the channels its routes name, and ``notify_test``.

Per channel and run: alerts already ``sent`` (or ``skipped_cooldown``) there are left alone, so sending again is a
no-op; an alert whose rule + scope (metric, store, dimension values; not the day) went out on that channel within
the cooldown is logged ``skipped_cooldown``; the rest go as one message each, or as one digest when there are more
than ``digest_over``. A channel that fails logs ``failed`` for its alerts and the run goes on with the others; those
alerts are tried again next run. The newest day goes first, so the cooldown keeps the freshest alert of a scope.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shoplens.analyses.notify.config import NotifyConfig, load_notify
from shoplens.analyses.notify.send import Outcome, deliver
from shoplens.errors import NotFoundError, close_hint
from shoplens.params import check_day
from shoplens.warehouse import alerts_table as A
from shoplens.warehouse import deliveries_table as D


@dataclass
class SendResult:
    """``to_dict()`` is the JSON of ``shoplens alerts send --format json``."""

    deliveries: list[dict[str, Any]] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # channel -> the platform's answer
    channels: dict[str, str] = field(default_factory=dict)  # channel -> where it goes (no secrets)

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(1 for d in self.deliveries if d["status"] == s) for s in ("sent", "failed",
                                                                                     "skipped_cooldown")}
        return {"deliveries": self.deliveries, "failed": [{"channel": c, "answer": a} for c, a in self.failed.items()],
                "counts": counts}


def scope_key(alert: dict[str, Any]) -> str:
    """The rule + scope of an alert without its day: what the cooldown compares."""
    return (f"{alert['rule']}|{alert.get('metric')}|{alert['store']}|"
            f"{json.dumps(alert.get('dims') or {}, sort_keys=True, ensure_ascii=False)}")


def rule_names(config: str | os.PathLike[str] | None) -> dict[str, dict[str, str]]:
    """Each rule's display name {en, zh} (shipped and configured); a rule without one shows its id."""
    from shoplens.analyses.alerts import load_rules

    return {r.id: r.name for r in load_rules(config) if r.name}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def alerts_send(wh: Any, *, day: date | None = None, store: str | list[str] | None = None,
                config: str | os.PathLike[str] | None = None, notify: NotifyConfig | None = None,
                names: dict[str, dict[str, str]] | None = None, now: datetime | None = None,
                sleep: Callable[[float], None] = time.sleep) -> SendResult:
    """Deliver what has not been delivered; the log rows of one channel are written when that channel is done."""
    from shoplens.analyses.alerts.check import _all
    from shoplens.warehouse.scope import pick_stores

    day = check_day(day, "--date")
    notify = notify or load_notify(config)
    names = rule_names(config) if names is None else names
    stores = None if store is None else [s.store_id for s in pick_stores(_all(wh), store)]
    alerts = A.list_alerts(wh.con, status="open", start=day, end=day, stores=stores)
    done = D.done_pairs(wh.con)
    result = SendResult(channels={n: c.shown() for n, c in notify.channels.items()})
    queue: dict[str, list[dict[str, Any]]] = {}
    for a in alerts:  # newest day first
        for name in notify.channels_for(a):
            if (name, a["id"]) not in done:
                queue.setdefault(name, []).append(a)
    for name, todo in queue.items():
        channel, at = notify.channels[name], now or _now()
        rows, fresh, seen = [], [], set()
        for a in todo:
            key = scope_key(a)
            last = D.last_sent(wh.con, name, key)
            if key in seen or (last is not None and at - last < timedelta(seconds=notify.cooldown)):
                rows.append((name, a["id"], key, at, "skipped_cooldown", 0, False, None))
            else:
                seen.add(key)
                fresh.append(a)
        digest = len(fresh) > notify.digest_over
        batches = [fresh] if digest else [[a] for a in fresh]
        for batch in batches:
            if not batch:
                continue
            out: Outcome = deliver(channel, batch, names, retries=notify.retries, backoff=notify.backoff, sleep=sleep)
            if not out.ok:
                result.failed.setdefault(name, out.answer)
            status = "sent" if out.ok else "failed"
            rows += [(name, a["id"], scope_key(a), at, status, out.attempts, digest, out.answer) for a in batch]
        D.log(wh.con, rows)
        result.deliveries += [{"channel": r[0], "alert_id": r[1], "status": r[4], "attempts": r[5], "digest": r[6],
                               "answer": r[7]} for r in rows]
    return result


def notify_test(channel_name: str, config: str | os.PathLike[str] | None = None,
                notify: NotifyConfig | None = None, sleep: Callable[[float], None] = time.sleep) -> tuple[str, Outcome]:
    """Send a test message to one channel: (where it went, the outcome with the platform's answer)."""
    notify = notify or load_notify(config)
    channel = notify.channels.get(channel_name)
    if channel is None:
        hint, zh_hint = close_hint(channel_name, list(notify.channels), cutoff=0.5) if notify.channels else (
            "add it under notify.channels in shoplens.yaml", "在 shoplens.yaml 的 notify.channels 下添加")
        raise NotFoundError(f"no channel {channel_name!r}", where="CHANNEL", hint=hint,
                            zh=f"没有名为 {channel_name!r} 的渠道", zh_hint=zh_hint)
    return channel.shown(), deliver(channel, [], {}, retries=notify.retries, backoff=notify.backoff, test=True,
                                    sleep=sleep)
