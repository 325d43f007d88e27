"""The IMAP connection: the only module that imports imaplib2.

imaplib2 verifies no certificate by default, so TLS here always goes through
ssl.create_default_context(): the chain and the host name are checked. Settings.cafile (the app's
IMAP_CAFILE, from PARTDESK_IMAP_CAFILE) names an extra CA file (a private CA, or the tests' own).
"""
from __future__ import annotations

import re
import ssl
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import imaplib2

IMAPError = imaplib2.IMAP4.error  # any IMAP failure; .abort means the connection is gone

_FETCH_UID = re.compile(rb"UID (\d+)")
_FETCH_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@contextmanager
def _quiet_threads():
    # imaplib2 starts its threads with setDaemon()/currentThread(), deprecated since Python 3.10.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"imaplib2")
        yield


def tls_context(cafile: str | None = None) -> ssl.SSLContext:
    """A context that checks the certificate chain and the host name (against cafile as well, if given)."""
    context = ssl.create_default_context(cafile=cafile or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _VerifiedTLS:
    """Replaces imaplib2's wrapping (which checks nothing) with a verifying default context."""

    def ssl_wrap_socket(self):
        import socket

        context = tls_context(self.ca_certs)  # set by IMAP4_SSL's constructor, or by starttls()
        if getattr(self, "_starttls", False):
            # imaplib2's reader thread can block inside recv() on a TLS 1.3 post-handshake
            # record after STARTTLS (seen with Dovecot); TLS 1.2 has none. Implicit TLS keeps 1.3.
            context.maximum_version = ssl.TLSVersion.TLSv1_2
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)
        self.read_fd = self.sock.fileno()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)


class _SSL(_VerifiedTLS, imaplib2.IMAP4_SSL):
    pass


class _Plain(_VerifiedTLS, imaplib2.IMAP4):
    ca_certs = keyfile = certfile = cert_verify_cb = None


@dataclass
class Settings:
    host: str
    port: int | None
    security: str  # tls | starttls | none
    username: str
    password: str
    folder: str = "INBOX"
    processed_folder: str | None = None
    timeout: float = 60.0
    cafile: str | None = None


