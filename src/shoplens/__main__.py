"""``python -m shoplens`` = the ``shoplens`` command."""

from shoplens.cli.app import main

main()
