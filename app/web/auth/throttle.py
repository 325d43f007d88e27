"""Login brute-force protection: slowed, then locked, per account and per address.

Per account the state lives on the Staff row (shared by every web process). Per address it
lives in a small table-free in-process map plus the database-backed account lock, which is
enough to stop one address from walking through many accounts on one process.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from datetime import datetime, timedelta

from app.models import Staff

_lock = threading.Lock()
_by_address: dict[str, deque] = defaultdict(deque)
ADDRESS_WINDOW = 900  # seconds
ADDRESS_MAX = 20


def address_locked(address: str) -> bool:
    with _lock:
        q = _by_address[address]
        cutoff = time.monotonic() - ADDRESS_WINDOW
        while q and q[0] < cutoff:
            q.popleft()
        return len(q) >= ADDRESS_MAX


def note_address_failure(address: str) -> int:
    with _lock:
        _by_address[address].append(time.monotonic())
        return len(_by_address[address])


def reset_addresses() -> None:
    with _lock:
        _by_address.clear()


def account_locked(staff: Staff, now: datetime) -> bool:
    return staff.locked_until is not None and staff.locked_until > now


def note_account_failure(staff: Staff, now: datetime, *, max_failures: int, lock_seconds: int) -> None:
    staff.failed_logins = (staff.failed_logins or 0) + 1
    if staff.failed_logins >= max_failures:
        staff.locked_until = now + timedelta(seconds=lock_seconds)


def delay_for(failures: int) -> float:
    """Slow down repeated failures: nothing for the first two, then up to 2 s."""
    return 0.0 if failures < 3 else min(2.0, 0.25 * (failures - 2))
