"""User paths: what people do after (or before) an anchor event within a visit, Sankey-ready.

``shoplens paths --start E`` / ``--end E`` follows the convention of GA4 path exploration,
Mixpanel Flows and PostHog paths; the choices that decide the numbers:

- **Sessions** are ``session_id`` when the event has one, else a 30-minute inactivity gap per user
  (a gap of 30 minutes or more starts a new visit), like the metrics engine's sessions
  (``metrics/sources.py``). A session belongs to one store and one user: a session id carried by
  two user ids counts once per user. Sessions are cut from ALL the user's events, before
  ``--where`` / ``--events`` drop any, so a filter never splits or joins a visit. ``--from/--to``
  select sessions whose first event falls on those local dates; events are read with a one-day
  margin, so a visit running past midnight after ``--to`` keeps its tail (a visit longer than a
  day is cut at that margin).
- **Order** within a session: ``ts``, ties broken by ``event_id`` (deterministic, not meaningful).
- **Which events are steps**: those matching ``--where`` and, with ``--events``, of the listed
  types (the anchor is always kept); the others are skipped. ``--collapse-repeats`` then merges
  consecutive identical events (``product_view`` x3 -> one step). ``--segment`` keeps its users
  (all their events).
- **Anchor**: forward (``--start``) from the FIRST occurrence of the event in the session;
  backward (``--end``) from its LAST occurrence: reading the session backwards, that is again the
  first one, so both directions give each session at most one path. Sessions without the anchor
  are left out before any other work (see ``_sequences_sql`` for what that buys on 20 M events).
- **Depth** counts steps including the anchor (step 1). A session that ends (or, backwards,
  starts) before ``depth`` steps gets one ``(end)`` (``(start)``) node and its path stops there.
- **Counts**: distinct users (the headline) and sessions, for every node (step, event) and link.
  Users are ``(store, user_id)`` pairs. At each step the ``top`` events by users are kept and the
  rest are merged into ``(other)``; ``(end)``/``(start)`` are always shown. Links follow time
  (source before target), so ``--end`` diagrams flow into the anchor on the right.
- **Paths**: the most frequent complete sequences (anchor .. depth or the session's end), not
  grouped, in time order; ``share`` = users of the path / users at the anchor. A user with two
  sessions may follow two paths, so shares can add up to more than 100 %.

Everything is computed in one DuckDB query; Python receives only the aggregated rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from shoplens.analyses.context import EVENT_FIELDS, Context, open_context
from shoplens.analyses.filters import Step, conditions_sql, event_name, split_outside_brackets
from shoplens.analyses.result import Result, ratio
from shoplens.analyses.value_checks import check_events, notes
from shoplens.errors import ShoplensError
from shoplens.metrics.sources import SESSION_GAP_MINUTES
from shoplens.warehouse.scope import lit

END_NODE, START_NODE, OTHER_NODE = "(end)", "(start)", "(other)"
MAX_DEPTH, MAX_TOP = 20, 100
_SESSION = "store_id, user_id, session_id, gap_start"  # one visit: its session id, or its gap session's start
_ORDER = "ts, event_id"


@dataclass(frozen=True)
class PathNode:
    id: str  # "step:event", e.g. "2:add_to_cart"
    step: int  # 1 = the anchor; forward: later steps come later; backward: earlier
    event: str
    users: int
    sessions: int


@dataclass(frozen=True)
class PathLink:
    source: str  # node id of the earlier event
    target: str  # node id of the later event
    users: int
    sessions: int


@dataclass(frozen=True)
class PathRow:
    path: tuple[str, ...]  # in time order
    users: int
    sessions: int
    share: float | None  # users / users at the anchor


@dataclass(frozen=True)
class PathsResult(Result):
    start: str | None  # the anchor event of a forward analysis
    end: str | None  # the anchor event of a backward analysis
    depth: int
    top: int
    collapse_repeats: bool
    events: tuple[str, ...] | None  # only these event types are steps (None: all)
    date_from: date
    date_to: date
    users: int  # users with at least one anchored session
    sessions: int  # anchored sessions
    nodes: tuple[PathNode, ...]
    links: tuple[PathLink, ...]
    paths: tuple[PathRow, ...]
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)  # no data in the range, events without rows
    CSV_COLUMNS = ("source", "target", "source_step", "source_event", "target_step", "target_event", "users",
                   "sessions")  # the links

    @property
    def anchor(self) -> str:
        return self.start or self.end or ""

    @property
    def direction(self) -> str:
        return "forward" if self.start else "backward"

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        head = {"start": data.pop("start"), "end": data.pop("end"), "direction": self.direction,
                "from": data.pop("date_from"), "to": data.pop("date_to")}
        return head | data

    def table_rows(self) -> list[dict[str, Any]]:
        """The links, with their steps and events spelled out (the CSV output)."""
        rows = []
        for link in self.links:
            s_step, s_event = link.source.split(":", 1)
            t_step, t_event = link.target.split(":", 1)
            rows.append({"source": link.source, "target": link.target, "source_step": int(s_step),
                         "source_event": s_event, "target_step": int(t_step), "target_event": t_event,
                         "users": link.users, "sessions": link.sessions})
        return rows


def check_options(start_event: str | None, end_event: str | None, depth: int, top: int) -> str:
    if bool(start_event) == bool(end_event):
        raise ShoplensError("give exactly one of --start EVENT or --end EVENT",
                            hint="--start follows what happens next, --end what led there",
                            zh="请只给出 --start 事件 或 --end 事件 之一",
                            zh_hint="--start 看之后的路径，--end 看之前的路径")
    if not _whole_in(depth, 2, MAX_DEPTH):
        raise ShoplensError(f"--depth {depth!r} is out of range", hint=f"use 2..{MAX_DEPTH} (the anchor is step 1)",
                            zh=f"--depth {depth!r} 超出范围", zh_hint=f"请用 2..{MAX_DEPTH}（锚点事件为第 1 步）")
    if not _whole_in(top, 1, MAX_TOP):
        raise ShoplensError(f"--top {top!r} is out of range", hint=f"use 1..{MAX_TOP}",
                            zh=f"--top {top!r} 超出范围", zh_hint=f"请用 1..{MAX_TOP}")
    anchor = start_event or end_event
    if not isinstance(anchor, str):
        raise ShoplensError(f"the anchor event {anchor!r} is not an event name", hint="e.g. --start product_view",
                            zh=f"锚点事件 {anchor!r} 不是事件名", zh_hint="例如 --start product_view")
    return event_name(anchor)


def _whole_in(value: Any, low: int, high: int) -> bool:
    """``value`` is an int (not a bool) in [low, high]."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _event_list(events: str | list[str] | tuple[str, ...] | None, anchor: str) -> tuple[str, ...] | None:
    if not events:
        return None
    if not isinstance(events, str | list | tuple) or not all(isinstance(e, str) for e in events):
        raise ShoplensError(f"--events {events!r} is not a list of event names", hint="e.g. --events "
                            "product_view,add_to_cart", zh=f"--events {events!r} 不是事件名列表",
                            zh_hint="例如 --events product_view,add_to_cart")
    items = split_outside_brackets(events) if isinstance(events, str) else [
        p for e in events for p in split_outside_brackets(e)]
    names = [event_name(e) for e in items]
    return tuple(dict.fromkeys([anchor, *names]))


