"""SQL of the three funnel modes: one row per user with the furthest level and that attempt's step times.

Output of every builder: the user columns, ``level`` (0..n steps reached), ``t1`` .. ``tN`` (epoch
microseconds of each reached step of the chosen attempt, NULL beyond ``level``) and ``d`` (the
breakdown value of the first step's event, when asked).

Events are taken in one total order per user: time, then the lowest step the event can fill, then a
hash of its id. So at equal timestamps the earlier step's event comes first ("same timestamp
counts"), and each event has one place in the order.

**ordered** — a dynamic programme over levels. ``L_k`` holds, for every event that can be step k of
some attempt, the latest possible start of such an attempt (keeping the latest start is optimal: it
leaves the most window for the remaining steps). ``L_{k+1}`` comes from one window pass over only the
``L_k`` rows and the step-(k+1) events: the latest start among earlier ``L_k`` rows, kept if the
event is within the window of it (the window includes its end). An event matching two steps is a
``to`` row just before its own ``from`` row, so it never fills both. Passes run over shrinking row
sets (for a shop funnel most rows are step 1 and 2), which is what keeps a 20 M-event funnel fast.
The chosen attempt of a user is the one reaching their furthest level with the latest start; its
step k time is the earliest level-k event of that attempt.

**strict** — the user's events of any kind (not only the steps, and also those ``--where`` leaves out
of the steps) in order; a chain of k steps is k consecutive events, one window pass of ``lag`` values
decides every chain.

**unordered** — from each step event, count the distinct steps done within the window after it
(``RANGE`` frame); a step listed twice needs two events. Times are those of the first event of each
step done in that window, in time order. Distinct steps that one event could match both (``purchase``
and ``purchase[channel=x]``) are refused in this mode (``overlapping_steps``): counting per step would
let that event fill two steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from shoplens.analyses.filters import Step


@dataclass(frozen=True)
class FunnelSql:
    """Inputs of the builders: ``events`` is a SELECT aliased ``e`` in the callers' conditions."""

    events: str  # behaviour events covering the range plus the window after it
    steps: tuple[Step, ...]
    window_us: int
    users: str  # user columns, e.g. "user_id" or "store_id, user_id"
    in_range: str  # condition on e: a first step must happen in the requested dates
    dim: str | None = None  # SQL of the breakdown value on e
    where: str = "TRUE"  # --where conditions on e: which events may fill a step (all events stay in strict mode)

    @property
    def n(self) -> int:
        return len(self.steps)

    def step_sql(self, step: Step) -> str:
        return f"({step.sql('e')} AND {self.where})"

    def flags(self) -> str:
        out = []
        for j, step in enumerate(self.steps, 1):
            cond = self.step_sql(step) + (f" AND {self.in_range}" if j == 1 else "")
            out.append(f"coalesce({cond}, FALSE) AS f{j}")
        return ", ".join(out)

    def lowest_step(self) -> str:
        whens = " ".join(f"WHEN f{j} THEN {j}" for j in range(1, self.n + 1))
        return f"CASE {whens} ELSE {self.n + 1} END"

    def base(self, all_events: bool, extra: str = "") -> str:
        """Events with step flags; only step events unless ``all_events`` (strict mode)."""
        dim = f", {self.dim} AS d" if self.dim else ""
        any_step = " OR ".join(self.step_sql(s) for s in self.steps)
        keep = "" if all_events else f" WHERE {any_step}"
        return (f"SELECT {self.users}, epoch_us(e.ts) AS t, hash(e.event_id) AS h, {self.flags()}{extra}{dim}"
                f" FROM ({self.events}) e{keep}")


def _u(users: str, alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in users.split(","))


def _on(users: str, a: str, b: str) -> str:
    return " AND ".join(f"{a}.{c.strip()} = {b}.{c.strip()}" for c in users.split(","))


