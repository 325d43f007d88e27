"""The shared queue, order detail with its actions, the review page and the phone-order form."""
from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app import times as clock
from app.extensions import db
from app.models import Branch, Order, Staff, Workshop
from app.orders import editing, lifecycle, provisional, service, workshops
from app.models.status import OPEN, OrderStatus
from app.orders import dispatch
from app.web import i18n
from app.web.queue import evidence, kept, queries
from app.web.queue.desk_forms import AlertSoundForm, AssignForm, ClaimNextForm
from app.web.queue.forms import (ActionForm, CancelForm, EditOrderForm, PhoneOrderForm, QueueFilterForm,
                                 ReviewForm, workshop_label)
from app.web.queue.message import attachments, body_text, listed_attachments
from app.web.queue.spelling import spell_reference
from app.web.redirects import local_path
from app.web.refusals import REFUSED, said, write

bp = Blueprint("queue", __name__)

# action name -> (service call, managers only, what to say when it worked)
ACTIONS = {
    "claim": (lambda o, s, now: service.claim(o, s, now=now), False, _l("You hold %(ref)s now.")),
    "claim_override": (lambda o, s, now: service.claim(o, s, now=now, override=True), True,
                       _l("You hold %(ref)s now (past the limit).")),
    "release": (lambda o, s, now: service.release(o, s, now=now), False, _l("%(ref)s is back in the queue.")),
    "ready": (lambda o, s, now: service.mark_ready(o, s, now=now), False, _l("%(ref)s is ready.")),
    "done": (lambda o, s, now: service.mark_done(o, s, now=now), False, _l("%(ref)s is done.")),
    "accept": (lambda o, s, now: service.accept_review(o, s, now=now), False, _l("%(ref)s is accepted.")),
    "admit": (lambda o, s, now: service.admit_held(o, s, now=now), True, _l("%(ref)s is admitted past the limit.")),
}


@bp.context_processor
def _helpers():
    now = datetime.now(UTC)

    return {"age": lambda value: queries.age(value, now),
            "lines_summary": queries.lines_summary, "age_level": lambda order: queries.age_level(order, now)}


def _visible_order(reference: str) -> Order:
    order = queries.order_by_reference(reference)
    if order is None:
        abort(404)
    if not queries.may_see(current_user, order):
        abort(403, description=_("This order belongs to another branch."))
    return order


@bp.route("/")
@login_required
def index():
    form = QueueFilterForm(request.args)
    if current_user.is_manager:
        form.branch.choices = [SelectChoice("", _("All branches"))] + [SelectChoice(str(b.id), b.code)
                                                                     for b in queries.branches()]
    else:
        form.branch.choices = [SelectChoice(str(current_user.branch_id or ""), _("My branch"))]
    form.validate()
    branch_id = int(form.branch.data) if (form.branch.data or "").isdigit() else None
    if not current_user.is_manager:
        branch_id = current_user.branch_id or -1  # staff without a branch see nothing
    q = (form.q.data or "").strip() if not form.q.errors else ""
    # a search looks through every status unless one is chosen: the order asked about may be done
    default_status = "all" if q and "status" not in request.args else "open"
    status = form.status.data if not form.status.errors and "status" in request.args else default_status
    form.status.data = status
    channel = form.channel.data if not form.channel.errors else None
    now, at = datetime.now(UTC), kept.state()  # the queue's state first: the pieces kept are as new as it
    table = kept.listing(at, queries.QueueFilter(
        branch_id=branch_id, status=status or "open", channel=channel or None, urgent=bool(form.urgent.data),
        page=form.page.data if not form.page.errors and form.page.data else 1, q=q or None),
        manager=current_user.is_manager, now=now)
    gauge_branches = ([db.session.get(Branch, branch_id)] if branch_id and branch_id > 0
                      else queries.branches() if current_user.is_manager else [])
    gauges = [kept.branch_gauge(at, b, now) for b in gauge_branches if b is not None]
    return render_template("queue/index.html", form=form, filters=kept.filter_fields(form), listing=table,
                           gauges=gauges, me=kept.staff_gauge(at, current_user, now), args=request.args.to_dict(), q=q,
                           claim_next_form=ClaimNextForm(), sound_form=AlertSoundForm(sound=current_user.alert_sound))


