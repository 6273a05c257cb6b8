"""Google Analytics 4 BigQuery export (``events_YYYYMMDD``) as JSON Lines or Parquet (docs/presets.md#ga4-bigquery).

One line = one event. The readers stage nested fields (``event_params``, ``traffic_source``,
``device``, ``geo``, ``ecommerce``, ``items``) as JSON text, the same for both formats, so this
preset reads them with DuckDB's JSON functions.

- ``ts`` = ``event_timestamp`` (microseconds since the epoch, UTC).
- ``event_id`` = ``{user_pseudo_id}-{event_timestamp}-{event_name}-{k}`` (the export has no event
  id; ``k`` numbers identical lines in file order): re-importing a day's file writes nothing new.
- ``session_id`` = ``{user_pseudo_id}-{ga_session_id}`` (the ``ga_session_id`` parameter is only
  unique per user); no parameter, no session.
- GA4 event names map onto the canonical events (:data:`EVENTS`); every other name (session_start,
  scroll, …) is kept as a custom event of the same name.
- ``product_id`` = ``items[0].item_id`` on events that carry items.
- ``channel`` from ``traffic_source.source`` / ``medium`` with GA4's default channel grouping
  mapped onto the canonical channels (:func:`channel_sql`). ``traffic_source`` is the user's
  first acquisition in the export, so this is GA4's "first user default channel group".
- Purchases stay events (transaction id, revenue and currency in ``properties``); no orders are
  made from them: the store's order export is the record of sales and GA4 misses consented-out
  and ad-blocked buyers.
"""

from __future__ import annotations

from pathlib import Path

from shoplens.errors import SchemaError
from shoplens.ingest.parse import lit
from shoplens.ingest.readers import ReadOptions
from shoplens.model import Column, Kind
from shoplens.presets.amazon_common import lookup_sql, wrong_file
from shoplens.presets.base import FilePlan, Output, SourceField

S, J = Kind.STRING, Kind.JSON
FIELDS: dict[str, tuple[Kind, bool]] = {
    "event_timestamp": (Kind.INT, True), "event_name": (S, True), "user_pseudo_id": (S, True),
    "event_params": (J, False), "traffic_source": (J, False), "device": (J, False), "geo": (J, False),
    "ecommerce": (J, False), "items": (J, False),
}
SIGNATURE = ("event_timestamp", "event_name", "user_pseudo_id")
EVENTS = {"page_view": "page_view", "view_item": "product_view", "view_search_results": "search",
          "search": "search", "add_to_cart": "add_to_cart", "add_to_wishlist": "favorite",
          "begin_checkout": "begin_checkout", "purchase": "purchase"}
PAGE_TYPES = {"view_item": "product", "add_to_cart": "product", "view_item_list": "category",
              "view_search_results": "search", "view_cart": "cart", "begin_checkout": "checkout",
              "purchase": "checkout"}
# source sites by GA4's default channel grouping categories (matched on a domain part of the source)
SEARCH = ("google", "bing", "baidu", "yahoo", "duckduckgo", "yandex", "naver", "ecosia", "sogou", "so", "360",
          "seznam", "ask")
SOCIAL = ("facebook", "fb", "instagram", "ig", "twitter", "t", "x", "linkedin", "lnkd", "pinterest", "reddit",
          "weibo", "wechat", "weixin", "vk", "snapchat", "quora", "xiaohongshu", "line")
VIDEO = ("youtube", "tiktok", "douyin", "kuaishou", "bilibili", "vimeo", "twitch", "youku")
SHOPPING = ("amazon", "ebay", "etsy", "shopping", "walmart", "aliexpress", "taobao", "tmall", "jd")


def _site(source: str, names: tuple[str, ...]) -> str:
    return f"regexp_matches({source}, '(^|\\.)({'|'.join(names)})(\\.|$)')"


def channel_sql(source: str, medium: str) -> str:
    """GA4's default channel grouping (first rule that matches) onto the canonical channels: Direct ->
    direct; Paid Search / Paid Social / Paid Video / Paid Shopping -> paid_search / social / short_video /
    marketplace_ads; Organic Search -> organic_search; Organic Social -> social; Organic Video ->
    short_video; Email -> email; Affiliates and Referral -> referral; Display, Paid Other, Organic
    Shopping, Audio, SMS, Push, Cross-network and Unassigned -> other."""
    s, m = f"lower(trim(coalesce({source}, '')))", f"lower(trim(coalesce({medium}, '')))"
    paid = f"regexp_full_match({m}, '.*cp.*|ppc|retargeting|paid.*')"
    return f"""(CASE
        WHEN {s} = '(direct)' AND {m} IN ('(none)', '(not set)', '') THEN 'direct'
        WHEN {paid} AND {_site(s, SEARCH)} THEN 'paid_search'
        WHEN {paid} AND {_site(s, SOCIAL)} THEN 'social'
        WHEN {paid} AND {_site(s, VIDEO)} THEN 'short_video'
        WHEN {paid} AND {_site(s, SHOPPING)} THEN 'marketplace_ads'
        WHEN {paid} OR {m} IN ('display', 'banner', 'expandable', 'interstitial', 'cpm') THEN 'other'
        WHEN {m} = 'organic' OR {_site(s, SEARCH)} THEN 'organic_search'
        WHEN {m} IN ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media')
             OR {_site(s, SOCIAL)} THEN 'social'
        WHEN {m} LIKE '%video%' OR {_site(s, VIDEO)} THEN 'short_video'
        WHEN {m} IN ('email', 'e-mail', 'e_mail', 'e mail') OR {s} IN ('email', 'e-mail', 'e_mail', 'e mail')
             THEN 'email'
        WHEN {m} IN ('affiliate', 'referral', 'app', 'link') THEN 'referral'
        ELSE 'other' END)"""


