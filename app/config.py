"""Configuration read from the environment, with safe local defaults."""
from __future__ import annotations

import os
from pathlib import Path


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def secret_from_environment(name: str) -> str:
    """A secret whose variable is named at run time (a mailbox's password_env), read when it is needed and
    never stored; "" when the variable is not set."""
    return os.environ.get(name, "") if name else ""


class Config:
    """Everything the app reads from its environment lives here."""

    INSTANCE_DIR = Path(os.environ.get("PARTDESK_INSTANCE", Path.cwd() / "instance"))
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'partdesk.db'}"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # full: a committed message survives a power cut before we mark it on the IMAP server; or normal
    SQLITE_SYNCHRONOUS = os.environ.get("PARTDESK_SQLITE_SYNCHRONOUS", "full")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DEMO = _bool("PARTDESK_DEMO")
    DEBUG = _bool("FLASK_DEBUG")
    TESTING = False
    WTF_CSRF_TIME_LIMIT = None  # a form left open during a long call must still submit
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)

    # Twilio
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")  # e.g. https://partdesk.example
    PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 0)
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN")
    TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER")

    # Outbound mail; with no SMTP_HOST nothing leaves the machine and the outbox shows it
    SMTP_HOST = os.environ.get("SMTP_HOST")
    SMTP_PORT = _int("SMTP_PORT", 587)
    SMTP_USER = os.environ.get("SMTP_USER")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "partdesk@localhost")

    # Intake
    DROP_FOLDER = os.environ.get("PARTDESK_DROP_FOLDER")
    # stored whole up to this size (mail servers send up to ~35 MB once base64 is counted); the parser
    # reads only the first 25 MB of a larger one and says so; beyond this, only the headers are kept
    MAX_MESSAGE_BYTES = _int("PARTDESK_MAX_MESSAGE_BYTES", 40 * 1024 * 1024)
    # seconds one message may take to parse (in a child process) before it is failed for a person to read
    PARSE_TIME_LIMIT = float(os.environ.get("PARTDESK_PARSE_TIME_LIMIT") or 15)
    # the IMAP worker (app/intake/worker.py), in seconds
    IMAP_IDLE_SECONDS = _float("PARTDESK_IMAP_IDLE_SECONDS", 60)  # well under the 29 minutes servers allow
    IMAP_POLL_SECONDS = _float("PARTDESK_IMAP_POLL_SECONDS", 30)
    DROP_POLL_SECONDS = _float("PARTDESK_DROP_POLL_SECONDS", 2)
    IMAP_BACKOFF_MAX = _float("PARTDESK_IMAP_BACKOFF_MAX", 300)
    LEASE_SECONDS = _float("PARTDESK_LEASE_SECONDS", 120)
    IMAP_TIMEOUT = _float("PARTDESK_IMAP_TIMEOUT", 60)
    IMAP_CAFILE = os.environ.get("PARTDESK_IMAP_CAFILE") or None  # an extra CA (a private one, or the tests')

    # Backups (app/backup): a folder on another disk or a USB stick; without one, none are taken
    BACKUP_DIR = os.environ.get("PARTDESK_BACKUP_DIR") or None
    BACKUP_MINUTES = _int("PARTDESK_BACKUP_MINUTES", 10)  # the worker takes one this often; 0: only by hand
    BACKUP_KEEP = _int("PARTDESK_BACKUP_KEEP", 24)  # the newest this many are kept
    PG_BIN = os.environ.get("PARTDESK_PG_BIN") or None  # folder of pg_dump and pg_restore, if not on PATH

    # Login throttling: attempts per client address and login name together, in a window of LOCK_SECONDS
    LOGIN_MAX_FAILURES = _int("PARTDESK_LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_SECONDS = _int("PARTDESK_LOGIN_LOCK_SECONDS", 900)


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    WTF_CSRF_ENABLED = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    BACKUP_DIR = None  # a test that backs up names its own folder
