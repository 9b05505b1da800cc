"""Tests of the weekly programme health digest (``service/services/digest.py``, ``service/cli_health.py``,
``users set-email``) and its hook in the mail worker."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from service import cli_accounts, cli_health, db
from service.mail import make_worker
from service.models import OutboxMessage, User
from service.problems import Problem
from service.services import digest

from .health_helpers import NOW, seed_health

# The day after n-02's flag and group 1's second missed meeting were reported (23 Oct).
SATURDAY = datetime(2026, 10, 24, 12, 0, tzinfo=timezone.utc)


def set_coordinator_email(app, username="coord_n", email="coord@hub.example"):
    with db.new_session(app) as s:
        user = s.execute(sa.select(User).where(User.username == username)).scalar_one()
        digest.set_email(s, user, email)


def digests(app):
    with db.new_session(app) as s:
        return list(s.execute(sa.select(OutboxMessage).where(OutboxMessage.template == digest.TEMPLATE)).scalars())


def send(app, now, **kwargs):
    with app.app_context(), db.new_session(app) as s:
        return digest.send_digests(s, now=now, **kwargs)


def test_digest_lists_new_risks_groups_not_meeting_and_new_flags_once_a_week(app):
    seed_health(app)
    set_coordinator_email(app)
    assert send(app, SATURDAY) == 1
    assert send(app, SATURDAY.replace(day=25)) == 0  # same ISO week: the key is taken
    [msg] = digests(app)
    assert msg.to_address == "coord@hub.example" and msg.idempotency_key.endswith(":2026-W43") and msg.teacher_id is None
    text = msg.body_text
    newly = text.split("Newly at risk")[1].split("Groups not meeting")[0]
    # group 1 missed its second meeting this week (new); n-05 and n-13 were departments of one already
    assert all(f"({t})" in newly for t in ("n-01", "n-02", "n-03", "n-04")) and "(n-05)" not in newly and "(n-13)" not in newly
    assert "Group 1: did not meet at its last two meetings" in text
    assert "(n-02), group 1: see the suggested repair at http" in text and "/programme/health/flags/n-02" in msg.body_html
    assert "newly at risk" in msg.subject and "1 new flags" in msg.subject
    # a later week: nobody newly at risk, the flag is old, but groups are still not meeting
    assert send(app, NOW) == 1
    later = digests(app)[-1]
    assert "Nobody is newly at risk this week." in later.body_text and "not a good fit" not in later.body_text and "Group 3:" in later.body_text


def test_no_address_no_digest_and_addresses_are_checked(app):
    seed_health(app)
    assert send(app, SATURDAY) == 0 and digests(app) == []
    with db.new_session(app) as s:
        user = s.execute(sa.select(User).where(User.username == "coord_n")).scalar_one()
        with pytest.raises(Problem):
            digest.set_email(s, user, "not an address")
    set_coordinator_email(app, "coord_s", "south@hub.example")  # south has no published round: nothing to tell
    assert send(app, SATURDAY) == 0


def test_digest_waits_for_its_weekday_unless_forced(app):
    seed_health(app)
    set_coordinator_email(app)
    app.config["PEERMATCH_DIGEST_WEEKDAY"] = 6  # Sunday
    assert send(app, SATURDAY) == 0
    assert send(app, SATURDAY, force=True) == 1


def test_the_mail_worker_runs_the_digest_hook_at_most_every_interval(app, monkeypatch):
    seed_health(app)
    set_coordinator_email(app)
    monkeypatch.setattr(digest, "utcnow", lambda: SATURDAY)
    app.config["PEERMATCH_DIGEST_CHECK_SECONDS"] = 3600
    worker = make_worker(app)
    assert [j.name for j in worker.periodic.jobs] == ["check-in requests", "health digest"]
    assert "health digest" in worker.periodic.run_due()
    assert len(digests(app)) == 1
    with db.new_session(app) as s:
        s.execute(sa.delete(OutboxMessage))
    assert worker.periodic.run_due() == []  # within the hour: not even looked at
    assert digests(app) == []


def test_cli_sets_the_email_and_queues_the_digest(app, monkeypatch, capsys):
    seed_health(app)
    monkeypatch.setattr(cli_accounts, "_app", lambda: app)
    monkeypatch.setattr(cli_health, "_app", lambda: app)
    assert cli_accounts.cmd_users_set_email(argparse.Namespace(username="coord_n", email="c@hub.example")) == 0
    assert cli_accounts.cmd_users_set_email(argparse.Namespace(username="coord_n", email="nope")) == 1
    assert cli_health.cmd_health_digest(argparse.Namespace(programme="north", now=SATURDAY.isoformat())) == 0
    assert "1 message(s) queued" in capsys.readouterr().out
    assert [m.to_address for m in digests(app)] == ["c@hub.example"]
    assert cli_health.cmd_health_digest(argparse.Namespace(programme="nowhere", now=None)) == 1