@bp.route("/orders/<reference>")
@login_required
def order(reference: str):
    return _render_order(_visible_order(reference), CancelForm())


def _render_order(order: Order, cancel_form: CancelForm, status: int = 200):
    return render_template("queue/order.html", order=order, action_form=ActionForm(), cancel_form=cancel_form,
                           message=order.inbound_message, body=body_text(order.inbound_message)
                           if order.inbound_message else None, files=listed_attachments(order.inbound_message),
                           ev=evidence.for_page(order.inbound_message, evidence.shown_by_order(order)),
                           outbox=queries.outbox_for(order), can_move=lifecycle.can_move,
                           may_edit=editing.why_not_editable(order, current_user) is None), status


@bp.route("/orders/<reference>/do/<name>", methods=["POST"])
@login_required
def action(reference: str, name: str):
    if name not in ACTIONS:
        abort(404)
    call, managers_only, done = ACTIONS[name]
    if managers_only and not current_user.is_manager:
        abort(403, description=_("Only a manager can do this."))
    order = _visible_order(reference)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    # the order and the staff member are read again under the lock
    write(lambda uow: call(order, current_user, datetime.now(UTC)), done=done % {"ref": order.reference})
    return redirect(local_path(form.next_url.data) or url_for("queue.order", reference=reference))


@bp.route("/orders/<reference>/cancel", methods=["POST"])
@login_required
def cancel(reference: str):
    order = _visible_order(reference)
    form = CancelForm()
    if not form.validate_on_submit():
        return _render_order(order, form, 422)  # nothing written; the page again with the error and what was typed
    write(lambda uow: service.cancel(order, current_user, now=datetime.now(UTC), reason=form.reason.data),
          done=_("%(ref)s is cancelled.", ref=order.reference))
    return redirect(url_for("queue.order", reference=reference))


@bp.route("/orders/<reference>/attachments/<int:index>")
@login_required
def attachment(reference: str, index: int):
    order = _visible_order(reference)
    files = attachments(order.inbound_message)
    if not 0 <= index < len(files):
        abort(404)
    part = files[index]
    return send_file(io.BytesIO(part.data), mimetype="application/octet-stream", as_attachment=True,
                     download_name=download_name(part.filename, index))


