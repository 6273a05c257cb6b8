"""A brute-force funnel in plain Python, written from the documented semantics (not from the SQL).

Events of a user are taken in the documented total order: time, then the lowest step the event can
fill, then the event id. For every possible first-step event it tries the attempt and keeps:

- ordered: from a fixed start the greedy choice (the earliest matching event after the previous
  step, in that order) reaches the furthest step, within ``t_k - t_1 <= window``;
- strict: the steps must be consecutive events of the user (any event breaks the chain);
- unordered: from each step event, the distinct steps done in ``[t, t + window]`` (a step listed
  twice needs two events); times = first event of each distinct step done, in time order (so a
  repeated step adds to the level but not to the times).

The user's result is the attempt with the furthest level, then the latest start, then the earliest
end; it gives the level and the step times the engine reports.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Ev:
    user: str
    ts: float  # seconds (any origin)
    event: str
    eid: str
    props: tuple[tuple[str, str], ...] = ()


Step = tuple[str, tuple[tuple[str, str], ...]]  # (event, ((key, value), ...))


def matches(ev: Ev, step: Step) -> bool:
    name, conds = step
    props = dict(ev.props)
    return ev.event == name and all(props.get(k) == v for k, v in conds)


def _ordered_events(events: list[Ev], steps: list[Step]) -> list[Ev]:
    def lowest(ev: Ev) -> int:
        return next((i for i, s in enumerate(steps) if matches(ev, s)), len(steps))

    return sorted(events, key=lambda e: (e.ts, lowest(e), e.eid))


def user_result(events: list[Ev], steps: list[Step], window: float, mode: str,
                start_ok=lambda e: True) -> tuple[int, list[float]]:
    """(level, step times) of one user's best attempt; (0, []) when no step-1 event qualifies."""
    seq = _ordered_events(events, steps)
    if mode == "strict" or mode == "ordered":
        best: tuple[int, float, float] | None = None
        best_times: list[float] = []
        for i, first in enumerate(seq):
            if not matches(first, steps[0]) or not start_ok(first):
                continue
            times, pos = [first.ts], i
            if mode == "ordered":
                for step in steps[1:]:
                    nxt = next((j for j in range(pos + 1, len(seq)) if matches(seq[j], step)
                                and seq[j].ts - first.ts <= window), None)
                    if nxt is None:
                        break
                    times.append(seq[nxt].ts)
                    pos = nxt
            else:
                for step in steps[1:]:
                    j = pos + 1
                    if j < len(seq) and matches(seq[j], step) and seq[j].ts - first.ts <= window:
                        times.append(seq[j].ts)
                        pos = j
                    else:
                        break
            key = (len(times), first.ts, -times[-1])
            if best is None or key > best:
                best, best_times = key, times
        return (best[0], best_times) if best else (0, [])
    # unordered
    groups = Counter(steps)
    best_u: tuple[int, float] | None = None
    best_times = []
    for first in seq:
        if not any(matches(first, s) for s in steps) or not start_ok(first):
            continue
        inside = [e for e in seq if first.ts <= e.ts <= first.ts + window]
        level, firsts = 0, []
        for step, need in groups.items():
            hits = [e.ts for e in inside if matches(e, step)]
            level += min(len(hits), need)
            if hits:
                firsts.append(min(hits))
        key = (level, first.ts)
        if best_u is None or key > best_u:
            best_u, best_times = key, sorted(firsts)[:level]
    return (best_u[0], best_times) if best_u else (0, [])


def funnel_reference(events: list[Ev], steps: list[Step], window: float, mode: str,
                     start_ok=lambda e: True) -> dict:
    """Counts per step, median/avg seconds from the previous step, and each user's level."""
    by_user: dict[str, list[Ev]] = defaultdict(list)
    for e in events:
        by_user[e.user].append(e)
    levels, deltas = {}, defaultdict(list)
    for user, evs in by_user.items():
        level, times = user_result(evs, steps, window, mode, start_ok)
        if level:
            levels[user] = level
            for k in range(1, min(level, len(times))):  # unordered: one time per distinct step
                deltas[k + 1].append(times[k] - times[k - 1])
    counts = [sum(1 for v in levels.values() if v >= k) for k in range(1, len(steps) + 1)]
    med = {k: statistics.median(v) for k, v in deltas.items()}
    avg = {k: statistics.fmean(v) for k, v in deltas.items()}
    return {"counts": counts, "median": med, "avg": avg, "levels": levels}
