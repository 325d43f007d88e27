"""Vehicle identity: VIN (17 characters, check digit only a soft signal via vininfo) and number plates of
no/sv/da/fi/de/uk/fr/nl/be. Nordic plates look like filter codes (AZ 47 905 vs CU 26 010), so those
need context: a label (reg., kenteken ...), a make or model just before, a vehicle preposition, the subject,
or the country of the sender."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from app.reading.extract.lexicon import common, pattern, vehicle_names

_VIN = re.compile(r"(?<![A-Za-z0-9])([A-HJ-NPR-Z0-9]{17})(?![A-Za-z0-9])")

# Plate shapes by country; "strong" shapes are distinctive enough to be taken without context.
_SHAPES: dict[str, tuple[str, bool]] = {
    "fr": (r"[A-Z]{2}-\d{3}-[A-Z]{2}|[A-Z]{2} \d{3} [A-Z]{2}", True),
    "be": (r"\d-[A-Z]{3}-\d{3}", True),
    "uk": (r"[A-Z]{2}\d{2} ?[A-Z]{3}|[A-Z]{3} ?\d{1,3}[A-Z]", True),  # current, and the old suffix ('NOJ 412M')
    "de": (r"[A-ZÄÖÜ]{1,3}-[A-Z]{1,2} ?\d{1,4}[EH]?|[A-ZÄÖÜ]{1,3} [A-Z]{1,2} \d{1,4}[EH]?", True),
    "nl": (r"(?:[A-Z]{2}|\d{2}|[A-Z]{3}|\d{1,3}|[A-Z])-(?:[A-Z]{2,3}|\d{2,3})-(?:[A-Z]{1,2}|\d{1,3})", True),
    "fi": (r"[A-ZÅÄÖ]{2,3}-\d{1,3}", False),
    "da": (r"[A-Z]{2} ?\d{2} ?\d{3}", False),
    "no": (r"[A-Z]{2} ?\d{5}|[A-Z]{2} ?\d{2} ?\d{3}", False),
    "sv": (r"[A-Z]{3} ?\d{2}[A-Z0-9]", False),
    "pl": (r"[A-Z]{2,3} ?\d[A-Z0-9]{3,4}", False),  # a Polish plate, taken only after a plate label
    "no_mc": (r"[A-Z]{2} ?\d{4}", False),  # a Norwegian motorcycle's or trailer's, right after the vehicle or a label
}
_LANG_COUNTRY = {"no": "no", "sv": "sv", "da": "da", "fi": "fi", "de": "de", "en": "uk", "fr": "fr", "nl": "nl"}


@dataclass
class Found:
    value: str
    start: int
    end: int


def find_vin(text: str) -> Found | None:
    """The first 17-character VIN-shaped token with letters and digits."""
    for m in _VIN.finditer(text.upper()):
        v = m.group(1)
        if sum(c.isdigit() for c in v) >= 3 and sum(c.isalpha() for c in v) >= 2:
            return Found(text[m.start(1):m.end(1)], m.start(1), m.end(1))
    return None


def vin_checks_out(vin: str) -> bool:
    """Soft signal only: many European VINs carry no check digit."""
    try:
        from vininfo import Vin

        return bool(Vin(vin).verify_checksum())
    except Exception:
        return False


@cache
def _shape(country: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{_SHAPES[country][0]})(?![\w-])")


@cache
def _models() -> frozenset[str]:
    return frozenset(m.replace("\\", "") for m in common("models"))


@cache
def _makes_lower() -> frozenset[str]:
    return frozenset(m.replace("\\", "").lower() for m in common("makes"))


@cache
def _engine_words() -> frozenset[str]:
    return frozenset(w.lower() for w in _vehicle_codes()["engine_and_body_words"])


@cache
def _vehicle_word() -> re.Pattern:
    alts = "|".join(common("makes") + common("models"))
    cars = "|".join(common("car_words"))
    # Inflected names count too: Golfiin, Caddyen, Passaten
    return re.compile(rf"(?<!\w)(?:(?:{alts})[^\W\d_]{{0,4}}|{cars})(?!\w)", re.I)


@cache
def _engine_or_year() -> re.Pattern:
    names = "|".join(re.escape(w) for w in _vehicle_codes()["engine_and_body_words"])
    # also a model letter ('Model Y'), a model year ('-21', "'18") and a generation glued to the model ('golf7')
    return re.compile(r"^(?:\d[.,]\d{1,2}\s?[A-Za-z]{0,5}|(?:19|20)\d\d|[A-Z]{1,5}|[A-Z]?\d{1,2}|[IVX]{1,4}|mk ?\d|"
                      r"[-–'’]\d{2}|"
                      rf"\w{{1,3}}\d\w{{0,2}}|(?=[\w-]*\d)\w{{1,4}}-\w{{1,4}}|vvt-i|e-hdi|"  # 'D-4D', 'VVT-i'
                      rf"the|en|ein|une|un|la|le|den|det|{names})$", re.I)


@cache
def _vehicle_codes() -> dict:
    """Engine families and body styles ('Multijet', 'Touring') that stand between a model and its plate."""
    with open(Path(__file__).resolve().parent.parent / "lexicons" / "vehicle_codes.json", encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _brand_words() -> frozenset[str]:
    from app.reading.extract.lexicon import brands_lower

    return frozenset(b for b in brands_lower() if b not in _models())


def _context_before(text: str, start: int, langs: tuple[str, ...]) -> bool:
    """A plate label, vehicle word or vehicle preposition in the few words before `start`."""
    if _label_before(text, start, langs):
        return True
    before = text[max(0, start - 60):start]
    before = re.split(r"(?<!\bup)(?<!\bUp)(?<!\bUP)[!?\n]\s|(?<!reg)(?<!nr)\.\s", before)[-1]  # not VW's 'Up!'
    # an engine code or a note in brackets between the car and its plate ('308 1.6 HDi 2011 (9HR), CX 28 417')
    words = re.findall(r"[\w.\-]+", re.sub(r"\([^()\n]{1,24}\)", " ", before))
    # skip engine sizes, years and model codes between the make/model and the plate
    while words and _engine_or_year().match(words[-1].rstrip(".")) and not _vehicle_word().fullmatch(words[-1]):
        words.pop()
    last = words[-1].rstrip(".,") if words else ""
    # 'pollenfilter MANN FP 26 009': the filter's maker (no MAN truck), then its number
    if last and last.lower() not in _brand_words() and (_vehicle_word().fullmatch(last) or _vehicle_word().fullmatch(re.sub(r"(?<=[^\W\d_]{3})\d{1,2}$", "", last))
                 or len(words) > 1 and _vehicle_word().fullmatch(f"{words[-2]} {last}")):  # 'Land Cruiseren'
        return True
    # 'Mini Cooper S R56 1.6T, RZT 41F', 'Transit Custom 2.0, AB 12345': a model name the lexicon lacks, written
    # with a capital between the make or model and the plate (codes and sizes popped above)
    for back in (2, 3):
        if (len(words) >= back and _vehicle_word().fullmatch(words[-back]) and words[-back].lower() not in _brand_words()
                and all(re.fullmatch(r"[A-Z][a-zäöüéè]{2,}", w) for w in words[-back + 1:])):
            return True
    preps = pattern("vehicle_preps", langs)
    return bool(re.search(rf"(?:{preps.pattern})\s*$", before, re.I))


def find_plates(text: str, lang: str, *, countries: tuple[str, ...] = (), whole_text_is_subject: bool = False
                ) -> list[Found]:
    """Plates in `text`. Distinctive shapes anywhere; Nordic/Finnish shapes only with context or when the
    text is a subject line and the shape fits the sender's country."""
    home = {_LANG_COUNTRY.get(lang, "")} | set(countries)
    langs = tuple(sorted({lang, "en"}))
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    bracketed: list[Found] = []
    labelled = False
    order = ["fr", "be", "uk", "de", "nl", "no", "da", "sv", "fi", "pl", "no_mc"]
    order = [c for c in order if c in home] + [c for c in order if c not in home]
    for country in order:
        strong = _SHAPES[country][1]
        for m in _shape(country).finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            value = m.group(0)
            first = re.split(r"[\s]", value)[0].lower()
            if first in _models() or first in _makes_lower() or first in _engine_words():
                continue  # "XC60 DEF 45G": a model code, then the plate; 'DAF XF 480', 'DIG-T 2019': make, engine
            if " " not in value and ((m.start(), m.end()) in _model_codes_after_make(text)
                                     or _make_right_before(text, m.start(), value)) and not _label_before(text, m.start(), langs):
                continue  # 'Yamaha MT-07 -19', 'Yamaha MT-07 2019': the bike's model after its make, no Finnish plate
            ctx = (_context_before(text, m.start(), langs) or _opens_text(text, m.start(), value)
                   or _heads_a_vehicle(text, m.start(), m.end(), value) or _names_the_car_after(text, m.end(), value))
            if country == "nl" and not (ctx or "nl" in home or _nl_plausible(value)):
                continue
            if country == "de" and " " in value.split("-")[0] and not ctx:
                continue
            if country == "uk" and not (ctx or "uk" in home):
                continue
            if country == "no_mc" and not ("no" in home and ctx and value[:2].lower() not in _filter_prefixes()):
                continue
            if not strong and country != "no_mc" and not (ctx and (country in home or _label_before(text, m.start(), langs))
                                   or whole_text_is_subject and country in home
                                   or country == "fi" and "fi" in home
                                   # 'Mazda 3:an (1.6 -08, KTR-418)' from a Finland-Swedish garage: a Finnish
                                   # plate's dash is no Swedish or Norwegian shape, after the car it is the plate
                                   or country == "fi" and ctx and "-" in value
                                   and value[:2].lower() not in _filter_prefixes()
                                   # 'Scania R500 PZ 11204' in an English SMS: a Nordic plate right after the
                                   # vehicle, whatever language the driver writes in
                                   or country in ("no", "da") and _vehicle_right_before(text, m.start(), langs)
                                   and value[:2].lower() not in _filter_prefixes()
                                   or country in home and _stands_alone(text, m.start(), m.end(), value)):
                continue
            found.append(Found(value, m.start(), m.end()))
            taken.append((m.start(), m.end()))
            if (not strong and text[max(0, m.start() - 1):m.start()] == "(" and text[m.end():m.end() + 1] == ","
                    and not _label_before(text, m.start(), langs)):
                bracketed.append(found[-1])
            elif _label_before(text, m.start(), langs):
                labelled = True
    if labelled:
        # 'Hilux 2.4 D-4D (GUN125, 2GD-FTV) reg. FDW 71K': the chassis code listed in the model's brackets with the
        # engine's, the plate labelled
        found = [f for f in found if f not in bracketed]
    found.sort(key=lambda f: f.start)
    return found


