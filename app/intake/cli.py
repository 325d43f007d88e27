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
    options = worker.Options.from_config(app.config)
    workers.extend(worker.MailboxWorker(app, i, stop, options) for i in ids)
    worker.run_workers(app, workers, stop=stop)


@cli.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def parse_cmd(files):
    """Print what the parser makes of each FILE (.eml or SMS text) as one JSON line. No database."""
    from app.reading.parse import parse_file

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
    from app.intake import pipeline
    from app.orders.unit_of_work import run

    count = run(lambda uow: pipeline.retry_failed(list(ids) or None))
    result = pipeline.process_pending(10_000)
    click.echo(f"{count} message(s) put back; " + ", ".join(f"{v} {k}" for k, v in sorted(result.items())))


@cli.command("add-mailbox")
@click.argument("name")
@click.option("--branch", "branch_code", required=True, help="Branch code, e.g. OSL.")
@click.option("--host", help="IMAP server; leave out with --drop-folder.")
@click.option("--port", type=int, help="Default 993 for tls, 143 for starttls.")
@click.option("--security", type=click.Choice(["tls", "starttls"]), default="tls", show_default=True)
@click.option("--user", "username")
@click.option("--password-env", help="Name of the environment variable that holds the password (never the password).")
@click.option("--folder", default="INBOX", show_default=True)
@click.option("--processed-folder", default="Partdesk/Processed", show_default=True)
@click.option("--drop-folder", type=click.Path(file_okay=False), help="Read .eml files from this folder instead of IMAP.")
def add_mailbox_cmd(name, branch_code, host, port, security, username, password_env, folder, processed_folder,
                    drop_folder):
    """Add a mailbox NAME that the worker reads for a branch: an IMAP account or a drop folder."""
    import os

    from sqlalchemy import select

    from app.config import secret_from_environment
    from app.extensions import db
    from app.models import Branch, Mailbox
    from app.orders.unit_of_work import UnitOfWork

    branch = db.session.scalars(select(Branch).where(Branch.code == branch_code.upper())).first()
    if branch is None:
        raise click.BadParameter(f"No branch {branch_code}.", param_hint="--branch")
    if db.session.scalars(select(Mailbox).where(Mailbox.name == name)).first():
        raise click.ClickException(f"A mailbox named {name} exists already.")
    if drop_folder:
        if host:
            raise click.UsageError("Give either --host (IMAP) or --drop-folder, not both.")
        os.makedirs(drop_folder, exist_ok=True)
        box = Mailbox(branch_id=branch.id, name=name, kind="drop", path=os.path.abspath(drop_folder))
    else:
        missing = [flag for flag, value in (("--host", host), ("--user", username), ("--password-env", password_env))
                   if not value]
        if missing:
            raise click.UsageError(f"An IMAP mailbox needs {', '.join(missing)}.")
        if password_env and not secret_from_environment(password_env):
            click.echo(f"Note: {password_env} is not set in this environment; the worker needs it.", err=True)
        box = Mailbox(branch_id=branch.id, name=name, kind="imap", host=host,
                      port=port or (993 if security == "tls" else 143), security=security, username=username,
                      password_env=password_env, folder=folder, processed_folder=processed_folder or None)
    with UnitOfWork() as uow:
        uow.session.add(box)
        uow.commit()
    click.echo(f"Mailbox {name} added for {branch.code} ({box.kind}).")


def _register_reading_commands() -> None:
    from app.reading.calibrate import calibrate_cmd

    cli.add_command(calibrate_cmd)


_register_reading_commands()


corrections_cli = AppGroup("corrections", help="What staff corrected in parsed orders.")


@corrections_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False, writable=True))
def corrections_export_cmd(directory: str):
    """Write every corrected message into DIRECTORY as NNN.eml or NNN.sms.txt with NNN.gold.json (the
    samples' label format, the gold from what the clerk saved): a regression set for the parser."""
    from pathlib import Path

    from app.intake.correction_export import export

    try:
        result = export(Path(directory))
    except OSError as exc:
        raise click.ClickException(f"Cannot write to {directory}: {exc.strerror or exc}.") from exc
    for reason in result.skipped:
        click.echo(f"Skipped {reason}.", err=True)
    if not result.written and not result.skipped:
        click.echo("No corrections are stored yet; nothing written.")
        return
    click.echo(f"Wrote {len(result.written)} corrected message(s) with gold labels to {directory}"
               + (f"; skipped {len(result.skipped)}." if result.skipped else "."))


cli.add_command(corrections_cli)
