"""The top-level Python API of the behaviour analyses (``shoplens.funnel`` ... ``shoplens.user_timeline``).

For every function, on the default demo store (what ``make demo`` builds): the result type, the rows of
``.to_pandas()``, ``.to_dict()`` = the JSON the CLI prints for the same request (``python -m shoplens
... --format json`` in a subprocess), and one independent check against plain SQL on the DuckDB file.

Demo store facts used below: one store ``demo`` (Asia/Shanghai, CNY), data 2026-05-20 .. 2026-11-15,
every event has a user and a session id, the store has purchase events of its own.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from shoplens import i18n
from shoplens.analyses.funnel import DroppedUsers, FunnelResult
from shoplens.analyses.paths import PathsResult
from shoplens.analyses.retention import RetentionResult
from shoplens.analyses.rfm import CustomerList, RfmResult
from shoplens.analyses.segments import SavedSegment, SegmentProfile
from shoplens.analyses.timeline import COLUMNS, UserTimeline
from shoplens.errors import ShoplensError

STEPS = "product_view,add_to_cart,purchase"
INCIDENT = (date(2026, 10, 25), date(2026, 10, 27))  # the demo's paid_search incident
AS_OF = date(2026, 11, 15)  # the demo's last data day
LOCAL_DAY = "CAST(timezone('Asia/Shanghai', timezone('UTC', {ts})) AS DATE)"  # ts is naive UTC
PAID = "(paid_ts IS NOT NULL OR status IN ('paid', 'shipped', 'delivered'))"  # docs/behaviour.md, PAID_ORDER
RULE = "orders>=2 and not did(purchase, last_days=30)"
USER = "U1-231032"  # 2 paid orders, a refund, a review, two service tickets (SQL in test_user_timeline)
ENV = {"PATH": "/usr/bin:/bin", "SHOPLENS_LOCK_WAIT": "1", "COLUMNS": "200"}


# the CLI requests that mirror the API calls of the tests below (segment ones run on ``seg_db``)
REQUESTS: dict[str, tuple[str, ...]] = {
    "funnel": ("funnel", "--steps", STEPS, "--window", "1d", "--by", "channel", "--from", "2026-10-25",
               "--to", "2026-10-27"),
    "funnel_dropped": ("funnel", "--steps", STEPS, "--window", "1d", "--from", "2026-10-25", "--to", "2026-10-27",
                       "--dropped-at", "3"),
    "retention": ("retention", "--cohort-event", "purchase", "--return-event", "purchase", "--first-time",
                  "--period", "month"),
    "paths": ("paths", "--start", "product_view", "--depth", "3", "--top", "5"),
    "rfm": ("rfm",),
    "rfm_customers": ("rfm", "--list", "core"),
    "win_back": ("rfm", "--win-back", "90"),
    "user_timeline": ("user", USER),
    "segments": ("segment", "list"),
    "segment_members": ("segment", "export", "lapsed_repeat"),
    "segment_profile": ("segment", "show", "lapsed_repeat"),
}


def cli(db: Path, *args: str) -> Any:
    """Run ``python -m shoplens --db DB ARGS --format json`` and return its parsed JSON."""
    out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), "--lang", "en", *args, "--format",
                          "json"], capture_output=True, text=True, timeout=120, env=ENV)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def roundtrip(data: Any) -> Any:
    """What the CLI's ``print_json`` (json.dumps, default=str) makes of a value."""
    return json.loads(json.dumps(data, default=str))


def scalar(wh: Any, sql: str) -> Any:
    return wh.con.execute(sql).fetchone()[0]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Texts in results (lifecycle rule, notes) follow the language: compare both sides in English."""
    token = i18n._current.set("en")
    yield
    i18n._current.reset(token)


@pytest.fixture(scope="module")
def wh(demo_db: Path) -> Any:
    warehouse = shoplens.connect(str(demo_db), read_only=True)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def seg_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store with the segment ``lapsed_repeat`` saved (saving writes)."""
    path = tmp_path_factory.mktemp("segments") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    with shoplens.connect(str(path)) as w:
        shoplens.save_segment(w, "lapsed_repeat", RULE, "repeat buyers, no purchase in 30 days")
    return path


