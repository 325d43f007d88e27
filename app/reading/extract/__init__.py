"""extract(doc) -> ParsedMessage: kind, language, order lines, vehicle, urgency, fulfilment, references and
the reasons a person must look at it. Pure: no database, no request, no network."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable

from app.reading.attachments import read_attachment
from app.reading import reasons as R
from app.reading.reasons import say
from app.reading.extract import classify as classify_mod
from app.reading.extract import ambiguity, accounting, confidence, evidence, language, line_quality, signals, vehicle
from app.reading.extract.accounting import Claim
from app.reading.extract.lexicon import LANGUAGES, common, has_part_noun, pattern
from app.reading.extract.lines import Item, items_from_rows, items_from_text
from app.reading.extract.partnumbers import find_part_numbers, is_ean13, join_wrapped_numbers, normalise_part_number
from app.reading.extract.result import OrderLine, ParsedMessage
from app.reading.mime import MailDoc
from app.reading.extract.quotes import clean_subject, split_quotes

REVIEW_THRESHOLD = confidence.THRESHOLD
Catalogue = Callable[[str], dict | None]

__all__ = ["extract", "REVIEW_THRESHOLD", "ParsedMessage", "OrderLine", "normalise_part_number"]


# A run of more than 64 characters that are neither letters nor digits (blanks, newlines, commas,
# dashes, table borders) says nothing more than its first 64 do, but several regular expressions here
# and in the reply-stripping library take time that grows with the square or cube of such a run: 20,000
# blanks after "Tlf" kept a worker busy for hours. Such runs are cut to 64 before anything reads the text.
_LONG_RUN = re.compile(r"[^\w]{65,}")


def cut_long_runs(text: str | None) -> str | None:
    return _LONG_RUN.sub(lambda m: m.group()[:64], text) if text else text


def extract(doc: MailDoc, catalogue: Catalogue | None = None) -> ParsedMessage:
    """Read everything a clerk needs from one message. Never raises on message content."""
    doc.body_text, doc.subject = cut_long_runs(doc.body_text), cut_long_runs(doc.subject)
    pm = ParsedMessage(
        channel=doc.channel, from_addr=doc.from_addr, from_name=doc.from_name, subject=doc.subject,
        date=doc.date, message_id=doc.message_id, in_reply_to=doc.in_reply_to, references=list(doc.references),
        body_text=doc.body_text, attachments=doc.attachments, auth_failed=doc.auth_failed,
        auto_submitted=doc.auto_submitted, bulk=doc.bulk, is_bounce=doc.is_bounce, notes=list(doc.notes),
        reply_headers=doc.reply_headers, shown=doc.shown,
    )
    if doc.read_error:
        pm.review_reasons.append(say(R.READ_ERROR, error=doc.read_error))
        pm.needs_review, pm.confidence, pm.kind = True, 0.0, "other"
        pm.language = language.hint_from(doc.content_language, doc.from_addr) or "en"
        return pm
    try:
        _extract_into(pm, doc, catalogue)
    except Exception as exc:  # a bug in a rule must not lose the message
        pm.review_reasons.append(say(R.PARSER_ERROR, error=f"{type(exc).__name__}: {exc}"))
        pm.needs_review, pm.confidence = True, 0.0
    return pm


def _extract_into(pm: ParsedMessage, doc: MailDoc, catalogue: Catalogue | None) -> None:
    subject, forwarded_subject, is_reply = clean_subject(doc.subject)
    split = split_quotes(doc.body_text, doc.subject)
    only_some = None
    if _points_below(split, subject):
        only_some = _names_some_of_below(split.new_text)
        split = split_quotes(doc.body_text, doc.subject, as_forward=True)
    new_text = split.new_text
    pm.new_text = new_text
    # Evidence is given as spans of one text: the subject, a newline, then the sender's new text.
    off = len(subject) + 1
    pm.evidence_text = f"{subject}\n{new_text}"
    claims: list[Claim] = []
    hint = language.hint_from(doc.content_language, doc.from_addr)
    lang = language.detect(f"{subject}\n{new_text}", hint)
    pm.language = lang
    langs = (lang, "en")

    # Mask what is certainly not a part number or quantity, in subject and text alike.
    masked_subject, masked = subject, new_text
    pm.order_ref, _ = signals.find_order_ref(subject, new_text)
    for base, text in ((0, subject), (off, new_text)):
        for start, end, value in signals.order_ref_matches(text):
            claims.append(Claim(base + start, base + end, "order_ref"))
            if value == pm.order_ref and "order_ref" not in pm.evidence:
                pm.evidence["order_ref"] = [(base + start, base + end)]
    masked_subject = signals.mask(masked_subject, [(s, e) for s, e, _ in signals.order_ref_matches(subject)])
    masked = signals.mask(masked, [(s, e) for s, e, _ in signals.order_ref_matches(new_text)])
    body_labelled, subject_labelled = signals.labelled_number_spans(masked), signals.labelled_number_spans(masked_subject)
    claims += [Claim(off + s, off + e, "labelled_number") for s, e in body_labelled]
    claims += [Claim(s, e, "labelled_number") for s, e in subject_labelled]
    masked = signals.mask(masked, body_labelled)
    masked_subject = signals.mask(masked_subject, subject_labelled)
    ref, span = signals.find_customer_reference(masked_subject)
    if ref:
        masked_subject = signals.mask(masked_subject, [span])
        claims.append(Claim(*span, "customer_reference"))
    ref2, span2 = signals.find_customer_reference(masked)
    if ref2:
        masked = signals.mask(masked, [span2])
        claims.append(Claim(off + span2[0], off + span2[1], "customer_reference"))
    if ref and ref2 and ref2 != ref and normalise_part_number(ref2).endswith(normalise_part_number(ref)):
        ref = None  # "AO 55120" in the subject, "Arbeidsordre: AO 55120" in the text: the labelled one as written
    pm.customer_reference = ref or ref2
    if pm.customer_reference:
        pm.evidence["customer_reference"] = [span if ref else (off + span2[0], off + span2[1])]
        if re.search(r"\d", pm.customer_reference) and len(normalise_part_number(pm.customer_reference)) >= 4:
            # 'Innkjøpsordre IO-24518' in the subject, 'på verkstedordre IO-24518:' in the text: the same reference
            for base, text in ((off, masked), (0, masked_subject)):
                claims += [Claim(base + s, base + e, "customer_reference") for s, e in _value_spans(text, pm.customer_reference)]
            masked = _mask_value(masked, pm.customer_reference)
            masked_subject = _mask_value(masked_subject, pm.customer_reference)

    vin = vehicle.find_vin(masked) or vehicle.find_vin(masked_subject)
    if vin:
        pm.vin = vin.value.upper()
        for base, text in ((off, masked), (0, masked_subject)):
            spans = _value_spans(text, vin.value)
            claims += [Claim(base + s, base + e, "vin") for s, e in spans]
            pm.evidence.setdefault("vin", []).extend((base + s, base + e) for s, e in spans)
        masked = _mask_value(masked, vin.value)
        masked_subject = _mask_value(masked_subject, vin.value)
    countries = _countries(doc, lang)
    plates = vehicle.find_plates(masked, lang, countries=countries)
    subject_plates = vehicle.find_plates(masked_subject, lang, countries=countries, whole_text_is_subject=True)
    masked = signals.mask(masked, [(p.start, p.end) for p in plates])
    masked_subject = signals.mask(masked_subject, [(p.start, p.end) for p in subject_plates])
    claims += [Claim(off + p.start, off + p.end, "plate") for p in plates]
    claims += [Claim(p.start, p.end, "plate") for p in subject_plates]
    for p in subject_plates:
        claims += [Claim(off + s, off + e, "plate") for s, e in _value_spans(masked, p.value)]
        masked = _mask_value(masked, p.value)
    if pm.customer_reference and not plates:
        # 'Ukens bestilling - IO 41877' with 'Vår innkjøpsordre: 41877' below: the subject names the reference
        ref_digits = re.sub(r"\D", "", pm.customer_reference)
        subject_plates = [p for p in subject_plates if not ref_digits or re.sub(r"\D", "", p.value) != ref_digits]
    pm.plate = (plates or subject_plates or [None])[0] and (plates or subject_plates)[0].value
    # model, chassis and engine codes, odometer readings, phone, org and VAT numbers, prices, dates and clock
    # times certain by their shape and surroundings are not part numbers or quantities
    body_codes = accounting.vehicle_code_spans(masked) + accounting.certain_other_spans(masked)
    subject_codes = accounting.vehicle_code_spans(masked_subject) + accounting.certain_other_spans(masked_subject)
    masked, masked_subject = signals.mask(masked, body_codes), signals.mask(masked_subject, subject_codes)
    for code in {masked_text[s:e] for masked_text, spans in ((new_text, body_codes), (subject, subject_codes))
                 for s, e in spans if re.search(r"\d", masked_text[s:e]) and re.search(r"[^\W\d_]", masked_text[s:e])
                 and len(masked_text[s:e].strip()) >= 3}:
        # a model or engine code named once with its make ("Mercedes C 200") is the vehicle everywhere else too
        for base, text in ((off, masked), (0, masked_subject)):
            claims += [Claim(base + a, base + b, "model_code") for a, b in _code_spans(text, code)]
        masked = signals.mask(masked, _code_spans(masked, code))
        masked_subject = signals.mask(masked_subject, _code_spans(masked_subject, code))
    claims += [Claim(off + s, off + e, "model_code") for s, e in body_codes]
    claims += [Claim(s, e, "model_code") for s, e in subject_codes]
    if pm.plate:
        first = plates[0] if plates else subject_plates[0]
        pm.evidence["plate"] = [(off + first.start, off + first.end) if plates else (first.start, first.end)]

    signal_text = f"{subject}\n{new_text}"
    pm.urgent = signals.is_urgent(signal_text) and not _urgency_negated(signal_text)
    pm.fulfilment = signals.fulfilment(signal_text)
    pm.evidence.update(evidence.signal_spans(signal_text, pm.urgent, pm.fulfilment))

    masked = _mask_asides(masked, new_text)
    masked, cross = _mask_cross_references(masked)
    claims += [Claim(off + s, off + e, "part_number") for s, e in cross]
    order_intent = bool(pattern("order_intent").search(signal_text))
    masked = join_wrapped_numbers(masked)  # 'Bosch 0 986 494' / '907': one number the phone wrapped
    items, conditionals = items_from_text(masked, lang, order_intent=order_intent)
    items = [item.shifted(off) for item in items]
    from_rows = []
    for att in doc.attachments:
        read_attachment(att)
        if att.parsed:
            from_rows.extend(items_from_rows(att.rows, att.filename, frozenset(att.numeric_cells)))
    if from_rows:
        items = [i for i in items if not _sums_up_the_attachment(pm.evidence_text, i, langs)]
        if not pm.plate and not pm.vin:
            pm.plate = _one_plate_in_a_column(doc.attachments, langs)
    items.extend(from_rows)
    if find_part_numbers(masked_subject, context=True):
        # the subject counts as text: its lines are read too, unless the body names the same numbers
        subject_items, _ = items_from_text(masked_subject, lang, order_intent=True)
        known = {normalise_part_number(i.part_number) for i in items if i.part_number}
        # 'Order 4471-B lagerpåfyllning ...' over 'Vår referens: 4471-B': the subject names the reference, not a part
        refs = {normalise_part_number(v) for v in (pm.customer_reference, pm.order_ref, pm.plate) if v}
        extra = [i for i in subject_items if (not items or i.part_number and normalise_part_number(i.part_number)
                 not in known and (i.quantity.explicit or has_part_noun(i.literal)))
                 and not (i.part_number and normalise_part_number(i.part_number) in refs)]
        items = extra + items
    elif _adds_to_the_subject(new_text):
        # '2kpl pakoputken kannatin + 1kpl takaäänenvaimennin' above 'Lisäksi samaan autoon 1kpl lambdatunnistin ...':
        # the subject's counted parts are lines too, unless the text names the same part
        subject_items, _ = items_from_text(masked_subject, lang, order_intent=True)
        items = [i for i in subject_items if i.quantity.explicit and has_part_noun(i.literal)
                 and not any(ambiguity.same_part(i, j) for j in items)] + items

    unread = [a for a in doc.attachments if not a.parsed and not a.inline and a.kind in ("image", "pdf", "other")]
    refused = [a for a in doc.attachments if not a.parsed and a.kind in ("csv", "xlsx")]
    attachment_ref = bool(pattern("attachment_refs", langs).search(signal_text)) and not (
        items and _photo_of_a_thing(signal_text, langs))
    attachment_order = bool(unread and (attachment_ref or not new_text.strip())) or bool(refused)
    pm.kind = classify_mod.classify(doc, subject, new_text, has_lines=bool(items), order_ref=pm.order_ref,
                                    is_reply=is_reply, attachment_order=attachment_order,
                                    part_numbers=any(i.part_number for i in items))
    if pm.kind == "other" and ambiguity.phone_call(signal_text) and not (doc.is_bounce or doc.bulk or doc.list_mail):
        pm.kind = "order"  # "what we talked about on the phone": an order to confirm, not a message to file
    if pm.kind == "other" and _unread_order(doc, signal_text, pm):
        pm.kind = "order"  # parts and a vehicle, no question, nothing read: a person must look, not drop it
    if pm.kind != "order":
        pm.lines, pm.needs_review, pm.review_reasons = [], False, []
        pm.confidence = 0.9 if (doc.auto_submitted or doc.is_bounce or pm.order_ref) else 0.75
        if pm.kind in ("auto_reply", "other"):
            pm.urgent, pm.fulfilment, pm.customer_reference = False, None, None
            pm.plate = pm.vin = None  # a bounce or an auto-reply orders nothing, whatever it quotes
        if pm.kind in ("follow_up", "cancellation"):
            pm.urgent = pm.urgent and pm.kind == "follow_up"
            pm.fulfilment = None
        pm.evidence = {k: v for k, v in pm.evidence.items() if getattr(pm, k, None)}
        return

    items = ambiguity.drop_summaries(items, pm.evidence_text)
    items, restated = ambiguity.restated_counts(items)
    restated += _subject_counts_otherwise(masked_subject, lang, items)
    settled = _apply_stated_corrections(signal_text, items)
    for s, e in settled:
        claims += [Claim(m.start() + s, m.end() + s, "quantity") for m in re.finditer(r"\d{1,3}", signal_text[s:e])]
    pm.lines = [_to_line(item) for item in items]
    reasons = _review_reasons(pm, doc, items, conditionals, signal_text, unread, refused, attachment_ref, lang,
                              settled=settled)
    reasons += restated
    if only_some:
        reasons.append(say(R.SOME_OF_BELOW, words=only_some))
    for item in items:
        claims += [Claim(s, e, "part_number") for s, e in item.spans.get("part_number", [])]
        claims += [Claim(s, e, "quantity") for s, e in item.spans.get("quantity", [])]
        claims += [Claim(s, e, "table_row") for s, e in item.spans.get("line", [])]
    line_spans = [sp for item in items for sp in item.spans.get("chunk", []) + item.spans.get("line", [])]
    books = accounting.account(pm.evidence_text, claims, line_spans)
    reasons += books.reasons(lambda t: _line_number(items, t.start))
    reasons += line_quality.doubts(pm, items)
    reasons += ambiguity.reasons(pm, items, signal_text, lang, plates=[p.value for p in plates + subject_plates],
                                 vins=[pm.vin] if pm.vin else [],
                                 plate_spans=None if subject_plates else [(off + p.start, off + p.end) for p in plates])
    confirmed = _apply_catalogue(pm, catalogue)
    pm.features = confidence.features(pm, items, books, doc, is_reply=is_reply, confirmed=confirmed,
                                      hard_reasons=len(reasons))
    pm.confidence = confidence.score(pm.features)
    if pm.confidence < REVIEW_THRESHOLD and not reasons:
        reasons.append(say(R.LOW_CONFIDENCE, confidence=f"{pm.confidence:.2f}"))
    pm.review_reasons = reasons
    pm.needs_review = bool(reasons) or pm.confidence < REVIEW_THRESHOLD


_ASIDE = re.compile(r"\((?P<v>[^()\n]{2,60})\)")
_TYRE_SIZE_LABEL = re.compile(r"(?i)(?:dekk|däck|dæk|rengas|reifen|tyre|tire|pneus?|banden?)[\s-]?(?:dim\w*|størrelse|"
                              r"storlek|koko|gr(?:ö|oe?)(?:ß|ss)e|size|dimension|maat)\.?:?")
_ASIDE_ROLES = frozenset({"tyre_size", "date_time", "odometer", "measure", "model_code", "price", "phone", "org_number",
                          "fault_code"})


@functools.cache
def _cross_reference() -> re.Pattern:
    words = "|".join(line_quality._vocab()["cross_reference_words"])
    return re.compile(rf"(?<=\S)[ \t]*\((?:{words})\b\.?[ \t]*[:#]?[ \t]*(?P<v>[^()\n]{{3,30}})\)", re.I)


def _mask_cross_references(text: str) -> tuple[str, list[tuple[int, int]]]:
    """'Mintex MDB3425 (OE 5Q0 698 151 D) x1': the same part's other number, in brackets right after the line's own,
    is blanked before the lines are read (it is no line of its own) and kept as a part number for the accounting."""
    spans = []
    for m in _cross_reference().finditer(text):
        if find_part_numbers(text[max(0, m.start() - 40):m.start()], context=True) and \
                find_part_numbers(m.group("v"), context=True):
            spans.append(m.span())
    return (signals.mask(text, spans), [(s, e) for s, e in spans]) if spans else (text, [])


def _mask_asides(text: str, original: str) -> str:
    """Blank a bracketed aside about the car or the terms ('(dekkdim. 205/55 R16)', '(indreg. 09/2018)',
    '(146 000 km)') in the text the lines are read from: every token with a digit in it has a role that is no part
    of a line and no part is named, so the line after it starts after the bracket. A count in brackets ('(1 pair)')
    or a part number stays."""
    out = text  # `text` is `original` with some stretches already blanked: the same offsets
    for m in _ASIDE.finditer(original):
        inner = m.group("v")
        tokens = [t for t in re.finditer(r"\S+", inner) if re.search(r"\d", t.group())]
        label = _TYRE_SIZE_LABEL.sub(" ", inner)  # 'dekkdim.', 'Reifengröße': a label naming the size, not a part
        if not tokens or has_part_noun(label) or find_part_numbers(inner, context=False):
            continue
        claims = accounting.recognise(inner)
        if all(any(c.role in _ASIDE_ROLES and c.start < t.end() and t.start() < c.end for c in claims) for t in tokens):
            out = signals.mask(out, [m.span()])
    return out


def _points_below(split, subject: str) -> bool:
    """The new text names no part and points at the quoted mail below for the parts ('Kan dere levere dette? Se
    under fra Jonas.'): the colleague's or customer's mail below is the order, as a forward is. Not when the
    quoted mail is one of ours (it carries our order reference): that is a reply about an order."""
    top = split.new_text
    if split.forwarded or not split.quoted_text.strip() or not pattern("points_below").search(top):
        return False
    if signals.ORDER_REF.search(split.quoted_text) or find_part_numbers(top, context=False):
        return False
    return not any(has_part_noun(line) for line in top.split("\n") if not pattern("points_below").search(line))


_OF = r"(?:av|af|vom|von|van|of|de|du|des|på|fra|från|der)"
_SHOWN = re.compile(rf"[ \t]+{_OF}[ \t]+(?:(?:dem|den|det|the|het|de|le|la|les|l'|einem|einer|dem|alten|alte|gamle|"
                    rf"gamla|old|oude|ancien|ancienne)[ \t]+){{0,2}}([^\W\d_][\w-]*)", re.I)
_LIST_WORDS = re.compile(r"(?<!\w)(?:liste\w*|list|lista\w*|lijst\w*|bestilling\w*|beställning\w*|order\w*|"
                         r"bestellung\w*|tilau\w*|commande\w*|dele|delene|delarna|parts|teile|onderdelen|osat|"
                         r"pièces|rader|linjer|lines)(?!\w)", re.I)


@functools.cache
def _addition_start() -> re.Pattern:
    from app.reading.extract.line_quality import _vocab

    return re.compile(rf"^\W*(?:\w+\W+){{0,2}}(?:{'|'.join(_vocab()['addition_words'])})(?!\w)", re.I)


def _one_plate_in_a_column(attachments, langs: tuple[str, ...]) -> str | None:
    """'Regnr' over one plate in a CSV's rows (the others blank): the order's car, when the text names none. Two
    plates or more: a fleet's list, no one car."""
    label = re.compile(rf"(?:{pattern('plate_labels', langs).pattern}|regnr\.?|reg\.?\s?nr\.?)", re.I)
    for att in attachments:
        if not att.parsed or not att.rows:
            continue
        for h, header in enumerate(att.rows[:5]):
            cols = [c for c, cell in enumerate(header) if cell.strip() and label.fullmatch(cell.strip().strip(":*."))]
            for c in cols:
                values = {r[c].strip() for r in att.rows[h + 1:] if c < len(r) and r[c].strip()}
                if len(values) == 1:
                    value = values.pop()
                    if re.fullmatch(r"(?=[A-ZÅÄÖÆØÜ0-9 -]*\d)(?=[A-ZÅÄÖÆØÜ0-9 -]*[A-ZÅÄÖÆØÜ])[A-ZÅÄÖÆØÜ0-9 -]{4,10}", value):
                        return value
    return None


def _subject_counts_otherwise(masked_subject: str, lang: str, items: list) -> list[str]:
    """'Bestellung 2x Stoßdämpfer hinten' over '4 Stück Stoßdämpfer hinten Sachs 315 419': the subject counts a
    part the text counts otherwise; the text's line is the literal reading and the contradiction a reason."""
    if not masked_subject.strip() or not items:
        return []
    subject_items, _ = items_from_text(masked_subject, lang, order_intent=True)
    out = []
    for s in subject_items:
        if s.part_number or not s.quantity.explicit or not has_part_noun(s.description or ""):
            continue
        twin = next((i for i in items if i.source == "text" and i.quantity.explicit and i.quantity.value != s.quantity.value
                     and ambiguity.same_part(s, i)), None)
        if twin is not None:
            out.append(say(R.RESTATED_COUNT, description=twin.description, quantity=twin.quantity.value,
                           other_quantity=s.quantity.value, words=s.literal.strip()[:60]))
    return out


def _adds_to_the_subject(new_text: str) -> bool:
    """The text opens by adding to the subject ('Lisäksi samaan autoon ...', 'Also for the same car ...')."""
    first = next((line for line in new_text.split("\n") if line.strip()), "")
    return bool(_addition_start().search(first))


def _sums_up_the_attachment(text: str, item, langs: tuple[str, ...]) -> bool:
    """'Bifogar beställning (csv) för lagerpåfyllning torkarblad och lampor': a sentence that points at the attached
    list and says what it holds, without a number or a count of its own, is no line beside the list's rows."""
    spans = item.spans.get("chunk") or []
    if item.part_number or item.quantity.explicit or not spans:
        return False
    start = max(text.rfind(". ", 0, spans[0][0]), text.rfind("\n", 0, spans[0][0])) + 1
    end = min((i for i in (text.find(". ", spans[-1][1]), text.find("\n", spans[-1][1])) if i >= 0), default=len(text))
    return bool(pattern("attachment_refs", langs).search(text[start:end]))


def _photo_of_a_thing(text: str, langs: tuple[str, ...]) -> bool:
    """The lines are written in the text and a photo is said to show a thing ('Foto vom alten Lager hängt an',
    'Foto van het typeplaatje', 'photo of the old part'): the photo is for the eye, the order is the text.
    Not when the photo is of a list or the order ('bilde av listen')."""
    refs = list(pattern("attachment_refs", langs).finditer(text))
    shown = [m for ref in refs if (m := _SHOWN.match(text, ref.end()))]
    return bool(shown) and not any(_LIST_WORDS.search(m.group(1)) for m in shown) and not any(
        _LIST_WORDS.search(text[max(0, r.start() - 40):r.end() + 40]) for r in refs)


def _names_some_of_below(top: str) -> str | None:
    """The line that points at the mail below also names a part ('sama kuin alla olevassa viestissä, mutta vain
    jarrupalat', 'as below but only the pads'): some of it is wanted, and which is for the clerk to settle. The
    pointing line's own words, when they name one."""
    below = pattern("points_below")
    for line in top.split("\n"):
        m = below.search(line)
        if m and has_part_noun(line[:m.start()] + " " + line[m.end():]):
            return _short(line.strip())
    return None


def _urgency_negated(text: str) -> bool:
    """'Ingen brådska, bilen står här till fredag': a car that is said to stand, in a message that says there is
    no hurry, is not urgent; an explicit urgent word after the negation is removed still is."""
    if not signals._negated_urgency().search(text):
        return False
    cleaned = signals._negated_urgency().sub(lambda m: " " * len(m.group()), text)
    return not pattern("urgent").search(cleaned) and not re.search(r"(?<!\w)(?:ASAP|VOR)(?!\w)", cleaned)


def _apply_catalogue(pm: ParsedMessage, catalogue: Catalogue | None) -> tuple[int, int] | None:
    """Look each part number up in the catalogue (an EAN is replaced by the catalogue's part number).
    Returns (confirmed, not found), or None without a catalogue."""
    if catalogue is None:
        return None
    found = missing = 0
    for line in pm.lines:
        if not line.part_number_normalised:
            continue
        try:
            entry = catalogue(line.part_number_normalised)
        except Exception:
            entry = None
        if not entry:
            missing += 1
            continue
        found += 1
        line.catalogue_entry = entry
        if is_ean13(line.part_number or "") and entry.get("part_number"):
            line.part_number = entry["part_number"]
            line.part_number_normalised = normalise_part_number(line.part_number)
    return found, missing


def _line_number(items: list[Item], pos: int) -> int:
    """The order line (1-based) whose text stands nearest to `pos`."""
    best, dist = 1, None
    for n, item in enumerate(items, 1):
        for s, e in item.spans.get("chunk", []) + item.spans.get("line", []):
            d = 0 if s <= pos < e else min(abs(pos - s), abs(pos - e))
            if dist is None or d < dist:
                best, dist = n, d
    return best


def _finds(text: str, value: str) -> list[tuple[int, int]] | None:
    """Where `value` stands in `text`, case-insensitive and not overlapping, found without compiling a regular
    expression per value (hundreds of them per batch overflow re's cache); None when lower-casing changes lengths."""
    low, want = text.lower(), value.lower()
    if not want or len(low) != len(text) or len(want) != len(value):
        return None
    out, i = [], low.find(want)
    while i >= 0:
        out.append((i, i + len(want)))
        i = low.find(want, i + len(want))
    return out


def _value_spans(text: str, value: str) -> list[tuple[int, int]]:
    found = _finds(text, value)
    return found if found is not None else [m.span() for m in re.finditer(re.escape(value), text, flags=re.I)]


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _code_spans(text: str, code: str) -> list[tuple[int, int]]:
    """`code` where it stands as a whole token: no word character, dot or dash before it, no word character or dash
    after it, and no full stop that goes on into a word ('Z19DTH.' ends a sentence; 'Z19DTH.5' is another token)."""
    found = _finds(text, code)
    if found is None:
        return [m.span() for m in re.finditer(rf"(?<![\w.-]){re.escape(code)}(?![\w-]|\.\w)", text, re.I)]
    out, last = [], 0
    for a, b in found:
        before, after = text[a - 1:a], text[b:b + 2]
        if before and (_word_char(before) or before in ".-"):
            continue
        if after[:1] and (_word_char(after[0]) or after[0] == "-") or after[:1] == "." and _word_char(after[1:2] or " "):
            continue
        out.append((a, b))
    return out


def _unread_order(doc: MailDoc, text: str, pm: ParsedMessage) -> bool:
    if doc.bulk or doc.list_mail or doc.is_bounce or doc.auto_submitted or "?" in text:
        return False
    if classify_mod.asks_price(text) or classify_mod.is_bounce(doc, doc.subject or ""):
        return False
    if pattern("thanks_for").search(text) and not pattern("order_intent").search(text):
        return False  # "Takk for bremseklossene til Golfen": thanks for parts already had
    return has_part_noun(text) and bool(pm.plate or pm.vin or vehicle.mentions_vehicle(text))


def _mask_value(text: str, value: str) -> str:
    return signals.mask(text, _value_spans(text, value))


def _countries(doc: MailDoc, lang: str) -> tuple[str, ...]:
    hint = language.hint_from(None, doc.from_addr)
    mapping = {"en": "uk"}
    return tuple({mapping.get(x, x) for x in (hint, lang) if x})


def _to_line(item: Item) -> OrderLine:
    pn = item.part_number
    spans = {k: v for k, v in item.spans.items() if k in ("part_number", "quantity", "description", "line", "cells")}
    return OrderLine(pn, item.description, item.quantity.value, normalise_part_number(pn) if pn else None,
                     source=item.source, evidence=spans)


# 'Oj, skal vara 4 stk H7, inte 2', 'should be 2 pads, not 1': a correction that says the new count, what it is for
# and the count it replaces
_STATED_FIX = re.compile(
    r"(?<!\w)(?:skal|ska|skall|should|soll(?:en|te)?|pitäisi|doit|moet(?:en)?)\s+(?:være|vara|være|be|sein|olla|être|zijn)\s+"
    r"(?P<new>\d{1,3})\s*(?:stk|st|kpl|pcs|x|stück|stuks)?\.?\s*(?P<what>[^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*)?)?\s*,?\s+"
    r"(?:ikke|ikkje|inte|not|nicht|ei|eikä|pas|niet)\s+(?P<old>\d{1,3})(?!\w)", re.I)


def _apply_stated_corrections(text: str, items: list[Item]) -> list[tuple[int, int]]:
    """Apply each correction that names its new count, its part and the count it replaces to the one line it fits
    (that count, and the part's words or number); the spans of those applied. One that fits no line or more than one
    is left to the doubt that asks."""
    applied = []
    for m in _STATED_FIX.finditer(text):
        new, old, what = int(m.group("new")), int(m.group("old")), (m.group("what") or "").lower().split()
        fits = [i for i in items if i.quantity.value == old and (not what or any(
            w in (i.description or "").lower() or w.replace(" ", "") in (i.part_number or "").lower().replace(" ", "")
            for w in what))]
        if len(fits) == 1 and 0 < new <= 999:
            q = fits[0].quantity
            fits[0].quantity = type(q)(new, q.spans + [m.span("new")], True, None)
            applied.append(m.span())
    return applied


# 'Glemte et par ting', 'Glömde', 'I forgot', 'vergessen', 'unohtui', 'oublié', 'vergeten': parts added to an order
_FORGOT = re.compile(r"(?<!\w)(?:glemte|glemt|glömde|glömt|forgot|forgotten|vergessen|vergaß|unohtui|unohdin|unohtu\w*|"
                     r"oublié|oubliés|vergeten|også|också|dessutom|lisäksi|außerdem|also|aussi|ook)(?!\w)", re.I)


# 'as usual' said as an adverb: the parts only when nothing else says which
_AS_USUAL = re.compile(r"som vanlig|som vanligt|som sædvanlig|wie immer|comme d'habitude|zoals altijd", re.I)


def _review_reasons(pm: ParsedMessage, doc: MailDoc, items: list[Item], conditionals: list[str], text: str,
                    unread, refused, attachment_ref: bool, lang: str, *, settled=()) -> list[str]:
    reasons: list[str] = []
    if doc.auth_failed:
        reasons.append(say(R.AUTH_FAILED, result=doc.auth_failed))
    # A code in an unread table cell that the message reads as something else (the work order in a 'Merknad'
    # column, the plate) is accounted for; any other is a part number the line was read without.
    known = {normalise_part_number(v) for v in (pm.customer_reference, pm.plate, pm.vin, pm.order_ref) if v}
    for n, item in enumerate(items, 1):
        reasons += [say(R.ON_LINE, n=n, why=why) for code, why in item.unread_codes
                    if not any(k in normalise_part_number(code) or normalise_part_number(code) in k for k in known)]
    same = pattern("same_as_last").search(text)
    if same and items and _AS_USUAL.fullmatch(same.group(0)):
        same = None  # 'tar vi fra Dekkmann som vanlig' beside lines read: how it goes as usual, not which parts
    if same:
        reasons.append(say(R.SAME_AS_LAST, words=same.group(0)))
    fix = next((m for m in pattern("correction").finditer(text)
                if not any(a <= m.start() < b for a, b in settled)), None)
    if fix:
        reasons.append(say(R.CORRECTION, words=_short(fix.group(0))))
    if pattern("cancel").search(text) and items:
        reasons.append(say(R.CANCEL_AND_PARTS))
    elif pm.order_ref and items and classify_mod.bare_question(text) and not (
            all(i.part_number and i.quantity.explicit for i in items)
            and (_FORGOT.search(text) or classify_mod._asks_for_parts(text))):
        # 'Glemte et par ting: 1 stk lyddemper Walker 22418 ... Kan det komme med samme levering?': counted, numbered
        # lines added to our order, and a question about how they go; a line without them may only be asked about
        reasons.append(say(R.ASKS_ABOUT_ORDER, reference=pm.order_ref,
                           question=_short(classify_mod.bare_question(text), 60)))
    for n, item in enumerate(items, 1):
        if item.quantity.undecided:
            reasons.append(say(R.QUANTITY_UNCLEAR, words=item.quantity.undecided, n=n))
        if item.alternative:
            reasons.append(say(R.EITHER_OR_NUMBERS, n=n, part_number=item.part_number, alternative=item.alternative))
        if item.numeric_cell:
            reasons.append(say(R.NUMERIC_CELL, part_number=item.part_number, n=n, source=item.source))
    generic = [n for n, i in enumerate(items, 1) if i.part_number is None and not _consumable(i.description)]
    # parts added to an order of ours (its reference named) are for that order's vehicle
    if generic and not (pm.plate or pm.vin or pm.order_ref or vehicle.mentions_vehicle(text)):
        for n in generic:
            reasons.append(say(R.NO_VEHICLE, n=n, description=items[n - 1].description))
    for literal in conditionals:
        reasons.append(say(R.CONDITIONAL, words=_short(literal)))
    for att in refused:
        reasons.append(say(R.ATTACHMENT_REFUSED, filename=att.filename, why=att.note.removeprefix('Not read: ')))
    if unread and (not items or attachment_ref):
        names = ", ".join(f"{a.filename} ({a.content_type})" for a in unread)
        reasons.append(say(R.ATTACHMENT_UNREAD, names=names))
    elif not items:
        reasons.append(say(R.NO_LINES))
    return reasons


@functools.cache
def _consumable_re() -> re.Pattern:
    alts = "|".join(re.escape(w) for w in sorted(common("consumables"), key=len, reverse=True))
    spec = r"\d{1,2}\s?w-?\d{2}|dot\s?[345]|g1[1-3]|h[1-9]\b|\d+\s?(?:l|ltr|liter|litre|litraa?|ml)\b"
    return re.compile(rf"(?:{alts})|(?<!\w)(?:{spec})", re.I)


def _consumable(description: str | None) -> bool:
    """Oil, fluids, bulbs, batteries by their spec: no vehicle is needed to hand them over the counter."""
    return bool(description and _consumable_re().search(description))


def _short(text: str, limit: int = 80) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


def known_languages() -> tuple[str, ...]:
    return LANGUAGES
