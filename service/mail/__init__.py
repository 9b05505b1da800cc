"""Mail that is not lost: an outbox written in the caller's transaction, sent by a worker.

- :func:`service.mail.outbox.enqueue` adds a rendered message to the caller's session.
- ``service.mail.worker`` claims due messages with a lease and sends them
  (``service.mail.transport``: SMTP from ``PEERMATCH_SMTP_URL``, else ``.eml`` files under
  ``instance/outbox/``), retrying with back-off; failures stay visible to the coordinator
  (``GET /api/v1/messages``, the Messages page).
- The worker runs as ``peermatch mail send`` or, with ``PEERMATCH_MAIL_WORKER=thread``, as
  a daemon thread in every app process (``make run``). The lease alone keeps several of them
  from sending one message twice; in addition, the threads of one instance folder take turns
  through a file lock (``instance/.mail-worker.lock``): one sends, the others wait on stand-by
  and take over when its process ends. Senders side by side on SQLite mostly wait for each
  other's writes: 300 messages under 3 gunicorn workers took 6-10 s taking turns, 13-15 s
  with all three sending (2026-12-03, loaded 2-core machine).
"""

from __future__ import annotations

import fcntl
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from .worker import MailWorker

__all__ = ["init_app", "make_worker", "start_thread", "stop_thread", "LOCK_FILE"]

log = logging.getLogger(__name__)
_KEY = "peermatch.mail"
LOCK_FILE = ".mail-worker.lock"


def make_worker(app: Flask, **overrides: object) -> MailWorker:
    """A worker for ``app``'s database and transport, paced by its settings."""
    from .. import db
    from .transport import transport_from_config
    from .worker import MailWorker, WorkerSettings

    settings = WorkerSettings.from_config(app.config, **overrides)
    transport = transport_from_config(app.config, app.instance_path)
    from ..services.digest import periodic_job

    return MailWorker(db.engine(app), transport, sender=app.config["PEERMATCH_MAIL_FROM"], settings=settings, periodic=(periodic_job(app),))


def start_thread(app: Flask) -> threading.Thread:
    """Start the worker as a daemon thread of this process (once per app)."""
    state = app.extensions.get(_KEY)
    if state is not None:
        thread: threading.Thread = state["thread"]
        return thread
    worker = make_worker(app)
    stop, active = threading.Event(), threading.Event()
    lock_path = Path(app.instance_path) / LOCK_FILE
    thread = threading.Thread(target=_take_turns, args=(worker, stop, active, lock_path), name="peermatch-mail", daemon=True)
    app.extensions[_KEY] = {"thread": thread, "stop": stop, "active": active, "worker": worker}
    thread.start()
    return thread


def _take_turns(worker: MailWorker, stop: threading.Event, active: threading.Event, lock_path: Path) -> None:
    """Wait for the instance's mail lock (released when its holder's process ends), then send."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as fh:
        while not stop.is_set():
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                stop.wait(worker.settings.poll_seconds)
                continue
            log.info("mail worker thread sending (%s)", type(worker.transport).__name__)
            active.set()
            try:
                worker.run(stop)
            finally:
                active.clear()
                fcntl.flock(fh, fcntl.LOCK_UN)
            return
    worker.transport.close()


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