def param_sql(key: str) -> str:
    """The value of event parameter ``key`` as text (string, int, double or float value)."""
    value = (f"list_filter(CAST(json_extract(event_params, '$[*]') AS JSON[]), "
             f"lambda p: p->>'key' = {lit(key)})[1]->'value'")
    return (f"coalesce({value}->>'string_value', {value}->>'int_value', {value}->>'double_value', "
            f"{value}->>'float_value')")


class Ga4BigQueryPreset:
    name = "ga4-bigquery"
    description = "Google Analytics 4 BigQuery export (events_YYYYMMDD) as JSON Lines or Parquet"
    description_zh = "Google Analytics 4 的 BigQuery 导出（events_YYYYMMDD 表），JSON Lines 或 Parquet 格式"
    expects = ("BigQuery > analytics_PROPERTY.events_YYYYMMDD > Export > JSON (newline delimited) or Parquet "
               "to Cloud Storage: event_timestamp, event_name, user_pseudo_id, event_params, traffic_source, …")
    expects_zh = ("BigQuery > analytics_媒体资源.events_YYYYMMDD > 导出 > JSON（按行分隔）或 Parquet 到 "
                  "Cloud Storage：含 event_timestamp、event_name、user_pseudo_id、event_params、traffic_source 等")
    timezone = "UTC"  # event_timestamp is absolute; pass --timezone for the property's reporting zone
    currency = "USD"
    platform = "other"

    def recognise(self, header: list[str]) -> bool:
        names = {h.strip().lower() for h in header}
        return all(s in names for s in SIGNATURE)

    def read_options(self, path: Path) -> ReadOptions:
        return ReadOptions(header=True)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        if path.suffix.lower() in (".csv", ".tsv", ".txt") and self.recognise(header):
            raise SchemaError("a GA4 export as CSV has lost its nested fields", where=str(path),
                              hint="export the table as JSON (newline delimited) or Parquet",
                              zh="CSV 格式的 GA4 导出已丢失嵌套字段",
                              zh_hint="请把表导出为 JSON（按行分隔）或 Parquet")
        if not self.recognise(header):
            raise wrong_file(path, header, self.name, "a GA4 BigQuery export", "GA4 BigQuery 导出",
                             "event_timestamp, event_name, user_pseudo_id (JSON Lines or Parquet)")
        by_norm = {h.strip().lower(): h for h in header}
        fields = [SourceField(by_norm[n], n, Column(n, kind, "", required=req))
                  for n, (kind, req) in FIELDS.items() if n in by_norm]
        absent = {n: f"CAST(NULL AS {Column(n, kind, '').sql_type})"
                  for n, (kind, _r) in FIELDS.items() if n not in by_norm}
        store = lit(defaults["$store"])
        src, med = "json_extract_string(traffic_source, '$.source')", "json_extract_string(traffic_source, '$.medium')"
        name = "lower(trim(event_name))"
        props = ("json_object('ga_event_name', event_name, 'page_location', _page_location,"
                 " 'transaction_id', json_extract_string(ecommerce, '$.transaction_id'),"
                 " 'purchase_revenue', json_extract(ecommerce, '$.purchase_revenue'), 'currency', _currency)")
        events = Output("events", f"""
            SELECT _line, {store} AS store_id,
                   user_pseudo_id || '-' || event_timestamp || '-' || event_name || '-' || occurrence AS event_id,
                   make_timestamp(event_timestamp) AS ts, user_pseudo_id AS user_id,
                   CASE WHEN _session IS NOT NULL THEN user_pseudo_id || '-' || _session END AS session_id,
                   coalesce({lookup_sql(EVENTS, name)}, {name}) AS event,
                   {lookup_sql(PAGE_TYPES, name)} AS page_type,
                   json_extract_string(items, '$[0].item_id') AS product_id,
                   {channel_sql(src, med)} AS channel, {src} AS source, {med} AS medium,
                   json_extract_string(traffic_source, '$.name') AS campaign,
                   CASE WHEN lower(json_extract_string(device, '$.category')) IN ('desktop', 'mobile', 'tablet')
                        THEN lower(json_extract_string(device, '$.category'))
                        WHEN json_extract_string(device, '$.category') IS NOT NULL THEN 'other' END AS device,
                   json_extract_string(geo, '$.country') AS country, {props} AS properties
            FROM {{src}}""",
            {"event_id": by_norm["user_pseudo_id"], "ts": by_norm["event_timestamp"],
             "user_id": by_norm["user_pseudo_id"], "event": by_norm["event_name"]})
        used = {f.header for f in fields}
        occurrence = "row_number() OVER (PARTITION BY user_pseudo_id, event_timestamp, event_name ORDER BY _line)"
        # the parameters are looked up once per line (computed columns are stored with the typed lines)
        params = {f"_{name}": param_sql(key) if "event_params" in by_norm else "CAST(NULL AS VARCHAR)"
                  for name, key in (("session", "ga_session_id"), ("page_location", "page_location"),
                                    ("currency", "currency"))}
        return FilePlan(fields=fields, outputs=[events], computed={**absent, "occurrence": occurrence, **params},
                        ignored_columns=[h for h in header if h not in used], label="events")


PRESET = Ga4BigQueryPreset()