def ordered(q: FunnelSql) -> str:
    u, n, w = q.users, q.n, q.window_us
    # base and L1 are cheap scans, re-read where used; the level tables are kept (each is read twice)
    ctes = [f"base AS NOT MATERIALIZED (SELECT *, {q.lowest_step()} AS m FROM ({q.base(False)}))",
            f"L1 AS NOT MATERIALIZED (SELECT {u}, t, h, m, t AS s FROM base WHERE f1)"]
    frame = f"PARTITION BY {u} ORDER BY t, m, h, r ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
    for k in range(1, n):
        ctes.append(
            f"L{k + 1} AS MATERIALIZED (SELECT {u}, t, h, m, p AS s FROM ("
            f"SELECT {u}, t, h, m, r, max(CASE WHEN r = 1 THEN s END) OVER ({frame}) AS p FROM ("
            f"SELECT {u}, t, h, m, s, 1 AS r FROM L{k} UNION ALL "
            f"SELECT {u}, t, h, m, NULL, 0 FROM base WHERE f{k + 1})) WHERE r = 0 AND t - p <= {w})")
    levels = " UNION ALL ".join(f"SELECT {u}, {k} AS k, s FROM (SELECT {u}, max(s) AS s FROM L{k} GROUP BY {u})"
                                for k in range(1, n + 1))
    ctes.append(f"best AS MATERIALIZED (SELECT {u}, max(k) AS level, arg_max(s, k) AS t1 FROM ({levels})"
                f" GROUP BY {u})")
    later = " UNION ALL ".join(f"SELECT {u}, {k} AS k, s, t FROM L{k}" for k in range(2, n + 1))
    pivot = ", ".join(f"min(x.t) FILTER (WHERE x.k = {k}) AS t{k}" for k in range(2, n + 1))
    times = (f"SELECT {_u(u, 'x')}, {pivot} FROM ({later}) x JOIN best b ON {_on(u, 'x', 'b')}"
             f" AND x.s = b.t1 AND x.k <= b.level GROUP BY ALL") if n > 1 else None
    cols = ", ".join(f"tt.t{k}" for k in range(2, n + 1))
    sql = f"SELECT {_u(u, 'b')}, b.level, b.t1{', ' + cols if cols else ''}"
    sql += f" FROM best b LEFT JOIN ({times}) tt ON {_on(u, 'b', 'tt')}" if times else " FROM best b"
    return _compose(q, ctes, sql)


def strict(q: FunnelSql) -> str:
    u, n, w = q.users, q.n, q.window_us
    mask = " + ".join(f"CASE WHEN f{j} THEN {1 << (j - 1)} ELSE 0 END" for j in range(1, n + 1))
    order = f"PARTITION BY {u} ORDER BY t, m, h"
    lags = ", ".join(f"lag(mask, {i}) OVER ({order}) AS m{i}, lag(t, {i}) OVER ({order}) AS t_{i}"
                     for i in range(1, n))
    lagged = f"SELECT {u}, t, mask{', ' + lags if lags else ''} FROM base"

    def chain(k: int) -> str:  # row = step k; lag i = step k - i
        parts = [f"(coalesce({'mask' if i == 0 else f'm{i}'}, 0) & {1 << (k - i - 1)}) <> 0" for i in range(k)]
        start = "t" if k == 1 else f"t_{k - 1}"
        return " AND ".join([*parts, f"t - {start} <= {w}"])

    level = "CASE " + " ".join(f"WHEN {chain(k)} THEN {k}" for k in range(n, 0, -1)) + " ELSE 0 END"
    times = ", ".join(f"CASE WHEN level >= {j} THEN {_lag_t(j, n)} END" for j in range(1, n + 1))
    ctes = [f"base AS NOT MATERIALIZED (SELECT *, {q.lowest_step()} AS m, {mask} AS mask FROM ({q.base(True)}))",
            f"chains AS (SELECT {u}, level, [{times}] AS ts FROM (SELECT *, {level} AS level FROM ({lagged}))"
            f" WHERE level > 0)"]
    pick = (f"SELECT {u}, max(level) AS level, arg_max(ts, [level, ts[1], -list_max(ts)]) AS ts FROM chains"
            f" GROUP BY {u}")
    cols = ", ".join(f"ts[{j}] AS t{j}" for j in range(1, n + 1))
    return _compose(q, ctes, f"SELECT {u}, level, {cols} FROM ({pick})")


