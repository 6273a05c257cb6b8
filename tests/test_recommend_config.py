"""The config's ``recommend:`` section over the shipped catalog: change a parameter, switch a rule off, change its
priority and text, add a rule of one's own; and every mistake as one bilingual line naming its place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from recommend_shop import Shop, build, recommendations
from shoplens.analyses.recommend import load_rules
from shoplens.errors import ShoplensError


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("healthy"), Shop())


@pytest.fixture(scope="module")
def small_dip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("dip"), Shop(cart_day_buyers=3))  # 3 / 60 against 35 / 420


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shoplens.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_changed_parameter_priority_and_text(small_dip: Path, tmp_path: Path) -> None:
    assert recommendations(small_dip, "cart_payment_gap") == []  # -40 % is not the shipped -50 %
    cfg = config(tmp_path, """recommend:
  cart_payment_gap:
    drop: 0.3
    priority: medium
    action: {en: "{scope} pays {value} of carts, usually {reference}", zh: "{scope} 加购支付 {value}，平时 {reference}"}
""")
    found = recommendations(small_dip, "cart_payment_gap", config=cfg)
    assert len(found) == 1 and found[0]["priority"] == "medium"
    assert found[0]["action"] == {"en": "s1 · channel=paid_search pays 5.00% of carts, usually 8.33%",
                                  "zh": "s1 · 渠道 付费搜索 加购支付 5.00%，平时 8.33%"}
    # zh names the cut: the catalog's 渠道 and value_labels' 付费搜索; the store id is the seller's own name
    assert found[0]["names"] == ["s1"] and found[0]["scope"] == {"store": "s1", "channel": "paid_search"}
    rules = {r.id: r for r in load_rules(cfg)}
    assert rules["cart_payment_gap"].params["drop"] == 0.3 and rules["cart_payment_gap"].params["baseline_days"] == 7


def test_a_rule_switched_off(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    shop = build(tmp_path_factory.mktemp("gap"), Shop(cart_day_buyers=1))
    assert len(recommendations(shop, "cart_payment_gap")) == 1
    cfg = config(tmp_path, "recommend:\n  cart_payment_gap: off\n")
    assert recommendations(shop, config=cfg) == []
    assert not {r.id: r for r in load_rules(cfg)}["cart_payment_gap"].enabled


def test_a_rule_of_ones_own_with_the_configured_benchmark(healthy: Path, tmp_path: Path) -> None:
    cfg = config(tmp_path, """benchmarks:
  conversion_rate: 0.2
recommend:
  conversion_below_benchmark: off
  organic_landing:
    kind: benchmark_conversion
    by: channel
    share: 0.5
    min_visitors: 100
    window_days: 1
    priority: low
    action:
      en: "{scope}: {value} against {reference} on {day}"
      zh: "{scope}：{day} 转化率 {value}，基准 {reference}"