def download_name(filename: str, index: int) -> str:
    """A sender's filename made safe to offer as a download: its last path component, without control
    characters (a CR/LF would break the header), quotes, backslashes or leading dots; at most 150 characters."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = "".join("_" if unicodedata.category(c)[0] == "C" or c in '"\\' else c for c in name)
    name = re.sub(r"\.{2,}", ".", name).strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:140] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:150]
    return name or f"attachment-{index}"


@bp.route("/workshops/search")
@login_required
def workshop_search():
    found = workshops.search(request.args.get("q", "")[:100], limit=10)
    return jsonify([{"id": w.id, "label": workshop_label(w), "name": w.name, "number": w.customer_number,
                     "phones": [p.e164 for p in w.phones], "blocked": w.blocked} for w in found])


def _branch_choices(form: PhoneOrderForm) -> None:
    if current_user.is_manager:
        form.branch_id.choices = [SelectChoice(b.id, f"{b.code} · {b.name}") for b in queries.branches()]
    elif current_user.branch is not None:
        branch = current_user.branch
        form.branch_id.choices = [SelectChoice(branch.id, f"{branch.code} · {branch.name}")]
    else:
        form.branch_id.choices = []
    if form.branch_id.data is None and current_user.branch_id:
        form.branch_id.data = current_user.branch_id


@bp.route("/orders/new", methods=["GET", "POST"])
@login_required
def new_order():
    form = PhoneOrderForm()
    _branch_choices(form)
    if request.method == "GET":
        _prefill(form)
    elif form.edit_lines():
        return render_template("queue/new_order.html", form=form)
    if form.validate_on_submit():
        branch_id, data, staff_id = form.branch_id.data, form.order_input("phone"), current_user.id
        new = form.new_workshop()

        def take(uow) -> str:
            by, now = db.session.get(Staff, staff_id), datetime.now(UTC)
            if new is not None:  # the caller is not in the list: the order is taken all the same
                data.workshop_id = provisional.create(new, branch_id=branch_id, by=by, now=now).id
            return service.create_order(branch_id, data, by=by, now=now).reference

        # the write lock only from here to the commit; the reference is read before the commit expires it
        reference = write(take, keep_loaded=True)
        if reference is REFUSED:  # the new workshop's phone was taken meanwhile: said, and what was typed kept
            return render_template("queue/new_order.html", form=form), 409
        return redirect(url_for("queue.created", reference=reference))
    status = 422 if form.is_submitted() else 200
    return render_template("queue/new_order.html", form=form), status


def _prefill(form: PhoneOrderForm) -> None:
    """The phone screen-pop links here with ?phone= (or ?workshop=) so the caller is already picked."""
    workshop = None
    if request.args.get("workshop", "").isdigit():
        workshop = db.session.get(Workshop, int(request.args["workshop"]))
    phone = request.args.get("phone", "").strip()[:40]
    if phone:
        form.contact_phone.data = workshops.normalise_phone(phone) or phone
        workshop = workshop or workshops.find_by_phone(phone)
    if workshop is not None:
        form.show_workshop(workshop)


@bp.route("/orders/<reference>/created")
@login_required
def created(reference: str):
    order = _visible_order(reference)
    return render_template("queue/created.html", order=order, spelled=spell_reference(order.reference, i18n.current_locale()))


@bp.route("/orders/<reference>/review", methods=["GET", "POST"])
@login_required
def review(reference: str):
    order = _visible_order(reference)
    if order.status != OrderStatus.NEEDS_REVIEW:
        flash(_("%(ref)s does not need review (it is %(status)s).", ref=order.reference,
                status=_(OrderStatus(order.status).label)), "info")
        return redirect(url_for("queue.order", reference=reference))
    form = ReviewForm() if request.method == "POST" else ReviewForm(data=_order_data(order))
    if request.method == "GET":
        form.show_workshop(order.workshop)
    elif form.edit_lines():
        return _render_review(order, form)
    if form.validate_on_submit():
        now = datetime.now(UTC)
        data = form.order_input(order.channel)

        def accept(uow):
            service.update_order(order, data, by=current_user, now=now)
            uow.flush()
            service.accept_review(order, current_user, now=now)

        write(accept, done=_("%(ref)s is accepted into the queue.", ref=order.reference))
        return redirect(url_for("queue.order", reference=reference))
    return _render_review(order, form), 422 if form.is_submitted() else 200


def _render_review(order: Order, form: ReviewForm):
    message = order.inbound_message
    return render_template("queue/review.html", order=order, form=form, cancel_form=CancelForm(),
                           message=message, body=body_text(message) if message else None,
                           files=listed_attachments(message), ev=evidence.for_page(message, evidence.shown_by_form(form)))


def _order_data(order: Order) -> dict:
    return {
        "lines": [{"part_number": ln.part_number, "description": ln.description, "quantity": ln.quantity}
                  for ln in order.lines] or [{}],
        "plate": order.plate, "vin": order.vin, "urgent": order.urgent, "fulfilment": order.fulfilment or "delivery",
        "customer_reference": order.customer_reference, "contact_name": order.contact_name,
        "contact_phone": order.contact_phone, "notes": order.notes,
    }


@bp.route("/orders/<reference>/edit", methods=["GET", "POST"])
@login_required
def edit(reference: str):
    """Correct a saved order. Who may is checked here (403 with the reason; a closed order sends back to its
    page, saying why) and again under the lock."""
    order = _visible_order(reference)
    why = editing.why_not_editable(order, current_user)
    if why and order.status not in OPEN:  # as review does: said on the order page, nothing to edit
        flash(said(why), "error")
        return redirect(url_for("queue.order", reference=reference))
    if why:
        abort(403, description=said(why))
    zone = clock.zone(order.branch)
    if request.method == "POST":
        form = EditOrderForm()
    else:
        local = order.wanted_by.astimezone(zone).replace(tzinfo=None) if order.wanted_by else None
        form = EditOrderForm(data={**_order_data(order), "fulfilment": order.fulfilment, "wanted_by": local,
                                   "branch_id": order.branch_id})
        form.show_workshop(order.workshop)
    if current_user.is_manager:
        form.branch_id.choices = [SelectChoice(b.id, f"{b.code} · {b.name}") for b in queries.branches()]
    else:
        form.branch_id.choices = [SelectChoice(order.branch_id, f"{order.branch.code} · {order.branch.name}")]
    if request.method == "POST" and form.edit_lines():
        return _render_edit(order, form)
    if form.validate_on_submit():
        data = form.order_input(order.channel)
        data.wanted_by = form.wanted_by.data.replace(tzinfo=zone).astimezone(UTC) if form.wanted_by.data else None
        if order.wanted_by and data.wanted_by and abs((order.wanted_by - data.wanted_by).total_seconds()) < 60:
            data.wanted_by = order.wanted_by  # the form shows minutes: the same minute is no change
        branch_id = form.branch_id.data if current_user.is_manager else None
        changed = write(lambda uow: editing.edit_order(order, data, by=current_user, now=datetime.now(UTC),
                                                       branch_id=branch_id))
        if changed is REFUSED:  # said in the flash; the form again with what was typed
            return _render_edit(order, form), 409
        flash(_("%(ref)s is saved.", ref=order.reference) if changed else _("Nothing was changed."),
              "success" if changed else "info")
        return redirect(url_for("queue.order", reference=reference))
    return _render_edit(order, form), 422 if form.is_submitted() else 200


def _render_edit(order: Order, form: EditOrderForm):
    return render_template("queue/edit.html", order=order, form=form)


@bp.route("/claim-next", methods=["POST"])
@login_required
def claim_next():
    """The next new order of my branch in the queue's order (urgent first, then oldest), within my limit."""
    form = ClaimNextForm()
    if not form.validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    staff_id = current_user.id
    reference = write(lambda uow: dispatch.claim_next(db.session.get(Staff, staff_id), now=datetime.now(UTC)).reference,
                      keep_loaded=True)
    if isinstance(reference, str):
        flash(_("You hold %(ref)s now.", ref=reference), "success")
        return redirect(url_for("queue.order", reference=reference))
    return redirect(url_for("queue.index"))


