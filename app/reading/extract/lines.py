"""Order lines from text (tables and pasted blocks are read in layouts.py). Text is masked first (plates, VIN,
references, labelled numbers are blanked), so every number left is a part number, a quantity or noise that the rules
below reject."""
from __future__ import annotations

import re
from functools import cache

from app.reading.extract.descriptions import clean_description
from app.reading.extract.layouts import Item, _labelled_blocks, _text_table, _vertical_table, items_from_rows
from app.reading.extract.lexicon import common, fragment, has_part_noun, lexicon, part_noun_re, pattern, words
from app.reading.extract.line_quality import not_wanted
from app.reading.extract.confidence import KIT_END, fits_grammar
from app.reading.extract.partnumbers import PartMatch, _whole_formats, find_part_numbers
from app.reading.extract.vehicle import mentions_vehicle
from app.reading.extract.quantities import Quantity, find_quantity
from app.reading.extract.signals import mask

_SENT_END = re.compile(r"[.!?]+(?=\s+|$)")
_BULLET = re.compile(r"^\s*(?:[-*•·–>]|\d{1,2}\)|[a-z]\))\s+")
_NUMBERED = re.compile(r"^\s*(\d{1,2})\.\s+")
_VOLUME_START = re.compile(r"\s*(?:(?:a|an|one|en|ett|ei|et|ein|eine|einen|un|une|een|yksi)\s+)?"
                           r"\d{1,3}(?:[.,]\d)?\s?(?:l|ltr|liter|litres?|liters?|litra|litraa|ml)(?!\w)", re.I)


@cache
def _abbreviation() -> re.Pattern:
    alts = "|".join(common("abbreviations"))
    return re.compile(rf"(?:^|[\s.(])(?:{alts}|[^\W\d_])$", re.I)


def not_a_sentence_end(text: str, dot: int) -> bool:
    """A full stop at `dot` that ends an abbreviation or an initial, not a sentence: one before a word in lower
    case that goes on naming the part (a position or a part word: 'bremsekl. foran', 'tandremssæt m. vandpumpe')
    or after a word of four letters or fewer ('20 min. jonny'); one after a known abbreviation of the lexicon
    ('inkl. Pakning', 'ca. 5 stk') or a single letter ('M. Perrin'); one after a number of one or two digits
    ('2. Bremseskiver' in a numbered list). 'for the Connect. no rush' still ends there."""
    before = text[:dot]
    nxt = re.match(r"\.\s+([^\W\d_][\w-]*)", text[dot:])
    if (nxt and nxt.group(1)[:1].isupper() and re.search(r"\d\s?[^\W\d_]{1,3}$", before)
            and nxt.group(1).lower() in _sentence_words()):
        return False  # '... 0W-30 5 l. Bilen er en BMW': a unit's point, then a sentence about the car
    if nxt and nxt.group(1)[:1].islower():
        word = re.search(r"([^\W\d_]+)$", before)
        if word and len(word.group(1)) <= 4 or nxt.group(1).lower() in _positions() or has_part_noun(nxt.group(1)):
            return True
    return bool(_abbreviation().search(before) or re.search(r"(?:^|\s)\d{1,2}$", before))


@cache
def _sentence_words() -> frozenset[str]:
    from app.reading.extract.line_quality import _sentence_words as words

    return words()


@cache
def _positions() -> frozenset[str]:
    return frozenset(common("positions"))


