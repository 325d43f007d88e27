"""Every code-like token is accounted for. After the lines are read, each token of the text that holds a digit
is given the roles that explain it: what the extractor took it as (part number, quantity, plate, VIN,
references, labelled phone or account numbers) and what it plainly is (a price, a date or time, a model or engine
code, an odometer reading, a tyre size, a volume or dimension, an org/VAT number, a postcode or address, a phone
number). A token in an order line that nothing explains, or a part number that is also plainly something else,
is a reading the parser cannot vouch for: the order goes to review with the token named.

Pure functions over one text; every pattern here runs in linear time (no nested unbounded quantifiers)."""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from app.reading.extract.lexicon import ENGINE_BY_SIZE, brand_set, common, fragment, has_part_noun, vehicle_names
from app.reading import reasons as R
from app.reading.reasons import say

_DATA = Path(__file__).resolve().parent.parent / "lexicons" / "vehicle_codes.json"

# Roles a token may have. "strong" recognisers are unmistakable by their shape and surroundings; a part number
# that a strong recogniser also claims is a conflict. Weak ones only explain tokens nothing else took.
EXTRACTED = ("part_number", "quantity", "plate", "vin", "order_ref", "customer_reference", "labelled_number",
             "table_row")


@dataclass(frozen=True)
class Claim:
    start: int
    end: int
    role: str
    strong: bool = True


@dataclass
class Token:
    start: int
    end: int
    text: str
    roles: set[str] = field(default_factory=set)
    strong_roles: set[str] = field(default_factory=set)


@dataclass
class Accounting:
    tokens: list[Token]
    unexplained: list[Token]      # in or beside an order line, with no role at all
    conflicts: list[Token]        # read as a part number and plainly something else
    stray: int                    # code-like tokens away from the lines (signatures etc.)
    stray_unexplained: list[Token] = field(default_factory=list)  # of those, the ones with no role at all

    def reasons(self, line_of) -> list[str]:
        out = []
        for t in self.conflicts:
            other = sorted(r for r in t.strong_roles if r != "part_number")
            out.append(say(R.TOKEN_CONFLICT, token=t.text, line=line_of(t), role=R.ROLE_WORDS.get(other[0], other[0])))
        for t in self.unexplained:
            out.append(say(R.TOKEN_UNEXPLAINED, token=t.text, line=line_of(t)))
        return out


_TOKEN = re.compile(r"\S+")
_EDGE = "([{\"'«»“”‚‘’,;:!?)]}*"


def code_tokens(text: str) -> list[Token]:
    """Tokens that hold a digit, without the punctuation around them."""
    out = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        if not any(c.isdigit() for c in raw):
            continue
        lead = len(raw) - len(raw.lstrip(_EDGE))
        core = raw.strip(_EDGE).rstrip(".")
        if not any(c.isdigit() for c in core):
            continue
        start = m.start() + lead
        out.append(Token(start, start + len(core), core))
    return out


