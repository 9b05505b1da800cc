"""Jobs the mail worker runs every few minutes between sending passes (e.g. check-in requests).

A :class:`PeriodicJob` is a name, an interval and a function of "now"; :class:`Periodic`
runs each when it is due (the first time at once) and logs, never raises, a job's failure, so
a broken job cannot stop mail from going out. Jobs must be idempotent (queue messages with
an idempotency key): several workers may run the same job, and a restart runs it again.

:func:`jobs_for` lists the app's jobs; a new periodic job is one more entry there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..logsafe import log_exception
from ..models import utcnow

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["PeriodicJob", "Periodic", "jobs_for", "check_in_requests_job"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    """``run(now)`` every ``every_seconds`` (0 or less: never)."""

    name: str
    every_seconds: float
    run: Callable[[datetime], object]


class Periodic:
    """Runs the jobs that are due; a job's next run is ``every_seconds`` after its last start.

    >>> calls = []
    >>> now = [datetime(2026, 12, 1)]
    >>> p = Periodic([PeriodicJob("tick", 60, calls.append)], clock=lambda: now[0])
    >>> p.run_due(); p.run_due(); now[0] += timedelta(seconds=60); p.run_due()
    ['tick']
    []
    ['tick']
    >>> len(calls)
    2
    """

    def __init__(self, jobs: Iterable[PeriodicJob], clock: Callable[[], datetime] = utcnow) -> None:
        self.jobs = tuple(j for j in jobs if j.every_seconds > 0)
        self.clock = clock
        self._next: dict[str, datetime] = {}

    def run_due(self) -> list[str]:
        """Run every due job once; returns the names of those that ran."""
        ran = []
        for job in self.jobs:
            now = self.clock()
            due = self._next.get(job.name)
            if due is not None and now < due:
                continue
            self._next[job.name] = now + timedelta(seconds=job.every_seconds)
            try:
                job.run(now)
            except Exception as exc:  # keep the worker sending; the job runs again next time
                log_exception(log, "periodic job %s failed", job.name, exc=exc)
            ran.append(job.name)
        return ran


def check_in_requests_job(app: Flask) -> PeriodicJob:
    """Queue due check-in requests (:func:`service.services.check_in_requests.enqueue_due_check_ins`)
    every ``PEERMATCH_CHECK_IN_MAIL_SECONDS``, in a transaction of its own."""

    def run(now: datetime) -> int:
        from .. import db
        from ..services.check_in_requests import enqueue_due_check_ins

        with app.app_context(), db.new_session(app) as s:
            written = enqueue_due_check_ins(s, now)
        if written:
            log.info("queued %s check-in requests", written)
        return written

    return PeriodicJob("check-in requests", float(app.config["PEERMATCH_CHECK_IN_MAIL_SECONDS"]), run)


def jobs_for(app: Flask) -> list[PeriodicJob]:
    """The periodic jobs of ``app``'s mail worker."""
    from ..services.digest import periodic_job as health_digest_job

    return [check_in_requests_job(app), health_digest_job(app)]