@pytest.fixture(scope="module")
def cli_json(demo_db: Path, seg_db: Path) -> Any:
    """The CLI's JSON for ``REQUESTS[name]``: all started at once (each run is mostly start-up time)."""
    pool = ThreadPoolExecutor(max_workers=3)
    runs = {name: pool.submit(cli, seg_db if name.startswith("segment") else demo_db, *args)
            for name, args in REQUESTS.items()}

    def result(name: str) -> Any:
        return runs[name].result()

    yield result
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def seg_wh(seg_db: Path) -> Any:
    warehouse = shoplens.connect(str(seg_db), read_only=True)
    yield warehouse
    warehouse.close()


# ---------------------------------------------------------------- funnels

def test_funnel(wh: Any, cli_json: Callable[[str], Any]) -> None:
    r = shoplens.funnel(wh, STEPS, window="1d", by="channel", start=INCIDENT[0], end=INCIDENT[1])
    assert isinstance(r, FunnelResult)
    frame = r.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.event) == STEPS.split(",")
    assert list(frame["count"]) == [s.count for s in r.steps]
    assert r.to_dict() == roundtrip(r.to_dict())  # already JSON-ready
    assert roundtrip(r.to_dict()) == cli_json("funnel")
    # independent: step 1 = users with a product_view on those local days (first steps must fall in the range)
    viewers = scalar(wh, "SELECT count(DISTINCT user_id) FROM events WHERE event = 'product_view'"
                         f" AND {LOCAL_DAY.format(ts='ts')} BETWEEN DATE '2026-10-25' AND DATE '2026-10-27'")
    assert r.steps[0].count == viewers
    # the breakdown groups add up to the totals, step by step; the incident shows
    groups = r.breakdown_frame()
    assert groups.groupby("step")["count"].sum().tolist() == [s.count for s in r.steps]
    conv = {g.value: g.steps[-1].conversion for g in r.breakdown["groups"]}
    assert conv["paid_search"] < conv["organic_search"] / 2
    assert sum(d.entered for d in r.trend) == r.steps[0].count


def test_funnel_dropped(wh: Any, cli_json: Callable[[str], Any]) -> None:
    d = shoplens.funnel_dropped(wh, STEPS, 3, window="1d", start=INCIDENT[0], end=INCIDENT[1])
    assert isinstance(d, DroppedUsers)
    assert (d.step, d.event) == (3, "purchase")
    frame = d.to_pandas()
    assert list(frame.columns) == ["user_id", "first_step_at", "last_step_at", "first_step_local", "last_step_local"]
    # #14: store time beside UTC (the demo store is Asia/Shanghai, UTC+8 all year)
    for col in ("first_step", "last_step"):
        assert (pd.to_datetime(frame[f"{col}_at"]) + pd.Timedelta(hours=8)).dt.strftime("%Y-%m-%d %H:%M:%S").tolist() \
            == frame[f"{col}_local"].tolist()
    assert len(frame) == len(d.users) and frame.user_id.is_unique
    assert roundtrip(d.to_dict()) == cli_json("funnel_dropped")
    # consistent with the funnel: the users who reached add_to_cart but not purchase
    funnel = shoplens.funnel(wh, STEPS, window="1d", start=INCIDENT[0], end=INCIDENT[1], trend=False)
    assert len(d.users) == funnel.steps[2].dropped == funnel.steps[1].count - funnel.steps[2].count
    # independent: each listed user viewed at first_step_at, carted at last_step_at (UTC) and bought nothing
    # from that cart until the window (1 day from the view) closed
    listed = pd.DataFrame(d.users).astype({"first_step_at": "datetime64[us]", "last_step_at": "datetime64[us]"})
    wh.con.register("_listed", listed)
    try:
        viewed, carted, bought = wh.con.execute(
            "SELECT count(DISTINCT l.user_id) FILTER (WHERE e.event = 'product_view' AND e.ts = l.first_step_at),"
            " count(DISTINCT l.user_id) FILTER (WHERE e.event = 'add_to_cart' AND e.ts = l.last_step_at),"
            " count(*) FILTER (WHERE e.event = 'purchase' AND e.ts >= l.last_step_at"
            " AND e.ts <= l.first_step_at + INTERVAL 1 DAY) FROM _listed l JOIN events e USING (user_id)").fetchone()
    finally:
        wh.con.unregister("_listed")
    assert (viewed, carted, bought) == (len(d.users), len(d.users), 0)


