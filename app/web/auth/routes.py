from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Staff
from app.web.auth import throttle
from app.web.auth.forms import LoginForm, LogoutForm
from app.web.redirects import local_path

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("queue.index"))
    form = LoginForm()
    if form.validate_on_submit():
        now = datetime.now(UTC)
        address = request.remote_addr or "unknown"
        if throttle.address_locked(address):
            flash("Too many failed logins from this address. Wait 15 minutes or ask a manager.", "error")
            return render_template("auth/login.html", form=form), 429
        name = form.login.data.strip()
        # a NUL can name no account, and PostgreSQL refuses it in a query: a failed login, not a 500
        staff = None if "\x00" in name else db.session.scalars(select(Staff).where(Staff.login == name)).first()
        if staff is not None and throttle.account_locked(staff, now):
            flash("This account is locked after too many failed logins. Try again later or ask a manager.", "error")
            return render_template("auth/login.html", form=form), 429
        if staff is None or not staff.active or not staff.check_password(form.password.data):
            failures = throttle.note_address_failure(address)
            if staff is not None:
                throttle.note_account_failure(
                    staff, now, max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                    lock_seconds=current_app.config["LOGIN_LOCK_SECONDS"])
                failures = max(failures, staff.failed_logins)
                if staff.locked_until:
                    db.session.add(AuditEvent(at=now, actor_label=address, branch_id=staff.branch_id,
                                              action="login_locked", detail=staff.login))
                db.session.commit()
            if not current_app.testing:
                time.sleep(throttle.delay_for(failures))
            flash("Wrong login or password.", "error")
            return render_template("auth/login.html", form=form), 401
        staff.failed_logins = 0
        staff.locked_until = None
        db.session.commit()
        login_user(staff)
        return redirect(local_path(request.args.get("next")) or url_for("queue.index"))
    return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        current_user.end_sessions()  # a copy of this session's cookie opens nothing from now on
        db.session.commit()
        logout_user()
        flash("Logged out.", "info")
    return redirect(url_for("auth.login"))
