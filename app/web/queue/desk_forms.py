"""The small forms of the clerk's desk: claim next, assign an order, the alert sound."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.validators import DataRequired

from app.web.forms import WebForm


class ClaimNextForm(WebForm):
    submit = SubmitField(_l("Claim next"))


class AssignForm(WebForm):
    staff_id = SelectField(_l("Assign to"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Assign"))


class AlertSoundForm(WebForm):
    sound = BooleanField(_l("Sound when new orders arrive"))
    submit = SubmitField(_l("Save"))
