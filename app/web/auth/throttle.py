"""Login brute force: slowed and limited, in a way no stranger can turn against a clerk.

Every attempt is counted, before its password is looked at, under three keys in the database (so the
figures are shared by every web process and hold under concurrent requests):

- the client address and the login name together: past LOGIN_MAX_FAILURES attempts in the window
  (LOGIN_LOCK_SECONDS), that address is refused for that name until the window ends. Someone else's
  guesses never lock a clerk out: from her own address she logs in as usual;
- the login name alone: the answer to a wrong password is slowed (delay_for) as its attempts grow,
  from any address, but the name is never locked;
- the client address alone: past ADDRESS_MAX attempts an address walking through many names is refused.

A successful login clears its name's counts and gives back its address's attempt. The same happens
for a name that exists and one that does not, so the answers tell no one which names are real.
"""
from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import case, delete, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import LoginAttempt, UTCDateTime

ADDRESS_MAX = 20  # attempts per address and window, over all names


@dataclass(frozen=True)
class Attempt:
    refused: str | None  # why this attempt is refused before its password is checked (answer 429)
    delay: float  # seconds to wait before answering, should the password be wrong
    locks: bool  # the first attempt refused for this address and name: worth an audit entry


def client_address(remote_addr: str | None) -> str:
    """The client's address as a canonical IP (ProxyFix has already applied X-Forwarded-For), or 'unknown'."""
    try:
        return str(ipaddress.ip_address((remote_addr or "").strip()))
    except ValueError:
        return "unknown"


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _keys(address: str, login: str) -> dict[str, str]:
    return {"pair": _key("pair", address, login), "login": _key("login", login), "address": _key("address", address)}


def count(address: str, login: str, now: datetime, *, max_failures: int, window_seconds: int) -> Attempt:
    """Count one attempt in the caller's write transaction (one statement: INSERT ... ON CONFLICT DO UPDATE
    ... RETURNING, so simultaneous attempts each get their own count) and say whether it may go on."""
    cutoff = now - timedelta(seconds=window_seconds)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.window_start < cutoff))
    keys = _keys(address, login)
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stale = LoginAttempt.window_start < cutoff  # in the SET clause a column is the row already stored
    stmt = insert(LoginAttempt).values([{"key": k, "attempts": 1, "window_start": now} for k in sorted(keys.values())])
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={
        "attempts": case((stale, 1), else_=LoginAttempt.attempts + 1),
        "window_start": case((stale, literal(now, UTCDateTime())), else_=LoginAttempt.window_start),
    }).returning(LoginAttempt.key, LoginAttempt.attempts, LoginAttempt.window_start)
    rows = {key: (attempts, start) for key, attempts, start in db.session.execute(stmt)}
    pair, pair_start = rows[keys["pair"]]
    by_address, address_start = rows[keys["address"]]
    refused = None
    if pair > max_failures:
        refused = (f"Too many failed logins for this name from your address. Try again in "
                   f"{_minutes_left(pair_start, now, window_seconds)} minute(s).")
    elif by_address > ADDRESS_MAX:
        refused = (f"Too many failed logins from your address. Try again in "
                   f"{_minutes_left(address_start, now, window_seconds)} minute(s).")
    return Attempt(refused=refused, delay=delay_for(rows[keys["login"]][0]), locks=pair == max_failures + 1)


def _minutes_left(start: datetime, now: datetime, window_seconds: int) -> int:
    return max(1, math.ceil((start + timedelta(seconds=window_seconds) - now).total_seconds() / 60))


def succeeded(address: str, login: str) -> None:
    """The password was right: forget the name's attempts, and give its address back this one."""
    keys = _keys(address, login)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key.in_([keys["pair"], keys["login"]])))
    db.session.execute(update(LoginAttempt).where(LoginAttempt.key == keys["address"], LoginAttempt.attempts > 0)
                       .values(attempts=LoginAttempt.attempts - 1))


def delay_for(attempts: int) -> float:
    """Slow down repeated failures of one name: nothing for the first two, then up to 2 s."""
    return 0.0 if attempts < 3 else min(2.0, 0.25 * (attempts - 2))


@cache
def dummy_hash() -> str:
    """A password hash made the way real ones are, checked for a name that has no account, so a wrong
    name costs the same time as a wrong password."""
    return generate_password_hash("no account has this password")
