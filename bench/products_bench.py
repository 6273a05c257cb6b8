"""Product analyses benchmark: ABC + product roles over a store with many SKUs, measured three ways.

    python bench/products_bench.py                                  # 1 M events, 50 k SKUs
    python bench/products_bench.py --events 20M --skus 50000 --out docs/performance.md

The demo generator keeps its catalog small (≤ 5,000 SKUs), so the store is the metrics bench's cached demo store
(``.bench/metrics_<N>.duckdb``) copied to ``.bench/products_<N>_<S>.duckdb`` and widened: every demo SKU gets the
same number of variants (``SKU-v<k>``, at least ``--skus`` SKUs in all) and each order line moves to one of its
SKU's variants by a hash of the order, so the sales keep the demo's long tail over all those SKUs. Events and
inventory keep the demo's SKUs. The issue's target: ABC + roles ≤ 2 s at 50 k SKUs and 20 M events on 2 cores.

1. **Products page**: a real ``shoplens serve`` (started, its warm-up done), the dashboard's two requests
   ``GET /api/v1/products/abc`` and ``/products/roles`` sent at once, as the page does, for a 15-day range nobody
   asked before (each repetition ends a day earlier): the wall time until both answers are in.
2. **Python API, one process**: a fresh interpreter imports shoplens, computes ABC then roles and writes both
   as JSON; interpreter start and imports included.
3. **CLI**: ``shoplens products abc`` and ``shoplens products roles`` as separate cold processes (JSON output);
   each pays the interpreter and library start (about 0.6 s) on its own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from metrics_bench import CACHE, END, ensure_store, machine, parse_scale, scale_label, time_cold
from perfdoc import update_section

SECTION = "Product analyses: ABC and roles"
TARGET_S = 2.0
RANGE_DAYS = 15


def widened(events: int, skus: int, rebuild: bool) -> Path:
    """The demo store of ``events`` with its catalog widened to ``skus`` SKUs (cached)."""
    import duckdb

    path = CACHE / f"products_{scale_label(events)}_{skus}.duckdb"  # at least ``skus``: a multiple of the demo's
    if path.exists() and not rebuild:
        return path
    source, _ = ensure_store(events, 180, rebuild)
    tmp = path.with_name(path.stem + ".building.duckdb")
    shutil.copy(source, tmp)
    con = duckdb.connect(str(tmp))
    n = con.execute("SELECT count(*) FROM products").fetchone()[0]  # type: ignore[index]
    k = max(1, -(-skus // n))  # variants per demo SKU
    cols = [r[0] for r in con.execute("DESCRIBE products").fetchall()]
    pick = ", ".join("p.product_id || '-v' || v.k" if c == "product_id" else f"p.{c}" for c in cols)
    con.execute(f"CREATE TEMP TABLE wide AS SELECT {pick} FROM products p, range({k}) v(k)")
    con.execute("DELETE FROM products")
    con.execute("INSERT INTO products SELECT * FROM wide")
    con.execute(f"UPDATE order_items SET product_id = product_id || '-v' || (hash(order_id) % {k})")
    con.close()
    tmp.rename(path)
    return path


def cli_commands(db: Path) -> dict[str, list[str]]:
    base = [sys.executable, "-m", "shoplens", "--db", str(db)]
    start, end = (END - timedelta(days=RANGE_DAYS - 1)).isoformat(), END.isoformat()
    return {f"products {name}": [*base, "products", name, "--from", start, "--to", end, "--format", "json"]
            for name in ("abc", "roles")}


ONE_PROCESS = """
import json, sys, time
started = time.perf_counter()
from datetime import date
from shoplens.analyses.products.abc import products_abc
from shoplens.analyses.products.roles import product_roles
from shoplens.json_text import json_text
from shoplens.warehouse.connection import Warehouse
import shoplens.metrics.engine, ibis  # what the first query would import
ibis.duckdb
imported = time.perf_counter()
start, end = date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3])
with Warehouse(sys.argv[1], read_only=True) as wh:
    sizes = [len(json_text(f(wh, start=start, end=end).to_dict(), indent=True)) for f in (products_abc, product_roles)]
