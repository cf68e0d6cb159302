"""The one error type whose message is meant for the user (translated where it is shown)."""
from __future__ import annotations


class UserError(Exception):
    """`message` is a catalogue msgid and `params` fill its placeholders; with `plural`, `n` picks the form."""

    def __init__(self, message: str, *, plural: str | None = None, n: int | None = None, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.plural = plural
        self.n = n
        self.params = params

    def text(self, language: str) -> str:
        """The message in `language`, in the plural form `n` calls for."""
        from services.core import i18n

        if self.plural is not None and self.n is not None:
            return i18n.translate_plural(language, self.message, self.plural, self.n, **self.params)
        return i18n.translate(language, self.message, **self.params)
