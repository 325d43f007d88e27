"""The Alembic migrations build exactly the schema the models describe, on both databases."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.config import TestConfig


pytestmark = pytest.mark.real_commits  # a second app on the same database


def _fresh_app(app, tmp_path):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'migrated.db'}" if url.startswith("sqlite") else url
    return create_app(config)


def test_upgrade_matches_models_and_downgrade_empties(app, db, tmp_path):
    fresh = _fresh_app(app, tmp_path)
    with fresh.app_context():
        from app.extensions import db as fdb

        if fdb.engine.dialect.name == "postgresql":
            with fdb.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        with fdb.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), fdb.metadata)
        assert diff == [], "models and migrations differ; run `flask db migrate -m '...'`"
        downgrade(revision="base")
        assert set(inspect(fdb.engine).get_table_names()) <= {"alembic_version"}
        fdb.engine.dispose()