print(json.dumps({"imports_s": imported - started, "compute_s": time.perf_counter() - imported, "sizes": sizes}))
"""


def one_process(db: Path, reps: int) -> dict[str, Any]:
    """Wall and CPU seconds of fresh processes computing both, and the median split (imports / the rest)."""
    start, end = (END - timedelta(days=RANGE_DAYS - 1)).isoformat(), END.isoformat()
    splits: list[dict[str, Any]] = []
    timed = time_cold([sys.executable, "-c", ONE_PROCESS, str(db), start, end], reps, splits)
    return {**timed, "imports_s": statistics.median(x["imports_s"] for x in splits),
            "compute_s": statistics.median(x["compute_s"] for x in splits)}


def products_page(db: Path, reps: int) -> dict[str, Any]:
    """Wall seconds until the Products page's two answers are in, on a running server, per fresh range."""
    import httpx
    from api_bench import PASSWORD, start_server

    import shoplens
    from shoplens.server.accounts import add_user

    with tempfile.TemporaryDirectory(dir=db.parent) as tmp:
        copy = Path(tmp) / "page.duckdb"
        shutil.copy(db, copy)
        with shoplens.connect(str(copy)) as wh:
            add_user(wh, "bench-admin", PASSWORD, "admin", ["*"])
        proc, url = start_server(copy)
        try:
            token = httpx.post(url + "/api/v1/login", json={"username": "bench-admin", "password": PASSWORD,
                                                           "kind": "api"}, timeout=10).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            walls, parts = [], []
            for rep in range(reps):
                end = END - timedelta(days=rep + 1)  # never asked before: no answer is cached
                params = {"from": (end - timedelta(days=RANGE_DAYS - 1)).isoformat(), "to": end.isoformat()}
                took: dict[str, float] = {}
                failed: list[str] = []

                def get(path: str, params: dict[str, str] = params, took: dict[str, float] = took,
                        failed: list[str] = failed) -> None:
                    t0 = time.perf_counter()
                    answer = httpx.get(url + "/api/v1" + path, params=params, headers=headers, timeout=300)
                    took[path] = time.perf_counter() - t0  # the whole body received (not parsed: the client's part)
                    if answer.status_code != 200 or not answer.content.startswith(b'{"'):
                        failed.append(f"{path}: HTTP {answer.status_code} {answer.text[:300]}")

                threads = [threading.Thread(target=get, args=(p,)) for p in ("/products/abc", "/products/roles")]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                if failed or len(took) != 2:
                    raise SystemExit("; ".join(failed) or "a request failed")
                walls.append(max(took.values()))  # both sent at once: the later one's time
                parts.append(took)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return {"median_s": statistics.median(walls), "min_s": min(walls), "max_s": max(walls), "cpu_s": None,
            "abc_s": statistics.median(p["/products/abc"] for p in parts),
            "roles_s": statistics.median(p["/products/roles"] for p in parts)}


def render(rows: list[dict[str, Any]], facts: dict[str, Any]) -> str:
    lines = [f"`python bench/products_bench.py` on {facts['nproc']} cores ({facts['cpu']}); the demo store widened "
             f"to at least {facts['skus']:,} SKUs (see the script), {RANGE_DAYS}-day ranges, median of "
             f"{facts['reps']} runs. Target: ABC + roles at most {TARGET_S:.0f} s at 50 k SKUs and 20 M events.",
             f"Load average when measured: {facts['load']}.",
             "", "| events | SKUs | what | median | min | max | CPU (user + sys) |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        cpu = f"{r['cpu_s']:.2f} s" if r.get("cpu_s") is not None else "—"
        lines.append(f"| {scale_label(r['events'])} | {r['skus']:,} | {r['what']} | {r['median_s']:.2f} s | "
                     f"{r['min_s']:.2f} s | {r['max_s']:.2f} s | {cpu} |")
    for events in sorted({r["events"] for r in rows}):
        mine = {r["key"]: r for r in rows if r["events"] == events}
        size = "" if events >= 20_000_000 else " (not the target's size)"
        page, one = mine["page"], mine["one"]
        cli = mine["cli abc"]["median_s"] + mine["cli roles"]["median_s"]
        lines += ["", f"{scale_label(events)}{size}:",
                  f"- Products page (both answers, a running server): {page['median_s']:.2f} s "
                  f"({'met' if page['median_s'] <= TARGET_S else 'NOT met'}); abc alone {page['abc_s']:.2f} s, "
                  f"roles {page['roles_s']:.2f} s, answered side by side.",
                  f"- One Python process, start to finish: {one['median_s']:.2f} s "
                  f"({'met' if one['median_s'] <= TARGET_S else 'NOT met'}): {one['imports_s']:.2f} s importing "
                  f"Python and the libraries, {one['compute_s']:.2f} s computing both and writing their JSON.",
                  f"- Two CLI processes: {cli:.2f} s together, each paying the interpreter and library start."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", default="1M", help="comma-separated scales, e.g. 1M,20M")
    ap.add_argument("--skus", type=int, default=50_000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--out", type=Path, help="rewrite this section of the given markdown file")
    args = ap.parse_args()
    rows = []
    for events in (parse_scale(x) for x in args.events.split(",")):
        db = widened(events, args.skus, args.rebuild)
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            skus = con.execute("SELECT count(*) FROM products").fetchone()[0]  # type: ignore[index]
        runs = [("page", "Products page: abc + roles at once (REST, running server)", partial(products_page, db)),
                ("one", "Python API: abc + roles, one fresh process", partial(one_process, db))]
        runs += [(f"cli {name.split()[1]}", f"CLI: `{name}`", partial(time_cold, cmd))
                 for name, cmd in cli_commands(db).items()]
        for key, what, run in runs:
            rows.append({"events": events, "skus": skus, "key": key, "what": what, **run(args.reps)})
            print(f"[bench] {scale_label(events)} {key}: {rows[-1]['median_s']:.2f} s", file=sys.stderr)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    text = render(rows, {**machine(), "reps": args.reps, "skus": args.skus, "load": load})
    print(text)
    if args.out:
        update_section(args.out, SECTION, text)


if __name__ == "__main__":
    main()