def _sequences_sql(ctx: Context, anchor: str, backward: bool, depth: int, collapse: bool,
                   events: tuple[str, ...] | None) -> str:
    """CTEs ending in ``seqs``: one row per anchored session, ``store_id, user_id, seq`` (step 1 first).

    Speed on tens of millions of events: anchors come from the anchor events alone; only the
    sessions holding one are joined back; a bounded ``arg_min/arg_max(.., depth)`` aggregate
    picks the steps, so sessions with a ``session_id`` are never sorted. Events without one are
    sorted per user (the gap rule), but only for users who did the anchor. ``--collapse-repeats``
    needs one more sort of the anchored sessions.
    """
    pad = timedelta(days=1)  # sessions that start in range may run past midnight; earlier ones must be seen
    lo, hi = ctx.start - pad, ctx.end + pad
    keep = [conditions_sql(ctx.where, "e")] + ([f"e.event IN ({', '.join(lit(e) for e in events)})"] if events else [])
    fields = EVENT_FIELDS if ctx.where else ("store_id", "event_id", "ts", "user_id", "session_id", "event")
    # the segment (a set of users) applies to every event; --where and --events only to the steps
    raw = replace(ctx, where=()).events_sql(start=lo, end=hi, fields=fields)
    is_anchor = f"keep AND event = {lit(anchor)}"
    gap = f"INTERVAL {SESSION_GAP_MINUTES} MINUTE"
    by_user = f"PARTITION BY store_id, user_id ORDER BY {_ORDER}"
    first, compare, pick = ("max", "<=", "arg_max") if backward else ("min", ">=", "arg_min")
    in_path = f"keep AND (ts, event_id) {compare} akey"
    # a session with a session_id starts at its first event, known after the join; with the whole
    # data range selected every session starts in range, and the check (and its rows) can go
    check_start = ctx.start > (ctx.data_start or ctx.start) or ctx.end < (ctx.data_end or ctx.end)
    id_rows = "TRUE" if check_start else in_path
    take = in_path
    rows = "visit_rows"
    if collapse:  # consecutive identical events -> one (the anchor starts/ends its run, so halves suffice)
        rows = (f"(SELECT *, lag(event) OVER (PARTITION BY {_SESSION}, ({in_path}) ORDER BY {_ORDER}) AS prev"
                f" FROM visit_rows)")
        take = f"{in_path} AND prev IS DISTINCT FROM event"
    in_range = (f"{ctx.local_day('v', 'v.visit_start')} BETWEEN DATE '{ctx.start}' AND DATE '{ctx.end}'"
                if check_start else "TRUE")
    edge = START_NODE if backward else END_NODE
    return f"""
    ev AS NOT MATERIALIZED (
        SELECT e.store_id, e.user_id, e.session_id, e.ts, e.event_id, e.event, ({" AND ".join(keep)}) AS keep
        FROM ({raw}) e),
    id_anchors AS (
        SELECT store_id, user_id, session_id, {first}((ts, event_id)) AS akey FROM ev
        WHERE session_id IS NOT NULL AND {is_anchor} GROUP BY ALL),
    gap_users AS (SELECT DISTINCT store_id, user_id FROM ev WHERE session_id IS NULL AND {is_anchor}),
    gapped AS (
        SELECT *, max(CASE WHEN prev_ts IS NULL OR prev_ts <= ts - {gap} THEN ts END)
                      OVER ({by_user} ROWS UNBOUNDED PRECEDING) AS gap_start
        FROM (SELECT *, lag(ts) OVER ({by_user}) AS prev_ts
              FROM ev SEMI JOIN gap_users USING (store_id, user_id) WHERE session_id IS NULL)),
    gap_anchors AS (
        SELECT store_id, user_id, gap_start, {first}((ts, event_id)) AS akey FROM gapped WHERE {is_anchor}
        GROUP BY ALL),
    visit_rows AS (
        SELECT e.store_id, e.user_id, e.session_id, NULL::TIMESTAMP AS gap_start, e.ts, e.event_id, e.event, e.keep,
               a.akey
        FROM ev e JOIN id_anchors a ON e.store_id = a.store_id AND e.user_id = a.user_id
                                    AND e.session_id = a.session_id
        WHERE {id_rows}
        UNION ALL
        SELECT g.store_id, g.user_id, NULL, g.gap_start, g.ts, g.event_id, g.event, g.keep, a.akey
        FROM gapped g JOIN gap_anchors a ON g.store_id = a.store_id AND g.user_id = a.user_id
                                         AND g.gap_start = a.gap_start
        WHERE {in_path}),
    seqs AS MATERIALIZED (
        SELECT store_id, user_id,
               CASE WHEN array_length(evs) < {depth} THEN list_append(evs, {lit(edge)}) ELSE evs END AS seq
        FROM (SELECT store_id, user_id, coalesce(gap_start, min(ts)) AS visit_start,
                     {pick}(event, (ts, event_id), {depth}) FILTER (WHERE {take}) AS evs
              FROM {rows} GROUP BY {_SESSION}) v
        WHERE {in_range})"""


