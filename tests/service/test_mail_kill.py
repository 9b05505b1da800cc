"""The mail worker killed mid-send (``peermatch mail send`` as a subprocess, SIGKILL).

A real SMTP server (aiosmtpd, in this process) stalls on the first message, the test kills
the worker there, starts a new one and checks what the server received, counted by
Message-ID:

- killed before DATA completed (stalled answering RCPT): the server never had the
  message; after the lease runs out it is sent once more, and every message arrived
  exactly once;
- killed after the server had the whole message but before its 250 reached the worker
  (the window the README names): that message arrives twice *with the same Message-ID*,
  so de-duplicating by Message-ID gives exactly one of each;
- SIGTERM while sending: the current message is finished and marked, then the worker exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from service import db
from service.models import OutboxMessage

from .conftest import SECRET
from .mail_helpers import SMTPServer, enqueue_notices

ROOT = Path(__file__).resolve().parents[2]
COMMAND = "import sys; from matcher.cli import main; sys.exit(main(['mail', 'send', '--batch', '10']))"
LEASE_SECONDS = 3


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


def _env(database_url: str, tmp_path: Path, smtp_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "PEERMATCH_INSTANCE_PATH": str(tmp_path),
        "PEERMATCH_AUTO_MIGRATE": "0",
        "PEERMATCH_PAGES": "0",
        "PEERMATCH_SMTP_URL": smtp_url,
        "PEERMATCH_MAIL_LEASE_SECONDS": str(LEASE_SECONDS),
        "PEERMATCH_MAIL_POLL_SECONDS": "0.1",
        "PEERMATCH_MAIL_WORKER": "off",
    }


def _start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", COMMAND], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stop(proc: subprocess.Popen[bytes], sig: int) -> tuple[int, str]:
    try:
        proc.send_signal(sig)
        rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    return rc, err


def _wait_stalled(smtp: SMTPServer, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while not smtp.handler.stalled.wait(0.1):
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "the worker never reached the SMTP server"


def _rows(app) -> list[OutboxMessage]:
    with db.new_session(app) as s:
        return list(s.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def _wait_all_sent(app, proc: subprocess.Popen[bytes], n: int) -> None:
    deadline = time.monotonic() + 90
    while sum(r.status == "sent" for r in _rows(app)) < n:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, [(r.id, r.status, r.attempts, r.last_error) for r in _rows(app)]
        time.sleep(0.1)


def _kill_then_restart(app, database_url, tmp_path, smtp) -> list[OutboxMessage]:
    ids = enqueue_notices(app, 5)
    env = _env(database_url, tmp_path, smtp.url)
    first = _start(env)
    _wait_stalled(smtp, first)
    rc, _ = _stop(first, signal.SIGKILL)
    assert rc == -signal.SIGKILL
    stalled = _rows(app)[0]
    assert (stalled.id, stalled.status, stalled.attempts) == (ids[0], "sending", 1)  # its lease still holds it

    second = _start(env)
    _wait_all_sent(app, second, 5)
    rc, err = _stop(second, signal.SIGTERM)
    assert rc == 0, err
    assert "5 sent" in err  # the report line
    rows = _rows(app)
    assert [r.attempts for r in rows] == [2, 1, 1, 1, 1]  # the killed attempt counts
    assert all(r.status == "sent" and r.lease_owner is None for r in rows)
    return rows


def test_killed_before_data_completes_every_message_arrives_exactly_once(app, database_url, tmp_path, smtp):
    smtp.handler.stall_rcpt = 60.0
    rows = _kill_then_restart(app, database_url, tmp_path, smtp)
    assert smtp.handler.message_ids() == {r.message_id: 1 for r in rows}


def test_killed_after_the_server_had_the_message_the_repeat_has_the_same_message_id(app, database_url, tmp_path, smtp):
    smtp.handler.stall_data = 60.0
    rows = _kill_then_restart(app, database_url, tmp_path, smtp)
    counts = smtp.handler.message_ids()
    # The documented window: the server took the message, the worker died before recording it.
    assert counts == {rows[0].message_id: 2, **{r.message_id: 1 for r in rows[1:]}}
    # What a receiver de-duplicating by Message-ID keeps: exactly one of each.
    assert len(counts) == 5


def test_sigterm_finishes_the_current_message_then_exits(app, database_url, tmp_path, smtp):
    smtp.handler.stall_data = 2.0
    ids = enqueue_notices(app, 3)
    proc = _start(_env(database_url, tmp_path, smtp.url))
    _wait_stalled(smtp, proc)
    rc, err = _stop(proc, signal.SIGTERM)
    assert rc == 0, err
    assert "1 sent" in err
    rows = _rows(app)
    assert [(r.id, r.status) for r in rows] == [(ids[0], "sent"), (ids[1], "queued"), (ids[2], "queued")]
    assert sum(smtp.handler.message_ids().values()) == 1