@cache
def _make_word() -> re.Pattern:
    return re.compile(rf"(?<!\w)(?:{vehicle_names('makes')})[ \t]+$", re.I)


def _make_right_before(text: str, start: int, value: str) -> bool:
    """The make right before, and `value` has the shape of one of that make's model codes ('Yamaha MT-07'; not
    'BMW KUL-528', a plate after the make)."""
    m = _make_word().search(text[max(0, start - 30):start])
    codes = _vehicle_codes()["after_make"].get(m.group(0).strip().lower(), []) if m else []
    return any(re.fullmatch(c, value, re.I) for c in codes)


@lru_cache(maxsize=64)
def _model_codes_after_make(text: str) -> frozenset[tuple[int, int]]:
    from app.reading.extract.accounting import _after_make

    return frozenset(m.span(n) for m in _after_make().finditer(text) for n, v in m.groupdict().items() if v)


@cache
def _filter_prefixes() -> frozenset[str]:
    with open(Path(__file__).resolve().parent.parent / "lexicons" / "part_grammar.json", encoding="utf-8") as fh:
        return frozenset(p.lower() for p in json.load(fh)["lowercase_prefixes"]["prefixes"]) | {"la", "wa", "wl", "pu",
                                                                                                "fp", "kl", "lf", "af"}


