"""A small warehouse for the collector tests: stores ``shop`` (UTC) and ``other`` (Asia/Shanghai), no events,
an admin login ``root`` (tests/api_server.PASSWORD), and a config file with low collector limits.

``make_shop(tmp)`` -> (warehouse path, config path). Write keys are made by the tests themselves (CLI or REST).
"""

from __future__ import annotations

from pathlib import Path

import shoplens
from csv_files import write_csv
from shoplens.ingest.pipeline import import_files
from shoplens.server.accounts import add_user

LIMITS = {"collect_rate": 2, "collect_burst": 40, "collect_max_events": 50, "collect_max_body_bytes": 16384,
          "collect_flush_seconds": 0.3, "collect_country_header": "X-Country"}
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"


def make_shop(tmp: Path, limits: dict[str, object] | None = None) -> tuple[Path, Path]:
    from api_server import PASSWORD

    db = tmp / "collect.duckdb"
    with shoplens.connect(str(db)) as wh:
        for store, zone in (("shop", "UTC"), ("other", "Asia/Shanghai")):
            stores = write_csv(tmp / f"{store}_stores.csv", "store_id,name,reporting_currency,timezone",
                               [(store, store.title(), "USD", zone)])
            import_files(wh, [stores], table="stores", store=store, currency="USD", timezone=zone)
        add_user(wh, "root", PASSWORD, "admin", ["*"])
    config = tmp / "collect.yaml"
    lines = ["server:"] + [f"  {k}: {v}" for k, v in (LIMITS if limits is None else limits).items()]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return db, config
