"""Which staff member a session belongs to, checked on the server at every request.

A session stores "<staff id>:<session token>" (Staff.get_id). Logging out, or a new password, gives the
staff member a new token, so every session made before, and any copy of its cookie, opens nothing.
"""
from __future__ import annotations

import hmac

from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Staff


def load_staff(user_id: str) -> Staff | None:
    """Flask-Login's user loader: the active staff member whose current token the session holds, else None."""
    staff_id, _, token = (user_id or "").partition(":")
    if not staff_id.isdigit() or not token:
        return None
    # with the branch in the same statement: every page reads it (the page's language, the menu)
    staff = db.session.get(Staff, int(staff_id), options=[joinedload(Staff.branch)])
    if staff is None or not staff.active or not staff.session_token:
        return None
    return staff if hmac.compare_digest(staff.session_token.encode(), token.encode()) else None
