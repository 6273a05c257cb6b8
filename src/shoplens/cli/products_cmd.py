"""`shoplens products …`: product operations (商品运营): ABC classes, product roles, new-product trials.

Each subcommand lives in its own module (``products_<name>_cmd.py``) with a ``register(products_app)``;
``SUBCOMMANDS`` lists them, in the order ``--help`` shows them.
"""

from __future__ import annotations

import importlib

import typer

HELP = """Product operations: ABC classes, product roles, new-product trials. 商品运营：ABC 分类、商品角色、新品测款。

Product analyses count merchandise only: order lines whose product type is shipping, fee, voucher, adjustment or
sample (postage, bank charges, gift vouchers, manual adjustments…) stay in GMV but out of every product analysis.
商品分析只统计商品（merchandise）：邮费、手续费、礼券、手工调整、样品等行计入 GMV，但不进入商品分析。
"""

products_app = typer.Typer(help=HELP, no_args_is_help=True)

SUBCOMMANDS: tuple[str, ...] = (
    "abc",
    "roles",
    "trial",
)


def register(app: typer.Typer) -> None:
    for name in SUBCOMMANDS:
        importlib.import_module(f"shoplens.cli.products_{name}_cmd").register(products_app)
    app.add_typer(products_app, name="products")
