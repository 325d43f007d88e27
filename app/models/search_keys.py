"""The keys orders and workshops are found by, stored beside what was typed so that a search compares
one indexed column with one key instead of folding every row. Imports nothing of the app.

- fold_name: 'Tønsberg Bil-Service AS' -> ' tonsberg bil service as' (anyascii transliterates ø, æ, å,
  ä, ß...; lower case; every run of other characters one space; a leading space, so that a word's start
  is ' ' + the word).
- compact: 'ab 12 345' -> 'AB12345' (plates, VINs: no spaces, dots, dashes or slashes; upper case).
- phone_key: any spelling of a number -> E.164 (the phonenumbers library), or None (also for a text
  with letters).
"""
from __future__ import annotations

import re

import phonenumbers
from anyascii import anyascii

DEFAULT_REGION = "NO"
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SEPARATORS = re.compile(r"[\s.\-/_]+")
_NOT_PHONE = re.compile(r"[^\d\s+\-().]")  # a letter means a plate or a name (phonenumbers reads letters as keypad digits)


def fold_name(value: str | None) -> str | None:
    if not value:
        return None
    words = _NOT_WORD.sub(" ", anyascii(value).lower()).strip()
    return f" {words}" if words else None


def compact(value: str | None) -> str | None:
    key = _SEPARATORS.sub("", value or "").upper()
    return key or None


def normalise_phone(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """E.164 for a number as people type it, or None when it is not a possible number."""
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_key(value: str | None, region: str = DEFAULT_REGION) -> str | None:
    if not value or sum(c.isdigit() for c in value) < 5 or _NOT_PHONE.search(value):
        return None
    return normalise_phone(value, region)
