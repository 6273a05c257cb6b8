"""The server's secret key, CSRF tokens of browser sessions, and the login rate limit.

- Secret key: ``$SHOPLENS_SECRET_KEY``, else ``secret_key`` in the file named by
  ``$SHOPLENS_CONFIG``. Outside demo mode the server refuses to start without one, with a short one
  (< 32 characters) or a well-known placeholder. Demo mode makes a random key per start.
- CSRF: a browser session (cookie) must send ``X-CSRF-Token`` on POST/PUT/PATCH/DELETE; the value
  is HMAC-SHA256(secret, session token), handed out at login and by ``GET /api/v1/me``. Bearer
  tokens are not sent by browsers on their own, so they need no CSRF token.
- Login attempts: at most 5 failures per client address and user name in 5 minutes, then 429 with
  ``Retry-After`` until the oldest failure leaves the window.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path

from shoplens.config import load_yaml
from shoplens.errors import ShoplensError

MIN_SECRET = 32
PLACEHOLDERS = {"changeme", "change-me", "secret", "default", "shoplens", "please-change-me", "dev"}


def load_secret_key(demo: bool) -> str:
    """The key from the environment or config file; a random one in demo mode; else a clear refusal."""
    key = os.environ.get("SHOPLENS_SECRET_KEY", "").strip()  # blanks are no key (40 spaces passed the length check)
    config = os.environ.get("SHOPLENS_CONFIG")
    if not key and config and Path(config).is_file():
        data = load_yaml(Path(config).read_text(encoding="utf-8")) or {}
        key = str(data.get("secret_key", "") if isinstance(data, dict) else "").strip()
    if not key and demo:
        return secrets.token_urlsafe(48)
    if not key or len(key) < MIN_SECRET or key.strip().lower() in PLACEHOLDERS:
        raise ShoplensError("the server needs a secret key of its own (at least 32 characters)",
                            hint="export SHOPLENS_SECRET_KEY=$(python -c 'import secrets;"
                            " print(secrets.token_urlsafe(48))') or set secret_key in the file named by"
                            " SHOPLENS_CONFIG; `shoplens serve --demo` makes one",
                            zh="服务器需要自己的密钥（至少 32 个字符）",
                            zh_hint="设置环境变量 SHOPLENS_SECRET_KEY，或在 SHOPLENS_CONFIG 指向的文件里写 secret_key；"
                            "演示模式（--demo）会自动生成")
    return key


def csrf_token(secret: str, session_token: str) -> str:
    return hmac.new(secret.encode("utf-8"), session_token.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, session_token: str, sent: str | None) -> bool:
    # as bytes: compare_digest raises TypeError on str with non-ASCII characters (a 500 instead of 403)
    return bool(sent) and hmac.compare_digest(csrf_token(secret, session_token).encode(), (sent or "").encode())


class LoginLimiter:
    """Failures per key in a sliding window (in memory: one server process owns the warehouse)."""

    max_keys = 10_000  # above this, keys whose failures all left the window are forgotten (memory stays bounded)

    def __init__(self, attempts: int = 5, window_seconds: float = 300.0) -> None:
        self.attempts, self.window = attempts, window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] > self.window:
            failures.popleft()
        return failures

    def retry_after(self, key: str) -> int:
        """Seconds to wait before another try (0 = allowed now)."""
        with self._lock:
            now = time.monotonic()
            failures = self._recent(key, now)
            if len(failures) < self.attempts:
                return 0
            return max(1, int(self.window - (now - failures[0])) + 1)

    def failed(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            if len(self._failures) > self.max_keys:  # else every name ever tried stayed in memory
                for old in [k for k, q in self._failures.items() if not q or now - q[-1] > self.window]:
                    del self._failures[old]
            self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
