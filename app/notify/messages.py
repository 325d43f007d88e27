"""What workshops are told, per language. Short enough for one or two SMS."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT = "en"
ALIASES = {"nb": "no", "nn": "no"}

TEXTS: dict[str, dict[str, str]] = {
    "no": {
        "accepted": "{branch}: Vi har mottatt bestilling {ref} og jobber med den.",
        "held": "{branch}: Vi har flere bestillinger enn vi rekker nå. Bestilling {ref} er registrert og står i kø; "
                "vi regner med å ta den rundt kl. {time}.",
        "ready_pickup": "{branch}: Bestilling {ref} er klar til henting.",
        "dispatched": "{branch}: Bestilling {ref} er sendt.",
        "redirected": "{branch}: Vi rekker ikke bestilling {ref} nå. Bestill hos vår reserveleverandør {backup}.",
        "cancelled": "{branch}: Bestilling {ref} er kansellert. Årsak: {reason}",
        "received": "{branch}: Takk! Bestilling {ref}: {lines}.",
        "review": "{branch}: Takk! Vi har registrert meldingen som bestilling {ref} ({lines}) og sjekker den før vi tar den.",
        "flagged": "{branch}: Takk, vi ser på meldingen din om bestilling {ref}.",
        "help": "{branch}: Send bestillingen på SMS med delenummer og antall. Svar STOP for å slutte å få SMS.",
        "stop": "Du får ikke flere SMS fra oss. Svar START for å få dem igjen.",
        "start": "Du får SMS fra oss igjen.",
        "no_lines": "ingen linjer lest",
        "subject": "{branch}: bestilling {ref}",
    },
    "sv": {
        "accepted": "{branch}: Vi har tagit emot beställning {ref} och arbetar med den.",
        "held": "{branch}: Vi har fler beställningar än vi hinner just nu. Beställning {ref} är registrerad och står i kö; "
                "vi räknar med att ta den runt kl. {time}.",
        "ready_pickup": "{branch}: Beställning {ref} är klar att hämta.",
        "dispatched": "{branch}: Beställning {ref} är skickad.",
        "redirected": "{branch}: Vi hinner inte med beställning {ref} nu. Beställ hos vår reservleverantör {backup}.",
        "cancelled": "{branch}: Beställning {ref} är makulerad. Orsak: {reason}",
        "received": "{branch}: Tack! Beställning {ref}: {lines}.",
        "review": "{branch}: Tack! Vi har registrerat meddelandet som beställning {ref} ({lines}) och kontrollerar det först.",
        "flagged": "{branch}: Tack, vi tittar på ditt meddelande om beställning {ref}.",
        "help": "{branch}: Skicka beställningen som sms med artikelnummer och antal. Svara STOP för att sluta få sms.",
        "stop": "Du får inga fler sms från oss. Svara START för att få dem igen.",
        "start": "Du får sms från oss igen.",
        "no_lines": "inga rader lästa",
        "subject": "{branch}: beställning {ref}",
    },
    "da": {
        "accepted": "{branch}: Vi har modtaget bestilling {ref} og arbejder på den.",
        "held": "{branch}: Vi har flere bestillinger, end vi kan nå lige nu. Bestilling {ref} er registreret og står i kø; "
                "vi regner med at tage den omkring kl. {time}.",
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
    },
    "fi": {
        "accepted": "{branch}: Tilaus {ref} on vastaanotettu ja käsittelyssä.",
        "held": "{branch}: Meillä on juuri nyt enemmän tilauksia kuin ehdimme käsitellä. Tilaus {ref} on kirjattu jonoon; "
                "arvioimme käsittelevämme sen noin klo {time}.",
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
    },
    "de": {
        "accepted": "{branch}: Wir haben Bestellung {ref} erhalten und bearbeiten sie.",
        "held": "{branch}: Wir haben gerade mehr Bestellungen, als wir schaffen. Bestellung {ref} ist erfasst und "
                "wartet; voraussichtlich bearbeiten wir sie gegen {time} Uhr.",
        "ready_pickup": "{branch}: Bestellung {ref} liegt zur Abholung bereit.",
        "dispatched": "{branch}: Bestellung {ref} ist unterwegs.",
        "redirected": "{branch}: Wir schaffen Bestellung {ref} gerade nicht. Bitte bestellen Sie bei unserem "
                      "Ersatzlieferanten {backup}.",
        "cancelled": "{branch}: Bestellung {ref} wurde storniert. Grund: {reason}",
        "received": "{branch}: Danke! Bestellung {ref}: {lines}.",
        "review": "{branch}: Danke! Wir haben die Nachricht als Bestellung {ref} erfasst ({lines}) und prüfen sie zuerst.",
        "flagged": "{branch}: Danke, wir sehen uns Ihre Nachricht zu Bestellung {ref} an.",
        "help": "{branch}: Senden Sie Ihre Bestellung per SMS mit Teilenummer und Stückzahl. Antworten Sie STOP, "
                "um keine SMS mehr zu erhalten.",
        "stop": "Sie erhalten keine SMS mehr von uns. Antworten Sie START, um sie wieder zu erhalten.",
        "start": "Sie erhalten wieder SMS von uns.",
        "no_lines": "keine Positionen erkannt",
        "subject": "{branch}: Bestellung {ref}",
    },
    "en": {
        "accepted": "{branch}: We have received order {ref} and are working on it.",
        "held": "{branch}: We have more orders than we can handle right now. Order {ref} is recorded and waiting; "
                "we expect to take it around {time}.",
        "ready_pickup": "{branch}: Order {ref} is ready for pickup.",
        "dispatched": "{branch}: Order {ref} has been dispatched.",
        "redirected": "{branch}: We cannot handle order {ref} right now. Please order from our backup supplier {backup}.",
        "cancelled": "{branch}: Order {ref} has been cancelled. Reason: {reason}",
        "received": "{branch}: Thanks! Order {ref}: {lines}.",
        "review": "{branch}: Thanks! We have recorded your message as order {ref} ({lines}) and will check it first.",
        "flagged": "{branch}: Thanks, we will look at your message about order {ref}.",
        "help": "{branch}: Text your order with part number and quantity. Reply STOP to stop text messages.",
        "stop": "You will get no more text messages from us. Reply START to get them again.",
        "start": "You will get text messages from us again.",
        "no_lines": "no lines read",
        "subject": "{branch}: order {ref}",
    },
}


def language_key(code: str | None) -> str:
    code = (code or "").strip().lower()[:2]
    code = ALIASES.get(code, code)
    return code if code in TEXTS else DEFAULT


def text(lang: str | None, key: str, **values) -> str:
    return TEXTS[language_key(lang)][key].format(**values)


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
