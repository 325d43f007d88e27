"""Soak: the real gunicorn, started with the Procfile's `web:` command (its worker model), on a SQLite demo
database, read by concurrent logged-in clients over HTTP until a number of requests is reached. Every
worker that dies (a segfault, an abort, a timeout kill) is counted from gunicorn's own log; the script
prints its figures and exits 1 if any worker died or any request failed.

    .venv/bin/python bench/soak.py [--requests 20000] [--clients 10] [--orders 0]

The clients are staff (the queue page, whose staff gauge counts what they hold) and managers (the queue
for the whole chain with its branch gauges, the dashboard page and its panel). --orders adds that many
historical orders (bench/fill.py) to the demo chain, so every query does real work in SQLite. The workers run with
faulthandler on, so a crash leaves every thread's Python stack in the log (printed here).
"""
from __future__ import annotations

import argparse
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))

# (login, password, paths it cycles through); the demo chain's people (app/demo.py)
READERS = [
    ("kari", "demo-kari-1", ["/", "/?status=all", "/?urgent=y", "/calls/active"]),
    ("ola", "demo-ola-1", ["/", "/?channel=email", "/static/screenpop.js", "/?page=2"]),
    ("maria", "demo-maria-1", ["/", "/manager/", "/manager/panel", "/manager/panel?branch=GOT", "/?branch="]),
    ("admin", "demo-admin-1", ["/manager/", "/", "/manager/stats.json"]),
]
BOOTED = re.compile(r"Booting worker with pid: (\d+)")
# what the master logs when a worker dies under it (a signal, a timeout); a segfault is logged by both the
# worker (faulthandler's "Fatal Python error") and the master, so deaths are counted from the master's lines
DIED = re.compile(r"Worker \(pid:(\d+)\) was sent \w+|Worker with pid (\d+) was terminated due to signal"
                  r"|Worker \(pid:(\d+)\) exited with code|WORKER TIMEOUT \(pid:(\d+)\)")


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    sent: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile_web() -> str:
    """The command the Procfile runs as `web:`."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("the Procfile has no web: process")


def demo_database(env: dict, orders: int) -> None:
    """The schema by the migrations and the demo chain, as .ci/demo makes them; then `orders` more."""
    flask = [str(BIN / "flask"), "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    if orders:
        sys.path.insert(0, str(ROOT))
        from app import create_app
        from app.extensions import db
        from fill import fill_orders

        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": env["SECRET_KEY"]})
        with app.app_context():
            fill_orders(orders)
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            db.engine.dispose()


def start_web(env: dict, log: Path) -> subprocess.Popen:
    """The Procfile's web command, run by a shell as a process manager would (so ${WEB_CONCURRENCY:-3}
    and ${PORT} are expanded); gunicorn's extra options (its log) come through GUNICORN_CMD_ARGS."""
    with open(log, "ab") as out:
        return subprocess.Popen(["bash", "-c", "exec " + procfile_web()], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_serving(base: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(f"{base}/login", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not serve within 60 s:\n{log.read_text(errors='replace')[-3000:]}")


def signed_in(base: str, login: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = session.post(f"{base}/login", data={"login": login, "password": password, "csrf_token": token},
                          allow_redirects=False, timeout=30)
    if answer.status_code != 302:
        raise SystemExit(f"could not log in as {login}: {answer.status_code}")
    return session


def client(base: str, session: requests.Session, paths: list[str], quota: itertools.count, total: int,
           tally: Tally) -> None:
    for path in itertools.cycle(paths):
        if next(quota) >= total:
            return
        began = time.perf_counter()
        try:
            answer = session.get(base + path, allow_redirects=False, timeout=60)
            status = answer.status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        elapsed = (time.perf_counter() - began) * 1000
        with tally.lock:
            tally.sent += 1
            if tally.sent % 2000 == 0:
                print(f"  {tally.sent} requests", file=sys.stderr, flush=True)
            tally.statuses[status] += 1
            tally.latencies.append(elapsed)
            if status != 200:
                tally.failures.append(f"{path}: {status}")


def soak(total: int, clients: int, workers: int | None = None, orders: int = 0, folder: Path | None = None) -> dict:
    """Run the soak; returns its figures (see main). `workers` overrides WEB_CONCURRENCY."""
    folder = folder or Path(tempfile.mkdtemp(prefix="partdesk-soak-"))
    port = free_port()
    log = folder / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'soak.db'}", "SECRET_KEY": "soak-not-secret",
           "PARTDESK_INSTANCE": str(folder), "PORT": str(port), "PYTHONFAULTHANDLER": "1",
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "GUNICORN_CMD_ARGS": "--log-level info --timeout 60"}
    env.pop("TEST_DATABASE_URL", None)
    if workers is not None:
        env["WEB_CONCURRENCY"] = str(workers)
    demo_database(env, orders)
    base = f"http://127.0.0.1:{port}"
    proc = start_web(env, log)
    tally = Tally()
    try:
        wait_until_serving(base, proc, log)
        sessions = [(signed_in(base, who, password), paths)
                    for (who, password, paths) in itertools.islice(itertools.cycle(READERS), clients)]
        quota = itertools.count()
        threads = [threading.Thread(target=client, args=(base, s, paths, quota, total, tally))
                   for s, paths in sessions]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
    finally:
        text = log.read_text(errors="replace")  # before the shutdown, whose SIGTERMs are no deaths
        proc.terminate()  # the master (bash exec'd it), which stops its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    booted = len(BOOTED.findall(text))
    started = int(env.get("WEB_CONCURRENCY") or re.search(r"WEB_CONCURRENCY:-(\d+)", procfile_web()).group(1))
    latencies = sorted(tally.latencies)
    return {
        "command": procfile_web(), "gunicorn_args": env["GUNICORN_CMD_ARGS"], "workers": started,
        "requests": tally.sent, "clients": clients, "seconds": seconds, "statuses": dict(tally.statuses),
        "failures": tally.failures, "worker_deaths": max(booted - started, len({"".join(m) for m in DIED.findall(text)})),
        "death_lines": [line for line in text.splitlines() if DIED.search(line) or "Fatal Python error" in line],
        "crash_log": _crash_excerpt(text), "p50_ms": latencies[len(latencies) // 2] if latencies else 0.0,
        "p95_ms": latencies[int(len(latencies) * 0.95)] if latencies else 0.0, "log": str(log), "orders": orders,
    }


def _crash_excerpt(text: str) -> str:
    at = text.find("Fatal Python error")
    return text[at:at + 6000] if at >= 0 else ""


def report(figures: dict) -> None:
    print(f"web: {figures['command']}  (WEB_CONCURRENCY={figures['workers']}; {figures['gunicorn_args']})")
    print(f"database: SQLite, the demo chain + {figures['orders']} orders")
    print(f"{figures['requests']} requests from {figures['clients']} clients in {figures['seconds']:.1f} s "
          f"({figures['requests'] / max(figures['seconds'], 1e-9):.0f} req/s); p50 {figures['p50_ms']:.1f} ms, "
          f"p95 {figures['p95_ms']:.1f} ms")
    print(f"answers: {figures['statuses']}")
    print(f"worker deaths: {figures['worker_deaths']}")
    for line in figures["death_lines"][:20]:
        print("  " + line)
    if figures["crash_log"]:
        print("first crash, from the gunicorn log:\n" + figures["crash_log"])
    print(f"gunicorn log: {figures['log']}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--workers", type=int, default=None, help="WEB_CONCURRENCY (default: the Procfile's)")
    parser.add_argument("--orders", type=int, default=0, help="historical orders added to the demo chain")
    parser.add_argument("--folder", type=Path, default=None, help="for the database and the log (default: a new one)")
    args = parser.parse_args()
    figures = soak(args.requests, args.clients, args.workers, args.orders, args.folder)
    report(figures)
    failed = figures["worker_deaths"] or figures["failures"]
    print("FAIL" if failed else "PASS: no worker died, every request answered 200")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
