"""Every shipped recommendation rule on a small generated store (tests/recommend_shop.py): planted where it must
fire, with its evidence worked out by hand from the shop's description; and where it must not (the healthy shop,
and a near miss of each rule's condition)."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommend_shop import DAY, Shop, build, recommendations
from shoplens.analyses.recommend.catalog import shipped_rules

SHOPS = {
    "healthy": Shop(),
    "hot_product": Shop(hot_product=True),
    "cart_gap": Shop(cart_day_buyers=1),
    "cart_small_dip": Shop(cart_day_buyers=3),  # 3 / 60 = 5 % > half of 5 / 60
    "low_conversion": Shop(marketplace_buyers=1),
    "conversion_near": Shop(marketplace_buyers=2),  # 2 % is above half of the 3 % benchmark
    "uv_value_drop": Shop(marketplace_amount=50.0),
    "uv_value_dip": Shop(marketplace_amount=85.0),  # -15 %
    "roi_low": Shop(spend=600.0),
    "roi_low_6_days": Shop(spend=600.0, spend_days=6),
    "dormant": Shop(dormant=30),
    "dormant_few": Shop(dormant=10),
    "slow_stock": Shop(p5_units=40),
    "slow_no_stock": Shop(p5_units=0),
    "low_cover": Shop(stock={"p1": 60}),
    "stocked_out": Shop(stock={"p1": 0}),
    "cover_enough": Shop(stock={"p1": 90, "p2": 0}),  # p1: 15 days >= 14; p2 is no top seller
    "refund_spike": Shop(refunds_p2=7),
    "refunds_few": Shop(refunds_p2=1),  # 100 / 2,100 = 4.8 % < 10 %
}


class Shops:
    """Builds each shop the first time a test asks for it (``shops[name]``)."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory, self.built = factory, {}

    def __getitem__(self, name: str) -> Path:
        if name not in self.built:
            self.built[name] = build(self.factory.mktemp(name), SHOPS[name])
        return self.built[name]


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> Shops:
    return Shops(tmp_path_factory)


def one(shops: Shops, shop: str, rule: str) -> dict:
    found = recommendations(shops[shop], rule)
    assert len(found) == 1, found
    return found[0]


def values(item: dict) -> list[tuple]:
    return [(e["metric"], e["value"], e["reference"]) for e in item["evidence"]]


def test_every_shipped_rule_is_covered_here() -> None:
    tested = {"product_low_conversion", "cart_payment_gap", "conversion_below_benchmark", "uv_value_drop",
              "campaign_roi_low", "dormant_high_value", "slow_movers", "top_seller_reorder", "refund_spike"}
    assert set(shipped_rules()) == tested


def test_the_healthy_shop_gets_no_recommendation(shops: Shops) -> None:
    assert recommendations(shops["healthy"]) == []


@pytest.mark.parametrize(("shop", "rule"), [
    ("cart_small_dip", "cart_payment_gap"), ("conversion_near", "conversion_below_benchmark"),
    ("uv_value_dip", "uv_value_drop"), ("roi_low_6_days", "campaign_roi_low"), ("dormant_few", "dormant_high_value"),
    ("slow_no_stock", "slow_movers"), ("cover_enough", "top_seller_reorder"), ("refunds_few", "refund_spike"),
])
def test_a_near_miss_does_not_fire(shops: Shops, shop: str, rule: str) -> None:
    assert recommendations(shops[shop], rule) == []


def test_high_traffic_low_conversion_product(shops: Shops) -> None:
    r = one(shops, "hot_product", "product_low_conversion")
    # p4 over 7 days: 75 + 150 visitors a day, 3 buyers a day; store: 450 visitors, 15 buyers a day
    assert r["scope"] == {"store": "s1", "product": "p4"} and r["priority"] == "medium"
    assert values(r) == [("uv", 1575, 50), ("conversion_rate", pytest.approx(21 / 1575), pytest.approx(105 / 3150))]
    # GMV if p4 converted like the store: 1,575 x (1/30 - 21/1575) x 100 per buyer
    assert r["expected_effect"]["value"] == pytest.approx(1575 * (105 / 3150 - 21 / 1575) * 100, abs=0.01)
    assert "detail page" in r["action"]["en"] and "详情页" in r["action"]["zh"]
    assert recommendations(shops["healthy"], "product_low_conversion") == []


