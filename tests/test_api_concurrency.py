"""Reads in parallel, writes one at a time: many clients at once get the same answers as one client alone,
and an upload running beside them neither blocks nor disturbs them (DuckDB cursors, MVCC)."""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from api_server import ApiServer, two_store_db

NOV = {"from": "2026-11-01", "to": "2026-11-03"}
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("/api/v1/metrics", {"metrics": "gmv,uv,conversion_rate", "by": "channel", **NOV}),
    ("/api/v1/funnel", {"steps": "product_view,add_to_cart,purchase", "window": "1d", **NOV}),
    ("/api/v1/retention", {"cohort_event": "purchase", "first_time": "true"}),
    ("/api/v1/rfm", {}),
    ("/api/v1/paths", {"start": "product_view", "depth": 2, "top": 3, **NOV}),
]


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    srv = ApiServer(two_store_db(demo_db, tmp_path_factory.mktemp("concurrency")))
    yield srv
    srv.stop()


def test_parallel_reads_equal_serial_reads_while_an_upload_runs(server: ApiServer, tmp_path: Path) -> None:
    with server.client("ana") as ana:
        serial = [ana.get(path, params=params).json() for path, params in REQUESTS]
    upload = tmp_path / "more_events.csv"
    with upload.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["event_id", "ts", "user_id", "event", "channel"])
        writer.writerows([(f"n{i}", "2026-11-02T08:00:00Z", f"nx{i}", "product_view", "email") for i in range(2000)])

    def read(i: int) -> tuple[int, Any]:
        path, params = REQUESTS[i % len(REQUESTS)]
        with server.client("ana") as c:
            r = c.get(path, params=params)
            return r.status_code, r.json()

    def write() -> int:
        with server.client("root") as root, upload.open("rb") as fh:
            r = root.post("/api/v1/imports", files={"file": ("more_events.csv", fh, "text/csv")},
                          data={"table": "events", "store": "other", "timezone": "UTC", "currency": "USD"})
            return r.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        upload_done = pool.submit(write)
        answers = list(pool.map(read, range(20)))
    assert upload_done.result() == 200
    for i, (status, body) in enumerate(answers):
        assert status == 200, body
        assert body == serial[i % len(REQUESTS)]  # ana's store (demo) did not change; nothing mixed up
    with server.client("olga") as olga:  # the upload landed in its own store
        uv = olga.get("/api/v1/metrics", params={"metrics": "uv", "from": "2026-11-02", "to": "2026-11-02"}).json()
    assert uv["rows"][0]["uv"] == 1 + 2000  # ox2 viewed on Nov 2, plus the 2,000 uploaded visitors


def test_timeline_texts_follow_each_requests_language(server: ApiServer) -> None:
    """The language is per request (a context variable): parallel zh and en requests never mix."""
    import re

    def description(lang: str) -> str:
        with server.client("olga") as c:
            body = c.get("/api/v1/users/ox1/timeline", params={"lang": lang, "kinds": "event"}).json()
            return " ".join(item["description"] for item in body["timeline"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(description, ["zh", "en"] * 6))
    zh, en = answers[0::2], answers[1::2]
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in zh)  # 商品浏览, 加购, 购买 …
    assert not any(re.search(r"[\u4e00-\u9fff]", text) for text in en)
    assert len(set(zh)) == 1 and len(set(en)) == 1
