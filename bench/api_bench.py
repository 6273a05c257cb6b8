"""API load benchmark: concurrent users on the overview and funnel endpoints of a real `shoplens serve`.

    python bench/api_bench.py                                  # 1 M events (what `make bench` runs)
    python bench/api_bench.py --events 10M --out docs/performance.md

The store is the deterministic demo store of ``metrics_bench.py`` (``.bench/metrics_<N>.duckdb``),
copied to a temp file (the server writes logins and tokens into it). The server runs as a child
process on loopback; ``--users`` threads each log in and then alternate two requests, the way a
dashboard page does:

- overview: ``GET /api/v1/metrics`` with the 8 headline KPIs of the last 30 days, compare=previous,
  once as totals and once per day (the overview page's two requests);
- funnel: ``GET /api/v1/funnel`` product_view → add_to_cart → purchase, 14-day window, the last 30
  days (the conversion page's default funnel).

Load starts once ``GET /api/v1/server`` says the server is warm (it computes the landing pages of new data in
the background, :mod:`shoplens.server.warmup`): the steady state of a running server. Two workloads:
*same page* (every user the landing range) and *own range* (each user 30 days of their own, so no
answer is shared and every request computes).

The run is bounded: ``--requests`` in all or ``--seconds``, whichever comes first. Latency is
measured per request in the client (p50/p95/max per endpoint) and every non-200 answer counts as
an error. Target of issue #5: p95 ≤ 300 ms with zero errors at 20 users over 10 M events.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from metrics_bench import END, code_version, ensure_store, machine, parse_scale, scale_label
from perfdoc import update_section

from shoplens.server.cache import HEAVY_SLOTS
from shoplens.server.warmup import DEFAULT_FUNNEL, OVERVIEW_KPIS

SECTION = "REST API under load"
PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def warm(url: str) -> bool:
    """Whether the server has computed the landing pages (``GET /api/v1/server`` as the bench's admin)."""
    import httpx

    token = httpx.post(url + "/api/v1/login", json={"username": "bench-admin", "password": PASSWORD, "kind": "api"},
                       timeout=10).json()["token"]
    status = httpx.get(url + "/api/v1/server", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return bool(status.json()["warm"])


def start_server(db: Path) -> tuple[subprocess.Popen[str], str]:
    import httpx

    port = free_port()
    env = {**os.environ, "SHOPLENS_SECRET_KEY": "bench-secret-key-" + "x" * 32}
    proc = subprocess.Popen([sys.executable, "-m", "shoplens", "--db", str(db), "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200 and warm(url):
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("server did not start")


def run_load(url: str, users: int, max_requests: int, max_seconds: float,
             vary: bool) -> dict[str, list[float] | int]:
    import httpx

    def requests_of(user: int) -> list[tuple[str, str, dict[str, str]]]:
        shift = timedelta(days=user if vary else 0)  # vary: each user its own 30 days (no shared answers)
        start, end = (END - timedelta(days=29) - shift).isoformat(), (END - shift).isoformat()
        overview = {"metrics": OVERVIEW_KPIS, "store": "demo", "from": start, "to": end, "compare": "previous"}
        return [("overview", "/api/v1/metrics", overview),
                ("overview", "/api/v1/metrics", {**overview, "grain": "day"}),
                ("funnel", "/api/v1/funnel", {**DEFAULT_FUNNEL, "store": "demo", "from": start, "to": end})]

    latencies: dict[str, list[float]] = {"overview": [], "funnel": []}
    errors = [0]
    issued = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + max_seconds

    def user(i: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as client:
            token = client.post("/api/v1/login", json={"username": f"u{i}", "password": PASSWORD,
                                                       "kind": "api"}).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"
            n = i
            while time.monotonic() < stop_at:
                with lock:
                    if issued[0] >= max_requests:
                        return
                    issued[0] += 1
                name, path, params = requests_of(i)[n % 3]
                n += 1
                t0 = time.perf_counter()
                try:
                    ok = client.get(path, params=params).status_code == 200
                except httpx.HTTPError:
                    ok = False
                seconds = time.perf_counter() - t0
                with lock:
                    latencies[name].append(seconds)
                    errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return {**latencies, "errors": errors[0]}


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``q`` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def bench(events: int, users: int, max_requests: int, max_seconds: float, vary: bool) -> dict[str, Any]:
    import shoplens
    from shoplens.server.accounts import add_user

    source, _ = ensure_store(events, 180, False)
    with tempfile.TemporaryDirectory(dir=source.parent) as tmp:
        db = Path(tmp) / "api.duckdb"
        shutil.copy(source, db)
        with shoplens.connect(str(db)) as wh:
            for i in range(users):
                add_user(wh, f"u{i}", PASSWORD, "viewer", ["*"])
            add_user(wh, "bench-admin", PASSWORD, "admin", ["*"])
        proc, url = start_server(db)
        try:
            t0 = time.perf_counter()
            result = run_load(url, users, max_requests, max_seconds, vary)
            wall = time.perf_counter() - t0
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    row: dict[str, Any] = {"scale": scale_label(events), "users": users, "wall_s": wall, "errors": result["errors"],
                           "vary": vary}
    for name in ("overview", "funnel"):
        values = result[name]
        assert isinstance(values, list)
        row[name] = {"n": len(values), "p50_ms": 1000 * statistics.median(values) if values else None,
                     "p95_ms": 1000 * pct(values, 0.95) if values else None,
                     "max_ms": 1000 * max(values) if values else None}
    every = [v for name in ("overview", "funnel") for v in result[name]]  # type: ignore[union-attr]
    row["all"] = {"n": len(every), "p50_ms": 1000 * statistics.median(every), "p95_ms": 1000 * pct(every, 0.95)}
    return row


def render(rows: list[dict[str, Any]], facts: dict[str, Any]) -> str:
    def ms(value: float | None) -> str:
        return "—" if value is None else f"{value:,.0f}"

    first = rows[0]
    lines = [f"Measured {facts['measured']} on {facts['cpu']} (nproc {facts['nproc']}) with `python bench/api_bench.py "
             f"--events {first['scale']} --users {first['users']}`: a real `shoplens serve` on loopback over the "
             f"{first['scale']}-event demo store, {first['users']} concurrent users (no think time) cycling through "
             "the dashboard's first requests: the overview's 8 KPIs over 30 days compared with the previous period "
             "(totals, then daily rows) and the conversion page's default funnel (3 steps, 14-day window). Load starts "
             "once `GET /api/v1/server` says the server is warm (it computes the landing pages of new data in the "
             "background). "
             "*Same page*: every user opens the landing range, what a team opening the dashboard does. *Own range*: "
             "each user a different 30 days, so each user's first three requests compute (60 computations, at most "
             f"{HEAVY_SLOTS} at a time, the rest queued) and repeats are answered from the cache.", "",
             "| workload | endpoint | requests | p50 (ms) | p95 (ms) | max (ms) | errors |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        label = "own range" if row["vary"] else "same page"
        for name in ("overview", "funnel"):
            r = row[name]
            lines.append(f"| {label} | {name} | {r['n']} | {ms(r['p50_ms'])} | {ms(r['p95_ms'])} | {ms(r['max_ms'])} |"
                         f" {row['errors'] if name == 'overview' else ''} |")
        lines.append(f"| {label} | all | {row['all']['n']} | {ms(row['all']['p50_ms'])} | {ms(row['all']['p95_ms'])}"
                     " | | |")
    for row in rows:
        met = row["all"]["p95_ms"] <= 300 and row["errors"] == 0
        label = "own range" if row["vary"] else "same page"
        lines.append("")
        lines.append(f"Target (p95 ≤ 300 ms, zero errors, 20 users, 10 M events), {label}: "
                     f"{'met' if met else '**not met**'} at {row['scale']} events (wall time {row['wall_s']:.1f} s).")
    lines += ["", "Same page is what a team does and is answered from memory: the server computed the landing pages "
              "before the load began. Own range is the worst case, every user a range nobody asked before: those "
              "requests wait for the engines (a 30-day funnel over 10 M events takes about a second alone, and 60 of "
              "them share two cores), which a faster funnel engine would shorten (see the funnel benchmark above); "
              "the server's part is the queue that lets the first ones finish early."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", default="1M")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="at most this many requests in all")
    parser.add_argument("--seconds", type=float, default=120, help="at most this long")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = [bench(parse_scale(args.events), args.users, args.requests, args.seconds, vary) for vary in (False, True)]
    facts = {**machine(), "measured": f"{time.strftime('%Y-%m-%d')} @ {code_version()}"}
    text = render(rows, facts)
    row = rows
    print(json.dumps(row, indent=1), file=sys.stderr)
    print(text)
    if args.out:
        update_section(args.out, SECTION, text)


if __name__ == "__main__":
    main()