def test_cart_without_payment_on_the_channel(shops: Shops) -> None:
    r = one(shops, "cart_gap", "cart_payment_gap")
    assert r["scope"] == {"store": "s1", "channel": "paid_search"} and r["priority"] == "high"
    # DAY: 60 add to cart, 1 buys; the 7 days before: 420 add to cart, 35 buy
    assert values(r) == [("cart_to_purchase_rate", pytest.approx(1 / 60), pytest.approx(35 / 420)),
                         ("add_to_cart_rate", 0.6, 0.6), ("add_to_cart_users", 60, 50)]
    assert r["expected_effect"]["value"] == pytest.approx(60 * (35 / 420 - 1 / 60) * 100, abs=0.01)
    assert "payment methods" in r["action"]["en"] and "支付方式" in r["action"]["zh"]
    assert r["links"]["alerts"] == f"/api/v1/alerts?store=s1&from={DAY}&to={DAY}"


def test_conversion_under_half_the_benchmark(shops: Shops) -> None:
    r = one(shops, "low_conversion", "conversion_below_benchmark")
    assert r["scope"] == {"store": "s1", "channel": "marketplace_ads"}
    assert values(r) == [("conversion_rate", pytest.approx(7 / 700), 0.03), ("uv", 700, 200)]
    assert "landing page" in r["action"]["en"] and "落地页" in r["action"]["zh"]


def test_channel_uv_value_down_shifts_budget(shops: Shops) -> None:
    r = one(shops, "uv_value_drop", "uv_value_drop")
    assert r["scope"] == {"store": "s1", "channel": "marketplace_ads"}
    # 5 orders of 50 a day over 100 visitors, against 5 x 100 the 7 days before; paid_search keeps 5.00
    assert values(r)[:2] == [("uv_value", 2.5, 5.0), ("uv", 700, 200)]
    better = {"metric": "uv_value", "value": 5.0, "reference": 2.5, "reference_kind": "compared",
              "scope": {"channel": "paid_search"}}
    assert r["evidence"][2] == better
    # what each reference is: the channel's own 7 days before; the least visitors the rule needs
    assert [e["reference_kind"] for e in r["evidence"][:2]] == ["history", "minimum"]
    assert r["links"]["shift_to"] == ["paid_search"] and "paid_search" in r["action"]["en"]
    assert r["expected_effect"]["value"] == pytest.approx(700 * 2.5)
    # English keeps the ids (what --where takes); Chinese names the dimension (the catalog's 渠道) and the channels
    # (value_labels: marketplace_ads 平台广告, paid_search 付费搜索); only the store id is the seller's own name
    en, zh = r["action"]["en"], r["action"]["zh"]
    assert en.startswith("s1 · channel=marketplace_ads: value per visitor ") and en.endswith(
        ": shift budget to paid_search"), en
    assert zh.startswith("s1 · 渠道 平台广告：近 7 天 UV 价值 ") and zh.endswith("：把预算转向 付费搜索"), zh
    assert not any(raw in zh for raw in ("channel", "marketplace_ads", "paid_search")), zh
    assert r["names"] == ["s1"]


