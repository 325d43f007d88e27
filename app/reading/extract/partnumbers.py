"""Part numbers as written: found token by token in text whose plates, VINs, references and labelled
numbers (phone, org.nr, customer account) are already masked.

Shapes handled: single codes (GDB1956, BKR5EKB-11, 09.C306.11, 600.3247.20), letter prefix + digit groups
(HU 6013 z, C 24 005, VKBA 6811, W 713/16, A 215 S), spaced OE/Bosch numbers (0 986 494 123,
5Q0 615 301 H, F 026 400 366) and EAN-13 (validated with python-stdnum). Never fuzzy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from stdnum import ean

import json
from pathlib import Path

from app.reading.extract.lexicon import brand_set, common

_NORMALISE = re.compile(r"[\s._/\-]+")


def normalise_part_number(s: str) -> str:
    """Upper-case with spaces, dots, dashes, slashes and underscores removed: the comparison key."""
    return _NORMALISE.sub("", s or "").upper()


def is_ean13(s: str) -> bool:
    digits = normalise_part_number(s)
    return len(digits) == 13 and digits.isdigit() and ean.is_valid(digits)


@dataclass
class PartMatch:
    start: int
    end: int
    text: str
    brand: str | None = None  # the brand word written just before it, if any


_TOKEN = re.compile(r"\S+")
_CODE = re.compile(r"[A-Za-z0-9]+(?:[./\-][A-Za-z0-9]+)*")
_PREFIX = re.compile(r"[A-Z]{1,4}")
_CONT = re.compile(r"\d{1,4}(?:/\d{1,3})?|[A-Z]?\d{1,4}[A-Z]{1,2}|[A-Z]\d{2,4}|\d{1,4}[A-Z]\d{0,2}")
_SUFFIX = re.compile(r"[A-HJ-Z]|[xyz]")

_NOT_CODE = re.compile(
    r"""(?ix)
    \d+(?:x|stk|st|kpl|pcs|pc|stück|stuks)      # 2x, 2stk
    | \d{1,2}(?:sett|set|sats|satser|sæt|sarja|sarjaa|satz|sätze|par|paar|pair|pairs|jeu|jeux|kit|kits)  # 1sett, 2par
    | x\d+                                      # x2
    | \d[.,]\d[a-z]{0,4}                        # 1.6, 2.2D, 1.4T
    | (?:19|20)\d{2}                            # years
    | (?:0?[1-9]|[12]\d|3[01])[./](?:0?[1-9]|1[0-2])(?:[./]\d{2,4})?\.?   # dates
    | \d{1,2}[:.]\d{2}                          # times
    | (?:1[3-9]|2\d|3[0-4])5/[2-8][05](?:z?r\d{2}c?)?|r\d{2}c?   # tyre sizes
    | \d{1,2}w-?\d{2}                           # viscosity 5W-30
    | \d{1,5}[.,]\d{1,2}                        # prices, decimals
    | \d+(?:[/x×*]\d+)*(?:l|ml|mm|cm|kg|v|ah|w|nm|hk|hp|ps|kw|km|%|")  # sizes with unit attached
    | \d{1,3}(?:st|nd|rd|th|e|er|ème)            # ordinals
    | 4x4|4wd|2wd|awd
    """
)

# a tyre size ('225/45', '225/45R17', '205/55-16') is never the continuation of a part number: 'Hakkapeliitta R5
# 225/45 R17' names a tyre, its size stays in the description
_TYRE_SIZE = re.compile(r"(?i)(?:1[3-9]|2\d|3[0-4])5/[2-8][05](?:z?r\d{2}c?|-\d{2})?")

_STRIP = "([{\"'«»“”‚‘’,;:!?)]}"


@cache
def _not_prefix() -> frozenset[str]:
    words = {
        "TDI", "TSI", "TFSI", "FSI", "HDI", "DCI", "CDI", "CDTI", "CRDI", "TDCI", "JTD", "JTDM", "MPI", "GTI",
        "GTD", "TCE", "VVT", "AWD", "FWD", "RWD", "ABS", "ESP", "EU", "OK", "ASAP", "VOR", "PO", "AO", "WO",
        "OE", "OEM", "DOT", "ACEA", "SAE", "NB", "PS", "KW", "HK", "HP", "CC", "REG", "VIN", "SMS", "TLF", "MVH", "NR", "NO", "ID",
        "I", "TEL", "EAN", "ART", "QTY", "PCS", "STK", "KPL", "ST", "MFG", "VH", "CVR", "ORG", "MVA", "VAT",
        "UK", "DE", "SE", "DK", "FI", "FR", "NL", "BE", "GB", "KL", "KLO", "UHR", "BJ", "MY", "AT", "IN",
        "HDI", "TDS", "SDI", "GTE", "RS", "ST", "SR", "LTD", "AS", "AB", "OY", "GMBH", "BV", "VOR",
        "EFB", "AGM",  # a battery's kind before its number ("Varta Promotive EFB 690 500 105")
    }
    words.update(b.upper() for b in brand_set())
    words.update(m.upper() for m in common("makes"))
    return frozenset(words)


@cache
def _size_units() -> frozenset[str]:
    return frozenset(u.replace("\\", "") for u in common("size_units"))


@cache
def _models() -> frozenset[str]:
    return frozenset(m.lower().replace("\\", "") for m in common("models"))


def _glued_model(core: str) -> bool:
    """A model name of four letters or more with its generation glued on ('golf7', 'passat8', 'octavia3')."""
    m = re.fullmatch(r"([^\W\d_]{4,})(\d{1,2})", core)
    return bool(m and m.group(1).lower() in _models())


def _core(token: str) -> tuple[str, int]:
    """Token without surrounding punctuation, and the offset of the core inside the token."""
    lead = len(token) - len(token.lstrip(_STRIP))
    core = token.strip(_STRIP)
    if core.endswith(".") and not re.search(r"\.\w+\.$", core):
        core = core[:-1]
    if _PLUS_CODE.fullmatch(core):
        core = core[:-1]  # 'FR7DC+': the plus is given back to the number once it is read (see _token_part_numbers)
    return core, lead


# A spark plug's code with its plus ('FR7DC+', 'WR7DCX+'): the plus is part of the number.
_PLUS_CODE = re.compile(r"[A-Za-z]{1,4}\d{1,2}[A-Za-z]{0,4}\+")


@cache
def _never_codes() -> re.Pattern:
    """Shapes of part_grammar.json's not_codes: clock times, odometer readings, sizes, fluid specifications."""
    path = Path(__file__).resolve().parent.parent / "lexicons" / "part_grammar.json"
    with open(path, encoding="utf-8") as fh:
        shapes = [v for k, v in json.load(fh)["not_codes"].items() if not k.startswith("_")]
    return re.compile(rf"(?:{'|'.join(shapes)})", re.I)


@cache
def _lowercase_prefixes() -> frozenset[str]:
    path = Path(__file__).resolve().parent.parent / "lexicons" / "part_grammar.json"
    with open(path, encoding="utf-8") as fh:
        return frozenset(json.load(fh)["lowercase_prefixes"]["prefixes"])


def _is_code(core: str, after_prefix: bool = False, prefix: str = "") -> bool:
    if not (_CODE.fullmatch(core) and any(c.isdigit() for c in core)):
        return False
    if _never_codes().fullmatch(core):
        return False
    if after_prefix and prefix.lower() in _lowercase_prefixes() and len(prefix) >= 2 and re.fullmatch(r"\d{4}", core):
        return True  # 'CUK 1919', 'OC 1999': a filter maker's prefix, then four digits that only look like a year
    if after_prefix:  # "W 12/3", "HU 719/7": a letter prefix makes a date-like group a code
        return not _AFTER_PREFIX_NOT_CODE.fullmatch(core)
    return not _NOT_CODE.fullmatch(core)


_AFTER_PREFIX_NOT_CODE = re.compile(r"(?i)\d+(?:x|stk|st|kpl|pcs)|\d[.,]\d[a-z]{0,4}|(?:19|20)\d{2}|\d{1,5}[.,]\d{1,2}")


# Formats read as wholes before the token rules, so a number never loses or gains an edge: VAG with its suffix
# letters (5Q0 615 301 F, 06L 115 562 B), Hella (1EL 354 810-011), Toyota (04465-02220), ATE (13.0460-2780.2),
# Brembo (09.B508.11), Zimmermann (150.3493.20), BMW (34 11 6 855 152), Mercedes (A 204 421 12 12), Sachs and
# LuK/INA spaced forms (3182 600 219, 600 0161 00). (pattern, needs order-line context)
_WHOLE = [
    # Bosch 0 986 494 123, and its batteries 0 092 S50 080
    (re.compile(r"(?<![\w.,-])[0-3F] \d{3} (?:\d{3}|[A-Z]\d{2}) (?:\d{3}|[A-Z]\d{2}|[A-Z]{2}\d)(?![\w-]|[.,]\w)"), False),
    (re.compile(r"(?<![\w.-])\d[A-Z]{2} ?\d{3} ?\d{3}-\d{3}(?![\w-]|\.\w)"), False),
    (re.compile(r"(?<![\w.-])\d[0-9A-Z]{2}(?<=\d[A-Z]\d|\d\d[A-Z]|\d[A-Z]{2}) ?\d{3} ?\d{3}(?: ?[A-Z]{1,3}(?![\w-]))?"
                r"(?: GRU(?![\w-]))?(?![\w-]|\.\w)"), False),  # VAG, 'GRU' for a body part sold primed
    (re.compile(r"(?<![\w.-])\d{5}-[0-9A-Z]{5}(?:-\d{2})?(?![\w-]|\.\w)"), False),
    # Bosch wiper blades by their short codes: A 863 S, AR 601 S, H 306 (a rear blade, no Peugeot 306)
    (re.compile(r"(?<![\w.-])(?:(?:A|AM|AR|AP|N)[ ]?\d{3}[ ]?[SH]|H[ ]?\d{3})(?![\w-]|[.,]\d|[ ]\d)"), True),
    # Osram bulbs with their range's letters: 64210NL, 64193CBN, 64150NBS-01B
    (re.compile(r"(?<![\w.-])64\d{3}(?:NL|NBS|NBU|NBL|CBN|CBI|XS|ULT|LTS|XR|XNB|SUP|HCB|CLC)(?:-\d{2}[A-Z])?(?![\w-]|\.\w)"),
     False),
    # VAG fluids and greases with their grade: G 013 A8J M1, G 052 182 A2, D 009 102 M2
    (re.compile(r"(?<![\w.-])[GDB] ?\d{3} ?[0-9A-Z]{3}(?: ?[A-Z]\d)?(?![\w-]|\.\w)"), False),
    (re.compile(r"(?<![\w.-])\d{2}\.\d{4}-\d{4}\.\d(?![\w-]|\.\w)"), False),
    (re.compile(r"(?<![\w.-])\d{2}\.[0-9A-Z]\d{3}\.\d{2}(?![\w-]|\.\w)"), False),
    (re.compile(r"(?<![\w.-])\d{3}\.\d{4}\.\d{2}(?![\w-]|\.\w)"), False),
    (re.compile(r"(?<![\w.-])A ?\d{3} ?\d{3} ?\d{2} ?\d{2}(?![\w-]|\.\w)"), False),
    (re.compile(r"(?<![\w.,-])\d{2} \d{2} \d \d{3} \d{3}(?![\w-]|\.\w)"), True),
    (re.compile(r"(?<![\w.,-])(?:\d{4} \d{3} \d{3}|\d{3} \d{4} \d{2}(?: \d{2})?)(?![\w-]|[.,]\w)"), True),
    # WABCO's spaced ten digits (432 410 222 7, 441 032 808 0): air brakes and dryers of trucks and trailers
    (re.compile(r"(?<![\w.,-])[49]\d{2} \d{3} \d{3} \d(?![\w-]|[.,]\w| \d)"), True),
    # a battery's European type number (ETN: Varta, Bosch, Exide 574 402 075), after its range code ('E38 574 402 075')
    (re.compile(r"(?<![\w.,-])[5-7]\d{2} \d{3} \d{3}(?![\w-]|[.,]\w| \d)"), True),
]
_ETN = re.compile(r"[5-7]\d{2} \d{3} \d{3}")


# A number that a phone or a mail client wrapped onto the next line ('Bosch 0 986 494' / '907', 'SKF VKMC' / '01250-1'):
# the whole shapes of the strict brands above, and SKF's kits with their suffix
_WRAP_SHAPES = [rx for rx, needs_context in _WHOLE if not needs_context] + [
    re.compile(r"(?<![\w.-])VK[A-Z]{2,3} ?\d{3,5}(?:-\d)?(?: ?[A-Z])?(?![\w-]|\.\w)", re.I)]


def join_wrapped_numbers(text: str) -> str:
    """`text` with a line break inside a part number turned into a blank (same length, so every offset holds): the
    break joins only where the two ends make one number of a known brand's whole shape that neither end is alone."""
    if "\n" not in text:
        return text
    out = list(text)
    for nl in [m.start() for m in re.finditer(r"[ \t]*\n[ \t]*(?=\S)", text)]:
        end_nl = text.index("\n", nl)
        lo, hi = max(0, nl - 24), min(len(text), end_nl + 1 + 16)
        joined = text[lo:hi].replace("\n", " ")
        for rx in _WRAP_SHAPES:
            if any(m.start() < nl - lo and end_nl + 1 - lo < m.end() for m in rx.finditer(joined)):
                out[end_nl] = " "
                break
    return "".join(out)


def _whole_formats(text: str, context: bool) -> list[PartMatch]:
    out: list[PartMatch] = []
    for rx, needs_context in _WHOLE:
        if needs_context and not context:
            continue
        for m in rx.finditer(text):
            if any(p.start < m.end() and m.start() < p.end for p in out):
                continue
            before = re.search(r"([^\W\d_][\w-]*(?: [^\W\d_][\w-]*)?)\s+$", text[max(0, m.start() - 30):m.start()])
            brand = None
            if before:
                words = before.group(1).split()
                for cand in (" ".join(words[-2:]), words[-1]):
                    if cand.lower() in brand_set():
                        brand = cand
                        break
            value, end = m.group(), m.end()
            last = value.rsplit(" ", 1)
            if len(last) == 2 and last[1].isalpha() and (last[1].lower() in brand_set()
                                                          or last[1] in _not_prefix() and len(last[1]) > 2):
                value, end = last[0], m.start() + len(last[0])  # "5Q0 615 301 ATE": the brand, not a suffix
            out.append(PartMatch(m.start(), end, value, brand))
    return out


def find_part_numbers(text: str, *, context: bool = False) -> list[PartMatch]:
    """Part-number spans in `text` (offsets into it). `context` says the text is known to be an order line,
    which lets a bare number of five or more digits (Febi 38802) count even without a brand before it."""
    whole = _whole_formats(text, context)
    if whole:
        rest = list(text)
        for p in whole:
            rest[p.start:p.end] = " " * (p.end - p.start)
        found = _token_part_numbers("".join(rest), context)
        # a battery's range code right before its type number ('Varta E44 577 400 078') names the range, not a part
        found = [f for f in found if not (re.fullmatch(r"[A-Z]\d{1,2}", f.text) and any(
            _ETN.fullmatch(p.text) and re.fullmatch(r"\s+", text[f.end:p.start] or "x") for p in whole))]
        return sorted(whole + found, key=lambda p: p.start)
    return _token_part_numbers(text, context)


def _token_part_numbers(text: str, context: bool) -> list[PartMatch]:
    tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(text)]
    cores = [_core(t) for _, t in tokens]
    out: list[PartMatch] = []
    runs = _digit_runs(tokens, cores)
    i = 0
    while i < len(tokens):
        if runs[i] >= _LONGEST_DIGIT_RUN:
            i += runs[i]  # "1 1 1 1 ..." for pages: no number a person writes, and each start would rescan it
            continue
        core, lead = cores[i]
        if _LOAD_INDEX.fullmatch(core) and _RIM_BEFORE.search(text[max(0, tokens[i][0] - 8):tokens[i][0]]):
            i += 1  # '265/65 R17 112H': the tyre's load and speed index
            continue
        j = i
        parts: list[str] = []
        if ((_PREFIX.fullmatch(core) or core in _lowercase_prefixes())
                and (core not in _not_prefix() or _knecht_kl(core, cores, i)) and i + 1 < len(tokens)
                and cores[i + 1][0][:1].isdigit() and _is_code(cores[i + 1][0], after_prefix=True, prefix=core)
                and not tokens[i][1].endswith((",", ".", ":", ";")) and _adjacent(tokens, i + 1)):
            parts.append(core)
            j = i + 1
        if (j < len(tokens) and _is_code(cores[j][0], after_prefix=j > i, prefix=core if j > i else "")
                and cores[j][0].lower() not in _models()
                and not _glued_model(cores[j][0])):
            parts.append(cores[j][0])
            k = j + 1
            # past 24 normalised characters _accept refuses it: stop there, or "1 1 1 1 ..." takes quadratic time
            norm_len = len(normalise_part_number("".join(parts)))
            while (norm_len <= 24 and k < len(tokens) and not tokens[k - 1][1].endswith((",", ";", ":"))
                   and not re.search(r"[.]$", tokens[k - 1][1]) and _CONT.fullmatch(cores[k][0])
                   and cores[k][1] == 0 and not _followed_by_unit(cores, k) and _adjacent(tokens, k)
                   and not _price_from(text, tokens[k][0])
                   and not _AFTER_PREFIX_NOT_CODE.fullmatch(cores[k][0]) and not _never_codes().fullmatch(cores[k][0])
                   and not _SIZE_TOKEN.fullmatch(cores[k][0]) and not _TYRE_SIZE.fullmatch(cores[k][0])):
                parts.append(cores[k][0])
                norm_len += len(normalise_part_number(cores[k][0]))
                k += 1
            if (k < len(tokens) and _SUFFIX.fullmatch(cores[k][0]) and tokens[k][1].rstrip(".,;:!?)") == cores[k][0]
                    and not tokens[k - 1][1].endswith((",", ".", ";", ":")) and _adjacent(tokens, k)
                    # 'HU 719/7 x 2': the x may be a times sign; 'HU 7008 z 1kpl' is the suffix and then the count
                    and not (k + 1 < len(tokens) and cores[k + 1][0][:1].isdigit() and cores[k][0].lower() == "x"
                             and cores[k + 1][0].isdigit() and not tokens[k][1].endswith((",", ";")))):
                parts.append(cores[k][0])
                k += 1
            measured = k < len(tokens) and not re.search(r"[^\W\d_]", "".join(parts)) and \
                cores[k][0].lower().rstrip(".") in _size_units()  # "600/450 mm", "25 40 mm": a size, not a number
            if not measured and _accept(parts, bool(parts and parts[0] == core and _PREFIX.fullmatch(core) and j == i + 1),
                                        brand_before(text, tokens, i), context):
                start = tokens[i][0] + lead
                last_tok_start, last_tok = tokens[k - 1]
                last_core, last_lead = cores[k - 1]
                end = last_tok_start + last_lead + len(last_core)
                if text[end:end + 1] == "+" and _PLUS_CODE.fullmatch(text[start:end + 1]):
                    end += 1
                out.append(PartMatch(start, end, text[start:end], brand_before(text, tokens, i)))
                i = k
                continue
        i += 1
    return out


