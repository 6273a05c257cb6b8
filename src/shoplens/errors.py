"""User-facing errors: one actionable line (what, where, hint), no traceback unless --debug.

Every error carries English text (``str(exc)``, for logs and tests) and zh-CN text (``zh``,
``zh_hint``); the CLI prints ``exc.render(lang)``. Dynamic parts (file names, values, lists) are
the same in both languages.
"""

from __future__ import annotations


class ShoplensError(Exception):
    """A mistake the user can fix. ``where`` is ``file:line:column`` or a path; ``hint`` says how.

    ``zh`` / ``zh_hint`` are the Chinese message and hint; without them the Chinese rendering
    falls back to the English part.
    """

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None,
                 zh: str | None = None, zh_hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint
        self.zh = zh
        self.zh_hint = zh_hint

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str) -> str:
        """One line: ``where: message (hint: …)`` in English, ``where: 消息（提示：…）`` in Chinese."""
        if lang == "zh":
            message, hint = self.zh or self.message, self.zh_hint or self.hint
            text = f"{self.where}: {message}" if self.where else message
            return f"{text}（提示：{hint}）" if hint else text
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} (hint: {self.hint})" if self.hint else text


class NotFoundError(ShoplensError):
    """The thing asked for does not exist (a user id, a saved segment): the API answers 404."""


class DatabaseLockedError(ShoplensError):
    """Another process holds the warehouse file for writing."""

    exit_code = 3


class NoWarehouseError(ShoplensError):
    """The warehouse file does not exist yet."""


class SchemaError(ShoplensError):
    """A file does not have the columns its table or preset needs; nothing was written."""


class FxRateMissingError(ShoplensError):
    """Money in a foreign currency on a date with no exchange rate."""


def close_hint(word: str, known: tuple[str, ...] | list[str], cutoff: float = 0.6) -> tuple[str, str]:
    """(en, zh) hint for a word that is not one of ``known``: "did you mean …?" when one is close, else the list."""
    from difflib import get_close_matches

    close = get_close_matches(word, list(known), n=2, cutoff=cutoff)
    listed = ", ".join(known)
    return ((f"did you mean {', '.join(close)}?", f"是否想用 {', '.join(close)}？") if close
            else (f"known: {listed}", f"可用：{listed}"))
