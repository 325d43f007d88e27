"""A backup folder per test, and a fresh instance to restore into."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.config import TestConfig


@pytest.fixture
def usb(app, tmp_path) -> Path:
    """The backup folder, set in the app's configuration."""
    folder = tmp_path / "usb"
    folder.mkdir()
    app.config["BACKUP_DIR"] = str(folder)
    return folder


def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture
def fresh(app, db, tmp_path):
    """Make another instance with nothing in it: a new SQLite file in its own folder, or, on PostgreSQL,
    the test's database emptied (each engineer and CI run has a database of its own, and nothing else)."""
    made = []

    def _make():
        config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
        home = tmp_path / "restored"
        config["INSTANCE_DIR"] = home
        if is_postgres(app):
            url = app.config["SQLALCHEMY_DATABASE_URI"]
            db.session.remove()
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            db.engine.dispose()
        else:
            home.mkdir(exist_ok=True)
            url = f"sqlite:///{home / 'partdesk.db'}"
        config["SQLALCHEMY_DATABASE_URI"] = url
        instance = create_app(config)
        made.append(instance)
        return instance

    yield _make
    for instance in made:
        with instance.app_context():
            from app.extensions import db as fdb

            fdb.session.remove()
            fdb.engine.dispose()


def invoke(instance, *args: str):
    """Run a `flask` command on INSTANCE: its app context on top, as `flask` itself would push it."""
    with instance.app_context():
        return instance.test_cli_runner().invoke(args=list(args))