_LOAD_INDEX = re.compile(r"\d{2,3}(?:/\d{2,3})?[A-Z]{1,2}", re.I)
_RIM_BEFORE = re.compile(r"(?:Z?R|-)\s?\d{2}C?\s$", re.I)


def _knecht_kl(core: str, cores: list[tuple[str, int]], i: int) -> bool:
    """'KL 228/2D', 'KL 75': a Knecht/Mahle fuel filter, not 'kl 14' (o'clock): capitals, and a filter's shape after."""
    return core == "KL" and i + 1 < len(cores) and bool(re.fullmatch(r"\d{2,4}/\d{1,2}[A-Z]?|\d{2,4}[A-Z]", cores[i + 1][0]))


# a run of this many bare digit groups, each right after the last, is no part number nor the start of one
_LONGEST_DIGIT_RUN = 40


def _digit_runs(tokens: list[tuple[int, str]], cores: list[tuple[str, int]]) -> list[int]:
    """For each token, how many tokens from it on are bare digits standing right after each other."""
    runs = [0] * (len(tokens) + 1)
    for k in range(len(tokens) - 1, -1, -1):
        if cores[k][0].isdigit():
            runs[k] = 1 + (runs[k + 1] if k + 1 < len(tokens) and _adjacent(tokens, k + 1) else 0)
    return runs


