"""Message-level signals read from the new text and subject: urgency, fulfilment, the workshop's own
reference, the chain's order reference, and labelled numbers (phone, org.nr, customer account) to mask."""
from __future__ import annotations

import re
from functools import cache

from app.reading.extract.lexicon import LANGUAGES, has_part_noun, fragment, pattern, words

ORDER_REF = re.compile(r"(?<![A-Za-z0-9-])([A-Z]{2,4}-\d{6})(?![\w-])")
# Our reference as a sender retypes it: lower case or a space for the dash ('osl 000934', 'gbg-000412', 'Osl-000934').
# With a space only in lower case and with our zero-padded number: a brand before its number ('KYB 339701',
# 'Febi 106431') is a part number and 'HRB 123456' a register entry. A label word before a number stays out too
# ('ref 004412', 'nr 000123': the workshop's own reference or an account).
_LOOSE_REF = re.compile(r"(?<![A-Za-z0-9-])([a-z]{2,4} 0\d{5}|[A-Za-z]{2,4}-\d{6})(?![\w-])")
_NOT_A_PREFIX = frozenset({"ref", "nr", "no", "nro", "tel", "fax", "kd", "kdnr", "po", "ao", "wo", "or", "bc", "av",
                           "och", "og", "und", "and", "et", "en", "ja", "sv", "tlf", "puh", "org", "kund", "best",
                           "ord", "ordr", "kom", "mob", "art", "typ", "fin", "reg", "rek", "vin", "km", "st", "stk",
                           "kpl", "pcs", "x"})


def order_ref_matches(text: str):
    """(start, end, normalised reference) for each of our order references in text, as typed or retyped."""
    for m in _LOOSE_REF.finditer(text or ""):
        raw = m.group(1)
        prefix, number = re.split(r"[- ]", raw)
        if prefix.lower() in _NOT_A_PREFIX:
            continue
        yield m.start(1), m.end(1), f"{prefix.upper()}-{number}"


