"""The intake worker: one loop per mailbox, IMAP or drop folder.

The source of truth is UID SEARCH from the stored (UIDVALIDITY, last_uid); IDLE only wakes the
loop early. Each round stores what is new (see app.intake.store), then marks it on the server,
then processes it (app.intake.pipeline). Connection trouble is recorded on the mailbox and
retried with backoff; a mailbox is worked by one worker at a time (app.intake.lease).
"""
from __future__ import annotations

import logging
import random
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import select, update

from app.backup import service as backup
from app.config import secret_from_environment
from app.extensions import db
from app.intake import imap, pipeline
from app.intake.lease import Lease
from app.intake.dropwatch import DropWatch
from app.intake.store import STREAM_BYTES, Incoming, StaleMailbox, oversize, reset_uidvalidity, store_drop_batch, store_imap_batch
from app.models import Mailbox
from app.orders import unit_of_work
from app.orders.unit_of_work import end_read

log = logging.getLogger(__name__)


@dataclass
class Options:
    """The worker's timings, from the app's config (app/config.py); the defaults are Config's."""

    idle_seconds: float = 60  # well under 29 min
    poll_seconds: float = 30
    drop_poll_seconds: float = 2
    backoff_max: float = 300
    lease_seconds: float = 120
    timeout: float = 60
    cafile: str | None = None
    batch: int = 50
    max_bytes: int = 15 * 1024 * 1024

    @classmethod
    def from_config(cls, config, **overrides) -> Options:
        values = dict(idle_seconds=config["IMAP_IDLE_SECONDS"], poll_seconds=config["IMAP_POLL_SECONDS"],
                      drop_poll_seconds=config["DROP_POLL_SECONDS"], backoff_max=config["IMAP_BACKOFF_MAX"],
                      lease_seconds=config["LEASE_SECONDS"], timeout=config["IMAP_TIMEOUT"],
                      cafile=config["IMAP_CAFILE"])
        return cls(**{**values, **overrides})


class LeaseLost(Exception):
    pass


# messages processed per round; rounds follow each other while work is pending (the lease renewed between)
ROUND = 200


def now() -> datetime:
    return datetime.now(UTC)


def settings_for(mailbox: Mailbox, options: Options) -> imap.Settings:
    password = secret_from_environment(mailbox.password_env or "")
    if mailbox.password_env and not password:
        raise imap.IMAPError(f"The environment variable {mailbox.password_env} (the password of mailbox "
                             f"{mailbox.name}) is not set.")
    return imap.Settings(host=mailbox.host or "localhost", port=mailbox.port, security=mailbox.security or "tls",
                         username=mailbox.username or "", password=password, folder=mailbox.folder or "INBOX",
                         processed_folder=mailbox.processed_folder, timeout=options.timeout, cafile=options.cafile)


def _write(**values) -> None:
    mailbox_id = values.pop("mailbox_id")
    try:
        unit_of_work.run(lambda uow: uow.session.execute(
            update(Mailbox).where(Mailbox.id == mailbox_id).values(**values)))
    except Exception:  # noqa: BLE001 - bookkeeping must not stop intake
        log.exception("mailbox %s: could not record %s", mailbox_id, ", ".join(values))


def heartbeat(mailbox_id: int) -> None:
    _write(mailbox_id=mailbox_id, heartbeat_at=now())


def record_error(mailbox_id: int, error: BaseException | str) -> None:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    _write(mailbox_id=mailbox_id, last_error=text[:2000], last_error_at=now(), heartbeat_at=now())


# -- IMAP -----------------------------------------------------------------------------------------

def sync(conn: imap.Connection, mailbox_id: int, options: Options, *, sweep: bool = False,
         stop: threading.Event | None = None) -> int:
    """Store everything new in the folder, then mark it on the server. Returns how many were new.
    Once `stop` is set, no further batch is fetched (what is stored stays stored)."""
    reset_uidvalidity(mailbox_id, conn.uidvalidity, now=now())
    mailbox = db.session.get(Mailbox, mailbox_id, populate_existing=True)
    last_uid = mailbox.last_uid or 0
    end_read()
    if sweep and last_uid:
        # stored (committed) but not marked, e.g. killed between the commit and the MOVE
        conn.mark_processed(conn.uids_upto(last_uid) if conn.has_move and conn.settings.processed_folder else [])
    stored = 0
    uids = conn.uids_after(last_uid)
    for start in range(0, len(uids), options.batch):
        if stop is not None and stop.is_set():
            break
        chunk = uids[start:start + options.batch]
        sizes = conn.sizes(chunk)
        big = [u for u in chunk if sizes.get(u, 0) > options.max_bytes]
        raws = conn.fetch([u for u in chunk if u not in big]) if len(big) < len(chunk) else {}
        heads = conn.fetch(big, "BODY.PEEK[HEADER]") if big else {}
        items = []
        for uid in chunk:
            if uid in raws:
                items.append(Incoming(raws[uid], uid))
            elif uid in heads:
                items.append(Incoming(heads[uid], uid, error=(
                    f"The message is {sizes[uid]} bytes, over the limit of {options.max_bytes}; only its headers "
                    f"were stored. Open it in the mailbox.")))
        if not items:
            continue
        ids = store_imap_batch(mailbox_id, conn.uidvalidity, items, now=now())
        stored += len(ids)
        conn.mark_processed([i.uid for i in items])
        pipeline.process_pending(len(ids) + 10, stop=stop)
    return stored


