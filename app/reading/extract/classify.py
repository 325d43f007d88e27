"""What kind of message this is: order, follow_up, cancellation, auto_reply or other."""
from __future__ import annotations

import re

from app.reading.extract.lexicon import common_pattern, pattern
from app.reading.mime import MailDoc


def is_auto_reply(doc: MailDoc, subject: str, text: str) -> bool:
    if doc.auto_submitted or doc.auto_reply_header:
        return True
    if pattern("ooo_subjects").search(subject or ""):
        return True
    return doc.bulk and bool(pattern("ooo_subjects").search(text))


def is_bounce(doc: MailDoc, subject: str) -> bool:
    return doc.is_bounce or bool(common_pattern("bounce_subjects").search(subject or ""))


def asks_price(text: str) -> bool:
    """A quote request anywhere, or a price word in a sentence that is a question."""
    if pattern("quote_request").search(text):
        return True
    price = pattern("price_question")
    return any(price.search(q) for q in re.findall(r"[^.!?\n]*\?", text))


def classify(doc: MailDoc, subject: str, text: str, *, has_lines: bool, order_ref: str | None,
             is_reply: bool, attachment_order: bool) -> str:
    """Decide the kind from headers first, then the new text. `text` is the new text only."""
    both = f"{subject}\n{text}"
    if is_bounce(doc, subject):
        return "other"
    if is_auto_reply(doc, subject, text):
        return "auto_reply"
    newsletter = bool(common_pattern("newsletter_words").search(text))
    if (doc.list_mail or doc.bulk or newsletter) and not has_lines:
        return "other"
    if (doc.list_mail or doc.bulk) and newsletter:
        return "other"  # a mailing with an unsubscribe link: its part numbers and prices are offers
    if pattern("cancel").search(both) and (not has_lines or order_ref):
        return "cancellation"
    if has_lines:
        return "order"
    if pattern("follow_up").search(both) or (
            (order_ref or is_reply) and "?" in text and not pattern("order_intent").search(text)):
        return "follow_up"
    if asks_price(both):
        return "other"  # a price or stock question, or a request for a quote
    if attachment_order or pattern("same_as_last").search(both) or pattern("order_intent").search(both):
        return "order"
    return "other"
