"""Per-language word lists (app/reading/lexicons/*.json), loaded once and compiled into regexes.

Every entry in a lexicon is a case-insensitive regex fragment. Patterns built here are cached, so a
message costs no compilation after the first one.
"""
from __future__ import annotations

import functools
import json
import re
from functools import cache
from pathlib import Path

LANGUAGES = ("no", "sv", "da", "fi", "de", "en", "fr", "nl")
_DIR = Path(__file__).resolve().parent.parent / "lexicons"

# A "word" edge that treats Nordic/German/French letters and digits as word characters.
WB_L = r"(?<![\w])"
WB_R = r"(?![\w])"


@cache
def lexicon(lang: str) -> dict:
    """The lexicon of one language (or "common")."""
    with open(_DIR / f"{lang}.json", encoding="utf-8") as fh:
        return json.load(fh)


@cache
def words(key: str, langs: tuple[str, ...] = LANGUAGES) -> tuple[str, ...]:
    """All fragments under `key` for `langs`, longest first so alternations prefer the longest phrase."""
    out: set[str] = set()
    for lang in langs:
        value = lexicon(lang).get(key, [])
        out.update(value.keys() if isinstance(value, dict) else value)
    return tuple(sorted(out, key=len, reverse=True))


@cache
def common(key: str) -> tuple[str, ...]:
    return tuple(sorted(lexicon("common").get(key, []), key=len, reverse=True))


def fragment(word: str) -> str:
    # Plain words in the JSON may contain regex syntax on purpose; spaces match any whitespace.
    return word.replace(" ?", r"\s?").replace(" ", r"\s+")


@cache
def pattern(key: str, langs: tuple[str, ...] = LANGUAGES, *, edges: bool = True, flags: int = re.I) -> re.Pattern:
    """One compiled alternation of every fragment under `key` (word-bounded unless edges=False)."""
    alts = "|".join(fragment(w) for w in words(key, langs))
    if not alts:
        return re.compile(r"(?!x)x")
    return re.compile(f"{WB_L}(?:{alts}){WB_R}" if edges else f"(?:{alts})", flags)


@cache
def common_pattern(key: str, *, edges: bool = True) -> re.Pattern:
    alts = "|".join(fragment(w) for w in common(key))
    return re.compile(f"{WB_L}(?:{alts}){WB_R}" if edges else f"(?:{alts})", re.I)


@cache
def number_words() -> dict[str, int]:
    """Number words of every language; a word that means different numbers keeps the smallest."""
    merged: dict[str, int] = {}
    for lang in LANGUAGES:
        for word, value in lexicon(lang).get("number_words", {}).items():
            merged[word] = min(value, merged.get(word, value))
    return merged


@cache
def number_word_pattern() -> re.Pattern:
    alts = "|".join(fragment(w) for w in sorted(number_words(), key=len, reverse=True))
    return re.compile(f"{WB_L}({alts}){WB_R}", re.I)


@cache
def brand_set() -> frozenset[str]:
    return frozenset(common("brands"))


@cache
def brands_lower() -> frozenset[str]:
    """The brands as lower-case words, for comparing with a word as written ('MANN', 'Mann')."""
    return frozenset(b.lower() for b in brand_set())


def trie_alternation(words) -> str:
    """The literal `words` as one regex alternation shaped as a trie ('brems(?:e(?:skive|klosser))'): it matches
    what the longest-first alternation matches, the longest word at each place, but the engine tries one branch
    per letter instead of every word at every position of the text."""
    root: dict = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return ("(?:" + body + ")?") if len(branches) == 1 else body + "?"
        return body

    return emit(root)


@cache
def part_noun_re() -> re.Pattern:
    """Long stems match anywhere in a word (bremseskiver, Bremsscheiben); short ones at a word's start or end."""
    stems = {x.strip().lower() for x in common("part_nouns")}
    long_alts = trie_alternation(x for x in stems if len(x) >= 4)
    short_alts = trie_alternation(x for x in stems if len(x) < 4)
    viscosity = r"(?<!\w)\d{1,2}\s?w-?\d{2}(?!\w)"  # 5W-30 names an oil by itself
    # words that begin with a stem and name no part ('dekker' covers, 'discount', 'Sparkasse')
    nots = "|".join(re.escape(w) for w in common("part_noun_not"))
    guard = rf"(?!(?:{nots}))" if nots else ""
    # a short stem ending a word that names no part: German datives ('unserem', 'ihrem', 'anderem' end in 'rem')
    not_end = "".join(rf"(?<!{w})" for w in ("unse", "ih", "eu", "ande", "weite", "besse", "jede", "diese", "welche"))
    return re.compile(rf"{guard}(?:(?:{long_alts})|(?<![^\W\d_])(?:{short_alts})|{not_end}(?:{short_alts})(?![^\W\d_]))"
                      rf"|{viscosity}", re.I)


@functools.lru_cache(maxsize=4096)
def has_part_noun(text: str) -> bool:
    """Whether any word of `text` names a part (brake, filter, bremseskiver, jarrupalat ...)."""
    return bool(part_noun_re().search(text))


def vehicle_names(*keys: str, extra: tuple[str, ...] = ()) -> str:
    """An alternation of the vehicle names under `keys` (makes, models) that also takes their inflected forms:
    a Nordic or Finnish ending after a name of four letters or more ('Sprintern', 'Passaten', 'Corollaan'), and
    any ending after an apostrophe ('A3'eren', 'XC60'en'). Use with a word edge after it."""
    names = set(extra).union(*(common(k) for k in keys))
    plain = {n for n in names if not re.search(r"[\\()\[\]?*+|.{}^$]", n)}
    alts = "|".join([trie_alternation(plain)] + sorted(names - plain, key=len, reverse=True))  # a trie: see there
    ends = "|".join(common("vehicle_name_suffixes"))
    return rf"(?:{alts})(?:['’][^\W\d_]{{1,5}}|(?<=[^\W\d_]{{4}})(?:{ends}))?"


# '1.4 Turbo', '2.5 Hybrid': the engine named by its size, not a part asked for
ENGINE_BY_SIZE = re.compile(r"(?<=\d[.,]\d)\s?(?:turbo|hybrid|diesel)(?!\w)", re.I)
