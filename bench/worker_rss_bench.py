"""Peak memory (RSS) of the intake worker taking one large message: a normal order email with a
29 MB attachment (random bytes, so base64 makes the file about 40 MB, the issue's case), through a drop-folder mailbox.
Since the app keeps only the headers of a message over MAX_MESSAGE_BYTES (40 MiB by default), a second
case is measured too: the largest message still under that limit, which the worker parses in full,
and a third: three such messages arriving in one round (they are parsed in one pipeline batch).

The worker runs as in production, as a subprocess: `flask --app app intake run --once`. Its peak
RSS is read from the kernel when it exits (wait4 rusage ru_maxrss, which is VmHWM); /proc/<pid>/status
is polled as a cross-check. Target: < 200 MB.

Measured in the same run:
  * baseline: a python process that reads the same file and parses it with email.message_from_bytes;
  * the worker on an empty drop folder (the app's own footprint, imports and all), for reference.

    .venv/bin/python bench/worker_rss_bench.py [--attachment-mb 20] [--pg]
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import fresh_app, pg_url
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET_MB = 200

BODY = ("Hei,\r\n\r\nVi trenger 2 stk bremseklosser 0 986 494 123 og 1 stk oljefilter HU 719/7 x til EL 12345.\r\n"
        "Bilde av skaden og tilbudet ligger ved.\r\n\r\nVår ref: AO-4471\r\n\r\nMed vennlig hilsen\r\nPer Hansen\r\n"
        "Bilverksted AS\r\nTlf 22 33 44 55\r\n")


def big_message(attachment_bytes: int, seed: int = 7) -> bytes:
    payload = random.Random(seed).randbytes(attachment_bytes)  # incompressible, like a photo or a scanned PDF
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    head = ("From: Verksted 1 <verksted1@workshop1.example>\r\nTo: oslo@partdesk.example\r\n"
            "Subject: Bestilling med vedlegg\r\nMessage-ID: <rss-bench-1@workshop.example>\r\n"
            "Date: Mon, 23 Nov 2026 08:00:00 +0100\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="==bench-boundary=="\r\n\r\n'
            "--==bench-boundary==\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + BODY + "\r\n"
            "--==bench-boundary==\r\nContent-Type: application/pdf; name=\"skade-og-tilbud.pdf\"\r\n"
            "Content-Disposition: attachment; filename=\"skade-og-tilbud.pdf\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n")
    return head.encode() + encoded + b"\r\n--==bench-boundary==--\r\n"


# A small launcher runs each measured command, so the kernel's high-water mark is the command's own:
# ru_maxrss survives execve, and a child forked straight from this (large) process would start its
# count at our size. The launcher is a few MB when it forks; it polls the child's VmHWM as a check.
LAUNCHER = """
import json, os, resource, subprocess, sys, threading, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
polled, done = [0], threading.Event()
def poll():
    while not done.is_set():
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        polled[0] = max(polled[0], int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
threading.Thread(target=poll, daemon=True).start()
out = proc.stdout.read()
rc = proc.wait()
done.set()
print(json.dumps({"maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "polled": polled[0],
                  "seconds": time.perf_counter() - start, "rc": rc, "tail": out.decode(errors="replace")[-3000:]}))
"""


def peak_rss(args: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[int, int, float, int]:
    """Run args; returns (ru_maxrss KiB from RUSAGE_CHILDREN, highest VmHWM KiB polled, seconds, exit status)."""
    out = subprocess.run([sys.executable, "-c", LAUNCHER, *args], env=env, cwd=cwd, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["rc"] != 0:
        print(result["tail"])
    return result["maxrss"], result["polled"], result["seconds"], result["rc"]


def setup(url: str | None, folder: Path):
    app, url = fresh_app(url)
    with app.app_context():
        from app.extensions import db
        from app.models import Branch, Mailbox, Workshop, WorkshopEmail

        branch = Branch(code="OSL", name="Oslo", hourly_limit=10**9, open_limit=10**9)
        db.session.add(branch)
        db.session.add(Workshop(customer_number="10001", name="Verksted 1", home_branch=branch,
                                emails=[WorkshopEmail(address="verksted1@workshop1.example")]))
        db.session.flush()
        db.session.add(Mailbox(branch_id=branch.id, name="osl-drop", kind="drop", path=str(folder)))
        db.session.commit()
        db.engine.dispose()
    return url


def max_message_bytes(url: str) -> int:
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}).config["MAX_MESSAGE_BYTES"]


def largest_attachment_under(limit: int) -> int:
    """The largest attachment whose message still fits under `limit` bytes (the worker parses it)."""
    n = int((limit - 4096) / 78 * 57)
    while len(big_message(n)) >= limit:
        n -= 57 * 100
    return n


def run_case(label: str, attachment_bytes: int, seq: int, url: str, drop: Path, work: Path, env: dict,
             worker: list[str], idle_rss: int, python_rss: int, copies: int = 1) -> bool:
    raw = big_message(attachment_bytes).replace(b"<rss-bench-1@", f"<rss-bench-{seq}@".encode())
    sample = work / f"case{seq}.eml"
    sample.write_bytes(raw)
    past = time.time() - 60
    for extra in range(1, copies):  # more big messages in the same round (one pipeline batch)
        other = drop / f"case{seq}-{extra}.eml"
        other.write_bytes(raw.replace(f"<rss-bench-{seq}@".encode(), f"<rss-bench-{seq}-{extra}@".encode()))
        os.utime(other, (past, past))
    # baseline: read the same file and parse it with the standard library
    parse = ("import email, sys\nraw = open(sys.argv[1], 'rb').read()\nm = email.message_from_bytes(raw)\n"
             "assert m.is_multipart() and len(m.get_payload()) == 2\n")
    base_rss, base_poll, base_s, base_rc = peak_rss([sys.executable, "-c", parse, str(sample)])
    # the worker; mtime in the past so the drop folder's settle time does not skip the file
    target = drop / sample.name
    target.write_bytes(raw)
    os.utime(target, (past, past))
    rss, polled, seconds, rc = peak_rss(worker, env, ROOT)
    engine = create_engine(url)
    with engine.connect() as conn:
        # the stored message(s) of this case, by Message-ID (dedup keys are content hashes)
        rows = conn.execute(text("SELECT status, length(raw), error FROM inbound_message WHERE message_id LIKE :k"),
                            {"k": f"<rss-bench-{seq}@%"}).all()
        rows += conn.execute(text("SELECT status, length(raw), error FROM inbound_message WHERE message_id LIKE :k"),
                             {"k": f"<rss-bench-{seq}-%"}).all()
        orders = conn.scalar(text('SELECT count(*) FROM "order"'))
    engine.dispose()
    moved = (drop / "processed" / sample.name).exists()
    mb = 1024.0
    print(f"\n== {label}: {attachment_bytes / 2**20:.1f} MiB attachment, message {len(raw) / 2**20:.1f} MiB on disk"
          + (f", {copies} such messages in one round" if copies > 1 else ""))
    print(f"baseline (read + email.message_from_bytes):    {base_rss / mb:7.1f} MiB  (polled {base_poll / mb:.1f}; "
          f"{base_s:.2f} s; exit {base_rc})")
    print(f"worker --once, this message:                   {rss / mb:7.1f} MiB  (polled {polled / mb:.1f}; "
          f"{seconds:.2f} s; exit {rc})")
    print(f"stored: {[(s, n, (e or '')[:110]) for s, n, e in rows]}; orders in db {orders}; "
          f"file moved to processed/: {moved}")
    print(f"worker growth over its empty round: {(rss - idle_rss) / mb:.1f} MiB = "
          f"{(rss - idle_rss) * 1024 / len(raw):.1f} x the message; baseline growth over bare python: "
          f"{(base_rss - python_rss) / mb:.1f} MiB = {(base_rss - python_rss) * 1024 / len(raw):.1f} x")
    print(f"ratio worker/baseline peak RSS: {rss / base_rss:.2f}")
    ok = rc == 0 and rss / mb < TARGET_MB and len(rows) == copies
    print(f"peak RSS {rss / mb:.1f} MiB, target < {TARGET_MB} MiB: " + ("PASS" if ok else "MISS"))
    return ok


def main(attachment_mb: float, url: str | None, largest: bool, several: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="partdesk-bench-rss-"))
    drop = work / "drop"
    drop.mkdir()
    url = setup(url, drop)
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret")
    worker = [str(BIN / "flask"), "--app", "app", "intake", "run", "--once"]
    idle_rss, idle_poll, idle_s, _ = peak_rss(worker, env, ROOT)  # the app's own footprint, empty folder
    python_rss, _, _, _ = peak_rss([sys.executable, "-c", "pass"])
    limit = max_message_bytes(url)
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"database: {kind}; the app's MAX_MESSAGE_BYTES: {limit} ({limit / 2**20:.1f} MiB; bigger messages keep "
          f"only their headers)")
    print(f"python -c pass:                                {python_rss / 1024:7.1f} MiB")
    print(f"worker --once, empty drop folder:              {idle_rss / 1024:7.1f} MiB  (polled {idle_poll / 1024:.1f}; "
          f"{idle_s:.2f} s)")
    cases = [(f"{attachment_mb:g} MB attachment", int(attachment_mb * 2**20), 1)]
    if largest:
        cases.append(("largest message under MAX_MESSAGE_BYTES (parsed in full)", largest_attachment_under(limit), 1))
    if several > 1:
        cases.append((f"{several} such messages in one drop-folder round (one pipeline batch)",
                      largest_attachment_under(limit), several))
    results = [run_case(label, size, seq, url, drop, work, env, worker, idle_rss, python_rss, copies)
               for seq, (label, size, copies) in enumerate(cases, 1)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--attachment-mb", type=float, default=29, help="29 MB base64-encoded: a 40 MB message")
    parser.add_argument("--no-largest", action="store_true", help="skip the largest-message-under-the-limit case")
    parser.add_argument("--several", type=int, default=3, help="also N largest messages in one round (0: skip)")
    parser.add_argument("--pg", action="store_true")
    args = parser.parse_args()
    raise SystemExit(main(args.attachment_mb, pg_url() if args.pg else None, not args.no_largest, args.several))
