"""Our own realistic messages (tests/intake/messages, all eight languages) against their expected results."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.reading.parse import parse_file
from tests.intake.scoring import reading_diffs

MESSAGES = Path(__file__).resolve().parent / "messages"


def _cases():
    for gold in sorted(MESSAGES.glob("*.gold.json")):
        stem = gold.name.removesuffix(".gold.json")
        msg = next(p for p in (MESSAGES / f"{stem}.eml", MESSAGES / f"{stem}.sms.txt") if p.exists())
        yield pytest.param(msg, json.loads(gold.read_text(encoding="utf-8")), id=stem)


@pytest.mark.parametrize(("path", "gold"), list(_cases()))
def test_message(path, gold):
    got = parse_file(path)
    diffs = reading_diffs(gold, got)  # sent to review only by the confidence threshold: still read right
    assert not diffs, f"{path.name}: " + "; ".join(diffs) + f"\nreasons: {got['review_reasons']}"
    if gold["kind"] != "order":
        assert got["lines"] == [] and got["needs_review"] is False
