"""How well each order line, and the reading as a whole, is explained: the evidence of app.reading.extract.confidence
beyond the token accounting. A sentence read as a line carries words that are not parts vocabulary; two lines read
from one stretch of text, a dangling letter or comma, a number word left in a description, a line-shaped text line
that no line was read from, a brand named beside a number that has another brand's shape: each is a sign of a
reading gone wrong, which the fitted weights turn into odds. Vocabulary and brand formats are data
(lexicons/line_vocabulary.json, lexicons/part_grammar.json)."""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from app.reading.extract.lexicon import ENGINE_BY_SIZE, common, has_part_noun, number_words, part_noun_re, trie_alternation
from app.reading import reasons as R
from app.reading.reasons import say

_DIR = Path(__file__).resolve().parent.parent / "lexicons"
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_BULLET_LINE = re.compile(r"^\s*(?:[-*•·–]\s+|\d{1,3}\s?(?:x|stk|st|pcs|kpl|stück)?\.?\s+[^\W\d_]|x\s?\d)", re.I)
_CELLS = re.compile(r"\S(?:\s{2,}|\t|\s*\|\s*)\S")
_JUNK = re.compile(r"(?:^|\s)[^\W\d_](?:\.|$)|\s[,;:]|[,;:(–-]\s*$|^\s*[,;:)]")
_REF_TAIL = re.compile(r"[ \t]*[/-]?[ \t]*[^\W\d_]{2,}")
# roles that explain a token without making it part of a line
_ASIDE = frozenset({"measure", "address", "reference", "date_time", "model_code", "price"})


