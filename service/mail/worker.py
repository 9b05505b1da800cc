"""The worker that sends the outbox: claim with a lease, send, mark; retry with back-off.

A message is claimed by one conditional ``UPDATE`` (it works the same on SQLite and
PostgreSQL)::

    UPDATE outbox_messages SET status='sending', lease_until=:until, lease_owner=:me, attempts=attempts+1
    WHERE id=:id AND ((status='queued' AND next_attempt_at<=:now)
                      OR (status='sending' AND lease_until<:now AND attempts<:max))

so a message held by a live worker is never taken by another, and one whose worker died
is taken again once its lease has run out. The row is marked ``sent`` straight after the
server's 250 reply to DATA. What remains is a short window: a worker that dies after the
server has the whole message but before ``sent`` is committed leaves it to be sent once
more when the lease expires; the Message-ID, derived from the idempotency key, is the
same both times, so the receiving side can drop the repeat.

Every statement runs in its own short transaction whose first statement is the write (on
SQLite a read that later writes can fail at once when another process wrote meanwhile).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from ..logsafe import log_exception
from ..models import MailPreference, OutboxMessage, utcnow
from .transport import OutgoingMail, SendError, Transport

__all__ = ["WorkerSettings", "WorkerReport", "MailWorker", "backoff_seconds", "PAUSED"]

log = logging.getLogger(__name__)
PAUSED = "not sent: the recipient paused e-mail from this programme"
_LEASE_LOST = "the worker stopped during its last attempt (its lease ran out)"
T = cast(sa.Table, OutboxMessage.__table__)


@dataclass(frozen=True)
class WorkerSettings:
    """How the worker paces itself (``PEERMATCH_MAIL_*`` settings)."""

    lease_seconds: float = 120.0
    max_attempts: int = 8
    retry_seconds: float = 60.0
    retry_max_seconds: float = 3600.0
    poll_seconds: float = 5.0
    batch: int = 50

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides: Any) -> WorkerSettings:
        values: dict[str, Any] = {
            "lease_seconds": float(config["PEERMATCH_MAIL_LEASE_SECONDS"]),
            "max_attempts": int(config["PEERMATCH_MAIL_MAX_ATTEMPTS"]),
            "retry_seconds": float(config["PEERMATCH_MAIL_RETRY_SECONDS"]),
            "retry_max_seconds": float(config["PEERMATCH_MAIL_RETRY_MAX_SECONDS"]),
            "poll_seconds": float(config["PEERMATCH_MAIL_POLL_SECONDS"]),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass(frozen=True)
class WorkerReport:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed

    def __add__(self, other: WorkerReport) -> WorkerReport:
        return WorkerReport(self.sent + other.sent, self.retried + other.retried, self.failed + other.failed)


def backoff_seconds(attempt: int, settings: WorkerSettings, rng: random.Random) -> float:
    """The wait after failed attempt number ``attempt`` (1-based): doubling, capped, ±20 % jitter.

    >>> s = WorkerSettings(retry_seconds=60, retry_max_seconds=600)
    >>> [round(backoff_seconds(n, s, random.Random(1)) / 60, 1) for n in (1, 2, 3, 4, 5, 6)]
    [0.9, 1.7, 3.4, 6.8, 8.5, 8.5]
    """
    delay = min(settings.retry_seconds * 2.0 ** (attempt - 1), settings.retry_max_seconds)
    return delay * rng.uniform(0.8, 1.2)


def _retrying(fn: Callable[[], Any], tries: int = 6) -> Any:
    """Run a write, waiting and trying again while the database is busy."""
    for n in range(tries):
        try:
            return fn()
        except OperationalError:
            if n == tries - 1:
                raise
            log.warning("database busy; trying again", exc_info=True)
            time.sleep(0.25 * 2**n)
    return None


class MailWorker:
    """Sends due messages through ``transport``; one worker per thread or process.

    Parameters
    ----------
    engine
        The database.
    transport
        :class:`~service.mail.transport.SMTPTransport` or ``FileTransport``.
    sender
        The From address (``PEERMATCH_MAIL_FROM``).
    clock
        Returns "now" (tests pass a fake one to step through back-off).
    """

    def __init__(
        self,
        engine: Engine,
        transport: Transport,
        *,
        sender: str,
        settings: WorkerSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        periodic: Sequence[Callable[[], object]] = (),
    ):
        self.engine = engine
        self.transport = transport
        self.sender = sender
        self.settings = settings or WorkerSettings()
        self.clock = clock
        self.rng = rng or random.Random()
        self.owner = uuid.uuid4().hex
        # Jobs run between passes of run() (each throttles itself), e.g. the health digest.
        self.periodic = tuple(periodic)

    # -- the steps ----------------------------------------------------------------------

    def expire_dead_leases(self) -> int:
        """Mark ``failed`` the messages whose worker died during their last allowed attempt."""
        now = self.clock()
        stmt = (
            sa.update(T)
            .where(T.c.status == "sending", T.c.lease_until < now, T.c.attempts >= self.settings.max_attempts)
            .values(status="failed", last_error=_LEASE_LOST, lease_until=None, lease_owner=None)
        )
        with self.engine.begin() as conn:
            return conn.execute(stmt).rowcount

    def due(self, limit: int) -> list[int]:
        """Ids of messages that may be claimed now, oldest due first."""
        now = self.clock()
        stmt = (
            sa.select(T.c.id)
            .where(self._claimable(now))
            .order_by(T.c.next_attempt_at, T.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def _claimable(self, now: datetime) -> sa.ColumnElement[bool]:
        return sa.or_(
            sa.and_(T.c.status == "queued", T.c.next_attempt_at <= now),
            sa.and_(T.c.status == "sending", T.c.lease_until < now, T.c.attempts < self.settings.max_attempts),
        )

    def claim(self, message_id: int) -> bool:
        """Take the lease on one message; ``False`` when it is not (or no longer) due."""
        now = self.clock()
        stmt = (
            sa.update(T)
            .where(T.c.id == message_id, self._claimable(now))
            .values(
                status="sending",
                lease_until=now + timedelta(seconds=self.settings.lease_seconds),
                lease_owner=self.owner,
                attempts=T.c.attempts + 1,
            )
        )

        def run() -> bool:
            with self.engine.begin() as conn:
                return conn.execute(stmt).rowcount == 1

        return bool(_retrying(run))

    def _load(self, message_id: int) -> tuple[OutgoingMail, int, bool]:
        stmt = (
            sa.select(T, sa.func.coalesce(MailPreference.mail_paused, False).label("paused"))
            .select_from(T.outerjoin(MailPreference, sa.and_(MailPreference.programme_id == T.c.programme_id, MailPreference.teacher_id == T.c.teacher_id)))
            .where(T.c.id == message_id)
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).one()
        mail = OutgoingMail(
            key=row.idempotency_key,
            message_id=row.message_id,
            sender=self.sender,
            to=row.to_address,
            subject=row.subject,
            text=row.body_text,
            html=row.body_html,
            headers=dict(row.headers or {}),
        )
        return mail, row.attempts, bool(row.paused)

    def _finish(self, message_id: int, values: dict[str, Any], *, mine_only: bool) -> None:
        stmt = sa.update(T).where(T.c.id == message_id)
        if mine_only:
            stmt = stmt.where(T.c.status == "sending", T.c.lease_owner == self.owner)
        stmt = stmt.values(lease_until=None, lease_owner=None, **values)

        def run() -> None:
            with self.engine.begin() as conn:
                conn.execute(stmt)

        _retrying(run)

    def process(self, message_id: int) -> str | None:
        """Claim, send and mark one message: ``"sent"``, ``"retry"``, ``"failed"`` or ``None`` (not claimed)."""
        if not self.claim(message_id):
            return None
        mail, attempts, paused = self._load(message_id)
        if paused:
            self._finish(message_id, {"status": "failed", "last_error": PAUSED}, mine_only=True)
            return "failed"
        try:
            self.transport.send(mail)
        except SendError as exc:
            return self._failed_attempt(message_id, attempts, str(exc), permanent=exc.permanent)
        except Exception as exc:  # a bug or an unexpected library error: keep the worker alive
            log_exception(log, "sending message %s failed unexpectedly", message_id, exc=exc)  # its text may name the recipient
            return self._failed_attempt(message_id, attempts, f"{type(exc).__name__}: {exc}", permanent=False)
        # The server has it: record that at once (this is the window the module docstring names).
        self._finish(message_id, {"status": "sent", "sent_at": self.clock(), "last_error": None}, mine_only=False)
        return "sent"

    def _failed_attempt(self, message_id: int, attempts: int, error: str, *, permanent: bool) -> str:
        error = error[:2000]
        if permanent or attempts >= self.settings.max_attempts:
            # The error stays on the row for the coordinator; the log gets no text of it
            # (an SMTP refusal quotes the recipient's address).
            log.warning("message %s failed for good after %s attempts", message_id, attempts)
            self._finish(message_id, {"status": "failed", "last_error": error}, mine_only=True)
            return "failed"
        wait = backoff_seconds(attempts, self.settings, self.rng)
        log.info("message %s: attempt %s failed; next in %.0f s", message_id, attempts, wait)
        self._finish(message_id, {"status": "queued", "last_error": error, "next_attempt_at": self.clock() + timedelta(seconds=wait)}, mine_only=True)
        return "retry"

    # -- loops --------------------------------------------------------------------------

    def run_once(self, batch: int | None = None, stop: threading.Event | None = None) -> WorkerReport:
        """Send what is due now, up to ``batch`` messages; stops between messages when ``stop`` is set."""
        self.expire_dead_leases()
        counts = {"sent": 0, "retry": 0, "failed": 0}
        budget = batch or self.settings.batch
        # Oldest first. Workers side by side read the same oldest rows: when another worker
        # took one first, look again (a cheap read) rather than trying its neighbours too.
        for _ in range(2 * budget):
            if budget <= 0 or (stop is not None and stop.is_set()):
                break
            ids = self.due(budget)
            if not ids:
                break
            for message_id in ids:
                if stop is not None and stop.is_set():
                    break
                outcome = self.process(message_id)
                if outcome is None:
                    break
                counts[outcome] += 1
                budget -= 1
        return WorkerReport(sent=counts["sent"], retried=counts["retry"], failed=counts["failed"])

    def run_periodic(self) -> None:
        """Run the periodic jobs once; a failing job is logged and tried again next pass."""
        for job in self.periodic:
            try:
                job()
            except Exception:
                log.exception("periodic job %r failed", job)

    def drain(self, batch: int | None = None, stop: threading.Event | None = None) -> WorkerReport:
        """Pass after pass until nothing is due (``peermatch mail send --once``)."""
        total = WorkerReport()
        while not (stop is not None and stop.is_set()):
            report = self.run_once(batch, stop)
            total += report
            if report.handled == 0:
                break
        return total

    def run(self, stop: threading.Event, batch: int | None = None) -> WorkerReport:
        """Poll until ``stop`` is set; the message being sent when it is set is finished first."""
        total = WorkerReport()
        try:
            while not stop.is_set():
                try:
                    report = self.run_once(batch, stop)
                except Exception:  # the database may be away for a while: keep polling
                    log.exception("mail worker pass failed; trying again in %.0f s", self.settings.poll_seconds)
                    report = WorkerReport()
                total += report
                self.run_periodic()
                if report.handled == 0:
                    stop.wait(self.settings.poll_seconds)
        finally:
            self.transport.close()
        return total
