"""Spelling an order reference out, so it survives a bad phone line, in the clerk's spelling alphabet
(spelling.json: the Norwegian, Swedish, Danish, Finnish and German alphabets, NATO for the rest)."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from app import locales


@cache
def alphabets() -> dict[str, dict]:
    table = json.loads(Path(__file__).with_name("spelling.json").read_text("utf-8"))
    return {code: value for code, value in table.items() if not code.startswith("_")}


def spell_reference(reference: str, locale: str | None = None) -> str:
    """'OSL-000123' -> 'Oscar Sierra Lima, dash, 000 123' (English), 'Olivia Sigrid Ludvig, bindestrek,
    000 123' (nb): letters by the locale's alphabet (NATO where it has none), digits in groups of three."""
    alphabet = alphabets().get(locales.ui_locale(locale) or locales.DEFAULT) or alphabets()[locales.DEFAULT]
    letters, _, digits = reference.partition("-")
    words = " ".join(alphabet["letters"].get(ch, ch) for ch in letters.upper())
    if not digits:
        return words
    groups = [digits[max(0, i - 3):i] for i in range(len(digits), 0, -3)][::-1]
    return f"{words}, {alphabet['dash']}, {' '.join(groups)}"