def _query(sequences: str, backward: bool, top: int) -> str:
    """Nodes, links and top paths from ``seqs``, as rows ``kind, step, a, b, path, users, sessions``.

    Distinct users are counted in two steps (first one row per user, then ``count(*)``), which
    DuckDB runs in parallel, unlike ``count(DISTINCT ..)`` over a handful of groups.
    """
    user = "store_id, user_id"  # a user of one store; with several stores the same id is two users
    edges = f"({lit(END_NODE)}, {lit(START_NODE)})"
    # links follow time: forward step k -> k+1, backward step k+1 -> k
    src, dst = ("next_label", "label") if backward else ("label", "next_label")
    src_step, dst_step = ("step + 1", "step") if backward else ("step", "step + 1")
    path = "list_reverse(seq)" if backward else "seq"  # ordered by the expression: not every engine sees the alias
    return f"""WITH {sequences},
    user_seqs AS MATERIALIZED (SELECT {user}, seq, count(*) AS n FROM seqs GROUP BY ALL),
    steps AS NOT MATERIALIZED (
        SELECT {user}, n, step, seq[step] AS event, seq[step + 1] AS next_event
        FROM (SELECT *, unnest(range(1, array_length(seq) + 1)) AS step FROM user_seqs)),
    user_nodes AS MATERIALIZED (SELECT step, event, {user}, sum(n) AS n FROM steps GROUP BY ALL),
    counted AS MATERIALIZED (SELECT step, event, count(*) AS users, sum(n) AS sessions FROM user_nodes GROUP BY ALL),
    ranked AS (
        SELECT step, event FROM counted WHERE event NOT IN {edges}
        QUALIFY row_number() OVER (PARTITION BY step ORDER BY users DESC, sessions DESC, event) <= {top}),
    labelled AS (
        SELECT s.store_id, s.user_id, s.n, s.step,
               CASE WHEN r.event IS NOT NULL OR s.event IN {edges} THEN s.event ELSE {lit(OTHER_NODE)} END AS label,
               CASE WHEN x.event IS NOT NULL OR s.next_event IN {edges} THEN s.next_event ELSE {lit(OTHER_NODE)} END
                   AS next_label
        FROM steps s LEFT JOIN ranked r ON r.step = s.step AND r.event = s.event
        LEFT JOIN ranked x ON x.step = s.step + 1 AND x.event = s.next_event
        WHERE s.next_event IS NOT NULL),
    others AS (
        SELECT step, count(*) AS users, sum(n) AS sessions FROM (
            SELECT u.step, u.store_id, u.user_id, sum(u.n) AS n FROM user_nodes u ANTI JOIN ranked r USING (step, event)
            WHERE u.event NOT IN {edges} GROUP BY ALL)
        GROUP BY step)
    SELECT 'node' AS kind, c.step, c.event AS a, NULL AS b, NULL::VARCHAR[] AS path, c.users, c.sessions
    FROM counted c SEMI JOIN (SELECT * FROM ranked UNION ALL SELECT step, event FROM counted WHERE event IN {edges})
                   USING (step, event)
    UNION ALL
    SELECT 'node', step, {lit(OTHER_NODE)}, NULL, NULL, users, sessions FROM others
    UNION ALL
    SELECT 'link', {src_step}, {src}, CAST({dst_step} AS VARCHAR) || ':' || {dst}, NULL, count(*), sum(n)
    FROM (SELECT step, label, next_label, {user}, sum(n) AS n FROM labelled GROUP BY ALL) GROUP BY ALL
    UNION ALL
    SELECT * FROM (
        SELECT 'path', NULL, NULL, NULL, {path} AS path, count(*) AS users, sum(n) AS sessions
        FROM user_seqs GROUP BY seq ORDER BY users DESC, sessions DESC, array_to_string({path}, ' > ') LIMIT {top})"""


