"""The ``notify:`` section: ${NAME} from the environment, one-line bilingual errors naming the place in the file
(unknown channel in a route with "did you mean", unknown keys, types, URL schemes, a missing variable), and
secrets that never reach an error or an output; the CLI prints one line without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shoplens.analyses.notify import parse_notify
from shoplens.errors import ShoplensError

DING = {"type": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=abc123"}


def error(section: Any) -> ShoplensError:
    with pytest.raises(ShoplensError) as info:
        parse_notify(section, "shoplens.yaml: notify")
    assert "\n" not in str(info.value) and "\n" not in info.value.render("zh")
    return info.value


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DING_TOKEN", "tok-from-env")
    monkeypatch.setenv("DING_SECRET", "SEC-from-env")
    cfg = parse_notify({"channels": {
        "ops": {"type": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}",
                "secret": "${DING_SECRET}"},
        "hook": {"type": "webhook", "url": "http://127.0.0.1:9/x"}}}, "notify")
    ops = cfg.channels["ops"]
    assert ops.url == "https://oapi.dingtalk.com/robot/send?access_token=tok-from-env" and ops.secret == "SEC-from-env"
    assert (ops.lang, cfg.channels["hook"].lang) == ("zh", "en")
    assert (cfg.cooldown, cfg.digest_over, cfg.retries, cfg.backoff) == (6 * 3600, 5, 3, 1.0)
    assert cfg.channels_for({"rule": "x", "severity": "low", "store": "s"}) == ["ops", "hook"], "no routes: all"
    assert ops.shown() == "dingtalk https://oapi.dingtalk.com/***"
    assert parse_notify({"cooldown": "30m"}, "n").cooldown == 1800
    assert parse_notify({"cooldown": 2}, "n").cooldown == 7200, "a bare number is hours"


@pytest.mark.parametrize(("section", "where", "words"), [
    ({"channels": {"ops": DING}, "routes": [{"channels": ["opz"]}]}, "notify.routes[0].channels[0]",
     ["unknown channel 'opz'", "did you mean ops?"]),
    ({"channels": {"ops": {**DING, "secert": "x"}}}, "notify.channels.ops.secert",
     ["unknown key", "did you mean secret?"]),
    ({"channels": {"ops": {**DING, "type": "dingding"}}}, "notify.channels.ops.type", ["did you mean dingtalk?"]),
    ({"channels": {"ops": {**DING, "url": "ftp://x.example.com/h"}}}, "notify.channels.ops.url", ["https://"]),
    ({"channels": {"ops": {**DING, "url": "oapi.dingtalk.com/robot"}}}, "notify.channels.ops.url", ["no scheme"]),
    ({"channels": {"ops": {**DING, "lang": "fr"}}}, "notify.channels.ops.lang", ["zh or en"]),
    ({"channels": {"ops": {**DING, "secret": 12345678}}}, "notify.channels.ops.secret", ["***"]),
    ({"channels": {"ops": DING}, "routes": [{"channels": ["ops"], "min_severity": "hgh"}]},
     "notify.routes[0].min_severity", ["did you mean high?"]),
    ({"channels": {"ops": DING}, "routes": [{"channel": ["ops"]}]}, "notify.routes[0].channel",
     ["did you mean channels?"]),
    ({"channels": {"m": {"type": "email", "host": "h", "from": "a@b.c", "to": "x@y.z", "security": "tls"}}},
     "notify.channels.m.security", ["did you mean"]),
    ({"channels": {"m": {"type": "email", "host": "h", "from": "a@b.c", "to": ["nobody"]}}}, "notify.channels.m.to",
     ["mail addresses"]),
    ({"channels": {"m": {"type": "email", "host": "h", "from": "a@b.c", "to": ["x@y.z"], "port": "25x"}}},
     "notify.channels.m.port", ["whole number"]),
    ({"channels": {"m": {"type": "email", "host": "h", "from": "a@b.c", "to": ["x@y.z"], "ca_file": "/no/such.pem"}}},
     "notify.channels.m.ca_file", ["no file /no/such.pem"]),
    ({"cooldown": "six hours"}, "notify.cooldown", ["not a duration"]),
    ({"retries": -1}, "notify.retries", ["whole number from 0"]),
    ({"chanels": {}}, "notify.chanels", ["did you mean channels?"]),
    ({"channels": ["ops"]}, "notify.channels", ["map names"]),
])
def test_one_line_errors_name_the_place(section: Any, where: str, words: list[str]) -> None:
    exc = error(section)
    assert exc.where == f"shoplens.yaml: {where}"
    for word in words:
        assert word in str(exc)
    assert exc.zh and exc.zh.startswith("配置文件有误")


def test_a_missing_variable_names_the_key_and_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    exc = error({"channels": {"ops": {**DING, "secret": "${NO_SUCH_SECRET}"}}})
    assert exc.where == "shoplens.yaml: notify.channels.ops.secret"
    assert "environment variable NO_SUCH_SECRET is not set" in str(exc)


def test_the_password_never_appears_in_an_error() -> None:
    exc = error({"channels": {"m": {"type": "email", "host": "h", "from": "a@b.c", "to": ["x@y.z"],
                                    "password": "pa55-w0rd-SECRET"}}})  # a password without a username
    assert "pa55-w0rd-SECRET" not in str(exc) + exc.render("zh")


def test_cli_config_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    cfg = tmp_path / "shoplens.yaml"
    cfg.write_text("notify:\n  channels:\n    ops: {type: dingtalk, url: 'https://x.example.com/r?access_token=t'}\n"
                   "  routes:\n    - {channels: [opz]}\n", encoding="utf-8")
    for lang, word in (("en", "did you mean ops?"), ("zh", "是否想用 ops？")):
        proc = subprocess.run([sys.executable, "-m", "shoplens", "--lang", lang, "--db", str(tmp_path / "w.duckdb"),
                               "alerts", "send", "--config", str(cfg)], capture_output=True, text=True,
                              env={**os.environ, "SHOPLENS_CONFIG": ""}, timeout=120)
        assert proc.returncode == 2 and proc.stdout == ""
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and f"{cfg}: notify.routes[0].channels[0]" in lines[0] and word in lines[0]


def test_cli_without_channels_says_so(tmp_path: Path) -> None:
    cfg = tmp_path / "shoplens.yaml"
    cfg.write_text("alerts: {}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "shoplens", "--lang", "en", "notify", "test", "ops", "--config",
                           str(cfg)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "no delivery channels are configured" in proc.stderr


def test_secrets_of_robot_urls_are_masked_and_plain_words_are_not() -> None:
    cfg = parse_notify({"channels": {
        "ding": {**DING, "secret": "SECsigning"},
        "fs": {"type": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978-8a9b-abcdef"},
        "sl": {"type": "slack", "url": "https://hooks.slack.com/services/T01ABC/B02DEF/xyzSecretPart"},
        "hook": {"type": "webhook", "url": "https://ops.example.com/alerts?token=hooktoken",
                 "headers": {"Authorization": "Bearer abc-def"}}}}, "notify")
    ch = cfg.channels
    assert ch["ding"].scrub("abc123 and SECsigning in the alerts") == "*** and *** in the alerts"
    assert ch["fs"].scrub("hook 0f1e2d3c-4b5a-6978-8a9b-abcdef unknown") == "hook *** unknown"
    assert ch["sl"].scrub("T01ABC/B02DEF/xyzSecretPart: no_service") == "***/***/***: no_service"
    assert ch["hook"].scrub("no alerts for hooktoken, Bearer abc-def") == "no alerts for ***, ***"


def test_notify_test_of_an_unknown_channel_suggests_the_close_one() -> None:
    from shoplens.analyses.notify import notify_test
    from shoplens.errors import NotFoundError

    cfg = parse_notify({"channels": {"ops": DING}}, "notify")
    with pytest.raises(NotFoundError) as info:
        notify_test("opz", notify=cfg)
    assert str(info.value) == "CHANNEL: no channel 'opz' (hint: did you mean ops?)"
