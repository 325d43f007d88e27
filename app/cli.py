"""Flask CLI commands: set-up, imports and the demo. Channel commands live with their channel."""
from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.handback.import_cli import echo_import_report
from app.models import ROLES, Branch, Staff
from app.orders.unit_of_work import UnitOfWork

# modules that define a click command or group named `cli` to add to `flask`
COMMAND_MODULES = ["app.intake.cli", "app.handback.cli", "app.handback.import_cli", "app.notify.cli",
                   "app.backup.cli", "app.backup.restore_cli"]


def register(app: Flask) -> None:
    for command in (create_branch, create_staff, import_workshops_cmd, seed_demo, init_db):
        app.cli.add_command(command)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        app.cli.add_command(module.cli)


@click.command("init-db")
def init_db():
    """Create the schema through the migrations (same as `flask db upgrade`)."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("Database is at the latest migration.")


@click.command("create-branch")
@click.argument("code")
@click.argument("name")
@click.option("--language", default="no", show_default=True)
@click.option("--timezone", default="Europe/Oslo", show_default=True)
@click.option("--phone", help="The branch's public number, as callers dial it.")
@click.option("--email", help="The branch's inbound order address.")
@click.option("--backup-name")
@click.option("--backup-phone")
@click.option("--backup-email")
@click.option("--staff-numbers", help="Comma-separated numbers the call flow rings when there is room.")
def create_branch(code, name, language, timezone, phone, email, backup_name, backup_phone, backup_email, staff_numbers):
    """Create a branch with code CODE (e.g. OSL) and NAME."""
    from app.orders.workshops import normalise_phone

    code = code.strip().upper()
    if not code.isalpha() or not 2 <= len(code) <= 4:
        raise click.BadParameter("A branch code is 2 to 4 letters, e.g. OSL.", param_hint="CODE")
    if db.session.scalars(select(Branch).where(Branch.code == code)).first():
        raise click.ClickException(f"Branch {code} exists already.")
    numbers = [n.strip() for n in (staff_numbers or "").split(",") if n.strip()]
    for label, value in (("--phone", phone), ("--backup-phone", backup_phone), *(("--staff-numbers", n) for n in numbers)):
        if value and not normalise_phone(value):
            raise click.BadParameter(f"'{value}' is not a phone number.", param_hint=label)
    branch = Branch(code=code, name=name, language=language, timezone=timezone,
                    phone_number=normalise_phone(phone), inbound_email=email, backup_name=backup_name,
                    backup_phone=normalise_phone(backup_phone), backup_email=backup_email,
                    staff_numbers=",".join(normalise_phone(n) for n in numbers) or None)
    with UnitOfWork() as uow:
        uow.session.add(branch)
        uow.commit()
    click.echo(f"Branch {code} created.")


@click.command("create-staff")
@click.argument("login")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True)
@click.option("--branch", "branch_code", help="Branch code, e.g. OSL.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_staff(login, name, role, branch_code, password):
    """Create a login for a member of staff."""
    branch = None
    if branch_code:
        branch = db.session.scalars(select(Branch).where(Branch.code == branch_code.upper())).first()
        if branch is None:
            raise click.BadParameter(f"No branch {branch_code}.", param_hint="--branch")
    if db.session.scalars(select(Staff).where(Staff.login == login)).first():
        raise click.ClickException(f"Login {login} exists already.")
    if len(password) < 8:
        raise click.BadParameter("Use at least 8 characters.", param_hint="--password")
    staff = Staff(login=login, name=name, role=role, branch=branch)
    staff.set_password(password)
    with UnitOfWork() as uow:
        uow.session.add(staff)
        uow.commit()
    click.echo(f"{role.capitalize()} {login} created.")


@click.command("import-workshops")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change and write nothing.")
def import_workshops_cmd(path: Path, dry_run: bool):
    """Import workshops from a CSV export (customer_number, name, emails, phones, branch)."""
    from app.orders.workshops import import_workshops

    from app.orders.csvtext import decode

    text = decode(path.read_bytes())
    with UnitOfWork() as uow:  # a dry run leaves it without a commit: nothing is written
        report = import_workshops(text, dry_run=dry_run)
        if not dry_run:
            uow.commit()
    echo_import_report(report, dry_run=dry_run)


@click.command("seed-demo")
@click.option("--drop-folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of .eml files the demo branch reads (drop-folder intake).")
def seed_demo(drop_folder: Path | None):
    """Fill an empty database with a demo chain and print how to log in."""
    from app.demo import seed

    with UnitOfWork() as uow:  # checked and seeded under the write lock, so two runs cannot both seed
        if uow.session.scalars(select(Branch)).first() is not None:
            click.echo("The database has data already; the demo was not added again.")
        else:
            seed(now=datetime.now(UTC), drop_folder=drop_folder)
            uow.commit()
    from app.demo import LOGINS

    click.echo("Log in with one of these (demo only):")
    for login, password, what in LOGINS:
        click.echo(f"  {login:10} / {password:14} {what}")
