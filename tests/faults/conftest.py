"""Shared machinery of the fault tests: real processes started and killed, counts read on
connections of their own, a small TCP proxy to cut the database off.

The intake pieces (a real Dovecot, the `box` mailbox factory, `counts`, `wait_for`) are those of
tests/intake/test_worker_dovecot.py, reused as they are.
"""
from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.intake.dovecot import dovecot, dovecot_server, stop_process  # noqa: F401 (fixtures)
from tests.intake.test_worker_dovecot import box, counts, wait_for  # noqa: F401 (fixture, helpers)

ROOT = Path(__file__).resolve().parents[2]


def python_m(module: str) -> list[str]:
    """Run a module (flask, gunicorn) with the interpreter running the tests, so the child has the same
    packages and our code whatever environment pytest was started from."""
    return [sys.executable, "-m", module]


def query(url: str, sql: str, **params):
    """One scalar read on a fresh connection (never the test's session, which may hold a snapshot)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (Linux /proc), for telling waiting from spinning."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Worker:
    """`flask intake run` as a real subprocess, its output appended to one log file."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> subprocess.Popen:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([*python_m("flask"), "--app", "app", "intake", "run"], cwd=ROOT,
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT)
        return self.proc

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def logged_since(self, offset: int) -> str:
        with open(self.log, "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")

    def dump(self) -> str:
        """Abort the process; with PYTHONFAULTHANDLER set it writes every thread's stack to the log."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGABRT)
            self.proc.wait()
        return self.tail()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else "(no log)"


@pytest.fixture
def intake_worker(app, tmp_path):
    """Make (not start) a worker subprocess on the test's database; stopped at the end."""
    made: list[Worker] = []

    def _make(database_url: str | None = None, **env) -> Worker:
        full = {**os.environ, "DATABASE_URL": database_url or app.config["SQLALCHEMY_DATABASE_URI"],
                "SECRET_KEY": "fault-test", "PARTDESK_INSTANCE": str(tmp_path), "PYTHONFAULTHANDLER": "1", **env}
        worker = Worker(full, tmp_path / f"worker{len(made)}.log")
        made.append(worker)
        return worker
    yield _make
    for worker in made:
        worker.stop()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `cut()` resets every connection and every new one
    until `restore()`. What a client sees during a cut is what a dead route or a restarting
    database server looks like: connection reset, at once, on each try (counted in `refused`)."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_off = threading.Event()
        self.closed = threading.Event()
        self.refused = 0
        self.accepted = 0
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_off.is_set():
                self.refused += 1
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            self.accepted += 1
            with self._lock:
                self._pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.cut_off.set()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, upstream in pairs:
            _reset(client)
            _reset(upstream)

    def restore(self) -> None:
        self.cut_off.clear()

    def close(self) -> None:
        self.closed.set()
        self.cut()
        self.listener.close()


def _reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0): the peer gets 'connection reset', not a polite end of stream."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)  # wakes a pump blocked in recv() on this socket; sends nothing
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
