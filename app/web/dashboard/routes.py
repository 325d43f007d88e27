"""The managers' dashboard at /manager: live figures per branch or for the whole chain.

The page polls /manager/panel (the same server-rendered, escaped fragment) every 10 seconds;
/manager/stats.json gives the same figures to machines. Capacity controls and the hand-back pages
are child blueprints (endpoints dashboard.capacity.* and dashboard.handback.*).
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.backup import status as backup_status
from app.extensions import db
from app.models import Branch
from app.web import times
from app.web.access import manager_required
from app.web.dashboard import chart, queries
from app.web.dashboard.capacity_routes import bp as capacity_bp
from app.web.dashboard.handback_routes import bp as handback_bp
from app.web.dashboard.workshop_routes import bp as workshops_bp

bp = Blueprint("dashboard", __name__)
bp.register_blueprint(capacity_bp)
bp.register_blueprint(handback_bp)
bp.register_blueprint(workshops_bp)

POLL_SECONDS = 10


@bp.record_once
def _connect_backup_email(_state) -> None:
    # Policy-redirected orders are created in the domain; the backup email follows the status signal.
    from app.handback import redirect

    redirect.connect()


def clock() -> datetime:
    return datetime.now(UTC)


def _scope() -> tuple[list[Branch], Branch | None]:
    """The branches the page is about: ?branch=CODE, or the whole chain for an empty value.
    Without the parameter a manager tied to a branch sees that branch first."""
    branches = list(db.session.scalars(select(Branch).order_by(Branch.code)))
    if "branch" in request.args:
        code = request.args["branch"].strip().upper()
    else:
        code = current_user.branch.code if current_user.branch else ""
    if not code:
        return branches, None
    chosen = next((b for b in branches if b.code == code), None)
    if chosen is None:
        abort(404, description=_("There is no branch %(code)s.", code=code))
    return [chosen], chosen


def _figures():
    branches, chosen = _scope()
    now = clock()
    stats = queries.collect(branches, now, scope=chosen.code if chosen else "chain")
    drawing = chart.build(stats.chart, times.zone_name(chosen))
    return stats, drawing, chosen


def _backup():
    return backup_status.read(clock(), current_app.config["BACKUP_MINUTES"])


@bp.route("/")
@manager_required
def index():
    stats, drawing, chosen = _figures()
    all_branches = db.session.scalars(select(Branch).order_by(Branch.code)).all()
    return render_template("dashboard/index.html", stats=stats, chart=drawing, chosen=chosen,
                           branches=all_branches, poll_seconds=POLL_SECONDS, backup=_backup())


@bp.route("/panel")
@manager_required
def panel():
    stats, drawing, chosen = _figures()
    response = render_template("dashboard/_panel.html", stats=stats, chart=drawing, chosen=chosen, backup=_backup())
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/stats.json")
@manager_required
def stats_json():
    stats, _drawing, _chosen = _figures()
    response = jsonify({**stats.as_json(), "backup": _backup().as_json()})
    response.headers["Cache-Control"] = "no-store"
    return response
