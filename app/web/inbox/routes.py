"""The review inbox: messages that did not become orders (questions, bounces, spam, notes naming no
order) and messages that could not be read or stored whole. Nothing here is ever dropped: staff
mark it handled, make an order of it, or put it back for another try."""
from __future__ import annotations

import io
from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from wtforms import SubmitField

from app.extensions import db
from app.intake import pipeline
from app.models import AuditEvent, InboundMessage, Order
from app.orders import from_message, lifecycle, service
from app.orders.unit_of_work import run
from app.web.forms import WebForm
from app.web.queue.message import attachments, body_text, listed_attachments
from app.web.queue.routes import download_name

bp = Blueprint("inbox", __name__)
PAGE_SIZE = 50
SHOW = {  # the tabs, translated where they are shown
    "open": _l("Waiting for a person"),
    "auto": _l("Automatic replies"),
    "done": _l("Handled"),
}


class InboxActionForm(WebForm):
    submit = SubmitField()


def _visible():
    """Managers see every branch; staff their own branch's messages and those no branch claims."""
    if current_user.is_manager:
        return []
    return [or_(InboundMessage.branch_id == current_user.branch_id, InboundMessage.branch_id.is_(None))]


def _filter(show: str) -> list:
    if show == "auto":
        return [InboundMessage.kind == "auto_reply"]
    if show == "done":
        return [InboundMessage.reviewed_at.is_not(None)]
    return [InboundMessage.reviewed_at.is_(None), InboundMessage.order_id.is_(None),
            or_(InboundMessage.status == "failed",
                (InboundMessage.status == "processed") & (InboundMessage.kind == "other"))]


@bp.route("/inbox")
@login_required
def index():
    show = request.args.get("show", "open")
    show = show if show in SHOW else "open"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    conditions = _filter(show) + _visible()
    total = db.session.scalar(select(func.count()).select_from(InboundMessage).where(*conditions)) or 0
    messages = db.session.scalars(
        select(InboundMessage).where(*conditions).order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("inbox/index.html", messages=messages, total=total, show=show, shows=SHOW, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)))


def _message(message_id: int) -> InboundMessage:
    message = db.session.get(InboundMessage, message_id)
    if message is None:
        abort(404)
    if not current_user.is_manager and message.branch_id not in (None, current_user.branch_id):
        abort(403, description=_("This message belongs to another branch."))
    return message


@bp.route("/inbox/<int:message_id>")
@login_required
def detail(message_id: int):
    message = _message(message_id)
    order = db.session.scalar(select(Order).where(Order.inbound_message_id == message.id))
    parsed = message.parsed or {}
    return render_template("inbox/detail.html", message=message, order=order, parsed=parsed,
                           body=body_text(message), files=listed_attachments(message), form=InboxActionForm())


@bp.route("/inbox/<int:message_id>/attachments/<int:index>")
@login_required
def attachment(message_id: int, index: int):
    files = attachments(_message(message_id))
    if not 0 <= index < len(files):
        abort(404)
    part = files[index]
    return send_file(io.BytesIO(part.data), mimetype="application/octet-stream", as_attachment=True,
                     download_name=download_name(part.filename, index))


@bp.route("/inbox/<int:message_id>/handled", methods=["POST"])
@login_required
def handled(message_id: int):
    message = _message(message_id)
    if InboxActionForm().validate_on_submit():
        now = datetime.now(UTC)

        def mark_handled(uow):
            message.reviewed_at = now
            uow.session.add(AuditEvent(at=now, actor_id=current_user.id, branch_id=message.branch_id,
                                       actor_label=lifecycle.actor_label(current_user), action="inbox_handled",
                                       detail=f"message {message.id}: {message.subject or ''}"[:500]))

        run(mark_handled)
        flash(_("Marked as handled. It stays under 'Handled'."), "success")
    return redirect(url_for("inbox.index"))


@bp.route("/inbox/<int:message_id>/retry", methods=["POST"])
@login_required
def retry(message_id: int):
    message = _message(message_id)
    if not InboxActionForm().validate_on_submit():
        return redirect(url_for("inbox.detail", message_id=message_id))
    if message.status != "failed":
        flash(_("Only a message that failed can be tried again."), "error")
        return redirect(url_for("inbox.detail", message_id=message_id))
    run(lambda uow: pipeline.retry_failed([message.id]))
    outcome = pipeline.process_one(message_id, now=datetime.now(UTC))
    flash(_("Tried again: %(outcome)s.", outcome=outcome.replace("_", " ")), "success" if outcome != "failed" else "error")
    return redirect(url_for("inbox.detail", message_id=message_id))


@bp.route("/inbox/<int:message_id>/make-order", methods=["POST"])
@login_required
def make_order(message_id: int):
    """Staff judge that the message is an order after all: it becomes an order to review, with the
    lines the parser read, linked to the message (once: a second press opens the same order)."""
    message = _message(message_id)
    if not InboxActionForm().validate_on_submit():
        return redirect(url_for("inbox.detail", message_id=message_id))
    reference = run(lambda uow: _make_order(message))  # under the lock, so two presses cannot both make an order
    if reference is None:
        flash(_("This message has no branch and neither do you; a manager must take it."), "error")
        return redirect(url_for("inbox.detail", message_id=message_id))
    return redirect(url_for("queue.review", reference=reference))


def _make_order(message: InboundMessage) -> str | None:
    """The reference of the order made from the message (made now unless it exists), or None when
    nobody's branch can take it."""
    existing = db.session.scalar(select(Order).where(Order.inbound_message_id == message.id))
    if existing is not None:
        return existing.reference
    branch_id = message.branch_id or current_user.branch_id
    if branch_id is None:
        return None
    reasons = ["Made into an order by staff from the review inbox: check every field against the message."]
    now = datetime.now(UTC)
    order = service.create_order(branch_id, from_message.order_input(
        message.parsed, channel=message.channel if message.channel in ("email", "sms", "voicemail") else "email",
        review_reasons=reasons, inbound_message_id=message.id,
        notes=f"From the review inbox: {message.sender or 'unknown sender'}"), by=current_user, now=now)
    message.order_id, message.reviewed_at = order.id, now
    return order.reference
