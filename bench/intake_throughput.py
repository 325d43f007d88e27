"""Email intake throughput into SQLite: 2,000 generated messages stored (as the IMAP worker stores a
fetched batch) and processed into orders, reviews, notes and acknowledgements, on one core.

Baseline, measured in the same run on the same messages: parsing each with the standard library's
`email` package and reading its body. Targets: at least 200 messages per second, and no more than 10
times the baseline's time per message.

    .venv/bin/python bench/intake_throughput.py [--messages 2000] [--pg]
"""
from __future__ import annotations

import argparse
import email
import os
import random
import time
from datetime import UTC, datetime
from email import policy

from common import fresh_app, pg_url

LANG = {
    "no": ("Hei, trenger {q} stk {part} {desc} til {plate}.{urgent} Vi henter selv.\n\nVår ref: {ref}\n\n"
           "Med vennlig hilsen\nPer Hansen\nTlf 22 33 44 55\nOrg.nr 987 654 321"),
    "sv": ("Hej! Vi behöver {q} st {desc} {part} till {plate}.{urgent} Leverans tack.\n\nVår ref {ref}\n\n"
           "Mvh\nAnna Berg\n031-123 45 67"),
    "da": "Hej, vi skal bruge {q} stk. {desc} {part} til {plate}. Vi afhenter.\n\nMvh\nJens\nTlf 33 12 34 56",
    "de": ("Hallo, bitte {q} Stück {desc} {part} für {plate} liefern.{urgent}\n\nKommission {ref}\n\n"
           "Mit freundlichen Grüßen\nKfz Müller\nTel. 089 1234567"),
    "en": "Hi, please send {q} x {part} {desc} for {plate}.{urgent}\n\nPO {ref}\n\nThanks\nJohn\n01234 567890",
}
PARTS = [("0 986 494 123", "bremseklosser"), ("HU 719/7 x", "oljefilter"), ("BKR6E", "tennplugger"),
         ("1 987 429 405", "bremseskiver"), ("C 30 005", "luftfilter"), ("VKBA 3637", "hjullager")]
PLATES = {"no": "EL 12345", "sv": "ABC 123", "da": "AB 12 345", "de": "M-AB 1234", "en": "AB12 CDE"}


def generate(n: int, seed: int = 3) -> list[bytes]:
    rnd = random.Random(seed)
    messages = []
    for i in range(n):
        lang = rnd.choice(list(LANG))
        part, desc = rnd.choice(PARTS)
        body = LANG[lang].format(q=rnd.randint(1, 4), part=part, desc=desc, plate=PLATES[lang],
                                 urgent=" Haster!" if lang == "no" and rnd.random() < 0.2 else "", ref=f"AO-{4000 + i}")
        sender = f"verksted{i % 40}@workshop{i % 40}.example" if rnd.random() < 0.9 else f"ukjent{i}@nowhere.example"
        raw = (f"From: Verksted {i % 40} <{sender}>\r\nTo: oslo@partdesk.example\r\nSubject: Bestilling {i}\r\n"
               f"Message-ID: <bench-{i}-{seed}@workshop.example>\r\nDate: Mon, 23 Nov 2026 08:00:00 +0100\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
               + body.replace("\n", "\r\n") + "\r\n")
        messages.append(raw.encode("utf-8"))
    return messages


def baseline(messages: list[bytes]) -> float:
    start = time.perf_counter()
    for raw in messages:
        message = email.message_from_bytes(raw, policy=policy.default)
        body = message.get_body(preferencelist=("plain", "html"))
        body.get_content() if body is not None else ""
    return time.perf_counter() - start


def ingest(app, messages: list[bytes], fetch_batch: int = 50) -> float:
    from app.extensions import db
    from app.intake import pipeline
    from app.intake.store import Incoming, store_imap_batch
    from app.models import Branch, Mailbox, Workshop, WorkshopEmail

    with app.app_context():
        branch = Branch(code="OSL", name="Oslo", hourly_limit=10**9, open_limit=10**9)
        db.session.add(branch)
        for i in range(40):
            db.session.add(Workshop(customer_number=str(10000 + i), name=f"Verksted {i}", home_branch=branch,
                                    emails=[WorkshopEmail(address=f"verksted{i}@workshop{i}.example")]))
        db.session.flush()
        box = Mailbox(branch_id=branch.id, name="osl", kind="imap", uidvalidity=1)
        db.session.add(box)
        db.session.commit()
        box_id = box.id
        start = time.perf_counter()
        uid = 0
        for offset in range(0, len(messages), fetch_batch):
            items = []
            for raw in messages[offset:offset + fetch_batch]:
                uid += 1
                items.append(Incoming(raw, uid=uid))
            store_imap_batch(box_id, 1, items, now=datetime.now(UTC))
            pipeline.process_pending(fetch_batch)
        elapsed = time.perf_counter() - start
        from sqlalchemy import func, select

        from app.models import InboundMessage, Order

        stored = db.session.scalar(select(func.count()).select_from(InboundMessage))
        processed = db.session.scalar(select(func.count()).select_from(InboundMessage)
                                      .where(InboundMessage.status == "processed"))
        orders = db.session.scalar(select(func.count()).select_from(Order))
        assert stored == processed == len(messages), (stored, processed)
        print(f"stored {stored}, processed {processed}, orders {orders}")
    return elapsed


def main(n: int, url: str | None) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says
    messages = generate(n)
    app, url = fresh_app(url)
    base = min(baseline(messages) for _ in range(3))
    ours = ingest(app, messages)
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"database: {kind}; messages: {n}; one core")
    print(f"baseline (email package parse + body): {n / base:8.1f} msg/s ({base / n * 1000:.2f} ms each)")
    print(f"partdesk ingest (store + parse + order + ack): {n / ours:8.1f} msg/s ({ours / n * 1000:.2f} ms each)")
    print(f"ratio time per message ours/baseline: {ours / base:.1f} (target <= 10); "
          f"throughput target >= 200 msg/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--pg", action="store_true")
    args = parser.parse_args()
    main(args.messages, pg_url() if args.pg else None)
