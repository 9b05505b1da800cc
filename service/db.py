"""Engine, sessions and the one-transaction-per-request rule.

``init_app(app)`` builds the engine from ``DATABASE_URL``. Views get the request's
session from :func:`session`; after the view returns, a response below 400 commits and
anything else rolls back, so a request either writes everything or nothing. Background
work opens its own session with :func:`new_session`.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .logsafe import log_exception

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["init_app", "make_engine", "session", "new_session", "engine", "upgrade", "migration_connection", "is_at_head", "MIGRATIONS_DIR"]

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_KEY = "peermatch.db"


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with foreign keys on, or a pooled server."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        eng = sa.create_engine(url, hide_parameters=True, **kwargs)  # no names or emails in logged SQL errors
        event.listen(eng, "connect", _sqlite_pragmas)
        return eng
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True)


def engine(app: Flask | None = None) -> Engine:
    """The app's engine."""
    eng: Engine = (app or current_app).extensions[_KEY]["engine"]
    return eng


def session() -> Session:
    """The session of the current request (created on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[_KEY]["factory"]()
    s: Session = g.db_session
    return s


@contextmanager
def new_session(app: Flask) -> Iterator[Session]:
    """A session outside a request (background work, CLI): commit on success, else roll back."""
    s = app.extensions[_KEY]["factory"]()
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise
    finally:
        s.close()


def _finish_request(response: Response) -> Response:
    s = g.pop("db_session", None)
    if s is None:
        return response
    try:
        if response.status_code < 400:
            s.commit()
        else:
            s.rollback()
    except IntegrityError as exc:
        s.rollback()
        log_exception(log, "commit rejected by a constraint", exc=exc, level=logging.INFO)
        from .problems import problem_response

        return problem_response(409, detail="The change conflicts with data stored meanwhile; reload and try again.")
    except OperationalError as exc:
        s.rollback()
        log_exception(log, "commit failed", exc=exc)
        from .problems import problem_response

        return problem_response(503, detail="The database is busy; try again.", headers={"Retry-After": "1"})
    finally:
        s.close()
    return response


def _teardown(exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.rollback()
        s.close()


def _lock_path(app: Flask) -> Path:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return Path(app.instance_path) / ".migrate.lock"


def _alembic_config(conn: sa.Connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


@contextmanager
def migration_connection(eng: Engine) -> Iterator[sa.Connection]:
    """A connection in a transaction for running migrations (commits on success).

    On SQLite, foreign keys are off while migrations run: rebuilding a table (SQLite's
    way of changing a key) drops the old one, which with foreign keys on would delete or
    clear every row referring to it. They are checked before the commit and on again after.
    """
    with eng.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, or it is ignored
            conn.commit()
        try:
            with conn.begin():
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left {len(broken)} rows with a broken foreign key, e.g. {tuple(broken[0])}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def is_at_head(eng: Engine) -> bool:
    """True when the database has every migration applied."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with eng.connect() as conn:
        cfg = _alembic_config(conn)
        heads = set(ScriptDirectory.from_config(cfg).get_heads())
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == heads


def upgrade(app: Flask) -> None:
    """Apply every pending migration; a file lock keeps concurrent workers from racing."""
    from alembic import command

    eng = engine(app)
    with open(_lock_path(app), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if is_at_head(eng):
                return
            with migration_connection(eng) as conn:
                command.upgrade(_alembic_config(conn), "head")
            log.info("database upgraded to the newest migration")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def init_app(app: Flask) -> None:
    """Create the engine and session factory; register the per-request transaction hooks."""
    eng = make_engine(app.config["DATABASE_URL"])
    app.extensions[_KEY] = {"engine": eng, "factory": sessionmaker(eng, expire_on_commit=False)}
    app.after_request(_finish_request)
    app.teardown_appcontext(_teardown)
    if app.config["PEERMATCH_AUTO_MIGRATE"]:
        upgrade(app)
