"""The ``shoplens`` command line (Typer app in :mod:`shoplens.cli.app`)."""


def main() -> None:
    """Console-script entry point: take over Ctrl-C / SIGTERM first, then import the (heavy) commands."""
    from shoplens.cli import signals

    signals.install()
    try:
        from shoplens.interrupts import pause_point

        pause_point("start")  # test hook: the handlers are in place, the imports come next
        from shoplens.cli.app import main as run

        run()
    except KeyboardInterrupt:  # a signal before the command's own error handling was in place
        signals.exit_if_requested()
        raise
