"""Classes of reading error seen on first runs of blind batches, each shown with invented text (never a batch's
own): the rule behind the class, not the message that showed it."""
from __future__ import annotations

import pytest

from app.intake.parse import parse_bytes


def sms(body: str, sender: str = "+4791234567"):
    return parse_bytes(body.encode("utf-8"), "sms", sms_from=sender)


def mail(body: str, subject: str = "Bestilling") -> object:
    raw = (f"From: Verksted <post@verksted.example>\nTo: oslo@deler.example\nSubject: {subject}\n"
           f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n").encode() + body.encode("utf-8")
    return parse_bytes(raw, "email")


def lines(result) -> list[tuple]:
    return [(line.part_number, line.description, line.quantity) for line in result.lines]


# 1. A full stop after an abbreviation or an initial, followed by a word in lower case, does not end the line.
@pytest.mark.parametrize(("body", "expected"), [
    ("Hei, trenger 1 stk hjullagersett m. abs-ring SKF VKBA 3643 til Corolla TY 48121",
     [("VKBA 3643", "hjullagersett m. abs-ring SKF", 1)]),
    ("trenger 2 stk bremsesk. foran 0 986 479 321 til Golf KL 44120",
     [("0 986 479 321", "bremsesk. foran", 2)]),
    ("Hej, vi skal bruge 1 stk støddæmper fr. venstre Monroe G8121 til Focus CB 12 345",
     [("G8121", "støddæmper fr. venstre Monroe", 1)]),
    ("Bonjour, il me faudrait 1 rotule de dir. gauche TRW JTE1032 pour la Clio de M. Martin",
     [("JTE1032", "rotule de dir. gauche TRW", 1)]),
])
def test_an_abbreviation_full_stop_is_not_a_line_break(body, expected):
    got = sms(body)
    assert lines(got) == expected, got.review_reasons


def test_a_full_stop_before_a_capital_still_ends_the_sentence():
    got = sms("Trenger 2 stk tennplugger NGK BKR6E til Yaris. Luftfilter Mann C 27 009. Mvh Per")
    assert lines(got) == [("BKR6E", "tennplugger NGK", 2), ("C 27 009", "Luftfilter Mann", 1)]
