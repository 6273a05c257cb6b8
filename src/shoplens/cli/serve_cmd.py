"""`shoplens serve`: the REST API (and, later, the dashboard) on one port."""

from __future__ import annotations

from typing import Annotated

import typer

from shoplens.i18n import register_labels, t

register_labels({
    "serve_at": ("服务地址", "serving at"),
    "serve_docs": ("接口文档", "API docs"),
    "serve_demo_warning": ("演示模式：演示账号 {login} / {password} 可以登录（管理员，全部店铺），请勿用于真实数据",
                           "demo mode: the demo login {login} / {password} is enabled (admin of every store); "
                           "not for real data"),
})

HELP = """Serve the REST API over the warehouse (OpenAPI docs at /docs). 启动 REST API 服务。

Examples / 示例:\n
  SHOPLENS_SECRET_KEY=... shoplens --db shop.duckdb serve --port 8000\n
  shoplens --db demo.duckdb serve --demo        (a random secret key; for trying it out)

The server owns the warehouse while it runs (DuckDB allows one writer): imports go through its
API (POST /api/v1/imports), and a CLI import started beside it waits, then stops with a clear
message. Outside --demo it refuses to start without SHOPLENS_SECRET_KEY (or secret_key in the
file named by SHOPLENS_CONFIG). Logins: `shoplens account add NAME --role analyst --stores ID`.
When the config has a schedule: section, the server runs its jobs too (one process owns the
warehouse); --no-schedule leaves them to `shoplens schedule run`.
"""


def register(app: typer.Typer) -> None:
    @app.command("serve", help=HELP)
    def serve_command(
        host: Annotated[str, typer.Option("--host", help="Address to listen on / 监听地址")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port / 端口")] = 8000,
        demo: Annotated[bool, typer.Option("--demo", help="Demo mode: a random secret key / 演示模式")] = False,
        no_schedule: Annotated[bool, typer.Option("--no-schedule", help="Do not run the config's schedule: jobs "
                                                  "/ 不运行配置中的定时任务")] = False,
    ) -> None:
        from shoplens.analyses.schedule import load_schedule
        from shoplens.cli.app import db_path, refuse_lake
        from shoplens.cli.output import console
        from shoplens.server import settings as server_settings
        from shoplens.server.app import create_app
        from shoplens.warehouse.connection import default_db_path

        refuse_lake("the server keeps logins and the action log in the warehouse; serving a lake comes later",
                    "服务端的登录与行动记录保存在仓库中，暂不支持直接服务数据湖")
        settings = server_settings.load()
        jobs = load_schedule()  # a mistake in schedule: stops here, before the port opens
        application = create_app(db_path() or default_db_path(), demo=demo, settings=settings, jobs=jobs,
                                 run_jobs=not no_schedule)
        console.print(f"{t('serve_at')} http://{host}:{port}  ·  {t('serve_docs')} http://{host}:{port}/docs")
        if demo:
            from shoplens.server.accounts import DEMO_LOGIN

            console.print("[bold yellow]" + t("serve_demo_warning").format(login=DEMO_LOGIN[0], password=DEMO_LOGIN[1])
                          + "[/]", highlight=False, soft_wrap=True)
        if jobs and not no_schedule:
            from shoplens.server.scheduler import start_line

            console.print(start_line(jobs), highlight=False, markup=False, soft_wrap=True)
        from shoplens.cli import signals

        signals.serving()  # Ctrl-C / SIGTERM from here on: a clean stop, exit 0
        run(application, host, port, settings.trusted_proxies)


def run(application: object, host: str, port: int, trusted_proxies: tuple[str, ...]) -> None:
    """uvicorn, believing X-Forwarded-For only from ``trusted_proxies`` (none by default: uvicorn's own
    default trusts 127.0.0.1, so anyone on the machine could pick the address the login limit counts), and
    stopping promptly: SIGTERM/SIGINT interrupt the running computations instead of waiting for them."""
    import uvicorn

    from shoplens.server.cache import RESULTS

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: object) -> None:  # type: ignore[override]
            super().handle_exit(sig, frame)  # type: ignore[arg-type]
            RESULTS.stop_all()

    config = uvicorn.Config(application, host=host, port=port, log_level="warning",
                            proxy_headers=bool(trusted_proxies), forwarded_allow_ips=list(trusted_proxies) or None,
                            timeout_graceful_shutdown=10)
    Server(config).run()
