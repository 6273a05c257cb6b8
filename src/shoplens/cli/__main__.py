"""``python -m shoplens.cli``: the same entry point as the ``shoplens`` console script."""

from shoplens.cli import main

if __name__ == "__main__":
    main()
