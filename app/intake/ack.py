"""The acknowledgement a workshop gets for an emailed order, in the language it wrote in.

It goes through the outbox (idempotent per inbound message) and is loop-safe: never to
auto-replies, bounces, lists or bulk mail, no-reply and system senders, forged senders, and at
most MAX_PER_HOUR per sender per hour.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models import Branch, InboundMessage, Order, OutboxMessage
from app.notify.outbox import enqueue
from app.orders import capacity
from app.orders.status import OrderStatus
from app.orders.unit_of_work import kept

MAX_PER_HOUR = 5
SYSTEM_SENDER = re.compile(
    r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|daemon|listserv|majordomo)"
    r"([-+._].*)?$", re.IGNORECASE)
BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply", "auto-reply"}

TEXTS = {
    "no": dict(
        subject="Bestilling mottatt", hello="Takk for bestillingen.",
        ref="Vår referanse er {ref}. Oppgi den hvis du skriver igjen.", lines="Dette har vi forstått:",
        no_lines="Vi fant ingen varelinjer; vi ser på meldingen.",
        queue="Du er nummer {pos} i køen. Vi regner med å ta den rundt {at}.",
        held="Vi har mye å gjøre akkurat nå. Bestillingen er registrert og står på vent; vi regner med å ta den rundt {at}.",
        redirected="Vi har mye å gjøre akkurat nå, så bestillingen er sendt videre til {backup}, som tar kontakt.",
        review="Vi sjekker bestillingen og kommer tilbake til deg.",
        bye="Vennlig hilsen\n{branch}", auto="Dette er et automatisk svar."),
    "sv": dict(
        subject="Beställning mottagen", hello="Tack för din beställning.",
        ref="Vår referens är {ref}. Ange den om du skriver igen.", lines="Det här har vi uppfattat:",
        no_lines="Vi hittade inga artikelrader; vi tittar på meddelandet.",
        queue="Du är nummer {pos} i kön. Vi räknar med att ta den runt {at}.",
        held="Vi har mycket att göra just nu. Beställningen är registrerad och väntar; vi räknar med att ta den runt {at}.",
        redirected="Vi har mycket att göra just nu, så beställningen har skickats vidare till {backup}, som kontaktar dig.",
        review="Vi kontrollerar beställningen och återkommer till dig.",
        bye="Med vänliga hälsningar\n{branch}", auto="Detta är ett automatiskt svar."),
    "da": dict(
        subject="Bestilling modtaget", hello="Tak for din bestilling.",
        ref="Vores reference er {ref}. Oplys den, hvis du skriver igen.", lines="Det her har vi forstået:",
        no_lines="Vi fandt ingen varelinjer; vi ser på beskeden.",
        queue="Du er nummer {pos} i køen. Vi regner med at tage den omkring {at}.",
        held="Vi har travlt lige nu. Bestillingen er registreret og venter; vi regner med at tage den omkring {at}.",
        redirected="Vi har travlt lige nu, så bestillingen er sendt videre til {backup}, som kontakter dig.",
        review="Vi tjekker bestillingen og vender tilbage til dig.",
        bye="Venlig hilsen\n{branch}", auto="Dette er et automatisk svar."),
    "fi": dict(
        subject="Tilaus vastaanotettu", hello="Kiitos tilauksestasi.",
        ref="Viitteemme on {ref}. Mainitse se, jos kirjoitat uudelleen.", lines="Ymmärsimme näin:",
        no_lines="Emme löytäneet tilausrivejä; tarkistamme viestin.",
        queue="Olet jonossa sijalla {pos}. Arvioimme käsittelevämme sen noin klo {at}.",
        held="Meillä on juuri nyt ruuhkaa. Tilaus on kirjattu ja odottaa; arvioimme käsittelevämme sen noin klo {at}.",
        redirected="Meillä on juuri nyt ruuhkaa, joten tilaus on välitetty toimittajalle {backup}, joka ottaa yhteyttä.",
        review="Tarkistamme tilauksen ja palaamme asiaan.",
        bye="Ystävällisin terveisin\n{branch}", auto="Tämä on automaattinen vastaus."),
    "de": dict(
        subject="Bestellung erhalten", hello="Vielen Dank für Ihre Bestellung.",
        ref="Unsere Referenz ist {ref}. Bitte geben Sie sie an, wenn Sie erneut schreiben.",
        lines="So haben wir die Bestellung verstanden:",
        no_lines="Wir haben keine Positionen gefunden; wir sehen uns die Nachricht an.",
        queue="Sie sind Nummer {pos} in der Warteschlange. Voraussichtlich bearbeiten wir sie gegen {at}.",
        held="Wir sind gerade ausgelastet. Die Bestellung ist erfasst und wartet; voraussichtlich bearbeiten wir sie gegen {at}.",
        redirected="Wir sind gerade ausgelastet; die Bestellung wurde an {backup} weitergegeben, die sich bei Ihnen melden.",
        review="Wir prüfen die Bestellung und melden uns bei Ihnen.",
        bye="Mit freundlichen Grüßen\n{branch}", auto="Dies ist eine automatische Antwort."),
    "en": dict(
        subject="Order received", hello="Thank you for your order.",
        ref="Our reference is {ref}. Please quote it if you write again.", lines="This is what we understood:",
        no_lines="We found no order lines; we will look at the message.",
        queue="You are number {pos} in the queue. We expect to handle it around {at}.",
        held="We are very busy right now. Your order is recorded and waiting; we expect to handle it around {at}.",
        redirected="We are very busy right now, so your order has been passed to {backup}, who will contact you.",
        review="We will check your order and come back to you.",
        bye="Kind regards\n{branch}", auto="This is an automatic reply."),
    "fr": dict(
        subject="Commande reçue", hello="Merci pour votre commande.",
        ref="Notre référence est {ref}. Merci de la rappeler si vous nous écrivez.", lines="Voici ce que nous avons compris :",
        no_lines="Nous n'avons trouvé aucune ligne de commande ; nous examinons le message.",
        queue="Vous êtes numéro {pos} dans la file. Nous pensons la traiter vers {at}.",
        held="Nous sommes très chargés. Votre commande est enregistrée et en attente ; nous pensons la traiter vers {at}.",
        redirected="Nous sommes très chargés ; votre commande a été transmise à {backup}, qui vous contactera.",
        review="Nous vérifions votre commande et revenons vers vous.",
        bye="Cordialement\n{branch}", auto="Ceci est une réponse automatique."),
    "nl": dict(
        subject="Bestelling ontvangen", hello="Bedankt voor uw bestelling.",
        ref="Onze referentie is {ref}. Vermeld deze als u opnieuw schrijft.", lines="Dit hebben we begrepen:",
        no_lines="We vonden geen orderregels; we bekijken het bericht.",
        queue="U bent nummer {pos} in de wachtrij. We verwachten deze rond {at} te behandelen.",
        held="Het is nu erg druk. Uw bestelling is geregistreerd en wacht; we verwachten deze rond {at} te behandelen.",
        redirected="Het is nu erg druk; uw bestelling is doorgestuurd naar {backup}, die contact met u opneemt.",
        review="We controleren uw bestelling en nemen contact met u op.",
        bye="Met vriendelijke groet\n{branch}", auto="Dit is een automatisch antwoord."),
}
ALIASES = {"nb": "no", "nn": "no", "se": "sv", "dk": "da", "ger": "de"}


def language_for(*candidates: str | None) -> str:
    for value in candidates:
        code = (value or "").strip().lower()[:2]
        code = ALIASES.get(code, code)
        if code in TEXTS:
            return code
    return "en"


def refusal(parsed, raw: bytes | None, sender: str, *, now: datetime, headers=None) -> str | None:
    """Why no automatic reply may go to this message, or None when one may. `headers`, when given,
    are the message's headers already read (then `raw` is not needed)."""
    from app.intake.store import headers_of

    if not sender or "@" not in sender:
        return "no sender address"
    if parsed.kind == "auto_reply" or getattr(parsed, "is_bounce", False) or getattr(parsed, "auto_submitted", False):
        return "the message is an automatic reply or a bounce"
    if getattr(parsed, "bulk", False):
        return "the message is bulk or list mail"
    if parsed.auth_failed:
        return "sender authentication failed; a reply could go to a forged address"
    if headers is None:
        headers = headers_of(raw)
    auto = str(headers.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(headers.get("Precedence") or "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    if headers.get("List-Id") or headers.get("List-Unsubscribe"):
        return "mailing-list mail"
    if headers.get("X-Autoreply") or headers.get("X-Autorespond"):
        return "the message is an automatic reply"
    suppress = str(headers.get("X-Auto-Response-Suppress") or "").lower()
    if "all" in suppress or "autoreply" in suppress:
        return "the sender asks for no automatic replies"
    if str(headers.get("Return-Path") or "").strip() == "<>":
        return "null return path (a bounce)"
    if SYSTEM_SENDER.match(sender.split("@", 1)[0]):
        return f"{sender} is a system or no-reply address"
    recent = recent_acks(sender.lower(), now=now)
    if recent >= MAX_PER_HOUR:
        return f"{recent} automatic replies went to {sender} in the last hour"
    return None


def _recent_query(now: datetime):
    return select(OutboxMessage.recipient, func.count()).where(
        OutboxMessage.kind == "ack", OutboxMessage.created_at >= now - timedelta(hours=1)).group_by(OutboxMessage.recipient)


def recent_acks(address: str, *, now: datetime) -> int:
    """Acknowledgements queued to this address in the last hour (kept per transaction, see prefetch_recent)."""
    cache = kept().recent_acks
    if (address, now) not in cache:
        row = db.session.execute(_recent_query(now).where(OutboxMessage.recipient == address)).first()
        cache[(address, now)] = row[1] if row else 0
    return cache[(address, now)]


def prefetch_recent(addresses: list[str], *, now: datetime) -> None:
    """recent_acks for many addresses in one statement (a batch of intake messages)."""
    counts = dict(db.session.execute(_recent_query(now).where(OutboxMessage.recipient.in_(addresses))).all())
    cache = kept().recent_acks
    for address in addresses:
        cache[(address, now)] = counts.get(address, 0)


def queue_position(order: Order) -> int:
    """1 + the unclaimed admitted orders of the branch ahead of this one (urgent first, then oldest)."""
    earlier = or_(Order.created_at < order.created_at, and_(Order.created_at == order.created_at, Order.id < order.id))
    ahead = or_(Order.urgent.is_(True), earlier) if not order.urgent else and_(Order.urgent.is_(True), earlier)
    return 1 + (db.session.scalar(select(func.count()).select_from(Order).where(
        Order.branch_id == order.branch_id, Order.id != order.id, Order.status.in_((OrderStatus.NEW, OrderStatus.NEEDS_REVIEW)),
        ahead)) or 0)


def _when(at: datetime | None, branch: Branch, now: datetime) -> str:
    if at is None:
        return "?"
    try:
        zone = ZoneInfo(branch.timezone)
    except Exception:  # noqa: BLE001 - a bad zone name must not stop the reply
        zone = ZoneInfo("UTC")
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d.%m. %H:%M")


def compose(order: Order, parsed, language: str, *, now: datetime) -> tuple[str, str]:
    """(subject, body) of the acknowledgement."""
    t = TEXTS[language]
    branch = db.session.get(Branch, order.branch_id)
    parts = [t["hello"], t["ref"].format(ref=order.reference), ""]
    if order.lines:
        parts.append(t["lines"])
        for line in order.lines:
            what = " ".join(filter(None, [line.part_number, line.description]))
            parts.append(f"  {line.quantity} x {what}")
    else:
        parts.append(t["no_lines"])
    parts.append("")
    if order.status == OrderStatus.HELD:
        parts.append(t["held"].format(at=_when(order.estimate_at, branch, now)))
    elif order.status == OrderStatus.REDIRECTED:
        parts.append(t["redirected"].format(backup=branch.backup_name or "?"))
    elif order.status == OrderStatus.NEEDS_REVIEW:
        parts.append(t["review"])
    else:
        position = queue_position(order)
        parts.append(t["queue"].format(pos=position, at=_when(capacity.estimate_for_position(branch, position, now),
                                                              branch, now)))
    parts += ["", t["bye"].format(branch=branch.name), "", f"-- \n{t['auto']}"]
    original = " ".join((parsed.subject or "").split())
    subject = f"[{order.reference}] {t['subject']}" + (f": {original}" if original else "")
    return subject[:300], "\n".join(parts)


def message_id_for(order: Order) -> str:
    """Carries the order reference, so a reply's In-Reply-To leads back to the order."""
    return f"<ack.{order.reference}.{secrets.token_hex(6)}@partdesk>"


def acknowledge(message: InboundMessage, parsed, order: Order, *, now: datetime) -> str:
    """Queue the acknowledgement for an emailed order, unless a loop rule forbids it.
    Returns what happened, in words, for the message's record. The loop rules read the headers the
    reader kept; only a reading without them (an older one) has them read again from the stored raw."""
    sender = (parsed.from_addr or "").strip().lower()
    reply_headers = getattr(parsed, "reply_headers", None)
    why_not = refusal(parsed, message.raw if reply_headers is None else None, sender, now=now, headers=reply_headers)
    if why_not:
        return f"not sent: {why_not}"
    workshop_language = None
    if order.workshop_id:
        from app.models import Workshop

        workshop = db.session.get(Workshop, order.workshop_id)
        workshop_language = workshop.language if workshop else None
    branch = db.session.get(Branch, order.branch_id)
    language = language_for(parsed.language, workshop_language, branch.language if branch else None)
    subject, body = compose(order, parsed, language, now=now)
    headers = {"Message-ID": message_id_for(order), "Auto-Submitted": "auto-replied",
               "X-Auto-Response-Suppress": "All"}
    if parsed.message_id:
        headers["In-Reply-To"] = parsed.message_id
        headers["References"] = " ".join([*(parsed.references or []), parsed.message_id])[-900:]
    enqueue(kind="ack", channel="email", recipient=sender, subject=subject, body=body, now=now,
            idempotency_key=f"ack:{message.id}", order_id=order.id, headers=headers)
    cache = kept().recent_acks
    if (sender, now) in cache:
        cache[(sender, now)] += 1
    return f"queued in {language}"
