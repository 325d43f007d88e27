"""The page's language (issue 15): the staff member's choice, their branch's, the browser's, English."""
from __future__ import annotations

import re

import pytest

from tests.web import flashes, login, token

LOG_IN = {"nb": "Logg inn", "sv": "Logga in", "da": "Log ind", "fi": "Kirjaudu sisään", "de": "Anmelden",
          "en": "Log in", "fr": "Se connecter", "nl": "Inloggen"}


def _lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


@pytest.mark.parametrize("accept,expected", [*((lang, lang) for lang in LOG_IN), ("nb-NO,nb;q=0.9,en;q=0.5", "nb"), ("no", "nb"),
                                             ("sv-SE", "sv"), ("xx, zz;q=0.8", "en")])
def test_the_login_page_speaks_the_browsers_language(client, accept, expected):
    page = client.get("/login", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert _lang(page) == expected
    assert f"<h1>{LOG_IN[expected]}</h1>" in page and f'value="{LOG_IN[expected]}"' in page


def test_without_accept_language_the_page_is_english(client):
    page = client.get("/login").get_data(as_text=True)
    assert _lang(page) == "en" and "<h1>Log in</h1>" in page


def test_wtforms_own_messages_are_translated_danish_from_our_catalogue(client):
    """WTForms ships no Danish catalogue: its 'This field is required.' comes from ours."""
    for lang, required in (("da", "Dette felt skal udfyldes."), ("sv", "Det här fältet är obligatoriskt."),
                           ("en", "This field is required.")):
        csrf = token(client, "/login")
        page = client.post("/login", data={"login": "", "password": "", "csrf_token": csrf},
                           headers={"Accept-Language": lang}).get_data(as_text=True)
        assert page.count(required) == 2, (lang, page)


def test_a_wrong_password_is_refused_in_the_browsers_language(client, make):
    make.staff(make.branch("OSL"), login="kari")
    csrf = token(client, "/login")
    page = client.post("/login", data={"login": "kari", "password": "nope", "csrf_token": csrf},
                       headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Benutzername oder Passwort ist falsch." in flashes(page)


def test_the_branchs_language_beats_the_browsers_and_the_staff_members_choice_beats_both(client, make):
    make.staff(make.branch("GBG", language="sv", timezone="Europe/Stockholm"), login="sven")
    login(client, "sven")
    headers = {"Accept-Language": "de"}
    page = client.get("/profile", headers=headers).get_data(as_text=True)
    assert _lang(page) == "sv" and "Logga ut" in page and "<h1>Ditt språk</h1>" in page
    csrf = token(client, "/profile")
    done = client.post("/profile", data={"locale": "fi", "csrf_token": csrf}, headers=headers, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert _lang(page) == "fi" and "Tallennettu: sivusi ovat nyt kielellä Suomi." in flashes(page)
    assert _lang(client.get("/", headers=headers).get_data(as_text=True)) == "fi"
    # back to the branch's language
    client.post("/profile", data={"locale": "", "csrf_token": token(client, "/profile")}, headers=headers)
    assert _lang(client.get("/", headers=headers).get_data(as_text=True)) == "sv"


def test_a_language_not_offered_is_refused_on_the_profile_form_and_nothing_is_saved(client, make, db):
    from app.models import Staff

    staff = make.staff(make.branch("OSL", language="no"), login="kari")
    login(client, "kari")
    response = client.post("/profile", data={"locale": "xx", "csrf_token": token(client, "/profile")})
    assert response.status_code == 422 and "Ikke et gyldig valg" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Staff, staff.id).locale is None


def test_a_profile_needs_a_login(client):
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize("locale,spelled", [
    ("nb", "Olivia Sigrid Ludvig, bindestrek, 000 007"), ("sv", "Olof Sigurd Ludvig, bindestreck, 000 007"),
    ("da", "Odin Søren Ludvig, bindestreg, 000 007"), ("fi", "Otto Sakari Lauri, viiva, 000 007"),
    ("de", "Offenbach Salzwedel Leipzig, Bindestrich, 000 007"), ("en", "Oscar Sierra Lima, dash, 000 007"),
    ("fr", "Oscar Sierra Lima, dash, 000 007")])
def test_a_reference_is_spelled_in_the_locales_alphabet(locale, spelled):
    from app.web.queue.spelling import spell_reference

    assert spell_reference("OSL-000007", locale) == spelled


def test_the_created_page_spells_the_reference_in_the_norwegian_alphabet_for_a_norwegian_clerk(client, make):
    branch = make.branch("OSL", language="no")
    make.staff(branch, login="kari")
    for _ in range(7):
        order = make.order(branch)
    assert order.reference == "OSL-000007"
    login(client, "kari")
    page = client.get("/orders/OSL-000007/created", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Olivia Sigrid Ludvig, bindestrek, 000 007" in page and _lang(page) == "nb"


def test_a_swedish_clerks_capacity_refusal_is_swedish_and_english_in_the_log(client, make):
    branch = make.branch("GBG", language="sv", timezone="Europe/Stockholm")
    make.staff(branch, login="sven", name="Sven", hold_limit=0)
    make.order(branch)
    login(client, "sven")
    page = client.post("/claim-next", data={"csrf_token": token(client, "/")},
                       headers={"Accept-Language": "en"}, follow_redirects=True).get_data(as_text=True)
    assert "Sven får inte ha några ordrar (gräns 0)." in flashes(page)


def test_a_refusal_is_english_in_str_and_said_in_the_readers_language(app):
    from app.locales import catalogue
    from app.orders.errors import OverCapacity, Text

    refusal = OverCapacity(Text("{reason} {reference} stays at {branch}.", reference="GBG-000001", branch="Göteborg",
                                reason=Text("Branch {branch} has paused intake.", branch="Malmö")))
    assert str(refusal) == refusal.message == "Branch Malmö has paused intake. GBG-000001 stays at Göteborg."
    assert refusal.said(catalogue("sv").gettext) == ("Filial Malmö har pausat mottagningen. "
                                                     "GBG-000001 stannar på Göteborg.")


def test_the_backup_suppliers_refusal_and_the_export_formats_are_said_in_the_readers_language(app, db, make):
    from app.handback import formats, redirect
    from app.locales import catalogue
    from app.orders.errors import NotAllowed

    branch = make.branch("GBG", language="sv", timezone="Europe/Stockholm")
    clerk = make.staff(branch, login="sven", name="Sven")
    with pytest.raises(NotAllowed) as refused:
        redirect.redirect_orders(branch, [], by=clerk, now=None)
    assert str(refused.value) == "Only a manager can send orders to the backup supplier."
    assert refused.value.said(catalogue("sv").gettext) == "Bara en chef kan skicka beställningar till reservleverantören."
    assert catalogue("sv").gettext(formats.XLSX.label) == "Excel-arbetsbok (.xlsx)"


def test_a_swedish_managers_dashboard_flash_is_swedish(client, make):
    branch = make.branch("GBG", language="sv", timezone="Europe/Stockholm")
    make.staff(branch, login="maja", role="manager")
    login(client, "maja")
    csrf = token(client, "/manager/branches/GBG")
    page = client.post("/manager/branches/GBG/pause", data={"paused": "1", "csrf_token": csrf},
                       follow_redirects=True).get_data(as_text=True)
    assert ("Mottagningen på GBG är pausad: nya ordrar registreras och hålls kvar eller skickas vidare."
            in flashes(page))


def test_the_scripts_words_are_in_the_page_as_json_in_swedish(client, make):
    import html
    import json

    make.staff(make.branch("GBG", language="sv", timezone="Europe/Stockholm"), login="sven")
    login(client, "sven")
    page = client.get("/").get_data(as_text=True)
    block = re.search(r"<div id=\"i18n\" hidden data-words='([^']*)'>", page).group(1)
    words = json.loads(html.unescape(block))
    assert words["live"] == "Live: uppdateras var {seconds}:e sekund."
    assert words["open_form"] == "Öppna orderformuläret" and words["remove_line"] == "Ta bort rad {n}"


def _swedish_review_order(make):
    from app.extensions import db
    from app.models import InboundMessage
    from app.reading import reasons as R
    from app.reading.reasons import say

    branch = make.branch("GBG", language="sv", timezone="Europe/Stockholm")
    make.staff(branch, login="sven")
    stored = [say(R.QUANTITY_UNCLEAR, words="ett par", n=2),
              say(R.TOKEN_CONFLICT, token="12/2024", line=1, role=R.ROLE_WORDS["date_time"]),
              say(R.ON_LINE, n=3, why=say(R.UNREAD_CELL_COLUMN, code="A 651 180 01 09", column="Art")),
              "Typed by hand before reasons were templates."]
    message = InboundMessage(channel="email", dedup_key="sv1", raw=b"From: a@b.se\r\n\r\nHej\r\n", sender="a@b.se",
                             subject="order", parsed={"review_reasons": stored})
    db.session.add(message)
    db.session.commit()
    order = make.order(branch, channel="email", inbound_message_id=message.id, review_reasons=stored)
    return order, message, stored


SWEDISH_REASONS = ("Oklart antal: 'ett par' på rad 2; fråga hur många som önskas.",
                   "'12/2024' har lästs som artikelnummer på rad 1 men ser ut som ett datum eller en tid; "
                   "kontrollera den raden.",
                   "Rad 3: 'A 651 180 01 09' (kolumnen 'Art') har inte lästs in i något fält på tabellraden; "
                   "kontrollera radens artikelnummer.",
                   "Typed by hand before reasons were templates.")


def test_a_swedish_clerk_reads_the_stored_review_reasons_in_swedish_and_the_database_keeps_english(client, make, db):
    import html

    from app.models import Order

    order, message, stored = _swedish_review_order(make)
    login(client, "sven")
    for path in (f"/orders/{order.reference}", f"/orders/{order.reference}/review", f"/inbox/{message.id}"):
        page = html.unescape(client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True))
        assert _lang(page) == "sv", path
        for swedish in SWEDISH_REASONS:
            assert swedish in page, (path, swedish)
        for english in stored[:3]:  # the list shows Swedish (the history keeps the English audit text)
            assert f"<li>{english}</li>" not in page, (path, english)
    db.session.expire_all()
    assert db.session.get(Order, order.id).review_reasons == stored
    assert stored[0] == "Quantity unclear: 'ett par' on line 2; ask how many are wanted."


def test_a_clerk_who_chose_english_reads_the_stored_reasons_as_stored(client, make):
    import html

    order, _message, stored = _swedish_review_order(make)
    make.staff(order.branch, login="ann", locale="en")
    login(client, "ann")
    page = html.unescape(client.get(f"/orders/{order.reference}").get_data(as_text=True))
    for english in stored:
        assert english in page
