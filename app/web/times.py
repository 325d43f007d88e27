"""Which zone a page shows a time in, and the `when` filter every template prints a time with.

    {{ order.created_at|when(order.branch) }}        23/11 10:00 CET   (the order's branch, the page's locale)
    {{ stats.now|when(chosen, 'seconds') }}          the chosen branch, or the viewer's zone when None
    {{ message.received_at|when(message.branch_id) }}  a branch id is looked up once per request

A page about one branch uses that branch's zone; a chain-wide page (where is None) the viewer's: their own
branch's, or, for someone tied to no branch, the chain's zone when every branch shares one, else UTC.
Formatting itself is app.times.
"""
from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from flask import Flask, g, has_request_context
from flask_login import current_user
from sqlalchemy import select

from app import times
from app.extensions import db
from app.models import Branch


def _branch_zones() -> dict[int, str]:
    """Branch id -> zone name, read once per request."""
    if has_request_context() and "branch_zones" in g:
        return g.branch_zones
    zones = {branch_id: name for branch_id, name in db.session.execute(select(Branch.id, Branch.timezone))}
    if has_request_context():
        g.branch_zones = zones
    return zones


def viewer_zone() -> tzinfo:
    """The zone of the person looking: their branch's, or the chain's one zone, or UTC."""
    user = current_user if has_request_context() else None
    branch = getattr(user, "branch", None) if user is not None and user.is_authenticated else None
    if branch is not None:
        return times.zone(branch)
    names = set(_branch_zones().values())
    return times.zone(names.pop()) if len(names) == 1 else UTC


def zone_for(where=None) -> tzinfo:
    """`where` is a Branch, a branch id, a zone name or None (the viewer's zone)."""
    if where is None:
        return viewer_zone()
    if isinstance(where, int) and not isinstance(where, bool):
        name = _branch_zones().get(where)
        return times.zone(name) if name else viewer_zone()
    return times.zone(where)


def when(moment: datetime | None, where=None, style: str = "short") -> str:
    """The Jinja filter: `moment` in the zone of `where` (see zone_for), labelled; "" for None."""
    from app.web.i18n import current_locale

    return times.when(moment, zone_for(where), style, current_locale() if has_request_context() else None)


def zone_name(where=None) -> str:
    """The zone's name as a person reads it (Europe/Oslo), for 'hours in ...' captions."""
    zone = zone_for(where)
    return getattr(zone, "key", None) or str(zone)


def register(app: Flask) -> None:
    app.add_template_filter(when, "when")
    app.jinja_env.globals["zone_name"] = zone_name
