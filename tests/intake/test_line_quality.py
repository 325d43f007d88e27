"""The line and reading quality features the confidence weighs (app/reading/extract/line_quality.py), on readings
built by hand so that each feature is seen to move with the one thing it measures."""
from __future__ import annotations

from types import SimpleNamespace

from app.reading.extract.accounting import Accounting
from app.reading.extract.line_quality import quality
from app.reading.extract.lines import Item
from app.reading.extract.quantities import Quantity


def item(text: str, literal: str, pn: str | None, desc: str | None, qty: int = 1) -> Item:
    start = text.index(literal)
    return Item(pn, desc, Quantity(qty, [], qty != 1, None), literal=literal,
                spans={"chunk": [(start, start + len(literal))]})


def features(text: str, items: list[Item], *, fulfilment: str | None = "delivery", evidence=None) -> dict:
    pm = SimpleNamespace(evidence_text=text, fulfilment=fulfilment, evidence=evidence or {})
    return quality(pm, items, Accounting([], [], [], 0))


TEXT = "Bestilling\n- 2 stk bremseskiver foran Brembo 09.A820.11\n- 1 sett klosser foran Textar 2561801\n"


def test_a_clean_reading_has_nothing_against_it():
    f = features(TEXT, [item(TEXT, "- 2 stk bremseskiver foran Brembo 09.A820.11", "09.A820.11",
                             "bremseskiver foran Brembo", 2),
                        item(TEXT, "- 1 sett klosser foran Textar 2561801", "2561801", "klosser foran Textar")])
    assert f["brand_ok_frac"] == 1.0
    assert {k: v for k, v in f.items() if v and k != "brand_ok_frac"} == {}


def test_a_sentence_read_as_a_line_has_words_that_are_not_parts_vocabulary():
    text = "Bestilling\nDucato skal på service neste uke OX 371D\n"
    f = features(text, [item(text, "Ducato skal på service neste uke OX 371D", "OX 371D",
                             "Ducato skal på service neste uke")])
    assert f["foreign_lines"] == 1.0


def test_two_lines_from_one_stretch_of_text_are_counted():
    text = "Bestilling\nOX 371D + LX 1006/1D til Ducato\n"
    chunk = "OX 371D + LX 1006/1D til Ducato"
    f = features(text, [item(text, chunk, "OX 371D", "Ducato"), item(text, chunk, "LX 1006/1D", "Ducato")])
    assert f["shared_chunk"] == 2.0 and f["crowded_line"] == 1.0


def test_a_brand_beside_a_number_of_another_shape_does_not_count_as_fitting():
    text = "Bestilling\nbremseskiver Brembo 0 986 479 412\n"
    f = features(text, [item(text, "bremseskiver Brembo 0 986 479 412", "0 986 479 412", "bremseskiver Brembo")])
    assert f["brand_ok_frac"] == 0.0


def test_a_number_word_left_in_a_description_and_a_dangling_letter():
    text = "Bestellung\nzwei Verschleißanzeiger 34 35 6 792 289\nskiver foran 5N0 615 301 A\n"
    f = features(text, [item(text, "zwei Verschleißanzeiger 34 35 6 792 289", "34 35 6 792 289", "zwei Verschleißanzeiger"),
                        item(text, "skiver foran 5N0 615 301 A", "5N0 615 301", "skiver foran A")])
    assert f["desc_numword"] == 1.0 and f["desc_junk"] == 1.0


def test_a_part_number_read_across_a_masked_gap():
    text = "Order\n4x spark plugs NGK ZFR6FIX-11 £1,250 + VAT\n"
    f = features(text, [item(text, "4x spark plugs NGK ZFR6FIX-11 £1,250 + VAT", "ZFR6FIX-11      0", "spark plugs NGK", 4)])
    assert f["pn_gap"] == 1.0


def test_a_listed_line_that_no_line_was_read_from():
    text = TEXT + "- AdBlue 10 L, qty 2\n"
    f = features(text, [item(text, "- 2 stk bremseskiver foran Brembo 09.A820.11", "09.A820.11",
                             "bremseskiver foran Brembo", 2),
                        item(text, "- 1 sett klosser foran Textar 2561801", "2561801", "klosser foran Textar")])
    assert f["listy_unread"] == 1.0


def test_no_fulfilment_read_and_words_after_the_reference():
    text = "Bestellung\nKommission: 25-1187 Krüger\n"
    start = text.index("25-1187")
    f = features(text, [], fulfilment=None, evidence={"customer_reference": [(start, start + 7)]})
    assert f["fulfilment_none"] == 1.0 and f["ref_tail"] == 1.0


def test_a_word_that_may_say_how_the_parts_go_when_no_fulfilment_was_read():
    text = "Bestilling\n1 batteri Bosch 0 092 S40 080. Kan I køre det ud nu?\n"
    line = "1 batteri Bosch 0 092 S40 080"
    assert features(text, [item(text, line, "0 092 S40 080", "batteri Bosch")], fulfilment=None)["fulfilment_unread"] == 1.0
    assert features(text, [item(text, line, "0 092 S40 080", "batteri Bosch")])["fulfilment_unread"] == 0.0


def test_an_uncovered_line_names_a_part_only_by_a_stem_of_four_letters_or_more():
    from app.reading.extract.line_quality import names_a_part
    assert names_a_part("Vi trenger bremseskiver til Golfen") and names_a_part("2 stk Bremsscheiben vorne")
    assert not names_a_part("Kommission: Huber 4711") and not names_a_part("Sabine Huber, Kfz-Meisterbetrieb")
