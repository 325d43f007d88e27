"""`flask intake ...`: the mail worker, and the parser on files for a quick look."""
from __future__ import annotations

import json
import logging
import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import AppGroup

cli = AppGroup("intake", help="Email intake: the mailbox worker and the parser.")


@cli.command("run")
@click.option("--once", is_flag=True, help="One round over each mailbox, then exit.")
@click.option("--mailbox", "name", metavar="NAME", help="Only this mailbox (default: all).")
def run_cmd(once: bool, name: str | None):
    """Fetch, store and process mail from the configured mailboxes (IMAP and drop folders)."""
    from app.intake import worker

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    ids = worker.mailbox_ids(name)
    if not ids:
        raise click.ClickException(f"No mailbox named {name}." if name else
                                   "No mailboxes are configured; add a Mailbox row (IMAP or drop folder) first.")
    stop = threading.Event()
    workers: list = []

    def _stop(signum, _frame):
        click.echo(f"Stopping on signal {signum}; finishing the message at hand.", err=True)
        stop.set()
        for w in workers:
            w.interrupt()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    if once:
        worker.run(app, ids, once=True, stop=stop)
        return
    options = worker.Options()
    workers.extend(worker.MailboxWorker(app, i, stop, options) for i in ids)
    worker.run_workers(app, workers, stop=stop)


@cli.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def parse_cmd(files):
    """Print what the parser makes of each FILE (.eml or SMS text) as one JSON line. No database."""
    from app.intake.parse import parse_file

    failed = 0
    for path in files:
        try:
            click.echo(json.dumps(parse_file(path), ensure_ascii=False, default=str))
        except Exception as exc:  # noqa: BLE001 - report the file and go on with the rest
            failed += 1
            click.echo(json.dumps({"file": path, "error": f"{type(exc).__name__}: {exc}"}, ensure_ascii=False))
    if failed:
        sys.exit(1)


@cli.command("retry")
@click.argument("ids", nargs=-1, type=int)
def retry_cmd(ids):
    """Put failed inbound messages (all, or the IDS given) back in line and process them."""
    from app.extensions import db
    from app.intake import pipeline

    count = pipeline.retry_failed(list(ids) or None)
    db.session.commit()
    result = pipeline.process_pending(10_000)
    click.echo(f"{count} message(s) put back; " + ", ".join(f"{v} {k}" for k, v in sorted(result.items())))
