"""Text messages out through Twilio's REST API, and the STOP list they respect."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from twilio.rest import Client

from app.extensions import db
from app.models import AuditEvent

OPT_OUT, OPT_IN = "sms_opt_out", "sms_opt_in"


def configured(config) -> bool:
    return bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN") and config.get("TWILIO_FROM_NUMBER"))


def client(config) -> Client:
    """A REST client; tests (and only tests) put a fake transport in config["TWILIO_HTTP_CLIENT"]."""
    return Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                  http_client=config.get("TWILIO_HTTP_CLIENT"))


def status_callback_url(config) -> str | None:
    base = config.get("PUBLIC_BASE_URL")
    return base.rstrip("/") + "/twilio/message-status" if base else None


def send_sms(config, to: str, body: str) -> str:
    """Send one SMS and return Twilio's message SID. Raises TwilioException (or a transport error)."""
    kwargs = {"to": to, "from_": config["TWILIO_FROM_NUMBER"], "body": body}
    callback = status_callback_url(config)
    if callback:
        kwargs["status_callback"] = callback
    message = client(config).messages.create(**kwargs)
    return message.sid


def opted_out(number: str | None) -> bool:
    """True when the number's latest word was STOP (and not START since)."""
    if not number:
        return False
    last = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.in_((OPT_OUT, OPT_IN)), AuditEvent.detail == number)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)
    ).first()
    return last == OPT_OUT


def record_opt(number: str, *, out: bool, branch_id: int | None, now: datetime) -> None:
    db.session.add(AuditEvent(at=now, actor_label=f"SMS from {number}", branch_id=branch_id,
                              action=OPT_OUT if out else OPT_IN, detail=number))