def _lag_t(j: int, n: int) -> str:
    """Time of step j of a chain ending at this row with ``level`` steps: lag (level - j)."""
    return f"CASE level - {j} " + " ".join(
        f"WHEN {i} THEN {'t' if i == 0 else f't_{i}'}" for i in range(0, n)) + " END"


def unordered(q: FunnelSql) -> str:
    u, w = q.users, q.window_us
    groups: dict[Step, list[int]] = {}
    for j, step in enumerate(q.steps, 1):
        groups.setdefault(step, []).append(j)
    frame = f"PARTITION BY {u} ORDER BY t RANGE BETWEEN CURRENT ROW AND {w} FOLLOWING"
    counts, firsts, done = [], [], []
    for g, (_step, js) in enumerate(groups.items()):
        j = js[0]
        counts.append(f"count(*) FILTER (WHERE g{j}) OVER ({frame}) AS c{g}")
        firsts.append(f"min(t) FILTER (WHERE g{j}) OVER ({frame}) AS ft{g}")
        done.append(f"least(c{g}, {len(js)})")
    gflags = "".join(f", coalesce({q.step_sql(s)}, FALSE) AS g{js[0]}" for s, js in groups.items())
    base = q.base(False, f"{gflags}, coalesce({q.in_range}, FALSE) AS start_ok")
    windows = f"SELECT {u}, t, start_ok, {', '.join(counts)}, {', '.join(firsts)} FROM base"
    times = f"list_sort(list_filter([{', '.join(f'ft{g}' for g in range(len(groups)))}], x -> x IS NOT NULL))"
    ctes = [f"base AS NOT MATERIALIZED ({base})",
            f"starts AS (SELECT {u}, {' + '.join(done)} AS level, t, {times} AS ts FROM ({windows})"
            f" WHERE start_ok)"]
    pick = f"SELECT {u}, max(level) AS level, arg_max(ts, [level, t]) AS ts FROM starts GROUP BY {u}"
    cols = ", ".join(f"CASE WHEN level >= {j} THEN ts[{j}] END AS t{j}" for j in range(1, q.n + 1))
    return _compose(q, ctes, f"SELECT {u}, level, {cols} FROM ({pick})", first="start_ok")


def _compose(q: FunnelSql, ctes: list[str], final: str, first: str = "f1") -> str:
    """WITH ... SELECT; with a breakdown, ``d`` = the value of the first-step event at ``t1`` (lowest on a tie)."""
    if not q.dim:
        return "WITH " + ", ".join(ctes) + " " + final
    u = q.users
    dims = f"SELECT {u}, t, min(d) AS d FROM base WHERE {first} GROUP BY {u}, t"
    ctes = [*ctes, f"funnel_users AS ({final})", f"first_dims AS ({dims})"]
    return ("WITH " + ", ".join(ctes) + " SELECT fu.*, fd.d FROM funnel_users fu"
            f" LEFT JOIN first_dims fd ON {_on(u, 'fu', 'fd')} AND fd.t = fu.t1")


BUILDERS = {"ordered": ordered, "strict": strict, "unordered": unordered}


def _disjoint(a: Step, b: Step) -> bool:
    """True when no event can match both steps (decided from their conditions alone)."""
    if a.event != b.event:
        return True
    for ca in a.conditions:
        for cb in b.conditions:
            if ca.key != cb.key:
                continue
            va, vb = set(ca.values), set(cb.values)
            if (not ca.negate and not cb.negate and not va & vb) or (not ca.negate and cb.negate and va <= vb) \
                    or (ca.negate and not cb.negate and vb <= va):
                return True
    return False


def overlapping_steps(steps: tuple[Step, ...]) -> tuple[Step, Step] | None:
    """Two different steps one event could match both (a problem for the unordered mode), or None."""
    distinct = list(dict.fromkeys(steps))
    for i, a in enumerate(distinct):
        for b in distinct[i + 1:]:
            if not _disjoint(a, b):
                return a, b
    return None
