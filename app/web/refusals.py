"""Writes from a view: a unit of work committed when the work returns, a domain refusal flashed."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from flask_babel import gettext
from flask_babel import gettext

from app.orders.errors import DomainError, said as _said
from app.orders.unit_of_work import UnitOfWork, attempt

T = TypeVar("T")
REFUSED = object()  # what write() returns when the domain refused: nothing was written


def write(work: Callable[[UnitOfWork], T], *, done: str | None = None, keep_loaded: bool = False) -> T | object:
    """Do work(uow) in its own unit of work and commit it (app.orders.unit_of_work.run). A domain refusal
    (OverCapacity, IllegalMove, NotAllowed) is rolled back and flashed as an error, and REFUSED returned;
    otherwise `done` is flashed and the work's result returned. Any other error is raised."""
    result = attempt(work, refused=_flash, keep_loaded=keep_loaded)
    if result is not REFUSED and done:
        flash(done, "success")
    return result


def _flash(refusal: DomainError) -> object:
    flash(refusal.said(gettext), "error")
    return REFUSED


def said(text: str | None) -> str | None:
    """A domain sentence (app.orders.errors.Text: a refusal's, editing's `why`, a branch's blocking reason) in
    the page's language; any other str as it is."""
    return _said(text, gettext)