@cache
def _vocab() -> dict:
    with open(_DIR / "line_vocabulary.json", encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _known_words() -> frozenset[str]:
    out = {w.lower() for w in _vocab()["position_words"]}
    for key in ("brands", "makes", "models", "consumables"):
        out |= {w.lower() for w in common(key) if re.fullmatch(r"[^\W\d_]+", w)}
    return frozenset(out)


@cache
def _names() -> frozenset[str]:
    return frozenset(w.lower() for key in ("brands", "consumables") for w in common(key))


@cache
def _formats() -> dict[str, str]:
    with open(_DIR / "part_grammar.json", encoding="utf-8") as fh:
        return json.load(fh)["formats"]


@cache
def _brand_format(brand: str) -> re.Pattern | None:
    """The shapes of `brand`'s numbers (lower case), or None for a word that is not a brand with known shapes."""
    keys = _vocab()["brand_formats"].get(brand)
    return re.compile("|".join(f"(?:{_formats()[k]})" for k in keys if k in _formats()), re.I) if keys else None


@cache
def _total_words() -> re.Pattern:
    return re.compile(rf"(?<!\w)(?:{'|'.join(common('total_words'))})(?!\w)", re.I)


@cache
def _fulfilment_stems() -> re.Pattern:
    return re.compile(rf"(?<![^\W\d_])(?:{'|'.join(re.escape(w) for w in _vocab()['fulfilment_stems'])})", re.I)


@cache
def _count_words() -> frozenset[str]:
    return frozenset(w.lower() for w, v in number_words().items() if v >= 2)


def foreign_words(description: str | None) -> int:
    """Words of a description that are not parts vocabulary (part nouns, brands, makes, positions, units)."""
    known = _known_words()
    brands = _names()
    count, after_brand = 0, 0
    for w in _WORD.findall(description or ""):
        if w.lower() in brands:
            after_brand = 2
            continue
        # 'Varta Silver Dynamic', 'Castrol Syntrans', 'LuK RepSet': the brand's product line, named with a capital;
        # 'DMF', 'LED', 'AGM': an abbreviation of the trade
        line_name = after_brand > 0 and w[:1].isupper()
        after_brand = after_brand - 1 if line_name else 0
        if (len(w) > 2 and w.lower() not in known and not part_noun_re().search(w) and not line_name
                and not re.fullmatch(r"[A-ZÄÖÜ]{2,5}", w)):
            count += 1
    return count


@cache
def _sentence_words() -> frozenset[str]:
    return frozenset(w.lower() for w in _vocab().get("sentence_words", []))


def sentence_like(description: str | None) -> bool:
    """A description that reads as a sentence about the job, not a part: two pronouns, auxiliaries or words for
    the customer and the car, or one of them in eight words or more."""
    ws = [w.lower() for w in _WORD.findall(description or "")]
    hits = sum(w in _sentence_words() for w in ws)
    return hits >= 2 or hits >= 1 and len(ws) >= 8


@cache
def _consumables() -> re.Pattern:
    alts = trie_alternation({w.lower() for w in common("consumables") if len(w) >= 4})
    return re.compile(rf"(?<![^\W\d_])(?:{alts})", re.I)


@cache
def _own_count_words(lang: str) -> frozenset[str]:
    from app.reading.extract.lexicon import lexicon

    return frozenset(w.lower() for w, v in lexicon(lang).get("number_words", {}).items() if v >= 2)


def _aside_line(line: str) -> bool:
    """A price, an address or a company name on the line: the terms or the signature, not a part asked for."""
    from app.reading.extract.accounting import recognise

    return any(c.role in ("price", "address") for c in recognise(line)) or bool(_company().search(line))


@cache
def _company() -> re.Pattern:
    """A company suffix written as companies write it: 'AB', 'AS', 'Oy', 'GmbH' (not the word 'as')."""
    alts = "|".join(common("company_suffixes"))
    return re.compile(rf"(?<![\w&])(?:(?i:gmbh|ltd\.?|limited|plc|sarl|oyj)|(?:{alts.upper()})|Oy|Ky|ApS)(?!\w)")


def names_a_part(line: str) -> bool:
    """A part noun of four letters or more in `line`: the short stems ("rem", "hub") also match inside names and
    names ("Huber"), which measured as noise for an uncovered line. An engine named by its size ('Astra K 1.4
    Turbo') names no part."""
    return any(len(m.group()) >= 4 for m in part_noun_re().finditer(ENGINE_BY_SIZE.sub(" ", line)))


@cache
def _greeting() -> re.Pattern:
    return re.compile(rf"^\s*(?:{'|'.join(common('greetings'))})(?!\w)", re.I)


def _greeting_line(line: str) -> bool:
    """'Hallo Flensburg,': a greeting and whom it greets ('lens' in a town's name is no part)."""
    return bool(_greeting().match(line)) and len(_WORD.findall(line)) <= 4


@cache
def _self_supplied() -> re.Pattern:
    """What the workshop has itself, does not need, takes later or sends back (line_vocabulary.json)."""
    return re.compile(rf"(?<!\w)(?:{'|'.join(_vocab()['self_supplied'])})(?!\w)", re.I)


def not_wanted(text: str | None) -> bool:
    """'L'ancien volant moteur sera rendu en consigne.', 'Olje har vi selv': the part named goes back, is for later,
    or is the workshop's own."""
    return bool(text and _self_supplied().search(text))


def _spans(item) -> list[tuple[int, int]]:
    return [tuple(s) for s in item.spans.get("chunk", []) + item.spans.get("line", [])]


def _text_lines(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line), line
        pos += len(line) + 1


_CONTACT_LINE = re.compile(r"\s*(?:tlf|tel|telefon|phone|puh|puhelin|mob|mobil|mobile|gsm|fax|t|m|p)\.?\s*[:.]?\s*\+?\d"
                           r"|.*@[\w-]+\.|\s*www\.", re.I)


def missed_lines(text: str, items) -> list[str]:
    """Short text lines of the new text (not the subject) that name a part or a consumable, hold no verb or pronoun
    of a sentence, are no question or heading, hold no price, address or company name, and that no line was read
    from, while other lines were read from the text: a description-only line (oil, bulbs) missed beside the
    numbered ones."""
    if not any(i.source == "text" and _spans(i) for i in items):
        return []
    from app.reading.extract.quotes import strip_signature

    covered = [sp for i in items for sp in _spans(i)]
    body, signature = strip_signature(text)
    signed = len(body) if signature else len(text)  # 'Med hilsen / Linn Aasen, delelager': a title, not a part
    out = []
    lines = list(_text_lines(text))
    for k, (s, e, line) in enumerate(lines):
        following = next((l for _s, _e, l in lines[k + 1:] if l.strip()), "")
        if _CONTACT_LINE.match(following):
            continue  # 'Linn' / 'Berg Bil og Dekk' / 'Tlf 55 20 33 41': the sender's firm, above its phone number
        if (s == 0 or s >= signed or not line.strip() or any(a < e and s < b for a, b in covered)
                or _total_words().search(line)
                or len(_WORD.findall(line)) > 7 or not (names_a_part(line) or _consumables().search(line))
                or any(w.lower() in _sentence_words() for w in _WORD.findall(line))  # 'Bremsene er slitt'
                or line.rstrip().endswith(("?", ":")) or _aside_line(line) or not_wanted(line)
                or _greeting_line(line)):
            continue
        out.append(line.strip())
    return out


def sentences_among_numbered(items) -> list[int]:
    """The lines (1-based) without a part number whose description is a sentence, in a reading whose other lines
    all carry one: a sentence about the job read as a line beside the real ones."""
    numbered = [i for i in items if i.part_number]
    if len(numbered) < 2:
        return []
    return [n for n, i in enumerate(items, 1) if not i.part_number and sentence_like(i.description)]


@cache
def _brand_shapes() -> re.Pattern:
    generic = ("code", "oe_dashes", "oe_dots", "febi", "textar")  # a bare number or a dashed code could be anything
    return re.compile("|".join(f"(?:{v})" for k, v in _formats().items() if k not in generic), re.I)


def names_anything(description: str) -> bool:
    """A part noun, a consumable, a brand or a consumable's name in the description."""
    return bool(has_part_noun(description) or _consumables().search(description)
                or any(w.lower() in _names() for w in _WORD.findall(description)))


def odd_line(part_number: str, description: str) -> bool:
    """A description that names no part, brand or consumable beside a number that fits no brand's format."""
    return not names_anything(description) and not _brand_shapes().fullmatch(part_number.strip())


def doubts(pm, items) -> list[str]:
    """Written review reasons for readings whose shape says a line was missed or made up."""
    out = [say(R.MISSED_LINE, words=line[:80])
           for line in missed_lines(pm.evidence_text, items)[:2]]
    out += [say(R.SENTENCE_LINE, n=n, description=(items[n - 1].description or '')[:80]) for n in sentences_among_numbered(items)]
    # a word that may say how the parts go ('Kör ut det', 'je passe les prendre') where neither way was read: the
    # lexicons name the common ways, and a clerk rings back about the rest rather than guess
    stem = _fulfilment_stems().search(pm.evidence_text or "") if getattr(pm, "fulfilment", "") is None else None
    if stem:
        said = re.match(r"\S*(?:[ \t]+\S+){0,3}", pm.evidence_text[stem.start():]).group(0)
        out.append(say(R.FULFILMENT_UNREAD, words=said[:60]))
    # a number of no brand's shape on a line whose words name no part ('11-turen med bilen', 'DR 73 115 har')
    for n, item in enumerate(items, 1):
        if item.part_number and item.description and odd_line(item.part_number, item.description):
            out.append(say(R.ODD_NUMBER, n=n, part_number=item.part_number, description=item.description[:60]))
    # neither a number nor a word naming a part ('Bifogar lis' read from the sentence about an attachment)
    for n, item in enumerate(items, 1):
        if not item.part_number and not names_anything(item.description or ""):
            out.append(say(R.NAMES_NOTHING, n=n, description=(item.description or '')[:80]))
    # a number word of the message's language left in a description ('kjølevæske ..., to flasker'): a count not read
    counts = _own_count_words(pm.language or "en")
    for n, item in enumerate(items, 1):
        word = next((w for w in _WORD.findall(item.description or "") if w.lower() in counts), None)
        if word:
            out.append(say(R.COUNT_WORD_LEFT, n=n, description=(item.description or '')[:80], word=word,
                           quantity=item.quantity.value))
        elif count_left(item.description):
            out.append(say(R.COUNT_LEFT, n=n, description=(item.description or '')[:80],
                           count=count_left(item.description), quantity=item.quantity.value))
    return out


@cache
def _count_units() -> frozenset[str]:
    return frozenset(w.lower() for w in _vocab().get("count_units", []))


@cache
def _each() -> re.Pattern:
    alts = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_vocab().get("each_words", []), key=len,
                                                                         reverse=True))
    return re.compile(rf"(?<![^\W\d_])(?:{alts})(?![^\W\d_])", re.I)


