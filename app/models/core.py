"""Branches, workshops, staff, orders and their audit trail."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, bindparam, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from app.locales import N_
from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models import search_keys
from app.models import status as order_status
from app.models.status import OrderStatus

ROLES = (N_("staff"), N_("manager"), N_("admin"))  # N_: the words a page shows, translated there
CHANNELS = ("email", "sms", "phone", "voicemail", "web")
STATUSES = order_status.ALL
OPEN_STATUSES = order_status.OPEN


class Branch(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(5), default="no")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Oslo")
    phone_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    inbound_email: Mapped[str | None] = mapped_column(String(254))
    # numbers the call flow dials when there is room, comma separated E.164
    staff_numbers: Mapped[str | None] = mapped_column(String(400))
    backup_name: Mapped[str | None] = mapped_column(String(120))
    backup_phone: Mapped[str | None] = mapped_column(String(20))
    backup_email: Mapped[str | None] = mapped_column(String(254))
    # capacity
    staff_hold_limit: Mapped[int] = mapped_column(Integer, default=5)
    hourly_limit: Mapped[int] = mapped_column(Integer, default=60)
    open_limit: Mapped[int] = mapped_column(Integer, default=200)
    overflow_policy: Mapped[str] = mapped_column(String(10), default="hold")  # hold | redirect
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    minutes_per_order: Mapped[int] = mapped_column(Integer, default=6)  # estimate before throughput is known
    # the queue shows an order's age amber, then red, once it has waited this long (a manager sets them)
    age_amber_minutes: Mapped[int] = mapped_column(Integer, default=15)
    age_red_minutes: Mapped[int] = mapped_column(Integer, default=30)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Branch {self.code}>"


class Workshop(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str | None] = mapped_column(String(400), index=True)  # search_keys.fold_name(name)
    home_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # created on the phone for a caller not in the list: a manager confirms it or merges it into one that is
    provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    org_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    home_branch: Mapped[Branch | None] = relationship()
    emails: Mapped[list[WorkshopEmail]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", order_by="WorkshopEmail.id"
    )
    phones: Mapped[list[WorkshopPhone]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", order_by="WorkshopPhone.id"
    )

    @validates("name")
    def _keep_name_key(self, _key, value):
        self.name_key = search_keys.fold_name(value)
        return value

    @property
    def mobile(self) -> str | None:
        for phone in self.phones:
            if phone.is_mobile:
                return phone.e164
        return None


class WorkshopEmail(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    workshop: Mapped[Workshop] = relationship(back_populates="emails")


class WorkshopPhone(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    e164: Mapped[str] = mapped_column(String(20), unique=True)
    is_mobile: Mapped[bool] = mapped_column(Boolean, default=False)
    workshop: Mapped[Workshop] = relationship(back_populates="phones")


class Staff(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="staff")
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    hold_limit: Mapped[int | None] = mapped_column(Integer)  # None: the branch's staff_hold_limit
    # the spreadsheet format chosen on the export page (app.handback.formats); None: the branch language's
    export_format: Mapped[str | None] = mapped_column(String(16))
    alert_sound: Mapped[bool] = mapped_column(Boolean, default=False)  # a sound when new orders arrive
    # the language of their pages (app.locales.SUPPORTED); None: their branch's, else their browser's
    locale: Mapped[str | None] = mapped_column(String(8))
    # part of every session's id (get_id); a new one (logout, new password) ends every session made before
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    branch: Mapped[Branch | None] = relationship()

    # Flask-Login
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        self.session_token = secrets.token_hex(16)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")

    @property
    def effective_hold_limit(self) -> int:
        if self.hold_limit is not None:
            return self.hold_limit
        return self.branch.staff_hold_limit if self.branch else 5


class Order(db.Model):
    __table_args__ = (
        Index("ix_order_branch_status_created", "branch_id", "status", "created_at"),
        Index("ix_order_branch_admitted", "branch_id", "admitted_at"),
        Index("ix_order_status_urgent_created", "status", "urgent", "created_at"),
        Index("ix_order_holder_status", "holder_id", "status"),
        Index("ix_order_updated", "updated_at"),
        Index("ix_order_done_at", "branch_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshop.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.NEW)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    fulfilment: Mapped[str | None] = mapped_column(String(10))  # delivery | pickup
    wanted_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    plate: Mapped[str | None] = mapped_column(String(20))
    vin: Mapped[str | None] = mapped_column(String(17))
    customer_reference: Mapped[str | None] = mapped_column(String(64))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    # search keys (app.models.search_keys), kept by the validators below whatever path writes the order
    plate_key: Mapped[str | None] = mapped_column(String(20), index=True)
    vin_key: Mapped[str | None] = mapped_column(String(17), index=True)
    phone_key: Mapped[str | None] = mapped_column(String(20), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(5))
    confidence: Mapped[float | None]
    review_reasons: Mapped[list] = mapped_column(JSON, default=list)
    # the part numbers read that this workshop had in orders accepted before (app.intake.corrections)
    history_confirmed: Mapped[list | None] = mapped_column(JSON)
    flagged: Mapped[str | None] = mapped_column(String(200))  # a follow-up or cancellation waiting for staff
    capacity_decision: Mapped[str | None] = mapped_column(Text)
    estimate_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"), unique=True)
    # the earlier order this one follows: made from a reply to it, or an addition naming it (app.orders.links)
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # counted against the hourly limit
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Branch] = relationship()
    workshop: Mapped[Workshop | None] = relationship()
    holder: Mapped[Staff | None] = relationship(foreign_keys=[holder_id])
    created_by: Mapped[Staff | None] = relationship(foreign_keys=[created_by_id])
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.position"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )
    inbound_message = relationship("InboundMessage", foreign_keys=[inbound_message_id])
    follows: Mapped[Order | None] = relationship(remote_side=[id], foreign_keys=[follows_id])

    @validates("plate", "vin", "contact_phone")
    def _keep_search_keys(self, key, value):
        if key == "plate":
            self.plate_key = (search_keys.compact(value) or "")[:20] or None
        elif key == "vin":
            self.vin_key = (search_keys.compact(value) or "")[:17] or None
        else:
            self.phone_key = search_keys.phone_key(value)
        return value

    def __repr__(self) -> str:
        return f"<Order {self.reference} {self.status}>"


def open_filter():
    """status IN the open statuses, rendered with literal values so that the planner (SQLite and
    PostgreSQL alike) can prove it matches the partial queue indexes below."""
    return Order.status.in_(bindparam("open_statuses", list(OPEN_STATUSES), expanding=True, literal_execute=True))


def _queue_indexes() -> None:
    """Indexes that walk the queue in its order (urgent first, then oldest), so a page is read
    without sorting every open order. Partial on the open statuses, so closed history costs nothing."""
    is_open = Order.status.in_(OPEN_STATUSES)
    order = (Order.urgent.desc(), Order.created_at, Order.id)
    Index("ix_order_queue_open_branch", Order.branch_id, *order, sqlite_where=is_open, postgresql_where=is_open)
    Index("ix_order_queue_open", *order, sqlite_where=is_open, postgresql_where=is_open)
    Index("ix_order_queue_branch", Order.branch_id, *order)
    Index("ix_order_queue", *order)


_queue_indexes()


class OrderLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    part_number: Mapped[str | None] = mapped_column(String(64))
    part_number_norm: Mapped[str | None] = mapped_column(String(64), index=True)
    description: Mapped[str | None] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(db.Model):
    """Append-only audit of everything that happened to an order."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_label: Mapped[str] = mapped_column(String(120), default="system")
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    # an edit's changed fields: [{"field", "before", "after"}] (app.orders.editing)
    changes: Mapped[list | None] = mapped_column(JSON)
    order: Mapped[Order] = relationship(back_populates="events")


class AuditEvent(db.Model):
    """Audit of changes that are not about one order: limits, pauses, overrides, imports."""

    __table_args__ = (Index("ix_audit_branch_at", "branch_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_label: Mapped[str] = mapped_column(String(120), default="system")
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)

