"""Schemathesis hooks of `make fuzz` (loaded with SCHEMATHESIS_HOOKS=fuzz_hooks): log in as the fuzzing admin.

The fuzzer may revoke its own token (``POST /api/v1/logout``) or change the login it uses; a 401 then makes
schemathesis fetch a new token here and try again, so every route keeps being tested as an admin.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import schemathesis


@schemathesis.auth(refresh_interval=600)
class AdminToken:
    def get(self, case: Any, context: Any) -> str:
        r = httpx.post(os.environ["FUZZ_URL"] + "/api/v1/login", timeout=30,
                       json={"username": os.environ["FUZZ_USER"], "password": os.environ["FUZZ_PASSWORD"],
                             "kind": "api"})
        r.raise_for_status()
        return r.json()["token"]

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