# ---------------------------------------------------------------- retention

def test_retention(wh: Any, cli_json: Callable[[str], Any]) -> None:
    r = shoplens.retention(wh, cohort_event="purchase", return_event="purchase", first_time=True, period="month")
    assert isinstance(r, RetentionResult)
    assert [c.cohort for c in r.cohorts] == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
                                             "2026-11"]
    frame = r.to_pandas()
    assert list(frame.columns) == ["cohort", "group", "size", "k", "users", "rate", "complete"]
    assert len(frame) == sum(len(c.values) for c in r.cohorts) == 7 + 6 + 5 + 4 + 3 + 2 + 1
    assert frame[frame.k == 0].users.tolist() == frame[frame.k == 0]["size"].tolist()  # k = 0 is the cohort
    assert roundtrip(r.to_dict()) == cli_json("retention")
    # independent: first-time cohorts split the buyers, each in the month of their first purchase
    firsts = wh.con.execute(f"SELECT strftime(first, '%Y-%m') AS cohort, count(*) AS n FROM (SELECT user_id,"
                            f" min({LOCAL_DAY.format(ts='ts')}) AS first FROM events WHERE event = 'purchase'"
                            " GROUP BY user_id) GROUP BY 1 ORDER BY 1").fetchall()
    assert [(c.cohort, c.size) for c in r.cohorts] == firsts
    # ... and k = 1 of the May cohort = those of them who bought again in June
    day = LOCAL_DAY.format(ts="ts")
    june = scalar(wh, f"SELECT count(DISTINCT user_id) FROM events WHERE event = 'purchase' AND {day} BETWEEN"
                      " DATE '2026-06-01' AND DATE '2026-06-30' AND user_id IN (SELECT user_id FROM events WHERE"
                      f" event = 'purchase' GROUP BY user_id HAVING strftime(min({day}), '%Y-%m') = '2026-05')")
    assert r.cohorts[0].values[1] == june
    # every cohort's values reach November, still running on the last data day: the last value is partial
    assert [c.complete for c in r.cohorts] == [False] * 7
    assert frame.groupby("cohort").complete.apply(lambda c: c.tolist()[:-1] == [True] * (len(c) - 1)).all()
    assert not frame.groupby("cohort").complete.last().any()


# ---------------------------------------------------------------- paths

def test_paths(wh: Any, cli_json: Callable[[str], Any]) -> None:
    r = shoplens.paths(wh, start_event="product_view", depth=3, top=5)
    assert isinstance(r, PathsResult)
    assert (r.direction, r.anchor) == ("forward", "product_view")
    frame = r.to_pandas()
    assert len(frame) == len(r.links)
    assert list(frame.columns) == ["source", "target", "source_step", "source_event", "target_step",
                                   "target_event", "users", "sessions"]
    assert len(r.paths) == 5
    assert roundtrip(r.to_dict()) == cli_json("paths")
    # independent: every demo event has a session id, so the anchor counts are plain distinct counts
    users, sessions = wh.con.execute("SELECT count(DISTINCT user_id), count(DISTINCT (user_id, session_id))"
                                     " FROM events WHERE event = 'product_view'").fetchone()
    assert (r.users, r.sessions) == (users, sessions)
    # every anchored visit goes somewhere at step 2 (possibly (end)): sessions add up there
    assert sum(n.sessions for n in r.nodes if n.step == 2) == r.sessions


