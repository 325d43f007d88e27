"""Provisional workshops (/manager/workshops/provisional): the callers taken on the phone as new workshops,
for a manager to confirm or merge into the workshop they really are."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Workshop
from app.orders import provisional
from app.web.access import manager_required
from app.web.dashboard.forms import ConfirmWorkshopForm, MergeWorkshopForm
from app.web.refusals import REFUSED, write

bp = Blueprint("workshops", __name__)


@bp.route("/workshops/provisional")
@manager_required
def provisional_list():
    return _render()


def _render(failed_id: int | None = None, failed_form: MergeWorkshopForm | None = None, status: int = 200):
    rows = provisional.waiting()
    return render_template("dashboard/provisional.html", rows=rows, confirm_form=ConfirmWorkshopForm(),
                           merge_forms={w.id: failed_form if w.id == failed_id and failed_form else
                                        MergeWorkshopForm(formdata=None) for w, _ in rows}), status


@bp.route("/workshops/provisional/<int:workshop_id>/confirm", methods=["POST"])
@manager_required
def confirm(workshop_id: int):
    form = ConfirmWorkshopForm()
    if not form.validate_on_submit():
        return _render(status=400)
    write(lambda uow: provisional.confirm(workshop_id, by=current_user, now=datetime.now(UTC)),
          done="The workshop is confirmed.")
    return redirect(url_for(".provisional_list"))


@bp.route("/workshops/provisional/<int:workshop_id>/merge", methods=["POST"])
@manager_required
def merge(workshop_id: int):
    form = MergeWorkshopForm(request.form)
    target = None
    if form.validate_on_submit():
        typed = form.into.data.strip()
        target = db.session.scalars(select(Workshop).where(Workshop.customer_number == typed,
                                                           Workshop.provisional.is_(False))).first()
        if target is None:
            form.into.errors.append(f"No workshop in the list has the customer number '{typed}'.")
    if target is None:
        return _render(workshop_id, form, 422)  # what was typed stays, beside the reason
    into_id, label = target.id, f"{target.name} ({target.customer_number})"
    moved = write(lambda uow: provisional.merge(workshop_id, into_id, by=current_user, now=datetime.now(UTC)))
    if moved is not REFUSED:
        flash(ngettext("Merged into %(label)s: %(num)d order moved.", "Merged into %(label)s: %(num)d orders moved.",
                       moved, label=label), "success")
    return redirect(url_for(".provisional_list"))
