"""Monitoring benchmark: root cause and anomaly detection as a seller runs them, each in a fresh process.

    python bench/monitor_bench.py                          # 1 M events (what `make bench` runs)
    python bench/monitor_bench.py --events 1M,20M --out docs/performance.md

On the deterministic demo store of each scale (the metrics bench's cached ``.bench/metrics_<N>.duckdb``,
``build_demo(events=N, days=180, seed=7)``), the whole CLI process is timed, interpreter start included
("cold": nothing cached, a new process per run, median of ``--reps``):

- ``why gmv --date D --compare wow --by`` the six default dimensions (channel, device, country, category,
  new_vs_returning, member_tier), D three weeks before the end (the demo's incident days);
- ``anomalies`` with its default metrics over the last 30 days (one series per metric, 6 weeks of history);
- ``alerts check --date D`` with every default rule, when the CLI has the command.

The issue's target: ``alerts check`` for one day and ``why gmv --by`` the six dimensions at 20 M events in
at most 3 s cold on 2 cores. Not part of `make test`: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from metrics_bench import END, ensure_store, machine, parse_scale, scale_label, time_cold
from perfdoc import update_section

SECTION = "Monitoring: root cause and anomalies"
DAY = END - timedelta(days=19)
DIMS = "channel,device,country,category,new_vs_returning,member_tier"
TARGET_S = 3.0


def commands(db: Path) -> dict[str, list[str]]:
    base = [sys.executable, "-m", "shoplens", "--db", str(db)]
    out = {
        "why gmv --by 6 dims": [*base, "why", "gmv", "--date", DAY.isoformat(), "--compare", "wow", "--by", DIMS,
                                "--format", "json"],
        "anomalies (8 metrics, 30 days)": [*base, "anomalies", "--from", (END - timedelta(days=29)).isoformat(),
                                           "--to", END.isoformat(), "--format", "json"],
    }
    probe = subprocess.run([*base, "alerts", "--help"], capture_output=True, text=True)
    if probe.returncode == 0:
        out["alerts check (default rules)"] = [*base, "alerts", "check", "--date", DAY.isoformat(), "--format",
                                               "json"]
    return out


def render(rows: list[dict[str, Any]], facts: dict[str, Any]) -> str:
    lines = [f"`python bench/monitor_bench.py` on {facts['nproc']} cores ({facts['cpu']}); whole CLI "
             f"processes, median of {facts['reps']} cold runs. Target: at most {TARGET_S:.0f} s at 20 M events.",
             "", "| events | command | median | min | max | target |", "|---|---|---:|---:|---:|---|"]
    for r in rows:
        verdict = ("met" if r["median_s"] <= TARGET_S else "NOT met") if r["events"] >= 20_000_000 else "—"
        lines.append(f"| {scale_label(r['events'])} | `{r['command']}` | {r['median_s']:.2f} s | {r['min_s']:.2f} s "
                     f"| {r['max_s']:.2f} s | {verdict} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", default="1M", help="comma-separated scales, e.g. 1M,20M")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--out", type=Path, help="rewrite this section of the given markdown file")
    args = ap.parse_args()
    rows = []
    for events in (parse_scale(x) for x in args.events.split(",")):
        db, _ = ensure_store(events, 180, args.rebuild)
        for name, cmd in commands(db).items():
            rows.append({"events": events, "command": name, **time_cold(cmd, args.reps)})
            print(f"[bench] {scale_label(events)} {name}: {rows[-1]['median_s']:.2f} s", file=sys.stderr)
    facts = {**machine(), "reps": args.reps}
    text = render(rows, facts)
    print(text)
    if args.out:
        update_section(args.out, SECTION, text)


if __name__ == "__main__":
    main()
