"""Sending one outbox email over SMTP. The outbox sender decides when; this only sends.

Without SMTP_HOST nothing is sent: send_email raises MailNotConfigured and the sender leaves the
message in the outbox as "held", where staff can see it.
"""
from __future__ import annotations

import secrets
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

# headers we set ourselves; an outbox row cannot override them
RESERVED = {"from", "to", "subject", "date", "content-type", "content-transfer-encoding", "mime-version", "bcc"}


class MailNotConfigured(Exception):
    """No SMTP_HOST: the message stays in the outbox, held."""


def is_configured(config) -> bool:
    return bool(config.get("SMTP_HOST"))


def build(config, message) -> EmailMessage:
    """The EmailMessage for an OutboxMessage: From MAIL_FROM, its headers and CSV attachments."""
    email = EmailMessage()
    email["From"] = config.get("MAIL_FROM") or "partdesk@localhost"
    email["To"] = message.recipient
    email["Subject"] = (message.subject or "").replace("\r", " ").replace("\n", " ")
    email["Date"] = formatdate(localtime=False, usegmt=True)
    headers = dict(message.headers or {})
    domain = (email["From"].addresses[0].domain or "partdesk") if email["From"].addresses else "partdesk"
    email["Message-ID"] = headers.pop("Message-ID", None) or f"<{secrets.token_hex(10)}@{domain}>"
    for name, value in headers.items():
        if name.lower() in RESERVED or value in (None, ""):
            continue
        email[name] = " ".join(str(value).split())  # no header injection through a stored value
    email.set_content(message.body or "")
    for attachment in message.attachments or []:
        maintype, _, subtype = (attachment.get("content_type") or "text/csv").partition("/")
        data = attachment.get("text") or ""
        if maintype == "text":
            email.add_attachment(data, subtype=subtype or "plain", filename=attachment.get("filename") or "export.csv")
        else:
            email.add_attachment(data.encode("utf-8"), maintype=maintype, subtype=subtype or "octet-stream",
                                 filename=attachment.get("filename") or "attachment")
    return email


def send_email(config, message) -> str:
    """Send it now. Returns its Message-ID; raises MailNotConfigured, or smtplib/OSError on failure."""
    if not is_configured(config):
        raise MailNotConfigured("SMTP_HOST is not set; the message stays in the outbox.")
    email = build(config, message)
    host, port = config["SMTP_HOST"], int(config.get("SMTP_PORT") or 587)
    timeout = float(config.get("SMTP_TIMEOUT") or 30)
    if port == 465:
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if port != 465 and config.get("SMTP_STARTTLS"):
            client.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USER"):
            client.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        refused = client.send_message(email)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
    return str(email["Message-ID"])
