"""Only the new text carries the order: split off quoted history, forward headers and signatures.

Reply headers of da, de, en, fr, nl and sv come from mail-parser-reply; Norwegian and Finnish (and a wider
French header) are added through its per-language regex table, plus a thin layer of our own for `>` lines,
forward markers and sign-offs (lexicons/*.json).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE
from mailparser_reply.parser import EmailMessage

from app.reading.extract.lexicon import LANGUAGES, fragment, words

_LIB_LANGS = ["da", "de", "en", "fr", "nl", "sv"]


def _from_header(labels: str) -> str:
    return (r"((?:(?:^|\n|\n" + QUOTED_MATCH_INCLUDE + r")[* ]*(?:" + labels
            + r")\s?:[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})")


_EXTRA_LANGUAGES = {
    "no": {
        "wrote_header": r"^(" + QUOTED_MATCH_INCLUDE + r"(?:Den|[Mm]an|[Tt]ir|[Oo]ns|[Tt]or|[Ff]re|[Ll]ør|[Ss]øn|"
                        r"[0-9]).+?\sskrev\s.+?:)$",
        "from_header": _from_header("Fra|Sendt|Til|Emne|Dato|Kopi|Cc"),
    },
    "fi": {
        "wrote_header": r"^(" + QUOTED_MATCH_INCLUDE + r".{4,200}?\skirjoitti\b.{0,80}:)$",
        "from_header": _from_header("Lähettäjä|Lähetetty|Vastaanottaja|Aihe|Päivämäärä|Kopio|Cc"),
    },
    "fr": {
        "wrote_header": MAIL_LANGUAGES["fr"]["wrote_header"],
        "from_header": _from_header("De|Envoyé|À|A|Objet|Date|Cc"),
    },
}


_COMPILED: dict[tuple, tuple] = {}


class _NordicEmailMessage(EmailMessage):
    """mail-parser-reply's message with our language table consulted first, and its three big
    regular expressions built once per set of languages (the library builds them per message)."""

    def __post_init__(self):
        super().__post_init__()
        key = (tuple(self.languages), self.keep_hyphen_lists, self.default_language)
        if key not in _COMPILED:
            _COMPILED[key] = (self.HEADER_REGEX, self.SIGNATURE_REGEX, self.DISCLAIMERS_REGEX)
        self._header_regex, self._signature_regex, self._disclaimers_regex = _COMPILED[key]

    def _get_language_regex(self, language: str, regex_key: str) -> str:
        extra = _EXTRA_LANGUAGES.get(language, {})
        if regex_key in extra:
            return extra[regex_key]
        if language not in MAIL_LANGUAGES:
            return ""
        return super()._get_language_regex(language, regex_key)


_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(re|sv|vs|aw|antw|ang|odp|r|rif|fwd?|fw|tr|wg|vb|vl|vs|doorst|enc|ref)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
_FORWARD_PREFIX = re.compile(r"^(?:fwd?|fw|tr|wg|vb|vl|doorst|enc)$", re.I)
_QUOTED_LINE = re.compile(r"^\s*>")
_SENT_FROM = re.compile(
    r"^\s*(?:sent from|sendt fra|skickat från|lähetetty (?:iphone|android|\w+sta)|gesendet von|envoyé de|"
    r"verzonden (?:vanaf|met)|get outlook|hent outlook|skaffa outlook|von meinem)", re.I)
_SIG_DASHES = re.compile(r"^\s*(?:--|__+|—)\s*$")


_ORIGINAL = re.compile(r"ursprüngl|original|opprinnelig|ursprunglig|oprindelig|alkuperäinen|d'origine|oorspronkelijk",
                       re.I)
_VS_PREFIX = re.compile(r"^\s*vs\s*:", re.I)
_NORDIC_HEADER = re.compile(r"^\s*(?:fra|sendt|emne)\s*:", re.I | re.M)


@dataclass
class QuoteSplit:
    new_text: str          # the sender's new words, signature removed
    signature: str
    quoted_text: str       # history that is not part of this message's order
    forwarded: bool


def clean_subject(subject: str) -> tuple[str, bool, bool]:
    """(subject without Re:/SV:/AW:/Fwd:/VS:/TR: prefixes, is_forward, is_reply)."""
    subject = subject or ""
    m = _SUBJECT_PREFIX.match(subject)
    if not m:
        return subject.strip(), False, False
    prefixes = re.findall(r"([^\W\d_]+)\s*(?:\[\d+\])?\s*:", m.group(0))
    forward = any(_FORWARD_PREFIX.match(p) for p in prefixes)
    return subject[m.end():].strip(), forward, not forward


@cache
def _wrote_line() -> re.Pattern:
    verbs = "|".join(words("wrote"))
    return re.compile(rf"(?:{verbs})\b[^\n]{{0,80}}:\s*$", re.I)


@cache
def _forward_marker() -> re.Pattern:
    marks = "|".join(fragment(m) for m in words("forward_markers"))
    # possessive (*+): a long run of blanks or dashes must not be tried every way (cubic time, a stalled worker)
    return re.compile(rf"^[\s>*-]*+(?:-{{2,}}|_{{2,}})?\s*+(?:{marks})\s*+:?\s*+(?:-{{2,}}|_{{2,}})?\s*$", re.I | re.M)


@cache
def _signoff_line() -> re.Pattern:
    offs = "|".join(fragment(w) for w in words("signoffs"))
    # Names are capitalised: "Merci de nous livrer :" opens a list, it signs nothing off.
    name = r"(?:(?-i:[A-ZÆØÅÄÖÜÉ])[\w.'-]*|/\w+)"
    # 'Med vänlig hälsning', 'Mit freundlichen Grüßen': a preposition before a sign-off the lexicon writes without
    return re.compile(rf"^\s*(?:(?:med|mit|with|avec|met)\s+)?(?:{offs})(?:[\s,.!:;-]+{name}(?:[\s,]+{name}){{0,3}})?[\s,.!;-]*$",
                      re.I)


@cache
def _signoff_inline() -> re.Pattern:
    offs = "|".join(fragment(w) for w in words("signoffs"))
    # After a sentence end: "... kl 12. Mvh Yngve, Vestby Auto" up to the end of the line.
    return re.compile(rf"(?<=[.!?])\s+(?:{offs})[\s,!]+(?-i:[A-ZÆØÅÄÖÜ/])[^\n]{{0,60}}$", re.I)


@cache
def _disclaimer_line() -> re.Pattern:
    disc = "|".join(fragment(w) for w in words("disclaimers"))
    return re.compile(rf"^\s*(?:{disc})", re.I)


_SLASH_NAME_TAIL = re.compile(r"(?<=[.!?\s])\s*/[A-ZÆØÅÄÖÜ][\w-]+\s*$")


def strip_signature(text: str) -> tuple[str, str]:
    """(text before the sign-off/signature, the signature). The first line is never a signature."""
    lines = text.split("\n")
    signoff = _signoff_line()
    disclaimer = _disclaimer_line()
    seen_text = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if seen_text and (signoff.match(stripped) or _SIG_DASHES.match(stripped) or _SENT_FROM.match(stripped)
                          or disclaimer.match(stripped) or re.match(r"^/[A-ZÆØÅÄÖÜ]\w+\s*$", stripped)):
            return "\n".join(lines[:i]).rstrip(), "\n".join(lines[i:]).strip()
        if _SENT_FROM.match(stripped):
            return "\n".join(lines[:i]).rstrip(), "\n".join(lines[i:]).strip()
        if stripped:
            seen_text = True
    # An SMS or one-line mail signs off inside its last line.
    body = "\n".join(lines).rstrip()
    last_nl = body.rfind("\n") + 1
    tail = body[last_nl:]
    m = _signoff_inline().search(tail) or _SLASH_NAME_TAIL.search(tail)
    if m and m.start() > 0:
        return (body[:last_nl] + tail[:m.start()]).rstrip(), tail[m.start():].strip()
    return body, ""


def _drop_quoted_lines(text: str) -> tuple[str, str]:
    """Remove `>` lines and the attribution line ("... wrote:", maybe wrapped) that introduces them."""
    kept: list[str] = []
    quoted: list[str] = []
    wrote = _wrote_line()
    for line in text.split("\n"):
        if not _QUOTED_LINE.match(line):
            kept.append(line)
            continue
        if not quoted or (kept and kept[-1].strip()):
            while kept and not kept[-1].strip():
                kept.pop()
            if kept and wrote.search(kept[-1]):
                quoted.append(kept.pop())
            elif len(kept) >= 2 and wrote.search(kept[-2] + " " + kept[-1]):
                quoted.extend([kept.pop(-2), kept.pop()])
        quoted.append(line)
    return "\n".join(kept), "\n".join(quoted)


def split_quotes(text: str, subject: str = "", *, as_forward: bool = False) -> QuoteSplit:
    """Split a message body into the new text (plus a forwarded order), its signature and quoted history.
    `as_forward` reads the first quoted message as forwarded (its body joins the new text), for a sender who
    asks the branch to supply what is below ('Se under fra Jonas', 'see below') and writes no parts himself."""
    text = (text or "").replace("\r\n", "\n")
    _, forward_subject, is_reply = clean_subject(subject)
    marker = _forward_marker().search(text)
    if marker and is_reply and _ORIGINAL.search(marker.group(0)):
        marker = None  # 'AW: ...' over '-----Ursprüngliche Nachricht-----': Outlook's quote of the mail replied to
    if _VS_PREFIX.match(subject or "") and _NORDIC_HEADER.search(text):
        forward_subject = True  # Norwegian and Danish Outlook forward as 'VS:' (in Finnish it is a reply)
    forwarded = forward_subject or bool(marker) or as_forward
    try:
        parsed = _NordicEmailMessage(text=text, languages=list(_LIB_LANGS) + ["no", "fi"]).read()
        replies = parsed.replies
    except Exception:  # the library must never stop a message from being read
        replies = []
    if replies:
        first = replies[0].content
        rest = [r for r in replies[1:]]
    else:
        first, rest = text, []
    if marker and marker.start() < len(first):
        cut = first.find(marker.group(0).strip())
        if cut >= 0:
            first = first[:cut]
    first, quoted = _drop_quoted_lines(first)
    top, signature = strip_signature(first)
    quoted_parts = [quoted] if quoted else []
    new_parts = [top]
    if forwarded:
        fwd_body = _forwarded_body(text, marker, rest) or _header_block_body(text)
        if fwd_body and all(line.lstrip().startswith(">") for line in fwd_body.split("\n") if line.strip()):
            # forwarded as a quote, every line under '>' (Apple Mail): the forward itself, one level of quoting off
            fwd_body = _after_header_block([re.sub(r"^[ \t]*>[ \t]?", "", line) for line in fwd_body.split("\n")], 14)
        if fwd_body:
            fwd_body, _ = _drop_quoted_lines(fwd_body)
            fwd_body, _ = strip_signature(fwd_body)
            new_parts.append(fwd_body)
    else:
        quoted_parts.extend(r.content for r in rest)
    return QuoteSplit("\n\n".join(p for p in new_parts if p.strip()), signature,
                      "\n".join(quoted_parts), forwarded)


_HEADER_LINE = re.compile(r"^\s*[*]*[\w ]{1,20}[*]*\s?:\s", re.U)


def _after_header_block(lines: list[str], most: int) -> str:
    """The lines after a forward's header block (From:/Sent:/Subject: lines and blanks, at most `most` of them)."""
    i = 0
    while i < len(lines) and i < most and (_HEADER_LINE.match(lines[i]) or not lines[i].strip()):
        i += 1
    return "\n".join(lines[i:])


def _forwarded_body(text: str, marker: re.Match | None, rest: list) -> str:
    """The first forwarded message's body, without its From:/Sent:/Subject: block."""
    if rest:
        return rest[0].full_body if hasattr(rest[0], "full_body") else rest[0].content
    if marker:
        return _after_header_block(text[marker.end():].lstrip("\n").split("\n"), 12)
    return ""


_FWD_FROM = re.compile(r"^(?:>[ \t]?)*[ \t]*[*]*(?:from|von|fra|från|fran|de|van|lähettäjä|afsender|afzender|expéditeur)[*]*"
                       r"[ \t]?:[ \t]*\S.*$", re.I | re.M)


def _header_block_body(text: str) -> str:
    """A forward the mail client wrote as a header block (From:/Sent:/Subject:, or quoted with '>' as Apple Mail
    does under 'Anfang der weitergeleiteten Nachricht:') that no marker or library split found: its body, unquoted.
    Only asked for when the message is a forward."""
    m = _FWD_FROM.search(text)
    if not m:
        return ""
    return _after_header_block([re.sub(r"^(?:>[ \t]?)+", "", line) for line in text[m.start():].split("\n")], 14)


def known_languages() -> tuple[str, ...]:
    return LANGUAGES
