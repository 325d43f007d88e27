"""The managers' dashboard. (Stub: filled in by the dashboard work.)"""
from flask import Blueprint

from app.web.access import manager_required

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@manager_required
def index():
    return "dashboard"
