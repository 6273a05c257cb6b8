"""Every fired alert carries its root cause: the ``why`` answer for the alert's metric, store and day.

The reference follows the rule: a day-over-day rule is explained against the previous day, a yoy rule against
a year earlier, everything else against the same weekday a week earlier (what "unusual for a Monday" means), a
rule against the mean of 4 weeks (uv_value_drop) too: ``why --compare baseline`` reads four reference days per
dimension instead of one, which would put a check over its time budget (3 s at 20 M events), and is one command
away for the operator who wants it.
An alert of one slice (a rule scoped to a channel, or fanned out over channels) is explained within that slice.
Alerts of one check that ask the same question (several rules on GMV that day) share the engine's queries: their
answers run at the same time, and the engine computes a query once for everyone who asks for it.
A metric ``why`` cannot explain (an unknown reference, no data a week earlier) gets ``{"error": {en, zh}}``
instead of an answer, so the alert itself is never lost.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shoplens.errors import ShoplensError

COMPARE = {"previous_day": "previous", "yoy": "yoy"}  # a change rule's baseline -> why's --compare


def why_root_cause(wh: Any, alert: dict[str, Any]) -> Any:
    """The ``why`` JSON of ``alert`` (the issue's alert JSON: metric, store, period, kind, baseline)."""
    from shoplens.analyses.why import why

    compare = COMPARE.get(str(alert.get("baseline") or ""), "wow")
    where = {k: v for k, v in (alert.get("dims") or {}).items() if v is not None}  # a fanned-out or scoped alert
    try:
        answer: Any = why(wh, alert["metric"], day=date.fromisoformat(alert["period"]), compare=compare,
                          store=alert["store"], where=where or None).to_dict()
    except ShoplensError as exc:
        answer = {"error": {"en": exc.render("en"), "zh": exc.render("zh")}}
    return answer