class MailboxWorker:
    def __init__(self, app: Flask, mailbox_id: int, stop: threading.Event, options: Options | None = None):
        self.app, self.mailbox_id, self.stop = app, mailbox_id, stop
        self.options = options or Options.from_config(app.config)
        self.options.max_bytes = app.config.get("MAX_MESSAGE_BYTES", self.options.max_bytes)
        self.conn: imap.Connection | None = None
        self.name = str(mailbox_id)
        self.failures = 0  # unexpected failures (the database away) in a row; reset by a heartbeat

    def interrupt(self) -> None:
        if self.conn is not None:
            self.conn.interrupt()

    def run(self, *, once: bool = False) -> None:
        with self.app.app_context():
            mailbox = db.session.get(Mailbox, self.mailbox_id)
            self.name, kind = mailbox.name, mailbox.kind
            end_read()
            lease = Lease(self.mailbox_id, ttl=self.options.lease_seconds)
            waited = False
            while not self.stop.is_set():
                try:
                    acquired = lease.acquire()
                except Exception as exc:  # noqa: BLE001 - the database is away: wait, then try again
                    if once:
                        raise
                    self._database_trouble(exc)
                    _release(lease, self.name)
                    db.session.remove()
                    continue
                if not acquired:
                    if not waited:
                        log.info("mailbox %s is worked by another worker; waiting", self.name)
                        waited = True
                    if once:
                        return
                    self.stop.wait(min(5.0, self.options.lease_seconds / 4))
                    continue
                log.info("mailbox %s: working (%s)", self.name, kind)
                try:
                    self._serve_drop(lease, once) if kind == "drop" else self._serve_imap(lease, once)
                except LeaseLost:
                    log.warning("mailbox %s: lease lost; stepping back", self.name)
                except Exception as exc:  # noqa: BLE001 - e.g. the database away: wait and start over
                    if once:
                        raise
                    self._database_trouble(exc)
                finally:
                    _release(lease, self.name)
                    db.session.remove()
                if once:
                    return

    def _database_trouble(self, exc: BaseException) -> None:
        """Log, record if the database lets us, and wait: 2 s doubling to 30 s while it lasts.
        Nothing was marked on the server: marking only follows a committed store."""
        try:
            end_read()
        except Exception:  # noqa: BLE001 - a dead connection may refuse even that
            pass
        wait = min(2.0 * 2 ** self.failures, 30.0) * random.uniform(0.8, 1.2)
        self.failures += 1
        log.exception("mailbox %s: unexpected failure (%s attempt in a row); starting over in %.0f s", self.name,
                      _ordinal(self.failures), wait)
        record_error(self.mailbox_id, exc)
        self.stop.wait(wait)

    def _serve_imap(self, lease: Lease, once: bool) -> None:
        backoff = 1.0
        while not self.stop.is_set():
            try:
                mailbox = db.session.get(Mailbox, self.mailbox_id, populate_existing=True)
                settings = settings_for(mailbox, self.options)
                end_read()
                self.conn = imap.Connection(settings)
                log.info("mailbox %s: connected to %s (IDLE %s, MOVE %s)", self.name, settings.host,
                         self.conn.has_idle, self.conn.has_move)
                backoff = 1.0
                sweep = True
                while not self.stop.is_set():
                    try:
                        stored = sync(self.conn, self.mailbox_id, self.options, sweep=sweep, stop=self.stop)
                    except StaleMailbox:
                        continue  # UIDVALIDITY moved between our reads; the next sync adopts it
                    sweep = False
                    self._drain(lease)
                    if not lease.renew():
                        raise LeaseLost()
                    heartbeat(self.mailbox_id)
                    self.failures = 0
                    if once:
                        return
                    if stored:
                        continue  # mail that came while we stored may be announced already: look again
                    if self.conn.has_idle:
                        self.conn.idle(self.options.idle_seconds)
                    else:
                        self.stop.wait(self.options.poll_seconds)
                        self.conn.noop()
            except (imap.IMAPError, OSError, ssl.SSLError, EOFError) as exc:
                log.warning("mailbox %s: %s: %s; retrying in %.0f s", self.name, type(exc).__name__, exc, backoff)
                end_read()
                record_error(self.mailbox_id, exc)
                if once:
                    raise
                self.stop.wait(backoff * random.uniform(0.8, 1.2))
                backoff = min(backoff * 2, self.options.backoff_max)
                if not lease.renew():
                    raise LeaseLost() from exc
            finally:
                if self.conn is not None:
                    self.conn.close()
                    self.conn = None

    def _drain(self, lease: Lease) -> int:
        """Process stored mail round after round until none is left (or a round moves nothing, or stop is
        set): pending work never waits for the next poll. Returns how many messages were done."""
        done = 0
        while not self.stop.is_set():
            counts = pipeline.process_pending(ROUND, stop=self.stop)
            taken = sum(counts.values())
            moved = taken - sum(counts.get(k, 0) for k in ("retry", "skipped", "interrupted"))
            done += moved
            if taken < ROUND or moved == 0:
                break
            if not lease.renew():
                raise LeaseLost()
        return done

    def _serve_drop(self, lease: Lease, once: bool) -> None:
        """Take the folder round after round; between rounds wait for its watch to see a file closed
        or renamed into it (at most drop_poll_seconds, the poll that also covers a missed event)."""
        watch = None
        try:
            while not self.stop.is_set():
                mailbox = db.session.get(Mailbox, self.mailbox_id, populate_existing=True)
                if watch is None and not once and mailbox.path:
                    watch = DropWatch(mailbox.path)
                    if not watch.start():
                        watch = None
                stored = []
                try:
                    stored = ingest_drop_folder(mailbox, stop=self.stop, closed=watch)
                    self._drain(lease)
                except OSError as exc:
                    end_read()
                    log.warning("mailbox %s: %s", self.name, exc)
                    record_error(self.mailbox_id, exc)
                if not lease.renew():
                    raise LeaseLost()
                heartbeat(self.mailbox_id)
                self.failures = 0
                if once:
                    return
                if stored:  # files that came while we worked are taken at once, not after a poll
                    continue
                if watch is not None:
                    watch.wait(self.options.drop_poll_seconds, self.stop)
                else:
                    self.stop.wait(self.options.drop_poll_seconds)
        finally:
            if watch is not None:
                watch.stop()


