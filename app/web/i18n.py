"""Which language a page speaks, chosen per request (Flask-Babel).

In this order: the staff member's own choice (their profile page), their branch's language, the browser's
Accept-Language, English. `<html lang>` says the choice (base.html), and WTForms' own messages ("This field
is required.") come from the same catalogues as ours, so a Danish page has no English error in it.
"""
from __future__ import annotations

from functools import lru_cache

from flask import Flask, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_login import current_user

from app import locales
from app.extensions import babel
from app.reading.reasons import translate_reason


def select_locale() -> str:
    user = current_user if has_request_context() else None
    if user is not None and user.is_authenticated:
        return choose(user.locale, getattr(user.branch, "language", None))
    return choose(None, None)


def choose(own: str | None, branch_language: str | None) -> str:
    """The locale for someone whose own choice is `own` and whose branch speaks `branch_language`."""
    chosen = locales.ui_locale(own) or locales.ui_locale(branch_language)
    if chosen:
        return chosen
    if has_request_context():
        best = request.accept_languages.best_match(_ACCEPTABLE)
        if best:
            return locales.ui_locale(best) or locales.DEFAULT
    return locales.DEFAULT


# what a browser may send for each UI language ('no' and 'nn' readers get Bokmål)
_ACCEPTABLE = [*locales.SUPPORTED, *locales.ALIASES]


def current_locale() -> str:
    """The page's language code, for <html lang> and the formatters."""
    return str(get_locale() or locales.DEFAULT)


class FormTranslations:
    """WTForms' translations for every WebForm: our catalogues first (a message of WTForms' that we mark and
    translate, as Danish needs: WTForms ships no Danish), then WTForms' own catalogue for the locale."""

    def gettext(self, string: str) -> str:
        ours = get_translations().ugettext(string)  # WTForms fills in its own %(min)d and the like
        return ours if ours != string else _wtforms_catalogue(current_locale()).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        ours = get_translations().ungettext(singular, plural, n)
        if ours not in (singular, plural):
            return ours
        return _wtforms_catalogue(current_locale()).ungettext(singular, plural, n)


@lru_cache(maxsize=16)
def _wtforms_catalogue(locale: str):
    from babel.support import Translations
    from wtforms.i18n import messages_path

    return Translations.load(messages_path(), [locale], domain="wtforms")


def reason(text: str) -> str:
    """A stored review reason (English) in the page's language (the Jinja filter `reason`)."""
    return translate_reason(text, get_translations().ugettext)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", locales.DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(locales.TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["locale_names"] = locales.NAMES
    app.jinja_env.filters["reason"] = reason
