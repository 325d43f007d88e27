"""Distinct, realistic order mails made from the labelled samples (/work/shared/samples/*.eml by default).

Each mail is one sample with a new Message-ID, Date and sender (a workshop from a fixed pool, about one in
ten an address no workshop has), its part numbers changed in their last digits (an EAN-13 keeps a valid
check digit) and its written quantities changed, in every text part, encoded again as the sample was
(quoted-printable, base64, 8bit; the same charset). Everything else is the sample byte for byte: the
other headers, the MIME structure, the HTML, the quoted history and the attachments.

    from mailgen import generate, workshops
    mails = generate(1000)            # list of Mail(name, raw, sender), the same for the same seed
    for name, person, address in workshops(): ...   # the pool, to register as known workshops

Used by bench/intake_vs_peer.py; any bench that wants mail like the samples can use it.
"""
from __future__ import annotations

import base64
import email
import email.policy
import json
import os
import quopri
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

SAMPLES = Path(os.environ.get("PARTDESK_SAMPLES", "/work/shared/samples"))

FIRST = ["Per", "Kari", "Ola", "Anna", "Lars", "Ingrid", "Jens", "Mette", "Erik", "Sofia", "Mikko", "Aino",
         "Uwe", "Monika", "Steve", "Claire", "Nils", "Karin", "Henrik", "Liisa", "Pierre", "Julie", "Tor", "Eva"]
LAST = ["Hansen", "Johansen", "Berg", "Lindqvist", "Nielsen", "Virtanen", "Schmidt", "Collins", "Dubois",
        "Haugen", "Karlsson", "Korhonen", "Jensen", "Dahl", "Brandt", "Wallin", "Moreau", "Lie", "Strand"]
PLACE = ["alna", "fana", "asker", "moss", "lund", "vaxjo", "aarhus", "vejle", "tampere", "oulu", "koeln", "bremen",
         "leeds", "nantes", "hamar", "molde", "skien", "boras", "kolding", "lahti"]
TRADE = ["bilverksted", "motor", "bilservice", "auto", "kfz", "garage", "bilcenter", "autokorjaamo", "autocare"]

QUANTITY = re.compile(  # "2 stk", "2stk", "2 St.", "1 Paar", "2 kpl", "4 pcs", "2 x" (not "719/7 x")
    r"(?<![\w.,/-])([1-9])(\s?)(stk\.?|st\.?|kpl\.?|stück|paar|satz|sett|sæt|sats|sarja|pcs|pc|pieces|pièces|x)"
    r"(?![\w])", re.IGNORECASE)
TIMES = re.compile(r"(?<![\w.,/-])(x\s?|qty\s?)([1-9])(?![\w.,/])", re.IGNORECASE)  # "x2", "qty 2"


@dataclass(frozen=True)
class Mail:
    name: str  # a file name, e.g. 0007-S04.eml
    raw: bytes
    sender: str  # the From address


def workshops(count: int = 60, seed: int = 16) -> list[tuple[str, str, str]]:
    """The known senders: (workshop name, the person who writes, address), distinct, the same for the
    same seed."""
    rnd = random.Random(seed)
    pool, seen = [], set()
    while len(pool) < count:
        place, trade = rnd.choice(PLACE), rnd.choice(TRADE)
        domain = f"{place}{trade}.example"
        if domain in seen:
            continue
        seen.add(domain)
        first = rnd.choice(FIRST)
        pool.append((f"{place.title()} {trade.title()}", f"{first} {rnd.choice(LAST)}", f"{first.lower()}@{domain}"))
    return pool


def samples(folder: Path = SAMPLES) -> list[tuple[str, bytes, dict]]:
    """(name, raw, gold label) of every *.eml in the folder, by name."""
    found = []
    for path in sorted(folder.glob("*.eml")):
        gold_path = path.with_name(path.stem + ".gold.json")
        gold = json.loads(gold_path.read_text(encoding="utf-8")) if gold_path.exists() else {"lines": []}
        found.append((path.stem, path.read_bytes(), gold))
    if not found:
        raise FileNotFoundError(f"No *.eml samples in {folder} (set PARTDESK_SAMPLES).")
    return found


