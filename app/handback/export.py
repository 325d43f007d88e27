"""Hand-back to the ERP: every order not yet exported, or changed since, as CSV and JSON lines.

A batch is idempotent: the orders in it are marked exported_at = batch time (this does not touch
updated_at), so the next batch holds only orders that are new or changed since. Each batch is kept
(ExportBatch, with the sha256 of its CSV) and can be downloaded again.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.util import identity_key

from app import times
from app.database import is_sqlite
from app.extensions import db
from app.handback.csvsafe import iso, to_csv
from app.models import ExportBatch, Order, Staff

HEADER = [
    "reference", "branch", "customer_number", "workshop", "channel", "status", "urgent", "fulfilment", "plate",
    "vin", "customer_reference", "line", "part_number", "description", "quantity", "created_at", "claimed_at",
    "done_at", "updated_at",
]
CHUNK = 500
_LOCK_KEY = 0x50_44_45_58  # "PDEX": one export at a time on PostgreSQL

PENDING = or_(Order.exported_at.is_(None), Order.updated_at > Order.exported_at)


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Order).where(PENDING)) or 0


def create_batch(*, by: Staff | None, now: datetime) -> ExportBatch | None:
    """Export what is new or changed and mark it exported; None when there is nothing.

    The caller runs this in a unit of work (app.orders.unit_of_work) and commits it. An order changed
    while the batch is written keeps its new updated_at and is not marked, so it goes out again in the
    next batch rather than being lost.
    """
    if not is_sqlite(db.session):
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    pending = db.session.execute(select(Order.id, Order.updated_at).where(PENDING).order_by(Order.id)).all()
    if not pending:
        return None
    rows: list[list] = []
    jsonl: list[str] = []
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start:start + CHUNK]
        known = {p.id for p in chunk if identity_key(Order, p.id) in db.session.identity_map}
        orders = db.session.scalars(
            select(Order).where(Order.id.in_([p.id for p in chunk])).order_by(Order.id)
            .options(selectinload(Order.lines), selectinload(Order.workshop), selectinload(Order.branch))
        ).all()
        for order in orders:
            rows.extend(csv_rows(order))
            jsonl.append(json.dumps(as_record(order), ensure_ascii=False, separators=(",", ":")))
        for item in chunk:
            # compare-and-set: only the version we read is marked as exported
            db.session.execute(
                update(Order).where(Order.id == item.id, Order.updated_at == item.updated_at)
                .values(exported_at=now).execution_options(synchronize_session=False)
            )
        for order in orders:
            if order.id not in known:  # a large export must not keep every order in memory
                db.session.expunge(order)
    csv_bytes = to_csv(HEADER, rows)
    batch = ExportBatch(created_at=now, created_by_id=by.id if by else None, order_count=len(pending),
                        line_count=sum(1 for r in rows if r[11] is not None),
                        checksum=hashlib.sha256(csv_bytes).hexdigest(), csv=csv_bytes,
                        jsonl=("\n".join(jsonl) + "\n").encode("utf-8"))
    db.session.add(batch)
    db.session.flush()
    return batch


def _order_fields(order: Order) -> list:
    workshop = order.workshop
    return [order.reference, order.branch.code, workshop.customer_number if workshop else None,
            workshop.name if workshop else None, order.channel, order.status, order.urgent, order.fulfilment,
            order.plate, order.vin, order.customer_reference]


def csv_rows(order: Order) -> list[list]:
    """One row per line; an order without lines still gets one row, with the line cells empty."""
    head = _order_fields(order)
    # times in the branch's zone, written with their offset (2026-11-23T10:00:00+01:00)
    tail = [times.local(t, order.branch) for t in (order.created_at, order.claimed_at, order.done_at, order.updated_at)]
    if not order.lines:
        return [head + [None, None, None, None] + tail]
    return [head + [line.position + 1, line.part_number, line.description, line.quantity] + tail
            for line in order.lines]


def as_record(order: Order) -> dict:
    workshop = order.workshop
    return {
        "reference": order.reference, "branch": order.branch.code,
        "customer_number": workshop.customer_number if workshop else None,
        "workshop": workshop.name if workshop else None, "channel": order.channel, "status": order.status,
        "urgent": order.urgent, "fulfilment": order.fulfilment, "plate": order.plate, "vin": order.vin,
        "customer_reference": order.customer_reference,
        "created_at": iso(order.created_at, order.branch), "claimed_at": iso(order.claimed_at, order.branch),
        "done_at": iso(order.done_at, order.branch), "updated_at": iso(order.updated_at, order.branch),
        "lines": [{"line": line.position + 1, "part_number": line.part_number, "description": line.description,
                   "quantity": line.quantity} for line in order.lines],
    }


def batches(limit: int = 100) -> list[ExportBatch]:
    """Past batches, newest first, without loading their contents."""
    from sqlalchemy.orm import defer

    return list(db.session.scalars(
        select(ExportBatch).options(defer(ExportBatch.csv), defer(ExportBatch.jsonl))
        .order_by(ExportBatch.id.desc()).limit(limit)
    ))


def filename(batch: ExportBatch, kind: str) -> str:
    return f"partdesk-export-{batch.id:05d}-{batch.created_at:%Y%m%dT%H%M%SZ}.{kind}"
