"""A web worker killed -9 mid-request never leaves half an order.

Real gunicorn (one worker, four threads: the Procfile with WEB_THREADS=4, the most concurrent model it
allows) on the test's database. Phone orders are POSTed from four clients while the worker process is SIGKILLed two ways: from outside
at random moments, and by itself at a chosen point between the INSERTs of create_order (see
gunicorn_faults.py). The master respawns a worker each time.
"""
from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from tests.faults.conftest import ROOT, python_m, wait_for
from tests.intake.dovecot import stop_process

HERE = Path(__file__).resolve().parent
CLIENTS = 4
FIRING_SECONDS = 40


def worker_pids(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except FileNotFoundError:
        return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_in(base: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = session.post(f"{base}/login", data={"login": "kari", "password": "secret-pass-1", "csrf_token": token},
                          allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    page = session.get(f"{base}/orders/new", timeout=10).text
    return session, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def order_form(token: str, note: str) -> dict:
    return {"csrf_token": token, "workshop": "20001", "workshop_id": "", "fulfilment": "delivery",
            "lines-0-part_number": "0 986 494 123", "lines-0-description": "Bremseklosser", "lines-0-quantity": "2",
            "lines-1-part_number": "OC 90", "lines-1-description": "Oljefilter", "lines-1-quantity": "1",
            "plate": "", "vin": "", "customer_reference": "", "contact_name": "", "contact_phone": "", "notes": note}


def test_killing_the_web_worker_mid_request_leaves_no_half_written_order(app, db, make, tmp_path):
    branch = make.branch("OSL")
    make.staff(branch, login="kari", name="Kari")
    make.workshop(branch, number="20001", name="Bilservice Nord AS", phones=["+47 900 00 001"])
    db.session.remove()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "web-kill-test", "PARTDESK_INSTANCE": str(tmp_path),
           "PARTDESK_FAULT_SELF_KILL": "1"}
    log = open(tmp_path / "gunicorn.log", "wb")
    master = subprocess.Popen([*python_m("gunicorn"), "--workers", "1", "--threads", "4", "--bind",
                               f"127.0.0.1:{port}", "--timeout", "30", "--config", str(HERE / "gunicorn_faults.py"),
                               "app:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    rng = random.Random(os.environ.get("PARTDESK_KILL_SEED") or time.time_ns())
    confirmed: dict[str, str] = {}  # note -> reference the server answered with
    answers: list[int] = []  # statuses other than the redirect to "created"
    unknown: list[str] = []  # the connection dropped: committed or not, the client cannot tell
    stop = threading.Event()
    workers_seen: set[int] = set()
    external_kills = 0

    sessions: list[tuple[requests.Session, str]] = []

    def client(n: int) -> None:
        session, token = sessions[n]  # signed in before the kills: the cookie stays good across workers
        i = 0
        while not stop.is_set():
            try:
                i += 1
                note = f"fault {n}-{i}"
                answer = session.post(f"{base}/orders/new", data=order_form(token, note), allow_redirects=False,
                                      timeout=30)
                if answer.status_code == 302 and "/created" in answer.headers["Location"]:
                    confirmed[note] = answer.headers["Location"].split("/")[-2]
                else:
                    unknown.append(note)
                    answers.append(answer.status_code)
            except requests.RequestException:
                unknown.append(f"fault {n}-{i}")
                time.sleep(0.05)

    try:
        assert wait_for(lambda: _serves(base), 30), (tmp_path / "gunicorn.log").read_text()[-3000:]
        sessions.extend(signed_in(base) for _ in range(CLIENTS))
        clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in clients:
            thread.start()
        began = time.monotonic()
        # fire for FIRING_SECONDS, and on (up to 40 s more) until at least one kill came from outside:
        # a worker may always die by its own hook first when the machine is slow
        while (time.monotonic() - began < FIRING_SECONDS
               or (external_kills == 0 and time.monotonic() - began < FIRING_SECONDS + 40)):
            # wait for a booted worker (its fault hook logs once it is ready), then kill it a random
            # moment later unless it killed itself first
            booted = _booted(tmp_path)
            assert wait_for(lambda: _booted(tmp_path) > booted or _serving(master.pid, tmp_path), 60)
            pids = worker_pids(master.pid)
            workers_seen.update(pids)
            time.sleep(rng.uniform(0.1, 1.0) if external_kills else rng.uniform(0.02, 0.3))
            for pid in set(pids) & set(worker_pids(master.pid)):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue  # it killed itself (its fault hook) between the listing and the kill
                external_kills += 1
        stop.set()
        for thread in clients:
            thread.join(timeout=60)
        # the master still respawns a worker that serves
        # (its fault hook is still armed, so a try may meet a worker dying on purpose: try again)
        env_note = None
        for attempt in range(8):
            assert wait_for(lambda: _serves(base), 30), "no worker came back"
            try:
                session, token = signed_in(base)
                last = session.post(f"{base}/orders/new", data=order_form(token, f"after the storm {attempt}"),
                                    allow_redirects=False, timeout=30)
            except requests.RequestException:
                unknown.append(f"after the storm {attempt}")
                continue
            assert last.status_code == 302, last.text[:500]
            env_note = f"after the storm {attempt}"
            break
        assert env_note, "no order went through after the kills"
    finally:
        stop.set()
        stop_process(master, timeout=30)
        log.close()
    gunicorn_log = (tmp_path / "gunicorn.log").read_text(errors="replace")

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            orders = conn.execute(text(
                'SELECT o.id, o.reference, o.notes, '
                '(SELECT count(*) FROM order_line l WHERE l.order_id = o.id), '
                "(SELECT count(*) FROM order_event e WHERE e.order_id = o.id AND e.action = 'received'), "
                '(SELECT count(*) FROM outbox_message m WHERE m.order_id = o.id) '
                'FROM "order" o ORDER BY o.id')).all()
            next_seq = conn.scalar(text("SELECT next_seq FROM branch WHERE code = 'OSL'"))
            strays = conn.scalar(text('SELECT (SELECT count(*) FROM order_line WHERE order_id NOT IN '
                                      '(SELECT id FROM "order")) + (SELECT count(*) FROM order_event WHERE order_id '
                                      'NOT IN (SELECT id FROM "order"))'))
    finally:
        engine.dispose()
    deaths = gunicorn_log.count("fault: this worker dies at")
    committed_unknown = sum(1 for note in unknown if any(o.notes == note for o in orders))
    print(f"\n{len(orders)} orders; {len(confirmed)} confirmed to the client, {len(unknown)} requests cut off "
          f"({committed_unknown} of those committed); {deaths} workers started, {external_kills} killed from "
          f"outside, the rest killed themselves mid-write")
    assert not answers, answers
    assert len(confirmed) >= 5
    assert external_kills >= 1 and deaths >= external_kills + 2, gunicorn_log[-3000:]
    # every order is whole: its two lines, its "received" event, its outbox row; nothing orphaned
    assert all((lines, received, outbox) == (2, 1, 1) for _, _, _, lines, received, outbox in orders), orders
    assert strays == 0
    # every order the client was told about exists once, with the reference it was told
    by_note = {}
    for _, reference, note, *_ in orders:
        assert note not in by_note, f"{note} stored twice"
        by_note[note] = reference
    assert all(by_note.get(note) == reference for note, reference in confirmed.items())
    assert by_note.get(env_note)
    # references have no gaps: the counter (branch.next_seq) moves in the same transaction as the
    # order's INSERT, so a killed transaction rolls back both
    assert [r for _, r, *_ in orders] == [f"OSL-{n:06d}" for n in range(1, len(orders) + 1)]
    assert next_seq == len(orders) + 1


def _serves(base: str) -> bool:
    try:
        return requests.get(f"{base}/login", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _booted(tmp_path) -> int:
    return (tmp_path / "gunicorn.log").read_text(errors="replace").count("fault: this worker dies at")


def _serving(master: int, tmp_path) -> bool:
    """A worker is up and has been for a moment (its boot line is the last one in the log)."""
    lines = (tmp_path / "gunicorn.log").read_text(errors="replace").strip().splitlines()
    return bool(worker_pids(master)) and bool(lines) and "fault: this worker dies at" in lines[-1]
