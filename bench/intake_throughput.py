"""The intake functions' throughput, in this process: 2,000 generated messages stored (as the IMAP
worker stores a fetched batch) and processed into orders, reviews, notes and acknowledgements, on one core.

What it measures, plainly: app.intake.store.store_imap_batch and app.intake.pipeline.process_pending
called from this script, in batches of 50, on tiny synthetic mails (one plain-text part of about 400
bytes, no HTML, no attachments, no quoted history), with branch limits at 10^9. It does not start the
worker, read a drop folder or a mailbox, or count start-up. For the real worker end to end on mails
like the samples, against the peer, see bench/intake_vs_peer.py.

Baseline, measured in the same run on the same messages: parsing each with the standard library's
`email` package and reading its body. Targets: at least 200 messages per second (--target-rate), and
no more than 10 times the baseline's time per message (--target-ratio). Exits 1 when one is missed.

    .venv/bin/python bench/intake_throughput.py [--messages 2000] [--pg] [--target-rate 200] [--target-ratio 10]
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


def main(n: int, url: str | None, target_rate: float = 200, target_ratio: float = 10) -> int:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says
    messages = generate(n)
    app, url = fresh_app(url)
    base = min(baseline(messages) for _ in range(3))
    ours = ingest(app, messages)
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"database: {kind}; messages: {n}; one core")
    print("measures: the store and pipeline functions called in-process on tiny synthetic plain-text mails, "
          "in batches of 50, branch limits 10^9; not the worker, not a drop folder, no start-up "
          "(the worker end to end: intake_vs_peer.py)")
    print(f"baseline (email package parse + body): {n / base:8.1f} msg/s ({base / n * 1000:.2f} ms each)")
    print(f"partdesk store + process in-process (parse + order + ack): {n / ours:8.1f} msg/s "
          f"({ours / n * 1000:.2f} ms each)")
    rate_ok, ratio_ok = n / ours >= target_rate, ours / base <= target_ratio
    print(f"ratio time per message ours/baseline: {ours / base:.1f} (target <= {target_ratio:g}): "
          + ("PASS" if ratio_ok else "MISS"))
    print(f"throughput: {n / ours:.1f} msg/s (target >= {target_rate:g} msg/s): " + ("PASS" if rate_ok else "MISS"))
    return 0 if rate_ok and ratio_ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--pg", action="store_true")
    parser.add_argument("--target-rate", type=float, default=200, help="msg/s at least")
    parser.add_argument("--target-ratio", type=float, default=10, help="time per message / the baseline's, at most")
    args = parser.parse_args()
    raise SystemExit(main(args.messages, pg_url() if args.pg else None, args.target_rate, args.target_ratio))
