"""Review reasons (issue 15): stored in English, each built from a template in app.reading.reasons, and so
said in the clerk's language. A reason written as a plain f-string anywhere fails here."""
from __future__ import annotations

import string
from pathlib import Path

import pytest

from app.locales import catalogue
from app.reading import reasons as R
from app.reading.parse import parse_file
from app.reading.reasons import recognise, say, translate_reason

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[2] / "shared" / "samples"
MESSAGES = sorted(p for folder in (HERE / "messages", SAMPLES) if folder.is_dir() for p in folder.rglob("*")
                  if p.name.endswith((".eml", ".sms.txt")))


def test_every_labelled_message_is_found():
    assert len([p for p in MESSAGES if HERE in p.parents]) >= 600


def test_every_reason_the_parser_writes_for_a_labelled_message_is_built_from_a_template():
    unknown, seen = [], set()
    for path in MESSAGES:
        for reason in parse_file(path).get("review_reasons") or []:
            found = recognise(reason)
            if found is None:
                unknown.append(f"{path.relative_to(path.parents[1])}: {reason}")
            else:
                seen.add(found[0])
    assert not unknown, "reasons no template in app/reading/reasons.py builds:\n" + "\n".join(unknown)
    assert len(seen) >= 25  # the messages exercise most of the parser's reasons


def test_the_channels_constant_reasons_are_templates():
    from app.orders import from_message
    from app.phone import extract, voicemail

    for text in (from_message.UNCLEAR, extract.NOT_READ, extract.unknown_sender_reason("+4790000000"),
                 extract.unknown_sender_reason(None), voicemail.NO_TRANSCRIPT, voicemail.CHECK_TRANSCRIPT,
                 voicemail.TRANSCRIPTION_FAILED):
        assert recognise(text) is not None, text


@pytest.mark.parametrize("template", R.TEMPLATES)
def test_each_template_said_and_recognised_gives_its_values_back(template):
    names = {n for _, n, _, _ in string.Formatter().parse(template) if n}
    values = {n: (say(R.NO_LINES) if n in R.NESTED else R.ROLE_WORDS["price"] if n in R.WORDS
                  else "7" if n in R.BLANK_PATTERNS else "K-1042" if n == "number" else f"<{n}: a 'b' (c)>")
              for n in names}
    text = say(template, **values)
    assert text == template.format(**values)
    assert recognise(text) == (template, values)


def test_say_refuses_a_sentence_that_is_not_a_template():
    with pytest.raises(ValueError):
        say("Line {n} is odd.", n=1)


def test_a_reason_is_said_in_swedish_with_its_values_and_nested_reason():
    sv = catalogue("sv").gettext
    assert translate_reason(say(R.LOW_CONFIDENCE, confidence="0.42"), sv) == \
        "Låg säkerhet (0.42) i de rader som lästes; kontrollera dem mot meddelandet."
    assert translate_reason(say(R.ON_LINE, n=2, why=say(R.UNREAD_CELL, code="1K0 615 301 AA")), sv) == \
        "Rad 2: '1K0 615 301 AA' har inte lästs in i något fält på tabellraden; kontrollera radens artikelnummer."
    assert translate_reason(say(R.UNKNOWN_SENDER_NO_ADDRESS), sv).startswith("Okänd avsändare (ingen adress)")


def test_text_no_template_built_is_shown_as_stored():
    sv = catalogue("sv").gettext
    assert translate_reason("Line 2 has no part number.", sv) == "Line 2 has no part number."
    assert translate_reason("Line 2: something typed", sv) == "Line 2: something typed"  # {why} must be a reason too
