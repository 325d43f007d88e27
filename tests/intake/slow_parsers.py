"""Parsers for the child process that misbehave on purpose, picked by a header of the message: one that
spins in a regular expression for minutes (as the old `\\S+@\\S+` over a long subject did), one whose
process is killed as the kernel's out-of-memory killer would. Module level, so a spawned child can
import them by name; `create_app` is an app factory for `flask --app` that parses with them."""
from __future__ import annotations

import os
import re
import signal

from app.reading.parse import parse_bytes


def misbehaving_parse(raw: bytes, channel: str = "email", **kw):
    if b"\nX-Test-Slow: yes" in raw:
        re.search(r"\S+@\S+", "x" * 400_000)  # quadratic: minutes, holding the interpreter lock throughout
    if b"\nX-Test-Crash: yes" in raw:
        os.kill(os.getpid(), signal.SIGKILL)
    return parse_bytes(raw, channel, **kw)


def create_app():
    """The real app, its worker parsing with misbehaving_parse (for a worker started as a subprocess)."""
    import app.reading.parse as parse_module
    from app import create_app as real_create_app

    parse_module.CHILD_PARSER = misbehaving_parse
    return real_create_app()


def counting_parse(raw: bytes, channel: str = "email", **kw):
    """parse_bytes, writing to the file named by PARTDESK_PARSE_LOG one word per MIME parse it makes in
    the child ("whole", or "headers" for a parse of the headers only)."""
    count_mime_parses(lambda kind: _append(os.environ["PARTDESK_PARSE_LOG"], kind))
    return parse_bytes(raw, channel, **kw)


def _append(path: str, kind: str) -> None:
    with open(path, "a") as log:
        log.write(kind + "\n")


def count_mime_parses(report) -> None:
    """Make every parse by the standard library's email package (message_from_bytes, BytesParser,
    BytesHeaderParser all end in BytesParser.parsebytes) call report(kind) first. Once per process."""
    from email.parser import BytesParser

    if getattr(BytesParser.parsebytes, "counted", False):
        return
    real = BytesParser.parsebytes

    def parsebytes(self, text, headersonly=False):
        report("headers" if headersonly else "whole")
        return real(self, text, headersonly)

    parsebytes.counted = True
    BytesParser.parsebytes = parsebytes
