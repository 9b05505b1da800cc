"""Outbox benchmark: 10,000 messages through a local SMTP server, with the worker killed twice.

Builds a throwaway instance (SQLite file in a temporary folder), enqueues N messages (the
``notice`` template, 1,000 per transaction), starts an SMTP server in this process
(aiosmtpd on 127.0.0.1, which records every message's Message-ID), and runs the worker
as ``peermatch mail send`` subprocesses. When a third and two thirds of the messages are
marked sent, the worker is killed with SIGKILL at that moment (wherever it is: claiming,
talking SMTP, committing) and a new one is started. At the end it prints:

- throughput: messages marked sent per second while a worker ran undisturbed, and for the
  whole run (restarts and lease expiry included);
- counts: enqueued, rows ``sent``, distinct Message-IDs the server received (lost =
  enqueued - distinct), copies received beyond one per Message-ID (a kill between the
  server's 250 and the worker's commit sends that message again, with the same
  Message-ID; see README "Mail that is not lost").

Usage::

    .venv/bin/python benchmarks/outbox.py [--messages 10000] [--kills 2] [--lease 5] [--workers 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COMMAND = "import sys; from matcher.cli import main; sys.exit(main(['mail', 'send', '--batch', '100']))"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Counting:
    """aiosmtpd handler: counts copies per Message-ID (headers only are parsed)."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.parser = BytesHeaderParser()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = envelope.content  # type: ignore[attr-defined]
        message_id = str(self.parser.parsebytes(content)["Message-ID"])
        with self.lock:
            self.ids[message_id] += 1
        return "250 OK"


def sent_count(engine: object) -> int:
    import sqlalchemy as sa

    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(sa.text("SELECT count(*) FROM outbox_messages WHERE status = 'sent'")).scalar_one())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=2, help="SIGKILL the worker this many times during the run")
    parser.add_argument("--lease", type=float, default=5.0, help="PEERMATCH_MAIL_LEASE_SECONDS for the run")
    parser.add_argument("--workers", type=int, default=1, help="worker processes running side by side")
    args = parser.parse_args()

    try:
        from aiosmtpd.controller import Controller
    except ModuleNotFoundError:
        sys.exit("aiosmtpd is not installed: .venv/bin/pip install -e '.[test]' (it is in the test extra)")

    from service import create_app, db
    from service.mail.outbox import enqueue
    from service.models import Programme

    folder = Path(tempfile.mkdtemp(prefix="pm-outbox-bench-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder), "PEERMATCH_PAGES": False})
    engine = db.engine(app)

    start = time.perf_counter()
    with app.app_context():
        with db.new_session(app) as s:
            programme = Programme(name="bench")
            s.add(programme)
            s.flush()
            pid = programme.id
        for first in range(0, args.messages, 1000):
            with db.new_session(app) as s:
                for i in range(first, min(first + 1000, args.messages)):
                    enqueue(
                        s,
                        programme_id=pid,
                        to=f"teacher{i}@school.example",
                        template="notice",
                        context={"title": f"Notice {i}", "name": f"Teacher {i}", "paragraphs": ["Your group meets on Thursday after school."]},
                        idempotency_key=f"bench-{i}",
                    )
    enqueue_seconds = time.perf_counter() - start
    log(f"enqueued {args.messages} messages in {enqueue_seconds:.1f} s ({args.messages / enqueue_seconds:.0f}/s)")

    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "PEERMATCH_INSTANCE_PATH": str(folder),
        "PEERMATCH_AUTO_MIGRATE": "0",
        "PEERMATCH_PAGES": "0",
        "PEERMATCH_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "PEERMATCH_MAIL_LEASE_SECONDS": str(args.lease),
        "PEERMATCH_MAIL_POLL_SECONDS": "0.2",
        "PEERMATCH_MAIL_WORKER": "off",
    }

    def start_workers() -> list[subprocess.Popen[bytes]]:
        return [subprocess.Popen([sys.executable, "-c", COMMAND], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(args.workers)]

    kill_at = [round(args.messages * (k + 1) / (args.kills + 1)) for k in range(args.kills)]
    rates: list[float] = []
    run_start = time.perf_counter()
    procs = start_workers()
    segment_start, segment_count = None, 0
    try:
        while True:
            n = sent_count(engine)
            now = time.perf_counter()
            if segment_start is None and n > segment_count:
                segment_start, segment_count = now, n  # the new worker has started sending
            if kill_at and n >= kill_at[0]:
                if segment_start is not None and now > segment_start:
                    rates.append((n - segment_count) / (now - segment_start))
                for p in procs:
                    p.send_signal(signal.SIGKILL)
                for p in procs:
                    p.wait()
                log(f"killed the worker at {n} sent (SIGKILL)")
                kill_at.pop(0)
                procs = start_workers()
                segment_start, segment_count = None, n
            if n >= args.messages:
                if segment_start is not None and now > segment_start:
                    rates.append((n - segment_count) / (now - segment_start))
                break
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a worker exited on its own")
            time.sleep(0.05)
        total_seconds = time.perf_counter() - run_start
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        controller.stop()

    import sqlalchemy as sa

    with engine.connect() as conn:
        statuses = dict(conn.execute(sa.text("SELECT status, count(*) FROM outbox_messages GROUP BY status")).all())
        attempts = dict(conn.execute(sa.text("SELECT attempts, count(*) FROM outbox_messages GROUP BY attempts")).all())
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    received = sum(handler.ids.values())
    distinct = len(handler.ids)
    repeated = {k: v for k, v in handler.ids.items() if v > 1}
    print(f"messages: {args.messages}, worker processes: {args.workers}, kills: {args.kills}, lease: {args.lease:g} s")
    print(f"enqueue: {args.messages / enqueue_seconds:.0f} messages/s (1,000 per transaction)")
    print(f"send: {min(rates):.0f}-{max(rates):.0f} messages/s while a worker ran undisturbed; {args.messages / total_seconds:.0f}/s over the whole run ({total_seconds:.1f} s, restarts and lease expiry included)")
    print(f"rows by status: {statuses}; rows by attempts: {dict(sorted(attempts.items()))}")
    print(f"received: {received} copies of {distinct} distinct Message-IDs")
    print(f"lost: {args.messages - distinct}; extra copies: {received - distinct} ({len(repeated)} Message-IDs received more than once)")
    return 0 if distinct == args.messages and statuses.get("sent") == args.messages else 1


if __name__ == "__main__":
    sys.exit(main())
