"""Load test of the event collector: N events/s for S seconds from several threads on loopback, then the count.

    python bench/collect_load.py --rate 2000 --seconds 30 --threads 8 [--batch 50] [--json]

It builds a fresh warehouse (one store, one write key) in a temporary folder, starts ``shoplens collect`` on a free
port, sends batches of unique events at the rate asked (each batch a real HTTP POST), re-sends 1 % of the batches
(they must be answered as duplicates), stops the server (the events still waiting are flushed) and counts the
events in the warehouse: the count must equal the events sent, with no event id twice. Exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import duckdb
import httpx

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _shoplens(db: Path, *args: str, env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout


def run(rate: float, seconds: float, threads: int, batch: int, folder: Path) -> dict[str, object]:
    env = {**os.environ, "COLUMNS": "200"}
    db = folder / "load.duckdb"
    stores = folder / "stores.csv"
    stores.write_text("store_id,name,reporting_currency,timezone\nload,Load,USD,UTC\n", encoding="utf-8")
    _shoplens(db, "import", "stores", str(stores), "--store", "load", "--currency", "USD", "--timezone", "UTC", env=env)
    key = json.loads(_shoplens(db, "collect", "keys", "create", "--store", "load", "--origin", "http://127.0.0.1",
                               "-f", "json", env=env))["key"]
    config = folder / "load.yaml"  # the load may use more than the default bucket
    config.write_text(f"server:\n  collect_rate: {max(5000, rate * 2)}\n  collect_burst: {max(10000, int(rate * 4))}\n",
                      encoding="utf-8")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "shoplens", "--db", str(db), "collect", "--port", str(port)],
                              env={**env, "SHOPLENS_CONFIG": str(config)}, stdout=subprocess.DEVNULL,
                              stderr=(folder / "server.err").open("w"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit("the collector did not start: " + (folder / "server.err").read_text())
        time.sleep(0.2)
    per_thread = rate / threads
    total_batches = int(rate * seconds / batch)
    counts = {"sent": 0, "accepted": 0, "duplicates": 0, "resent": 0, "resent_duplicates": 0, "errors": 0, "batches": 0}
    lock = threading.Lock()
    latencies: list[float] = []

    def worker(index: int) -> None:
        client = httpx.Client(base_url=url, headers={"User-Agent": UA, "Content-Type": "text/plain"}, timeout=30)
        start = time.monotonic()
        mine = total_batches // threads + (1 if index < total_batches % threads else 0)
        for n in range(mine):
            due = start + n * batch / per_thread
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            events = [{"event_id": uuid.uuid4().hex, "event": "page_view", "user_id": f"u{index}-{n % 97}",
                       "session_id": f"s{index}-{n // 20}", "page_type": "home"} for _ in range(batch)]
            body = json.dumps({"write_key": key, "events": events})
            t0 = time.monotonic()
            r = client.post("/collect", content=body)
            took = time.monotonic() - t0
            resend = n % 100 == 7  # 1 %: the same batch again (a client retrying): nothing new may be written
            again = client.post("/collect", content=body).json() if resend and r.status_code == 200 else None
            with lock:
                latencies.append(took)
                counts["batches"] += 1
                if r.status_code != 200:
                    counts["errors"] += 1
                    continue
                answer = r.json()
                counts["sent"] += batch
                counts["accepted"] += answer["accepted"]
                counts["duplicates"] += answer["duplicates"]
                if again is not None:
                    counts["resent"] += batch
                    counts["resent_duplicates"] += again["duplicates"]
                    counts["accepted"] += again["accepted"]
        client.close()

    began = time.monotonic()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - began
    server.terminate()  # SIGTERM: the waiting events are flushed before the warehouse closes
    server.wait(timeout=120)
    con = duckdb.connect(str(db), read_only=True)
    stored, distinct = con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone()
    imports = con.execute("SELECT count(*) FROM import_manifest WHERE file LIKE '%collect-load-%'").fetchone()[0]
    con.close()
    latencies.sort()
    result = {**counts, "seconds": round(elapsed, 2), "rate_asked": rate,
              "rate_sent": round(counts["sent"] / elapsed, 1), "stored": stored, "distinct_ids": distinct,
              "flush_imports": imports,
              "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
              "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1) if latencies else None}
    result["ok"] = (counts["errors"] == 0 and stored == distinct == counts["sent"] == counts["accepted"]
                    and counts["duplicates"] == 0 and counts["resent_duplicates"] == counts["resent"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=2000.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--batch", type=int, default=50, help="events per request")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shoplens-collect-load-") as tmp:
        result = run(args.rate, args.seconds, args.threads, args.batch, Path(tmp))
    if args.json:
        print(json.dumps(result))
    else:
        for name, value in result.items():
            print(f"{name:>18}: {value}")
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
