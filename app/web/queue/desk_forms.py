"""The small forms of the clerk's desk: claim next, assign an order, the alert sound."""
from __future__ import annotations

from wtforms import BooleanField, SelectField, SubmitField
from wtforms.validators import DataRequired

from app.web.forms import WebForm


class ClaimNextForm(WebForm):
    submit = SubmitField("Claim next")


class AssignForm(WebForm):
    staff_id = SelectField("Assign to", coerce=int, validators=[DataRequired()])
    submit = SubmitField("Assign")


class AlertSoundForm(WebForm):
    sound = BooleanField("Sound when new orders arrive")
    submit = SubmitField("Save")
