"""Forecast benchmark: 1,000 weekly series with the backtest (model selection + 3 reported origins) on 2 cores.

    python bench/forecast_bench.py --series 1000 --jobs 2 --out docs/performance.md

Series: 104 weeks each, half regular (Poisson, mean 3–30 with a yearly wave) and half intermittent (Poisson
mean 0.3), fixed seed. Timed: ``shoplens.analyses.forecast.models.fit_all`` (classification, the rolling-origin
cross-validation of every candidate, the forecast with the chosen method and its 80/95 % intervals), i.e. what
``shoplens forecast --grain week --backtest`` does after reading the units (reading 1,000 SKUs' daily units from
DuckDB takes well under a second and is not included). Target (issue #16): ≤ 60 s. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from metrics_bench import machine
from perfdoc import update_section

SECTION = "Demand forecast: 1,000 weekly series"
TARGET_S = 60.0


def make_series(n: int, weeks: int = 104, seed: int = 16) -> dict[str, pd.Series]:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2010-01-04", periods=weeks, freq="W-MON")
    out = {}
    for i in range(n):
        if i % 2:
            mean = rng.uniform(3, 30) * (1 + 0.3 * np.sin(2 * np.pi * np.arange(weeks) / 52))
        else:
            mean = np.full(weeks, 0.3)
        out[f"S{i:05d}"] = pd.Series(rng.poisson(mean).astype(float), index=index)
    return out


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--horizon", type=int, default=8)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    from shoplens.analyses.forecast.models import fit_all

    series = make_series(args.series)
    t0 = time.perf_counter()
    import statsforecast  # noqa: F401  (import time counted apart)
    t_import = time.perf_counter() - t0
    cpu0 = _cpu()
    t1 = time.perf_counter()
    fits = fit_all(series, "week", args.horizon, jobs=args.jobs)
    seconds = time.perf_counter() - t1
    cpu = _cpu() - cpu0  # this process and its workers: what 2 free cores would spread over ~cpu/jobs seconds
    load = os.getloadavg()[0]
    methods = dict(sorted(Counter(f.method for f in fits.values()).items()))
    e = sum(f.errors["model"][0] for f in fits.values() if f.errors)
    y = sum(f.errors["model"][1] for f in fits.values() if f.errors)
    en = sum(f.errors["naive"][0] for f in fits.values() if f.errors)
    m = machine()
    verdict = "met" if seconds <= TARGET_S else f"missed by {seconds - TARGET_S:.1f} s"
    print(f"{args.series} series, jobs={args.jobs}: {seconds:.1f} s (import {t_import:.1f} s); target {TARGET_S:.0f} s "
          f"{verdict}; CPU {cpu:.1f} s, load average {load:.1f}; methods {methods}; WAPE {e / y:.3f} vs naive "
          f"{en / y:.3f}", file=sys.stderr)
    if args.out:
        body = "\n".join([
            f"`make bench-forecast` (bench/forecast_bench.py): {args.series} synthetic weekly series of 104 weeks "
            "(half regular with a yearly wave, half intermittent), horizon 8, model selection on 4 rolling origins "
            "(1 to choose + 3 reported), then the forecast with the chosen method and its 80/95 % intervals "
            f"(statsforecast, `n_jobs={args.jobs}`).", "",
            f"Machine: {m['cpu']}, {m['nproc']} cores, {m['ram_gib']} GiB RAM ({m['arch']}).", "",
            "| series | jobs | wall s | CPU s (all processes) | load average | target | methods chosen | "
            "backtest WAPE | naive WAPE |",
            "|---:|---:|---:|---:|---:|---|---|---:|---:|",
            f"| {args.series:,} | {args.jobs} | {seconds:.1f} | {cpu:.1f} | {load:.1f} | ≤ {TARGET_S:.0f} s wall: "
            f"{verdict} | "
            + ", ".join(f"{k} {v}" for k, v in methods.items()) + f" | {e / y:.3f} | {en / y:.3f} |", "",
            f"Importing statsforecast takes {t_import:.1f} s more (once per process). Regenerate with "
            "`make bench-forecast`."])
        update_section(args.out, SECTION, body)


if __name__ == "__main__":
    main()
