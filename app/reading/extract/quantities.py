"""How many: `2 stk`, `2x`, `x2`, `qty 2`, number words, sets and pairs. Sizes, volumes, prices, dates,
times and model codes are never quantities. Undecided counts ("2 or 4", "2-4") are reported, not guessed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from app.reading.extract.lexicon import LANGUAGES, common, lexicon, words

MAX_QUANTITY = 999


@dataclass
class Quantity:
    value: int
    spans: list[tuple[int, int]]
    explicit: bool          # written by the sender (not the default 1)
    undecided: str | None   # the literal text when the sender did not decide ("2 or 4")


@cache
def _units() -> str:
    return "|".join(words("units"))


@cache
def _sets() -> str:
    return "|".join(words("set_words") + words("pair_words"))


@cache
def _size_units() -> str:
    return "|".join(common("size_units"))


@cache
def _or_words() -> str:
    return "|".join(words("or_words"))


@cache
def _res() -> dict[str, re.Pattern]:
    u, s, su = _units(), _sets(), _size_units()
    n = r"(?<![\w.,/:+-])(\d{1,3})(?![.,:/]\d)"
    return {
        "unit": re.compile(rf"{n}\s*(?:{u})(?!\w)(?:\s+(?:{s})(?!\w))?", re.I),
        "times_before": re.compile(rf"{n}\s?[x×](?![\w-])", re.I),
        "times_after": re.compile(r"(?<![\w-])[x×]\s?(\d{1,3})(?!\w|[.,]\d)", re.I),
        "label": re.compile(r"(?<!\w)(?:qty|quantity|antall|antal|anzahl|menge|määrä|aantal|quantité|qté|mengde"
                            r"|ant|anz|kpl)\.?\s*+[:=]?\s*+(\d{1,3})(?![\w.,])", re.I),
        "set_n": re.compile(rf"{n}\s*(?:{s})(?!\w)", re.I),  # '2 sett', '1sett' glued as in a text message
        "unit_after_set": re.compile(rf"(?<!\w)(?:{s})(?!\w)", re.I),
        "set": re.compile(rf"(?<!\w)(?:{s})(?!\w)", re.I),
        "paren": re.compile(r"\((\d{1,3})\s*(?:stk|st|kpl|pcs|x)?\.?\)", re.I),
        "undecided": re.compile(
            rf"(?<![\w.,/:-])(\d{{1,3}})\s*(?:-|–|/|(?:{_or_words()}))\s*(\d{{1,3}})(?![\w.,/:])(?!\s?(?:{su})(?!\w))"
            rf"(?=\s*(?:(?:{u})(?!\w)|[x×]\s|[^\W\d_]{{3,}}|$))", re.I),
        "size": re.compile(rf"(\d+(?:[.,]\d+)?)\s?(?:{su})(?!\w)", re.I),
        "bare": re.compile(rf"{n}\s+(?=[^\W\d_])", re.I),
    }


@cache
def _number_words(lang: str) -> tuple[dict[str, int], re.Pattern | None]:
    table = dict(lexicon(lang).get("number_words", {}))
    if not table:
        return {}, None
    alts = "|".join(re.escape(w) for w in sorted(table, key=len, reverse=True))
    return table, re.compile(rf"(?<!\w)({alts})(?!\w)", re.I)


@cache
def _time_word() -> re.Pattern:
    return re.compile(rf"(?<!\w)(?:{'|'.join(common('time_words'))})\s*$", re.I)


@cache
def _currency() -> str:
    return "|".join(common("currency"))


def _blocked(text: str, start: int, end: int) -> bool:
    """A number that is a time, a price or a size, by what stands around it."""
    before = text[max(0, start - 12):start]
    after = text[end:end + 12]
    if _time_word().search(before):
        return True
    if re.match(rf"\s?(?:{_currency()})(?!\w)", after, re.I) or re.search(rf"(?:{_currency()})\s?$", before, re.I):
        return True
    if re.match(rf"\s?(?:{_size_units()})(?!\w)", after, re.I):
        return True
    return False


def _counts_vehicles(text: str, start: int, end: int) -> bool:
    """A count of cars, not of parts: the count stands right before a make or model and no part is named in the rest
    of that clause ('filterservice på 6 stk Transporter T6.1 og 2 stk Crafter', 'for our 3 Sprinters'). Not a count
    after the part ('HU 7008 z 1kpl Audi A4': the part number is blanked here) nor a part's brand ('3 stk Mann')."""
    from app.reading.extract.lexicon import brands_lower, part_noun_re
    from app.reading.extract.vehicle import vehicle_name_at

    before = text[max(0, start - 30):start]
    if re.search(r"\s{3,}$", before) or re.search(r"[^\W\d_]+\s*$", before) and _names_part_just_before(before):
        return False
    after = text[end:end + 80]
    m = re.match(rf"\s*(?:(?:{_units()})\.?\s+)?", after, re.I)
    rest = after[m.end():]
    width = vehicle_name_at(rest)
    if not width or rest[:width].lower() in brands_lower():
        return False
    clause = re.split(r"[,.;:!?\n]|\s(?:og|och|and|und|et|en|ja|eller|or|oder|ou|of)\s|\s[-–]\s", rest[width:], maxsplit=1)[0]
    return not part_noun_re().search(clause)


