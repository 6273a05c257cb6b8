"""Running ``shoplens`` in a child process and stopping it with a real signal at a known moment.

The child restores SIGINT's default before exec (a background job of a non-interactive shell, and
so a pytest child, may start with SIGINT ignored: the test would then test nothing). The moment is
chosen with the ``SHOPLENS_TEST_PAUSE_AT`` hook (:func:`shoplens.interrupts.pause_point`): the child
prints ``shoplens-test-pause: POINT`` on stderr and sleeps; the signal comes after that line.
``tty=True`` gives the child a pseudo-terminal as stderr, so the import draws its progress bar.
"""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

MARKER = "shoplens-test-pause: "
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class Stopped:
    code: int
    stdout: str
    stderr: str  # what the child wrote, marker lines and progress-bar frames removed

    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


class _Reader(threading.Thread):
    """Collects a child's output from ``fd`` (a pipe or a pty master) as it comes."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self.fd, self.data, self.lock = fd, bytearray(), threading.Lock()

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the pty's other side is closed
                return
            if not chunk:
                return
            with self.lock:
                self.data += chunk

    def text(self) -> str:
        with self.lock:
            return self.data.decode("utf-8", "replace")


def _restore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def shoplens_command() -> list[str]:
    """The installed console script (the entry point users run), else ``python -m shoplens``."""
    script = Path(sys.executable).parent / "shoplens"
    return [str(script)] if script.exists() else [sys.executable, "-m", "shoplens"]


def _clean(text: str) -> str:
    """The lines a user reads: escape codes, carriage-return redraws (progress bars) and markers removed."""
    out = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = ANSI.sub("", raw.split("\r")[-1]).rstrip()
        if line.startswith(MARKER) or "━" in line:
            continue
        out.append(line)
    return "\n".join(out)


def run_and_signal(args: list[str], *, pause: str, sig: int, delay: float = 0.0, tty: bool = False,
                   env: dict[str, str] | None = None, timeout: float = 180) -> Stopped:
    """``shoplens ARGS`` with the pause point ``pause`` (``name`` or ``name=seconds``); ``sig`` is sent
    ``delay`` seconds after the child says it reached it. Returns the exit code and the output."""
    point = pause.split("=")[0]
    full_env = {**os.environ, "SHOPLENS_TEST_PAUSE_AT": pause, "COLUMNS": "200", **(env or {})}
    master = slave = None
    if tty:
        master, slave = pty.openpty()
    proc = subprocess.Popen([*shoplens_command(), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=slave if tty else subprocess.PIPE, env=full_env, preexec_fn=_restore_sigint)
    if slave is not None:
        os.close(slave)
    err = _Reader(master if master is not None else proc.stderr.fileno())  # type: ignore[union-attr]
    out = _Reader(proc.stdout.fileno())  # type: ignore[union-attr]
    err.start()
    out.start()
    deadline = time.monotonic() + timeout
    try:
        while MARKER + point not in err.text():
            assert proc.poll() is None, f"exited {proc.returncode} before {point}: {err.text()[-2000:]}"
            assert time.monotonic() < deadline, f"never reached {point}: {err.text()[-2000:]}"
            time.sleep(0.02)
        time.sleep(delay)
        proc.send_signal(sig)
        code = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out.join(10)
    err.join(10)
    if master is not None:
        os.close(master)
    return Stopped(code, out.text(), _clean(err.text()))


def snapshot(db: Path) -> dict[str, Any]:
    """Every table of the warehouse: its row count and an order-free hash of its rows."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT count(*), coalesce(sum(hash(x)), 0) FROM "{t}" x').fetchone() for t in tables}
