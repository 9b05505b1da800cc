"""Tests of ``service/db.py`` and the migrations: both databases, WAL, transactions."""

from __future__ import annotations

import sqlalchemy as sa

from service import create_app, db
from service.models import Base

from .conftest import ACCOUNTS, base_config, teacher_row


def test_migrations_match_the_models(app):
    """The migrated schema has exactly the models' tables and columns."""
    inspector = sa.inspect(db.engine(app))
    tables = set(inspector.get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        assert {c["name"] for c in inspector.get_columns(name)} == {c.name for c in table.columns}, name
    assert db.is_at_head(db.engine(app))


def test_no_pending_model_changes(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine(app).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_uses_wal_and_foreign_keys(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", tmp_path))
    try:
        with db.engine(app).connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert db.is_at_head(db.engine(app))
    finally:
        db.engine(app).dispose()


def test_default_database_is_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    try:
        assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'peermatch.sqlite3'}"
        assert (tmp_path / "peermatch.sqlite3").exists()
        key = (tmp_path / "secret_key").read_text().strip()
        assert app.config["SECRET_KEY"] == key and len(key) == 64
        assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    finally:
        db.engine(app).dispose()
    again = create_app({"INSTANCE_PATH": str(tmp_path)})
    try:
        assert again.config["SECRET_KEY"] == key  # generated once, then reused
    finally:
        db.engine(again).dispose()


def test_error_response_rolls_back(client, app):
    """A request that changes rows and then fails leaves no trace (one transaction per request)."""
    from service.services import teachers as svc

    @app.route("/test-partial")
    def partial():
        from service.auth import require

        user = require("coordinator")
        svc.update_teacher(user, "n-05", {"about": "half-written"}, if_match="*")
        raise RuntimeError("fails after writing")

    assert client.get("/test-partial", headers=ACCOUNTS["coord_n"].headers).status_code == 500
    with db.new_session(app) as s:
        assert teacher_row(s, "n-05").about != "half-written"


def test_ready_reports_the_database(client, app):
    body = client.get("/ready").get_json()
    assert body["status"] == "ready" and body["database"] == db.engine(app).dialect.name
    assert client.get("/health").get_json() == {"status": "ok"}
