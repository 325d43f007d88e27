"""The stable parse contract: parse_file(path) -> dict (one JSON object per message) and
parse_bytes(raw, channel) -> ParsedMessage for the rest of the app.

parse_isolated() runs parse_bytes in a child process with a time limit, for the worker: a message
that takes too long or kills the process reading it becomes an error that names the cause, and the
worker itself stays free to store new mail and to stop when told (a regular expression cannot be
interrupted inside the process that runs it, and holds the interpreter lock while it runs)."""
from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from pathlib import Path

from app.reading.extract import Catalogue, extract
from app.reading.extract.result import ParsedMessage
from app.reading.mime import read_email
from app.reading.sms import read_sms

log = logging.getLogger(__name__)


def parse_bytes(raw: bytes, channel: str = "email", *, sms_from: str | None = None,
                catalogue: Catalogue | None = None) -> ParsedMessage:
    """Parse one message given as bytes; channel is "email" or "sms". Never raises on message content."""
    if channel == "sms":
        doc = read_sms(raw, sms_from=sms_from)
    elif channel == "email":
        doc = read_email(raw)
    else:
        raise ValueError(f"Unknown channel {channel!r}; use 'email' or 'sms'")
    return extract(doc, catalogue=catalogue)


def channel_for(path: str | Path) -> str:
    return "sms" if str(path).lower().endswith(".sms.txt") else "email"


def parse_file(path: str | Path, catalogue: Catalogue | None = None) -> dict:
    """Parse a *.eml or *.sms.txt file into the JSON contract (with `file`)."""
    path = Path(path)
    result = parse_bytes(path.read_bytes(), channel_for(path), catalogue=catalogue).to_dict()
    return {"file": str(path), **result}


# -- in a child process, with a time limit -------------------------------------------------------------

class ParseFailed(Exception):
    """The message could not be read: its text says why, in words for the review inbox."""


class ParseInterrupted(Exception):
    """The worker is stopping: the parse was abandoned and the message left as it was."""


# What the child runs: a module-level function (the child imports it by name). Tests point it at a slow one.
CHILD_PARSER = parse_bytes
_POLL_SECONDS = 0.1


def _die_with_parent() -> None:
    """Linux: the child gets SIGKILL when the thread that started it ends, so a worker killed from
    outside leaves no parse running on. Elsewhere it ends at its next read (EOF)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child_main(conn, parser) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the worker's to handle; it ends us
    while True:
        try:
            raw, channel, with_catalogue = conn.recv()
        except (EOFError, OSError):
            return

        def lookup(number: str):
            conn.send(("lookup", number))
            return conn.recv()

        try:
            result = ("done", parser(raw, channel, catalogue=lookup if with_catalogue else None))
        except Exception as exc:  # noqa: BLE001 - reported to the worker, which records it on the message
            result = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(result)


class _Child:
    def __init__(self, parser) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=_child_main, args=(theirs, parser), name="partdesk-parse",
                                       daemon=True)
        self.process.start()
        theirs.close()
        self.parser = parser

    def end(self) -> int | None:
        """Kill the child (it may be deep in a regular expression) and say how it ended."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()
        return self.process.exitcode


_local = threading.local()  # one child per thread: each mailbox thread parses on its own


def _child() -> _Child:
    child = getattr(_local, "child", None)
    if child is None or child.parser is not CHILD_PARSER or not child.process.is_alive():
        if child is not None:
            child.end()
        child = _local.child = _Child(CHILD_PARSER)
    return child


def _discard() -> int | None:
    child, _local.child = getattr(_local, "child", None), None
    return child.end() if child is not None else None


def _how_it_ended(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"it was killed by {name}" + (" (out of memory?)" if -code == signal.SIGKILL else "")
    return f"it exited with code {code}"


def parse_isolated(raw: bytes, channel: str = "email", *, catalogue: Catalogue | None = None,
                   time_limit: float = 15.0, stop: threading.Event | None = None) -> ParsedMessage:
    """parse_bytes in this thread's child process. Raises ParseFailed (with the reason) when the parse
    runs past time_limit seconds, kills its process or raises; ParseInterrupted as soon as `stop` is set.
    Catalogue look-ups are answered here, in the caller's database session."""
    if stop is not None and stop.is_set():
        raise ParseInterrupted("stopping")
    child = _child()
    try:
        child.conn.send((raw, channel, catalogue is not None))
    except (BrokenPipeError, EOFError, OSError):  # it died between two messages: one fresh start
        _discard()
        child = _child()
        child.conn.send((raw, channel, catalogue is not None))
    deadline = time.monotonic() + time_limit
    while True:
        if stop is not None and stop.is_set():
            _discard()
            raise ParseInterrupted("stopping")
        left = deadline - time.monotonic()
        if left <= 0:
            _discard()
            raise ParseFailed(f"Reading the message took longer than {time_limit:g} s and was stopped; it was "
                              "not read. Open it and enter the order by hand.")
        if not child.conn.poll(min(left, _POLL_SECONDS)):
            continue
        try:
            kind, value = child.conn.recv()
        except (EOFError, OSError):
            raise ParseFailed(f"The process reading the message died ({_how_it_ended(_discard())}); it was not "
                              "read. Open it and enter the order by hand.") from None
        if kind == "lookup":
            try:
                entry = catalogue(value)
            except BaseException:
                _discard()  # it waits for this answer: a later message must not be taken for it
                raise
            child.conn.send(entry)
        elif kind == "error":
            raise ParseFailed(value)
        else:
            return value