def _opens_text(text: str, start: int, value: str) -> bool:
    """A plate shape that opens the text, after a greeting at most ('EV 71290 kupefilter ...', 'Hei! SU 48213: ...'):
    the car the message is about, unless its letters are a filter prefix ('CU 26010')."""
    before = text[:start]
    if value[:2].lower() in _filter_prefixes() or len(before) > 40:
        return False
    rest = re.sub(rf"(?:{'|'.join(common('greetings'))})", " ", before, flags=re.I) if before.strip() else before
    return not re.search(r"[^\W_]", rest)


def _heads_a_vehicle(text: str, start: int, end: int, value: str) -> bool:
    """A plate that opens its line with the car after it ('EB 23817 – T6 2.0 TDI 150hk (CXFA)', 'AB 12345: Golf 7'):
    a fleet's list, one heading per car."""
    if value[:2].lower() in _filter_prefixes() or text[max(0, start - 1):start] not in ("", "\n"):
        return False
    after = re.match(r"\s*[–—:,(/-]?\s*([\w.-]+)", text[end:end + 40])
    return bool(after and _vehicle_word().fullmatch(after.group(1)))


def _vehicle_right_before(text: str, start: int, langs: tuple[str, ...]) -> bool:
    """A make or model, with its codes and sizes, right before `start` on the same line (no label, no preposition)."""
    before = text[max(0, start - 40):start].split("\n")[-1]
    return bool(before.strip()) and not before.rstrip().endswith((",", ".", ":")) and _context_before(
        text, start, langs) and not re.search(rf"(?:{pattern('vehicle_preps', langs).pattern})\s*$", before, re.I)