def mask(text: str, spans) -> str:
    """Blank out spans (same length, so offsets stay valid)."""
    chars = list(text)
    for start, end in spans:
        for i in range(max(start, 0), min(end, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def find_order_ref(*texts: str) -> tuple[str | None, list[tuple[int, int]]]:
    ref = None
    for text in texts:
        for _start, _end, value in order_ref_matches(text):
            ref = ref or value
            break
    return ref, []


@cache
def _account_value() -> re.Pattern:
    labels = "|".join(words("account_labels"))
    # 'Kundenr hos dere: 104772', 'Kundennr. bei Ihnen 4471': the account the branch keeps for the workshop
    yours = r"(?:[ \t]+(?:hos|bei|chez|at|with|hjá)[ \t]+(?:dere|deg|dig|jer|er|euch|ihnen|vous|you|jullie|teillä))?"
    return re.compile(rf"(?<!\w)(?:{labels})(?:[ \t]*(?:nr\.?|no\.?|nummer))?{yours}[ \t]*+[:.#]?[ \t]*+"
                      rf"(\+?[\d][\d \-/.()]{{2,24}}\d|\d+)", re.I)


@cache
def _phone() -> re.Pattern:
    # International numbers, unmistakable; national ones are caught through their label (Tlf, puh., Tel.).
    return re.compile(r"(?<![\w+])\+\d{1,3}[ \t-]?(?:\(0\)[ \t]?)?\d(?:[\d \t-]{5,16})\d(?!\w)")  # never across a line


def labelled_number_spans(text: str) -> list[tuple[int, int]]:
    """Spans of numbers that follow a phone/org/VAT/customer-account label, plus +international numbers."""
    spans = [m.span(1) for m in _account_value().finditer(text)]
    spans += [m.span() for m in _phone().finditer(text)]
    spans += [m.span() for m in re.finditer(r"\S+@\S+|https?://\S+|www\.\S+", text)]
    return spans


@cache
def _reference() -> re.Pattern:
    labels = "|".join(words("reference_labels"))
    value = (r"(?P<v>(?-i:[A-Z]{2,3})[ \t]\d{3,8}(?![\w-])"                  # AO 30218: capitals and a number, as written
             r"|[A-Za-z]{0,5}[-/]?\d[\w\-/.]*(?:[ \t]\d+)?"           # 7719, HM-1187, 31876, WO-55/2
             r"|(?<=:\s)[^\s\d,.;:!?][^\n,.;!?]{1,40}"                      # Kommission: Passat Neumann
             r"|(?<=ommission[ \t])(?-i:[A-ZÄÖÜ][a-zäöüß]{2,20})(?![\w-])(?![ \t]+\d)"    # Kommission Huber: the job named by a name
             r"|(?<=:)[^\s\d,.;:!?][^\n,.;!?]{1,40})")
    # 'Vår ref er 5531', 'our PO is 4471', 'unsere Kommission ist 25-11': a copula between label and value
    # the label is a word of its own: 'BC' is no label in 'BCPR7ES' (an NGK plug); 'PO77410' still is
    return re.compile(rf"(?<![\w-])(?:{labels})(?:\s*+(?:nr|no|nummer|number|#|n°|nº)\.?)?(?![^\W\d_])"
                      rf"(?:[ \t]+(?:er|är|ist|is|on|est|=))?\s*+[:.#]?\s*+{value}", re.I)


@cache
def _plate_label_end_re() -> re.Pattern:
    return re.compile(rf"(?:{pattern('plate_labels', ('no', 'sv', 'da', 'fi', 'de', 'en', 'fr', 'nl')).pattern})\s*[:.#]?\s*$",
                      re.I)


_GENERIC_REF_LABELS = frozenset({"ref", "réf", "référence", "reference", "referanse", "referens", "referenz", "referentie",
                                 "viite", "art", "art.nr", "varenr", "artikelnr"})


def find_customer_reference(text: str) -> tuple[str | None, tuple[int, int] | None]:
    """The workshop's own PO / requisition / work order / Kommission, as written."""
    best = None
    for m in _reference().finditer(text):
        label = m.group(0)[:m.start("v") - m.start()].strip().rstrip(":.#").strip()
        value = m.group("v").strip().rstrip(".")
        if value[:1] in "-/" and text[m.start("v") - 1:m.start("v")].isalnum():
            value = label + value  # "PO-77410": the label is part of the reference as written
        if ORDER_REF.fullmatch(value):
            continue
        if label.isupper() is False and label.lower() in ("po", "ao", "wo", "or", "bc") and label != label.upper():
            continue  # short labels only count when written in capitals
        if label.lower() in ("ref", "ref.", "réf", "réf.") and not re.search(r"\d", value):
            continue
        if label.lower() in ("po", "ao", "wo", "or", "bc") and _plate_label_end_re().search(text[max(0, m.start() - 25):m.start()]):
            continue  # 'poln. Kennz. PO 5KX21', 'reg. PO 12345': a plate whose letters read like a label

        if label.lower().rstrip(".") in _GENERIC_REF_LABELS and has_part_noun(text[text.rfind("\n", 0, m.start()) + 1:m.start()]):
            continue  # 'rétroviseur extérieur droit complet, réf. 963016154R': the part's reference, not the workshop's
        inner = _reference().match(value)
        if inner and re.search(r"\d", inner.group("v")) and (re.search(r"[^\W\d_]{4,}", value[:inner.start("v")])
                                                           or re.fullmatch(r"PO[ .:#]+", value[:inner.start("v")])):
            # "ref: werkorder 7714", "Innkjøpsordre: PO 88120": the own number (a work order "AO 5521" stays as written)
            value = inner.group("v").strip().rstrip(".")
        if len(value.split()) > 4:
            value = " ".join(value.split()[:4])
        name = re.match(r"[ \t]+([A-ZÄÖÜÅØÆ][a-zäöüßåøæé]{2,20})[ \t]*(?:\n|$)", text[m.end("v"):])
        if name and re.match(r"(?i)kommission|komm\b|commission", label) and re.fullmatch(r"[\d\-/]+", value):
            value = f"{value} {name.group(1)}"  # "Kommission: 25-1187 Krüger": the job is named by number and name
            span_end = m.end("v") + name.end(1)
            best = best or (value, (m.start("v"), span_end))
        if best is None:
            raw = m.group("v")
            # the span ends where the value does: 'Werkorder 8812. Graag bezorgen' holds '8812', not its full stop
            best = (value, (m.start("v"), m.end("v") - (len(raw) - len(raw.rstrip().rstrip(".")))))
    return (best[0], best[1]) if best else (None, None)


@cache
def _negated_urgency() -> re.Pattern:
    return pattern("urgent_negated")


@cache
def _urgency() -> re.Pattern:
    alts = "|".join(fragment(w) for w in words("urgent") + words("standing") if w != "VOR")
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)|(?<!\w)VOR(?!\w)|(?<!\w)ASAP(?!\w)", re.I)


@cache
def _urgency_notice() -> re.Pattern:
    # 'Brådskande ärenden: ring verkstaden direkt', 'For urgent matters call ...': a standing notice to the
    # line's end, in a signature or footer, says how to reach the sender in a hurry, not that this order is urgent
    return re.compile(rf"(?<!\w)(?:{pattern('urgent_notice', edges=False).pattern})[^\n]*", re.I)


def is_urgent(text: str) -> bool:
    """Said urgent or the car is standing; negated urgency ("haster ikke", "no rush") and a standing notice
    ("Dringende Fälle: ...", "For urgent matters call ...") do not count."""
    cleaned = _urgency_notice().sub(" ", _negated_urgency().sub(" ", text))
    for m in _urgency().finditer(cleaned):
        if m.group(0) == "vor" or m.group(0) == "Vor":
            continue  # German "vor" (before) is not VOR (vehicle off road)
        return True
    return False


@cache
def _pickup() -> re.Pattern:
    return pattern("pickup")


@cache
def _delivery() -> re.Pattern:
    return pattern("delivery")


def fulfilment(text: str) -> str | None:
    """'pickup' when the workshop says it collects, else 'delivery' when it asks to send/deliver, else None."""
    if _pickup().search(text):
        return "pickup"
    if _delivery().search(text):
        return "delivery"
    return None


def any_of(key: str, text: str, langs: tuple[str, ...] = LANGUAGES) -> re.Match | None:
    return pattern(key, langs).search(text)
