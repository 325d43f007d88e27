"""The review reasons: why an order waits for a clerk, each written once here as an English template.

A reason is stored as the English sentence (the order's `review_reasons`, the parsed message, the audit, the
CSV export), built with `say(TEMPLATE, **values)`: str.format of a template marked N_, so the catalogues hold
every reason. `translate_reason(text, gettext)` says a stored sentence in the reader's language: it finds the
template the sentence was built from (a pattern made from the template) and fills gettext(template) with the
same values. A sentence built from no template here (an order stored before a reason was written here, a
reason typed by hand) is shown as it is stored.

Blanks are named; a translation keeps every {name}. Values are what the message said (its words, its part
numbers, its line numbers) and stay as they are, except a blank named in NESTED (itself a reason, said
again) or in WORDS (one of this module's marked words, translated)."""
from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable


def N_(message: str) -> str:
    """Marks a template for the catalogues (app.locales.N_; app.reading imports nothing of the app)."""
    return message


# --- the parser (app.reading.extract) --------------------------------------------------------------------------
READ_ERROR = N_("Message could not be read: {error}. Open the original and enter it by hand.")
PARSER_ERROR = N_("Message could not be read: {error}. Read it by hand.")
LOW_CONFIDENCE = N_("Low confidence ({confidence}) in the lines read; check them against the message.")
LOW_CONFIDENCE_HISTORY = N_("Low confidence ({confidence}, with this workshop's earlier orders counted) in the lines "
                            "read; check them against the message.")
AUTH_FAILED = N_("Sender authentication failed ({result}); confirm the order with the workshop by phone before "
                 "sending parts.")
ON_LINE = N_("Line {n}: {why}")
UNREAD_CELL = N_("'{code}' is read into no field of its table row; check the line's part number.")
UNREAD_CELL_COLUMN = N_("'{code}' (column '{column}') is read into no field of its table row; check the line's part "
                        "number.")
SOME_OF_BELOW = N_("The message points to the mail below but names only some of it ('{words}'); the lines are read "
                   "from that mail, so check which of them are wanted.")
SAME_AS_LAST = N_("The message asks for '{words}' (same as last time); look up the previous order and confirm the "
                  "parts.")
CORRECTION = N_("The message corrects itself ('{words}'); check which parts and quantities are meant.")
CANCEL_AND_PARTS = N_("The message cancels something and also lists parts; check what should change.")
ASKS_ABOUT_ORDER = N_("The message names our order {reference} and asks '{question}'; check whether it adds parts "
                      "to that order or only asks about it.")
QUANTITY_UNCLEAR = N_("Quantity unclear: '{words}' on line {n}; ask how many are wanted.")
EITHER_OR_NUMBERS = N_("Either/or part numbers on line {n}: '{part_number}' or '{alternative}'; ask which one is "
                       "wanted.")
NUMERIC_CELL = N_("Part number '{part_number}' on line {n} ({source}) is stored as a number; leading zeros may have "
                  "been lost, so check it with the workshop.")
NO_VEHICLE = N_("Line {n} '{description}' has no part number and the message names no vehicle (plate, VIN or "
                "model); ask which car it is for.")
CONDITIONAL = N_("Conditional request '{words}'; ask whether it is wanted.")
ATTACHMENT_REFUSED = N_("Attachment {filename} was not read ({why}); open it by hand.")
ATTACHMENT_UNREAD = N_("The order may be in the attachment {names}, which cannot be read automatically; open it and "
                       "enter the lines.")
NO_LINES = N_("No order lines could be read; read the message and enter the lines by hand.")
# accounting: every code-like token read as something
TOKEN_CONFLICT = N_("'{token}' is read as a part number on line {line} but looks like {role}; check that line.")
TOKEN_UNEXPLAINED = N_("'{token}' is read neither as a part number nor as anything else; check line {line}.")
# line quality: a line missed or made up
MISSED_LINE = N_("'{words}' names a part, but no order line was read from it; check whether it is wanted.")
SENTENCE_LINE = N_("Line {n} '{description}' reads as a sentence about the job, not a part; check whether it is an "
                   "order line.")
FULFILMENT_UNREAD = N_("'{words}' may say whether the parts are to be sent or collected, but neither was read; check "
                       "how they go.")
ODD_NUMBER = N_("Line {n} '{part_number} {description}' names no part and '{part_number}' has the shape of no known "
                "part number; check that it is a part asked for.")
NAMES_NOTHING = N_("Line {n} '{description}' has no part number and names no part; check that it is a part asked "
                   "for.")
COUNT_WORD_LEFT = N_("Line {n} '{description}' holds the number word '{word}', which was not read as its count "
                     "({quantity}); check how many are wanted.")
COUNT_LEFT = N_("Line {n} '{description}' holds '{count}', a count that was not read as its quantity ({quantity}); "
                "check how many are wanted.")
# ambiguity: what only the workshop can settle
RESTATED_COUNT = N_("'{description}' is asked for {quantity} times on its line but {other_quantity} times elsewhere "
                    "('{words}'); ask how many are wanted.")
SUBJECT_COUNT = N_("The subject asks for '{words}' but line {n} says {quantity}; ask how many are wanted.")
EITHER_OR = N_("Either/or on line {n} ('{words}'); ask which part number is wanted.")
TWO_ON_ONE_LINE = N_("Two parts on one line {n} ('{description}'); check whether '{words}' is a line of its own.")
COUNT_OPEN = N_("The message leaves the count open ('{words}'); ask how many are wanted.")
VEHICLES = N_("The message names more than one vehicle ({vehicles}); check which parts are for which car.")
SHARED_COUNT = N_("The count '{count}' on line {n} may be meant for line {next_n} too ('{description}'); ask how many "
                  "of each.")
