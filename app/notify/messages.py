"""What workshops are told: the notifications of a status change and the replies to an SMS (short enough
for one or two SMS), and the acknowledgement of an emailed order (the "ack_" texts, see app.intake.ack).

The texts are written once, in English, below; their translations are in the same catalogues as the pages'
(app/translations, app.locales), so a translator edits one place. A language without a translation of a
text gets the English one."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app import locales
from app.locales import N_

DEFAULT = "en"
# the languages workshops are written to, as orders and workshops store them ("no" is Norwegian Bokmål)
LANGUAGES = ("no", "sv", "da", "fi", "de", "en", "fr", "nl")
ALIASES = {"nb": "no", "nn": "no", "se": "sv", "dk": "da", "ger": "de"}

# The texts, in English: each is a msgid of the catalogues (app/translations), where every language has it.
ENGLISH: dict[str, str] = {
    "corrected": N_("{branch}: We have corrected order {ref}. It now reads: {lines}. Tell us if anything is wrong."),
    "accepted": N_("{branch}: We have received order {ref} and are working on it."),
    "held": N_("{branch}: We have more orders than we can handle right now. Order {ref} is recorded and waiting; we expect to take it around {time}."),
    "ready_pickup": N_("{branch}: Order {ref} is ready for pickup."),
    "dispatched": N_("{branch}: Order {ref} has been dispatched."),
    "redirected": N_("{branch}: We cannot handle order {ref} right now. Please order from our backup supplier {backup}."),
    "cancelled": N_("{branch}: Order {ref} has been cancelled. Reason: {reason}"),
    "received": N_("{branch}: Thanks! Order {ref}: {lines}."),
    "review": N_("{branch}: Thanks! We have recorded your message as order {ref} ({lines}) and will check it first."),
    "flagged": N_("{branch}: Thanks, we will look at your message about order {ref}."),
    "help": N_("{branch}: Text your order with part number and quantity. Reply STOP to stop text messages."),
    "stop": N_("You will get no more text messages from us. Reply START to get them again."),
    "start": N_("You will get text messages from us again."),
    "no_lines": N_("no lines read"),
    "subject": N_("{branch}: order {ref}"),
    "ack_subject": N_("Order received"),
    "ack_hello": N_("Thank you for your order."),
    "ack_ref": N_("Our reference is {ref}. Please quote it if you write again."),
    "ack_lines": N_("This is what we understood:"),
    "ack_no_lines": N_("We found no order lines; we will look at the message."),
    "ack_queue": N_("You are number {pos} in the queue. We expect to handle it around {at}."),
    "ack_held": N_("We are very busy right now. Your order is recorded and waiting; we expect to handle it around {at}."),
    "ack_redirected": N_("We are very busy right now, so your order has been passed to {backup}, who will contact you."),
    "ack_review": N_("We will check your order and come back to you."),
    "ack_bye": N_("Kind regards\n{branch}"),
    "ack_auto": N_("This is an automatic reply."),
}


def language_key(code: str | None) -> str:
    code = (code or "").strip().lower()[:2]
    code = ALIASES.get(code, code)
    return code if code in LANGUAGES else DEFAULT


def language_for(*candidates: str | None) -> str:
    """The first of the candidates that is a language of the table, else the default."""
    for value in candidates:
        code = (value or "").strip().lower()[:2]
        code = ALIASES.get(code, code)
        if code in LANGUAGES:
            return code
    return DEFAULT


def text(lang: str | None, key: str, **values) -> str:
    """The text `key` in the language (the English one when the language has none), filled in."""
    return locales.translate(language_key(lang), ENGLISH[key], **values)


def local_time(moment: datetime | None, timezone: str | None) -> str:
    """HH:MM in the branch's zone, the way a workshop reads a time; '?' when unknown."""
    if moment is None:
        return "?"
    try:
        zone = ZoneInfo(timezone or "Europe/Oslo")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("Europe/Oslo")
    return moment.astimezone(zone).strftime("%H:%M")


def lines_summary(lines, lang: str | None, limit: int = 4) -> str:
    """'2 x 0 986 494 123 Bremseklosser; 1 x oljefilter' as understood, cut after `limit` lines."""
    parts = []
    for line in list(lines)[:limit]:
        what = " ".join(p for p in (line.part_number, line.description) if p) or "?"
        parts.append(f"{line.quantity} x {what}")
    if len(lines) > limit:
        parts.append(f"+{len(lines) - limit}")
    return "; ".join(parts) if parts else text(lang, "no_lines")
