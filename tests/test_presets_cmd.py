"""`shoplens presets` and `--preset auto` (issue #15): every preset says the file it expects (en + zh) and
recognises its platform's header; auto picks the preset the header belongs to and says so; a file given to the
wrong preset gets a hint naming the preset it looks like. Checked on the real data sets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from shoplens.errors import SchemaError
from shoplens.ingest.auto_preset import recognising
from shoplens.ingest.pipeline import import_files
from shoplens.presets import get_preset, preset_names

ENV = {"SHOPLENS_LANG": "en", "COLUMNS": "250", "SHOPLENS_LOCK_WAIT": "2"}
# real file -> the preset that reads it (every kind of header: named, headerless, whitespace, Parquet)
FILES = {
    "cdnow/CDNOW_master.txt": "cdnow", "cdnow/CDNOW_sample.txt": "cdnow", "cdnow/cdnow_master.csv.gz": "cdnow",
    "cdnow/cdnow_sample.csv.gz": "cdnow", "olist_partial/olist_customers_dataset.csv.gz": "olist",
    "olist_partial/olist_order_payments_dataset.csv.gz": "olist", "olist_partial/olist_products_dataset.csv": "olist",
    "olist_partial/olist_sellers_dataset.csv": "olist", "olist_partial/product_category_name_translation.csv": "olist",
    "online_retail/online_retail.csv.gz": "online-retail",
    "online_retail_ii/online_retail_II_2009_2010.csv.gz": "online-retail",
    "online_retail_ii/online_retail_II_2009_2010.parquet": "online-retail",
    "taobao_userbehavior_sample/UserBehavior_head.csv.gz": "taobao-userbehavior",
}


def cli(*args: str, cwd: Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", "--lang", lang, *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **ENV, "SHOPLENS_DB": str(cwd / "w.duckdb")}, cwd=cwd)


def test_presets_json_lists_every_preset_with_what_it_expects(tmp_path: Path) -> None:
    proc = cli("presets", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(proc.stdout)
    assert [p["name"] for p in listed] == preset_names()
    for item in listed:
        preset = get_preset(item["name"])
        assert item == {"name": preset.name, "description": preset.description,
                        "description_zh": preset.description_zh, "expects": preset.expects,
                        "expects_zh": preset.expects_zh, "platform": preset.platform, "timezone": preset.timezone,
                        "currency": preset.currency}
        assert item["expects"] and item["expects_zh"] and item["expects"] != item["expects_zh"]


def test_presets_table_follows_the_language(tmp_path: Path) -> None:
    en, zh = cli("presets", cwd=tmp_path), cli("presets", cwd=tmp_path, lang="zh")
    assert en.returncode == zh.returncode == 0
    olist = get_preset("olist")
    flat_en, flat_zh = (" ".join(p.stdout.split()) for p in (en, zh))
    assert "Kaggle" in flat_en and "Expects" in flat_en and "--preset auto" in flat_en
    assert "需要的文件" in flat_zh and "按表头自动识别" in flat_zh and olist.description not in zh.stdout


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_real_file_is_recognised_by_its_preset_only(datasets: Path, name: str) -> None:
    assert recognising(datasets / name) == [FILES[name]]


@pytest.mark.parametrize("header", [["order_id", "created_ts", "gross_amount"], ["订单编号", "订单状态"],
                                    ["mql_id", "first_contact_date", "landing_page_id", "origin"]])
def test_canonical_and_unknown_headers_are_no_preset(header: list[str], tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(",".join(header) + "\n" + ",".join("1" for _ in header) + "\n", encoding="utf-8")
    assert recognising(path) == []


def test_auto_picks_the_preset_says_so_and_loads_as_the_named_preset(datasets: Path, tmp_path: Path) -> None:
    path = datasets / "cdnow/CDNOW_sample.txt"
    proc = cli("import", "--preset", "auto", str(path), "--store", "cd", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "preset chosen by the header: cdnow" in proc.stdout and "Preset cdnow" in proc.stdout
    as_json = cli("import", "--preset", "auto", str(path), "--store", "cd", "-f", "json", cwd=tmp_path)
    assert json.loads(as_json.stdout)["preset_chosen"] == "cdnow"
    # the same numbers as naming the preset: lines of the file = orders, dollars summed independently
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    count, total = con.execute("SELECT count(*), sum(gross_amount) FROM orders WHERE store_id = 'cd'").fetchone()
    assert count == len(lines) and float(total) == pytest.approx(sum(float(c[-1]) for c in lines), abs=0.005)


def test_auto_with_no_matching_preset_suggests_a_canonical_import(wh, tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("order_id,created_ts,gross_amount\no1,2026-01-01,1\n", encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        import_files(wh, [path], preset="auto", store="s", currency="USD", timezone="UTC")
    text = str(err.value)
    assert "no preset recognises this file's header" in text and "shoplens import orders FILE" in text
    assert "--preset NAME" in text and err.value.zh_hint


def test_auto_refuses_files_of_different_presets(wh, datasets: Path) -> None:
    with pytest.raises(Exception) as err:
        import_files(wh, [datasets / "cdnow/CDNOW_sample.txt", datasets / "olist_partial/olist_sellers_dataset.csv"],
                     preset="auto", store="s")
    assert "look like different presets" in str(err.value)
    assert wh.con.execute("SELECT count(*) FROM import_manifest").fetchone()[0] == 0


def test_a_file_given_to_the_wrong_preset_names_the_one_it_looks_like(datasets: Path, tmp_path: Path) -> None:
    proc = cli("import", "--preset", "online-retail", str(datasets / "olist_partial/olist_sellers_dataset.csv"),
               "--store", "x", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "not an Online Retail export" in proc.stderr and "it looks like a olist file: --preset olist" in proc.stderr
    zh = cli("import", "--preset", "olist", str(datasets / "cdnow/cdnow_sample.csv.gz"), "--store", "x",
             cwd=tmp_path, lang="zh")
    assert zh.returncode == 2 and "它像是 cdnow 文件：--preset cdnow" in zh.stderr, zh.stderr


PLATFORM_SAMPLES = {  # the platform samples of tests/data/presets and the preset each is
    "tmall_orders_gbk.csv": "tmall-orders", "tmall_items.csv": "tmall-orders",
    "sycm_trade_day.csv": "sycm-trade", "sycm_trade_week_gbk.csv": "sycm-trade",
    "sycm_traffic_gbk.csv": "sycm-traffic", "sycm_products_day.csv": "sycm-products",
    "shopify_orders_export.csv": "shopify-orders", "shopify_products_export.csv": "shopify-products",
    "shopify_customers_export.csv": "shopify-customers", "woocommerce_orders_export.csv": "woocommerce-orders",
    "amazon-all-orders.txt": "amazon-orders", "amazon-business-report-by-date.csv": "amazon-business-report",
    "amazon-business-report-child-2026-11.csv": "amazon-business-report", "amazon-ads-sp-campaigns.csv": "amazon-ads",
    "ga4-events-20261105.jsonl": "ga4-bigquery",
}


@pytest.mark.parametrize(("name", "preset"), PLATFORM_SAMPLES.items())
def test_auto_recognises_every_platform_sample(name: str, preset: str) -> None:
    """`--preset auto` judges each file by the header its preset would read: a 生意参谋 report is recognised below
    its title rows, not by its first title line."""
    from shoplens.ingest.auto_preset import choose_preset

    assert choose_preset([Path(__file__).parent / "data" / "presets" / name]) == preset
