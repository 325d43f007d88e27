"""Order-line descriptions as a clerk wants to read them: without prices, the vehicle they are for, greetings,
request phrases ("can we get", "il me faudrait") and trailing thanks."""
from __future__ import annotations

import re
from functools import cache

from app.reading.extract.lexicon import common, has_part_noun, vehicle_names, words


@cache
def _lead_noise() -> re.Pattern:
    alts = "|".join(words("fillers") + common("greetings"))
    return re.compile(rf"^[\s,:;.!?\-–]*(?:(?:{alts})(?!\w)[\s,:;.!?\-–]*)+", re.I)


@cache
def _tail_noise() -> re.Pattern:
    # whole words only: 'Varta' keeps its 'ta', 'Schiebedach' its 'dach'
    return re.compile(r"[\s,:;.!?\-–(]*(?:(?<!\w)(?:please|pls|takk|tack|tak|kiitos|bitte|danke|merci|svp|graag|thanks|"
                      r"thx|ta)(?!\w)[\s,.!]*)*$", re.I)


@cache
def _price() -> re.Pattern:
    cur = "|".join(common("currency"))
    return re.compile(rf"(?:(?<!\w)(?:à|@|a|á|per|pr\.?|je)\s*)?(?:(?:{cur})\s?\d+(?:[.,]\d{{1,2}})?|\d+(?:[.,]\d{{1,2}})?\s?"
                      rf"(?:{cur})(?!\w))(?:\s*(?:/|pr\.?|per|le|la|each|stk)\s*\w+)?", re.I)


@cache
def _vehicle_tail(lang: str) -> re.Pattern:
    preps = "|".join(words("vehicle_preps", (lang, "en")) + ("til", "till", "for", "für", "pour", "voor", "to"))
    vehicle = vehicle_names("makes", "models", "car_words")
    return re.compile(rf"(?<=\S)\s(?:{preps})\s+(?:(?:en|ein|une|un|the|a|la|le|den|det|vores|vår|our|min)\s+)?"
                      rf"(?:(?:samma|samme|same|selben|gleichen|même|zelfde|sama)\s+)?"  # 'till samma bil'
                      rf"(?:(?:{vehicle})(?!\w)|\s{{3,}}|\s*$).*$", re.I | re.S)


@cache
def _masked_vehicle_tail(lang: str) -> re.Pattern:
    preps = "|".join(words("vehicle_preps", (lang, "en")) + ("til", "till", "for", "für", "pour", "voor", "to"))
    return re.compile(rf"(?<=\S)\s(?:{preps})\s+(?:(?:en|ein|une|un|the|a|la|le|den|det|vores|vår|our|min)\s+)?"
                      rf"\s{{3,}}.*$", re.I | re.S)


@cache
def _request_phrase() -> re.Pattern:
    alts = "|".join(w for w in words("fillers") if " " in w or len(w) >= 6)
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.I)


@cache
def _comma_vehicle() -> re.Pattern:
    vehicle = vehicle_names("makes", "models")
    return re.compile(rf",\s*(?:{vehicle})(?!\w)[^,]*(?:,\s*\w{{0,8}})?\s*$", re.I)


@cache
def _salutation() -> re.Pattern:
    alts = "|".join(common("greetings"))
    return re.compile(rf"^\s*(?:{alts})(?P<who>(?:\s+[^\W\d_][\w'-]*){{1,3}})\s*[,:!]\s*", re.I)


def _drop_salutation(text: str) -> str:
    """'hi mate, cabin filter', 'Hej Brian, bromsskivor', 'Hallo zusammen: Bremsbeläge': the greeting and whom it
    greets, unless those words name the part."""
    m = _salutation().match(text)
    return text[m.end():] if m and not has_part_noun(m.group("who")) else text


_LEAD_IN = re.compile(r"^(?P<lead>[^:–—\n]{1,48}?)\s*(?::|\s[–—-])\s+(?=\S)")


def _drop_lead_in(text: str) -> str:
    """'Eilig: Zahnriemensatz', 'Volvo – skivor fram', 'Lägg till på : termostat': words before a colon or a dash
    that name no part introduce the line; the part comes after them."""
    m = _LEAD_IN.match(text)
    return text[m.end():] if m and not has_part_noun(m.group("lead")) else text


# 'Kan du legge av', 'Can you add', 'Könnt ihr bitte schicken', 'Voitteko tilata': a question asking for the part
_MODAL_LEAD = re.compile(
    r"^\s*(?:kan|kunne|can|could|would|könnt|können|könnten|kunnen|kunt|kun|pouvez|pourriez|peux|voitteko|voisitteko|"
    r"voitko|voisitko)\s+(?:du|dere|ni|i|you|u|jullie|ihr|sie|vous|tu|te)\s+"
    r"(?:(?:please|pls|bitte|svp|gerne|gjerne|gärna|graag|venligst)\s+)?[^\W\d_]+"
    r"(?:\s+(?:av|til|till|to|on|in|me|us|mig|meg|mir|uns|nous|ons|oss|os|mij|ut|ud|out|over)(?!\w)){0,2}\s+", re.I)
# '... to order pls', '... til ordren', '..., same Focus', '... til hjullasteren': what the part is for, not the part
_ORDER_TAIL = re.compile(r"\s+(?:to|til|till|zur|zu|à|aan|bij|in|på)\s+(?:the\s+|my\s+|our\s+|die\s+|der\s+|de\s+|la\s+|"
                         r"vores\s+|vår\s+)?(?:order|ordre|ordren|ordern|ordrer|bestellung|commande|bestelling|"
                         r"tilaukseen|tilaus|beställningen|bestillingen)(?!\w).*$", re.I)
