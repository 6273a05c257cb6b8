"""Ctrl-C and SIGTERM in the CLI: one line on stderr, exit 130 (SIGINT) or 143 (SIGTERM), nothing half-written.

Python's default turns SIGINT into a KeyboardInterrupt wherever the main thread happens to be. Three
things went wrong with that:

- **Inside an import.** DuckDB imports pandas / pyarrow.dataset lazily (from C++, on the main thread
  and on its worker threads) and treats a failed optional import as "not installed": an interrupt in
  the middle left half-initialised modules behind (``AttributeError: partially initialized module
  'pandas'`` later) or a module lock held forever (a DuckDB worker thread then waited on it: the
  process hung). So the handler never raises while the main thread is importing; it asks again
  every 50 ms (SIGALRM) until the import is done.
- **Inside a DuckDB query**, DuckDB turns the KeyboardInterrupt into ``RuntimeError('Query
  interrupted')``. Whatever exception unwinds the stack after a signal is reported as the interrupt.
  The warehouse's connections are interrupted as well (``con.interrupt()``): otherwise a worker
  thread finished the task it was running first, however long.
- **Typer** catches KeyboardInterrupt and *returns* 130 (in non-standalone mode), so the command
  seemed to finish with exit 0. The CLI checks :data:`shoplens.interrupts.STATE` at the end.

The line says what happened to the data (:mod:`shoplens.interrupts` knows the write section):
"nothing was written", "the import was rolled back", or — when COMMIT was already running, which is
never cut — "the import had been committed; it is complete". A second signal stops at once (an open
transaction dies with the process: DuckDB never keeps an uncommitted one), except during COMMIT.

Before :func:`install` runs (the first ~0.1 s, while Python itself starts) a signal still gets Python's
own reaction: a KeyboardInterrupt traceback, or death by SIGTERM; nothing has been opened by then.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

from shoplens.interrupts import STATE, Interrupted, interrupt_queries

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
RETRY_SECONDS = 0.05
WHAT = {  # write section -> (zh, en) name in the message
    "import": ("导入", "import"),
    "demo": ("演示数据生成", "demo build"),
}


def install() -> None:
    """Take over SIGINT and SIGTERM (main thread only; call it first thing in the CLI). A signal the parent
    ignores stays ignored (a shell starts background jobs with SIGINT ignored, so that Ctrl-C spares them)."""
    for sig in EXIT_CODES:
        if signal.getsignal(sig) not in (signal.SIG_IGN, _on_signal):
            signal.signal(sig, _on_signal)


def exit_code(signum: int | None) -> int:
    return EXIT_CODES.get(signum, 130) if signum is not None else 130  # type: ignore[call-overload]


def _importing(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


_reporting = False  # the line is being printed: nothing may interrupt that
_serving = False  # `shoplens serve` is up: a signal is its normal way to stop


def _raise_when_safe(frame: FrameType | None) -> None:
    if STATE.requested is None or _reporting:
        return
    if STATE.phase == "committing":  # the commit finishes; Transaction.commit raises right after it
        STATE.deferred = True
        return
    if _importing(frame) and hasattr(signal, "setitimer"):  # (no SIGALRM on Windows: raise as Python would)
        signal.signal(signal.SIGALRM, _retry)
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        return
    interrupt_queries()
    raise Interrupted(STATE.requested)


def _retry(_signum: int, frame: FrameType | None) -> None:
    _raise_when_safe(frame)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if STATE.requested is not None:  # asked twice: stop now, unless a COMMIT is running
        if STATE.phase != "committing" and not _reporting:
            _say(message(), flush_exit=exit_code(STATE.requested))
        return
    STATE.requested = signum
    STATE.at_signal = (STATE.phase, STATE.what)
    _raise_when_safe(frame)


def requested() -> int | None:
    """The signal received (None when none was)."""
    return STATE.requested


def _lang() -> str:
    """``--lang`` may not be parsed yet when the signal comes early: read it from argv then."""
    from shoplens import i18n

    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            i18n.set_lang(args[i + 1])
        elif arg.startswith("--lang="):
            i18n.set_lang(arg.split("=", 1)[1])
    return i18n.lang()


def message(lang: str | None = None) -> str:
    """The one line for the current state (see the module docstring)."""
    lang = lang or _lang()
    phase, what = STATE.at_signal
    zh = lang == "zh"
    if phase == "committing" or (STATE.committed and phase == "idle"):
        name = WHAT.get(what or STATE.committed[-1], (what, what))
        return (f"已中断，但{name[0]}在中断前已提交，数据完整" if zh else
                f"interrupted after the {name[1]} had been committed; it is complete")
    if phase == "writing":
        name = WHAT.get(what or "", (what, what))
        return f"已中断；本次{name[0]}已回滚，仓库未改变" if zh else f"interrupted; the {name[1]} was rolled back"
    return "已中断；没有写入任何数据" if zh else "interrupted; nothing was written"


def _say(text: str, *, flush_exit: int | None = None) -> None:
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed terminal must not turn the interrupt into another error
        pass
    if flush_exit is not None:
        os._exit(flush_exit)


def serving() -> None:
    """From now on a signal is the server's normal stop: uvicorn finishes the requests in flight and
    closes the warehouse, then the CLI says "server stopped" and exits 0 (a clean stop is a success:
    `make demo`, systemd and scripts do not report it as a failure)."""
    global _serving
    _serving = True


def exit_if_requested() -> None:
    """After a signal: print the line and exit 130/143 (call it wherever the CLI is about to report)."""
    global _reporting
    if STATE.requested is None:
        return
    _reporting = True
    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)  # a retry still on its way must not raise in here
        signal.setitimer(signal.ITIMER_REAL, 0)
    if _serving:
        name = signal.Signals(STATE.requested).name
        _say(f"服务已停止（{name}）" if _lang() == "zh" else f"server stopped ({name})")
        sys.exit(0)
    _say(message())
    sys.exit(exit_code(STATE.requested))
