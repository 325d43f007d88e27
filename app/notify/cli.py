"""`flask outbox send`: the worker that delivers the outbox (Procfile: `flask outbox send --loop`)."""
from __future__ import annotations

import time
from datetime import UTC, datetime

import click
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxMessage


@click.group("outbox")
def cli():
    """Outbound SMS and email to workshops."""


@cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending until stopped (the worker).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
@click.option("--limit", default=50, show_default=True, help="Most messages per round.")
def send(loop: bool, interval: float, limit: int):
    """Send the messages that are due, once (or for ever with --loop)."""
    from app.notify.sender import send_due
    from app.notify.signals import round_started
    from app.orders.unit_of_work import end_read

    while True:
        try:
            # the channels' periodic work (an SMS whose webhook died between storing and reading it is
            # read here), so a reply it queues goes out in this same round
            for _receiver, said in round_started.send(now=datetime.now(UTC)):
                if said:
                    click.echo(said)
            report = send_due(datetime.now(UTC), limit=limit)
        except Exception as exc:  # the worker keeps going; the rows stay where they were
            end_read()  # what the failure left of a read; a failed write was rolled back by its unit of work
            click.echo(f"outbox round failed: {exc}", err=True)
            if not loop:
                raise
        else:
            if not loop or report.sent or report.failed or report.retrying or report.held:
                click.echo(f"sent {len(report.sent)}, retrying {len(report.retrying)}, "
                           f"failed {len(report.failed)}, held {len(report.held)}")
        if not loop:
            return
        time.sleep(interval)


@cli.command("status")
def status():
    """Count outbox rows by status; list the failed and held ones with why."""
    counts = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    for name, count in sorted(counts):
        click.echo(f"{name:10} {count}")
    problems = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status.in_(("failed", "held")))
                                  .order_by(OutboxMessage.id))
    for message in problems:
        click.echo(f"#{message.id} {message.status} {message.kind} to {message.recipient}: {message.last_error}")