_SIZE_TOKEN = re.compile(r"(?i)\d+(?:[.,]\d+)?(?:l|ml|mm|cm|kg|v|ah|nm|bar|kw|hk|ps|km)")


def _adjacent(tokens: list[tuple[int, str]], k: int) -> bool:
    """Token k stands right after token k-1 (one or two blanks): a number never runs across a masked stretch
    ("308 II 1.6 BlueHDi 120" with the model blanked is not the number "II 120")."""
    prev_start, prev = tokens[k - 1]
    return tokens[k][0] - (prev_start + len(prev)) <= 2


@cache
def _price_start() -> re.Pattern:
    cur = "|".join(common("currency"))
    return re.compile(rf"\d{{1,3}}(?:[ .]\d{{3}})+,\d{{2}}[ \t]?(?:{cur})(?!\w)|\d{{1,3}}(?:[ .]\d{{3}})+[ \t]?(?:{cur})(?!\w)",
                      re.I)


def _price_from(text: str, pos: int) -> bool:
    """A price with its thousands apart starts here ('P 85 020 1 250,00 €'): the group is the price's, not the number's."""
    return bool(_price_start().match(text, pos))


def _followed_by_unit(cores: list[tuple[str, int]], k: int) -> bool:
    if k + 1 >= len(cores):
        return False
    nxt = cores[k + 1][0].lower().rstrip(".")
    return nxt in _size_units() or nxt in {"stk", "st", "kpl", "pcs", "pc", "stück", "stuks", "x", "pieces", "sett",
                                           "sæt", "sats", "satz", "par", "paar", "pair", "jeu", "sarja", "kit", "set"}


