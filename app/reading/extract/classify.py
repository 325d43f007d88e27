"""What kind of message this is: order, follow_up, cancellation, auto_reply or other."""
from __future__ import annotations

import re

from app.reading.extract.lexicon import common_pattern, has_part_noun, pattern
from app.reading.mime import MailDoc


def is_auto_reply(doc: MailDoc, subject: str, text: str) -> bool:
    if doc.auto_submitted or doc.auto_reply_header:
        return True
    if pattern("ooo_subjects").search(subject or ""):
        # without the headers an auto-reply sets, a subject that reads like one ('Tiedote: järjestelmämme ovat
        # poissa käytöstä', our own outage notice replied to) over a text that asks for parts is an order
        return not _asks_for_parts(text)
    return doc.bulk and bool(pattern("ooo_subjects").search(text))


def is_bounce(doc: MailDoc, subject: str) -> bool:
    return doc.is_bounce or bool(common_pattern("bounce_subjects").search(subject or ""))


def asks_price(text: str) -> bool:
    """A quote request anywhere, or a price word in a sentence that is a question."""
    if pattern("quote_request").search(text):
        return True
    price = pattern("price_question")
    return any(price.search(q) for q in re.findall(r"[^.!?\n]*\?", text))


def _asks_for_parts(text: str) -> bool:
    """A sentence that asks for something ("trenger", "please send") and names a part: 'vi behöver veta' is no
    order, 'vi behöver också bromsskivor' is."""
    intent = pattern("order_intent")
    return any(intent.search(s) and has_part_noun(s) for s in re.split(r"(?<=[.!?\n])\s+", text))


def _parts_only_asked_about(text: str) -> bool:
    """Every sentence that names a part is a question and counts nothing ('er klossene sendt?'): parts asked about,
    not asked for."""
    named = [s for s in re.split(r"(?<=[.!?\n])\s+", text) if has_part_noun(s)]
    return bool(named) and all(s.rstrip().endswith("?") and not re.search(r"\d", s) for s in named)


def bare_question(text: str) -> str | None:
    """A question in the new text that names no part and asks for nothing ('tuleeko tämä vielä tänään?',
    'kommer den i dag?'): about an order, not for one."""
    intent = pattern("order_intent")
    for q in re.findall(r"[^.!?\n]*\?", text):
        if q.strip(" ?") and not has_part_noun(q) and not intent.search(q) and not re.search(r"\d{3}", q):
            return q.strip()
    return None


def classify(doc: MailDoc, subject: str, text: str, *, has_lines: bool, order_ref: str | None,
             is_reply: bool, attachment_order: bool, part_numbers: bool = True) -> str:
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
    if pattern("not_an_order").search(both) and not pattern("cancel").search(both):
        return "other"  # "Ikke bestilling ennå, bare et spørsmål": said in so many words
    if pattern("cancel").search(both) and (not has_lines or order_ref):
        return "cancellation"
    if pattern("remove_line").search(both) and not has_lines:
        return "cancellation"  # 'Slet venligst bremseskiverne fra ordren': a line of the order cancelled, none added
    if has_lines and order_ref and pattern("follow_up").search(both) and not _asks_for_parts(text):
        return "follow_up"  # "checking on OSL-000412, it was 2 discs and pads": the order restated, not a new one
    if has_lines and order_ref and is_reply and not part_numbers and bare_question(text):
        return "follow_up"  # a reply to our acknowledgement asking 'is it still coming today?': no new parts
    if has_lines and order_ref and not part_numbers and not _asks_for_parts(text) and _parts_only_asked_about(text):
        return "follow_up"  # 'Har ikke sett noe til klossene ennå – er de sendt?' under OSL-000123: where they are
    if has_lines:
        return "order"
    # 'alla Jarin lista kuvana, voitteko kerätä nämä valmiiksi?' in a reply: a question that asks for the parts
    # in the photo it points to is an order to read from the photo, not a question about an order
    if pattern("follow_up").search(both) or (
            (order_ref or is_reply) and "?" in text and not pattern("order_intent").search(text)
            and not (attachment_order and not order_ref)) or (
            order_ref and "?" in text and not _asks_for_parts(text)):
        return "follow_up"
    if asks_price(both):
        return "other"  # a price or stock question, or a request for a quote
    if attachment_order or pattern("same_as_last").search(both) or pattern("order_intent").search(both):
        return "order"
    return "other"
