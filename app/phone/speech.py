"""What the call flow says, per language (lexicon.json), and how Twilio should speak it."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from twilio.twiml.voice_response import Gather, VoiceResponse

DEFAULT = "en"
# branch / workshop language codes -> lexicon keys
ALIASES = {"nb": "no", "nn": "no", "no": "no", "sv": "sv", "da": "da", "fi": "fi", "de": "de", "en": "en"}


@cache
def lexicon() -> dict[str, dict[str, str]]:
    return json.loads((Path(__file__).with_name("lexicon.json")).read_text("utf-8"))


def language_key(code: str | None) -> str:
    """The lexicon language for a stored language code; English when we have no words for it."""
    key = ALIASES.get((code or "").strip().lower()[:2])
    return key if key in lexicon() else DEFAULT


def text(lang: str | None, key: str, **values) -> str:
    words = lexicon()[language_key(lang)]
    return words[key].format(**values)


def say(target: VoiceResponse | Gather, lang: str | None, key: str, **values) -> None:
    """Speak one lexicon sentence in the language's Twilio voice (e.g. nb-NO, Polly.Liv)."""
    words = lexicon()[language_key(lang)]
    target.say(words[key].format(**values), language=words["say_language"], voice=words["voice"])


def say_text(target: VoiceResponse | Gather, lang: str | None, sentence: str) -> None:
    words = lexicon()[language_key(lang)]
    target.say(sentence, language=words["say_language"], voice=words["voice"])
