"""Tests of ``service/cli_outcomes.py``: ``peermatch questionnaire invite``."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest

from service.cli_outcomes import cmd_invite, register

from .conftest import SECRET
from .test_questionnaire import TODAY, invitations, published_round


def test_invite_writes_the_due_invitations_once(client, app, database_url, tmp_path, monkeypatch, capsys):
    rid = published_round(client, app, ends_in_days=30)
    for name, value in {"DATABASE_URL": database_url, "SECRET_KEY": SECRET, "PEERMATCH_INSTANCE_PATH": str(tmp_path), "PEERMATCH_AUTO_MIGRATE": "false"}.items():
        monkeypatch.setenv(name, value)
    in_last_weeks = argparse.Namespace(date=TODAY + timedelta(days=20))
    assert cmd_invite(in_last_weeks) == 0 and "12 invitations written" in capsys.readouterr().err
    assert cmd_invite(in_last_weeks) == 0 and "0 invitations written" in capsys.readouterr().err
    assert sum(k.startswith(f"questionnaire:{rid}:after:") for k in invitations(app)) == 12


def test_the_date_must_be_iso():
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    assert parser.parse_args(["questionnaire", "invite", "--date", "2027-01-10"]).date.isoformat() == "2027-01-10"
    with pytest.raises(SystemExit):
        parser.parse_args(["questionnaire", "invite", "--date", "10/01/2027"])
