"""The baseline for the HTTP benchmarks: the same stack (gunicorn, Flask, Flask-SQLAlchemy, the same
engine set-up and database), one INSERT and a commit per POST, nothing else."""
from __future__ import annotations

import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
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

    return app