def paths(wh: Any, *, start_event: str | None = None, end_event: str | None = None, depth: int = 4,
          top: int = 10, collapse_repeats: bool = False, events: str | list[str] | tuple[str, ...] | None = None,
          store: str | list[str] | tuple[str, ...] | None = None, start: date | None = None,
          end: date | None = None, where: Any = None, segment: str | None = None,
          context: Context | None = None) -> PathsResult:
    """The paths after ``start_event`` (or before ``end_event``) within sessions; see the module notes.

    ``context`` (an open :class:`Context`) replaces ``store``/``start``/``end``/``where``/``segment``.
    """
    anchor = check_options(start_event, end_event, depth, top)
    backward = not start_event
    wanted = _event_list(events, anchor)
    ctx = context or open_context(wh, store=store, start=start, end=end, where=where, segment=segment)
    check_events(ctx.wh, ctx.scope.stores, [anchor], where="--end" if backward else "--start")
    check_events(ctx.wh, ctx.scope.stores, wanted or (), where="--events")
    rows = ctx.run(_query(_sequences_sql(ctx, anchor, backward, depth, collapse_repeats, wanted), backward, top))
    nodes, links, found = [], [], []
    for r in rows.itertuples(index=False):
        if r.kind == "node":
            nodes.append(PathNode(f"{int(r.step)}:{r.a}", int(r.step), str(r.a), int(r.users), int(r.sessions)))
        elif r.kind == "link":
            links.append(PathLink(f"{int(r.step)}:{r.a}", str(r.b), int(r.users), int(r.sessions)))
        else:
            found.append((tuple(str(e) for e in r.path), int(r.users), int(r.sessions)))
    head = next((n for n in nodes if n.step == 1), None)
    total_users, total_sessions = (head.users, head.sessions) if head else (0, 0)
    nodes.sort(key=lambda n: (n.step, n.event == OTHER_NODE, -n.users, -n.sessions, n.event))  # (other) last
    near = (lambda k: k.target) if backward else (lambda k: k.source)  # the end nearer the anchor
    links.sort(key=lambda k: (int(near(k).split(":", 1)[0]), -k.users, -k.sessions, k.source, k.target))
    found.sort(key=lambda p: (-p[1], -p[2], " > ".join(p[0])))
    return PathsResult(
        start=anchor if not backward else None, end=anchor if backward else None, depth=depth, top=top,
        collapse_repeats=collapse_repeats, events=wanted, date_from=ctx.start, date_to=ctx.end,
        users=total_users, sessions=total_sessions, nodes=tuple(nodes), links=tuple(links),
        paths=tuple(PathRow(p, u, s, ratio(u, total_users)) for p, u, s in found),
        notes=notes(ctx, [Step(e) for e in (wanted or (anchor,))]))
