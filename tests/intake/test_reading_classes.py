"""Classes of reading error seen on first runs of blind batches, each shown with invented text (never a batch's
own): the rule behind the class, not the message that showed it."""
from __future__ import annotations

import pytest

from app.reading.parse import parse_bytes


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


def test_a_full_stop_after_a_whole_word_before_other_words_still_ends_the_sentence():
    got = sms("hi mate, 1 x cabin filter Mann CU 2545 for the Berlingo. no hurry, we collect it friday")
    assert lines(got) == [("CU 2545", "cabin filter Mann", 1)]


def test_a_full_stop_before_a_capital_still_ends_the_sentence():
    got = sms("Trenger 2 stk tennplugger NGK BKR6E til Yaris. Luftfilter Mann C 27 009. Mvh Per")
    assert lines(got) == [("BKR6E", "tennplugger NGK", 2), ("C 27 009", "Luftfilter Mann", 1)]


# 2. Clock times, odometer readings, sizes and fluid specifications are neither part numbers nor unexplained
#    tokens: they belong to the description or to nothing.
@pytest.mark.parametrize(("body", "expected"), [
    ("Hei, trenger 1 stk kupefilter Mann CU 2442 til Yaris EL 12345. Kommer innom ved 14-tiden.",
     [("CU 2442", "kupefilter Mann", 1)]),
    ("Hej! 2 st torkarblad 550/400 mm till Volvo V70 ABC 123. Hämtar vid 15.",
     [(None, "torkarblad 550/400 mm", 2)]),
    ("Hi, Transit in for a service, 98k on the clock. 2 x oil filter Bosch F 026 407 209 and 1 x brake fluid "
     "DOT4 1L please. Reg AB12 CDE",
     [("F 026 407 209", "oil filter Bosch", 2), (None, "brake fluid DOT4 1L", 1)]),
    ("Hej, 6 st slangklämmor 12-22mm och 1 st termostat Wahler 4411.92D till Passat ABC 123",
     [(None, "slangklämmor 12-22mm", 6), ("4411.92D", "termostat Wahler", 1)]),
])
def test_times_odometers_and_sizes_are_not_part_numbers(body, expected):
    got = sms(body)
    assert lines(got) == expected
    assert not [r for r in got.review_reasons if "read neither" in r], got.review_reasons


def test_a_number_never_runs_across_a_masked_vehicle():
    got = mail("Bonjour,\n\nPour la 407 II 2.0 HDi 136 de Mme Roux (GH-123-JK), il me faudrait :\n\n"
               "un filtre à huile Purflux L1092\n\nMerci")
    assert [line.part_number for line in got.lines] == ["L1092"]


# 3. A set counted in words with the line's own count, or a set word that is part of the part's name, is not a
#    contradiction; a set counted otherwise still is.
@pytest.mark.parametrize(("body", "ambiguous"), [
    ("Hej, vi skal bruge to sæt viskerblade Bosch 3 397 118 942 til Octavia AB 12 345", False),
    ("Hi, please send timing belt kit Gates K015603XS x2 for the Focus AB12 CDE", False),
    ("Hei, trenger 4 stk bremseklosser, ett sett, Brembo P 85 075 til Golf EL 12345", True),
])
def test_a_set_counted_alike_is_no_contradiction(body, ambiguous):
    got = sms(body)
    said = [r for r in got.review_reasons if "also says" in r]
    assert bool(said) is ambiguous, got.review_reasons


# 4. Non-orders: a cancellation in words, a status question that restates the order, a question that says it
#    orders nothing.
@pytest.mark.parametrize(("body", "kind"), [
    ("Hei, bare stryk hele OSL-000812, kunden har ombestemt seg. Mvh Kari", "cancellation"),
    ("Hej, stryka beställningen GBG-000311 tack, kunden ångrade sig", "cancellation"),
    ("Hi, customer changed his mind, please drop the order MAN-000142. Sorry!", "cancellation"),
    ("Hallo, bitte streichen Sie die Bestellung HAM-000077, hat sich erledigt.", "cancellation"),
    ("Hej! Kollar bara läget på GBG-000533, det var 4 tändstift och ett luftfilter till Volvon. /Anna",
     "follow_up"),
    ("Hi, just checking on MAN-000311 - it was the front pads and 2 discs for the Focus. Cheers", "follow_up"),
    ("Hei, ikke bestilling ennå, bare et spørsmål: har dere bremseklosser Brembo P 85 075 på lager?", "other"),
    ("Hallo, noch keine Bestellung, nur eine Frage: was kostet ein Satz Bremsscheiben für den Golf 7?", "other"),
])
def test_non_orders_in_words(body, kind):
    got = sms(body)
    assert got.kind == kind, (got.kind, got.review_reasons)
    assert got.lines == [] and not got.needs_review


