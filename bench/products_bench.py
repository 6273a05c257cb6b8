"""Product analyses benchmark: `shoplens products abc` (and `products roles` when the CLI has it) as whole cold
CLI processes over a store with many SKUs.

    python bench/products_bench.py                                  # 1 M events, 50 k SKUs
    python bench/products_bench.py --events 20M --skus 50000 --out docs/performance.md

The demo generator keeps its catalog small (≤ 5,000 SKUs), so the store is the metrics bench's cached demo store
(``.bench/metrics_<N>.duckdb``) copied to ``.bench/products_<N>_<S>.duckdb`` and widened: every demo SKU gets the
same number of variants (``SKU-v<k>``, at least ``--skus`` SKUs in all) and each order line moves to one of its
SKU's variants by a hash of the order, so the sales keep the demo's long tail over all those SKUs. Events and
inventory keep the demo's SKUs. Timed: the whole process, interpreter start included, median of ``--reps``.
The issue's target: ABC + roles ≤ 2 s at 50 k SKUs and 20 M events on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from metrics_bench import CACHE, END, ensure_store, machine, parse_scale, scale_label, time_cold
from perfdoc import update_section

SECTION = "Product analyses: ABC and roles"
TARGET_S = 2.0


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


def commands(db: Path) -> dict[str, list[str]]:
    base = [sys.executable, "-m", "shoplens", "--db", str(db)]
    start = END.replace(day=1).isoformat()
    out = {"products abc": [*base, "products", "abc", "--from", start, "--to", END.isoformat(), "--format", "json"]}
    probe = subprocess.run([*base, "products", "--help"], capture_output=True, text=True)
    if " roles " in probe.stdout or "│ roles" in probe.stdout:
        out["products roles"] = [*base, "products", "roles", "--from", start, "--to", END.isoformat(), "--format",
                                 "json"]
    return out


def render(rows: list[dict[str, Any]], facts: dict[str, Any]) -> str:
    lines = [f"`python bench/products_bench.py` on {facts['nproc']} cores ({facts['cpu']}); the demo store widened "
             f"to at least {facts['skus']:,} SKUs (see the script); whole CLI processes, median of {facts['reps']} "
             "cold runs. "
             f"Target: ABC + roles at most {TARGET_S:.0f} s at 50 k SKUs and 20 M events.",
             f"Load average when measured: {facts['load']}.",
             "", "| events | SKUs | command | median | min | max | CPU (user + sys) |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {scale_label(r['events'])} | {r['skus']:,} | `{r['command']}` | {r['median_s']:.2f} s | "
                     f"{r['min_s']:.2f} s | {r['max_s']:.2f} s | {r['cpu_s']:.2f} s |")
    for events in sorted({r["events"] for r in rows}):
        total = sum(r["median_s"] for r in rows if r["events"] == events)
        verdict = ("met" if total <= TARGET_S else "NOT met") if events >= 20_000_000 else "not the target's size"
        names = " + ".join(r["command"] for r in rows if r["events"] == events)
        lines.append(f"\n{scale_label(events)}: {names} = {total:.2f} s ({verdict}).")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", default="1M", help="comma-separated scales, e.g. 1M,20M")
    ap.add_argument("--skus", type=int, default=50_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--out", type=Path, help="rewrite this section of the given markdown file")
    args = ap.parse_args()
    rows = []
    for events in (parse_scale(x) for x in args.events.split(",")):
        db = widened(events, args.skus, args.rebuild)
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            skus = con.execute("SELECT count(*) FROM products").fetchone()[0]  # type: ignore[index]
        for name, cmd in commands(db).items():
            rows.append({"events": events, "skus": skus, "command": name, **time_cold(cmd, args.reps)})
            print(f"[bench] {scale_label(events)} {name}: {rows[-1]['median_s']:.2f} s", file=sys.stderr)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    text = render(rows, {**machine(), "reps": args.reps, "skus": args.skus, "load": load})
    print(text)
    if args.out:
        update_section(args.out, SECTION, text)


if __name__ == "__main__":
    main()
