from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.web.forms import WebForm


class LoginForm(WebForm):
    login = StringField("Login", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Log in")


class LogoutForm(WebForm):
    submit = SubmitField("Log out")