def test_an_order_added_to_an_existing_one_is_still_an_order():
    got = sms("Hei, legg til på OSL-000512: 2 stk viskerblader Bosch 3 397 007 297. Takk")
    assert got.kind == "order" and got.order_ref == "OSL-000512"
    assert [line.part_number for line in got.lines] == ["3 397 007 297"]


# 5. Words that introduce a line (a greeting and whom it greets, a lead-in before a colon or a dash) are not
#    the part's description; a whole-format number at the end of a sentence keeps its full stop outside.
@pytest.mark.parametrize(("body", "expected"), [
    ("Hej Brian, 1 stk luftfilter Mann C 30 005 til Passat AB 12 345", [("C 30 005", "luftfilter Mann", 1)]),
    ("Hallo zusammen: 2 Stück Bremsscheiben ATE 24.0122-0231.1 für den Golf HH-AB 123",
     [("24.0122-0231.1", "Bremsscheiben ATE", 2)]),
    ("Dringend: Wasserpumpe SKF VKPC 81230 für den Polo HH-AB 123", [("VKPC 81230", "Wasserpumpe SKF", 1)]),
    ("Till Volvon – 2 st bromsskivor Brembo 09.A727.11 tack", [("09.A727.11", "bromsskivor Brembo", 2)]),
    ("Hallo, für den Golf HH-AB 123 brauchen wir noch den Ölfilter 04E 115 561 H.",
     [("04E 115 561 H", "Ölfilter", 1)]),
    ("Moi! Tarvitaan jarrupalat ATE 13.0460-7218.2.", [("13.0460-7218.2", "jarrupalat ATE", 1)]),
])
def test_lead_ins_are_not_descriptions(body, expected):
    got = sms(body)
    assert lines(got) == expected, got.review_reasons


# 7. Tokens that name the vehicle or the tyre are given that role: inflected model names ('Transiten',
#    'Octavian', 'XC60'en'), van model numbers and engine codes ('313 CDI', 'OM642', '2GD-FTV'), and the rest of a
#    tyre's designation after its size (load and speed index, the tread's name).
@pytest.mark.parametrize("body", [
    "Hej, kan I sende 2 stk bremseskiver Brembo 09.C882.11 til XC60'en AB 12 345? Tak",
    "Hei, trenger 1 stk oljefilter Mann HU 7020 z til Transiten (2.0 EcoBlue) EL 12345",
    "Hej, 1 st luftfilter Mann C 25 007 till Sprintern ABC 123 (313 CDI, OM642)",
    "Moi! Hiluxiin (2GD-FTV) tarvitaan 1 kpl polttoainesuodatin 23390-0E010. Rek. ABC-123",
    "Hej, 4 st sommardäck 225/45 R17 94W Michelin Pilot Sport 4 och 2 st torkarblad Bosch 3 397 007 297 till Golfen ABC 123",
    "Hei, 4 stk vinterdekk 215/65 R16C 109/107R Nokian Hakkapeliitta C3 til Transiten EL 12345",
])
def test_vehicle_and_tyre_tokens_have_a_role(body):
    got = sms(body)
    assert got.lines, got.review_reasons
    assert not [r for r in got.review_reasons if "read neither" in r or "looks like" in r], got.review_reasons
    assert all(line.part_number is None or not any(w in line.part_number for w in ("CDI", "OM", "FTV", "R17", "R16"))
               for line in got.lines)


# 8. A count contradicted elsewhere in the message (the subject, a PS that restates the part) goes to review
#    with the reason; the same part at another position, or a generation after a model, is no contradiction.
def test_a_count_contradicted_by_the_subject_goes_to_review():
    got = mail("Hei\n\nTrenger bremseskiver foran Brembo 09.A727.11 til Golf EL 12345, 1 sett.\n\nMvh Per",
               subject="4 stk skiver til Golfen")
    assert got.needs_review and any("subject" in r for r in got.review_reasons), got.review_reasons


def test_a_count_restated_otherwise_goes_to_review_and_adds_no_line():
    got = mail("Hei,\n\n4 stk bremseklosser bak Textar 2355101 til Passat EL 12345\n\n"
               "PS: klossene bare ett sett, sa kunden\n\nMvh Per")
    assert [line.part_number for line in got.lines] == ["2355101"]
    assert any("asked for 4 times" in r for r in got.review_reasons), got.review_reasons


@pytest.mark.parametrize(("subject", "body"), [
    ("Golf 7 skiver foran", "Hei\n\n2 stk bremseskiver foran 5Q0 615 301 F til Golf EL 12345\n\nMvh Per"),
    ("Bremser", "Hei\n\n2 stk bremseskiver foran 0 986 479 321 og 1 stk bremseskiver bak 0 986 479 322 til "
                "Golf EL 12345\n\nMvh Per"),
])
def test_no_contradiction_without_one(subject, body):
    got = mail(body, subject=subject)
    assert not [r for r in got.review_reasons if "subject" in r or "times" in r], got.review_reasons