def brand_before(text: str, tokens: list[tuple[int, str]], i: int) -> str | None:
    if i == 0:
        return None
    prev = tokens[i - 1][1].strip(_STRIP).lower()
    if prev in brand_set():
        return tokens[i - 1][1].strip(_STRIP)
    if i >= 2:
        two = (tokens[i - 2][1] + " " + tokens[i - 1][1]).strip(_STRIP).lower()
        if two in brand_set():
            return two
    return None


def _accept(parts: list[str], has_prefix: bool, brand: str | None, context: bool) -> bool:
    joined = "".join(parts)
    norm = normalise_part_number(joined)
    if len(norm) > 24 or len(norm) < 3 or len(norm) == 3 and not (brand and re.fullmatch(r"[A-Za-z]\d{2}", norm)):
        return False  # three characters only for a letter+two digits right after a brand (Varta E11)
    has_letter = any(c.isalpha() for c in norm)
    if has_letter:
        if len(parts) == 1 and re.fullmatch(r"[A-Za-z]{1,3}\d{1,2}", parts[0]) and not brand:
            return False  # A4, XC60-like model codes, H7 bulbs: not part numbers on their own
        return True
    if len(parts) == 5 and [len(p) for p in parts] == [2, 2, 1, 3, 3]:
        return True  # BMW OE: 13 71 7 532 754
    # digits only from here
    if len(parts) == 1:
        token = parts[0]
        if re.search(r"[./-]", token):
            return len(re.findall(r"[./-]", token)) >= 2 or bool(brand) or context and len(norm) >= 6
        if is_ean13(token):
            return True
        if len(norm) == 4 and brand and context and not re.fullmatch(r"(?:19|20)\d\d", norm):
            return True  # 'bremselyspærer Osram 7528': a maker's four-digit article right after its name
        return len(norm) >= 5 and (bool(brand) or context) and not re.fullmatch(r"0\d{7,}", norm)
    sizes = [len(p) for p in parts]
    if all(p.isdigit() for p in parts):
        if sizes[0] <= 2 and all(s == 3 for s in sizes[1:]) and len(sizes) >= 3:
            return True
        if brand and len(norm) >= 6:
            return True  # INA 534 0313 10
        return all(s == 3 for s in sizes) and len(sizes) >= 3 and context
    return True
