"""Capacity controls per branch (/manager/branches/<code>) and manual overflow to the backup supplier."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from app.extensions import db
from app.handback.redirect import REDIRECTABLE, redirect_orders
from app.models import AuditEvent, Branch, Order, Staff
from app.orders import capacity, controls
from app.models.status import OrderStatus
from app.orders.unit_of_work import run
from app.web.access import manager_required
from app.web.dashboard.forms import AgeThresholdsForm, LimitsForm, PauseForm, RedirectForm, StaffLimitForm
from app.web.refusals import REFUSED, said, write

bp = Blueprint("capacity", __name__)
LIST_LIMIT = 300


def _now() -> datetime:
    return datetime.now(UTC)


def _branch(code: str) -> Branch:
    branch = controls.branch_by_code(code)
    if branch is None:
        abort(404, description=_("There is no branch %(code)s.", code=code))
    return branch


@bp.route("/branches")
@manager_required
def branches():
    rows = []
    for branch in db.session.scalars(select(Branch).order_by(Branch.code)):
        rows.append((branch, capacity.open_count(branch.id), capacity.held_count(branch.id)))
    return render_template("dashboard/branches.html", rows=rows)


@bp.route("/branches/<code>")
@manager_required
def branch(code: str):
    branch = _branch(code)
    return _render_branch(branch, LimitsForm(obj=branch))


def _render_branch(branch: Branch, limits: LimitsForm, status: int = 200, ages: AgeThresholdsForm | None = None):
    staff = db.session.scalars(select(Staff).where(Staff.branch_id == branch.id, Staff.active.is_(True))
                               .order_by(Staff.name)).all()
    held = dict(db.session.execute(
        select(Order.holder_id, func.count()).where(Order.holder_id.in_([s.id for s in staff] or [-1]),
                                                    Order.status == OrderStatus.CLAIMED).group_by(Order.holder_id)
    ).all())
    staff_forms = [(s, held.get(s.id, 0), StaffLimitForm(prefix=f"s{s.id}", hold_limit=s.hold_limit)) for s in staff]
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.branch_id == branch.id)
                               .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(30)).all()
    now = _now()
    return render_template(
        "dashboard/branch.html", branch=branch, limits=limits, pause=PauseForm(paused="0" if branch.paused else "1"),
        staff_forms=staff_forms, audit=audit, blocking=said(capacity.blocking_reason(branch, now)),
        open_count=capacity.open_count(branch.id), hourly=capacity.hourly_count(branch.id, now),
        held=capacity.held_count(branch.id), ages=ages or AgeThresholdsForm(obj=branch),
    ), status


def _report_promoted(promoted) -> None:
    if promoted:
        references = ", ".join(o.reference for o in promoted[:10]) + (" …" if len(promoted) > 10 else "")
        flash(ngettext("%(num)d held order admitted: %(references)s", "%(num)d held orders admitted: %(references)s",
                       len(promoted), references=references), "success")


@bp.route("/branches/<code>/limits", methods=["POST"])
@manager_required
def limits(code: str):
    branch = _branch(code)
    form = LimitsForm()
    if not form.validate_on_submit():
        return _render_branch(branch, form, 400)
    saved = write(lambda uow: controls.set_branch_limits(
        branch.id, by=current_user, now=_now(), staff_hold_limit=form.staff_hold_limit.data,
        hourly_limit=form.hourly_limit.data, open_limit=form.open_limit.data,
        overflow_policy=form.overflow_policy.data))
    if saved is REFUSED:
        return redirect(url_for(".branch", code=branch.code))
    changes, promoted = saved
    flash(_("Saved: %(changes)s", changes="; ".join(changes)) if changes else _("Nothing changed."),
          "success" if changes else "info")
    _report_promoted(promoted)
    return redirect(url_for(".branch", code=branch.code))


@bp.route("/branches/<code>/ages", methods=["POST"])
@manager_required
def ages(code: str):
    branch = _branch(code)
    form = AgeThresholdsForm()
    if not form.validate_on_submit():
        return _render_branch(branch, LimitsForm(obj=branch), 400, ages=form)
    changes = write(lambda uow: controls.set_age_thresholds(
        branch.id, amber=form.age_amber_minutes.data, red=form.age_red_minutes.data, by=current_user, now=_now()))
    if changes is not REFUSED:
        flash(_("Saved: %(changes)s", changes="; ".join(changes)) if changes else _("Nothing changed."),
          "success" if changes else "info")
    return redirect(url_for(".branch", code=branch.code))


@bp.route("/branches/<code>/pause", methods=["POST"])
@manager_required
def pause(code: str):
    branch = _branch(code)
    form = PauseForm()
    if not form.validate_on_submit():
        abort(400, description=_("The pause button sent something unexpected; reload the page."))
    paused = form.paused.data == "1"
    changed, promoted = run(lambda uow: controls.set_paused(branch.id, paused, by=current_user, now=_now()))
    if changed:
        flash(_("Intake at %(code)s is paused: new orders are recorded and held or redirected.", code=branch.code)
              if paused else _("Intake at %(code)s is open again.", code=branch.code), "warning" if paused else "success")
    _report_promoted(promoted)
    return redirect(url_for(".branch", code=branch.code))


@bp.route("/branches/<code>/staff/<int:staff_id>/limit", methods=["POST"])
@manager_required
def staff_limit(code: str, staff_id: int):
    branch = _branch(code)
    staff = db.session.get(Staff, staff_id)
    if staff is None or staff.branch_id != branch.id:
        abort(404, description=_("No such member of staff at this branch."))
    form = StaffLimitForm(prefix=f"s{staff.id}")
    if not form.validate_on_submit():
        flash(_("%(name)s's limit: %(errors)s", name=staff.name,
                errors="; ".join(form.hold_limit.errors or [_("check the number")])), "error")
        return redirect(url_for(".branch", code=branch.code))
    change = run(lambda uow: controls.set_staff_limit(staff.id, form.hold_limit.data, by=current_user, now=_now()))
    flash(_("Saved: %(changes)s", changes=change) if change else _("Nothing changed."), "success" if change else "info")
    return redirect(url_for(".branch", code=branch.code))


def _open_orders(branch: Branch) -> list[Order]:
    return list(db.session.scalars(
        select(Order).where(Order.branch_id == branch.id, Order.status.in_(REDIRECTABLE))
        .order_by(Order.urgent.desc(), Order.created_at, Order.id).limit(LIST_LIMIT)
    ))


@bp.route("/branches/<code>/orders", methods=["GET", "POST"])
@manager_required
def orders(code: str):
    """Open and held orders with checkboxes; the ticked ones go to the backup supplier."""
    branch = _branch(code)
    orders = _open_orders(branch)
    form = RedirectForm()
    form.orders.choices = [SelectChoice(o.id, o.reference) for o in orders]
    if form.validate_on_submit():
        result = write(lambda uow: redirect_orders(branch, form.orders.data, by=current_user, now=_now(),
                                                   reason=form.reason.data))
        if result is REFUSED:
            return redirect(url_for(".orders", code=branch.code))
        if result.redirected:
            flash(_("Sent to %(backup)s: %(references)s.", backup=branch.backup_name or _("the backup supplier"),
                    references=", ".join(result.redirected)), "success")
        for reference, why in result.refused:
            flash(_("%(reference)s was not sent: %(why)s.", reference=reference, why=why), "error")
        return redirect(url_for(".orders", code=branch.code))
    by_id = {o.id: o for o in orders}
    return render_template("dashboard/orders.html", branch=branch, form=form, by_id=by_id,
                           limit=LIST_LIMIT), 400 if form.errors else 200
