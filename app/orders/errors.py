"""Refusals of the domain, and the sentences they say.

A refusal's sentence is written in English (its `message` and `str()`: logs, the CLI, the audit) and can be
said in the reader's language at display time: a `Text` keeps the English template (a msgid marked N_ in
the catalogues) and the values that fill it, and `said(gettext)` translates it. The domain imports no Flask:
a view passes its gettext (app.web.refusals.said)."""
from __future__ import annotations

from collections.abc import Callable


class Text(str):
    """An English sentence that can be said in another language: `template` (marked N_) filled in with
    str.format from `params`. It is the English sentence (a str), so code that joins, stores or compares it is
    unchanged; `said(gettext)` is the sentence in gettext's language, with every param that is a Text said too."""

    template: str
    params: dict

    def __new__(cls, template: str, **params) -> Text:
        self = super().__new__(cls, template.format(**params) if params else template)
        self.template, self.params = template, params
        return self

    def said(self, gettext: Callable[[str], str]) -> str:
        if not self.params:
            return gettext(self.template)
        values = {k: v.said(gettext) if isinstance(v, Text) else v for k, v in self.params.items()}
        return gettext(self.template).format(**values)


def said(text: str | None, gettext: Callable[[str], str]) -> str | None:
    """A Text in gettext's language; any other str as it is."""
    return text.said(gettext) if isinstance(text, Text) else text


class DomainError(Exception):
    """A refusal with a sentence a person can act on: `message` in English, `said(gettext)` in the reader's
    language when the sentence is a Text."""

    def __init__(self, message: str):
        super().__init__(str(message))
        self.message = str(message)
        self.text = message

    def said(self, gettext: Callable[[str], str]) -> str:
        return said(self.text, gettext)


class IllegalMove(DomainError):
    pass


class OverCapacity(DomainError):
    pass


class NotAllowed(DomainError):
    pass