# ---------------------------------------------------------------- RFM

def test_rfm(wh: Any, cli_json: Callable[[str], Any]) -> None:
    r = shoplens.rfm(wh)
    assert isinstance(r, RfmResult)
    assert (r.as_of, r.bins, r.currency, r.stores) == (AS_OF, 5, "CNY", ("demo",))
    frame = r.to_pandas()
    assert frame.tier.tolist() == ["core", "dormant", "potential", "rising", "loyal", "new", "lost", "at_risk",
                                   "hibernating", "others"]
    assert roundtrip(r.to_dict()) == cli_json("rfm")
    # independent: the tiers split the paying customers, and their GMV is the customers' GMV
    customers, gmv = wh.con.execute(f"SELECT count(DISTINCT user_id), sum(gross_amount_rc) FROM orders"
                                    f" WHERE user_id IS NOT NULL AND {PAID}").fetchone()
    assert frame.customers.sum() == r.customers == customers
    assert frame.gmv.sum() == pytest.approx(float(gmv)) == pytest.approx(r.gmv)
    assert frame.share.sum() == pytest.approx(1.0)


def test_rfm_customers(wh: Any, cli_json: Callable[[str], Any]) -> None:
    r = shoplens.rfm_customers(wh, "core")
    assert isinstance(r, CustomerList)
    frame = r.to_pandas()
    assert len(frame) == r.total == next(t.customers for t in shoplens.rfm(wh).tiers if t.tier == "core")
    assert set(frame.tier) == {"core"}
    assert roundtrip(r.to_dict()) == cli_json("rfm_customers")
    # most valuable first; each row's F and M are the customer's paid orders and GMV
    assert frame.monetary.is_monotonic_decreasing
    top = r.rows[0]
    n, gmv = wh.con.execute(f"SELECT count(*), sum(gross_amount_rc) FROM orders WHERE user_id = ? AND {PAID}",
                            [top.user_id]).fetchone()
    assert (top.frequency, top.monetary) == (n, pytest.approx(float(gmv)))


def test_win_back(wh: Any, cli_json: Callable[[str], Any]) -> None:
    r = shoplens.win_back(wh, 90)
    assert isinstance(r, CustomerList)
    assert r.min_recency_days == 90
    frame = r.to_pandas()
    assert len(frame) == r.total == shoplens.rfm(wh).win_back["90"]
    assert (frame.recency_days >= 90).all()
    assert roundtrip(r.to_dict()) == cli_json("win_back")
    # independent: customers whose last paid order is on a local day 90+ days before the as-of day
    cut = AS_OF - timedelta(days=90)
    n = scalar(wh, f"SELECT count(*) FROM (SELECT user_id, max({LOCAL_DAY.format(ts='coalesce(paid_ts, created_ts)')})"
                   f" AS last FROM orders WHERE user_id IS NOT NULL AND {PAID} GROUP BY user_id)"
                   f" WHERE last <= DATE '{cut}'")
    assert r.total == n


# ---------------------------------------------------------------- segments