# 9. Delivery and pickup said in a verb phrase with words between ('kjøre det ut', 'holt die Teile um 11:30 ab').
@pytest.mark.parametrize(("body", "fulfilment"), [
    ("Hei, 1 stk oljefilter Mann W 712/95 til Golf EL 12345. Kan dere kjøre delene ut i dag?", "delivery"),
    ("Hej, 1 stk oliefilter Mann W 712/95 til Golf AB 12 345. Kan I køre det ud før 12?", "delivery"),
    ("Hi, 1 x oil filter Mann W 712/95 for the Golf AB12 CDE, drop them over when the van goes", "delivery"),
    ("Hallo, 1 Ölfilter Mann W 712/95 für den Golf HH-AB 123, wir holen die Teile gegen 14:30 ab", "pickup"),
])
def test_fulfilment_phrases_with_words_between(body, fulfilment):
    assert sms(body).fulfilment == fulfilment


# 10. References as written: a prefix the label carries ('Arbeidsordre: AO 4410' over a bare 'AO 4410' in the
#     subject), a German Kommission named by number and name; an order of ours named needs no vehicle.
def test_a_labelled_reference_is_kept_as_written_over_the_subject():
    got = mail("Hei\n\n1 stk oljefilter Mann W 712/95 til Golf EL 12345\n\nArbeidsordre: AO 4410\n\nMvh Per",
               subject="Bestilling Golf - AO 4410")
    assert got.customer_reference == "AO 4410"


def test_a_kommission_keeps_its_name():
    got = mail("Hallo,\n\n1 Ölfilter Mann W 712/95 für den Golf HH-AB 123\n\nKommission: 31-2207 Becker\n"
               "Kundennummer: 448812\n\nGruß Jan", subject="Bestellung")
    assert got.customer_reference == "31-2207 Becker"


def test_parts_added_to_our_order_need_no_vehicle():
    got = sms("Hej, lägg till på GBG-000611: 2 st slangklämmor 20-32mm och en packning. Samma leverans.")
    assert got.kind == "order" and got.order_ref == "GBG-000611"
    assert not [r for r in got.review_reasons if "names no vehicle" in r], got.review_reasons


# 11. Danish and Norwegian told apart by the words and spellings that differ (af/igen/-tion vs av/igjen/-sjon);
#     words the two share ('jeg', 'haster', 'fredag') count for both.
@pytest.mark.parametrize(("body", "lang"), [
    ("Tak for din henvendelse. Jeg er på ferie til og med fredag og har ikke adgang til mail. Haster det, kontakt "
     "værkstedet.", "da"),
    ("Hej. Tak for mailen, jeg er ikke på kontoret før mandag. Bestillinger kan sendes til værkstedet.", "da"),
    ("Takk for mailen. Jeg er på ferie og leser ikke e-post i perioden. Ta kontakt med verkstedet igjen etter uke 32.",
     "no"),
])
def test_danish_and_norwegian_apart(body, lang):
    assert mail(body, subject="Automatisk svar").language == lang


# 12. A function word means what it means in the message's language: Nordic 'en' is 'a', not Dutch 'and'.
def test_nordic_en_is_not_a_conjunction():
    got = sms("Hei, 2 stk luftfilter Mann C 27 009 (ta en ekstra til lager) til Golf EL 12345")
    assert lines(got) == [("C 27 009", "luftfilter Mann (ta en ekstra til lager)", 2)]
    assert not [r for r in got.review_reasons if "two parts" in r], got.review_reasons


def test_an_engine_family_between_model_and_plate_keeps_the_plate():
    got = sms("Hei. Transit 2.0 EcoBlue EL 40218 skal på service: 1 stk oljefilter Mann W 7008")
    assert got.plate == "EL 40218"
    assert [line.part_number for line in got.lines] == ["W 7008"]


# 13. Layouts pasted from elsewhere: web-shop blocks (title, 'Varenr:', stock, price, 'Antall:') and a table whose
#     cells stand one per line (Outlook's plain part of an HTML table). Stock counts and prices are not read.
def test_web_shop_blocks_are_one_line_each():
    body = ("Hei,\n\nkopierte fra nettbutikken:\n\nVannpumpe\nSKF VKPC 81418\nVarenr: VKPC 81418\n"
            "Lagerstatus: 7 stk på lager\nPris: 1 149,00 kr\nAntall: 1\n\nTermostat med hus\nWahler 410475.87D\n"
            "Varenr: 410475.87D\nLagerstatus: 15 stk på lager\nPris: 689,00 kr\nAntall: 2\n\n"
            "Til Golf EL 12345. Mvh Per")
    got = mail(body)
    assert lines(got) == [("VKPC 81418", "Vannpumpe SKF", 1), ("410475.87D", "Termostat med hus Wahler", 2)]