def _release(lease: Lease, name: str) -> None:
    """Give the lease back; with the database away that fails, and must not end the thread: the
    PostgreSQL lock went with its connection, a SQLite lease runs out by itself."""
    try:
        lease.release()
    except Exception as exc:  # noqa: BLE001
        lease.held = False
        log.warning("mailbox %s: could not release the lease (%s: %s); it lapses by itself", name,
                    type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


# -- drop folder ------------------------------------------------------------------------------------

DROP_BATCH_FILES = 50  # files per commit, as an IMAP batch
DROP_BATCH_BYTES = 16 * 1024 * 1024  # and at most this much raw per commit (a big file goes alone)


def ingest_drop_folder(mailbox: Mailbox, *, settle_seconds: float = 1.0,
                       stop: threading.Event | None = None, closed: DropWatch | None = None,
                       max_bytes: int | None = None) -> list[int]:
    """Store every *.eml in the mailbox's folder, a batch of files per commit, and move each file of a
    batch to processed/ only after that batch's commit.

    A file killed between the commit and the move is stored again under the same dedup key, which
    stores nothing, and then moved. A file is taken once its writer closed it (`closed`, the folder's
    watch) or, for one the watch did not see closed, once it is settle_seconds old: younger ones may
    still be being written and wait. A file over max_bytes is read as far as its headers only (see
    app.intake.store.oversize). A batch that fails to store leaves its files for the next round, and
    they are retried one at a time so one bad file cannot hold up the rest. Returns the ids of newly
    stored messages.
    """
    folder = Path(mailbox.path or "")
    if not mailbox.path or not folder.is_dir():
        raise FileNotFoundError(f"Drop folder {mailbox.path!r} of mailbox {mailbox.name} does not exist.")
    if max_bytes is None and has_app_context():
        max_bytes = current_app.config.get("MAX_MESSAGE_BYTES")
    done_dir = folder / "processed"
    done_dir.mkdir(exist_ok=True)
    mailbox_id = mailbox.id
    end_read()
    ids: list[int] = []
    batch: list[tuple[Path, Incoming]] = []
    size = 0
    for path in [*sorted(folder.glob("*.eml")), None]:
        if path is None or len(batch) >= DROP_BATCH_FILES or (batch and size > DROP_BATCH_BYTES):
            if batch:
                ids += _store_files(folder, done_dir, mailbox_id, batch)
            batch, size = [], 0
        if path is None or (stop is not None and stop.is_set()):
            break
        if path.name.startswith("."):
            continue
        try:
            item = _read_settled(path, settle_seconds, closed, max_bytes)
        except OSError:
            log.exception("drop folder %s: could not read %s; it stays for the next round", folder, path.name)
            continue
        if item is not None:
            batch.append((path, item))
            size += len(item.raw)
    return ids


def _read_settled(path: Path, settle_seconds: float, closed: DropWatch | None, max_bytes: int | None):
    """The file as an Incoming when it is complete (closed by its writer, or settled), else None."""
    info = path.stat()
    if not path.is_file():
        return None
    if not (closed is not None and closed.is_closed(path, info)) and time.time() - info.st_mtime < settle_seconds:
        return None
    if max_bytes and info.st_size > max_bytes:
        with path.open("rb") as f:
            return oversize(f.read(256 * 1024), info.st_size, max_bytes)
    if info.st_size > STREAM_BYTES:  # hashed and stored from the file, never whole in memory
        with path.open("rb") as f:
            head = f.read(256 * 1024)
        if b"\r\n\r\n" in head or b"\n\n" in head:
            return Incoming(head, path=path)
    return Incoming(path.read_bytes())


def _store_files(folder: Path, done_dir: Path, mailbox_id: int, batch: list[tuple[Path, Incoming]]) -> list[int]:
    """Store a batch in one commit, then move its files; the ids newly stored."""
    try:
        stored = store_drop_batch(mailbox_id, [item for _path, item in batch], now=now())
    except Exception:  # noqa: BLE001 - one bad file must not stop the folder: take them one by one
        end_read()
        if len(batch) == 1:
            log.exception("drop folder %s: could not take %s; it stays for the next round", folder, batch[0][0].name)
            return []
        log.warning("drop folder %s: a batch of %s files failed; taking them one at a time", folder, len(batch))
        return [i for one in batch for i in _store_files(folder, done_dir, mailbox_id, [one])]
    ids = []
    for (path, _item), (message_id, created) in zip(batch, stored, strict=True):
        target = done_dir / path.name
        if target.exists():
            target = done_dir / f"{path.stem}.{message_id or time.time_ns()}{path.suffix}"
        try:
            path.replace(target)
        except OSError:
            log.exception("drop folder %s: %s is stored but could not be moved; the next round moves it", folder,
                          path.name)
        if created:
            ids.append(message_id)
    return ids


# -- the command ------------------------------------------------------------------------------------

def mailbox_ids(name: str | None = None) -> list[int]:
    stmt = select(Mailbox.id).order_by(Mailbox.id)
    if name:
        stmt = stmt.where(Mailbox.name == name)
    ids = list(db.session.scalars(stmt))
    end_read()
    return ids


def catch_up(app: Flask, stop: threading.Event | None = None) -> None:
    """Process messages left stored by an earlier crash, before anything new."""
    with app.app_context():
        pipeline.process_pending(10_000, stop=stop)
        db.session.remove()


def run(app: Flask, ids: list[int], *, once: bool = False, stop: threading.Event | None = None,
        options: Options | None = None) -> list[MailboxWorker]:
    """Work the mailboxes: with once, one round each in turn; otherwise a thread per mailbox
    until `stop` is set."""
    stop = stop or threading.Event()
    workers = [MailboxWorker(app, i, stop, options) for i in ids]
    if not once:
        run_workers(app, workers, stop=stop)
        return workers
    catch_up(app, stop)
    for worker in workers:
        try:
            worker.run(once=True)
        except (imap.IMAPError, OSError, ssl.SSLError) as exc:
            log.error("mailbox %s: %s", worker.name, exc)
    return workers


def run_workers(app: Flask, workers: list[MailboxWorker], *, stop: threading.Event) -> None:
    catch_up(app, stop)
    threads = [threading.Thread(target=w.run, name=f"intake-{w.mailbox_id}", daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    while not stop.wait(0.5):
        backup.run_if_due(app, now())  # on a thread of its own when due; never raises, never waits
        if not any(t.is_alive() for t in threads):
            break
    for worker in workers:
        worker.interrupt()
    for thread in threads:
        thread.join(timeout=10)
