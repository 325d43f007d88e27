"""A real worker (`python -m flask ... intake run`, a subprocess) stuck on a message that takes minutes
to parse: SIGTERM stops it within 5 s and leaves the message stored; started again, the worker fails
that message after its time limit, with the reason, and stores and processes the mail behind it.

Before the fix the parse ran inside the worker and held the interpreter lock: SIGTERM waited 32 s for
it, and after a restart the worker went straight back into the same message while new mail waited."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.models import Mailbox
from tests.faults.conftest import ROOT, query
from tests.intake.mail import email

pytestmark = pytest.mark.slow

APP = "tests.intake.slow_parsers:create_app()"  # the real app; its parser spins on X-Test-Slow


def _drop(folder: Path, name: str, raw: bytes) -> None:
    path = folder / name
    path.write_bytes(raw)
    past = time.time() - 60  # older than the drop folder's settle time
    os.utime(path, (past, past))


def _start(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", APP, "intake", "run"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def _wait(predicate, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {seconds} s; worker log:\n{log.read_text(errors='replace')[-3000:]}")


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.update(int(child) for child in text)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_sigterm_stops_a_worker_deep_in_a_parse_and_a_restart_moves_past_that_message(app, db, make, tmp_path):
    branch = make.branch("OSL")
    make.workshop(branch, emails=["post@verksted.test"])
    folder = tmp_path / "drop"
    folder.mkdir()
    db.session.add(Mailbox(branch_id=branch.id, name="osl-drop", kind="drop", path=str(folder)))
    db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "fault-test", "PARTDESK_INSTANCE": str(tmp_path),
           "PARTDESK_DROP_POLL_SECONDS": "0.5", "PARTDESK_PARSE_TIME_LIMIT": "600"}
    log = tmp_path / "worker.log"

    def status(subject_like: str):
        return query(url, "SELECT status FROM inbound_message WHERE subject LIKE :s", s=subject_like)

    _drop(folder, "1-poison.eml", email(subject="x" * 200_000, headers={"X-Test-Slow": "yes"}))
    worker = _start(env, log)
    try:
        _wait(lambda: status("xxx%") == "stored", 60, "storing the poison message", log)
        time.sleep(3)  # well into its parse
        assert worker.poll() is None, log.read_text(errors="replace")[-3000:]
        children = _children(worker.pid)
        worker.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        took = time.monotonic() - sent
        assert took <= 5, f"the worker took {took:.1f} s to stop after SIGTERM"
        assert worker.returncode is not None
        assert status("xxx%") == "stored", "a stop must leave the message for the next start, not fail it"
        time.sleep(0.5)
        assert not [pid for pid in children if _alive(pid)], "a parse child outlived its worker"
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    # started again, with a time limit: the poison message is failed with the reason, new mail goes through
    env["PARTDESK_PARSE_TIME_LIMIT"] = "3"
    _drop(folder, "2-order.eml", email(subject="Bestilling etter"))
    worker = _start(env, log)
    try:
        _wait(lambda: status("Bestilling etter") == "processed", 90, "processing the mail behind it", log)
        assert status("xxx%") == "failed"
        error = query(url, "SELECT error FROM inbound_message WHERE subject LIKE 'xxx%'")
        assert error.startswith("Reading the message took longer than 3 s and was stopped")
        assert query(url, 'SELECT count(*) FROM "order" o JOIN inbound_message m ON m.id = o.inbound_message_id '
                          "WHERE m.subject = 'Bestilling etter'") == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