""")
    found = recommendations(healthy, "organic_landing", config=cfg)
    # every channel converts 5 / 100 on the day, under half of the 20 % benchmark
    assert sorted(r["scope"]["channel"] for r in found) == ["marketplace_ads", "organic_search", "paid_search"]
    assert {r["priority"] for r in found} == {"low"}
    assert [(e["metric"], e["value"], e["reference"]) for e in found[0]["evidence"]] == [
        ("conversion_rate", 0.05, 0.2), ("uv", 100, 100)]
    assert found[0]["action"]["en"].endswith(": 5.00% against 20.00% on 2026-04-12")
    assert recommendations(healthy, "conversion_below_benchmark", config=cfg) == []


@pytest.mark.parametrize(("text", "where", "words"), [
    ("recommend:\n  cart_payment_gap: {drap: 0.3}\n", "recommend.cart_payment_gap.drap", "did you mean drop"),
    ("recommend:\n  cart_payment_gap: {drop: 1.5}\n", "recommend.cart_payment_gap.drop", "at most 1"),
    ("recommend:\n  cart_payment_gap: {priority: urgent}\n", "recommend.cart_payment_gap.priority", "urgent"),
    ("recommend:\n  cart_payment_gap: {by: warehouse}\n", "recommend.cart_payment_gap.by", "cannot be cut"),
    ("recommend:\n  cart_payment_gap: {baseline_days: 0}\n", "recommend.cart_payment_gap.baseline_days", "1 to 366"),
    ("recommend:\n  mine: {kind: benchmark_conversoin, action: x}\n", "recommend.mine.kind",
     "did you mean benchmark_conversion"),
    ("recommend:\n  mine: {kind: slow_stock}\n", "recommend.mine.action", "needs an action"),
    ("recommend:\n  mine: {kind: slow_stock, action: {en: 'sell {product}'}}\n", "recommend.mine.action.en",
     "unknown placeholder {product}"),
    ("recommend:\n  refund_spikes: off\n", "recommend.refund_spikes", "did you mean refund_spike"),
    ("recommend: [cart_payment_gap]\n", "recommend", "must be a mapping"),
])
def test_bad_config_names_its_place(tmp_path: Path, text: str, where: str, words: str) -> None:
    cfg = config(tmp_path, text)
    with pytest.raises(ShoplensError) as caught:
        load_rules(cfg)
    err = caught.value
    assert err.where == f"{cfg}: {where}", err.where
    assert words in f"{err.message} {err.hint}"
    assert err.zh and err.zh.startswith("配置文件有误") and err.zh_hint


def test_the_cli_says_a_config_mistake_in_one_line_in_both_languages(healthy: Path, tmp_path: Path) -> None:
    cfg = config(tmp_path, "recommend:\n  slow_movers: {days: lots}\n")
    env = {k: v for k, v in os.environ.items() if k != "SHOPLENS_CONFIG"}
    for lang, words in (("en", "is not a whole number of days"), ("zh", "不是 1 到 366 之间的天数")):
        proc = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(healthy), "--lang", lang, "recommend",
                               "--config", str(cfg)], capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "recommend.slow_movers.days" in lines[0], proc.stderr


def test_win_back_to_a_saved_segment_links_its_member_export(tmp_path: Path,
                                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    import shoplens

    shop = build(tmp_path_factory.mktemp("dormant"), Shop(dormant=30))
    with shoplens.connect(str(shop)) as wh:
        shoplens.save_segment(wh, "lapsed", "orders>=3")  # the 30 planted customers, nobody else buys twice
    cfg = config(tmp_path, "recommend:\n  dormant_high_value: {segment: lapsed, min_members: 30}\n")
    found = recommendations(shop, "dormant_high_value", config=cfg)
    assert len(found) == 1 and found[0]["scope"] == {"store": "s1", "segment": "lapsed"}
    links = found[0]["links"]
    assert links == {"segment": "lapsed", "export": "/api/v1/segments/lapsed/members?store=s1&as_of=2026-04-12",
                     "export_command": "shoplens segment export lapsed --store s1 --as-of 2026-04-12"}
    assert found[0]["evidence"][0] == {"metric": "segment_members", "value": 30, "reference": 30,
                                       "reference_kind": "minimum"}  # the least members the rule needs
    # the command the link gives exports exactly those members
    env = {k: v for k, v in os.environ.items() if k != "SHOPLENS_CONFIG"}
    args = links["export_command"].split()[1:]
    proc = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(shop), *args], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "store_id,user_id" and sorted(lines[1:]) == sorted(f"s1,d{n}" for n in range(30))
    # one member fewer than asked for: nothing to recommend
    cfg = config(tmp_path, "recommend:\n  dormant_high_value: {segment: lapsed, min_members: 31}\n")
    assert recommendations(shop, "dormant_high_value", config=cfg) == []


def test_a_day_without_data_is_one_line_saying_what_the_data_covers(healthy: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SHOPLENS_CONFIG"}
    for lang, words in (("en", "no data on 2020-01-01"), ("zh", "所选店铺在 2020-01-01 没有数据")):
        proc = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(healthy), "--lang", lang, "recommend",
                               "--date", "2020-01-01"], capture_output=True, text=True, env=env, timeout=120)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode != 0 and len(lines) == 1, proc.stderr
        assert words in lines[0] and "s1 2026-03-02..2026-04-12" in lines[0]


def test_links_quote_what_they_carry() -> None:
    """A store id with a space or a shell character stays one argument of the command and one query value."""
    from datetime import date

    from shoplens.analyses.recommend.evidence import alert_links

    links = alert_links("eu shop;x", date(2026, 3, 1))
    assert links["alerts_command"] == "shoplens alerts list --store 'eu shop;x' --from 2026-03-01 --to 2026-03-01"
    assert links["alerts"] == "/api/v1/alerts?store=eu%20shop%3Bx&from=2026-03-01&to=2026-03-01"


@pytest.fixture(scope="module")
def low_cover(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("cover"), Shop(stock={"p1": 60}))  # p1 sells 6 a day: 10 days of cover


def test_top_seller_reorder_takes_replenishments_lead_time_and_order(low_cover: Path, tmp_path: Path) -> None:
    """The lead time of the top seller rule is replenishment's (per SKU, supplier, category or default), and the
    quantity it suggests is what `shoplens replenish` orders for the SKU that day."""
    import shoplens
    from recommend_shop import DAY

    def reorder(text: str | None) -> list[dict]:
        return recommendations(low_cover, "top_seller_reorder", config=config(tmp_path, text) if text else None)

    assert [r["links"]["reorder_units"] for r in reorder(None)] == [6 * (14 + 7) - 60]
    assert reorder("replenish:\n  products: {p1: {lead_time_days: 9}}\n") == []  # 10 days of cover >= 9
    found = reorder("replenish:\n  defaults: {lead_time_days: 20, review_period_days: 10}\n")
    assert [(r["links"]["lead_time_days"], r["links"]["reorder_units"]) for r in found] == [(20, 6 * (20 + 10) - 60)]
    assert found[0]["evidence"][0]["reference"] == 20  # days of cover against the SKU's own lead time
    cfg = config(tmp_path, "replenish:\n  defaults: {lead_time_days: 20, review_period_days: 10}\n")
    with shoplens.connect(str(low_cover), read_only=True) as wh:
        plan = shoplens.replenish(wh, as_of=DAY, product="p1", config=cfg).to_dict()["items"][0]
    assert plan["order_qty"] == found[0]["links"]["reorder_units"]
    # the rule's own lead time is replenish's --lead-time: over the config's defaults, under a SKU's own entry
    both = "recommend:\n  top_seller_reorder: {lead_time_days: 12}\nreplenish:\n  defaults: {lead_time_days: 20}\n"
    found = reorder(both)
    assert [r["links"]["lead_time_days"] for r in found] == [12]
    # the command to check it gives the same numbers: the rule's lead time as --lead-time, the same config
    command = found[0]["links"]["replenish_command"]
    assert command.startswith(f"shoplens replenish --product p1 --store s1 --as-of {DAY} --lead-time 12 --config ")
    assert command.endswith("shoplens.yaml")
    sku = both + "  products: {p1: {lead_time_days: 9}}\n"
    assert reorder(sku) == []


def test_a_mistake_in_the_replenish_section_is_reported(low_cover: Path, tmp_path: Path) -> None:
    with pytest.raises(ShoplensError, match="lead_time_days"):
        recommendations(low_cover, "top_seller_reorder",
                        config=config(tmp_path, "replenish:\n  defaults: {lead_time_days: -3}\n"))


def test_stock_in_transit_that_covers_the_need_means_no_reorder(tmp_path_factory: pytest.TempPathFactory) -> None:
    # 60 on hand + 66 on the way = 6 x (14 + 7): replenishment orders nothing, so nothing is recommended
    path = build(tmp_path_factory.mktemp("transit"), Shop(stock={"p1": 60}, in_transit={"p1": 66}))
    assert recommendations(path, "top_seller_reorder") == []
    short = build(tmp_path_factory.mktemp("short"), Shop(stock={"p1": 60}, in_transit={"p1": 65}))
    assert [(r["links"]["reorder_units"], r["links"]["in_transit"])
            for r in recommendations(short, "top_seller_reorder")] == [(1, 65)]