def test_save_segment(demo_db: Path, wh: Any, tmp_path: Path) -> None:
    with pytest.raises(ShoplensError, match="writable"):
        shoplens.save_segment(wh, "nope", RULE)  # the read-only demo store
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    cli_saved = cli(path, "segment", "save", "from_cli", "--rule", RULE, "--description", "d")
    with shoplens.connect(str(path)) as w:
        saved, created = shoplens.save_segment(w, "from_api", RULE, "d")
        again, created_again = shoplens.save_segment(w, "from_api", {"metric": "orders", ">=": 3})
        members = len(shoplens.segment_members(w, "from_api"))
        listed = [s.to_dict() for s in shoplens.segments(w)]
    assert isinstance(saved, SavedSegment) and (created, created_again) == (True, False)
    assert saved.rule == RULE and saved.definition == {"and": [{"metric": "orders", ">=": 2},
                                                               {"not": {"event": "purchase", "last_days": 30}}]}
    # a re-save replaces the rule, keeps created_at and (without a new one) the description
    assert (again.rule, again.description, again.created_at) == ("orders>=3", "d", saved.created_at)
    # the CLI's JSON = SavedSegment.to_dict() plus created/members/users/share (timestamps differ: other saves)
    shared = {k: v for k, v in roundtrip(saved.to_dict()).items() if k not in ("name", "created_at", "updated_at")}
    assert {k: cli_saved[k] for k in shared} == shared
    assert set(cli_saved) == set(saved.to_dict()) | {"created", "members", "users", "share"}
    assert cli_saved["created"] is True
    # independent: orders>=3 by SQL (the new rule of from_api; demo orders all end by the as-of day)
    assert members == scalar(wh, f"SELECT count(*) FROM (SELECT user_id FROM orders WHERE user_id IS NOT NULL"
                                 f" AND {PAID} GROUP BY user_id HAVING count(*) >= 3)")
    assert roundtrip({"segments": listed}) == cli(path, "segment", "list")
    assert [s["name"] for s in listed] == ["from_api", "from_cli"]


def test_segments(seg_wh: Any, wh: Any, cli_json: Callable[[str], Any]) -> None:
    assert shoplens.segments(wh) == []  # the demo store has none
    saved = shoplens.segments(seg_wh)
    assert [type(s) for s in saved] == [SavedSegment] and saved[0].name == "lapsed_repeat"
    assert saved[0].description == "repeat buyers, no purchase in 30 days"
    # a list of SavedSegment (no .to_pandas); the CLI wraps the dicts: {"segments": [...]}
    assert cli_json("segments") == roundtrip({"segments": [s.to_dict() for s in saved]})


def lapsed_repeat_sql() -> str:
    """``orders>=2 and not did(purchase, last_days=30)`` written by hand: as of 2026-11-15, the window is
    the 30 local days 2026-10-17 .. 2026-11-15."""
    since = AS_OF - timedelta(days=29)
    return (f"SELECT user_id FROM orders WHERE user_id IS NOT NULL AND {PAID} GROUP BY user_id HAVING count(*) >= 2"
            f" EXCEPT SELECT user_id FROM events WHERE event = 'purchase'"
            f" AND {LOCAL_DAY.format(ts='ts')} BETWEEN DATE '{since}' AND DATE '{AS_OF}'")


def test_segment_members(seg_wh: Any, cli_json: Callable[[str], Any]) -> None:
    frame = shoplens.segment_members(seg_wh, "lapsed_repeat")
    assert isinstance(frame, pd.DataFrame)  # already a DataFrame (no result class, no .to_dict)
    assert list(frame.columns) == ["store_id", "user_id"] and set(frame.store_id) == {"demo"}
    exported = cli_json("segment_members")
    assert exported == {"segment": "lapsed_repeat", "members": frame.to_dict("records")}
    expected = sorted(r[0] for r in seg_wh.con.execute(lapsed_repeat_sql()).fetchall())
    assert frame.user_id.tolist() == expected
    # rule text and a JSON tree work unsaved, too
    assert shoplens.segment_members(seg_wh, RULE).equals(frame)
    tree = {"and": [{"metric": "orders", ">=": 2}, {"not": {"event": "purchase", "last_days": 30}}]}
    assert shoplens.segment_members(seg_wh, tree).equals(frame)


