"""The server's limits, from the ``server:`` section of the config file ($SHOPLENS_CONFIG or ./shoplens.yaml).

Every limit is checked before the work it guards: a request body is counted while it arrives, an upload's
login is checked before its first byte is read, a metric query's cost before its SQL runs. Defaults are
safe for a laptop or one small server; the README's REST API section lists them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, fields
from typing import Any

from shoplens.errors import ShoplensError
from shoplens.metrics.limits import MAX_CELLS, MAX_COMPARED_PERIODS, MAX_DAYS, QueryLimits

KIB, GIB = 1024, 1024**3


@dataclass(frozen=True)
class ServerSettings:
    max_body_bytes: int = 64 * KIB  # every request but an upload (logins, JSON bodies)
    max_upload_bytes: int = 2 * GIB  # one POST /api/v1/imports, all its files together
    time_budget_seconds: float = 30.0  # per request: then its computation is cancelled (503/504)
    computations_per_login: int | None = None  # None: every computing slot but one
    trusted_proxies: tuple[str, ...] = ()  # addresses whose X-Forwarded-For / X-Forwarded-Proto are believed
    query: QueryLimits = field(default_factory=QueryLimits)
    # the event collector (docs/collector.md)
    collect_max_body_bytes: int = 512 * KIB  # one POST /collect
    collect_max_events: int = 500  # events in one POST /collect
    collect_rate: float = 5000.0  # events per second per write key (token bucket) ...
    collect_burst: int = 10_000  # ... and how many may come at once
    collect_flush_seconds: float = 2.0  # events reach the warehouse at most this late ...
    collect_flush_events: int = 2000  # ... or as soon as this many wait
    collect_country_header: str | None = None  # a header the proxy sets (CF-IPCountry): the visitor's country


NUMBERS = {"max_body_bytes": int, "max_upload_bytes": int, "time_budget_seconds": float,
           "computations_per_login": int, "max_cells": int, "max_compared_periods": int,
           "collect_max_body_bytes": int, "collect_max_events": int, "collect_rate": float, "collect_burst": int,
           "collect_flush_seconds": float, "collect_flush_events": int}
KEYS = (*NUMBERS, "trusted_proxies", "max_days", "collect_country_header")


def _bad(where: str, message: str) -> ShoplensError:
    return ShoplensError(f"server: {message}", where=where, hint="see README, section REST API (limits)",
                         zh=f"配置文件 server 一节有误：{message}", zh_hint="参见 README 的 REST API（限制）一节")


def _number(where: str, key: str, value: Any, kind: type = float) -> float:
    kind = NUMBERS.get(key, kind)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0 or (kind is int and value % 1):
        raise _bad(where, f"{key} must be a positive {'whole ' if kind is int else ''}number, not {value!r}")
    return kind(value)


def parse(section: Any, where: str) -> ServerSettings:
    """``server:`` of a config file -> settings (a bilingual error naming the key when something is wrong)."""
    if section is None:
        return ServerSettings()
    if not isinstance(section, dict):
        raise _bad(where, "must be a mapping of limits")
    unknown = [str(k) for k in section if k not in KEYS]
    if unknown:
        raise _bad(where, f"unknown key {unknown[0]!r} (known: {', '.join(KEYS)})")
    values = {k: _number(where, k, v) for k, v in section.items() if k in NUMBERS}
    proxies = section.get("trusted_proxies") or []
    if isinstance(proxies, str) or not isinstance(proxies, list):
        raise _bad(where, "trusted_proxies must be a list of addresses, e.g. [127.0.0.1]")
    for address in proxies:
        try:
            ipaddress.ip_network(str(address), strict=False)
        except ValueError:
            raise _bad(where, f"trusted_proxies: {address!r} is not an IP address or network") from None
    days = section.get("max_days") or {}
    if not isinstance(days, dict) or any(k not in MAX_DAYS for k in days):
        raise _bad(where, f"max_days takes {', '.join(MAX_DAYS)}")
    max_days = {**MAX_DAYS, **{k: int(_number(where, f"max_days.{k}", v, int)) for k, v in days.items()}}
    query = QueryLimits(max_days, int(values.pop("max_cells", MAX_CELLS)),
                        int(values.pop("max_compared_periods", MAX_COMPARED_PERIODS)))
    names = {f.name for f in fields(ServerSettings)}
    country = section.get("collect_country_header")
    if country is not None and (not isinstance(country, str) or not country.strip()):
        raise _bad(where, "collect_country_header must be a header name, e.g. CF-IPCountry")
    return ServerSettings(**{k: v for k, v in values.items() if k in names},
                          trusted_proxies=tuple(str(p) for p in proxies), query=query,
                          collect_country_header=country.strip() if country else None)


def load() -> ServerSettings:
    """The ``server:`` section of $SHOPLENS_CONFIG (or ./shoplens.yaml), else the defaults."""
    from shoplens.config import load_yaml
    from shoplens.metrics.targets import config_path

    path = config_path(None)
    if path is None:
        return ServerSettings()
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ShoplensError(f"cannot read the config file: {exc.__class__.__name__}", where=str(path),
                            hint="SHOPLENS_CONFIG must name a UTF-8 YAML file", zh="无法读取配置文件",
                            zh_hint="SHOPLENS_CONFIG 应指向 UTF-8 编码的 YAML 文件") from None
    except Exception as exc:  # yaml.YAMLError: `shoplens metrics` reports the position
        raise ShoplensError(f"not valid YAML: {exc.__class__.__name__}", where=str(path), zh="不是有效的 YAML",
                            hint="check indentation and colons", zh_hint="检查缩进和冒号") from None
    return parse(data.get("server") if isinstance(data, dict) else None, f"{path}: server")
