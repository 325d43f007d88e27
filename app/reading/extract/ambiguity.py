"""Ambiguity a counter clerk would ring back about, each with a sentence naming it: two vehicles and one set of
parts, a count that may belong to two parts, a count and a set word that disagree, a pointer to the quoted mail
("the same as below but only the pads"), a phone call referred to with nothing concrete. Also drops a summary
sentence ("I need discs and pads for this one:") whose parts the lines after it name again."""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from app.reading.extract.lexicon import common, number_words, part_noun_re, vehicle_names, words
from app.reading import reasons as R
from app.reading.reasons import say

_DATA = Path(__file__).resolve().parent.parent / "lexicons" / "ambiguity.json"


@cache
def _data() -> dict:
    with open(_DATA, encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _rx(key: str) -> re.Pattern:
    return re.compile(rf"(?<!\w)(?:{'|'.join(_data()[key])})", re.I)


@cache
def _set_word() -> re.Pattern:
    return re.compile(rf"(?<![\w])(?:{'|'.join(words('set_words') + words('pair_words'))})(?!\w)", re.I)


def phone_call(text: str) -> bool:
    return bool(_rx("phone_call").search(text))


def _nouns(text: str | None) -> set[str]:
    return {m.group(0).lower()[:6] for m in part_noun_re().finditer(text or "")}


@cache
def _conj(lang: str = "en") -> re.Pattern:
    """The message's own conjunctions (and English ones): Dutch 'en' is 'and', Nordic 'en' is 'a'."""
    return re.compile(rf"\s(?:{'|'.join(words('conjunctions', tuple(sorted({lang, 'en'}))))}|\+|&)\s", re.I)


def _joined_parts(description: str | None, lang: str = "en") -> str | None:
    """'stötdämpare och fjädrar': two part words on either side of a conjunction in one line."""
    if not description:
        return None
    m = _conj(lang).search(description)
    if m and _nouns(description[:m.start()]) and _nouns(description[m.end():]):
        return description
    return None


def _specific(nouns: set[str]) -> set[str]:
    """The part stems that say which part ('kloss', 'skiv'), without the generic 'brems' they share."""
    return {n for n in nouns if n not in _data()["generic_part_stems"]} or nouns


def _same_head(x: str, y: str) -> bool:
    short, long_ = sorted((x, y), key=len)
    stem = short[:max(4, len(short) - 3)]
    k = long_.find(stem)
    return k >= 0 and len(long_) - (k + len(short)) <= 3


def same_part(a, b) -> bool:
    """Two lines that name the same part: the specific stems of one within the other's, no position that the
    other lacks ('bremseskiver bak' is not 'bremseskiver foran')."""
    na, nb = _specific(_nouns(a.description)), _specific(_nouns(b.description))
    if not na or not na <= nb:
        return False
    # 'koelvloeistof' is not 'koelvloeistofslang' (coolant, a coolant hose): a compound's head is its last word;
    # 'beläggen' is 'bromsbelägg' (the same head, inflected)
    wb = [w.lower() for w in re.findall(r"[^\W\d_]+", b.description or "") if part_noun_re().search(w)]
    for w in (w.lower() for w in re.findall(r"[^\W\d_]+", a.description or "") if part_noun_re().search(w)):
        if wb and not any(_same_head(w, v) for v in wb):
            return False
    pos = lambda d: {w.lower() for w in re.findall(r"[^\W\d_]+", d or "")} & _positions()  # noqa: E731
    return pos(a.description) <= pos(b.description)


@cache
def _positions() -> frozenset[str]:
    return frozenset(common("positions"))


def restated_counts(items: list) -> tuple[list, list[str]]:
    """A line without a number that names a part a numbered line already has, with another count ('4 st
    bromsbelägg bak 0 986 494 902' ... 'PS. beläggen bara ett set'): the count is contradicted. The restating
    line is dropped (the numbered line is the literal reading) and the contradiction is returned as a reason.
    After the numbered line and with the same count (or none) it is the same line said again, and dropped."""
    out, reasons = [], []
    for item in items:
        if item.part_number is None and item.source == "text":
            twin = next((i for i in items if i.part_number and i.source == "text" and same_part(item, i)), None)
            if twin is not None and (not item.quantity.explicit or twin.quantity.value == item.quantity.value) \
                    and items.index(twin) < items.index(item):
                continue  # 'Prix vu avec Kévin : HT le jeu de plaquettes': the numbered line said again
            if twin is not None and item.quantity.explicit and twin.quantity.value != item.quantity.value:
                reasons.append(say(R.RESTATED_COUNT, description=twin.description, quantity=twin.quantity.value,
                                   other_quantity=item.quantity.value, words=item.literal.strip()[:60]))
                continue
        out.append(item)
    return out, reasons


def _opens_a_list(item, text: str) -> bool:
    """The line the item was read from ends with a colon ('så vi skal bruge til Caddy'en (CX 91 204):')."""
    spans = item.spans.get("chunk", [])
    if not spans or not text:
        return False
    end = spans[-1][1]
    stop = text.find("\n", end)
    return text[end:stop if stop >= 0 else len(text)].rstrip().endswith(":") or \
        text[:end].rstrip().endswith(":") and (stop < 0 or not text[end:stop].strip())


def drop_summaries(items: list, text: str = "") -> list:
    """A line with only a description, whose part words every one reappear in part-numbered lines after it,
    is a summary of those lines, not a line of its own; so is one read from a sentence that opens the list after
    it with a colon ('Samme kunde vil også have vinterhjul på, så vi skal bruge til Caddy'en:')."""
    out = []
    for n, item in enumerate(items):
        if item.part_number is None and (not item.quantity.explicit or item.quantity.value == 1) and item.source == "text":
            if not item.quantity.explicit and n + 1 < len(items) and _opens_a_list(item, text):
                continue
            nouns = _nouns(item.description)
            later = set().union(*(_nouns(i.description) for i in items[n + 1:] if i.part_number)) if nouns else set()
            if nouns and nouns <= later:
                continue
        out.append(item)
    return out


def _counted_otherwise(before: str, value: int) -> bool:
    """The set word after `before` is counted with a number other than the line's count ('4 stk ... ett sett',
    '2 x ... 1 set'). A set word that is part of the part's name ('wheel bearing kit ... x2', 'Zahnriemensatz')
    or counted with the same number in words ('to sæt', 'zwei Satz') is no contradiction."""
    m = re.search(r"(?<!\w)(\d{1,3}|[^\W\d_]+)\s*$", before)
    if not m:
        return False
    word = m.group(1).lower()
    if word.isdigit():
        return int(word) != value
    count = number_words().get(word)
    return count is not None and count != value


@cache
def _counted_part() -> re.Pattern:
    nums = "|".join(sorted(number_words(), key=len, reverse=True))
    units = "|".join(words("units") + words("set_words") + words("pair_words"))
    return re.compile(rf"(?<![\w.,/-])(\d{{1,3}}|{nums})(?!\w)\s*(?:(?:{units})(?!\w)\s*)?"
                      rf"((?:[^\W\d_][\w-]*\s*){{1,3}})", re.I)


@cache
def _part_counted() -> re.Pattern:
    """A part named, then its count glued or after it: 'stötdämpare bak x2', 'Bremsscheiben 2 Stk'."""
    units = "|".join(words("units"))
    return re.compile(rf"((?:[^\W\d_][\w-]*[ \t]+){{0,2}}[^\W\d_][\w-]*)[ \t]*(?:(?<![^\W\d_])[x×][ \t]?(\d{{1,2}})(?![ \t]?\d)"
                      rf"|(?<=[ \t])(\d{{1,2}})[ \t]?(?:x|{units})\.?)(?!\w)", re.I)


@cache
def _vehicle_before() -> re.Pattern:
    return re.compile(rf"(?<!\w){vehicle_names('makes', 'models')}\s*$", re.I)


def _subject_contradictions(pm, items: list) -> list[str]:
    """'2 sett klosser til Tiguan' in the subject and '1 sett' on the pads' line in the text: which is meant?"""
    subject = pm.evidence_text.split("\n", 1)[0]
    body_from = len(subject) + 1
    out = []
    counted = [(m, m.group(1), m.group(2)) for m in _counted_part().finditer(subject)]
    counted += [(m, m.group(2) or m.group(3), m.group(1)) for m in _part_counted().finditer(subject)]  # "stötdämpare bak x2"
    for m, count, said in counted:
        word = count.lower()
        value = int(word) if word.isdigit() else number_words().get(word)
        named = type("Named", (), {"description": said})
        if not value or not _nouns(said) or _vehicle_before().search(subject[:m.start()]):
            continue  # 'Golf 7 skiver/klosser': a generation, not a count
        glued = m.re is _part_counted() and m.group(2) and subject[m.start(2) - 1:m.start(2)] == "X"
        if glued and re.search(rf"(?<![\w-])X\s?{m.group(2)}(?!\w)", pm.evidence_text[body_from:]):
            continue  # 'Anlasser X5' above 'BMW X5 xDrive30d': the model, not five starters
        for n, item in enumerate(items, 1):
            spans = item.spans.get("chunk") or item.spans.get("line") or []
            if (item.source == "text" and spans and spans[0][0] >= body_from and same_part(named, item)
                    and item.quantity.value != value):
                out.append(say(R.SUBJECT_COUNT, words=m.group(0).strip(), n=n, quantity=item.quantity.value))
                break
    return out


@cache
def _vehicle_name() -> re.Pattern:
    return re.compile(rf"(?<!\w){vehicle_names('makes', 'models')}(?!\w)", re.I)


def _head(description: str | None) -> str:
    """A description up to the vehicle it names ('jouset Toyota Corolla 1.8 Hybrid 2020' -> 'jouset')."""
    m = _vehicle_name().search(description or "")
    return (description or "")[:m.start()] if m else (description or "")


@cache
def _either_after() -> re.Pattern:
    """Right after a part number: '... 301 F eller G', '... 301 F/G?', '... 301 or G' (a suffix letter in doubt)."""
    ors = "|".join(words("or_words"))
    return re.compile(rf"^(?:[ \t]*[A-Z]{{1,2}})?[ \t]*(?:(?:{ors})[ \t]+|/[ \t]*)[A-Z]{{1,2}}(?![\w/-])")  # not across lines


@cache
def _either_word() -> re.Pattern:
    return re.compile(rf"(?<!\w)(?:{'|'.join(words('either_words'))})(?!\w)", re.I)


@cache
def _or_word() -> re.Pattern:
    return re.compile(rf"(?<!\w)(?:{'|'.join(words('or_words'))})(?!\w)", re.I)


def _either_or(text: str, items: list) -> list[str]:
    """An either/or between part numbers or their suffixes ('5Q0 615 301 F eller G', 'F/G?', 'enten ... eller')
    that the lines do not already carry as an alternative: which one is wanted is a question for the workshop."""
    out = []
    for n, item in enumerate(items, 1):
        spans = item.spans.get("part_number") or []
        if item.source != "text" or not spans or item.alternative:
            continue
        end = spans[-1][1]
        m = _either_after().match(text[end:end + 24])
        ls = max(text.rfind(c, 0, spans[0][0]) for c in ".!?\n") + 1
        le = min((i for i in (text.find(c, end) for c in ".!?\n") if i >= 0), default=len(text))
        either = _either_word().search(text[ls:spans[0][0]]) and _or_word().search(text[end:le])
        if m or either:
            said = (text[spans[0][0]:end] + m.group(0)) if m else text[ls:le].strip()
            out.append(say(R.EITHER_OR, n=n, words=said.strip()[:70]))
    return out


@cache
def _second_item() -> re.Pattern:
    """A second item after '+' or a conjunction, counted by an article or a number ('+ a CSC', 'og en
    slavesylinder', 'und ein Ausrücklager'), or an all-capitals short name ('+ CSC')."""
    nums = "|".join(sorted(number_words(), key=len, reverse=True))
    conj = "|".join(words("conjunctions"))
    arts = r"a|an|one|en|ett|et|ein|eine|einen|un|une|een|yksi|\d{1,2}\s*(?:x|stk|st|kpl|pcs)?"
    return re.compile(rf"(?:\s\+\s*|\s(?:{conj})\s+)(?:(?:{arts}|{nums})\s+(?-i:[^\W\d_])[\w-]+|(?-i:[A-Z]{{2,5}})(?!\w))",
                      re.I)


def _two_on_one_line(items: list) -> list[str]:
    """'LuK clutch kit 620 3338 00 + a CSC': a part numbered line whose description goes on to a second item
    with no number of its own reads as one line; say so rather than send one part."""
    out = []
    for n, item in enumerate(items, 1):
        if item.source == "text" and item.part_number and item.description:
            m = _second_item().search(" " + item.description)
            if m:
                out.append(say(R.TWO_ON_ONE_LINE, n=n, description=item.description[:70], words=m.group(0).strip(' +')))
    return out


@cache
def _undecided() -> re.Pattern:
    """Two counts joined by 'or' ('två eller fyra st', '2 eller 4', '4 Stück, oder doch sechs?'), a unit or a
    hedge ('doch', 'kanskje', 'maybe') allowed between: the workshop has not decided how many."""
    num = "|".join([r"\d{1,2}"] + sorted((re.escape(w) for w in number_words()), key=len, reverse=True))
    units = "|".join(words("units") + ("x", "pcs"))
    ors = "|".join(words("or_words"))
    hedges = "|".join(sorted(_data()["undecided_hedges"], key=len, reverse=True))
    # ('zwei Stück - oder vier?': a dash before the 'or')
    return re.compile(rf"(?<![\w.,/-])(?:{num})(?:\s*(?:{units})\.?)?\s*[,;–—-]?\s+(?:{ors})\s+(?:(?:{hedges})\s+)*"
                      rf"(?:{num})(?![\w/-]|[.,]\d)", re.I)  # ('1 eller 2, jag hör av mig': a comma after is no decimal)


def _undecided_count(text: str, items: list) -> list[str]:
    if not items:
        return []
    m = _undecided().search(text)
    return [say(R.COUNT_OPEN, words=m.group(0).strip())] if m else []


def _each_car_heads_its_lines(pm, items: list, heads: list[tuple[int, int]] | None) -> bool:
    """Each plate heads its car's lines: on a line of its own or before them on its line ('EB 23817 – T6' / two lines /
    'EB 40562 – T6' / two lines; 'Octavia ZT 55871: 2 stk fjærer ...' / 'Focus RJ 30277: 1 stk lyddemper ...'), no line
    read before the first plate and every plate with lines of its own before the next: which parts are for which car
    is written, nothing to ask."""
    if not heads or len(heads) < 2 or not items:
        return False
    text = pm.evidence_text
    starts = []
    for item in items:
        spans = [sp for k in ("part_number", "quantity", "description") for sp in item.spans.get(k, [])] or \
            item.spans.get("chunk") or item.spans.get("line") or []
        if item.source != "text" or not spans:
            return False
        starts.append(min(s for s, _ in spans))
    line_starts = [text.rfind("\n", 0, s) + 1 for s, _ in heads]
    if any(ls <= x < s for ls, (s, _) in zip(line_starts, heads) for x in starts):
        return False  # a line read before its plate on the plate's own line
    bounds = line_starts + [len(text) + 1]
    if min(starts) < bounds[0]:
        return False
    return all(any(a <= x < b for x in starts) for a, b in zip(bounds, bounds[1:]))


@cache
def _both_vehicles() -> re.Pattern:
    return re.compile(rf"(?<!\w)(?:{'|'.join(_data()['both_vehicles'])})(?!\w)", re.I)


def reasons(pm, items: list, text: str, lang: str, *, plates: list[str], vins: list[str],
            plate_spans: list[tuple[int, int]] | None = None) -> list[str]:
    out: list[str] = _either_or(pm.evidence_text, items) + _two_on_one_line(items) + _undecided_count(text, items)
    vehicles = list(dict.fromkeys(re.sub(r"[\s-]", "", p).upper() for p in plates))
    vins = list(dict.fromkeys(v.upper() for v in vins))
    if (len(vehicles) > 1 or len(vins) > 1) and not (len(vins) <= 1 and plate_spans
                                                     and len(plate_spans) == len(vehicles)
                                                     and _each_car_heads_its_lines(pm, items, plate_spans)):
        named = ", ".join((vehicles if len(vehicles) > 1 else vins)[:3])
        out.append(say(R.VEHICLES, vehicles=named))
    elif len(vehicles) <= 1 and items and (both := _both_vehicles().search(text)):
        # 'bromsbelägg fram till båda Caddy-bilarna': one set written for two cars, one plate or none
        out.append(say(R.VEHICLES, vehicles=both.group(0)))
    for n, (a, b) in enumerate(zip(items, items[1:]), 1):
        ca, cb = a.spans.get("chunk", []), b.spans.get("chunk", [])
        if (a.source != "text" or b.source != "text" or not ca or not cb or a.part_number or b.part_number
                or a.quantity.value <= 1 or not a.quantity.explicit or b.quantity.explicit
                or len(_head(b.description).split()) > 3):
            continue
        between = pm.evidence_text[ca[-1][1]:cb[0][0]]
        if len(between) <= 8 and "\n" not in between and not re.search(r"\d", _head(b.description)):
            qty = pm.evidence_text[slice(*a.spans["quantity"][0])] if a.spans.get("quantity") else str(a.quantity.value)
            out.append(say(R.SHARED_COUNT, count=qty.strip(), n=n, next_n=n + 1, description=b.description))
    for n, item in enumerate(items, 1):
        joined = _joined_parts(item.description, lang)
        if joined and item.quantity.explicit and item.quantity.value > 1:
            out.append(say(R.TWO_PARTS_ONE_COUNT, n=n, parts=joined, quantity=item.quantity.value))
    for n, item in enumerate(items, 1):
        if item.source != "text" or not item.quantity.explicit or item.quantity.value == 1:
            continue
        spans = item.spans.get("chunk", [])
        if not spans:
            continue
        ls = pm.evidence_text.rfind("\n", 0, spans[0][0]) + 1
        le = pm.evidence_text.find("\n", spans[-1][1])
        chunk = pm.evidence_text[ls:le if le >= 0 else len(pm.evidence_text)]
        if sum(1 for i in items if i.spans.get("chunk") and ls <= i.spans["chunk"][0][0] < (le if le >= 0 else 10**9)) > 1:
            chunk = "".join(pm.evidence_text[s:e] for s, e in spans)  # several lines on one text line: its own chunk
        sets = [m for m in _set_word().finditer(chunk) if _counted_otherwise(chunk[:m.start()], item.quantity.value)]
        if sets:
            out.append(say(R.SET_OR_PIECES, n=n, quantity=item.quantity.value, words=sets[0].group(0)))
    out += _subject_contradictions(pm, items)
    m = _rx("below_partial").search(text)
    if m and re.search(r"(?i)(?:nedenfor|under|nedan|below|unten|hieronder|ci-dessous|mail|e-?post)", m.group(0)):
        out.append(say(R.EARLIER_MAIL, words=m.group(0).strip()))
    if _rx("phone_call").search(text) and not any(i.part_number for i in items):
        out.append(say(R.PHONE_CALL, words=_rx('phone_call').search(text).group(0)))
    return out
