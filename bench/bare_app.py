"""The baseline for the HTTP benchmarks: the same stack (gunicorn, Flask, Flask-SQLAlchemy, the same
engine set-up and database), one INSERT and a commit per POST, nothing else; and GET /bare/page, the
newest 50 orders rendered by a Jinja template, nothing else (no login, no filters, no counts)."""
from __future__ import annotations

import os

from flask import Flask, render_template_string, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.database import configure_engine


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class BareRow(db.Model):
    __tablename__ = "bare_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


def create_bare(url: str | None = None) -> Flask:
    """The bare app on `url` (default: DATABASE_URL, as gunicorn starts it); its table must exist."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url or os.environ["DATABASE_URL"]
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)

    @app.post("/bare")
    def bare():
        db.session.add(BareRow(text=request.form.get("text", "")))
        db.session.commit()
        return "", 201

    @app.get("/bare/page")
    def bare_page():
        rows = db.session.execute(text('SELECT id, reference, status, channel, created_at FROM "order" '
                                       "ORDER BY id DESC LIMIT 50")).all()
        return render_template_string(PAGE, rows=rows)

    return app


PAGE = """<!doctype html><title>Queue</title><table>{% for r in rows %}<tr><td>{{ r.reference }}</td>
<td>{{ r.status }}</td><td>{{ r.channel }}</td><td>{{ r.created_at }}</td></tr>{% endfor %}</table>"""
