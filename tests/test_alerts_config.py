"""Alert rules in the config file: shipped defaults changed and switched off by id, and every mistake one line
(what, where in the file, hint) with a non-zero exit and nothing stored."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import shoplens
from alerts_shop import DAY, build
from shoplens.analyses.alerts import load_rules
from shoplens.errors import ShoplensError


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("alerts_config_shop"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shoplens.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rules_are_bilingual_and_switchable(tmp_path: Path) -> None:
    shipped = {r.id: r for r in load_rules(None)}
    assert {"uv_value_drop", "conversion_below_benchmark", "gmv_dod_drop", "gmv_wow_drop", "refund_rate_spike",
            "a_sku_stockout", "days_of_cover_below_lead_time", "on_time_delivery_floor", "first_response_ceiling",
            "paid_channel_roi_below_1", "anomaly_high"} <= set(shipped)
    for r in shipped.values():
        assert r.name["en"] and r.name["zh"] and r.name["en"] != r.name["zh"], r.id
        assert r.enabled or (r.reason["en"] and r.reason["zh"]), r.id  # a rule shipped off says why
    assert shipped["uv_value_drop"].params == {"baseline": "same_weekday", "weeks": 4, "drop": 0.2}
    config = write(tmp_path, "alerts:\n  gmv_dod_drop: {drop: 0.5}\n  uv_value_drop: off\n"
                   "  mine: {kind: threshold, metric: gmv, below: 10, scope: {store: s1}, severity: low}\n")
    rules = {r.id: r for r in load_rules(config)}
    assert rules["gmv_dod_drop"].params["drop"] == 0.5 and rules["gmv_dod_drop"].params["baseline"] == "previous_day"
    assert not rules["uv_value_drop"].enabled and rules["mine"].scope == {"store": "s1"}


@pytest.mark.parametrize(("text", "where", "says"), [
    ("alerts:\n  x: {kind: threshold, metric: gmvv, below: 1}\n", "alerts.x.metric", "did you mean gmv"),
    ("alerts:\n  x: {kind: change, metric: gmv, drp: 0.2}\n", "alerts.x.drp", "did you mean drop"),
    ("alerts:\n  x: {kind: change, metric: gmv, drop: lots}\n", "alerts.x.drop", "'lots' is not a number above 0"),
    ("alerts:\n  x: {kind: threshold, metric: gmv, below: '5'}\n", "alerts.x.below", "'5' is not a number"),
    ("alerts:\n  x: {kind: threshold, metric: gmv, by: chanel, below: 1}\n", "alerts.x.by", "did you mean channel"),
    ("alerts:\n  x: {kind: threshold, metric: dsr_service, by: channel, below: 1}\n", "alerts.x.by",
     "cannot be cut by 'channel'"),
    ("alerts:\n  x: {kind: treshold, metric: gmv, below: 1}\n", "alerts.x.kind", "did you mean threshold"),
    ("alerts:\n  x: {kind: change, metric: gmv, baseline: last_week, drop: 0.2}\n", "alerts.x.baseline",
     "one of previous_day"),
    ("alerts:\n  x: {kind: threshold, metric: gmv, below: 1, message: {en: '{valu}'}}\n", "alerts.x.message.en",
     "unknown placeholder {valu}"),
    ("alerts:\n  nope: off\n", "alerts.nope", "not a shipped rule"),
    ("alerts:\n  uv_value_dropp: {drop: 0.3}\n", "alerts.uv_value_dropp",
     "'uv_value_dropp' is not a shipped rule, and as a rule of your own it has no kind (hint: did you mean "
     "uv_value_drop"),
    ("alerts:\n  my_rule: {metric: gmv, below: 1}\n", "alerts.my_rule", "needs kind: one of threshold"),
    ("alertz:\n  x: 1\n", "", "unknown section 'alertz'"),
])
def test_config_mistakes_are_one_line_and_store_nothing(built: Path, tmp_path: Path, text: str, where: str,
                                                        says: str) -> None:
    db = tmp_path / "shop.duckdb"
    shutil.copy(built, db)
    config = write(tmp_path, text)
    out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), "alerts", "check", "--config",
                          str(config)], capture_output=True, text=True)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert f"{config}: {where}" in lines[0] and says in lines[0]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM alerts").fetchone() == (0,)
    con.close()


def test_unknown_scope_value_and_a_day_without_data_store_nothing(built: Path, tmp_path: Path) -> None:
    db = tmp_path / "shop.duckdb"
    shutil.copy(built, db)
    config = write(tmp_path, "alerts:\n  x: {kind: threshold, metric: gmv, below: 1, scope: {channel: paidsearch}}\n")
    with shoplens.connect(str(db)) as wh:
        with pytest.raises(ShoplensError) as bad:
            shoplens.alerts_check(wh, day=DAY, config=config)
        assert bad.value.where == f"{config}: alerts.x.scope.channel" and "paid_search" in (bad.value.hint or "")
        with pytest.raises(ShoplensError) as empty:
            shoplens.alerts_check(wh, day=DAY.replace(year=2020))
        assert "no data on 2020-04-05" in str(empty.value) and "2026-03-02..2026-04-05" in str(empty.value)
        assert wh.con.execute("SELECT count(*) FROM alerts").fetchone() == (0,)
    zh = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), "--lang", "zh", "alerts", "check",
                         "--date", "2020-04-05"], capture_output=True, text=True)
    assert zh.returncode != 0 and "没有数据" in zh.stderr and len(zh.stderr.strip().splitlines()) == 1


def test_rules_command_lists_the_effective_rules(tmp_path: Path) -> None:
    config = write(tmp_path, "alerts:\n  gmv_dod_drop: off\n")
    out = subprocess.run([sys.executable, "-m", "shoplens", "alerts", "rules", "--config", str(config), "--format",
                          "json"], capture_output=True, text=True, check=True)
    import json

    rules = {r["id"]: r for r in json.loads(out.stdout)["rules"]}
    assert rules["gmv_dod_drop"]["enabled"] is False and rules["gmv_wow_drop"]["enabled"] is True
    assert json.loads(out.stdout) == shoplens.alerts_rules(config)
