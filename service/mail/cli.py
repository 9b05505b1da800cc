"""``peermatch mail send [--once] [--batch N]``: the outbox worker as a command.

It polls every ``PEERMATCH_MAIL_POLL_SECONDS``; SIGTERM or Ctrl-C lets the message being
sent finish, then it exits. ``--once`` sends what is due now and exits.
``peermatch mail check-ins [--now ISO]`` queues the check-in requests due now
(:mod:`service.services.check_in_requests`; the polling worker does it too).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

__all__ = ["register", "cmd_send", "cmd_check_ins"]


def cmd_send(args: argparse.Namespace) -> int:
    from service import create_app, db

    from . import make_worker

    app = create_app({"PEERMATCH_MAIL_WORKER": "off"})  # this command is the worker: no second one in a thread
    worker = make_worker(app)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    target = worker.transport.__class__.__name__
    print(f"peermatch mail: sending with {target} (lease {worker.settings.lease_seconds:g} s)", file=sys.stderr, flush=True)
    try:
        if args.once:
            try:
                report = worker.drain(args.batch, stop)
            finally:
                worker.transport.close()
        else:
            report = worker.run(stop, args.batch)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        db.engine(app).dispose()
    print(f"peermatch mail: {report.sent} sent, {report.retried} to retry, {report.failed} failed", file=sys.stderr, flush=True)
    return 0


def cmd_check_ins(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from service import create_app, db
    from service.services.check_in_requests import enqueue_due_check_ins

    now = None
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            print(f"peermatch mail check-ins: --now must be an ISO date and time, got {args.now!r}", file=sys.stderr)
            return 2
        now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    app = create_app({"PEERMATCH_MAIL_WORKER": "off"})
    try:
        with app.app_context(), db.new_session(app) as s:
            written = enqueue_due_check_ins(s, now)
    finally:
        db.engine(app).dispose()
    print(f"peermatch mail: {written} check-in requests queued (send them with 'peermatch mail send')", file=sys.stderr, flush=True)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``peermatch mail ...``."""
    mail = sub.add_parser("mail", help="the mail outbox").add_subparsers(dest="mail_command", metavar="ACTION", required=True)
    p = mail.add_parser("send", help="send the outbox: poll until stopped (SIGTERM finishes the current message)")
    p.add_argument("--once", action="store_true", help="send what is due now, then exit")
    p.add_argument("--batch", type=int, default=None, help="messages claimed per pass (default 50)")
    p.set_defaults(func=cmd_send)
    p = mail.add_parser("check-ins", help="queue the check-in requests due now (the worker also does it every PEERMATCH_CHECK_IN_MAIL_SECONDS)")
    p.add_argument("--now", help="as if it were this time (ISO 8601; UTC without an offset), e.g. to catch up")
    p.set_defaults(func=cmd_check_ins)
