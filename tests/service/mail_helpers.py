"""Helpers for the mail tests: a real SMTP server in-process (aiosmtpd) and enqueuing messages."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections import Counter
from email.message import Message

from aiosmtpd.controller import Controller

from service import db
from service.mail.outbox import enqueue
from service.models import Programme

import sqlalchemy as sa


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Recorder:
    """An aiosmtpd handler that keeps what it received and can refuse or stall on demand.

    ``refuse``: a reply to DATA such as ``"451 4.3.0 try later"`` (the message is not kept).
    ``stall_rcpt`` / ``stall_data``: on the first message (only), sleep this long before
    answering RCPT (the worker has sent nothing of the message yet) or before answering
    DATA (the server already holds the whole message), and set ``stalled``.
    """

    def __init__(self) -> None:
        self.received: list[Message] = []
        self.lock = threading.Lock()
        self.refuse: str | None = None
        self.stall_rcpt = 0.0
        self.stall_data = 0.0
        self.stalled = threading.Event()
        self.data_calls = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stall_rcpt and not self.stalled.is_set():
            self.stalled.set()
            await asyncio.sleep(self.stall_rcpt)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_calls += 1
        if self.refuse:
            return self.refuse
        with self.lock:
            self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        if self.stall_data and not self.stalled.is_set():
            self.stalled.set()
            await asyncio.sleep(self.stall_data)
        return "250 Message accepted for delivery"

    def message_ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["Message-ID"]) for m in self.received)


class SMTPServer:
    """A running aiosmtpd server on 127.0.0.1 and a free port (use as a context manager)."""

    def __init__(self) -> None:
        self.handler = Recorder()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def programme_id(app, name: str = "north") -> int:
    with db.new_session(app) as s:
        return s.execute(sa.select(Programme.id).where(Programme.name == name)).scalar_one()


def enqueue_notices(app, n: int, *, programme: str = "north", prefix: str = "notice", teacher_id: str | None = None) -> list[int]:
    """Enqueue ``n`` notices (committed), keys ``<prefix>-<i>``; returns their ids."""
    pid = programme_id(app, programme)
    ids = []
    with app.app_context(), db.new_session(app) as s:
        for i in range(n):
            new = enqueue(
                s,
                programme_id=pid,
                to=f"{teacher_id or 'someone'}+{i}@school.example",
                template="notice",
                context={"title": f"Notice {i}", "name": "Sam", "paragraphs": [f"This is notice {i}."]},
                idempotency_key=f"{prefix}-{i}",
                teacher_id=teacher_id,
            )
            assert new is not None
            ids.append(new)
    return ids