def count_left(description: str | None) -> str | None:
    """A count unit ('kpl', 'stk', 'Stück', 'pcs') or a word applying a count to each item ('kumpaakin', 'av
    varje', 'of each') left in a description: a count the line's quantity was not read from."""
    m = _each().search(description or "")
    if m:
        return m.group(0)
    return next((w for w in _WORD.findall(description or "") if w.lower() in _count_units()), None)


def quality(pm, items, books) -> dict[str, float]:
    """The line and reading quality features (each roughly 0 to 1, counts capped), for confidence.features."""
    text = pm.evidence_text
    text_items = [i for i in items if i.source == "text" and _spans(i)]
    pns = [i for i in items if i.part_number]
    # several lines read from one stretch of text, or from one text line
    owners: dict[tuple[int, int], int] = {}
    rows: dict[int, int] = {}
    for i in text_items:
        for sp in _spans(i):
            owners[sp] = owners.get(sp, 0) + 1
        row = text.rfind("\n", 0, _spans(i)[0][0])
        rows[row] = rows.get(row, 0) + 1
    shared = sum(1 for i in text_items if any(owners[sp] > 1 for sp in _spans(i)))
    crowded = sum(v - 1 for v in rows.values() if v > 1)
    # a brand named beside a number: does the number have that brand's shape?
    brand_ok = 0
    for i in pns:
        shapes = [_brand_format(w.lower()) for w in _WORD.findall(f"{i.description or ''} {i.literal or ''}")]
        brand_ok += any(rx.fullmatch(i.part_number.strip()) for rx in shapes if rx)
    # text lines shaped like order lines (a bullet, a count first, table cells) that no line was read from
    covered = [sp for i in items for sp in _spans(i)]
    listy_unread = 0
    if text_items:
        for s, e, line in _text_lines(text):
            if not line.strip() or any(a < e and s < b for a, b in covered) or _total_words().search(line):
                continue
            # a table's header ('Osanumero   Nimike   Kpl   Hinta EUR (alv 0 %)') has no digit outside its brackets
            listy_unread += bool(_BULLET_LINE.search(line) or _CELLS.search(line)
                                 and re.search(r"\d", re.sub(r"\([^()]*\)", " ", line)))
    missed_line = len(missed_lines(text, items))
    # the workshop's reference with words after it on its line ("Kommission: 25-1187 Krüger")
    ref_tail = 0.0
    plates = pm.evidence.get("plate", []) + pm.evidence.get("vin", [])
    for _s, e in pm.evidence.get("customer_reference", [])[:1]:
        tail = _REF_TAIL.match(text, e)
        # 'arb.ordre 8812 / CF 18233 Octavia': the car's plate after the reference is no word left in it
        ref_tail = float(bool(tail) and not any(a < tail.end() and tail.start() < b for a, b in plates))
    weak = sum(1 for t in books.tokens if t.roles and t.roles <= _ASIDE)
    return {
        "foreign_lines": float(min(sum(foreign_words(i.description) >= 2 for i in items), 3)),
        "shared_chunk": float(min(shared, 3)),
        "crowded_line": float(min(crowded, 3)),
        "desc_junk": float(min(sum(bool(_JUNK.search(i.description or "")) for i in items), 3)),
        "brand_ok_frac": brand_ok / len(pns) if pns else 0.0,
        "listy_unread": float(min(listy_unread, 3)),
        "missed_line": float(min(missed_line, 2)),
        # a sentence about the job read as an order line
        "desc_sentence": float(min(sum(sentence_like(i.description) for i in items), 2)),
        "sentence_among_numbered": float(bool(sentences_among_numbered(items))),
        "weak_tokens": min(weak, 6) / 6,
        "fulfilment_none": float(pm.fulfilment is None),
        # a word that may say how the parts go, in a message where no fulfilment was read
        "fulfilment_unread": float(pm.fulfilment is None and bool(_fulfilment_stems().search(text))),
        # a number word left in a description ("zwei Verschleißanzeiger"): a count not read
        "desc_numword": float(min(sum(any(w.lower() in _count_words() for w in _WORD.findall(i.description or ""))
                                      or bool(count_left(i.description)) for i in items), 2)),
        # a description that names no part, brand or consumable ("bak", "constructeur")
        "desc_no_noun": float(min(sum(1 for i in items if i.description and not has_part_noun(i.description)
                                      and not any(w.lower() in _names() for w in _WORD.findall(i.description))), 3)),
        "desc_none": float(min(sum(1 for i in items if not i.description), 3)),
        "ref_tail": ref_tail,
        # a part number with a run of blanks inside has been read across something masked out of it
        "pn_gap": float(min(sum(bool(re.search(r"\S\s{3,}\S", i.part_number)) for i in pns), 2)),
    }
