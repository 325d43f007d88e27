"""Which of the eight languages a message is written in: marker words and letters, helped by hints
(Content-Language, the sender's phone prefix or domain)."""
from __future__ import annotations

import re
from collections import Counter
from functools import cache

from app.reading.extract.lexicon import LANGUAGES, lexicon

_PHONE_PREFIX = {"+47": "no", "+46": "sv", "+45": "da", "+358": "fi", "+49": "de", "+43": "de", "+41": "de",
                 "+44": "en", "+353": "en", "+33": "fr", "+32": "nl", "+31": "nl"}
_TLD = {"no": "no", "se": "sv", "dk": "da", "fi": "fi", "de": "de", "at": "de", "ch": "de", "uk": "en",
        "ie": "en", "fr": "fr", "nl": "nl", "be": "nl"}
_CHARS = {"æ": ("no", "da"), "ø": ("no", "da"), "ä": ("sv", "fi", "de"), "ö": ("sv", "fi", "de"),
          "ß": ("de",), "ü": ("de",), "é": ("fr",), "è": ("fr",), "ç": ("fr",), "ê": ("fr",), "à": ("fr",),
          "å": ("no", "sv", "da")}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@cache
def _markers() -> dict[str, dict[str, float]]:
    """word -> {lang: weight}; a word shared by several languages weighs less in each."""
    owners: dict[str, set[str]] = {}
    for lang in LANGUAGES:
        for w in lexicon(lang).get("markers", []):
            owners.setdefault(w.lower(), set()).add(lang)
    return {w: {lang: 1.0 / len(langs) for lang in langs} for w, langs in owners.items()}


@cache
def _marker_patterns() -> list[tuple[str, re.Pattern]]:
    return [(lang, re.compile(rf"(?<!\w)(?:{'|'.join(lexicon(lang)['marker_patterns'])})(?!\w)"))
            for lang in LANGUAGES if lexicon(lang).get("marker_patterns")]


def hint_from(content_language: str | None, sender: str | None) -> str | None:
    if content_language:
        code = content_language.split(",")[0].strip().lower()[:2]
        code = {"nb": "no", "nn": "no", "sv": "sv", "da": "da", "fi": "fi", "de": "de", "en": "en",
                "fr": "fr", "nl": "nl", "no": "no"}.get(code)
        if code:
            return code
    sender = sender or ""
    if sender.startswith("+"):
        for prefix in sorted(_PHONE_PREFIX, key=len, reverse=True):
            if sender.startswith(prefix):
                return _PHONE_PREFIX[prefix]
    tld = sender.rpartition(".")[2].lower()
    return _TLD.get(tld)


def detect(text: str, hint: str | None = None) -> str:
    """Best language for `text`; the hint breaks ties and weighs like two marker words. A text written in blocks
    of two languages (an auto-reply in Finnish, then Swedish) is in the language with most of the text, and when
    the blocks are near equal in the one that comes first: not in whichever has more marker words."""
    mixed = _mixed(text, hint)
    if mixed:
        return mixed
    return _best(_scores(text, hint), hint)


def _best(scores: Counter, hint: str | None) -> str:
    if not scores:
        return hint if hint in LANGUAGES else "en"
    return max(LANGUAGES, key=lambda lang: (scores[lang], lang == hint))


def _mixed(text: str, hint: str | None) -> str | None:
    """The language of a text in blocks of clearly different languages, or None when it is not one."""
    blocks = [b for b in re.split(r"\n\s*\n", text) if len(_WORD.findall(b)) >= 6]
    if len(blocks) < 2:
        return None
    sizes: Counter[str] = Counter()
    order: list[str] = []
    for block in blocks:
        scores = _scores(block, hint)
        ranked = scores.most_common(2)
        if not ranked or ranked[0][1] < 2 or (len(ranked) > 1 and ranked[0][1] < 2 * ranked[1][1]):
            continue  # a block of names, numbers or shared words says no language by itself
        lang = ranked[0][0]
        sizes[lang] += len(block)
        if lang not in order:
            order.append(lang)
    if len(order) < 2:
        return None
    first = order[0]
    biggest = max(order, key=lambda lang: sizes[lang])
    return first if sizes[first] >= 0.75 * sizes[biggest] else biggest


def _scores(text: str, hint: str | None) -> Counter:
    scores: Counter[str] = Counter()
    low = text.lower()
    tokens = _WORD.findall(low)
    markers = _markers()
    for tok in tokens:
        for lang, weight in markers.get(tok, {}).items():
            scores[lang] += weight
    for i in range(len(tokens) - 1):
        pair = tokens[i] + " " + tokens[i + 1]
        for lang, weight in markers.get(pair, {}).items():
            scores[lang] += 2 * weight
    for lang, rx in _marker_patterns():
        scores[lang] += 0.5 * len(rx.findall(low))  # spellings: -sjon and kj/gj are Norwegian, -tion and -hed Danish
    for ch, langs in _CHARS.items():
        if ch in low:
            for lang in langs:
                scores[lang] += 0.5 / len(langs)
    if re.search(r"\bkan i\b", low):
        scores["da"] += 1.5
    if re.search(r"\bij\w", low) or "ij " in low:
        scores["nl"] += 0.5
    if hint in LANGUAGES:
        scores[hint] += 2.0
    return scores
