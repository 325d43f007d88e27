"""The web workers survive concurrent readers: bench/soak.py, shortened to 2,000 requests.

The real gunicorn, started with the Procfile's web command (its worker model), serves the demo chain on
SQLite to 10 logged-in clients reading the queue (with its staff gauge), the dashboard and its panel.
No worker may die (a segfault, an abort, a timeout) and every request must be answered 200; the bench
counts deaths from gunicorn's own log, with faulthandler on in the workers.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.faults.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]


def test_two_thousand_requests_from_ten_clients_kill_no_web_worker(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--requests", "2000", "--clients", "10",
                          "--orders", "2000", "--folder", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    print(run.stdout[-6000:], run.stderr[-3000:])
    assert "2000 requests from 10 clients" in run.stdout, run.stdout + run.stderr
    assert "worker deaths: 0" in run.stdout, run.stdout
    assert "answers: {200: 2000}" in run.stdout, run.stdout
    assert run.returncode == 0, run.stdout + run.stderr