def _ean_check(digits12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


def new_part_number(number: str, rnd: random.Random) -> str:
    """The same shape, its last (up to three) digits drawn again; an EAN-13 gets its check digit."""
    if re.fullmatch(r"\d{13}", number):
        head = number[:9] + "".join(rnd.choice("0123456789") for _ in range(3))
        return head + _ean_check(head)
    positions = [i for i, c in enumerate(number) if c.isdigit()][-3:]
    chars = list(number)
    for i in positions:
        chars[i] = rnd.choice("0123456789")
    return "".join(chars)


def _rewrite_text(text: str, numbers: dict[str, str], rnd: random.Random) -> str:
    for old, new in numbers.items():
        text = text.replace(old, new)
    text = QUANTITY.sub(lambda m: f"{rnd.randint(1, 6)}{m.group(2)}{m.group(3)}", text)
    return TIMES.sub(lambda m: f"{m.group(1)}{rnd.randint(1, 6)}", text)


def _reencode(part, old_payload: str, numbers: dict[str, str], rnd: random.Random, crlf: bool) -> str | None:
    """The part's payload with the text rewritten and encoded as before, or None when nothing changed."""
    charset = part.get_content_charset() or "us-ascii"
    cte = (part.get("Content-Transfer-Encoding") or "7bit").strip().lower()
    encoded = old_payload.encode("ascii", "surrogateescape")
    if cte == "base64":
        data = base64.b64decode(encoded)
    elif cte == "quoted-printable":
        data = quopri.decodestring(encoded)
    else:
        data = encoded
    try:
        text = data.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None
    new_text = _rewrite_text(text, numbers, rnd)
    if new_text == text:
        return None
    data = new_text.encode(charset, errors="xmlcharrefreplace")
    if cte == "base64":
        out = base64.encodebytes(data).decode("ascii")
    elif cte == "quoted-printable":
        out = quopri.encodestring(data.replace(b"\r\n", b"\n")).decode("ascii")
    else:
        return data.decode("ascii", "surrogateescape")
    out = out.rstrip("\n")
    if crlf:
        out = out.replace("\n", "\r\n")
    trailing = old_payload[len(old_payload.rstrip("\r\n")):]
    return out + trailing


def _set_header(head: str, name: str, value: str, eol: str) -> str:
    """Replace the header (with its folded lines) or add it at the top."""
    pattern = re.compile(rf"^{name}:[^\r\n]*(?:{eol}[ \t][^\r\n]*)*", re.IGNORECASE | re.MULTILINE)
    line = f"{name}: {value}"
    if pattern.search(head):
        return pattern.sub(lambda _m: line, head, count=1)
    return line + eol + head


def variant(raw: bytes, gold: dict, *, index: int, sender: tuple[str, str, str], rnd: random.Random,
            when: datetime) -> bytes:
    text = raw.decode("ascii", "surrogateescape")
    crlf = "\r\n" in text
    eol = "\r\n" if crlf else "\n"
    split = text.find(eol + eol)
    head, body = text[:split], text[split:]
    numbers = {}
    for line in gold.get("lines") or []:
        number = line.get("part_number")
        if number and number not in numbers:
            numbers[number] = new_part_number(number, rnd)
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text" or part.get_filename():
            continue
        old = part.get_payload()
        new = _reencode(part, old, numbers, rnd, crlf)
        if new is not None and old in body:
            body = body.replace(old, new, 1)
    _workshop, person, address = sender
    domain = address.split("@", 1)[1]
    head = _set_header(head, "From", f"{person} <{address}>", eol)
    head = _set_header(head, "Message-ID", f"<{rnd.getrandbits(64):016X}.{index}@{domain}>", eol)
    head = _set_header(head, "Date", format_datetime(when), eol)
    return (head + body).encode("ascii", "surrogateescape")


def generate(count: int = 1000, seed: int = 16, folder: Path = SAMPLES, known_share: float = 0.9) -> list[Mail]:
    """`count` distinct mails, cycling through the samples; the same list for the same seed."""
    rnd = random.Random(seed)
    pool = workshops(seed=seed)
    base = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    found = samples(folder)
    mails = []
    for i in range(count):
        stem, raw, gold = found[i % len(found)]
        if rnd.random() < known_share:
            sender = rnd.choice(pool)
        else:
            sender = ("", f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                      f"post{i}@{rnd.choice(PLACE)}-{rnd.choice(TRADE)}{i}.example")
        data = variant(raw, gold, index=i, sender=sender, rnd=rnd, when=base + timedelta(seconds=17 * i))
        mails.append(Mail(f"{i:04d}-{stem}.eml", data, sender[2]))
    if len({m.raw for m in mails}) != count:
        raise AssertionError("generated mails are not all distinct")
    return mails


def write(mails: list[Mail], folder: Path) -> None:
    """Write each mail into `folder` the way a careful dropper does: under a dot name, then renamed."""
    folder.mkdir(parents=True, exist_ok=True)
    for mail in mails:
        temp = folder / f".{mail.name}.part"
        temp.write_bytes(mail.raw)
        temp.replace(folder / mail.name)


if __name__ == "__main__":  # a quick look: python bench/mailgen.py 3
    import sys

    for mail in generate(int(sys.argv[1]) if len(sys.argv) > 1 else 2):
        print(mail.name, mail.sender, len(mail.raw))
        print(mail.raw.decode("ascii", "replace")[:600])
        print("-" * 60)