def _names_part_just_before(before: str) -> bool:
    """The word right before a count names a part ('bremseskiver 2 stk Golf')."""
    from app.reading.extract.lexicon import part_noun_re

    last = re.search(r"([^\W\d_]+)\s*$", before)
    return bool(last and part_noun_re().search(last.group(1)))


def find_quantity(text: str, lang: str, *, part_noun_after=None) -> Quantity:
    """The quantity written in one order chunk (masked text: part numbers and plates blanked out)."""
    r = _res()
    und = r["undecided"].search(text)
    if und and re.match(r"\s?(?:z?r|-)\s?\d{2}(?!\d)", text[und.end():und.end() + 6], re.I) or \
            und and re.match(r"\d{3}/\d{2}", und.group(0).strip()):
        und = None  # 205/55 R16: a tyre size
    if und and not _blocked(text, und.start(), und.end()) and und.group(1) != und.group(2):
        return Quantity(int(und.group(1)), [und.span()], True, und.group(0).strip())
    found: list[tuple[int, tuple[int, int]]] = []
    for key in ("unit", "times_before", "times_after", "label", "set_n", "paren"):
        for m in r[key].finditer(text):
            if not _blocked(text, m.start(1), m.end(1)):
                found.append((int(m.group(1)), m.span()))
        if found:
            break
    if not found:
        table, nw = _number_words(lang)
        if nw is not None:
            for m in nw.finditer(text):
                after = text[m.end():m.end() + 40]
                unit = re.match(rf"\s+(?:{_units()}|{_sets()})(?!\w)", after, re.I)
                if unit or (part_noun_after is not None and part_noun_after(after[:25])):
                    found.append((table[m.group(1).lower()], (m.start(), m.end() + (unit.end() if unit else 0))))
                    break
    if not found:
        for m in r["bare"].finditer(text):
            after = text[m.end():m.end() + 40]
            if _blocked(text, m.start(1), m.end(1)):
                continue
            if part_noun_after is not None and not part_noun_after(after):
                continue
            found.append((int(m.group(1)), m.span()))
            break
    found = [(v, s) for v, s in found if 0 < v <= MAX_QUANTITY and not _counts_vehicles(text, s[0], s[1])]
    if found:
        values = {v for v, _ in found}
        if len(values) > 1:
            literal = " / ".join(text[s:e].strip() for _, (s, e) in found)
            return Quantity(found[0][0], [s for _, s in found], True, literal)
        return Quantity(found[0][0], [s for _, s in found], True, None)
    m = r["set"].search(text)
    if m:
        return Quantity(1, [m.span()], True, None)
    return Quantity(1, [], False, None)


def all_languages() -> tuple[str, ...]:
    return LANGUAGES
