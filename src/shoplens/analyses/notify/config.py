"""The ``notify:`` section of ``shoplens.yaml``: named channels and the routes that pick alerts for them.

::

    notify:
      cooldown: 6h              # an alert of the same rule + scope sent within it is skipped (s, m, h, d)
      digest_over: 5            # more alerts than this to one channel in one run go as one message
      retries: 3                # further attempts on a network error or a 5xx answer
      backoff: 1                # seconds before the first retry, doubled each time
      timeout: 10               # seconds per request
      channels:
        ops:  {type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}",
               secret: "${DING_SECRET}"}
        mail: {type: email, host: smtp.example.com, port: 465, security: ssl, username: bot@example.com,
               password: "${SMTP_PASSWORD}", from: bot@example.com, to: [ops@example.com]}
      routes:
        - {channels: [ops], min_severity: high}
        - {channels: [mail], stores: [demo], rules: [gmv_dod_drop]}

``${NAME}`` in any text is read from the environment. Without ``routes`` every alert goes to every channel.
Every mistake is one line naming the place (``shoplens.yaml: notify.channels.ops.url``); secrets (``secret``,
``password``, header values and the tokens in robot URLs) never appear in an error or an output.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from shoplens.config import config_section
from shoplens.errors import ShoplensError, close_hint

TYPES = ("webhook", "dingtalk", "feishu", "wecom", "slack", "email")
SEVERITIES = ("high", "medium", "low")
SECURITY = ("starttls", "ssl", "none")
LANGS = ("zh", "en")
HTTP_KEYS = ("type", "url", "lang", "timeout")
KEYS = {"webhook": (*HTTP_KEYS, "headers"), "dingtalk": (*HTTP_KEYS, "secret", "keyword"),
        "feishu": (*HTTP_KEYS, "secret", "keyword"), "wecom": HTTP_KEYS, "slack": HTTP_KEYS,
        "email": ("type", "host", "port", "security", "username", "password", "from", "to", "lang", "timeout",
                  "ca_file")}
TOP_KEYS = ("channels", "routes", "cooldown", "digest_over", "retries", "backoff", "timeout")
ROUTE_KEYS = ("channels", "rules", "min_severity", "stores")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 3600}


@dataclass(frozen=True)
class Channel:
    name: str
    type: str
    lang: str
    url: str | None = None
    secret: str | None = None
    keyword: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    host: str | None = None
    port: int | None = None
    security: str = "starttls"
    username: str | None = None
    password: str | None = None
    sender: str | None = None
    to: tuple[str, ...] = ()
    ca_file: str | None = None  # a private CA's certificates (PEM) for the SMTP server's TLS certificate
    timeout: float = 10.0

    def secrets(self) -> list[str]:
        """Every text that must never be printed: signing secret, password, header values, the URL's token parts."""
        out = [s for s in (self.secret, self.password, *self.headers.values()) if s]
        if self.url:  # query values (access_token=, key=), long path tokens (Feishu), Slack's T/B/secret triple
            parts = urlsplit(self.url)
            segments = parts.path.split("/")
            out += [v for q in parts.query.split("&") if len(v := q.partition("=")[2]) >= 4]
            out += [p for i, p in enumerate(segments) if len(p) >= 16 or (self.type == "slack" and p and i > 1)]
        return sorted(set(out), key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for s in self.secrets():
            text = text.replace(s, "***")
        return text

    def shown(self) -> str:
        """Where it goes, without secrets: ``dingtalk https://oapi.dingtalk.com/***``, ``email smtp.x:465``."""
        if self.type == "email":
            return f"email {self.host}:{self.port} -> {', '.join(self.to)}"
        parts = urlsplit(self.url or "")
        return f"{self.type} {parts.scheme}://{parts.netloc}/***"


@dataclass(frozen=True)
class Route:
    channels: tuple[str, ...]
    rules: tuple[str, ...] | None = None
    min_severity: str = "low"
    stores: tuple[str, ...] | None = None

    def takes(self, alert: dict[str, Any]) -> bool:
        return ((self.rules is None or alert["rule"] in self.rules)
                and SEVERITIES.index(alert["severity"]) <= SEVERITIES.index(self.min_severity)
                and (self.stores is None or alert["store"] in self.stores))


@dataclass(frozen=True)
class NotifyConfig:
    channels: dict[str, Channel]
    routes: tuple[Route, ...]
    cooldown: float = 6 * 3600.0  # seconds
    digest_over: int = 5
    retries: int = 3
    backoff: float = 1.0

    def channels_for(self, alert: dict[str, Any]) -> list[str]:
        if not self.routes:
            return list(self.channels)
        names = [c for r in self.routes if r.takes(alert) for c in r.channels]
        return list(dict.fromkeys(names))


def bad(where: str, message: str, zh: str, hint: str | None = None, zh_hint: str | None = None) -> ShoplensError:
    return ShoplensError(message, where=where, hint=hint or "see README, section Alert delivery",
                         zh=f"配置文件有误：{zh}", zh_hint=zh_hint or "参见 README 的“告警推送”一节")


def check_keys(raw: dict[str, Any], known: tuple[str, ...], where: str, what: str) -> None:
    for key in raw:
        if key not in known:
            hint, zh_hint = close_hint(str(key), known, cutoff=0.5)
            raise bad(f"{where}.{key}", f"unknown key {key!r} for {what}", f"{what} 没有键 {key!r}", hint, zh_hint)


def expand(value: Any, where: str) -> Any:
    """``${NAME}`` in texts (also inside lists and mappings) from the environment; a missing one names the key."""
    if isinstance(value, dict):
        return {k: expand(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise bad(where, f"environment variable {name} is not set", f"环境变量 {name} 未设置",
                      f"export {name}=... before running shoplens", f"运行 shoplens 前先 export {name}=...")
        return os.environ[name]

    return _VAR.sub(one, value)


def _text(raw: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise bad(where, f"the channel needs {key}", f"渠道缺少 {key}")
        return None
    if not isinstance(value, str) or not value.strip():
        shown = "***" if key in ("secret", "password") else repr(value)
        raise bad(f"{where}.{key}", f"{key} must be a non-empty text, not {shown}",
                  f"{key} 应为非空文本，而不是 {shown}")
    return value


def _number(value: Any, where: str, *, whole: bool = False, low: float = 0) -> float:
    ok = isinstance(value, int) if whole else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or value < low:
        what = f"a whole number from {low:g}" if whole else f"a number from {low:g}"
        raise bad(where, f"{value!r} is not {what}", f"{value!r} 不是不小于 {low:g} 的{'整数' if whole else '数字'}")
    return float(value)


def _span(value: Any, where: str) -> float:
    """``6h``, ``30m``, ``1d``, ``0`` or a number of hours: seconds."""
    match = _SPAN.match(str(value)) if not isinstance(value, bool) else None
    if match is None:
        raise bad(where, f"{value!r} is not a duration", f"{value!r} 不是时长", "e.g. 6h, 30m, 1d or 0",
                  "例如 6h、30m、1d 或 0")
    return float(match.group(1)) * _UNIT[match.group(2)]


def _url(raw: dict[str, Any], where: str) -> str:
    url = _text(raw, "url", where, required=True) or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        shown = f"{parts.scheme}://" if parts.scheme else "no scheme"
        raise bad(f"{where}.url", f"the URL must start with https:// or http:// ({shown})",
                  f"URL 应以 https:// 或 http:// 开头（{shown}）", "copy the robot's webhook address",
                  "复制机器人的 Webhook 地址")
    return url


def parse_channel(name: str, raw: Any, where: str) -> Channel:
    if not isinstance(raw, dict):
        raise bad(where, "a channel must be a mapping (type, url, ...)", "渠道应为键值映射（type、url 等）")
    kind = raw.get("type")
    if kind not in TYPES:
        hint, zh_hint = close_hint(str(kind), TYPES, cutoff=0.5)
        raise bad(f"{where}.type", f"channel type {kind!r} is not one of {', '.join(TYPES)}",
                  f"渠道类型 {kind!r} 无效", hint, zh_hint)
    check_keys(raw, KEYS[kind], where, f"a {kind} channel")
    raw = expand(raw, where)
    lang = raw.get("lang", "zh" if kind in ("dingtalk", "feishu", "wecom") else "en")
    if lang not in LANGS:
        raise bad(f"{where}.lang", f"lang {lang!r} is not zh or en", f"lang {lang!r} 应为 zh 或 en")
    timeout = _number(raw.get("timeout", 10), f"{where}.timeout", low=0.1)
    if kind != "email":
        headers = raw.get("headers") or {}
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise bad(f"{where}.headers", "headers must map names to texts", "headers 应为“名称: 文本”的映射")
        return Channel(name, kind, lang, url=_url(raw, where), secret=_text(raw, "secret", where),
                       keyword=_text(raw, "keyword", where), headers={str(k): v for k, v in headers.items()},
                       timeout=timeout)
    security = raw.get("security", "starttls")
    if security not in SECURITY:
        hint, zh_hint = close_hint(str(security), SECURITY, cutoff=0.5)
        raise bad(f"{where}.security", f"security {security!r} is not one of {', '.join(SECURITY)}",
                  f"security {security!r} 无效", hint, zh_hint)
    port = int(_number(raw.get("port", {"ssl": 465, "starttls": 587, "none": 25}[security]), f"{where}.port",
                       whole=True, low=1))
    to = raw.get("to")
    to = [to] if isinstance(to, str) else to
    if not isinstance(to, list) or not to or not all(isinstance(a, str) and "@" in a for a in to):
        raise bad(f"{where}.to", "to must be a list of mail addresses", "to 应为邮件地址列表",
                  "e.g. to: [ops@example.com]", "例如 to: [ops@example.com]")
    sender = _text(raw, "from", where, required=True) or ""
    if "@" not in sender:
        raise bad(f"{where}.from", f"{sender!r} is not a mail address", f"{sender!r} 不是邮件地址")
    ca_file = _text(raw, "ca_file", where)
    if ca_file is not None and not Path(ca_file).is_file():
        raise bad(f"{where}.ca_file", f"no file {ca_file}", f"文件 {ca_file} 不存在", "a PEM file of CA certificates",
                  "PEM 格式的 CA 证书文件")
    username, password = _text(raw, "username", where), _text(raw, "password", where)
    if (username is None) != (password is None):
        raise bad(where, "username and password go together", "username 与 password 须同时给出")
    return Channel(name, kind, lang, host=_text(raw, "host", where, required=True), port=port, security=security,
                   username=username, password=password, sender=sender, to=tuple(to), ca_file=ca_file,
                   timeout=timeout)


def parse_route(raw: Any, where: str, channels: dict[str, Channel]) -> Route:
    if not isinstance(raw, dict):
        raise bad(where, "a route must be a mapping {channels: [...], rules, min_severity, stores}",
                  "路由应为键值映射 {channels: [...], rules, min_severity, stores}")
    check_keys(raw, ROUTE_KEYS, where, "a route")

    def names(key: str) -> tuple[str, ...] | None:
        value = raw.get(key)
        if value is None:
            return None
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise bad(f"{where}.{key}", f"{key} must be a list of names", f"{key} 应为名称列表")
        return tuple(value)

    picked = names("channels")
    if picked is None:
        raise bad(where, "the route needs channels", "路由缺少 channels")
    for i, name in enumerate(picked):
        if name not in channels:
            hint, zh_hint = close_hint(name, list(channels), cutoff=0.5)
            raise bad(f"{where}.channels[{i}]", f"unknown channel {name!r}", f"未知渠道 {name!r}", hint, zh_hint)
    severity = raw.get("min_severity", "low")
    if severity not in SEVERITIES:
        hint, zh_hint = close_hint(str(severity), SEVERITIES, cutoff=0.5)
        raise bad(f"{where}.min_severity", f"min_severity {severity!r} is not one of {', '.join(SEVERITIES)}",
                  f"min_severity {severity!r} 无效", hint, zh_hint)
    return Route(picked, names("rules"), severity, names("stores"))


def parse_notify(section: Any, where: str) -> NotifyConfig:
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise bad(where, "the notify section must be a mapping (channels, routes, ...)",
                  "notify 部分应为键值映射（channels、routes 等）")
    check_keys(section, TOP_KEYS, where, "notify")
    raw_channels = section.get("channels") or {}
    if not isinstance(raw_channels, dict):
        raise bad(f"{where}.channels", "channels must map names to channels", "channels 应为“名称: 渠道”的映射")
    channels = {str(k): parse_channel(str(k), v, f"{where}.channels.{k}") for k, v in raw_channels.items()}
    raw_routes = section.get("routes") or []
    if not isinstance(raw_routes, list):
        raise bad(f"{where}.routes", "routes must be a list", "routes 应为列表")
    routes = tuple(parse_route(r, f"{where}.routes[{i}]", channels) for i, r in enumerate(raw_routes))
    return NotifyConfig(channels, routes, _span(section.get("cooldown", "6h"), f"{where}.cooldown"),
                        int(_number(section.get("digest_over", 5), f"{where}.digest_over", whole=True, low=1)),
                        int(_number(section.get("retries", 3), f"{where}.retries", whole=True)),
                        _number(section.get("backoff", 1), f"{where}.backoff"))


def load_notify(explicit: str | os.PathLike[str] | None = None) -> NotifyConfig:
    """The ``notify:`` section of the config file (``--config``, $SHOPLENS_CONFIG, ./shoplens.yaml)."""
    return parse_notify(*config_section(explicit, "notify"))
