"""What workshops are told, per language, in one table: the notifications of a status change and the
replies to an SMS (short enough for one or two SMS), and the acknowledgement of an emailed order (the
"ack_" texts, see app.intake.ack). A language without a text gets the English one."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT = "en"
ALIASES = {"nb": "no", "nn": "no", "se": "sv", "dk": "da", "ger": "de"}

TEXTS: dict[str, dict[str, str]] = {
    "no": {
        "corrected": "{branch}: Vi har rettet bestilling {ref}. Slik står den nå: {lines}. Si fra hvis noe er feil.",
        "accepted": "{branch}: Vi har mottatt bestilling {ref} og jobber med den.",
        "held": "{branch}: Vi har flere bestillinger enn vi rekker nå. Bestilling {ref} er registrert og står i kø; "
                "vi regner med å ta den rundt kl. {time}.",
        "ready_pickup": "{branch}: Bestilling {ref} er klar til henting.",
        "dispatched": "{branch}: Bestilling {ref} er sendt.",
        "redirected": "{branch}: Vi rekker ikke bestilling {ref} nå. Bestill hos vår reserveleverandør {backup}.",
        "cancelled": "{branch}: Bestilling {ref} er kansellert. Årsak: {reason}",
        "received": "{branch}: Takk! Bestilling {ref}: {lines}.",
        "review": "{branch}: Takk! Vi har registrert meldingen som bestilling {ref} ({lines}) og sjekker den før vi "
                  "tar den.",
        "flagged": "{branch}: Takk, vi ser på meldingen din om bestilling {ref}.",
        "help": "{branch}: Send bestillingen på SMS med delenummer og antall. Svar STOP for å slutte å få SMS.",
        "stop": "Du får ikke flere SMS fra oss. Svar START for å få dem igjen.",
        "start": "Du får SMS fra oss igjen.",
        "no_lines": "ingen linjer lest",
        "subject": "{branch}: bestilling {ref}",
        "ack_subject": "Bestilling mottatt",
        "ack_hello": "Takk for bestillingen.",
        "ack_ref": "Vår referanse er {ref}. Oppgi den hvis du skriver igjen.",
        "ack_lines": "Dette har vi forstått:",
        "ack_no_lines": "Vi fant ingen varelinjer; vi ser på meldingen.",
        "ack_queue": "Du er nummer {pos} i køen. Vi regner med å ta den rundt {at}.",
        "ack_held": "Vi har mye å gjøre akkurat nå. Bestillingen er registrert og står på vent; vi regner med å ta "
                    "den rundt {at}.",
        "ack_redirected": "Vi har mye å gjøre akkurat nå, så bestillingen er sendt videre til {backup}, som tar "
                          "kontakt.",
        "ack_review": "Vi sjekker bestillingen og kommer tilbake til deg.",
        "ack_bye": "Vennlig hilsen\n{branch}",
        "ack_auto": "Dette er et automatisk svar.",
    },
    "sv": {
        "corrected": "{branch}: Vi har rättat beställning {ref}. Så här ser den ut nu: {lines}. Hör av dig om något är fel.",
        "accepted": "{branch}: Vi har tagit emot beställning {ref} och arbetar med den.",
        "held": "{branch}: Vi har fler beställningar än vi hinner just nu. Beställning {ref} är registrerad och står "
                "i kö; vi räknar med att ta den runt kl. {time}.",
        "ready_pickup": "{branch}: Beställning {ref} är klar att hämta.",
        "dispatched": "{branch}: Beställning {ref} är skickad.",
        "redirected": "{branch}: Vi hinner inte med beställning {ref} nu. Beställ hos vår reservleverantör {backup}.",
        "cancelled": "{branch}: Beställning {ref} är makulerad. Orsak: {reason}",
        "received": "{branch}: Tack! Beställning {ref}: {lines}.",
        "review": "{branch}: Tack! Vi har registrerat meddelandet som beställning {ref} ({lines}) och kontrollerar "
                  "det först.",
        "flagged": "{branch}: Tack, vi tittar på ditt meddelande om beställning {ref}.",
        "help": "{branch}: Skicka beställningen som sms med artikelnummer och antal. Svara STOP för att sluta få sms.",
        "stop": "Du får inga fler sms från oss. Svara START för att få dem igen.",
        "start": "Du får sms från oss igen.",
        "no_lines": "inga rader lästa",
        "subject": "{branch}: beställning {ref}",
        "ack_subject": "Beställning mottagen",
        "ack_hello": "Tack för din beställning.",
        "ack_ref": "Vår referens är {ref}. Ange den om du skriver igen.",
        "ack_lines": "Det här har vi uppfattat:",
        "ack_no_lines": "Vi hittade inga artikelrader; vi tittar på meddelandet.",
        "ack_queue": "Du är nummer {pos} i kön. Vi räknar med att ta den runt {at}.",
        "ack_held": "Vi har mycket att göra just nu. Beställningen är registrerad och väntar; vi räknar med att ta "
                    "den runt {at}.",
        "ack_redirected": "Vi har mycket att göra just nu, så beställningen har skickats vidare till {backup}, som "
                          "kontaktar dig.",
        "ack_review": "Vi kontrollerar beställningen och återkommer till dig.",
        "ack_bye": "Med vänliga hälsningar\n{branch}",
        "ack_auto": "Detta är ett automatiskt svar.",
    },
    "da": {
        "corrected": "{branch}: Vi har rettet bestilling {ref}. Sådan ser den ud nu: {lines}. Sig til, hvis noget er forkert.",
        "accepted": "{branch}: Vi har modtaget bestilling {ref} og arbejder på den.",
        "held": "{branch}: Vi har flere bestillinger, end vi kan nå lige nu. Bestilling {ref} er registreret og står "
                "i kø; vi regner med at tage den omkring kl. {time}.",
        "ready_pickup": "{branch}: Bestilling {ref} er klar til afhentning.",
        "dispatched": "{branch}: Bestilling {ref} er sendt.",
        "redirected": "{branch}: Vi kan ikke nå bestilling {ref} nu. Bestil hos vores reserveleverandør {backup}.",
        "cancelled": "{branch}: Bestilling {ref} er annulleret. Årsag: {reason}",
        "received": "{branch}: Tak! Bestilling {ref}: {lines}.",
        "review": "{branch}: Tak! Vi har registreret beskeden som bestilling {ref} ({lines}) og tjekker den først.",
        "flagged": "{branch}: Tak, vi ser på din besked om bestilling {ref}.",
        "help": "{branch}: Send bestillingen som sms med varenummer og antal. Svar STOP for at stoppe sms.",
        "stop": "Du får ikke flere sms fra os. Svar START for at få dem igen.",
        "start": "Du får sms fra os igen.",
        "no_lines": "ingen linjer læst",
        "subject": "{branch}: bestilling {ref}",
        "ack_subject": "Bestilling modtaget",
        "ack_hello": "Tak for din bestilling.",
        "ack_ref": "Vores reference er {ref}. Oplys den, hvis du skriver igen.",
        "ack_lines": "Det her har vi forstået:",
        "ack_no_lines": "Vi fandt ingen varelinjer; vi ser på beskeden.",
        "ack_queue": "Du er nummer {pos} i køen. Vi regner med at tage den omkring {at}.",
        "ack_held": "Vi har travlt lige nu. Bestillingen er registreret og venter; vi regner med at tage den omkring "
                    "{at}.",
        "ack_redirected": "Vi har travlt lige nu, så bestillingen er sendt videre til {backup}, som kontakter dig.",
        "ack_review": "Vi tjekker bestillingen og vender tilbage til dig.",
        "ack_bye": "Venlig hilsen\n{branch}",
        "ack_auto": "Dette er et automatisk svar.",
    },
    "fi": {
        "corrected": "{branch}: Korjasimme tilausta {ref}. Se on nyt: {lines}. Kerro, jos jokin on väärin.",
        "accepted": "{branch}: Tilaus {ref} on vastaanotettu ja käsittelyssä.",
        "held": "{branch}: Meillä on juuri nyt enemmän tilauksia kuin ehdimme käsitellä. Tilaus {ref} on kirjattu "
                "jonoon; arvioimme käsittelevämme sen noin klo {time}.",
        "ready_pickup": "{branch}: Tilaus {ref} on noudettavissa.",
        "dispatched": "{branch}: Tilaus {ref} on lähetetty.",
        "redirected": "{branch}: Emme ehdi käsitellä tilausta {ref} nyt. Tilaa varatoimittajaltamme {backup}.",
        "cancelled": "{branch}: Tilaus {ref} on peruttu. Syy: {reason}",
        "received": "{branch}: Kiitos! Tilaus {ref}: {lines}.",
        "review": "{branch}: Kiitos! Kirjasimme viestin tilaukseksi {ref} ({lines}) ja tarkistamme sen ensin.",
        "flagged": "{branch}: Kiitos, katsomme viestisi tilauksesta {ref}.",
        "help": "{branch}: Lähetä tilaus tekstiviestillä: osanumero ja määrä. Vastaa STOP, niin viestit loppuvat.",
        "stop": "Et saa meiltä enää tekstiviestejä. Vastaa START saadaksesi ne taas.",
        "start": "Saat meiltä taas tekstiviestejä.",
        "no_lines": "rivejä ei luettu",
        "subject": "{branch}: tilaus {ref}",
        "ack_subject": "Tilaus vastaanotettu",
        "ack_hello": "Kiitos tilauksestasi.",
        "ack_ref": "Viitteemme on {ref}. Mainitse se, jos kirjoitat uudelleen.",
        "ack_lines": "Ymmärsimme näin:",
        "ack_no_lines": "Emme löytäneet tilausrivejä; tarkistamme viestin.",
        "ack_queue": "Olet jonossa sijalla {pos}. Arvioimme käsittelevämme sen noin klo {at}.",
        "ack_held": "Meillä on juuri nyt ruuhkaa. Tilaus on kirjattu ja odottaa; arvioimme käsittelevämme sen noin "
                    "klo {at}.",
        "ack_redirected": "Meillä on juuri nyt ruuhkaa, joten tilaus on välitetty toimittajalle {backup}, joka ottaa "
                          "yhteyttä.",
        "ack_review": "Tarkistamme tilauksen ja palaamme asiaan.",
        "ack_bye": "Ystävällisin terveisin\n{branch}",
        "ack_auto": "Tämä on automaattinen vastaus.",
    },
    "de": {
        "corrected": "{branch}: Wir haben Bestellung {ref} korrigiert. So lautet sie jetzt: {lines}. Bitte melden Sie sich, "
                     "wenn etwas nicht stimmt.",
        "accepted": "{branch}: Wir haben Bestellung {ref} erhalten und bearbeiten sie.",
        "held": "{branch}: Wir haben gerade mehr Bestellungen, als wir schaffen. Bestellung {ref} ist erfasst und "
                "wartet; voraussichtlich bearbeiten wir sie gegen {time} Uhr.",
        "ready_pickup": "{branch}: Bestellung {ref} liegt zur Abholung bereit.",
        "dispatched": "{branch}: Bestellung {ref} ist unterwegs.",
        "redirected": "{branch}: Wir schaffen Bestellung {ref} gerade nicht. Bitte bestellen Sie bei unserem "
                      "Ersatzlieferanten {backup}.",
        "cancelled": "{branch}: Bestellung {ref} wurde storniert. Grund: {reason}",
        "received": "{branch}: Danke! Bestellung {ref}: {lines}.",
        "review": "{branch}: Danke! Wir haben die Nachricht als Bestellung {ref} erfasst ({lines}) und prüfen sie "
                  "zuerst.",
        "flagged": "{branch}: Danke, wir sehen uns Ihre Nachricht zu Bestellung {ref} an.",
        "help": "{branch}: Senden Sie Ihre Bestellung per SMS mit Teilenummer und Stückzahl. Antworten Sie STOP, um "
                "keine SMS mehr zu erhalten.",
        "stop": "Sie erhalten keine SMS mehr von uns. Antworten Sie START, um sie wieder zu erhalten.",
        "start": "Sie erhalten wieder SMS von uns.",
        "no_lines": "keine Positionen erkannt",
        "subject": "{branch}: Bestellung {ref}",
        "ack_subject": "Bestellung erhalten",
        "ack_hello": "Vielen Dank für Ihre Bestellung.",
        "ack_ref": "Unsere Referenz ist {ref}. Bitte geben Sie sie an, wenn Sie erneut schreiben.",
        "ack_lines": "So haben wir die Bestellung verstanden:",
        "ack_no_lines": "Wir haben keine Positionen gefunden; wir sehen uns die Nachricht an.",
        "ack_queue": "Sie sind Nummer {pos} in der Warteschlange. Voraussichtlich bearbeiten wir sie gegen {at}.",
        "ack_held": "Wir sind gerade ausgelastet. Die Bestellung ist erfasst und wartet; voraussichtlich bearbeiten "
                    "wir sie gegen {at}.",
        "ack_redirected": "Wir sind gerade ausgelastet; die Bestellung wurde an {backup} weitergegeben, die sich bei "
                          "Ihnen melden.",
        "ack_review": "Wir prüfen die Bestellung und melden uns bei Ihnen.",
        "ack_bye": "Mit freundlichen Grüßen\n{branch}",
        "ack_auto": "Dies ist eine automatische Antwort.",
    },
    "en": {
        "corrected": "{branch}: We have corrected order {ref}. It now reads: {lines}. Tell us if anything is wrong.",
        "accepted": "{branch}: We have received order {ref} and are working on it.",
        "held": "{branch}: We have more orders than we can handle right now. Order {ref} is recorded and waiting; we "
                "expect to take it around {time}.",
        "ready_pickup": "{branch}: Order {ref} is ready for pickup.",
        "dispatched": "{branch}: Order {ref} has been dispatched.",
        "redirected": "{branch}: We cannot handle order {ref} right now. Please order from our backup supplier "
                      "{backup}.",
        "cancelled": "{branch}: Order {ref} has been cancelled. Reason: {reason}",
        "received": "{branch}: Thanks! Order {ref}: {lines}.",
        "review": "{branch}: Thanks! We have recorded your message as order {ref} ({lines}) and will check it first.",
        "flagged": "{branch}: Thanks, we will look at your message about order {ref}.",
        "help": "{branch}: Text your order with part number and quantity. Reply STOP to stop text messages.",
        "stop": "You will get no more text messages from us. Reply START to get them again.",
        "start": "You will get text messages from us again.",
        "no_lines": "no lines read",
        "subject": "{branch}: order {ref}",
        "ack_subject": "Order received",
        "ack_hello": "Thank you for your order.",
        "ack_ref": "Our reference is {ref}. Please quote it if you write again.",
        "ack_lines": "This is what we understood:",
        "ack_no_lines": "We found no order lines; we will look at the message.",
        "ack_queue": "You are number {pos} in the queue. We expect to handle it around {at}.",
        "ack_held": "We are very busy right now. Your order is recorded and waiting; we expect to handle it around "
                    "{at}.",
        "ack_redirected": "We are very busy right now, so your order has been passed to {backup}, who will contact "
                          "you.",
        "ack_review": "We will check your order and come back to you.",
        "ack_bye": "Kind regards\n{branch}",
        "ack_auto": "This is an automatic reply.",
    },
    "fr": {
        # the status texts are not translated yet: the English ones are sent
        "corrected": "{branch} : nous avons corrigé la commande {ref}. Elle est maintenant : {lines}. Dites-nous si "
                     "quelque chose ne va pas.",
        "ack_subject": "Commande reçue",
        "ack_hello": "Merci pour votre commande.",
        "ack_ref": "Notre référence est {ref}. Merci de la rappeler si vous nous écrivez.",
        "ack_lines": "Voici ce que nous avons compris :",
        "ack_no_lines": "Nous n'avons trouvé aucune ligne de commande ; nous examinons le message.",
        "ack_queue": "Vous êtes numéro {pos} dans la file. Nous pensons la traiter vers {at}.",
        "ack_held": "Nous sommes très chargés. Votre commande est enregistrée et en attente ; nous pensons la "
                    "traiter vers {at}.",
        "ack_redirected": "Nous sommes très chargés ; votre commande a été transmise à {backup}, qui vous contactera.",
        "ack_review": "Nous vérifions votre commande et revenons vers vous.",
        "ack_bye": "Cordialement\n{branch}",
        "ack_auto": "Ceci est une réponse automatique.",
    },
    "nl": {
        # the status texts are not translated yet: the English ones are sent
        "corrected": "{branch}: We hebben bestelling {ref} gecorrigeerd. Zo luidt die nu: {lines}. Laat het ons weten als "
                     "er iets niet klopt.",
        "ack_subject": "Bestelling ontvangen",
        "ack_hello": "Bedankt voor uw bestelling.",
        "ack_ref": "Onze referentie is {ref}. Vermeld deze als u opnieuw schrijft.",
        "ack_lines": "Dit hebben we begrepen:",
        "ack_no_lines": "We vonden geen orderregels; we bekijken het bericht.",
        "ack_queue": "U bent nummer {pos} in de wachtrij. We verwachten deze rond {at} te behandelen.",
        "ack_held": "Het is nu erg druk. Uw bestelling is geregistreerd en wacht; we verwachten deze rond {at} te "
                    "behandelen.",
        "ack_redirected": "Het is nu erg druk; uw bestelling is doorgestuurd naar {backup}, die contact met u "
                          "opneemt.",
        "ack_review": "We controleren uw bestelling en nemen contact met u op.",
        "ack_bye": "Met vriendelijke groet\n{branch}",
        "ack_auto": "Dit is een automatisch antwoord.",
    },
}


def language_key(code: str | None) -> str:
    code = (code or "").strip().lower()[:2]
    code = ALIASES.get(code, code)
    return code if code in TEXTS else DEFAULT


def language_for(*candidates: str | None) -> str:
    """The first of the candidates that is a language of the table, else the default."""
    for value in candidates:
        code = (value or "").strip().lower()[:2]
        code = ALIASES.get(code, code)
        if code in TEXTS:
            return code
    return DEFAULT


def text(lang: str | None, key: str, **values) -> str:
    """The text `key` in the language (the English one when the language has none), filled in."""
    table = TEXTS[language_key(lang)]
    return (table[key] if key in table else TEXTS[DEFAULT][key]).format(**values)


def local_time(moment: datetime | None, timezone: str | None) -> str:
    """HH:MM in the branch's zone, the way a workshop reads a time; '?' when unknown."""
    if moment is None:
        return "?"
    try:
        zone = ZoneInfo(timezone or "Europe/Oslo")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("Europe/Oslo")
    return moment.astimezone(zone).strftime("%H:%M")


def lines_summary(lines, lang: str | None, limit: int = 4) -> str:
    """'2 x 0 986 494 123 Bremseklosser; 1 x oljefilter' as understood, cut after `limit` lines."""
    parts = []
    for line in list(lines)[:limit]:
        what = " ".join(p for p in (line.part_number, line.description) if p) or "?"
        parts.append(f"{line.quantity} x {what}")
    if len(lines) > limit:
        parts.append(f"+{len(lines) - limit}")
    return "; ".join(parts) if parts else text(lang, "no_lines")
