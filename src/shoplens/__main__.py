"""``python -m shoplens`` = the ``shoplens`` command."""

from shoplens.cli import main

main()
