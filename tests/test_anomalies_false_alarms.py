"""False alarms on the demo store are measured and kept low (issue: "state the figure").

The demo is generated without incidents outside 2026-10-25..27 (paid_search's payment collapse), so every
high-severity anomaly elsewhere is a false alarm. Bounds: at most 0.75 per metric per 90 days at store level and
1 per metric and channel per 90 days (README "Anomalies" states the figures: 0.56 and 0.71) — an operator who gets
more than about one page a quarter per number stops reading them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import shoplens

INCIDENT = {"2026-10-25", "2026-10-26", "2026-10-27"}
FROM, TO = date(2026, 7, 1), date(2026, 11, 15)


@pytest.mark.parametrize(("by", "bound"), [(None, 0.75), ("channel", 1.0)])
def test_high_severity_false_alarms_per_90_days(demo_db: Path, by: str | None, bound: float) -> None:
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        answer = shoplens.anomalies(wh, None, by=by, start=FROM, end=TO).to_dict()
    false = [a for a in answer["anomalies"] if a["severity"] == "high" and a["period"] not in INCIDENT]
    judged = answer["checked"]["points"]
    assert judged > (800 if by is None else 4000), answer["checked"]  # most days are judged, not skipped
    rate = len(false) / judged * 90
    assert rate <= bound, (rate, [(a["metric"], a["dims"], a["period"]) for a in false])
    # the promotions are expected spikes: nothing is flagged on 618 or 11.11 themselves
    assert not [a for a in answer["anomalies"] if a["period"] in ("2026-06-18", "2026-11-11")]
