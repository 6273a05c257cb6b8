"""`shoplens products abc` (issue #16 part 2): the hand-made store of tests/abc_shop.py (numbers worked out by
hand in its docstring), the online-retail file against an independent pandas computation of the rule, the CLI as a
real process, and the REST route through a real server."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from abc_shop import abc_shop
from api_server import ApiServer
from shoplens.errors import ShoplensError
from test_product_types import by_hand

PERIOD = {"start": date(2026, 3, 11), "end": date(2026, 3, 20)}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return abc_shop(tmp_path_factory.mktemp("abc"))


def _abc(path: Path, by: str = "gmv", **kw: Any) -> dict[str, Any]:
    with shoplens.connect(str(path), read_only=True) as wh:
        return shoplens.products_abc(wh, by, **{**PERIOD, **kw}).to_dict()


def _classes(result: dict[str, Any], key: str = "class") -> dict[str, Any]:
    return {p["product_id"]: p[key] for p in result["products"]}


def test_gmv_classes_ties_crossing_zero_sales_and_exclusions(shop: Path) -> None:
    r = _abc(shop)
    assert r["by"] == "gmv" and r["thresholds"] == [0.6, 0.85]
    # ranked: a1 500 | a2 150 (tie with a3: a2 first by id; crosses 60 %: above it 50 %) | a3 150 (above 65 %) |
    # a4 100 (above 80 %) | a5 100 (above 90 %) | z0 0 (on sale, never sold); off1 (off shelf) and post (shipping) out
    assert [p["product_id"] for p in r["products"]] == ["a1", "a2", "a3", "a4", "a5", "z0"]
    assert _classes(r) == {"a1": "A", "a2": "A", "a3": "B", "a4": "B", "a5": "C", "z0": "C"}
    assert [p["value"] for p in r["products"]] == [500, 150, 150, 100, 100, 0]
    assert [p["cumulative_share"] for p in r["products"]] == pytest.approx([0.5, 0.65, 0.8, 0.9, 1.0, 1.0])
    assert [p["share"] for p in r["products"]] == pytest.approx([0.5, 0.15, 0.15, 0.1, 0.1, 0.0])
    assert r["classes"] == {"A": {"skus": 2, "value": 650, "share": 0.65},
                            "B": {"skus": 2, "value": 250, "share": 0.25},
                            "C": {"skus": 2, "value": 100, "share": 0.1}}
    assert set(r["products"][0]) >= {"product_id", "name", "value", "share", "cumulative_share", "class",
                                     "previous_class"}
    assert r["products"][0]["name"] == "Alpha"


def test_previous_class_and_movement(shop: Path) -> None:
    r = _abc(shop)
    # previous period 03-01..10: a3 300 (A), a1 100 (above 60 %: B), a4 100 (above 80 %: B); a2, z0 on sale, no
    # sale: C; a5 launched 03-12: no class then
    assert _classes(r, "previous_class") == {"a1": "B", "a2": "C", "a3": "A", "a4": "B", "a5": None, "z0": "C"}
    assert r["previous_period"] == {"from": "2026-03-01", "to": "2026-03-10"}
    assert r["movement"] == {"A": {"A": 0, "B": 1, "C": 0}, "B": {"A": 1, "B": 1, "C": 0},
                             "C": {"A": 1, "B": 0, "C": 1}, "new": {"A": 0, "B": 0, "C": 1}}


def test_previous_period_without_data_is_null(shop: Path) -> None:
    r = _abc(shop, start=date(2026, 3, 1), end=date(2026, 3, 20))  # previous: 02-09..02-28, no orders
    assert set(_classes(r, "previous_class").values()) == {None}
    assert "previous" in r["notes"]


def test_units(shop: Path) -> None:
    r = _abc(shop, "units")
    # a4 10 (A) | a1 5 (above 50 %: A) | a2 3 (above 75 %: B) | a3 1, a5 1 (above 90 %, 95 %: C) | z0 0
    assert [p["product_id"] for p in r["products"]] == ["a4", "a1", "a2", "a3", "a5", "z0"]
    assert _classes(r) == {"a4": "A", "a1": "A", "a2": "B", "a3": "C", "a5": "C", "z0": "C"}
    # previous units: a4 10 (A), a3 2 (above 10/13: B), a1 1 (above 12/13: C)
    assert _classes(r, "previous_class") == {"a4": "A", "a1": "C", "a2": "C", "a3": "B", "a5": None, "z0": "C"}


def test_margin_without_cost_and_negative(shop: Path) -> None:
    r = _abc(shop, "margin")
    # margins: a1 500 - 5 x 60 = 200, a2 150 - 30 = 120, a5 100 - 20 = 80, a4 100 - 120 = -20, a3 no cost;
    # positive total 400: a1 (A, 50 %), a2 (above 50 %: A), a5 (above 80 %: B), z0 0 and a4 (a loss): C
    values = {p["product_id"]: p["value"] for p in r["products"]}
    assert values == {"a1": 200, "a2": 120, "a5": 80, "z0": 0, "a4": -20, "a3": None}
    assert _classes(r) == {"a1": "A", "a2": "A", "a5": "B", "z0": "C", "a4": "C", "a3": None}
    a4 = next(p for p in r["products"] if p["product_id"] == "a4")
    assert a4["share"] == 0 and a4["cumulative_share"] == 1
    assert r["classes"]["C"] == {"skus": 2, "value": -20, "share": 0}
    assert {"no_cost", "negative"} <= set(r["notes"])


def test_within_category(shop: Path) -> None:
    r = _abc(shop, within="category")
    # X: a1 500, a2 150, z0 0 (total 650): a1 A, a2 above 500/650 = 76.9 %: B, z0 C
    # Y: a3 150, a4 100, a5 100 (total 350): a3 A, a4 above 42.9 %: A, a5 above 71.4 %: B
    assert _classes(r) == {"a1": "A", "a2": "B", "z0": "C", "a3": "A", "a4": "A", "a5": "B"}
    shares = {p["product_id"]: p["share"] for p in r["products"]}
    assert shares == pytest.approx({"a1": 500 / 650, "a2": 150 / 650, "z0": 0, "a3": 150 / 350, "a4": 100 / 350,
                                    "a5": 100 / 350})
    assert r["classes"]["A"]["skus"] == 3 and r["classes"]["A"]["value"] == 750


def test_thresholds_option(shop: Path) -> None:
    r = _abc(shop, thresholds="50,90")  # a1: above 0 -> A; a2: above 50 % -> B; a3, a4: above 65 %, 80 % -> B
    assert r["thresholds"] == [0.5, 0.9]
    assert _classes(r) == {"a1": "A", "a2": "B", "a3": "B", "a4": "B", "a5": "C", "z0": "C"}


@pytest.mark.parametrize(("kw", "text"), [
    ({"thresholds": "85,60"}, "increasing"), ({"thresholds": "0,85"}, "between 0 and 100"),
    ({"thresholds": "60,100"}, "between 0 and 100"), ({"thresholds": "sixty"}, "increasing"),
    ({"by": "profit"}, "unknown --by"), ({"store": "nope"}, "unknown store"),
    ({"start": date(2020, 1, 1), "end": date(2020, 1, 31)}, "no sales"), ({"within": "brand"}, "--within")])
def test_bad_input(shop: Path, kw: dict[str, Any], text: str) -> None:
    by = kw.pop("by", "gmv")
    with pytest.raises(ShoplensError) as err:
        _abc(shop, by, **kw)
    assert text in str(err.value) and err.value.zh


# ---------------------------------------------------------------- the real file, against pandas


def reference_classes(datasets: Path) -> dict[str, str]:
    """The issue's rule by hand on the raw online-retail file: sale lines (not a C/A invoice, quantity and price
    > 0), merchandise stock codes, GMV per code; codes that only loaded through refunds are on sale at 0."""
    lines = pd.read_csv(datasets / "online_retail/online_retail.csv.gz", dtype=str, keep_default_na=False)
    lines.columns = ["invoice", "stock", "description", "quantity", "date", "price", "customer", "country"]
    lines["stock"] = lines.stock.str.strip()
    qty, price = lines.quantity.astype(int), lines.price.astype(float)
    sale = ~lines.invoice.str.startswith(("C", "A")) & (qty > 0) & (price > 0)
    lines["amount"] = qty * price
    lines["sale"] = sale
    lines["loaded"] = sale | (lines.invoice.str.startswith("C") & (lines.amount <= 0))  # refunds: -(q x p) >= 0
    goods = lines[lines.stock.map(by_hand) == "merchandise"]
    value = goods[goods["sale"]].groupby("stock").amount.sum().round(6)
    for code in set(goods[goods["loaded"]].stock) - set(value.index):
        value[code] = 0.0
    frame = value.rename("value").reset_index().rename(columns={"stock": "pid"})
    frame = frame.sort_values(["value", "pid"], ascending=[False, True]).reset_index(drop=True)
    total = frame.value.clip(lower=0).sum()
    above = frame.value.clip(lower=0).cumsum().shift(fill_value=0) / total
    frame["klass"] = ["A" if a < 0.6 else "B" if a < 0.85 else "C" for a in above]
    frame.loc[frame.value <= 0, "klass"] = "C"
    return dict(zip(frame.pid, frame.klass, strict=True))


def test_acceptance_online_retail_matches_pandas(retail_db: Path, datasets: Path) -> None:
    with shoplens.connect(str(retail_db), read_only=True) as wh:
        got = shoplens.products_abc(wh, "gmv", start=date(2010, 12, 1), end=date(2011, 12, 9)).to_dict()
    expected = reference_classes(datasets)
    assert _classes(got) == expected  # every SKU's class
    sizes = {k: sum(1 for v in expected.values() if v == k) for k in "ABC"}
    assert {k: v["skus"] for k, v in got["classes"].items()} == sizes
    assert sizes["A"] > 100 and sizes["C"] > sizes["A"]  # a real Pareto: few A, many C


# ---------------------------------------------------------------- CLI as a real process


def _cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(path), "products", "abc", *args],
                          capture_output=True, text=True, timeout=120)


def test_cli_json_csv_table_and_errors(shop: Path) -> None:
    period = ["--from", "2026-03-11", "--to", "2026-03-20"]
    out = _cli(shop, *period, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == _abc(shop)
    csv = _cli(shop, *period, "--format", "csv", "--by", "units")
    assert csv.returncode == 0, csv.stderr
    rows = csv.stdout.splitlines()
    assert rows[0] == "rank,product_id,name,category,value,share,cumulative_share,class,previous_class"
    assert rows[1] == "1,a4,Delta,Y,10.0,0.5,0.5,A,A"
    table = _cli(shop, *period, "--limit", "2")
    assert table.returncode == 0, table.stderr
    assert "a1" in table.stdout and "a3" not in table.stdout and "4 more SKUs" in table.stdout
    assert "Classes" in table.stdout
    bad = _cli(shop, *period, "--thresholds", "90,80")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "--thresholds" in bad.stderr
    zh = subprocess.run([sys.executable, "-m", "shoplens", "--lang", "zh", "--db", str(shop), "products", "abc",
                         "--by", "foo"], capture_output=True, text=True, timeout=120)
    assert zh.returncode != 0 and "未知" in zh.stderr


# ---------------------------------------------------------------- REST through a real server


def test_rest_equals_python_and_is_cut_to_the_login(two_store_api: ApiServer, demo_db: Path) -> None:
    params = {"from": "2026-10-01", "to": "2026-10-31", "store": "demo"}
    r = two_store_api.client("vic").get("/api/v1/products/abc", params=params)
    assert r.status_code == 200, r.text
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        local = shoplens.products_abc(wh, start=date(2026, 10, 1), end=date(2026, 10, 31), store="demo").to_dict()
    assert r.json() == local
    csv = two_store_api.client("vic").get("/api/v1/products/abc", params={**params, "format": "csv"})
    assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("rank,product_id")
    # olga may see only "other": demo's SKUs are out of reach, and her store has no product sales
    denied = two_store_api.client("olga").get("/api/v1/products/abc", params=params)
    assert denied.status_code in (403, 404) and "error" in denied.json()
    own = two_store_api.client("olga").get("/api/v1/products/abc", params={"from": "2026-10-01", "to": "2026-11-30"})
    assert own.status_code == 400 and "no sales in store other" in own.json()["error"]["message"]
    bad = two_store_api.client("vic").get("/api/v1/products/abc", params={**params, "thresholds": "90,10"})
    assert bad.status_code == 400 and bad.json()["error"]["zh"]


def test_thresholds_as_shares_round_trip() -> None:
    """The JSON writes thresholds as shares: given back (text or list), they mean the same cut-offs."""
    from shoplens.analyses.products.abc import parse_thresholds

    assert parse_thresholds("0.6,0.85") == parse_thresholds("60,85") == parse_thresholds([0.6, 0.85]) == (0.6, 0.85)
    assert parse_thresholds("50%,80%") == (0.5, 0.8)