class Connection:
    """One logged-in session with the folder selected. Every call may raise IMAPError or OSError."""

    def __init__(self, settings: Settings):
        self.settings = settings
        port = settings.port or (993 if settings.security == "tls" else 143)
        with _quiet_threads():
            if settings.security == "tls":
                self.imap = _SSL(settings.host, port, ca_certs=settings.cafile, timeout=settings.timeout)
            else:
                self.imap = _Plain(settings.host, port, timeout=settings.timeout)
            try:
                if settings.security == "starttls":
                    self.imap._starttls = True
                    self.imap.starttls(ca_certs=settings.cafile)
                elif settings.security not in ("tls", "none"):
                    raise ValueError(f"Unknown IMAP security '{settings.security}': use tls, starttls or none.")
                self.imap.login(settings.username, settings.password)
                self.capabilities = self._capabilities()  # servers announce more once logged in
                self.uidvalidity = self._select(settings.folder)
            except BaseException:
                self.close()
                raise
        self._processed_ready = False

    def _capabilities(self) -> set[str]:
        typ, data = self.imap.capability()
        _check(typ, data, "CAPABILITY")
        words = b" ".join(d for d in data if isinstance(d, bytes)).decode("ascii", "replace").upper().split()
        return set(words) | {str(c).upper() for c in self.imap.capabilities}

    def _select(self, folder: str) -> int:
        typ, data = self.imap.select(_quote(folder))
        if typ != "OK":
            raise IMAPError(f"Cannot open folder {folder}: {data!r}")
        typ, data = self.imap.response("UIDVALIDITY")
        for item in data or []:
            if item:
                match = re.search(rb"(\d+)", item if isinstance(item, bytes) else str(item).encode())
                if match:
                    return int(match.group(1))
        raise IMAPError(f"The server gave no UIDVALIDITY for {folder}.")

    @property
    def has_idle(self) -> bool:
        return "IDLE" in self.capabilities

    @property
    def has_move(self) -> bool:
        return "MOVE" in self.capabilities

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above last_uid, ascending. ('n:*' always names the newest message, so filter.)"""
        typ, data = self.imap.uid("SEARCH", "UID", f"{last_uid + 1}:*")
        _check(typ, data, "UID SEARCH")
        return sorted(u for u in _numbers(data) if u > last_uid)

    def uids_upto(self, last_uid: int) -> list[int]:
        if last_uid <= 0:
            return []
        typ, data = self.imap.uid("SEARCH", "UID", f"1:{last_uid}")
        _check(typ, data, "UID SEARCH")
        return sorted(u for u in _numbers(data) if u <= last_uid)

    def sizes(self, uids: list[int]) -> dict[int, int]:
        typ, data = self.imap.uid("FETCH", _set(uids), "(RFC822.SIZE)")
        _check(typ, data, "UID FETCH size")
        sizes = {}
        for item in data or []:
            head = item[0] if isinstance(item, tuple) else item
            if isinstance(head, bytes):
                uid, size = _FETCH_UID.search(head), _FETCH_SIZE.search(head)
                if uid and size:
                    sizes[int(uid.group(1))] = int(size.group(1))
        return sizes

    def fetch(self, uids: list[int], part: str = "BODY.PEEK[]") -> dict[int, bytes]:
        """Raw bytes by UID. PEEK: reading sets no \\Seen flag; marking happens after storage."""
        typ, data = self.imap.uid("FETCH", _set(uids), f"(UID {part})")
        _check(typ, data, "UID FETCH")
        found = {}
        for item in data or []:
            if isinstance(item, tuple) and len(item) >= 2:
                uid = _FETCH_UID.search(item[0])
                if uid:
                    found[int(uid.group(1))] = item[1]
        return found

    def mark_processed(self, uids: list[int]) -> None:
        """MOVE to the processed folder when the server can, else flag \\Seen."""
        if not uids:
            return
        target = self.settings.processed_folder
        if target and self.has_move:
            self._ensure_folder(target)
            typ, data = self.imap.uid("MOVE", _set(uids), _quote(target))
            _check(typ, data, "UID MOVE")
        else:
            typ, data = self.imap.uid("STORE", _set(uids), "+FLAGS.SILENT", r"(\Seen)")
            _check(typ, data, "UID STORE")

    def _ensure_folder(self, folder: str) -> None:
        if self._processed_ready:
            return
        typ, data = self.imap.create(_quote(folder))
        if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(d for d in data if isinstance(d, bytes)).upper():
            text = b" ".join(d for d in data if isinstance(d, bytes)).lower()
            if b"exist" not in text:
                raise IMAPError(f"Cannot create folder {folder}: {data!r}")
        self._processed_ready = True

    def idle(self, seconds: float) -> None:
        """Wait until the server reports a change or `seconds` pass. A wake-up signal only.

        Returns at once when the server already announced new mail (EXISTS) in answer to an earlier
        command: it will not announce it again in IDLE, so waiting would sit on it for `seconds`."""
        typ, data = self.imap.response("EXISTS")
        if any(data or []):
            return
        started = threading.Event()
        watcher = threading.Thread(target=self._end_idle_on_news_at_start, args=(started, seconds),
                                   name="imap-idle-start", daemon=True)
        watcher.start()
        try:
            typ, data = self.imap.idle(timeout=seconds)
        finally:
            started.set()
            watcher.join(5)
        if typ not in ("OK", None):
            raise IMAPError(f"IDLE failed: {data!r}")

    def _end_idle_on_news_at_start(self, done: threading.Event, seconds: float) -> None:
        """imaplib2 registers an IDLE (idle_rqb) only once its writer thread has the server's '+ idling'; an
        EXISTS that arrives with it, or just before IDLE was sent, can be handled by its reader first, and then
        nothing ends the IDLE until its timeout (seen: a new mail waited the whole IDLE, 1 run in 6 of
        test_idle_wakes_the_worker_within_two_seconds). So wait until the IDLE is registered, then look for such
        news, and end the IDLE when there is some. Not with a command: IDLE holds imaplib2's state-change lock
        until it ends, so a NOOP would wait for the timeout too; imaplib2's own _end_idle sends the DONE."""
        deadline = time.monotonic() + min(seconds, 10.0)
        while getattr(self.imap, "idle_rqb", None) is None:
            if done.wait(0.005) or time.monotonic() > deadline:
                return
        try:
            typ, data = self.imap.response("EXISTS")
            if any(data or []) and not done.is_set():
                self.imap._end_idle()
        except Exception:  # noqa: BLE001 - the worker's own IDLE call sees a dead connection and says so
            pass

    def interrupt(self) -> None:
        """Cut an IDLE short from another thread (on shutdown): the connection is closed under it,
        so idle() raises and the worker sees its stop flag."""
        import socket

        try:
            self.imap.sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # already gone
            pass

    def noop(self) -> None:
        typ, data = self.imap.noop()
        _check(typ, data, "NOOP")

    def close(self, wait: float = 5.0) -> None:
        """Log out; never raises, and never waits more than `wait` seconds on a dead connection."""

        def _logout():
            try:
                with _quiet_threads():
                    self.imap.logout()
            except Exception:  # noqa: BLE001 - closing a broken connection must not raise
                pass

        thread = threading.Thread(target=_logout, name="imap-logout", daemon=True)
        thread.start()
        thread.join(wait)
        if thread.is_alive():
            self.interrupt()


def _check(typ, data, what: str) -> None:
    if typ != "OK":
        raise IMAPError(f"{what} failed: {data!r}")


def _numbers(data) -> list[int]:
    out: list[int] = []
    for item in data or []:
        if isinstance(item, bytes):
            out.extend(int(n) for n in item.split())
    return out


def _set(uids: list[int]) -> str:
    return ",".join(str(u) for u in uids)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
