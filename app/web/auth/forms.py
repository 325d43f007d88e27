from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from flask_babel import lazy_gettext as _l

from app import locales
from app.web.forms import WebForm


class LoginForm(WebForm):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Log in"))


class LogoutForm(WebForm):
    submit = SubmitField(_l("Log out"))


class ProfileForm(WebForm):
    """A staff member's own settings: the language of their pages."""
    locale = SelectField(_l("Language of my pages"),
                         choices=[SelectChoice("", _l("My branch's language")),
                                  *(SelectChoice(code, name) for code, name in locales.NAMES.items())], default="")
    submit = SubmitField(_l("Save"))
