"""Mail that is not lost: an outbox written in the caller's transaction, sent by a worker.

- :func:`service.mail.outbox.enqueue` adds a rendered message to the caller's session.
- ``service.mail.worker`` claims due messages with a lease and sends them
  (``service.mail.transport``: SMTP from ``PEERMATCH_SMTP_URL``, else ``.eml`` files under
  ``instance/outbox/``), retrying with back-off; failures stay visible to the coordinator
  (``GET /api/v1/messages``, the Messages page).
- The worker runs as ``peermatch mail send`` or, with ``PEERMATCH_MAIL_WORKER=thread``, as
  a daemon thread in every app process (``make run``); the lease keeps several of them
  from sending one message twice.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from .worker import MailWorker

__all__ = ["init_app", "make_worker", "start_thread", "stop_thread"]

log = logging.getLogger(__name__)
_KEY = "peermatch.mail"


def make_worker(app: Flask, **overrides: object) -> MailWorker:
    """A worker for ``app``'s database and transport, paced by its settings."""
    from .. import db
    from .transport import transport_from_config
    from .worker import MailWorker, WorkerSettings

    settings = WorkerSettings.from_config(app.config, **overrides)
    transport = transport_from_config(app.config, app.instance_path)
    return MailWorker(db.engine(app), transport, sender=app.config["PEERMATCH_MAIL_FROM"], settings=settings)


def start_thread(app: Flask) -> threading.Thread:
    """Start the worker as a daemon thread of this process (once per app)."""
    state = app.extensions.get(_KEY)
    if state is not None:
        thread: threading.Thread = state["thread"]
        return thread
    worker = make_worker(app)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name="peermatch-mail", daemon=True)
    app.extensions[_KEY] = {"thread": thread, "stop": stop, "worker": worker}
    thread.start()
    log.info("mail worker thread started (%s)", type(worker.transport).__name__)
    return thread


def stop_thread(app: Flask, timeout: float = 30.0) -> None:
    """Ask the worker thread to finish its current message and stop."""
    state = app.extensions.pop(_KEY, None)
    if state is not None:
        state["stop"].set()
        state["thread"].join(timeout)


def init_app(app: Flask) -> None:
    """Start the in-process worker when ``PEERMATCH_MAIL_WORKER`` is ``thread``."""
    mode = str(app.config["PEERMATCH_MAIL_WORKER"]).strip().lower()
    if mode == "thread":
        start_thread(app)
    elif mode not in ("off", ""):
        raise ValueError(f"PEERMATCH_MAIL_WORKER must be 'thread' or 'off', got {mode!r}")
