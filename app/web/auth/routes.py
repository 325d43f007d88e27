from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app import locales
from app.extensions import db
from app.models import AuditEvent, Staff
from app.orders.unit_of_work import run
from app.web import i18n
from app.web.auth import throttle
from app.web.auth.forms import LoginForm, LogoutForm, ProfileForm
from app.web.redirects import local_path

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("queue.index"))
    form = LoginForm()
    if form.validate_on_submit():
        return _attempt(form)
    return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200


def _attempt(form: LoginForm):
    """Count the attempt and commit that, then check the password with no transaction open (a wrong one
    is answered after the throttle's delay). A name without an account, or an inactive one, is checked
    against a dummy hash and answered exactly like a wrong password."""
    now = datetime.now(UTC)
    address = throttle.client_address(request.remote_addr)
    name = form.login.data.strip()

    def count(uow):
        staff = uow.session.scalars(select(Staff).where(Staff.login == name)).first()
        attempt = throttle.count(address, name, now, max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                                 window_seconds=current_app.config["LOGIN_LOCK_SECONDS"])
        if attempt.locks:
            uow.session.add(AuditEvent(
                at=now, actor_label=address, branch_id=staff.branch_id if staff else None, action="login_locked",
                detail=f"{staff.login if staff else 'a login name with no account'} from {address}"))
        known = staff is not None and staff.active
        return staff, attempt, known, staff.password_hash if known else throttle.dummy_hash()

    # counted and committed before the password is looked at, so guesses sent at once are all counted
    staff, attempt, known, password_hash = run(count)
    if attempt.refused:
        flash(attempt.refused, "error")
        return render_template("auth/login.html", form=form), 429
    if not (check_password_hash(password_hash, form.password.data) and known):
        if attempt.delay and not current_app.testing:
            time.sleep(attempt.delay)  # no transaction is open: the unit of work above ended it
        flash(_("Wrong login or password."), "error")
        return render_template("auth/login.html", form=form), 401
    run(lambda uow: throttle.succeeded(address, name))
    login_user(staff)
    return redirect(local_path(request.args.get("next")) or url_for("queue.index"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        run(lambda uow: current_user.end_sessions())  # a copy of this session's cookie opens nothing from now on
        logout_user()
        flash(_("Logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The staff member's own language; empty follows their branch's, then their browser's."""
    form = ProfileForm(locale=current_user.locale or "")
    if form.validate_on_submit():
        chosen = form.locale.data or None

        def save(uow):
            uow.session.get(Staff, current_user.id).locale = chosen

        run(save)
        now_in = i18n.choose(chosen, getattr(current_user.branch, "language", None))
        with force_locale(now_in):  # said in the language chosen, as the next page is
            flash(_("Saved: your pages are in %(language)s.", language=locales.NAMES[now_in]), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form), 422 if form.is_submitted() else 200
