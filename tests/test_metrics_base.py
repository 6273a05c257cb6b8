"""A rate's `base` (catalog.yaml): the count metric of its denominator, its sample size on the dashboard.

The loader refuses a base that is not a count or not exactly the denominator; the answers below are read off the
formulas by hand (conversion_rate = buyers / visitors, so its cases are the visitors, uv).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shoplens.metrics.spec import CatalogError, catalog_rows, load_catalog, parse_catalog

REPO = Path(__file__).resolve().parents[1]


def _raw() -> dict:
    return yaml.safe_load((REPO / "src/shoplens/metrics/catalog.yaml").read_text(encoding="utf-8"))


def _entry(data: dict, mid: str) -> dict:
    return next(m for m in data["metrics"] if m["id"] == mid)


def test_bases_name_the_denominators() -> None:
    catalog = load_catalog()
    bases = {m.id: m.base for m in catalog.metrics.values() if m.base}
    # by hand from the formulas: x / visitors -> uv, / session_count -> sessions, / paid_orders -> orders,
    # / buyers -> paying_buyers, / shipment_count -> parcels, / promised_deliveries -> promised_parcels
    assert bases["conversion_rate"] == "uv"
    assert bases["bounce_rate"] == "sessions"
    assert bases["aov"] == "orders"
    assert bases["repeat_purchase_rate"] == "paying_buyers"
    assert bases["lost_parcel_rate"] == "parcels"
    assert bases["on_time_delivery_rate"] == "promised_parcels"
    assert bases["avg_delivery_days"] == "delivered_parcels"
    for mid, base in bases.items():
        assert catalog.metrics[base].unit == "count", mid
    # a count or an amount has no base (it is its own sample)
    assert catalog.metrics["gmv"].base is None and catalog.metrics["uv"].base is None


@pytest.mark.parametrize("mid, base, message", [
    ("conversion_rate", "gmv", "must be a count metric"),  # gmv is currency
    ("conversion_rate", "orders", "must be a count metric whose formula is the denominator"),  # wrong count
    ("conversion_rate", "nope", "not a catalog metric"),
    ("gmv", "uv", "denominator \\(None\\)"),  # not a ratio
])
def test_a_wrong_base_is_refused(mid: str, base: str, message: str) -> None:
    data = _raw()
    _entry(data, mid)["base"] = base
    with pytest.raises(CatalogError, match=message):
        parse_catalog(data)


def test_the_catalog_rows_give_the_base() -> None:
    """GET /api/v1/metrics/catalog and `metrics list --format json` answer catalog_rows."""
    rows = {m["id"]: m for m in catalog_rows(load_catalog())}
    assert rows["on_time_delivery_rate"]["base"] == "promised_parcels"
    assert rows["gmv"]["base"] is None
