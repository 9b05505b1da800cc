"""Fixtures for the service tests: a fresh database per test, on SQLite and PostgreSQL.

Each backend gets one *template* database per test session (migrated, schools and
practice examples loaded, two programmes of teachers and accounts seeded); every test then
gets its own copy (a file copy for SQLite, ``CREATE DATABASE ... TEMPLATE`` for
PostgreSQL), so tests are independent and fast. PostgreSQL runs when
``PEERMATCH_TEST_POSTGRES_URL`` points at a server (``make test`` starts a throwaway one).
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from matcher.samples.generate import generate_teachers
from service import create_app, db
from service.auth import hash_token
from service.models import ApiToken, Programme, Teacher, User
from service.services import jobs, reference
from service.services.teachers import apply_profile

POSTGRES_URL = os.environ.get("PEERMATCH_TEST_POSTGRES_URL", "")
BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(not POSTGRES_URL, reason="PEERMATCH_TEST_POSTGRES_URL is not set")),
]
SECRET = "test-secret-key"
PASSWORD = "correct horse battery staple"
TEMPLATE_DB = f"pm_template_{os.getpid()}"


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    programme: str
    teacher_id: str | None

    @property
    def token(self) -> str:
        return f"pm_test_{self.username}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


# Programme "north" has 14 teachers n-01..n-14, "south" has 8, s-01..s-08.
ACCOUNTS = {
    a.username: a
    for a in (
        Account("coord_n", "coordinator", "north", None),
        Account("coord_s", "coordinator", "south", None),
        Account("analyst_n", "analyst", "north", None),
        Account("analyst_s", "analyst", "south", None),
        Account("teacher_n1", "teacher", "north", "n-01"),
        Account("teacher_n2", "teacher", "north", "n-02"),
        Account("teacher_s1", "teacher", "south", "s-01"),
    )
}
TEACHERS = {"north": [f"n-{i:02d}" for i in range(1, 15)], "south": [f"s-{i:02d}" for i in range(1, 9)]}


def base_config(url: str, tmp_path) -> dict:
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "INSTANCE_PATH": str(tmp_path),
        "TESTING": True,
        "PEERMATCH_PASSWORD_METHOD": "pbkdf2:sha256:1000",
        "PEERMATCH_COHORT_DEFAULT_SECONDS": 1,
        "PEERMATCH_COHORT_MAX_SECONDS": 3,
    }


def _seed(app) -> None:
    profiles = generate_teachers(22, seed=7)
    with db.new_session(app) as s:
        reference.load_schools_into(s)
        reference.load_practice_into(s)
        programmes = {name: Programme(name=name) for name in TEACHERS}
        s.add_all(programmes.values())
        s.flush()
        n = 0
        for name, ids in TEACHERS.items():
            for tid in ids:
                p = profiles[n].with_changes(id=tid, previous_groupmates=(), email=f"{tid}@school.example")
                n += 1
                t = Teacher(id=tid, programme_id=programmes[name].id)
                apply_profile(t, p)
                s.add(t)
        s.flush()
        from werkzeug.security import generate_password_hash

        pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        for a in ACCOUNTS.values():
            user = User(username=a.username, role=a.role, programme_id=programmes[a.programme].id, teacher_id=a.teacher_id, password_hash=pw)
            s.add(user)
            s.flush()
            s.add(ApiToken(user_id=user.id, token_hash=hash_token(a.token), prefix=a.token[:10], name="test"))


def _build_template(url: str, tmp_path) -> None:
    app = create_app(base_config(url, tmp_path))
    try:
        _seed(app)
    finally:
        db.engine(app).dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    _build_template(f"sqlite:///{path}", folder)
    # Fold the WAL into the main file so that a plain copy is complete.
    eng = sa.create_engine(f"sqlite:///{path}")
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    eng.dispose()
    return path


def _pg_admin():
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _pg_url(name: str) -> str:
    return sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory):
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{TEMPLATE_DB}"')
    _build_template(_pg_url(TEMPLATE_DB), tmp_path_factory.mktemp("pg-template"))
    yield TEMPLATE_DB
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, seeded database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "peermatch.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"pm_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({**base_config(database_url, tmp_path), "PEERMATCH_AUTO_MIGRATE": False})
    yield app
    jobs.shutdown(app)
    db.engine(app).dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def accounts():
    return ACCOUNTS


def count_rows(app, model) -> int:
    with db.new_session(app) as s:
        return s.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def teacher_row(s, teacher_id: str) -> Teacher | None:
    """The stored teacher with ``teacher_id`` (the fixture's ids are unique across its programmes)."""
    return s.execute(sa.select(Teacher).where(Teacher.id == teacher_id)).scalar_one_or_none()