def _sentences(text: str, base: int) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENT_END.finditer(text):
        if m.group() == "." and not_a_sentence_end(text, m.start()):
            continue
        spans.append((base + start, base + m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append((base + start, base + len(text)))
    return spans


@cache
def _conj(lang: str = "en") -> re.Pattern:
    # the message's own conjunctions and English ones: Dutch 'en' is 'and', Nordic 'en' is 'a'
    alts = "|".join(words("conjunctions", tuple(sorted({lang, "en"}))))
    # not the comma of 4,3 l; ', + 2 kanner': a comma and a plus are one cut
    return re.compile(rf"\s*(?:,[ \t]*[+&](?=\s)|(?<!\d),|,(?!\d)|;|\s(?:{alts}|\+|&)\s)\s*", re.I)


@cache
def _lead_conj(lang: str) -> re.Pattern:
    return re.compile(rf"^\s*(?:{'|'.join(words('conjunctions', tuple(sorted({lang, 'en'}))))})\s+", re.I)


def _quantity_start(text: str, lang: str) -> bool:
    if re.match(rf"\s*(?:\d{{1,3}}\s*(?:[x×]\s|[^\W\d_])|[x×]\s?\d)", text, re.I) or _VOLUME_START.match(text):
        return True  # '2 stk', 'x2', 'a 5L Castrol Edge'

    table = lexicon(lang).get("number_words", {})
    first = re.match(r"\s*([^\W\d_]+)\s+([^\W\d_]+)", text)
    return bool(first and first.group(1).lower() in table and (
        re.fullmatch(rf"(?:{'|'.join(words('units') + words('set_words') + words('pair_words'))})",
                     first.group(2), re.I) or has_part_noun(first.group(2)) or _container().fullmatch(first.group(2))))


def _counted_item(text: str) -> bool:
    """'1 stk pølsko', '2 kpl lukkomutteri': a count, a counting unit, then a word."""
    from app.reading.extract.line_quality import _count_units

    m = re.match(r"\s*\d{1,3}\s*([^\W\d_]+)\.?\s+[^\W\d_]{3,}", text)
    return bool(m and m.group(1).lower() in _count_units())


@cache
def _container() -> re.Pattern:
    from app.reading.extract.line_quality import _vocab

    return re.compile(rf"(?:{'|'.join(_vocab()['containers'])})", re.I)


def _strip_spans(text: str, spans) -> str:
    return mask(text, spans)


def word_spans(text: str, description: str | None) -> list[tuple[int, int]]:
    """Where the words of a cleaned description stand in the text it was cleaned from, in order."""
    out, pos = [], 0
    lower = text.lower()
    for word in re.findall(r"[^\W_]+(?:[-'.][^\W_]+)*", description or ""):
        at = lower.find(word.lower(), pos)
        if at < 0:
            continue
        out.append((at, at + len(word)))
        pos = at + len(word)
    return out


def items_from_text(masked: str, lang: str, *, order_intent: bool) -> tuple[list[Item], list[str]]:
    """Items in the masked new text, and the literal texts of conditional requests ("evt. en pakning")."""
    raw_lines, pos = [], 0
    for line in masked.split("\n"):
        raw_lines.append((pos, line))
        pos += len(line) + 1
    items: list[Item] = []
    conditionals: list[str] = []
    table = _text_table(raw_lines)
    used = set()
    if table:
        rows, used = table
        row_lines = [i for i in sorted(used) if raw_lines[i][1].strip()]
        for item in items_from_rows(rows, "text"):
            if item.row is not None and item.row < len(row_lines):
                base, text = raw_lines[row_lines[item.row]]
                item.spans = {"line": [(base, base + len(text))]}
            items.append(item)
    if not table:
        for item, lines_used in _vertical_table(raw_lines):
            items.append(item)
            used |= lines_used
    for item, lines_used in _labelled_blocks(raw_lines, used):
        items.append(item)
        used |= lines_used
    numbered = _numbered_lines(raw_lines)
    cond_re = pattern("conditional", (lang, "en"))
    intent_re = pattern("order_intent")
    for idx, (base, line) in enumerate(raw_lines):
        if idx in used or not line.strip():
            continue
        cut = _signoff_in_line().search(line)
        if cut and line[:cut.start()].strip():
            line = line[:cut.start()]  # "... henter ca kl 15 mvh Ola Bil og Dekk Sandvika": the rest is the name
        bullet = _BULLET.match(line) or (idx in numbered and _NUMBERED.match(line))
        if bullet:
            line = " " * bullet.end() + line[bullet.end():]
        asked_price = False
        for s, e in _sentences(line, base):
            sentence = masked[s:e] if not bullet else line[s - base:e - base]
            after_price = asked_price
            asked_price = sentence.rstrip().endswith("?") and _asks_price(sentence, lang, True)
            for item in _sentence_items(sentence, lang, bool(bullet), order_intent, intent_re, offset=s):
                if cond_re.search(item.literal):
                    conditionals.append(item.literal.strip())
                    continue
                if after_price and not item.quantity.explicit and not has_part_noun(item.description or ""):
                    # 'Ka koste ei clutchsett te den? Sachs 3000 951 094 ellær nå tilsvarande.': the number the price
                    # question is about, right after it, not a part ordered
                    continue
                items.append(item)
    items += _listed_consumables(masked, raw_lines, used, items, lang, intent_re)
    items.sort(key=lambda i: min((sp[0] for k in ("chunk", "line") for sp in i.spans.get(k, [])), default=0))
    return _merge_descriptions(items), conditionals


def _listed_consumables(masked: str, raw_lines: list[tuple[int, str]], used: set[int], items: list[Item], lang: str,
                        intent_re) -> list[Item]:
    """A consumable on a text line of its own inside a list of order lines ('1stk oljefilter HU 719/7 x' /
    '5 l motorolje 5W-30'): the next thing asked for, though it has no count or number. Not a 'label: value' line
    ('Oljekapasitet: 4,3 l'), nor a sentence ('olje har vi selv'), a question, a price or an address."""
    from app.reading.extract.line_quality import _aside_line, _consumables, _sentence_words

    def read(idx: int) -> bool:
        base, line = raw_lines[idx]
        return any(base <= sp[0] < base + len(line) + 1 for i in items for sp in i.spans.get("chunk", []))

    out: list[Item] = []
    for idx, (base, line) in enumerate(raw_lines):
        text = line.strip()
        if (idx == 0 or idx in used or not text or not raw_lines[idx - 1][1].strip() or not read(idx - 1) or read(idx)
                or not (_consumables().search(text) or _VISCOSITY.search(text)) or ":" in text or text.endswith("?")
                or len(_WORD_RE.findall(text)) > 7
                or any(w.lower() in _sentence_words() for w in _WORD_RE.findall(text)) or _aside_line(text)):
            continue
        out += _sentence_items(line, lang, True, True, intent_re, offset=base)
    return out


_WORD_RE = re.compile(r"[^\W\d_]+")
_VISCOSITY = re.compile(r"(?<![\w-])\d{1,2}W-?\d{2}(?![\w-])", re.I)  # an oil named by its grade ('Castrol Edge 5W-30')


@cache
def _signoff_in_line() -> re.Pattern:
    alts = "|".join(common("signoff_cut"))
    return re.compile(rf"(?:(?<=[\s,.!])|^)(?:{alts})(?=[\s,]+[A-ZÅÄÖÆØÜ]|\s*$)", re.I)


_TREAD = re.compile(r"[A-Za-z]{1,3}\s?\d{1,3}")
_TYRE_AFTER = re.compile(r"\s+\d{3}/\d{2}\s?(?:z?r|-)?\s?\d{2}", re.I)


def _numbered_lines(lines: list[tuple[int, str]]) -> set[int]:
    nums = [(i, int(m.group(1))) for i, (_, l) in enumerate(lines) if (m := _NUMBERED.match(l))]
    if len(nums) >= 2 and [n for _, n in nums] == list(range(nums[0][1], nums[0][1] + len(nums))):
        return {i for i, _ in nums}
    return set()


def _sentence_items(sentence: str, lang: str, bullet: bool, order_intent: bool, intent_re, *,
                    offset: int = 0) -> list[Item]:
    context = has_part_noun(sentence) or bool(re.search(r"\d\s*(?:x|stk|st|kpl|pcs)\b", sentence, re.I))
    pns = find_part_numbers(sentence, context=context or bullet)
    # 'WinterContact TS 870 205/55 R16', 'Hakkapeliitta R5 225/45': the tread's name before the size, not a number
    pns = [p for p in pns if not (_TREAD.fullmatch(p.text) and _TYRE_AFTER.match(sentence, p.end))]
    echoes = _echoes(sentence, pns)
    pns = sorted(pns + echoes, key=lambda p: p.start)
    chunks = _chunks(sentence, pns, lang)
    out: list[Item] = []
    or_re = pattern("or_words", (lang, "en"))
    sentence_has_pn = bool(pns)
    for cs, ce in chunks:
        chunk_pns = [p for p in pns if cs <= p.start < ce]
        echoed = any(p.start == e.start for p in chunk_pns for e in echoes)
        chunk = sentence[cs:ce]
        local = [PartMatch(p.start - cs, p.end - cs, p.text, p.brand) for p in chunk_pns]
        blanked = _strip_spans(chunk, [(p.start, p.end) for p in local])
        qty = find_quantity(blanked, lang, part_noun_after=has_part_noun)
        lead = re.match(r"\s*(\d{1,2})\s+(?=[^\W\d_]{3,})", blanked) if local and not qty.explicit else None
        if lead and 0 < int(lead.group(1)):
            qty = Quantity(int(lead.group(1)), [lead.span(1)], True, None)  # "und 1 Warnkontakt A 204 540 17 17"
        word = re.match(r"\s*([^\W\d_]+)\s+(?=[^\W\d_]{3,})", blanked) if local and not qty.explicit else None
        count = lexicon(lang).get("number_words", {}).get(word.group(1).lower()) if word else None
        if count:
            qty = Quantity(count, [word.span(1)], True, None)  # "zwei Verschleißanzeiger 34 35 6 792 289"
        desc_text = _strip_spans(blanked, qty.spans)
        desc = clean_description(desc_text, lang)
        at = offset + cs
        qty_spans = [(at + a, at + b) for a, b in qty.spans]
        desc_spans = [(at + a, at + b) for a, b in word_spans(desc_text, desc)]
        question = sentence.rstrip().endswith("?")
        if _asks_price(sentence, lang, question) and (question or not qty.explicit):
            continue  # "Hva koster et sett bremseskiver?", "un devis pour ...": a price question orders nothing
        if local and question and not qty.explicit and not intent_re.search(sentence):
            continue  # "Har dere 0 986 494 123 på lager?" asks about stock, it orders nothing
        if local and not has_part_noun(chunk) and mentions_vehicle(chunk) and not any(
                _whole_formats(p.text, True) or fits_grammar(p.text) for p in local) and not echoed and not (
                any(p.brand for p in local)) and not (out and _number_before_vehicle(chunk, local)):  # 'Yaris: 1stk mellomrør Bosal 285-473', 'en H4 Osram 64193 til Hiacen
            continue  # "Peugeot 308 1.6 BlueHDi (moteur DV6FC)": the vehicle, not an order line
        if echoed and out and out[-1].description and (desc is None or all(w.lower() in _positions()
                                                                            for w in desc.split())):
            # 'Querlenker vorne links Lemförder 37236 01 und 1 Stk. vorne rechts 37237 01': the same part, other side
            head = [w for w in out[-1].description.split() if w.lower() not in _positions()
                    and w.lower() not in _brand_words()]
            desc = " ".join(head + ([desc] if desc else [])) or desc
        if local and not_wanted(chunk):
            # 'Fjærene bak tar vi senere ... 994 517', 'irrtümlich gelieferte Bremsscheibe A 906 421 06 12 geben wir
            # zurück': numbered, but for later or going back, not asked for now
            continue
        if local:
            groups: list[list[PartMatch]] = [[local[0]]]
            for prev, cur in zip(local, local[1:]):
                between = chunk[prev.end:cur.start]
                if or_re.search(between) or re.fullmatch(r"\s*/\s*", between):
                    groups[-1].append(cur)
                else:
                    groups.append([cur])
            for g in groups:
                alt = " or ".join(p.text for p in g[1:]) or None
                brand_only = desc is not None and all(w.lower() in _brand_words() for w in desc.split())
                out.append(Item(g[0].text, desc, qty, alternative=alt, literal=chunk.strip(), brand_only=brand_only,
                                spans={"part_number": [(at + p.start, at + p.end) for p in g],
                                       "quantity": qty_spans, "description": desc_spans,
                                       "chunk": [(at, offset + ce)]}))
            continue
        if not (has_part_noun(chunk) or _consumable(chunk) or out and _counted_item(chunk)) or desc is None:
            # 'AdBlue 10 L, qty 2': a consumable asked for is a line too; '... + 1 stk pølsko': so is a counted item
            # after one read from the same sentence
            continue
        if not_wanted(chunk):
            # '12V battery: not needed after all', 'Olje har vi selv', 'Dekkene (4 stk 205/55 R16) tar vi fra
            # dekkhotellet': named, even counted, not asked for
            continue
        if not qty.explicit and _terms(chunk):
            continue  # "Remise habituelle de 35 %", "som vanlig rabatt": the price terms, not a part wanted
        # a part named after 'and' in a sentence that already asked for one, or a plain "please"
        requested = (qty.explicit or sentence_has_pn or bool(out) or bool(intent_re.search(sentence))
                     or bool(_please().search(sentence)))
        if (requested and not question) or (question and requested and qty.explicit) or (bullet and order_intent):
            out.append(Item(None, desc, qty, literal=chunk.strip(),
                            spans={"quantity": qty_spans, "description": desc_spans, "chunk": [(at, offset + ce)]}))
    return out


def _number_before_vehicle(chunk: str, local: list[PartMatch]) -> bool:
    """'... 411191 ja liitäntäjohdon 460920 Hiluxiin': after a line of the same sentence, a part and its number
    named before the vehicle they are for (a vehicle line names the car first: 'Yaris: 1stk ...')."""
    from app.reading.extract.vehicle import _make_or_model

    m = _make_or_model().search(chunk)
    return bool(m) and local[0].start < m.start() and bool(re.search(r"[^\W\d_]{4,}", chunk[:local[0].start]))


def _echoes(sentence: str, pns: list[PartMatch]) -> list[PartMatch]:
    """A number of the very shape of a spaced or dotted one read in the same sentence is a part number too: the same
    maker's numbering ('Sachs 313 473 + 1 pölysuojasarja 900 079', 'Lemförder 37236 01 und 1 Stk. rechts 37237 01').
    Prices, phones, dates and the like are masked before the lines are read, so they cannot echo."""
    out: list[PartMatch] = []
    taken = [(p.start, p.end) for p in pns]
    for p in pns:
        if not re.fullmatch(r"\d+(?:[ .]\d+)+", p.text) or len(re.sub(r"\D", "", p.text)) < 5:
            continue
        shape = "".join(r"\d" if c.isdigit() else re.escape(c) for c in p.text)
        for m in re.finditer(rf"(?<![\w.,/-]){shape}(?![\w-]|[.,]\d)", sentence):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                out.append(PartMatch(m.start(), m.end(), m.group(), None))
                taken.append(m.span())
    return out


@cache
def _terms_re() -> re.Pattern:
    return re.compile(rf"\d\s?%|(?<!\w)(?:{'|'.join(fragment(w) for w in common('terms_words'))})(?!\w)", re.I)


def _terms(chunk: str) -> bool:
    """A percentage or a word of price, discount or terms ('rabatt 20 %', 'netto', 'Remise habituelle') and, once
    those words are gone, no word naming a part ('Remise' is no 'rem'; 'olie 5W-30 390,- netto' stays a line)."""
    return bool(_terms_re().search(chunk)) and not has_part_noun(_terms_re().sub(" ", chunk))


def _asks_price(sentence: str, lang: str, question: bool) -> bool:
    langs = (lang, "en")
    return bool(pattern("quote_request", langs).search(sentence)
                or question and pattern("price_question", langs).search(sentence))


@cache
def _brand_words() -> frozenset[str]:
    return frozenset(w for b in common("brands") for w in b.split())


def _volume_product(right: str) -> bool:
    """'og 1 liter spylervæske': a volume, then what it is of; not 'DOT 4, 1 liter – 2 stk' (the count of the part)."""
    m = _VOLUME_START.match(right)
    unit = re.compile(rf"(?:{'|'.join(words('units') + words('set_words') + words('pair_words'))})", re.I)
    return bool(m) and any(not unit.fullmatch(w) for w in re.findall(r"[^\W\d_]{3,}", right[m.end():]))


def _chunks(sentence: str, pns: list[PartMatch], lang: str) -> list[tuple[int, int]]:
    cands = [m for m in _conj(lang).finditer(sentence) if not any(p.start <= m.start() < p.end for p in pns)]
    cuts, start = [], 0
    left_noun, checked_to = False, 0  # a part noun in sentence[start:checked_to]
    for n, m in enumerate(cands):
        nxt = cands[n + 1].start() if n + 1 < len(cands) else len(sentence)
        right = sentence[m.end():nxt]
        right = _lead_conj(lang).sub("", right)  # ', och en slitagevarnare': the comma took the blank before 'och'
        left_pn = any(start <= p.start < m.start() for p in pns)
        right_pn = any(m.end() <= p.start < nxt for p in pns)
        # "W 712/75, 2 kpl": a trailing count, not a new line; "og 1 liter spylervæske": a volume is a product,
        # "bremsevæske DOT 4, 1 liter": a bare volume at the end is the size of the part before it
        right_has_part = (right_pn or has_part_noun(right) or _volume_product(right) or _consumable(right)
                          # 'batteri Varta E39 570 901 076 + 1 stk pølsko': a count and its unit after '+' or 'og'
                          # start an item of their own, named or not by the lexicon
                          or m.group().strip() not in (",", ";") and _counted_item(right))
        # The left side grows until a cut: only its new stretch is searched (a word of 64 characters back,
        # for a noun across the old end), or a long run of commas takes quadratic time.
        if not left_noun:
            pos = max(start, checked_to - 64)
            left_noun = has_part_noun(sentence[start:m.start()]) if pos == start else \
                bool(part_noun_re().search(sentence, pos, m.start()))
            checked_to = m.start()
        left_part = left_pn or left_noun
        # 'CT1149WP1 timing belt kit + water pump', 'kit distribution + pompe à eau' under one number: what the kit
        # holds, one line
        kit_holds = (m.group().strip() == "+" and not right_pn and not _quantity_start(right, lang)
                     and bool(KIT_END.search(sentence[start:m.start()])))
        if kit_holds:
            continue
        if ((_quantity_start(right, lang) and right_has_part and left_part) or (left_pn and right_pn)
                or (not right_pn and _part_noun_start(right) and left_part)
                # '5 l moottoriöljy 5W-30 Castrol ja öljynsuodatin Mann W 7008': a consumable, then a part of its own
                or (right_pn and not left_pn and _part_noun_start(right) and _consumable(sentence[start:m.start()]))):
            cuts.append((start, m.start()))
            start = m.end()
            left_noun, checked_to = False, start
    cuts.append((start, len(sentence)))
    return cuts


@cache
def _please() -> re.Pattern:
    return re.compile(r"(?<!\w)(?:please|pls|plz|bitte|svp|s'il vous plaît|graag|gerne|gjerne)(?!\w)", re.I)


def _consumable(text: str) -> bool:
    from app.reading.extract.line_quality import _consumables

    return bool(_consumables().search(text))


def _part_noun_start(text: str) -> bool:
    """'... jarrulevyä taakse ja palat': the words after 'and' name another part (description lines only)."""
    first = re.match(r"\s*(?:(?:the|de|het|die|der|den|les|des|la|le)\s+)?([^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*)?)",
                     text, re.I)
    return bool(first and has_part_noun(first.group(1)))  # "air filter", "klosser bak"


def _merge_descriptions(items: list[Item]) -> list[Item]:
    """'Trenger oljefilter til Corolla. Mann W 68/3' is one line: a description-only item followed by a part
    number without its own description."""
    out: list[Item] = []
    for item in items:
        if (out and out[-1].part_number is None and item.part_number and out[-1].source == item.source == "text"
                and (item.description is None or item.brand_only)):
            prev = out.pop()
            item.description = " ".join(x for x in (prev.description, item.description) if x)
            for key, spans in prev.spans.items():
                if key != "quantity" or not item.quantity.explicit:
                    item.spans[key] = sorted(set(item.spans.get(key, [])) | set(spans))
            if not item.quantity.explicit:
                item.quantity = prev.quantity
        out.append(item)
    return out
