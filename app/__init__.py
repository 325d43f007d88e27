"""Partdesk: the order desk a parts chain falls back on when its central systems are down."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Config


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="static")
    app.config.from_object(Config)
    app.config.update(overrides or {})
    _check_secret(app)
    if app.config.get("PROXY_FIX_HOPS"):
        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_security_headers(app)
    register_https(app)
    connect_signal_handlers()
    return app


def connect_signal_handlers() -> None:
    """The channels' handlers for the domain's signals and the outbox worker's round, connected here so no
    channel imports another. Idempotent."""
    from app.handback import redirect
    from app.notify import corrected, rules
    from app.phone import sms

    rules.connect()
    corrected.connect()  # an edit of an order the workshop was told about is told too
    redirect.connect()  # orders redirected by policy get the backup supplier's email too
    sms.connect()  # the outbox worker reads the SMS a crashed web process left stored


def _check_secret(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("DEBUG") or app.config.get("DEMO") or app.config.get("TESTING"):
        app.config["SECRET_KEY"] = "partdesk-local-only-not-secret"
        return
    raise RuntimeError("SECRET_KEY is not set. Set it in the environment (or PARTDESK_DEMO=1 for a local demo).")


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (tables known to metadata)
    from app.database import configure_engine
    from app.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    from app.web import i18n

    i18n.init_app(app)  # the page's language: the staff member's, their branch's, the browser's, English

    with app.app_context():
        configure_engine(db.engine, synchronous=app.config.get("SQLITE_SYNCHRONOUS", "full"))

    # No request starts as a writer: each view enters its unit of work (app.orders.unit_of_work) where it
    # writes, so a page, a refused form or a slowed failed login never holds SQLite's write lock.

    @login_manager.user_loader
    def _load_user(user_id: str):
        from app.web.auth.sessions import load_staff

        return load_staff(user_id)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent / "migrations"


def register_blueprints(app: Flask) -> None:
    from app.web import register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)


def register_https(app: Flask) -> None:
    """Secure session cookie and HSTS for every request that came over HTTPS (app/web/https.py)."""
    from app.web import https

    https.init_app(app)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "media-src 'self' https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
