"""Capacity controls a manager changes: branch limits, overflow policy, pause, a staff member's limit.

Plain functions (no request): each change is written to the audit trail as "field: old -> new",
and after any branch change held orders are admitted while there is room. The caller commits.
"""
from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import AuditEvent, Branch, Order, Staff
from app.orders import capacity, lifecycle, service
from app.locales import N_
from app.orders.errors import NotAllowed, Text

BRANCH_LIMITS = ("staff_hold_limit", "hourly_limit", "open_limit", "overflow_policy")
POLICIES = ("hold", "redirect")


def _audit(by: Staff, branch_id: int | None, action: str, detail: str, now: datetime) -> None:
    db.session.add(AuditEvent(at=now, actor_id=by.id, actor_label=lifecycle.actor_label(by), branch_id=branch_id,
                              action=action, detail=detail))


def _ensure_manager(by: Staff) -> None:
    if not by.is_manager:
        raise NotAllowed(Text(N_("Only a manager can change capacity settings.")))


def set_branch_limits(branch_id: int, *, by: Staff, now: datetime, **values) -> tuple[list[str], list[Order]]:
    """Change any of staff_hold_limit, hourly_limit, open_limit, overflow_policy.
    Returns (the changes as sentences, the held orders admitted because of them)."""
    _ensure_manager(by)
    unknown = set(values) - set(BRANCH_LIMITS)
    if unknown:
        raise NotAllowed(Text(N_("{fields} cannot be changed here."), fields=", ".join(sorted(unknown))))
    if values.get("overflow_policy") not in (None, *POLICIES):
        raise NotAllowed(Text(N_("The overflow policy is either hold or redirect.")))
    if any(isinstance(v, int) and v < 0 for v in values.values()):
        raise NotAllowed(Text(N_("A limit cannot be negative.")))
    branch = capacity.lock_branch(branch_id)
    if values.get("overflow_policy") == "redirect" and not branch.backup_name:
        raise NotAllowed(Text(N_("Branch {code} has no backup supplier, so orders cannot be redirected; "
                                 "set one up first or keep the policy at hold."), code=branch.code))
    changes = []
    for name in BRANCH_LIMITS:
        if name not in values or values[name] is None:
            continue
        old, new = getattr(branch, name), values[name]
        if old == new:
            continue
        setattr(branch, name, new)
        change = f"{name}: {old} -> {new}"
        changes.append(change)
        _audit(by, branch.id, "policy_changed" if name == "overflow_policy" else "limit_changed", change, now)
    db.session.flush()
    promoted = service.promote_held(branch.id, now=now) if changes else []
    return changes, promoted


def set_paused(branch_id: int, paused: bool, *, by: Staff, now: datetime) -> tuple[bool, list[Order]]:
    """Pause or resume intake. A paused branch still records every order (held or redirected).
    Returns (whether anything changed, held orders admitted on resuming)."""
    _ensure_manager(by)
    branch = capacity.lock_branch(branch_id)
    if branch.paused == paused:
        return False, []
    branch.paused = paused
    _audit(by, branch.id, "paused" if paused else "resumed", f"paused: {not paused} -> {paused}", now)
    db.session.flush()
    promoted = [] if paused else service.promote_held(branch.id, now=now)
    return True, promoted


def set_staff_limit(staff_id: int, hold_limit: int | None, *, by: Staff, now: datetime) -> str | None:
    """Set how many orders one person may hold at once; None means the branch's limit.
    Returns the change as a sentence, or None when nothing changed."""
    _ensure_manager(by)
    if hold_limit is not None and hold_limit < 0:
        raise NotAllowed(Text(N_("A limit cannot be negative.")))
    staff = capacity.lock_staff(staff_id)
    if staff.hold_limit == hold_limit:
        return None
    old = "branch default" if staff.hold_limit is None else staff.hold_limit
    new = "branch default" if hold_limit is None else hold_limit
    staff.hold_limit = hold_limit
    change = f"{staff.login} hold_limit: {old} -> {new}"
    _audit(by, staff.branch_id, "staff_limit_changed", change, now)
    return change


def branch_by_code(code: str) -> Branch | None:
    from sqlalchemy import select

    return db.session.scalars(select(Branch).where(Branch.code == (code or "").upper())).first()


def set_age_thresholds(branch_id: int, *, amber: int, red: int, by: Staff, now: datetime) -> list[str]:
    """The minutes after which a waiting order's age shows amber, then red, in the queue. Audited like a
    limit; returns the changes as sentences. Raises NotAllowed unless 1 <= amber < red."""
    _ensure_manager(by)
    if amber < 1 or red <= amber:
        raise NotAllowed(Text(N_("Amber must come first: give amber at least 1 minute and red more than amber "
                                 "(you gave amber {amber}, red {red})."), amber=amber, red=red))
    branch = capacity.lock_branch(branch_id)
    changes = []
    for name, new in (("age_amber_minutes", amber), ("age_red_minutes", red)):
        old = getattr(branch, name)
        if old != new:
            setattr(branch, name, new)
            changes.append(f"{name}: {old} -> {new}")
            _audit(by, branch.id, "age_threshold_changed", changes[-1], now)
    return changes
