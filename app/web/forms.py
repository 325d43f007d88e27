"""What every request value passes before it can reach the database: no NUL character (U+0000).

PostgreSQL refuses a NUL in any text value (a query with one fails, so the request would be a 500)
while SQLite stores it; no one types one on purpose. So, in one place for each kind of value:

- a path part (an order reference, a branch code) with a NUL names nothing: 404;
- a query string with a NUL: 422, saying so;
- a form field with a NUL: an error on that field, named, and the form shown again with what was
  typed. Every form of the web app derives from `WebForm` (or `SubForm` for a nested one), whose
  fields all check this first, before any `validate_<field>` looks something up with the value.
"""
from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Form
from wtforms.validators import StopValidation

NUL = "\x00"


def has_nul(value) -> bool:
    return isinstance(value, str) and NUL in value


def refuse_nul_in_url() -> None:
    """before_request: 404 for a NUL in a path part, 422 for one in the query string."""
    if any(has_nul(value) for value in (request.view_args or {}).values()):
        abort(404)
    if any(has_nul(key) or any(has_nul(v) for v in values) for key, values in request.args.lists()):
        abort(422, description=_("The address has an invisible NUL character in its query (after the ?). "
                                 "Remove it and try again."))


def no_nul(form, field) -> None:
    """The first validator of every field: a NUL stops validation with an error naming the field."""
    if any(has_nul(value) for value in getattr(field, "raw_data", None) or ()):
        raise StopValidation(f"{field.label.text}: remove the invisible NUL character; it cannot be stored.")


class _RefuseNul:
    """A WTForms Meta mixin: every field of the form is bound with no_nul in front of its own validators,
    and WTForms' own messages are translated from our catalogues (app.web.i18n.FormTranslations)."""

    def get_translations(self, form):
        from app.web.i18n import FormTranslations

        return FormTranslations()

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        field.validators = [no_nul, *field.validators]
        return field


class WebForm(FlaskForm):
    """The base of every form the web app shows: CSRF-checked (Flask-WTF) and NUL-checked."""

    class Meta(_RefuseNul):
        pass


class SubForm(Form):
    """A form nested in a WebForm (FormField, FieldList), without a CSRF token of its own."""

    class Meta(_RefuseNul):
        pass