@bp.route("/orders/<reference>/assign", methods=["GET", "POST"])
@login_required
def assign(reference: str):
    if not current_user.is_manager:
        abort(403, description=_("Only a manager can assign an order to someone."))
    order = _visible_order(reference)
    form = AssignForm()
    people = dispatch.assignable_staff(order)
    form.staff_id.choices = [SelectChoice(p.id, _("%(name)s · holds %(held)s of %(limit)s", name=p.name,
                                                  held=queries.staff_gauge(p).held, limit=p.effective_hold_limit))
                             for p in people]
    if form.validate_on_submit():
        to = db.session.get(Staff, form.staff_id.data)
        done = write(lambda uow: dispatch.assign(order, to, by=current_user, now=datetime.now(UTC)),
                     done=_("%(ref)s is assigned to %(name)s.", ref=order.reference, name=to.name))
        if done is not REFUSED:
            return redirect(url_for("queue.order", reference=reference))
    return render_template("queue/assign.html", order=order, form=form), 422 if form.is_submitted() else 200


@bp.route("/me/alert-sound", methods=["POST"])
@login_required
def alert_sound():
    form = AlertSoundForm()
    if not form.validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    staff_id, on = current_user.id, bool(form.sound.data)

    def save(uow):
        db.session.get(Staff, staff_id).alert_sound = on

    write(save, done=_("A sound will play when new orders arrive.") if on else _("No sound for new orders."))
    return redirect(url_for("queue.index"))
