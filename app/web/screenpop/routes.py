"""`/calls/active`: calls ringing through to staff now, as JSON for app/static/screenpop.js."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.models import Call

bp = Blueprint("screenpop", __name__)

FRESH = timedelta(minutes=10)  # a "ringing" call older than this lost its status callback; stop showing it


def utcnow() -> datetime:
    return datetime.now(UTC)


def active_calls(branch_id: int | None, now: datetime) -> list[Call]:
    """Calls put through to staff and not ended, newest first; all branches when branch_id is None."""
    stmt = select(Call).where(Call.status == "ringing", Call.ended_at.is_(None), Call.started_at >= now - FRESH)
    if branch_id is not None:
        stmt = stmt.where(Call.branch_id == branch_id)
    return list(db.session.scalars(stmt.order_by(Call.started_at.desc(), Call.id.desc()).limit(10)))


def as_json(call: Call) -> dict:
    workshop = call.workshop
    if workshop is not None:
        label = _("%(name)s (customer %(number)s)", name=workshop.name, number=workshop.customer_number)
        url = url_for("queue.new_order", workshop=workshop.id)
    else:
        label = (_("%(number)s (unknown number)", number=call.from_number) if call.from_number
                 else _("hidden number (unknown number)"))
        url = url_for("queue.new_order", phone=call.from_number) if call.from_number else url_for("queue.new_order")
    return {"id": call.id, "label": label, "text": _("calling now: %(caller)s", caller=label), "url": url,
            "workshop_id": workshop.id if workshop else None, "from": call.from_number,
            "started_at": call.started_at.isoformat()}


@bp.get("/calls/active")
@login_required
def active():
    branch_id = current_user.branch_id
    if branch_id is None and not current_user.is_manager:
        calls = []
    else:
        calls = active_calls(branch_id, utcnow())
    from app.web.queue import live  # the menu's live counts ride on this poll (app/static/desk.js)

    response = jsonify({"calls": [as_json(call) for call in calls], "counts": live.counts(current_user)})
    response.headers["Cache-Control"] = "no-store"
    return response
