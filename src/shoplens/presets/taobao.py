"""Alibaba Tianchi "UserBehavior" click logs (docs/presets.md#taobao-userbehavior).

One line = one behaviour event: ``user_id,item_id,category_id,behavior_type,timestamp`` with no
header and Unix-second timestamps. ``pv``/``fav``/``cart``/``buy`` become product_view/favorite/
add_to_cart/purchase on a product page; any other behaviour is quarantined as ``not_allowed``.

The file has no event id, so one is built from the line's content:
``{user}-{epoch seconds}-{item}-{behaviour}-{k}``, where ``k`` numbers identical
(user, item, behaviour, second) lines in file order. Re-importing the same file therefore writes
nothing new, while genuinely repeated lines stay separate events. Products (item -> category, the
last line's category wins) and customers (first_seen = earliest event) are derived.
"""

from __future__ import annotations

from pathlib import Path

from shoplens.errors import SchemaError
from shoplens.ingest.parse import lit
from shoplens.ingest.readers import ReadOptions, first_line
from shoplens.model import Column, Kind
from shoplens.presets.base import FilePlan, Output, SourceField

COLUMNS = ["user_id", "item_id", "category_id", "behavior_type", "timestamp"]
BEHAVIOURS = {"pv": "product_view", "fav": "favorite", "cart": "add_to_cart", "buy": "purchase"}
# internal name -> (column position, type, required, allowed values)
FIELDS: dict[str, tuple[int, Kind, bool, tuple[str, ...]]] = {
    "user_id": (0, Kind.STRING, True, ()),
    "item_id": (1, Kind.STRING, True, ()),
    "category_id": (2, Kind.STRING, False, ()),
    "behavior": (3, Kind.STRING, True, tuple(BEHAVIOURS)),  # others -> not_allowed
    "ts": (4, Kind.TIMESTAMP, True, ()),
}


def _has_header(path: Path) -> bool:
    """Some re-published copies add a header line; the original has none."""
    first = first_line(path)
    return first.split(",")[0].strip().lower() == "user_id"


class TaobaoUserBehaviorPreset:
    name = "taobao-userbehavior"
    description = "Tianchi Taobao UserBehavior clickstream (pv/fav/cart/buy, no header)"
    description_zh = "天池淘宝 UserBehavior 用户行为点击流（pv/fav/cart/buy，无表头）"
    timezone = "Asia/Shanghai"
    currency = "CNY"
    platform = "other"  # Taobao is Alibaba's domestic marketplace, not Tmall Global
    expects = "UserBehavior.csv from Tianchi (tianchi.aliyun.com/dataset/649): 5 columns, no header"
    expects_zh = "天池 UserBehavior.csv（tianchi.aliyun.com/dataset/649）：5 列，无表头"

    def recognise(self, header: list[str]) -> bool:
        """The 5 named columns, or (headerless, the first line read as a header) the shape of a data line:
        user, item and category ids, pv/fav/cart/buy, Unix seconds."""
        cells = [h.strip().lstrip("\ufeff").lower() for h in header]
        if cells == COLUMNS:
            return True
        return (len(cells) == 5 and all(c.isdigit() for c in cells[:3]) and cells[3] in BEHAVIOURS
                and cells[4].isdigit() and len(cells[4]) in (9, 10))

    def read_options(self, path: Path) -> ReadOptions:
        if _has_header(path):
            return ReadOptions(header=True, delimiter=",")
        return ReadOptions(header=False, names=list(COLUMNS), delimiter=",")

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        if [h.strip().lower() for h in header] != COLUMNS:
            raise SchemaError(f"not a UserBehavior file: columns {', '.join(header)}", where=str(path),
                              hint="expected 5 columns without a header: " + ",".join(COLUMNS),
                              zh=f"不是 UserBehavior 文件：列为 {', '.join(header)}",
                              zh_hint="应为 5 列且没有表头：" + ",".join(COLUMNS))
        fields = [SourceField(header[pos], name, Column(name, kind, "", required=req, choices=choices))
                  for name, (pos, kind, req, choices) in FIELDS.items()]
        by_name = {f.name: f.header for f in fields}
        store = lit(defaults["$store"])
        event = "CASE behavior " + " ".join(
            f"WHEN {lit(code)} THEN {lit(name)}" for code, name in BEHAVIOURS.items()) + " END"
        events = Output("events", f"""
            SELECT _line, {store} AS store_id,
                   user_id || '-' || epoch(ts)::BIGINT || '-' || item_id || '-' || behavior || '-' || occurrence
                       AS event_id,
                   ts, user_id, {event} AS event, 'product' AS page_type, item_id AS product_id
            FROM {{src}}""",
            {"event_id": by_name["user_id"], "ts": by_name["ts"], "user_id": by_name["user_id"],
             "event": by_name["behavior"], "product_id": by_name["item_id"]})
        products = Output("products", f"""
            SELECT {store} AS store_id, item_id AS product_id,
                   arg_max(category_id, _line) FILTER (WHERE category_id IS NOT NULL) AS category,
                   {lit(defaults["$store_currency"])} AS currency, 'on_sale' AS status
            FROM {{src}} GROUP BY item_id""", primary=False)
        customers = Output("customers", f"""
            SELECT {store} AS store_id, user_id, min(ts) AS first_seen
            FROM {{src}} GROUP BY user_id""", primary=False)
        return FilePlan(
            fields=fields, outputs=[events, products, customers],
            # over ALL lines before rules, so quarantining one line never renumbers another
            computed={"occurrence": "row_number() OVER (PARTITION BY user_id, item_id, behavior, ts "
                                    "ORDER BY _line)"},
            label="events")


PRESET = TaobaoUserBehaviorPreset()
