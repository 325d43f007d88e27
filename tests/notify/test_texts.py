"""What workshops are told (notifications, SMS replies, the email acknowledgement) is written once in English
and translated in the catalogues the pages use (app/translations); tests/test_catalogues.py checks that every
language has every text with the same blanks."""
from app.notify import messages


def test_a_text_is_rendered_from_the_workshops_language_catalogue():
    assert messages.text("no", "ack_hello") == "Takk for bestillingen."
    assert messages.text("nb", "accepted", branch="B", ref="R") == "B: Vi har mottatt bestilling R og jobber med den."
    assert messages.text("sv", "ack_ref", ref="GBG-000412") == "Vår referens är GBG-000412. Ange den om du skriver igen."
    assert messages.text("fr", "ack_hello") == "Merci pour votre commande."
    assert messages.text("nl", "dispatched", branch="B", ref="R") == "B: Bestelling R is verzonden."
    assert messages.text("en", "subject", branch="B", ref="R") == "B: order R"
    assert messages.text("xx", "ack_hello") == "Thank you for your order."  # no catalogue: English


def test_every_text_is_different_in_every_other_language():
    """No language quietly falls back to English for a text (a missing translation would)."""
    for lang in messages.LANGUAGES:
        if lang == messages.DEFAULT:
            continue
        same = [key for key in messages.ENGLISH
                if messages.text(lang, key, branch="B", ref="R", lines="L", time="T", backup="K", reason="Z", pos=1,
                                 at="A") == messages.text("en", key, branch="B", ref="R", lines="L", time="T", backup="K",
                                                          reason="Z", pos=1, at="A")]
        assert same == [], (lang, same)


def test_languages_are_looked_up_the_same_way_for_every_text():
    assert messages.language_for(None, "xx", "NB-no") == "no"
    assert messages.language_for("se") == messages.language_key("se") == "sv"
    assert messages.language_for("", None) == messages.language_key("zz") == "en"
