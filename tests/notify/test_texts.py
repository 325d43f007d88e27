"""One table of what workshops are told: notifications, SMS replies and the email acknowledgement."""
import string

from app.notify import messages


def test_every_language_says_what_english_says_or_falls_back_to_it():
    english = messages.TEXTS[messages.DEFAULT]
    for lang, table in messages.TEXTS.items():
        assert set(table) <= set(english), lang
        assert {k for k in english if k.startswith("ack_")} <= set(table), f"{lang} lacks part of the acknowledgement"
        for key, text in table.items():  # the same blanks to fill in as the English text
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert fields == {f for _, f, _, _ in string.Formatter().parse(english[key]) if f}, (lang, key)
    assert messages.text("fr", "accepted", branch="B", ref="R") == messages.text("en", "accepted", branch="B", ref="R")
    assert messages.text("fr", "ack_hello") == "Merci pour votre commande."


def test_languages_are_looked_up_the_same_way_for_every_text():
    assert messages.language_for(None, "xx", "NB-no") == "no"
    assert messages.language_for("se") == messages.language_key("se") == "sv"
    assert messages.language_for("", None) == messages.language_key("zz") == "en"