def test_roi_under_one_for_seven_days(shops: Shops) -> None:
    r = one(shops, "roi_low", "campaign_roi_low")
    assert r["scope"] == {"store": "s1", "channel": "paid_search"} and r["priority"] == "high"
    # cut by channel, paid_search's own GMV (7 x 500) over its spend (7 x 600), below 1 on each of the 7 days
    assert values(r) == [("roi", pytest.approx(3500 / 4200), 1.0), ("ad_spend", 4200.0, None), ("days_below", 7, 7)]
    assert r["expected_effect"]["value"] == pytest.approx(700.0)
    assert r["links"]["campaigns"] == ["c1"]
    # the campaign is the seller's own name: shown as it is in both languages, listed among the names
    assert r["action"]["en"].startswith("s1 · channel=paid_search: ROI ") and r["action"]["en"].endswith("(c1)")
    assert r["action"]["zh"].startswith("s1 · 渠道 付费搜索：近 7 天 ROI ") and r["action"]["zh"].endswith("（c1）")
    assert r["names"] == ["s1", "c1"]


def test_dormant_high_value_customers(shops: Shops) -> None:
    r = one(shops, "dormant", "dormant_high_value")
    # the 30 planted customers (3 orders of 300 in October 2025); store LTV 90,000 / 660 buyers
    assert values(r) == [("segment_members", 30, 20), ("ltv_to_date", 900.0, pytest.approx(90000 / 660))]
    assert r["expected_effect"]["value"] == pytest.approx(30 * 0.05 * 100)
    assert r["links"]["export"] == f"/api/v1/segments/win_back/members?store=s1&as_of={DAY}"
    assert r["links"]["save_command"] == "shoplens segment save win_back --rule 'rfm=at_risk|lost' --store s1"
    assert recommendations(shops["healthy"], "dormant_high_value") == []


def test_slow_movers_with_stock(shops: Shops) -> None:
    r = one(shops, "slow_stock", "slow_movers")
    assert r["scope"] == {"store": "s1"} and r["priority"] == "low"
    assert values(r) == [("slow_moving_skus_with_stock", 1, None), ("stock_units", 40, None),
                         ("slow_moving_sku_share", pytest.approx(1 / 5), None)]
    assert r["links"]["products"] == ["p5"] and r["expected_effect"] is None


@pytest.mark.parametrize(("shop", "units"), [("low_cover", 60), ("stocked_out", 0)])
def test_top_seller_below_lead_time(shops: Shops, shop: str, units: int) -> None:
    r = one(shops, shop, "top_seller_reorder")
    # p1 (the top 10 % of 4 products = 1) sells 2 units a day per channel: 168 in 28 days, 6 a day
    assert r["scope"] == {"store": "s1", "product": "p1"} and r["priority"] == "high"
    assert values(r)[:3] == [("days_of_cover", pytest.approx(units / 6), 14), ("stock_units", units, 84.0),
                             ("paid_units", 168, None)]
    assert r["expected_effect"]["value"] == pytest.approx((14 - units / 6) * 6 * 100, abs=0.01)
    # replenishment's order (issue #16): 6 a day every day, so sd = 0 and no safety stock; 14 days' lead time and
    # 7 days' review period by default: 6 x (14 + 7) - on hand - 0 in transit
    assert r["links"]["reorder_units"] == 6 * (14 + 7) - units and r["links"]["in_transit"] == 0
    assert r["links"]["lead_time_days"] == 14
    assert r["links"]["replenish_command"] == f"shoplens replenish --product p1 --store s1 --as-of {DAY}"
    name = r["names"][0]  # the product's name (or its id when it has none), in both texts
    assert r["names"] == [name] and f"爆款 {name} 在库" in r["action"]["zh"] and f"Top seller {name} " in \
        r["action"]["en"]


def test_refund_spike_on_one_product(shops: Shops) -> None:
    r = one(shops, "refund_spike", "refund_spike")
    # p2: 3 orders of 100 a day, 7 fully refunded in the window; none before; store 700 / 10,500
    assert r["scope"] == {"store": "s1", "product": "p2"}
    assert values(r) == [("refund_rate", pytest.approx(1 / 3), 0.0), ("refund_rate", pytest.approx(700 / 10500), None),
                         ("refund_amount", 700.0, None), ("orders", 21, 10)]
    assert r["expected_effect"]["value"] == pytest.approx(700.0)
