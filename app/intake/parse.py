"""The stable parse contract: parse_file(path) -> dict (one JSON object per message) and
parse_bytes(raw, channel) -> ParsedMessage for the rest of the app."""
from __future__ import annotations

from pathlib import Path

from app.intake.extract import Catalogue, extract
from app.intake.extract.result import ParsedMessage
from app.intake.mime import read_email
from app.intake.sms import read_sms


def parse_bytes(raw: bytes, channel: str = "email", *, sms_from: str | None = None,
                catalogue: Catalogue | None = None) -> ParsedMessage:
    """Parse one message given as bytes; channel is "email" or "sms". Never raises on message content."""
    if channel == "sms":
        doc = read_sms(raw, sms_from=sms_from)
    elif channel == "email":
        doc = read_email(raw)
    else:
        raise ValueError(f"Unknown channel {channel!r}; use 'email' or 'sms'")
    return extract(doc, catalogue=catalogue)


def channel_for(path: str | Path) -> str:
    return "sms" if str(path).lower().endswith(".sms.txt") else "email"


def parse_file(path: str | Path, catalogue: Catalogue | None = None) -> dict:
    """Parse a *.eml or *.sms.txt file into the JSON contract (with `file`)."""
    path = Path(path)
    result = parse_bytes(path.read_bytes(), channel_for(path), catalogue=catalogue).to_dict()
    return {"file": str(path), **result}