def test_a_table_with_one_cell_per_line():
    body = ("Hej\n\nTil Octavia AB 12 345:\n\nVarenr.\nBeskrivelse\nAntal\nPris\n"
            "04E 115 561 H\nOliefilter\n1\n129,-\n1K0 615 301 AA\nBremseskiver bag\n2\n540,- pr. stk\n\n"
            "Leveres i morgen.")
    got = mail(body)
    assert lines(got) == [("04E 115 561 H", "Oliefilter", 1), ("1K0 615 301 AA", "Bremseskiver bag", 2)]


# 14. The numbered line said again (a price remark) adds no line; 'n°' after a reference label.
def test_a_price_remark_on_a_numbered_part_adds_no_line():
    got = mail("Bonjour,\n\nPour la Clio GH-123-JK :\n\nun jeu de plaquettes avant TRW GDB1550\n\n"
               "Prix vu avec Marc : 48,00 € HT le jeu de plaquettes.\n\nOR n° 5521\n\nMerci")
    assert [line.part_number for line in got.lines] == ["GDB1550"]
    assert got.customer_reference == "5521"


# 15. One-line messages: a sign-off ends the order text ('mvh Ola Bil og Dekk'); 'and a 5L ...' starts a line;
#     a lower-case filter prefix ('hu 7020 z'); an engine code in brackets after the vehicle.
def test_a_sign_off_inside_a_line_ends_the_order():
    got = sms("hei trenger 2stk viskerblader foran Bosch 3 397 007 297 til Golf EL 12345 henter ca kl 14 "
              "mvh Per Bil og Dekk Asker")
    assert lines(got) == [("3 397 007 297", "viskerblader foran Bosch", 2)]


def test_and_a_volume_starts_a_new_line():
    got = sms("hi, 2 x rear pads TRW GDB1550 and a 5L Mobil 1 ESP 5W-30 please, reg AB12 CDE")
    assert [(line.part_number, line.quantity) for line in got.lines] == [("GDB1550", 2), (None, 1)]
    assert "Mobil" in got.lines[1].description


def test_lower_case_prefixes_and_bracketed_engine_codes():
    got = sms("hallo, für den sprinter 316 2.2 (OM646) HH-AB 123 brauche ich 1x ölfilter hu 7020 z, "
              "2 stk luftfilter mann C 30 005. gruß tom")
    assert [line.part_number for line in got.lines] == ["hu 7020 z", "C 30 005"]
    assert not [r for r in got.review_reasons if "read neither" in r], got.review_reasons


# 16. A conditional 'I would need' is an order intent ('tarvitsisin'), also in a stock question.
def test_a_conditional_need_is_an_order():
    got = mail("Moi,\n\ntarvitsisin pyyhkijänsulat eteen ja taakse, onko hyllyssä? Toimittakaa jos on.\n\nt. Pekka")
    assert got.kind == "order" and got.needs_review


def test_a_count_in_words_before_a_numbered_part():
    got = mail("Hallo,\n\nfür den Golf HH-AB 123:\n\ndrei Abdeckkappen 34 35 6 789 328 (EUR 4,50 lt. Angebot)\n"
               "1 Ölfilter Mann W 712/95\n\nGruß Jan")
    assert lines(got) == [("34 35 6 789 328", "Abdeckkappen", 3), ("W 712/95", "Ölfilter Mann", 1)]


# 17. Text tables from HTML: a row without a number whose cells moved left fills the columns after the number's;
#     a brand column joins the description; '2 sett' in the count column is 2.
def test_a_table_row_without_a_number_and_a_brand_column():
    body = ("Hei,\n\nTil Passat EL 12345:\n\nVarenr           Merke    Beskrivelse          Ant.  Pris\n\n"
            "0 986 494 521    Bosch    Bremseklosser bak    1     890,-\n\n"
            "Bosch  Viskerblader foran   2 sett  349,-\n\nMvh Per")
    got = mail(body)
    assert lines(got) == [("0 986 494 521", "Bremseklosser bak Bosch", 1), (None, "Viskerblader foran Bosch", 2)]


# 18. 'och en ...' after a comma still starts a line (the comma took the blank before the conjunction); a wear
#     sensor is a part; 'till samma bil' is the vehicle; 'med eftermiddagsturen' is a delivery run.
def test_a_conjunction_after_a_comma_starts_a_line():
    got = mail("Hej!\n\nTill Volvon ABC 123 behöver vi 1 sats belägg Textar 2355101, och en slitagevarnare bak. "
               "Kan komma med förmiddagsturen.\n\nMvh Eva")
    assert lines(got) == [("2355101", "belägg Textar", 1), (None, "slitagevarnare bak", 1)]
    assert got.fulfilment == "delivery"
