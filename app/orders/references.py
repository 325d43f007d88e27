"""Normalising identifiers so that what was typed and what was parsed compare equal."""
from __future__ import annotations

import re

_STRIP = re.compile(r"[\s.\-/_]+")
ORDER_REF = re.compile(r"\b([A-Z]{2,4}-\d{6})\b")


def normalise_part_number(value: str | None) -> str:
    return _STRIP.sub("", value or "").upper()


def normalise_plate(value: str | None) -> str:
    return _STRIP.sub("", value or "").upper()
