"""Tests of ``service/mail/worker.py`` and ``transport.py`` against a real SMTP server
(aiosmtpd, in-process): delivery, back-off, permanent failures, leases, racing workers."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from service import create_app, db
from service.mail import make_worker, start_thread, stop_thread
from service.mail.transport import FileTransport, OutgoingMail, SMTPTransport, eml_name
from service.mail.worker import MailWorker, WorkerSettings
from service.models import OutboxMessage, utcnow

from .conftest import ACCOUNTS, base_config
from .mail_helpers import SMTPServer, enqueue_notices, free_port

SENDER = "North hub <hub@north.example>"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


def _worker(app, url: str, **kwargs) -> MailWorker:
    settings = kwargs.pop("settings", WorkerSettings())
    return MailWorker(db.engine(app), SMTPTransport.from_url(url, timeout=10), sender=SENDER, settings=settings, **kwargs)


def _rows(app):
    with db.new_session(app) as s:
        return s.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_messages_arrive_with_their_message_id_text_and_html(app, smtp):
    ids = enqueue_notices(app, 3, teacher_id="n-01")
    worker = _worker(app, smtp.url)
    report = worker.drain()
    worker.transport.close()
    assert (report.sent, report.retried, report.failed) == (3, 0, 0)
    rows = _rows(app)
    assert [r.id for r in rows] == ids and all(r.status == "sent" and r.attempts == 1 and r.sent_at for r in rows)
    assert smtp.handler.message_ids() == {r.message_id: 1 for r in rows}
    msg = smtp.handler.received[0]
    assert msg["From"] == SENDER and msg["To"] == "n-01+0@school.example" and msg["Subject"] == "Notice 0"
    assert msg.get_content_type() == "multipart/alternative"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in msg.walk() if not p.is_multipart()}
    assert "This is notice 0." in parts["text/plain"] and "<p>This is notice 0.</p>" in parts["text/html"]
    assert msg["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/mail/unsubscribe/")


def test_refusals_are_retried_with_back_off_then_fail_visibly(app, client, smtp):
    smtp.handler.refuse = "451 4.3.0 Mailbox busy, try later"
    [message_id] = enqueue_notices(app, 1)
    clock = Clock()
    settings = WorkerSettings(max_attempts=8, retry_seconds=60, retry_max_seconds=1800)
    worker = _worker(app, smtp.url, settings=settings, clock=clock)
    waits = []
    for attempt in range(1, 9):
        report = worker.run_once()
        [row] = _rows(app)
        assert row.attempts == attempt and "451" in row.last_error
        if attempt == 8:
            assert (report.failed, row.status) == (1, "failed")
            break
        assert (report.retried, row.status) == (1, "queued")
        wait = (row.next_attempt_at - clock.now).total_seconds()
        expected = min(60 * 2 ** (attempt - 1), 1800)
        assert 0.8 * expected - 1 <= wait <= 1.2 * expected + 1
        waits.append(wait)
        # Not due before its time: nothing is sent.
        clock.now = row.next_attempt_at - timedelta(seconds=1)
        assert worker.run_once().handled == 0
        clock.now = row.next_attempt_at
    worker.transport.close()
    assert smtp.handler.data_calls == 8 and smtp.handler.received == []
    assert waits[1] > waits[0] and waits[-1] <= 1.2 * 1800 + 1  # doubling, then capped
    body = client.get("/api/v1/messages?status=failed", headers=ACCOUNTS["coord_n"].headers).get_json()
    assert [(m["id"], m["attempts"]) for m in body["items"]] == [(message_id, 8)]
    assert "451 4.3.0 Mailbox busy" in body["items"][0]["last_error"]


def test_a_permanent_refusal_fails_at_once(app, smtp):
    smtp.handler.refuse = "550 5.1.1 No such user"
    enqueue_notices(app, 1)
    worker = _worker(app, smtp.url)
    assert worker.run_once().failed == 1
    worker.transport.close()
    [row] = _rows(app)
    assert (row.status, row.attempts) == ("failed", 1) and "550" in row.last_error


def test_a_server_that_is_down_means_a_retry(app):
    enqueue_notices(app, 1)
    worker = _worker(app, f"smtp://127.0.0.1:{free_port()}")
    assert worker.run_once().retried == 1
    [row] = _rows(app)
    assert row.status == "queued" and row.next_attempt_at > utcnow() and "Connection" in row.last_error


def test_a_message_held_by_a_live_worker_is_not_taken_by_another(app):
    [message_id] = enqueue_notices(app, 1)
    clock = Clock()
    settings = WorkerSettings(lease_seconds=60)
    a = MailWorker(db.engine(app), FileTransport("unused"), sender=SENDER, settings=settings, clock=clock)
    b = MailWorker(db.engine(app), FileTransport("unused"), sender=SENDER, settings=settings, clock=clock)
    assert a.claim(message_id)
    assert not b.claim(message_id) and b.due(10) == []
    clock.now += timedelta(seconds=59)
    assert not b.claim(message_id)
    clock.now += timedelta(seconds=2)  # a's lease ran out: a is presumed dead
    assert b.due(10) == [message_id] and b.claim(message_id)
    [row] = _rows(app)
    assert (row.status, row.attempts, row.lease_owner) == ("sending", 2, b.owner)


def test_a_worker_dying_on_the_last_attempt_leaves_a_failure(app):
    [message_id] = enqueue_notices(app, 1)
    clock = Clock()
    worker = MailWorker(db.engine(app), FileTransport("unused"), sender=SENDER, settings=WorkerSettings(max_attempts=2, lease_seconds=10), clock=clock)
    for _ in range(2):
        assert worker.claim(message_id)  # and "dies"
        clock.now += timedelta(seconds=11)
    assert worker.run_once().handled == 0
    [row] = _rows(app)
    assert (row.status, row.attempts) == ("failed", 2) and "lease ran out" in row.last_error


def test_two_workers_racing_send_each_message_once(app, smtp):
    enqueue_notices(app, 40)
    workers = [_worker(app, smtp.url, settings=WorkerSettings(batch=40)) for _ in range(2)]
    reports = []
    threads = [threading.Thread(target=lambda w=w: reports.append(w.drain())) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for w in workers:
        w.transport.close()
    assert sum(r.sent for r in reports) == 40
    counts = smtp.handler.message_ids()
    assert len(counts) == 40 and set(counts.values()) == {1}
    assert all(r.status == "sent" for r in _rows(app))


def test_file_transport_writes_one_eml_per_key_atomically(tmp_path):
    transport = FileTransport(tmp_path / "outbox")
    mail = OutgoingMail(key="group:1/n-01", message_id="<x@y>", sender=SENDER, to="a@b.example", subject="Hi", text="one", html="<p>one</p>")
    transport.send(mail)
    transport.send(OutgoingMail(**{**mail.__dict__, "text": "two"}))  # sent again: replaces
    files = list((tmp_path / "outbox").iterdir())
    assert [f.name for f in files] == [eml_name("group:1/n-01")]
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert msg["Message-ID"] == "<x@y>" and "two" in msg.get_body(("plain",)).get_content()


def test_the_default_transport_writes_under_the_instance_folder(app, tmp_path):
    enqueue_notices(app, 2)
    worker = make_worker(app)
    assert isinstance(worker.transport, FileTransport) and worker.transport.folder == tmp_path / "outbox"
    assert worker.drain().sent == 2
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2


def _thread_worker_config(database_url, tmp_path, smtp):
    """An app that sends its mail from a worker thread, to the test SMTP server, polling fast."""
    return {
        **base_config(database_url, tmp_path),
        "PEERMATCH_AUTO_MIGRATE": False,
        "PEERMATCH_MAIL_WORKER": "thread",
        "PEERMATCH_SMTP_URL": smtp.url,
        "PEERMATCH_MAIL_POLL_SECONDS": 0.05,
    }


def test_the_thread_worker_sends_from_the_app_process(database_url, tmp_path, smtp):
    config = _thread_worker_config(database_url, tmp_path, smtp)
    app = create_app(config)
    try:
        enqueue_notices(app, 2)
        deadline = time.monotonic() + 30
        while len(smtp.handler.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(smtp.handler.message_ids()) == 2
        stop_thread(app)
        assert all(r.status == "sent" for r in _rows(app))
    finally:
        stop_thread(app)
        db.engine(app).dispose()


def test_an_unknown_worker_mode_is_refused(database_url, tmp_path):
    with pytest.raises(ValueError, match="PEERMATCH_MAIL_WORKER"):
        create_app({**base_config(database_url, tmp_path), "PEERMATCH_AUTO_MIGRATE": False, "PEERMATCH_MAIL_WORKER": "process"})


def test_start_thread_is_once_per_app(app):
    try:
        assert start_thread(app) is start_thread(app)
    finally:
        stop_thread(app)


def test_mail_send_once_sends_what_is_due_and_exits(app, database_url, tmp_path, monkeypatch, capsys):
    from matcher.cli import main

    enqueue_notices(app, 3)
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key", "PEERMATCH_INSTANCE_PATH": str(tmp_path), "PEERMATCH_AUTO_MIGRATE": "0"}
    env["PEERMATCH_MAIL_WORKER"] = "thread"  # as under make run: the command still is the only worker
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["mail", "send", "--once", "--batch", "2"]) == 0
    assert not any(t.name == "peermatch-mail" for t in threading.enumerate())
    assert "3 sent, 0 to retry, 0 failed" in capsys.readouterr().err
    assert all(r.status == "sent" for r in _rows(app))
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3


def _wait(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_thread_workers_of_one_instance_take_turns(database_url, tmp_path, smtp):
    config = _thread_worker_config(database_url, tmp_path, smtp)
    apps = [create_app(config), create_app(config)]  # as two gunicorn workers
    try:
        actives = [a.extensions["peermatch.mail"]["active"] for a in apps]
        assert _wait(lambda: any(e.is_set() for e in actives))
        time.sleep(0.3)
        assert sum(e.is_set() for e in actives) == 1  # one sends, the other stands by
        first = next(a for a, e in zip(apps, actives) if e.is_set())
        enqueue_notices(apps[0], 2, prefix="before")
        assert _wait(lambda: len(smtp.handler.received) == 2)
        stop_thread(first)  # its process ends: the other takes over
        other = next(a for a in apps if a is not first)
        assert _wait(other.extensions["peermatch.mail"]["active"].is_set)
        enqueue_notices(apps[0], 2, prefix="after")
        assert _wait(lambda: len(smtp.handler.received) == 4)
        assert set(smtp.handler.message_ids().values()) == {1}
    finally:
        for a in apps:
            stop_thread(a)
            db.engine(a).dispose()


class _Refusing:
    """A transport whose errors quote the recipient, as SMTP servers' refusals do."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def send(self, mail: OutgoingMail) -> None:
        raise self.error

    def close(self) -> None:
        pass


@pytest.mark.parametrize("permanent", [True, False])
def test_failed_sends_log_no_recipient_address(app, caplog, permanent):
    from service.mail.transport import SendError

    enqueue_notices(app, 2, teacher_id="n-01")
    address = _rows(app)[0].to_address
    refusal = SendError(f"recipient refused: {address}: 550 5.1.1 No such user", permanent=permanent)
    unexpected = ValueError(f"bad address {_rows(app)[1].to_address!r}")
    with caplog.at_level("INFO", logger="service.mail.worker"):
        for error in (refusal, unexpected):
            worker = MailWorker(db.engine(app), _Refusing(error), sender=SENDER)
            worker.run_once(batch=1)
    rows = _rows(app)
    assert address in rows[0].last_error  # the coordinator still sees why (Messages page)
    assert "message" in caplog.text and "ValueError" in caplog.text  # the failures are logged ...
    assert "@school.example" not in caplog.text  # ... without the addresses