_SAME_TAIL = re.compile(r"[,;]\s*(?:same|samme|samma|gleiche[rn]?|même|zelfde|sama)\s+\S+.*$", re.I)
_DEFINITE_TAIL = re.compile(r"\s(?:til|till|för|for)\s+(?:den\s+|det\s+)?[^\W\d_]{3,}(?:en|et|na|ne|an)\s*$", re.I)


def _drop_modal_lead(text: str) -> str:
    m = _MODAL_LEAD.match(text)
    return text[m.end():] if m and not has_part_noun(m.group()) and has_part_noun(text[m.end():]) else text


@cache
def _capital_vehicle() -> re.Pattern:
    return re.compile(rf"\s(?=[A-Z])(?:{vehicle_names('makes', 'models')})(?!\w)")


def _drop_job_tails(text: str) -> str:
    for rx in (_ORDER_TAIL, _SAME_TAIL, _DEFINITE_TAIL):
        m = rx.search(text)
        if m and m.start() > 0 and has_part_noun(text[:m.start()]) and not has_part_noun(m.group()):
            text = text[:m.start()]
    # 'hehkutulppia NGK      Daily 35C15:een, rek': the vehicle named after the part without a preposition, and
    # nothing naming a part after it
    m = _capital_vehicle().search(text)
    if (m and has_part_noun(text[:m.start()]) and not has_part_noun(text[m.start():])
            and not re.match(r"\s?\d{3}[ .]\d", text[m.end():])):  # 'olja 0W-20 VW 508 00': the maker's oil norm
        text = text[:m.start()]
    return text


_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]+")


def clean_description(text: str, lang: str) -> str | None:
    text = _price().sub(" ", text)
    # '👋 Osram H7 pærer', 'bakvisker til      😅 henter kl halv 4': an emoji ends a sentence and is no part's word
    cut = _EMOJI.search(text)
    while cut and cut.start() > 0 and not has_part_noun(text[:cut.start()]):
        text = text[:cut.start()] + " " + text[cut.end():]
        cut = _EMOJI.search(text)
    if cut and has_part_noun(text[:cut.start()]):
        text = text[:cut.start()]
    text = _EMOJI.sub(" ", text)
    # 'torkarblad Bosch     . Hämtar efter': the sentence after the part's number (masked) and a full stop is no part
    # of its description
    cut = re.search(r"\s{2,}[.!]\s+[A-ZÅÄÖÆØÜ]", text)
    if cut and has_part_noun(text[:cut.start()]):
        text = text[:cut.start()]
    gap = _masked_vehicle_tail(lang).search(" " + text)
    if gap and not has_part_noun(gap.group()):
        text = (" " + text)[:gap.start()]  # while a masked vehicle still leaves its gap ('til en     D4 2015')
    text = drop_asides(text) or ""
    m = _request_phrase().search(text)
    if m and not has_part_noun(text[:m.start()]):
        text = text[m.end():]  # "no rush but can we get wiper blades" -> "wiper blades"
    text = _vehicle_tail(lang).sub("", " " + text)
    text = _comma_vehicle().sub("", text)
    text = _drop_modal_lead(text)
    text = _drop_job_tails(text)
    text = re.sub(r"(?<!\w)(?:reg\.?(?:\s?nr\.?)?|rek\.?(?:\s?nro\.?)?|immat\.?|kenteken|kennzeichen)(?!\w)", " ", text,
                  flags=re.I)
    text = re.sub(r"\s+:[^\W\d_]{1,4}(?=[\s,.;]|$)", " ", text)  # 'NGK      :een': a Finnish case ending, its word masked
    text = re.sub(r"\s+", " ", text)
    text = _drop_lead_in(_drop_salutation(text))
    for _ in range(4):
        new = _lead_noise().sub("", text)
        if new == text:
            break
        text = new
    text = re.sub(r"^\s*(?:(?:of|av|af|von|van|de)\s+|d')(?=\w)", "", text, flags=re.I)  # "a pair of wiper blades"
    text = _tail_noise().sub("", text)
    text = re.sub(r"(?:\s+(?:til|till|for|för|für|to|pour|voor|på|on|auf|sur|op|de|av|af|von|van|før|innen|inden|"
                  r"före|bis|avant|by|before|until|ennen|vor|um|kl|klo|netto|brutto|ekskl|inkl|exkl|excl|eks|mva|moms|"
                  r"alv|ttc|ht|btw)\.?)+\s*$", "", text,
                  flags=re.I)  # "bremseskiver til" once the plate after it is masked
    text = re.sub(r"\s+:[^\W\d_]{1,3}$", "", text)  # 'baktorkare till V70:n' once the model is masked
    text = re.sub(r"(?:\s+(?:til|till|for|för|für|to|pour|voor|på)\.?)+\s*$", "", text, flags=re.I)
    text = re.sub(r"^[\s,:;.!?\-–()]+|[\s,:;.!?\-–(]+$", "", text)
    text = re.sub(r"\(\s*\)", "", text).strip()
    return text or None


_PAREN = re.compile(r"\(([^()]{0,80})\)|\(([^()]{0,80})$")
_DASH_TAIL = re.compile(r"\s[–—-]\s(?P<tail>[^–—]*)$")


def drop_asides(text: str | None) -> str | None:
    """A remark in brackets or after a dash that names no part ('(motorkode )', '– innen') is not the part."""
    if not text:
        return text
    # a closed remark that names a part stays; an unclosed one (the sentence was cut inside it) never does
    text = _PAREN.sub(lambda m: m.group(0) if m.group(1) and has_part_noun(m.group(1)) else " ", text)
    m = _DASH_TAIL.search(text)
    if m and not has_part_noun(m.group("tail")):
        text = text[:m.start()]
    text = re.sub(r"\s+", " ", text).strip(" ,;:-–")
    return text or None
