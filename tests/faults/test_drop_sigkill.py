"""The worker killed -9 again and again while 300 files are dropped into its folder: each stored and
turned into an order once, and every file ends in processed/.

Files are stored a batch per commit and moved only after it, so a kill lands before a commit (the
batch stays in the folder and is stored next time), between the commit and the moves (stored again
under the same key, which stores nothing, then moved), or while processing. PARTDESK_KILL_SEED
replays a run."""
from __future__ import annotations

import os
import random
import threading
import time

from sqlalchemy import create_engine, func, select

from app.models import InboundMessage, Mailbox, Order
from tests.faults.conftest import counts, wait_for
from tests.intake.mail import email

TOTAL = 300


def test_sigkill_while_files_are_dropped_stores_and_orders_each_once(app, db, make, tmp_path, intake_worker):
    seed = int(os.environ.get("PARTDESK_KILL_SEED") or time.time_ns() % 10**9)
    rng = random.Random(seed)
    branch = make.branch()
    make.workshop(branch, emails=["post@verksted.test"])
    folder = tmp_path / "drop"
    folder.mkdir()
    db.session.add(Mailbox(branch_id=branch.id, name="osl-drop", kind="drop", path=str(folder)))
    db.session.commit()
    worker = intake_worker(PARTDESK_LEASE_SECONDS="3", PARTDESK_DROP_POLL_SECONDS="0.5")
    dropped = []

    def drop_all():
        drop_rng = random.Random(seed + 1)
        while len(dropped) < TOTAL:
            for _ in range(min(drop_rng.choice((1, 1, 5, 20, 60)), TOTAL - len(dropped))):
                i = len(dropped)
                (folder / f"m{i:04}.eml").write_bytes(email(message_id=None if i % 3 == 0 else "auto", body=(
                    f"Hei\n\nVi trenger {i % 9 + 1} stk bremseklosser 0 986 494 {1000 + i}.\n\nMvh Ola")))
                dropped.append(i)
            time.sleep(drop_rng.uniform(0, 0.5))

    dropper = threading.Thread(target=drop_all)
    began = time.monotonic()
    dropper.start()
    kills = []
    try:
        while dropper.is_alive() or len(kills) < 6:
            before, offset = counts(app)[:2], worker.log_size()
            worker.start()
            wait_for(lambda: counts(app)[:2] != before or "working" in worker.logged_since(offset), 30, step=0.05)
            time.sleep(rng.uniform(0.1, 1.2))
            worker.kill()
            inbound, processed, _ = counts(app)
            kills.append({"at": round(time.monotonic() - began, 1), "dropped": len(dropped), "stored": inbound,
                          "not_processed": inbound - processed, "in_folder": len(list(folder.glob("*.eml")))})
        dropper.join()
        worker.start()
        done = wait_for(lambda: counts(app)[1] == TOTAL and not list(folder.glob("*.eml")), 120, step=0.5)
    finally:
        worker.stop()
    print(f"\nseed {seed}: {len(kills)} SIGKILLs in {time.monotonic() - began:.1f} s; what each left behind:")
    for kill in kills:
        print("  ", kill)
    assert done, worker.tail()
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            inbound = conn.scalar(select(func.count()).select_from(InboundMessage))
            keys = conn.scalar(select(func.count(func.distinct(InboundMessage.dedup_key))))
            orders = conn.scalar(select(func.count()).select_from(Order))
            distinct_inbound = conn.scalar(select(func.count(func.distinct(Order.inbound_message_id))))
            failed = conn.scalar(select(func.count()).select_from(InboundMessage)
                                 .where(InboundMessage.status == "failed"))
    finally:
        engine.dispose()
    assert inbound == keys == TOTAL and failed == 0
    assert orders == distinct_inbound == TOTAL
    moved = list((folder / "processed").iterdir())
    # a file moved again after a kill between commit and move keeps its name: one per dropped file
    assert len(moved) == TOTAL and {p.name for p in moved} == {f"m{i:04}.eml" for i in range(TOTAL)}
    assert any(k["in_folder"] for k in kills), "no kill with files waiting in the folder"
    assert any(k["not_processed"] for k in kills), "no kill between storing and processing"
