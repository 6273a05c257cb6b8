"""User-facing errors: one actionable line (what, where, hint), no traceback unless --debug."""

from __future__ import annotations


class ShoplensError(Exception):
    """A mistake the user can fix. ``where`` is ``file:line:column`` or a path; ``hint`` says how."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} (hint: {self.hint})" if self.hint else text


class DatabaseLockedError(ShoplensError):
    """Another process holds the warehouse file for writing."""

    exit_code = 3


class NoWarehouseError(ShoplensError):
    """The warehouse file does not exist yet."""


class SchemaError(ShoplensError):
    """A file does not have the columns its table or preset needs; nothing was written."""


class FxRateMissingError(ShoplensError):
    """Money in a foreign currency on a date with no exchange rate."""