def _names_the_car_after(text: str, end: int, value: str) -> bool:
    """A plate shape right before the make or model ('arb.ordre 8812 / CF 18233 Octavia 1.6 TDI'), with the shape of
    no maker's part number (a Mann 'CF' filter has four digits at most): the car named by its plate, then its model."""
    from app.reading.extract.confidence import fits_grammar

    # a name written as one ('Octavia', 'Golf'), not a code ('A8G', '500 105')
    after = re.match(r"[ \t]+([A-ZÅÄÖ][a-zåäöéèü]{2,}|[A-Z]{2,4}(?![\w-]))", text[end:end + 40])
    return bool(after and _vehicle_word().fullmatch(after.group(1)) and not fits_grammar(value)
                and after.group(1).lower() not in _brand_words())


def _stands_alone(text: str, start: int, end: int, value: str) -> bool:
    """A home plate's shape that is a sentence of its own ('Kan dere sende med første bil? DN 55102. mvh Ole'): the car
    named by its plate alone, unless its letters are a filter prefix ('CU 26010')."""
    if value[:2].lower() in _filter_prefixes():
        return False
    before = text[max(0, start - 3):start]
    after = text[end:end + 3]
    return bool((start == 0 or re.search(r"(?:^|[.!?:]\s|\n)\s*$", before)) and re.match(r"[.!]?(?:\s|$)", after)
                and (re.match(r"[.!]", after) or re.match(r"\s*(?:\n|$)", text[end:end + 2])))


def _label_before(text: str, start: int, langs: tuple[str, ...]) -> bool:
    before = text[max(0, start - 30):start]
    label = pattern("plate_labels", langs)
    # 'reg: AB 12345', 'skylten är DUK 71F', 'nummerpladen er CV 48 219', 'Kennzeichen ist M-AB 123'
    return bool(re.search(rf"(?:{label.pattern})\s*+[:.#]?\s*+(?:(?:er|är|ist|is|on|est|=)\s+)?$", before, re.I))


def _nl_plausible(value: str) -> bool:
    groups = value.split("-")
    kinds = ["a" if g.isalpha() else "d" if g.isdigit() else "x" for g in groups]
    return "x" not in kinds and len("".join(groups)) == 6 and "a" in kinds and "d" in kinds


@cache
def _make_or_model() -> re.Pattern:
    return re.compile(rf"(?<!\w){vehicle_names('makes', 'models')}(?!\w)", re.I)


def vehicle_name_at(text: str) -> int:
    """The length of the make or model (inflected too: 'Sprinters', 'Crafterne') that opens `text`, else 0."""
    m = _vehicle_word().match(text)
    return m.end() if m and not re.match(r"[^\W\d_]", text[m.end():m.end() + 1]) else 0


def mentions_vehicle(text: str) -> bool:
    """A make or model named: enough for a clerk to ask no further about a generic part."""
    return bool(_make_or_model().search(text))
