"""Bodies built to make regular expressions backtrack: runs of blanks, newlines, commas, dashes or
short tokens after a label. Before the fix, "Tlf" and 20,000 blanks took hours (three adjacent \\s*
tried every split of the run), 4,000 commas over 4 seconds. Every one must be read in seconds.

They run in a child process with a time limit, so a regression fails the test instead of hanging
the suite (a regular expression cannot be interrupted from inside the process)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# each was slow before the fix, in the parser's own patterns or in the reply-stripping library's
FILLERS = [" ", "\n", ",", "-", "\n> ", "1 ", " og ", "2 stk "]
LABELS = ["Tlf", "Von:"]

CHILD = r"""
import json, sys, time
from app.reading.parse import parse_bytes
parse_bytes(b"From: a@b.test\r\n\r\nhei")
out = []
for label, filler in json.loads(sys.stdin.read()):
    body = label + filler * (20000 // len(filler)) + "x\n"
    raw = ("From: Verksted <post@verksted.test>\r\nSubject: Bestilling\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    start = time.perf_counter()
    parsed = parse_bytes(raw)
    out.append([label, filler, round(time.perf_counter() - start, 2), parsed.kind])
print(json.dumps(out))
"""


def test_pathological_bodies_are_read_in_seconds_not_hours():
    cases = [[label, filler] for label in LABELS for filler in FILLERS]
    done = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(cases), capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    assert len(results) == len(cases)
    slowest = max(results, key=lambda r: r[2])
    print("slowest:", slowest)
    # 20,000 characters each: linear reading takes well under a second; the old cubic patterns, hours
    assert slowest[2] < 30, f"{slowest[0]!r} + {slowest[1]!r} x 20,000 took {slowest[2]} s"
    assert all(kind in ("order", "follow_up", "cancellation", "other", "auto_reply") for *_, kind in results)
