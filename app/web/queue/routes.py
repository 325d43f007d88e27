"""The shared queue, order detail and the phone-order form. (Stub: filled in by the queue work.)"""
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("queue", __name__)


@bp.route("/")
@login_required
def index():
    return "queue"


@bp.route("/orders/new")
@login_required
def new_order():
    return "form"
