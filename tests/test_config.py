"""Configuration is read from the environment in app/config.py alone and passed down from the app's config."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.intake import worker

ROOT = Path(__file__).resolve().parents[1]
# the environment handed on whole to a child process (pg_dump), not read as configuration
PASSED_ON = {"app/backup/postgres.py"}


def _reads_environment(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb") and \
                isinstance(node.value, ast.Name) and node.value.id == "os":
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and \
                any(a.name in ("environ", "getenv", "environb") for a in node.names):
            lines.append(node.lineno)
    return sorted(lines)


def test_only_config_reads_the_environment():
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name == "app/config.py" or name in PASSED_ON:
            continue
        found += [f"{name}:{line}" for line in _reads_environment(ast.parse(path.read_text("utf-8")))]
    assert not found, "read the environment outside app/config.py:\n" + "\n".join(found)


def test_the_check_sees_both_spellings():
    assert _reads_environment(ast.parse("import os\nos.environ.get('X')\nos.getenv('Y')")) == [2, 3]
    assert _reads_environment(ast.parse("from os import environ")) == [1]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("setting, pragma", [("normal", 1), ("full", 2), ("nonsense", 2)])
def test_sqlite_synchronous_comes_from_the_app_config(tmp_path, setting, pragma):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'sync.db'}",
                      "SQLITE_SYNCHRONOUS": setting})
    with app.app_context():
        from app.extensions import db

        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == pragma
        db.engine.dispose()


def test_the_worker_takes_its_timings_and_ca_from_the_app_config(app):
    app.config.update(IMAP_IDLE_SECONDS=7, IMAP_POLL_SECONDS=8, DROP_POLL_SECONDS=0.5, IMAP_BACKOFF_MAX=9,
                      LEASE_SECONDS=10, IMAP_TIMEOUT=11, IMAP_CAFILE="/etc/partdesk/ca.pem")
    options = worker.Options.from_config(app.config, batch=5)
    assert (options.idle_seconds, options.poll_seconds, options.drop_poll_seconds, options.backoff_max,
            options.lease_seconds, options.timeout, options.cafile, options.batch) == \
        (7, 8, 0.5, 9, 10, 11, "/etc/partdesk/ca.pem", 5)
    assert worker.MailboxWorker(app, 1, None).options.lease_seconds == 10
