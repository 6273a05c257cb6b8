"""``clean_rows`` (the fast JSON cleaning of 50 k per-SKU rows) gives exactly what ``clean`` gives, value and type,
for every kind of cell a result row holds."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np

from shoplens.analyses.result import clean, clean_rows


def test_clean_rows_equals_clean_cell_by_cell() -> None:
    rows = [{"s": "a", "i": 3, "b": True, "n": None, "f": 1 / 3, "nan": math.nan, "inf": math.inf, "ninf": -math.inf,
             "d": date(2026, 3, 2), "dt": datetime(2026, 3, 2, 1, 30), "np": np.float64(2 / 3), "ni": np.int64(7),
             "nested": {"x": 0.1 + 0.2, "y": [math.nan, 1.25, "z"]}, "roles": ["hero", "new"], 4: "int key"},
            {"s": "", "i": 0, "f": -0.0, "big": 1e300, "tiny": 1e-12}]
    got, want = clean_rows(rows), clean(rows)
    assert got == want
    for g, w in zip(got, want, strict=True):
        assert list(g) == list(w)
        assert [type(v) for v in g.values()] == [type(v) for v in w.values()]
    assert got[0]["f"] == round(1 / 3, 10) and got[0]["nan"] is None and got[0]["d"] == "2026-03-02"