TWO_PARTS_ONE_COUNT = N_("Line {n} names two parts ('{parts}') with one count ({quantity}); ask how many of each.")
SET_OR_PIECES = N_("Line {n} gives a count of {quantity} and also says '{words}'; ask whether a set or {quantity} "
                   "pieces are meant.")
EARLIER_MAIL = N_("The message points at an earlier mail ('{words}'); check the quoted text for the parts meant.")
PHONE_CALL = N_("The message refers to a phone call ('{words}') and names no part numbers; confirm what was agreed.")

# --- the channels and the order (app.intake, app.phone, app.orders, the inbox) ---------------------------------
UNKNOWN_SENDER = N_("Unknown sender {address}: not a known workshop address.")
UNKNOWN_SENDER_NO_ADDRESS = N_("Unknown sender (no address): not a known workshop address.")
WORKSHOP_BLOCKED = N_("Workshop {number} {name} is blocked: check before accepting.")
WORKSHOP_INACTIVE = N_("Workshop {number} {name} is inactive: check before accepting.")
ADDRESS_FORGED = N_("Sender authentication failed ({result}): the address may be forged.")
TEXT_NOT_READ = N_("The text could not be read automatically; read it and fill in the lines.")
UNKNOWN_NUMBER = N_("Unknown number {number}: find the workshop before taking the order.")
UNKNOWN_NUMBER_HIDDEN = N_("Unknown number (hidden): find the workshop before taking the order.")
NO_TRANSCRIPT = N_("No transcript: play the recording.")
CHECK_TRANSCRIPT = N_("Voicemail: check the transcript against the recording.")
TRANSCRIPTION_FAILED = N_("Transcription failed: play the recording.")
# the domain's own (app.orders.from_message.UNCLEAR: the domain imports no app.reading), written here too
UNCLEAR = N_("The order could not be read with confidence; check the lines against the message.")
LINES_PROPOSED = N_("Lines proposed from {reference} of {day}; confirm with the workshop.")
FROM_INBOX = N_("Made into an order by staff from the review inbox: check every field against the message.")

TEMPLATES: tuple[str, ...] = tuple(v for k, v in dict(globals()).items() if k.isupper() and isinstance(v, str))

# what a token that is read as a part number looks like instead (TOKEN_CONFLICT's {role})
ROLE_WORDS = {
    "price": N_("a price"), "date_time": N_("a date or time"), "model_code": N_("a vehicle model or engine code"),
    "odometer": N_("an odometer reading"), "tyre_size": N_("a tyre size"),
    "measure": N_("a volume, size or specification"), "org_number": N_("an organisation or VAT number"),
    "address": N_("a postcode or address"), "phone": N_("a phone number"), "plate": N_("a number plate"),
    "vin": N_("a VIN"), "order_ref": N_("our order reference"), "customer_reference": N_("the workshop's reference"),
    "labelled_number": N_("a phone or account number"), "fault_code": N_("a fault code"),
}
NESTED = {"why"}         # ON_LINE's {why} is itself a reason
WORDS = {"role"}         # one of ROLE_WORDS, translated with the sentence
_NUMBER = r"-?\d+(?:\.\d+)?"
# blanks that hold a number (a line, a count) or a customer number before a name: read as nothing else
BLANK_PATTERNS = {"n": r"\d+", "next_n": r"\d+", "line": r"\d+", "quantity": _NUMBER, "other_quantity": _NUMBER,
                  "confidence": _NUMBER, "number": r"\S+"}
_KNOWN = frozenset(TEMPLATES)


def say(template: str, **values) -> str:
    """The English reason: `template` (one of TEMPLATES) filled in with `values`. Raises ValueError for a
    template not written here, so every reason stored can be said in another language."""
    if template not in _KNOWN:
        raise ValueError(f"not a review reason template: {template!r}")
    return template.format(**values) if values else template


def translate_reason(text: str, gettext: Callable[[str], str]) -> str:
    """A stored English reason in gettext's language; `text` as it is when no template here built it."""
    if not isinstance(text, str):
        return text
    found = recognise(text)
    if found is None:
        return text
    template, values = found
    said = {k: translate_reason(v, gettext) if k in NESTED else gettext(v) if k in WORDS else v
            for k, v in values.items()}
    try:
        return gettext(template).format(**said)
    except (KeyError, IndexError, ValueError):  # a translation with a blank of its own: English rather than nothing
        return text


def recognise(text: str) -> tuple[str, dict[str, str]] | None:
    """(template, values) when `text` is a sentence say() built from one of TEMPLATES, else None."""
    for template, pattern in _compiled():
        m = pattern.fullmatch(text)
        if m and all(recognise(m.group(k)) for k in NESTED & set(m.groupdict())):
            return template, m.groupdict()
    return None


@functools.cache
def _compiled() -> list[tuple[str, re.Pattern]]:
    # the most written words first: 'Unknown sender (no address): ...' before 'Unknown sender {address}: ...'
    ordered = sorted(TEMPLATES, key=lambda t: -len(re.sub(r"\{\w+\}", "", t)))
    return [(t, _pattern(t)) for t in ordered]


def _pattern(template: str) -> re.Pattern:
    out, seen = [], set()
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if name is None:
            continue
        if name in seen:
            out.append(f"(?P={name})")
        else:
            seen.add(name)
            out.append(f"(?P<{name}>{BLANK_PATTERNS.get(name, '.*?')})")
    return re.compile("".join(out), re.S)