def test_segment_profile(seg_wh: Any, cli_json: Callable[[str], Any]) -> None:
    p = shoplens.segment_profile(seg_wh, "lapsed_repeat")
    assert isinstance(p, SegmentProfile)
    assert (p.name, p.rule) == ("lapsed_repeat", RULE)
    frame = p.to_pandas()
    assert list(frame.columns) == ["property", "value", "users", "share"]
    assert set(frame.property) == set(p.profile) == {"country", "member_tier", "first_channel", "device"}
    assert len(frame) == sum(len(v) for v in p.profile.values())
    assert roundtrip(p.to_dict()) == cli_json("segment_profile")
    # independent: size, universe and money by SQL
    assert p.members == scalar(seg_wh, f"SELECT count(*) FROM ({lapsed_repeat_sql()})")
    users = scalar(seg_wh, "SELECT count(*) FROM (SELECT user_id FROM events UNION SELECT user_id FROM orders"
                           " WHERE user_id IS NOT NULL UNION SELECT user_id FROM customers)")
    assert p.users == users
    (store,) = p.stores
    assert store.as_of == AS_OF
    assert store.store_gmv == pytest.approx(float(scalar(seg_wh, f"SELECT sum(gross_amount_rc) FROM orders"
                                                                 f" WHERE {PAID}")))
    member_gmv = scalar(seg_wh, f"SELECT sum(gross_amount_rc) FROM orders WHERE {PAID}"
                                f" AND user_id IN ({lapsed_repeat_sql()})")
    assert store.gmv == pytest.approx(float(member_gmv))
    # the tiers of a property add up to the members when all values fit in the top 5
    assert sum(v.users for v in p.profile["device"]) == p.members


# ---------------------------------------------------------------- one user

def test_user_timeline(wh: Any, cli_json: Callable[[str], Any]) -> None:
    r = shoplens.user_timeline(wh, USER)
    assert isinstance(r, UserTimeline)
    assert (r.store_id, r.user_id, r.end, r.truncated) == ("demo", USER, AS_OF, 0)
    frame = r.to_pandas()
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == r.total
    assert frame.ts.is_monotonic_increasing  # oldest first
    assert roundtrip(r.to_dict()) == cli_json("user_timeline")
    # independent: one timeline row per event, order, shipment, refund, review and ticket of the user
    counts = wh.con.execute(
        "SELECT (SELECT count(*) FROM events WHERE user_id = $u), (SELECT count(*) FROM orders WHERE user_id = $u),"
        " (SELECT count(*) FROM shipments s JOIN orders o USING (store_id, order_id) WHERE o.user_id = $u),"
        " (SELECT count(*) FROM refunds WHERE user_id = $u), (SELECT count(*) FROM reviews WHERE user_id = $u),"
        " (SELECT count(*) FROM service_tickets WHERE user_id = $u)", {"u": USER}).fetchone()
    assert counts[1] >= 2 and min(counts[2:]) >= 1, counts  # the user shows every kind of row
    kinds = frame.kind.value_counts().to_dict()
    assert [kinds.get(k, 0) for k in ("event", "order", "shipment", "refund", "review", "ticket")] == list(counts)
    paid, gmv = wh.con.execute(f"SELECT count(*), sum(gross_amount_rc) FROM orders WHERE user_id = ? AND {PAID}",
                               [USER]).fetchone()
    assert (r.profile["orders"], r.profile["gmv"]) == (paid, pytest.approx(float(gmv)))
    assert r.rfm is not None and r.rfm["tier"] in {t.tier for t in shoplens.rfm(wh).tiers}


# ---------------------------------------------------------------- the package's own names

def test_metrics_shortcut_survives_an_analysis(wh: Any) -> None:
    """Importing the ``shoplens.metrics`` subpackage must not replace the ``shoplens.metrics()`` function."""
    shoplens.funnel(wh, STEPS, trend=False)  # imports shoplens.metrics.* on the way
    importlib.import_module("shoplens.metrics.engine")

    frame = shoplens.metrics(wh, "gmv", start=date(2026, 10, 25), end=date(2026, 10, 27))
    expected = wh.con.execute(
        "SELECT sum(gross_amount_rc) FROM orders WHERE store_id = 'demo' AND (paid_ts IS NOT NULL OR status IN"
        " ('paid', 'shipped', 'delivered')) AND"
        " CAST(coalesce(paid_ts, created_ts) + INTERVAL 8 HOUR AS DATE)"  # Asia/Shanghai has no DST
        " BETWEEN DATE '2026-10-25' AND DATE '2026-10-27'"
    ).fetchone()[0]
    assert float(frame["gmv"].iloc[0]) == pytest.approx(float(expected))
