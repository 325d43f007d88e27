"""The languages Partdesk speaks, and its catalogues (gettext, Babel) outside a request.

One text source: every string a person reads, the pages' and the texts sent to workshops alike, is
marked in the code (`_()`, `_l()`, `N_()`) and translated in app/translations/<locale>/LC_MESSAGES/messages.po.
A page picks its locale through Flask-Babel (app.web.i18n); a text to a workshop names the workshop's
language and is rendered with `translate` below. The README says how to add a language.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DEFAULT = "en"
# the UI's languages, in the order a menu lists them, each named in itself
NAMES: dict[str, str] = {
    "nb": "Norsk (bokmål)", "sv": "Svenska", "da": "Dansk", "fi": "Suomi", "de": "Deutsch",
    "en": "English", "fr": "Français", "nl": "Nederlands",
}
SUPPORTED: tuple[str, ...] = tuple(NAMES)
# what branches, workshops and mail headers write for a language -> the catalogue's locale
ALIASES = {"no": "nb", "nn": "nb", "se": "sv", "dk": "da", "ger": "de", "gb": "en", "uk": "en"}
# the Babel locale whose formats (dates, times, numbers) a language's pages use: English pages are read
# at Nordic counters, so day before month and a 24-hour clock
FORMAT_LOCALES = {"en": "en_GB"}


def ui_locale(code: str | None) -> str | None:
    """'no', 'nb-NO', 'sv_SE', 'SV' -> 'nb', 'nb', 'sv', 'sv'; None for a language Partdesk has no catalogue for."""
    if not code:
        return None
    base = str(code).strip().replace("_", "-").split("-")[0].lower()
    base = ALIASES.get(base, base)
    return base if base in NAMES else None


def format_locale(code: str | None) -> Locale:
    """The Babel locale whose date, time and number formats a page in `code` uses."""
    locale = ui_locale(code) or DEFAULT
    return Locale.parse(FORMAT_LOCALES.get(locale, locale))


@lru_cache(maxsize=16)
def catalogue(locale: str) -> NullTranslations:
    """The compiled catalogue of `locale` (English: the marked strings as they are)."""
    if locale == DEFAULT:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")


def translate(code: str | None, message: str, **values) -> str:
    """`message` (an English msgid marked with N_) in the language `code`, filled in with str.format;
    English when the language has no catalogue or the catalogue no translation."""
    text = catalogue(ui_locale(code) or DEFAULT).gettext(message)
    return text.format(**values) if values else text


def N_(message: str) -> str:
    """Marks a string for the catalogues where it is defined; it is translated where it is shown."""
    return message
