"""Small raw emails for the intake tests."""
from __future__ import annotations

import itertools

_seq = itertools.count(1)


def email(subject="Bestilling", body="Hei\n\nVi trenger 2 stk bremseklosser 0 986 494 123 til AB12345.\n\nMvh Ola",
          sender="Ola <post@verksted.test>", message_id: str | None = "auto", headers: dict | None = None) -> bytes:
    lines = [f"From: {sender}", "To: osl@partdesk.test", f"Subject: {subject}"]
    if message_id == "auto":
        message_id = f"<m{next(_seq)}.{id(lines)}@verksted.test>"
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body]
    return "\r\n".join(lines).encode("utf-8") + b"\r\n"
