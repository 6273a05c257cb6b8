"""``build_demo``: a realistic, deterministic cross-border e-commerce warehouse to learn and test on.

What it builds
    One store ``demo`` (or ``demo-1..demo-K``): a CNY-reporting Tmall Global flagship in
    Asia/Shanghai selling to CN, US, GB, DE, FR, JP and AU in their own currencies (further
    stores vary platform, reporting currency and time zone: Amazon/USD/Los Angeles,
    Shopify/EUR/Berlin, Alibaba.com/CNY). Every canonical table is filled: stores, events,
    customers, products, orders, order_items, refunds, inventory_snapshots, ad_spend, reviews,
    service_tickets, shipments and fx_rates (payments and sellers stay empty), plus one
    ``import_manifest`` row per store (preset ``demo``) so lineage (``_import_id``) is visible.

What it looks like
    ``days`` local days ending ``end_date``; weekly rhythm (weekends +15 % traffic, -8 %
    conversion); 618 and 11.11 promotions with warm-ups, waves, peaks and hangovers (a
    ``mid_year`` promo of 618's shape when June 18 is outside the range; Black Friday for
    non-CN markets when inside); thirteen channels of distinct quality (live_stream: many
    visitors, low conversion; organic_search and private_domain: high UV value); sessions that
    walk page_view → product_view (~60 %) → add_to_cart (~12 %) → begin_checkout → purchase
    (~3-5 %), each purchase event carrying its ``order_id``; new and returning visitors, members
    and repeat buyers; a long-tail catalog (top 20 % of SKUs ≈ 75-80 % of revenue, dead SKUs,
    launches, off-shelf items); stock simulated against sales with real stock-outs; ad spend
    from the sessions paid campaigns brought (KOL tiers head/mid/tail/koc); refunds, reviews
    with DSR, service tickets, shipments with delays and ~0.5 % lost parcels; all cut at the
    end of ``end_date`` as a real export would be (recent parcels in transit, etc.).

The incident
    For alerting work, payment conversion on ``paid_search`` collapses for three days about
    three weeks before the end (purchases -95 %, traffic and spend unchanged), on days clear of
    promotions. ``DemoSummary.incident`` says where. The default size is chosen so that a fair
    detector finds it: paid_search (the biggest channel, ~26 % of visitors) has a median of ~730
    visitors and ~43 paying buyers a day, so a day's conversion (~5.9 %) varies by about
    sqrt(43)/43 ≈ 15 % of itself; the incident days' 0.3-0.7 % score -7.6, -10.4 and -10.7
    (``shoplens anomalies conversion_rate --by channel``: high severity, band ±3.5). At 300k
    events (~5 buyers a day) the same collapse scores -2.4, -2.6 and -4.3: lost in the noise.
    The store level does not collapse with it: store conversion falls 33 %, 29 % and 16 % (4.9 %
    → 3.3 % on the first day), just inside its band (scores -3.5, -3.4, -1.8), while store GMV
    falls out of its band on the first two days (-4.1, -5.1): the cause is found by channel.
    False alarms (high severity, default metrics and sensitivity, 2026-07-01..11-15, incident
    days left out; README "Anomalies / 异常检测"): store level 6 in 960 judged days (0.56 per
    metric per 90 days; all in early July, as 618's new buyers return; 0 from August on); by
    channel 41 in 5,208 judged channel-days (0.71 per metric and channel per 90 days; 0.23 from
    August on). 618 and 11.11 raise none: their shapes lie inside the detector's shipped calendar.

Design
    Generation is vectorised numpy, one local day at a time in batches of ≤ 50k sessions, each
    batch with its own generator seeded from (seed, store, day, batch): the same arguments give
    the same warehouse contents (lineage columns and manifest times aside). Batches go to
    DuckDB as Arrow through :func:`shoplens.ingest.rows.load_canonical` (constraints,
    money → reporting currency via fx_rates) in ~100k-row streaming INSERTs, so memory is bounded
    by one buffer per table, the visitor population (~30 bytes a visitor) and DuckDB's
    ``memory_limit``, not by the number of events (nothing is staged in temp tables: inside the
    build's one transaction DuckDB would keep them all until COMMIT). A rebuild deletes the
    stores' rows from every table and writes the new ones in ONE transaction.

    ``events`` is per store and approximate (±2 %). Rebuilding with fewer stores leaves the
    extra ``demo-K`` stores of an earlier build alone; a store holding imported data is never
    overwritten (ShoplensError), and a warehouse holding any store the demo did not write is
    refused unless ``force`` (the CLI then creates no demo login: see server.accounts).

Size and time (measured on the 2-core, 24 GB dev machine, default 512 MiB memory limit)
    Default (2M events, 180 days, 1 store): ~513k sessions, ~30k orders (26k paid), ~37k
    order lines, 376 SKUs, ~20k customers, ~127k inventory rows, ~26k shipments; 7.7 s on the
    quiet machine (10.5 s of CPU), 16-18 s while other work shares the CPUs (the 300k-event
    default it replaced: 2.3 s, 4-5 s shared), peak RSS 0.58 GB, a 64 MB warehouse (2M rather
    than less: see "The incident" above). 10M events: 34 s on the
    idle machine (54 s of CPU), peak RSS 0.86 GB; 20M events: 123 s, peak RSS 1.0 GB
    (docs/performance.md, "Memory", has the bench's figures, taken while other work shared the
    CPUs: 20M in 169 s wall, 134 s CPU).
    Most of the time is DuckDB writing the rows; generating them takes ~1 s per million events.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

from shoplens.demo import marketing as M
from shoplens.demo.calendar import build_calendar
from shoplens.demo.config import STORE_VARIANTS
from shoplens.demo.store import StoreBuilder
from shoplens.demo.writer import DemoWriter
from shoplens.errors import ShoplensError
from shoplens.ingest.manifest import write_manifest_row
from shoplens.ingest.pipeline import ProgressFactory
from shoplens.ingest.rows import load_canonical
from shoplens.ingest.store_context import StoreContext
from shoplens.interrupts import Transaction, pause_point
from shoplens.model import TABLES
from shoplens.warehouse.connection import Warehouse
from shoplens.warehouse.ddl import quote
from shoplens.warehouse.demo_marks import non_demo_stores
from shoplens.warehouse.memory import within_memory_limit
from shoplens.warehouse.rollups import refresh_user_day


@dataclass
class DemoSummary:
    """What ``build_demo`` wrote."""

    store_ids: list[str]
    import_id: int
    start: str
    end: str
    seed: int
    events_requested: int
    rows: dict[str, int]  # per table, all stores together
    rows_by_store: dict[str, dict[str, int]]
    incident: dict[str, str]
    promos: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def demo_store_ids(stores: int) -> list[str]:
    """``demo`` for one store, ``demo-1..demo-K`` for several (the ids a rebuild replaces)."""
    return ["demo"] if stores == 1 else [f"demo-{k}" for k in range(1, stores + 1)]


def _check_args(events: int, days: int, stores: int) -> None:
    if events < 1000:
        raise ShoplensError(f"events={events} is too small for a meaningful demo", hint="use at least 1000",
                            zh=f"events={events} 太少，演示数据没有意义", zh_hint="至少设为 1000")
    if days < 28:
        raise ShoplensError(f"days={days} is too short (the incident needs ~5 weeks)", hint="use at least 28",
                            zh=f"days={days} 太短（注入的异常需要约 5 周）", zh_hint="至少设为 28")
    if not 1 <= stores <= 50:
        raise ShoplensError(f"stores={stores} is out of range", hint="use 1 to 50 stores",
                            zh=f"stores={stores} 超出范围", zh_hint="店铺数应为 1 到 50")


def _guard(con: Any, store_ids: list[str]) -> None:
    """Refuse to wipe a store that holds imported (non-demo) data."""
    marks = ", ".join("?" for _ in store_ids)
    row = con.execute(f"SELECT store_id FROM import_manifest WHERE store_id IN ({marks}) AND preset <> 'demo' "
                      "LIMIT 1", store_ids).fetchone()
    if row:
        raise ShoplensError(f"store {row[0]!r} holds imported data, not demo data; the demo will not overwrite it",
                            hint="use another warehouse (--db) for the demo",
                            zh=f"店铺 {row[0]!r} 存有导入的真实数据而非演示数据，演示不会覆盖它",
                            zh_hint="请为演示使用另一个仓库（--db）")


def _refuse_real_warehouse(con: Any, path: Any, force: bool) -> None:
    """A warehouse with stores the demo did not write is not a demo warehouse (see demo_marks)."""
    others = non_demo_stores(con)
    if others and not force:
        shown = ", ".join(others[:5]) + (", …" if len(others) > 5 else "")
        raise ShoplensError(
            f"this warehouse holds stores that are not demo stores ({shown}); the demo builds only into a "
            "demo warehouse", where=str(path),
            hint="build it into a warehouse of its own (--db demo.duckdb), or add --force to build the demo "
            "stores beside them (no demo login is created then)",
            zh=f"该仓库存有非演示店铺（{shown}）；演示数据只生成到演示仓库",
            zh_hint="请为演示使用单独的仓库（--db demo.duckdb），"
            "或加 --force 在这些店铺旁生成演示店铺（此时不创建演示账号）")


def _delete(con: Any, store_ids: list[str]) -> None:
    marks = ", ".join("?" for _ in store_ids)
    for table in [t.name for t in TABLES] + ["quarantine"]:
        con.execute(f"DELETE FROM {quote(table)} WHERE store_id IN ({marks})", store_ids)


@within_memory_limit(lambda wh: None)
def build_demo(wh: Warehouse, *, events: int = 2_000_000, days: int = 180, seed: int = 7, stores: int = 1,
               end_date: date = date(2026, 11, 15), progress: ProgressFactory | None = None,
               force: bool = False) -> DemoSummary:
    """(Re)build the demo store(s) in ``wh``; see the module docstring. ``events`` is per store.

    A warehouse holding stores the demo did not write is refused unless ``force`` (the demo stores are
    then built beside them; a store of the same id that is not a demo store is still never touched).

    ``progress(label, total)`` may return a callable advanced by one per generated day.
    """
    _check_args(events, days, stores)
    t0 = time.perf_counter()
    store_ids = demo_store_ids(stores)
    fx = M.fx_walk(seed, days)
    con = wh.con
    started = datetime.now(UTC).replace(tzinfo=None)
    tx = Transaction(con, "demo")  # BEGIN; tells Ctrl-C that a rollback is what it gets
    try:
        _refuse_real_warehouse(con, wh.path, force)
        _guard(con, store_ids)
        _delete(con, store_ids)
        pause_point("demo")
        import_id = int(con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_manifest")
                        .fetchone()[0])  # type: ignore[index]
        by_store: dict[str, dict[str, int]] = {}
        incident: dict[str, str] = {}
        promos: list[str] = []
        for k, store_id in enumerate(store_ids, start=1):
            variant = STORE_VARIANTS[(k - 1) % len(STORE_VARIANTS)]
            cal = build_calendar(end_date, days, variant.timezone)
            incident = cal.incident_dict()
            promos = sorted({p for p in cal.promo if p})
            ctx = StoreContext(store_id, variant.timezone, variant.currency, variant.timezone, variant.currency,
                               variant.platform, exists=False)
            name = variant.name if k <= len(STORE_VARIANTS) else f"{variant.name} #{k}"
            store_row = pa.table({"store_id": [store_id], "name": [name], "platform": [variant.platform],
                                  "reporting_currency": [variant.currency], "timezone": [variant.timezone]})
            con.register("_demo_store", store_row)
            load_canonical(wh, "stores", "_demo_store", ctx, import_id, merge=False)
            con.unregister("_demo_store")
            writer = DemoWriter(wh, ctx, import_id, k, cal.fixed_offset)
            bar = progress(f"demo {store_id}", days) if progress else None
            StoreBuilder(writer, cal, variant, k, seed, events, fx).run(bar)
            counts = {"stores": 1, **{t: writer.written.get(t, 0) for t in sorted(writer.written)}}
            by_store[store_id] = counts
            _manifest(con, import_id, store_id, seed, events, days, end_date, counts, started)
        refresh_user_day(con, store_ids)
        tx.commit()
    except BaseException:
        with contextlib.suppress(Exception):  # a broken connection must not hide the error that broke it
            con.execute("ROLLBACK")
        raise
    finally:
        tx.close()
    totals: dict[str, int] = {}
    for counts in by_store.values():
        for table, n in counts.items():
            totals[table] = totals.get(table, 0) + n
    start = date.fromordinal(end_date.toordinal() - days + 1)
    return DemoSummary(store_ids, import_id, start.isoformat(), end_date.isoformat(), seed, events, totals, by_store,
                       incident, promos, round(time.perf_counter() - t0, 2))


def _manifest(con: Any, import_id: int, store_id: str, seed: int, events: int, days: int, end: date,
              counts: dict[str, int], started: datetime) -> None:
    """One manifest row per store: the demo's parameters stand in for the file."""
    source = f"demo:seed={seed},events={events},days={days},end_date={end.isoformat()}"
    total = sum(counts.values())
    write_manifest_row(con, import_id=import_id, store_id=store_id, file=source,
                       sha256=hashlib.sha256(source.encode()).hexdigest(), file_bytes=0, preset="demo", target="all",
                       read=total, loaded=total, duplicates=0, quarantined=0, tables=counts, started=started)
