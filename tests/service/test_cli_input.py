"""``peermatch`` account and import commands run without a terminal (cron, CI, a pipe).

They run in this process against the fixture's database (``service.cli._app`` is swapped
for one building the app on it), with standard input a pipe: no terminal to ask at.
"""

from __future__ import annotations

import getpass
import io
import sys

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

import service.cli
import service.cli_accounts
from matcher.cli import build_parser
from matcher.profiles.io import teachers_to_csv
from matcher.samples.generate import generate_teachers
from service import create_app, db
from service.models import Programme, Teacher, User

from .conftest import PASSWORD, base_config, count_rows


@pytest.fixture
def peermatch(database_url, tmp_path, monkeypatch):
    """Run a ``peermatch`` command line in-process with ``stdin`` as its piped standard input."""
    apps = []

    def make_app():
        app = create_app({**base_config(database_url, tmp_path), "PEERMATCH_AUTO_MIGRATE": False})
        apps.append(app)
        return app

    def no_terminal(prompt=""):
        raise EOFError  # what getpass does when it has no terminal and nothing is piped

    monkeypatch.setattr(service.cli, "_app", make_app)
    monkeypatch.setattr(service.cli_accounts, "_app", make_app)
    monkeypatch.setattr(getpass, "getpass", no_terminal)

    def run(argv, stdin=""):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        args = build_parser().parse_args(argv)
        return args.func(args)

    yield run, make_app
    for app in apps:
        db.engine(app).dispose()


def _password_hash(app, username):
    with db.new_session(app) as s:
        return s.execute(sa.select(User.password_hash).where(User.username == username)).scalar_one_or_none()


def test_set_password_without_a_terminal_says_so_or_reads_the_pipe(peermatch, capsys):
    run, make_app = peermatch
    assert run(["users", "set-password", "coord_n"]) == 1
    err = capsys.readouterr().err
    assert "no password on standard input" in err and "--password-stdin" in err and "Traceback" not in err
    assert check_password_hash(_password_hash(make_app(), "coord_n"), PASSWORD)  # unchanged

    assert run(["users", "set-password", "coord_n"], stdin="amber willow saxophone\n") == 0
    assert check_password_hash(_password_hash(make_app(), "coord_n"), "amber willow saxophone")
    assert run(["users", "set-password", "coord_n", "--password-stdin"], stdin="\n") == 1
    assert "no password on standard input" in capsys.readouterr().err


def test_users_create_asking_for_a_password_without_a_terminal(peermatch, capsys):
    run, make_app = peermatch
    assert run(["users", "create", "ana", "--role", "analyst", "--programme", "north", "--password"]) == 1
    assert "no password on standard input" in capsys.readouterr().err
    assert _password_hash(make_app(), "ana") is None  # nobody was created
    assert run(["users", "create", "ana", "--role", "analyst", "--programme", "north", "--password"], stdin="violet kettle orbit\n") == 0
    assert check_password_hash(_password_hash(make_app(), "ana"), "violet kettle orbit")


def test_teachers_import_refuses_an_unknown_programme_unless_told_to_create_it(peermatch, capsys, tmp_path):
    run, make_app = peermatch
    file = tmp_path / "teachers.csv"
    file.write_text(teachers_to_csv(generate_teachers(3, seed=5)), encoding="utf-8")
    app = make_app()
    before = count_rows(app, Programme), count_rows(app, Teacher)

    assert run(["teachers", "import", str(file), "--programme", "nroth"]) == 1
    err = capsys.readouterr().err
    assert "no programme called 'nroth'" in err and "'north', 'south'" in err and "--create-programme" in err
    assert (count_rows(app, Programme), count_rows(app, Teacher)) == before

    assert run(["teachers", "import", str(file), "--programme", "north"]) == 0
    assert "imported 3 teachers into 'north': 3 new" in capsys.readouterr().out
    assert run(["teachers", "import", str(file), "--programme", "Summer school", "--create-programme"]) == 0
    assert "imported 3 teachers into 'Summer school': 3 new" in capsys.readouterr().out
    assert count_rows(app, Programme) == before[0] + 1 and count_rows(app, Teacher) == before[1] + 6
