"""Plain-SQL pieces the tests use to recount the demo store independently, and the `why` JSON of a warehouse file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shoplens

# the demo store is Asia/Shanghai (UTC+8 all year, no daylight saving): its local day is UTC + 8 h
LOCAL = "CAST(({ts}) + INTERVAL 8 HOUR AS DATE)"
PAID = "(paid_ts IS NOT NULL OR status IN ('paid', 'shipped', 'delivered'))"  # docs/metrics.md: a paid order


def why_json(db: Path, metric: str = "gmv", **kw: Any) -> dict[str, Any]:
    with shoplens.connect(str(db), read_only=True) as wh:
        return shoplens.why(wh, metric, **kw).to_dict()