@cache
def _codes() -> dict:
    with open(_DATA, encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _model_shapes() -> re.Pattern:
    alts = "|".join(_codes()["shapes"])
    return re.compile(rf"(?<![\w/.-])(?:{alts})(?![\w/-])", re.I)


@cache
def _after_make() -> re.Pattern:
    pairs = []
    makes = {"mercedes": "mercedes(?:-benz)?|benz|mb|sprinter|vito", "vw": "vw|volkswagen|golf|passat|transporter|caddy",
             "citroen": "citro[eë]n", "toyota": "toyota|lexus|hilux|corolla|land\\s?cruiser"}
    for make, codes in _codes()["after_make"].items():
        word = makes.get(make, make)
        codes = [c.replace("\\s", "[ \\t]") for c in codes]
        pairs.append(rf"(?:{word})[ \t]+(?P<{make.replace('-', '_')}>(?:{'|'.join(codes)})(?:[ \t](?:{'|'.join(codes)}))?)")
    return re.compile(rf"(?<!\w)(?:{'|'.join(pairs)})(?![\w/-])(?!\s?\d)", re.I)


@cache
def _model_word() -> re.Pattern:
    alts = "|".join(sorted(_codes()["model_words"], key=len, reverse=True))
    # "motor: N47", "Motorkoden er 1KD-FTV", "the engine code is N47D20C"
    return re.compile(rf"(?<!\w)(?:{alts})(?:en|et|n|s)?(?:[ \t]+(?:code|kode|koden|kod|koden|koodi|type|typ))?"
                      rf"(?:[ \t]+(?:is|er|är|ist|est|on|=))?(?!\w)\.?[ \t]*[:.]?[ \t]?(?P<v>[\w.\-/]{{2,14}})", re.I)


@cache
def _currency() -> str:
    return "|".join(common("currency"))


@cache
def _res() -> dict[str, tuple[re.Pattern, str, bool]]:
    cur = _currency()
    num = r"\d{1,3}(?:[ .]\d{3})*+(?:[.,]\d{1,2})?+|\d+(?:[.,]\d{1,2})?+"  # thousands with a blank, not a newline
    return {
        "price_after": (re.compile(rf"(?<![\w.,])(?:{num})[ \t]?(?:,-|:-|\.-)?[ \t]?(?:{cur})(?!\w)", re.I), "price", True),
        "price_before": (re.compile(rf"(?<!\w)(?:{cur})\.?[ \t]?(?:{num})(?:,-)?", re.I), "price", True),
        "price_dash": (re.compile(r"(?<![\w.,])\d{1,3}(?:[ .]\d{3})*+,[-–](?!\d)"), "price", True),
        "price_at": (re.compile(rf"(?<!\w)(?:à|á|a|@|per|pr\.?|je|stk\.?pris|netto|brutto)\s?(?:{num})(?!\d)", re.I),
                     "price", False),
        "date": (re.compile(r"(?<![\w.])(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|"
                            r"(?:0?[1-9]|[12]\d|3[01])[./](?:0?[1-9]|1[0-2])\.?)(?![\w/])"), "date_time", True),
        "time": (re.compile(r"(?<![\w.:])(?:[01]?\d|2[0-3])[:.][0-5]\d(?:\s?(?:am|pm|h|uhr))?(?![\w:])", re.I),
                 "date_time", True),
        "clock_h": (re.compile(r"(?<![\w.:])(?:[01]?\d|2[0-3])h[0-5]\d(?!\w)", re.I), "date_time", True),
        # 'will collect about 3', 'kommer ungefär 4.': an hour at the sentence's end
        "clock_about": (re.compile(r"(?<!\w)(?:about|omtrent|ungefär|ungefair|etwa|environ|ongeveer|noin|cirka|ca\.?)"
                                   r"[ \t](?:[1-9]|1[0-2])(?=[ \t]*(?:[.!,;]|$|\n))", re.I | re.M), "date_time", True),
        # a model year after the car: "MGB GT '74", 'Corolla 1.6 VVT-i -05', 'dCi -18'
        "year_short": (re.compile(r"(?<!\w)['’]\d{2}(?![\w'’])|(?<=[ \t])[-–]\d{2}(?=[ \t]*(?:[,.;)]|$|\n))", re.M),
                       "date_time", False),
        # 'skal ha 180 000-service', '60 000 km service': a service interval
        "service_interval": (re.compile(r"(?<![\w.,])\d{1,3}(?:[ .]?000)[ -]?(?:km[ -]?)?(?:service|servicen|huolto|"
                                        r"inspektion|wartung|entretien|onderhoud|beurt)(?!\w)", re.I), "odometer", True),
        # 'Unit 4', 'Bygg 3': the building of an address
        "unit": (re.compile(r"(?<!\w)(?:unit|units|bygg|bygning|building|hall|halle)[ \t]\d{1,3}[a-z]?(?!\w)", re.I),
                 "address", False),
        "clock": (re.compile(r"(?<!\w)(?:kl|klo|klockan|kello|um|at|à|before|after|innen|inden|före|ennen|bis|vor|"
                             r"vid|ved|omkring|gegen|vers|around|noin|rundt|runt|"
                             r"efter|etter|ette|nach|après|avant|før|for|till|until|by|jälkeen|tot|voor|na|"
                             r"stänger|stenger|lukker|stengt|closes?|closing|schließen|schliessen|fermons|ferme|sluiten|"
                             r"suljetaan|suljemme)"
                             r"\.?\s?(?:[01]?\d|2[0-3])(?:[:.][0-5]\d)?(?:\s?(?:uhr|h))?(?!\w)", re.I),
                  "date_time", True),
        # a clock time typed without its colon after a pickup word or 'ca' ('hämtar ca 1530', 'hentes 1430')
        "clock_hhmm": (re.compile(r"(?<!\w)(?:ca|cirka|kl|klo|kello|um|at|gegen|around|omkring|rundt|runt|vers|"
                                  r"hämtar|hämtas|henter|hentes|haen|haetaan|hole|holen|abholung|afhenter|afhentes|"
                                  r"collect|collecting|collection|ophalen|haal)"
                                  r"\.?(?:\s(?:vi|ca|cirka|kl|klo|at|um|omkring|around|noin))?\.?\s?"
                                  r"(?:[01]\d|2[0-3])[0-5]\d(?!\w)", re.I), "date_time", True),
        # 'henter klokka halv fire', 'kl halv 4', 'um halb vier', 'om half vijf': the half hour before the hour named
        "half_hour": (re.compile(r"(?<!\w)(?:(?:kl|klo|klokka|klokken|klockan|kello|um|om|at)\.?\s?)?(?:halv|halb|half|puoli)"
                                 r"\s+(?:1[0-2]|[1-9]|en|ett|ein[s]?|één|een|to|två|zwei|twee|tre|drei|drie|fire|fyra|vier|fem|"
                                 r"fünf|vijf|seks|sex|sechs|zes|sju|syv|sieben|zeven|åtte|åtta|otte|acht|ni|nio|neun|negen|ti|"
                                 r"tio|zehn|tien|elleve|elva|elf|tolv|zwölf|twaalf|neljä|viisi|kuusi|seitsemän|kahdeksan|"
                                 r"yhdeksän|kymmenen|yksitoista|kaksitoista)(?!\w)", re.I), "date_time", True),
        "duration": (re.compile(r"(?<![\w.,])\d{1,3}(?:\s?[-–]\s?\d{1,3})?\s?(?:dager|dage|dagar|days?|tage?n?|"
                                r"päivää?|pv|jours?|dagen|timer|timmar|tunnin|tuntia|hours?|stunden|heures?|uur|"
                                r"min(?:utter|uter|utes?|uuttia|s)?|uker|veckor|weeks?|wochen|viikkoa|std|stunde|stund|hrs?|tim)(?!\w)", re.I),
                     "date_time", True),
        # a month and year: a first registration ('EZ 09/2018', 'førstegangsreg. 03/2016'), a build date
        "month_year": (re.compile(r"(?<![\w./-])(?:0?[1-9]|1[0-2])[./](?:19[5-9]\d|20[0-3]\d)(?![\w/-]|\.\d)"), "date_time",
                       True),
        "year": (re.compile(r"(?<![\w.,/-])(?:19[5-9]\d|20[0-3]\d)(?:-(?:19|20)?\d{2})?(?![\w/-])"), "date_time", False),
        "odometer": (re.compile(r"(?<!\w)(?:km|mil)\.?[ \t]?\d{1,3}(?:[ .]\d{3})++(?![\w,]|\.\d)|"
                                r"(?<![\w.,])\d{1,3}(?:[ .]\d{3})*+\s?(?:km|tkm|mil|miles|kms)(?!\w)|"
                                r"(?<![\w.,])\d{4,7}\s?(?:km|tkm|miles|kms)(?!\w)|"
                                r"(?<![\w.,])\d{1,3}\s?(?:k|t)\s?km(?!\w)", re.I), "odometer", True),
        "tyre": (re.compile(r"(?<![\w/])\d{3}/\d{2}\s?(?:z?r|-)?\s?\d{2}c?(?:\s?\d{2,3}(?:/\d{2,3})?[a-z])?(?![\w/])|"
                            r"(?<!\w)r\s?1[3-9]c?|r\s?2[0-3]c?(?!\w)", re.I), "tyre_size", True),
        "measure": (re.compile(r"(?<![\w.,])(?:ø\s?)?\d+(?:[.,]\d+)?+(?:\s?[x×*/\-–+]\s?\d+(?:[.,]\d+)?+\"?)*+\s?(?:mm|cm|m|l|ltr|"
                               r"liter|litre|litres|liters|litra|litraa|ml|dl|kg|g|v|volt|ah|a|w|nm|bar|psi|°c?|%|\"|"
                               r"tommer|tum|zoll|inch|kw|hk|hp|ps)(?!\w)|(?<!\w)ø\s?\d+(?:[.,]\d+)?+", re.I),
                    "measure", True),
        # wiper or wheel sizes in inches, a pair joined: '26"+19"', '24"/16"'
        "inches": (re.compile(r"(?<![\w.,])\d{1,2}(?:[.,]\d)?(?:\"|''|”)(?:\s?[+/&x]\s?\d{1,2}(?:[.,]\d)?(?:\"|''|”))+"),
                   "measure", True),
        "spec": (re.compile(r"(?<![\w-])(?:\d{1,2}w-?\d{2}|dot\s?[345](?:\.1)?|g1[123]|vw\s?5\d{2}(?:\.\d{2})?|"
                            r"typ(?:e)?\s?[12]|mode\s?[1-4]|"  # a charging cable's plug and mode: 'ladekabel Type 2'

                            r"[abc][1-7](?:/[abc][1-7])?|ll-?0[14]|h[1-9]|hb[34]|h11|d[1-4]s|p21w|w5w|py21w|r2|"
                            r"atf|dexron\s?[i-v]+|api\s?\w{2}|acea\s?\w{2})(?![\w-])", re.I), "measure", False),
        # a battery's range before its number: 'Varta E44 577 400 078', 'Bosch S5 0 092 S50 080'
        "battery_range": (re.compile(r"(?<![\w-])[A-HS]\d{1,2}(?=\s+(?:0 092 |[5-7]\d{2} \d{3} \d{3}(?!\w)))"), "measure",
                          False),
        "org": (re.compile(r"(?<![\w-])(?:(?:no|se|dk|fi|de|nl|fr|gb)\s?\d[\d .]{6,13}\d(?:\s?mva)?|"
                           r"\d{3}\s?\d{3}\s?\d{3}\s?mva|\d{6}-\d{4}|\d{7}-\d)(?![\w-])", re.I), "org_number", True),
        "org_label": (re.compile(r"(?<!\w)(?:org\.?\s?(?:nr|no|nummer)?|orgnr|cvr|y-tunnus|ytunnus|vat|moms(?:nr)?|"
                                 r"ust-?id(?:nr)?|mva|btw|siret|siren|kvk|handelsregister|hrb)\.?\s?[:.#]?\s?"
                                 r"(?:[a-z]{2}\s?)?\d[\d .-]{4,16}\d", re.I), "org_number", True),
        "postcode": (re.compile(r"(?<![\w-])(?:[a-z]{1,2}-)?\d{3}\s?\d{2}(?=\s+[A-ZÅÄÖÆØÜ][a-zåäöæøüé]{2,})|"
                                r"(?<![\w-])(?:[a-z]{1,2}-)?\d{4,5}(?=\s+[A-ZÅÄÖÆØÜ][a-zåäöæøüé]{2,}(?:\s*$|\s*[,·•|]|\s*\n))|"
                                r"(?<![\w-])\d{4}(?=\s(?-i:[A-ZÅÄÖÆØÜ])[a-zåäöæøüé]{2,}\.(?!\w))",
                                re.I | re.M), "address", False),
        # a British postcode ('LS12 2PL', 'M17 1DB') and a Dutch one before its town ('3512 AB Utrecht')
        "postcode_uk_nl": (re.compile(r"(?<![\w-])(?:[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}|\d{4}\s?[A-Z]{2}(?=\s+[A-Z][a-z]{2,}))"
                                      r"(?![\w-])"), "address", True),
        "street": (re.compile(r"(?<!\w)[A-ZÅÄÖÆØÜ][\wåäöæøüé.-]*(?:gata|gatan|gate|gaten|vei|veien|veg|vegen|vej|vejen|"
                              r"gade|straße|strasse|str\.|weg|tie|katu|road|street|st\.|allé|allee|rue|laan|plein|"
                              r"torget|torg|väg|vägen|plads)\s\d{1,4}[a-z]?(?!\w)|"
                              r"(?<!\w)[A-ZÅÄÖÆØÜ][\wåäöæøüé-]+\s(?:Str\.|Straße|Strasse|Weg|Allee|Road|Street|Lane|Avenue|"
                              r"Gate|Vei|Vej|Gade|Gatan|Vägen|Rue)\s\d{1,4}[a-z]?(?!\w)|"
                              r"(?<!\w)(?:box|postboks|pb\.|postbox|postfach|postbus|bp|pl)\s?\d{1,5}(?!\w)", re.I),
                   "address", True),
        "phone": (re.compile(r"(?<![\w+.,/-])(?:\+\d{1,3}[\s-]?)?(?:\(0\)\s?)?(?:\d{2}\s\d{2}\s\d{2}\s\d{2}|"
                             r"\d{3}\s\d{2}\s\d{3}|0\d{1,3}[\s-]\d{3,4}\s?\d{2,4}|0\d{1,4}-\d{5,8}|"
                             r"0\d{2}\s\d{3}\s\d{2}\s\d{2}|0\d{2,3}\s\d{6,8}|\d{4}\s\d{4})(?![\w/-])"), "phone", False),
        "phone_dash": (re.compile(r"(?<![\w+.,/-])0\d{1,3}-\d{2,3}\s\d{2}\s\d{2}(?:\s\d{2})?(?![\w/-])"), "phone", True),
        "phone_label": (re.compile(r"(?<!\w)(?:tlf|tel|telefon|phone|puh|mob|mobil|mobile|gsm|fax|handy|ring|"
                                   r"call|soita|ringe?)\.?\s?[:.]?\s?(?:\+?\d[\d ()-]{5,18}\d)", re.I), "phone", True),
        "numbering": (re.compile(r"^\s*\d{1,2}[.)](?=\s)", re.M), "line_number", True),
        # 'Pos. 1: 2 Stück ...', 'Position 3 -', 'Rivi 2:': a position's number before its line
        "position": (re.compile(r"(?<!\w)(?:pos|position|posisjon|positie|rivi|ligne|zeile|line|rad)\.?[ \t]?\d{1,3}(?=[ \t]*[:.)–-])",
                                re.I), "line_number", True),
        "hash_ref": (re.compile(r"(?<!\w)(?:#|nr\.?|no\.?|n°|nro)\s?\d{2,10}(?!\w)", re.I), "reference", False),
        "email_url": (re.compile(r"[^\s@<>]{1,64}+@[^\s@<>]{1,255}+|https?://\S{1,500}+|www\.\S{1,500}+"), "email_url",
                      True),
        "ordinal": (re.compile(r"(?<!\w)\d{1,2}(?:\.|st|nd|rd|th|e|er|ème)?\s?(?:januar|februar|mars|march|april|mai|"
                               r"may|juni|june|juli|july|august|aug|september|sept?|oktober|october|okt|november|nov|"
                               r"desember|december|dezember|dec|jan|feb|mar|apr|jun|jul|"
                               r"tammikuuta|helmikuuta|maaliskuuta|huhtikuuta|toukokuuta|kesäkuuta|heinäkuuta|"
                               r"elokuuta|syyskuuta|lokakuuta|marraskuuta|joulukuuta|janvier|février|avril|juin|"
                               r"juillet|août|septembre|octobre|novembre|décembre|maart|mei)(?!\w)", re.I),
                    "date_time", True),
        "weekday_num": (re.compile(r"(?<!\w)(?:uke|vecka|uge|viikko|kw|week|woche|semaine)\s?\d{1,2}(?!\w)", re.I),
                        "date_time", True),
    }


def recognise(text: str) -> list[Claim]:
    """What the tokens of `text` plainly are, whatever the extractor made of them."""
    claims: list[Claim] = []
    for _key, (rx, role, strong) in _res().items():
        for m in rx.finditer(text):
            claims.append(Claim(m.start(), m.end(), role, strong))
    for m in _after_make().finditer(text):
        for name, value in m.groupdict().items():
            if value:
                s, e = m.span(name)
                claims.append(Claim(s, e, "model_code", True))
    for m in _model_word().finditer(text):
        if any(c.isdigit() for c in m.group("v")):
            claims.append(Claim(*m.span("v"), "model_code", True))
    for m in _model_shapes().finditer(text):
        claims.append(Claim(m.start(), m.end(), "model_code", False))
    for m in _model_names().finditer(text):
        claims.append(Claim(m.start(), m.end(), "model_code", True))
    claims += [Claim(s, e, "model_code", True) for s, e in _generation_spans(text)]
    for m in _odometer_label().finditer(text):
        claims.append(Claim(*m.span("v"), "odometer", True))
    for m in _model_year().finditer(text):
        claims.append(Claim(*m.span("v"), "model_code", True))
    for m in _res()["tyre"][0].finditer(text):
        # the rest of a tyre's clause is its designation: load and speed index, the tread's name ('Hakkapeliitta R5')
        end = re.search(r"[,;\n]|\.\s|\s(?:og|och|und|and|et|en|ja|\+)\s|$", text[m.end():])
        stop = m.end() + (end.start() if end else 0)
        claims += [Claim(m.end() + t.start(), m.end() + t.end(), "tyre_size", False)
                   for t in re.finditer(r"\S{1,5}", text[m.end():stop]) if any(c.isdigit() for c in t.group())]
        # a tread's generation just before the size ('Hakkapeliitta R5 225/45 R17', 'Ice Zero FR2 205/55')
        # ('WinterContact TS 870 205/55 R16': the tread's name with a blank in it)
        gen = re.search(r"(?<![\w/.-])([A-Za-z]{1,3}\d{1,2}|[A-Z]{2,3} \d{2,3})\s+$", text[max(0, m.start() - 12):m.start()])
        if "/" in m.group() and gen:
            at = max(0, m.start() - 12)
            claims.append(Claim(at + gen.start(1), at + gen.end(1), "tyre_size", False))
    claims += [Claim(s, e, "date_time", True) for s, e in _clock_words(text)]
    for m in _car_counts().finditer(text):
        claims.append(Claim(*m.span("n" if m.group("n") else "n2"), "count_echo", False))
    for role, rx in _never_code_res():
        claims += [Claim(m.start(), m.end(), role, True) for m in rx.finditer(text)]
    return claims


@cache
def _car_counts() -> re.Pattern:
    """A count of what the car has ('4 cilinders', 'all 4 wheels') or 'all N' repeating a line's count."""
    things = "|".join(common("car_counts"))
    every = "|".join(fragment(w) for w in common("all_words"))
    return re.compile(rf"(?<![\w.,/-])(?P<n>\d{{1,2}})\s(?:{things})(?!\w)|(?<!\w)(?:{every})\s(?P<n2>\d{{1,2}})(?![\w.,/-])", re.I)


_NEVER_CODE_ROLES = {"clock_suffix": "date_time", "odometer_thousands": "odometer", "range_with_unit": "measure",
                     "fluid_spec": "measure", "tyre_load_index": "tyre_size", "volume_glued": "measure",
                     "engine_glued": "model_code", "bulb_glued": "measure", "refrigerant": "measure",
                     "pin_count": "measure", "size_pair": "measure",
                     "blade_lengths": "measure", "battery_rating": "measure",
                     "fault_code": "fault_code", "rim_size": "tyre_size", "rim_offset": "tyre_size",
                     "bolt_pattern": "tyre_size", "centre_bore": "tyre_size", "thread_size": "measure",
                     "time_range": "date_time"}


@cache
def _never_code_res() -> list[tuple[str, re.Pattern]]:
    """part_grammar.json's shapes that are never part numbers, each with the role it plainly has."""
    with open(_DATA.parent / "part_grammar.json", encoding="utf-8") as fh:
        shapes = json.load(fh)["not_codes"]
    return [(_NEVER_CODE_ROLES[k], re.compile(rf"(?<![\w/.-])(?:{v})(?![\w/-])", re.I))
            for k, v in shapes.items() if k in _NEVER_CODE_ROLES]


@cache
def _model_names() -> re.Pattern:
    """Model names of the lexicon that hold a digit (A4, XC60, 206, T5, RAV4, ID.3)."""
    names = set(common("models")) | {re.escape(m) for m in _codes().get("models_extra", [])}
    alts = "|".join(sorted((m for m in names if any(c.isdigit() for c in m)), key=len, reverse=True))
    # ("Golf'en", "ID.4:seen": a Nordic or Finnish ending after the model)
    # ('bremserens 500 ml': a number with its unit is a size, not the Fiat)
    return re.compile(rf"(?<![\w/.-])(?:{alts})(?:['’][^\W\d_]{{1,5}}|:[^\W\d_]{{2,5}})?(?![\w/-])"
                      rf"(?!\s?(?:ml|l|ltr|mm|cm|kg|g|w|v|ah|nm|bar|km|stk|st|pcs|kpl)(?!\w))", re.I)


@cache
def _generation() -> re.Pattern:
    """A generation or series right after a make or model: Golf 7, Passat B8, Polo 6R, Octavia III, Mk4."""
    extra = sorted((re.escape(m) for m in _codes().get("models_extra", []) if re.search(r"[^\W\d_]", m)), key=len,
                   reverse=True)
    alts = "|".join(list(common("makes")) + list(common("models")) + extra)
    # a van's weight class before its engine: 'Transit 350 2.0 EcoBlue', 'Sprinter 316 CDI', 'Transit 350 L3H2'
    variant = r"\d{3}(?=[ \t]+(?:\d[.,]\d|[a-z]*(?:cdi|tdi|hdi|dci|ecoblue|tdci|crdi|multijet|jtd|d)(?!\w)|l\dh\d))"
    return re.compile(rf"(?<!\w)(?:{alts})[ \t]+(?P<v>\d{{1,2}}[a-z]?|[a-z]\d{{1,2}}[a-z]?|mk[ \t]?\d|[ivx]{{1,4}}|{variant})"
                      rf"(?![\w/-])", re.I)


@cache
def _any_part_format() -> re.Pattern:
    """Every shape of part_grammar.json, the generic ones too: a code after a model that fits none is no part number."""
    with open(_DATA.parent / "part_grammar.json", encoding="utf-8") as fh:
        formats = json.load(fh)["formats"]
    return re.compile("|".join(f"(?:{v})" for v in formats.values()), re.I)


@cache
def _glued_generation() -> re.Pattern:
    """A model of four letters or more with its generation glued on, as text messages write it ('golf7')."""
    alts = "|".join(m for m in common("models") if re.fullmatch(r"[^\W\d_]{4,}", m))
    return re.compile(rf"(?<![\w/.-])(?:{alts})\d{{1,2}}(?![\w/-])", re.I)


def _generation_spans(text: str) -> list[tuple[int, int]]:
    """_generation's codes, a model's own code counting as the name before the next ('Audi A4 B8': A4 and B8),
    and a generation glued to its model ('golf7')."""
    out = [m.span() for m in _glued_generation().finditer(text)]
    pos = 0
    while (m := _generation().search(text, pos)) is not None:
        out.append(m.span("v"))
        pos = m.start("v")
    return out


@cache
def _model_year() -> re.Pattern:
    """A model year written short after the vehicle: 'Golf GTI -12', 'Model 3 -21', "V70 '08"."""
    return re.compile(rf"(?<!\w){vehicle_names('makes', 'models')}(?:[ \t]+[\w.]{{1,8}}){{0,3}}?[ \t]+"
                      rf"(?P<v>[-–'’](?:[0-2]\d|[89]\d))(?![\w/-]|[.,]\d)", re.I)


@cache
def _odometer_label() -> re.Pattern:
    alts = "|".join(sorted(_codes().get("odometer_labels", []), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})\.?[ \t]?[:.]?[ \t]{{0,12}}(?P<v>\d{{1,3}}(?:[ .]\d{{3}})*+)(?!\d)", re.I)


@cache
def _after_prep() -> re.Pattern:
    """A model designation right after a vehicle preposition: 'til C 200 W204', 'für E 220 CDI', 'pour 308'."""
    preps = "til|till|for|för|für|fur|pour|voor|to|på|on|auf|sur|op"
    code = r"[A-Z]{1,3}\s?\d{3}(?:\s?(?:CDI|d|e|i))?(?:\s\(?W\d{3}\)?)?|W\d{3}|[A-Z]\d{2}|\d{3}[dei]"
    return re.compile(rf"(?<!\w)(?:{preps})\s+(?:(?:en|ein|une|un|the|a|la|le|den|det|min|vår)\s+)?(?P<v>{code})(?![\w/-])(?!\s?\d)")


@cache
def _certain_shapes() -> re.Pattern:
    return re.compile(rf"(?<![\w/.-])(?:{'|'.join(_codes()['certain_shapes'])})(?![\w/-])", re.I)


@cache
def _vehicle_line_word() -> re.Pattern:
    return re.compile(rf"(?<!\w){vehicle_names('makes', 'models', extra=tuple(_codes()['model_words']))}(?!\w)", re.I)


@cache
def _code_prefixes() -> frozenset[str]:
    """The letter prefixes of filter and plug numbers ('OC', 'HU', 'LX', 'W'): a number after one is the part's."""
    with open(_DATA.parent / "part_grammar.json", encoding="utf-8") as fh:
        return frozenset(p.lower() for p in json.load(fh)["lowercase_prefixes"]["prefixes"] if len(p) >= 2)


def vehicle_code_spans(text: str) -> list[tuple[int, int]]:
    """Model, chassis and engine codes and odometer readings that are certain by their surroundings: after a make
    or a model word ("Mercedes C 200", "Golf 7", "motor 2KD-FTV", "km-stand 187 000"), a model of the lexicon that
    holds a digit, or a code of a model or engine shape on a line that names the vehicle. Masked before the lines
    are read, so none of them becomes a part number."""
    from app.reading.extract.partnumbers import _whole_formats

    certain, spans = [], []
    for m in _after_make().finditer(text):
        certain += [m.span(n) for n, v in m.groupdict().items() if v]
    certain += [m.span("v") for m in _model_word().finditer(text) if any(c.isdigit() for c in m.group("v"))]
    certain += [m.span() for m in _certain_shapes().finditer(text)]
    spans += [m.span() for m in _model_names().finditer(text)]
    spans += _generation_spans(text)
    spans += [m.span("v") for m in _odometer_label().finditer(text)]
    certain += [m.span("v") for m in _model_year().finditer(text)]
    spans += [m.span("v") for m in _after_prep().finditer(text)]
    pos = 0
    for line in text.split("\n"):
        if _vehicle_line_word().search(line):
            spans += [(pos + m.start(), pos + m.end()) for m in _model_shapes().finditer(line)
                      if not re.fullmatch(r"(?:19|20)\d{2}", m.group())]
        pos += len(line) + 1
    # 'V70 D5 (D5244T4, 2009)': the engine code first in a bracket that lists the year or the power after it
    for m in re.finditer(r"\((?P<v>[A-Za-z0-9]{2,8}(?:-[A-Za-z0-9]{2,4}|(?<=[A-Za-z]\d[A-Za-z]) \d{3})?)"
                         r"(?:[,;]\s*(?:(?:19|20)\d{2}|\d{2,3}\s?(?:hk|hp|ps|kw|cv|ch)))?\)", text, re.I):
        # ('K9K 836': Renault's engine with its variant)
        # '35C15 3.0 (F1C)', 'Golf VI 1.6 TDI (CAYC)': an engine code in brackets right after the vehicle
        before = text[max(0, m.start() - 40):m.start()].split("\n")[-1]
        code = m.group("v")
        if ((re.search(r"\d", code) and re.search(r"[^\W\d_]", code) or re.fullmatch(r"\d{3}", code)
             and _vehicle_line_word().search(before[-30:])) and not has_part_noun(ENGINE_BY_SIZE.sub(" ", before))
                and (_vehicle_line_word().search(before) or re.search(r"\d[.,]\d\s*\w*\s*$", before))):
            certain.append(m.span("v"))
    for s, e in list(certain) + list(spans):
        # 'Iveco Daily 35S16 / F1AGL411', 'Golf 7, CHHA': the engine code after the model, on a line naming no part
        m = re.compile(r"[ \t]*[/,][ \t]*(?P<v>(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9-]{3,10})(?![\w/-]|\.\w)").match(text, e)
        line = text[text.rfind("\n", 0, s) + 1:(text.find("\n", e) + 1 or len(text) + 1) - 1]
        if m and (not has_part_noun(line) or not _any_part_format().fullmatch(m.group("v"))):
            certain.append(m.span("v"))
    parts = _whole_formats(text, True)
    tail = re.compile(r"[ \t]+(?:[a-z]{1,2}\d{1,2}[a-z]?|\d\.\d[a-z]{0,4})(?![\w/.-])", re.I)
    grown = []
    for s, e in spans:
        m = tail.match(text, e)
        grown.append((s, m.end()) if m else (s, e))
    spans = grown
    out = []
    for s, e, sure in [(s, e, True) for s, e in certain] + [(s, e, False) for s, e in spans]:
        if any(p.start < e and s < p.end for p in parts):
            continue
        if not sure and (re.search(r"(?<![^\s(/.-])\d{1,4}[ .\n]$", text[max(0, s - 6):s])  # (or wrapped)
                         and not re.search(r"(?<![\d.,])\d[.,]\d $", text[max(0, s - 6):s])  # 'Astra 1.4 A14NET': a displacement
                         or re.match(r"[ .]\d", text[e:e + 2])):
            continue  # "1 987 473 500", "0 986 479 B93": a group of a longer number, not a Fiat 500 or a B-engine
            # (after a model that holds a digit, 'XC60 B4204T', 'i30 D4FB', the code is the engine's)
        before = re.search(r"([^\W\d_][\w-]*)\s+$", text[max(0, s - 20):s])
        if before and before.group(1).lower() in brand_set():
            continue  # "Varta E11": a battery, not a chassis code
        if not sure and before and before.group(1).lower() in _code_prefixes():
            continue  # "Mahle OC 306": a filter's number, not a Peugeot 306
        out.append((s, e))
    return out


@cache
def _certain_other() -> re.Pattern:
    cur = _currency()
    # not the last groups of a spaced number ("3 397 007 187 EUR" is a Bosch number), but after a code ("G8116 1 250,00 €")
    num = (r"(?<!\s\d{3}[ .])(?<!^\d{3}[ .])(?<!\s\d[ .])(?<!^\d[ .])"
           r"(?:\d{1,3}(?:[ .]\d{3})?+(?:[.,]\d{1,2})?+(?:,-)?|\d+(?:[.,]\d{1,2})?+(?:,-)?)")
    return re.compile(
        rf"(?<![\w+.,/-])0\d{{1,3}}-\d{{2,4}}(?:[ \t]\d{{2,3}}){{1,3}}(?![\w/-])"                 # 040-12 34 56, 08-123 456 78
        rf"|(?<!\w)(?:tlf|tel|telefon|phone|puh|mob|mobil|mobile|gsm|fax|handy)\.?\s?[:.]?\s?\+?\d[\d ()/-]{{5,18}}\d"
        rf"|(?<!\w)(?:ring|ringe|ringer|call|soita|soitto|anrufen|ruf|rückfragen|erreichbar|appelez|appeler|bel)[ \t]+(?:[^\W\d_]+[ \t]+){{0,4}}?"
        rf"(?:på|paa|on|at|op|unter|au|numeroon|nummer)?[ \t]*\+?\d[\d ()/-]{{5,18}}\d"
        rf"|(?<![\w-])(?:se|dk|fi|de|nl|fr|gb|no)\d{{8,12}}(?:mva|01)?(?![\w-])"                     # SE556712345601
        rf"|(?<![\w-])\d{{3}}\s?\d{{3}}\s?\d{{3}}\s?mva(?!\w)"
        rf"|(?<!\w)(?:org\.?\s?(?:nr|no|nummer)?|orgnr|cvr|y-tunnus|ytunnus|vat|momsnr|ust-?id(?:nr)?|btw|kvk)\.?\s?[:.#]?\s?"
        rf"(?:[a-z]{{2}}\s?)?\d[\d .-]{{4,16}}\d"
        rf"|(?<![\w.,/-])(?:{num})[ \t]?(?:{cur})(?!\w)(?![ \t]?\d)|(?<!\w)(?:{cur})\.?[ \t]?(?:{num})"  # prices
        rf"|(?<!\w)(?:à|á|@)[ \t]?(?:(?:{cur})\.?[ \t]?)?(?:{num})(?!\d)(?:[ \t]?(?:{cur})(?!\w))?"
        rf"|(?<![\w.,/-])\d{{1,3}}(?:[ .]\d{{3}})?,-(?![\w-])"                                        # 390,-
        rf"|(?<!\w)(?:rcs|siren|siret|kvk|hrb|hra)[ \t]+(?:[^\W\d_]+[ \t]+)?(?:[a-z][ \t])?\d[\d ]{{6,14}}\d"
        rf"|(?<![\w.])\d{{1,2}}[./]\d{{1,2}}[./](?:\d{{4}}|\d{{2}})(?![\w/])|(?<![\w.])\d{{4}}-\d{{2}}-\d{{2}}(?!\w)"
        rf"|(?<![\w./-])(?:0?[1-9]|1[0-2])[./](?:19[5-9]\d|20[0-3]\d)(?![\w/-]|\.\d)"                       # EZ 09/2018
        rf"|(?<!\w)(?:kl|klo|klockan|kello|um)\.?\s?(?:[01]?\d|2[0-3])(?:[:.][0-5]\d)?(?:\s?(?:uhr|h))?(?!\w)"
        rf"|(?<![\w.:])(?:[01]?\d|2[0-3])[:.][0-5]\d(?=\s?(?:uhr|h\b|-?tiden|-?ajan|am\b|pm\b))"
        rf"|(?<![\w.:])(?:[01]?\d|2[0-3]):[0-5]\d(?![\w:])"
        rf"|(?<![\w.:])(?:[01]?\d|2[0-3])h[0-5]\d(?![\w:])"                                          # 16h30
        rf"|(?<![\w-])(?:r-?134a|r-?1234yf|(?:pag|iso(?:[ -]?vg)?)[ -]?(?:32|46|68|100|150))(?![\w-])"           # R134a, PAG 46
        rf"|(?<![\w.,])\d{{1,3}}(?:[ .]?000)[ -]?(?:km[ -]?)?(?:service|servicen|huolto|inspektion|wartung|entretien|"
        rf"onderhoud|beurt)(?!\w)"                                                                  # 120 000-service
        rf"|(?<![\w.,/-])\d{{2,3}}[ ]?ah[ ]?/[ ]?\d{{3,4}}[ ]?a(?:[ ]?\(?en\)?)?(?![\w/-])"                  # 70Ah/640A
        rf"|(?<!\w)(?:feilkode|felkod|fejlkode|vikakoodi|fehlercode|fault[ ]code|dtc|code[ ]défaut|code[ ]defaut|foutcode)"
        rf"[ \t]*[:.]?[ \t]*(?-i:[PBCU][0-3][0-9A-F]{{3}})(?:[ \t]*(?:[/,]|og|och|und|and|et|en|ja)[ \t]*(?-i:[PBCU][0-3][0-9A-F]{{3}}))*"
        rf"|(?<![\w-])(?-i:[A-Z]{{1,2}}\d[A-Z\d]?[ ]\d[A-Z]{{2}})(?![\w-])",                              # LS12 2PL
        re.I)


# an English hour ('10am', '3.30 pm') and half past the hour before as the Nordics, Germans and Dutch say it ('om half
# 4', 'kl halv 3', 'um halb 5'); looked for only where such a word is (each branch of a long alternation costs at every
# position of a long text)
_CLOCK_WORDS = re.compile(r"(?<![\w.:])(?:0?[1-9]|1[0-2])(?:[:.][0-5]\d)?\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)|"
                          r"(?<!\w)(?:half|halv|halb|puoli)[ \t](?:[1-9]|1[0-2])(?![\w.,:/]|[.,]\d)", re.I)
_CLOCK_HINT = re.compile(r"(?i)[ap]\.?m|hal[fvb]|puoli")


def _clock_words(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _CLOCK_WORDS.finditer(text)] if _CLOCK_HINT.search(text) else []


def certain_other_spans(text: str) -> list[tuple[int, int]]:
    """Phone numbers, org and VAT numbers, prices, dates and clock times that nothing but their role can be:
    masked before the lines are read, so they become neither part numbers nor quantities nor descriptions."""
    from app.reading.extract.partnumbers import _whole_formats

    parts = _whole_formats(text, True)
    return [span for span in [m.span() for m in _certain_other().finditer(text)] + _clock_words(text)
            if not any(p.start < span[1] and span[0] < p.end for p in parts)]


def _overlaps(token: Token, claim: Claim) -> bool:
    return claim.start < token.end and token.start < claim.end and (
        claim.start <= token.start and token.end <= claim.end
        or min(claim.end, token.end) - max(claim.start, token.start) >= (token.end - token.start) / 2)


def account(text: str, extracted: list[Claim], line_spans: list[tuple[int, int]]) -> Accounting:
    """Give every code-like token of `text` in or beside an order line its roles. `extracted` are the extractor's
    own claims (part numbers, quantities, plates ...); `line_spans` the stretches each order line was read from.
    Tokens away from the lines are only counted (`stray`)."""
    tokens = code_tokens(text)
    near = _merge(_near_lines(text, line_spans))
    near_starts = [s for s, _ in near]
    claims = sorted(extracted + recognise(text), key=lambda c: c.start)
    starts = [c.start for c in claims]
    unexplained, conflicts, stray, kept, stray_unexplained = [], [], 0, [], []
    for t in tokens:
        i = bisect.bisect_right(near_starts, t.start) - 1
        if i < 0 or t.start >= near[i][1]:
            stray += 1
            lo = bisect.bisect_left(starts, t.start - 160)
            if not any(_overlaps(t, c) for c in claims[lo:] if c.start < t.end):
                stray_unexplained.append(t)
            continue
        kept.append(t)
        lo = bisect.bisect_left(starts, t.start - 160)
        pn_spans, strong = [], []
        for c in claims[lo:]:
            if c.start >= t.end:
                break
            if _overlaps(t, c):
                t.roles.add(c.role)
                if c.role == "part_number":
                    pn_spans.append(c)
                elif c.strong or c.role in EXTRACTED:
                    strong.append(c)
        t.strong_roles = {c.role for c in strong}
        if "count_echo" in t.roles:
            t.roles.discard("count_echo")
            if not t.roles and _echoes_a_count(text, t, extracted):
                t.roles.add("quantity")
        if not t.roles:
            unexplained.append(t)
            continue
        # a part number that another reading explains whole ("320d" as a model, "24.05." as a date)
        clash = [c for c in strong if c.role not in ("quantity", "reference", "line_number", "table_row")
                 and any(c.start <= p.start and p.end <= c.end for p in pn_spans)]
        if pn_spans and clash:
            t.strong_roles = {"part_number"} | {c.role for c in clash}
            conflicts.append(t)
    return Accounting(kept, unexplained, conflicts, stray, stray_unexplained)


def _echoes_a_count(text: str, token: Token, extracted: list[Claim]) -> bool:
    """'4 stuks (alle 4 cilinders)': the number beside 'all' or a thing the car has repeats a count read on the same
    text line. A different number there ('2st ... nej fyra, byt alla 4') is no echo: it stays unread."""
    ls, le = text.rfind("\n", 0, token.start) + 1, text.find("\n", token.end)
    le = len(text) if le < 0 else le
    counts = {int(d) for c in extracted if c.role == "quantity" and ls <= c.start < le
              for d in re.findall(r"\d+", text[c.start:c.end])}
    return token.text.isdigit() and int(token.text) in counts


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def _near_lines(text: str, line_spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The text lines that hold an order line's evidence: a token there with no role may belong to it."""
    out = []
    for s, e in line_spans:
        ls = text.rfind("\n", 0, s) + 1
        le = text.find("\n", e)
        out.append((ls, len(text) if le < 0 else le))
    return out
