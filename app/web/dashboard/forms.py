"""Forms of the manager pages. Every state-changing button is one of these, so CSRF is checked."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import (AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, Regexp,
                                ValidationError)
from wtforms.widgets import CheckboxInput, ListWidget

from flask_babel import gettext as _, lazy_gettext as _l

from app.handback.catalogue import decode
from app.web.forms import WebForm


class LimitsForm(WebForm):
    staff_hold_limit = IntegerField(_l("Orders one person may hold at once"),
                                    validators=[InputRequired(_l("Give a whole number.")), NumberRange(0, 1000)])
    hourly_limit = IntegerField(_l("Orders admitted per hour"),
                                validators=[InputRequired(_l("Give a whole number.")), NumberRange(0, 100000)])
    open_limit = IntegerField(_l("Open orders at most"),
                              validators=[InputRequired(_l("Give a whole number.")), NumberRange(0, 1000000)])
    overflow_policy = SelectField(_l("Over the limit"), choices=[
        SelectChoice("hold", _l("Hold, and tell the workshop when")),
        SelectChoice("redirect", _l("Redirect to the backup supplier"))])


class PauseForm(WebForm):
    paused = HiddenField(validators=[AnyOf(["1", "0"])])


class StaffLimitForm(WebForm):
    hold_limit = IntegerField(_l("Limit"), validators=[Optional(), NumberRange(0, 1000)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RedirectForm(WebForm):
    orders = MultiCheckboxField(_l("Orders"), coerce=int, validators=[DataRequired(message=_l("Tick at least one order."))])
    reason = StringField(_l("Note for the record (optional)"), validators=[Optional(), Length(max=300)])


class ExportForm(WebForm):
    """A button; the CSRF token is the only field."""


class UploadForm(WebForm):
    kind = SelectField(_l("What is in the file"), choices=[
        SelectChoice("workshops", _l("Workshops (customer number, name, emails, phones, branch)")),
        SelectChoice("catalogue", _l("Parts catalogue (number, brand, description, EAN)"))])
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))])

    def validate_file(self, field):
        raw = field.data.read()
        field.data.seek(0)
        if "\x00" in decode(raw):  # PostgreSQL cannot store it, and a CSV text file never has one
            if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or max(raw[0:40:2].count(0), raw[1:40:2].count(0)) > 10:
                raise ValidationError(_("This file is UTF-16 (\"Unicode text\"); save it as \"CSV UTF-8\" and "
                                        "upload that."))
            raise ValidationError(_("This file has NUL characters, which a CSV file never has; is it a spreadsheet? "
                                    "Save it as CSV and upload that."))


class ConfirmImportForm(WebForm):
    kind = HiddenField(validators=[AnyOf(["workshops", "catalogue"])])
    key = HiddenField(validators=[Regexp(r"^[0-9a-f]{64}$")])


class ExportFormatForm(WebForm):
    """The spreadsheet format this manager downloads export batches in; remembered on their staff row."""
    export_format = SelectField(_l("Download batches as"), choices=[])

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.export_format.choices = [SelectChoice(key, label) for key, label in choices]


class ConfirmWorkshopForm(WebForm):
    """Keep a provisional workshop as a workshop of its own."""


class MergeWorkshopForm(WebForm):
    into = StringField(_l("Merge into (customer number)"),
                       validators=[DataRequired(_l("Type the customer number of the workshop it really is.")),
                                   Length(max=32)])


class AgeThresholdsForm(WebForm):
    age_amber_minutes = IntegerField(_l("Age turns amber after (minutes)"),
                                     validators=[InputRequired(_l("Give a whole number.")), NumberRange(1, 10000)])
    age_red_minutes = IntegerField(_l("Age turns red after (minutes)"),
                                   validators=[InputRequired(_l("Give a whole number.")), NumberRange(1, 10000)])
