"""Cohort runs survive a restart: heartbeats, recovery of orphaned runs, graceful stops.

Every process that holds runs (queued in its pool or solving) refreshes their
``heartbeat_at`` every ``PEERMATCH_HEARTBEAT_SECONDS`` from the pool's housekeeping
thread. A run whose heartbeat is older than ``PEERMATCH_RUN_STALE_SECONDS`` has lost its
process (``SIGKILL``, a crash, a restart) and the same thread, in whichever process
looks first, recovers it:

- a **queued** run is taken over and queued in this process's pool (nothing was lost);
- a **running** run is marked ``failed``: "The server restarted while this run was
  solving; run it again." It is not re-run on its own, because a run that killed its
  process (out of memory, say) would kill the next one too.

At start-up (:func:`init_app`) the pool is started whenever unfinished runs exist, so
runs orphaned by a restart are recovered without waiting for a request. On a graceful
stop (gunicorn's ``SIGTERM``; ``gunicorn.conf.py`` calls :func:`graceful_stop`), runs
still solving get until the deadline to finish; then the unfinished ones, and the queued
ones, are handed back as ``queued`` with no heartbeat, so that the next process takes
them over at once.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import orm
from sqlalchemy.exc import SQLAlchemyError

from .. import db
from ..logsafe import log_exception
from ..models import CohortRun, utcnow
from ..problems import Problem
from . import jobs

__all__ = ["RESTARTED", "claim", "still_mine", "beat", "recover", "graceful_stop", "init_app"]

log = logging.getLogger(__name__)
RESTARTED = "The server restarted while this run was solving; run it again."
_UNFINISHED = ("queued", "running")


def _updated(s: orm.Session, stmt: sa.Update) -> int:
    """Execute an ``UPDATE``; the number of rows it changed."""
    # an UPDATE answers a CursorResult (Session.execute is typed for the general Result)
    return cast("sa.CursorResult[Any]", s.execute(stmt)).rowcount or 0


def claim(s: orm.Session, run_id: int) -> CohortRun | None:
    """Mark a queued run ``running`` for this worker, atomically; ``None`` if someone else has it."""
    now = utcnow()
    done = _updated(
        s, sa.update(CohortRun).where(CohortRun.id == run_id, CohortRun.status == "queued").values(status="running", started_at=now, heartbeat_at=now)
    )
    if done != 1:
        return None
    return s.get(CohortRun, run_id, populate_existing=True)


def still_mine(run_id: int, started: datetime | None) -> sa.ColumnElement[bool]:
    """``WHERE`` the run is still running from the claim that set ``started`` (not handed back, failed or re-claimed)."""
    return sa.and_(CohortRun.id == run_id, CohortRun.status == "running", CohortRun.started_at == started)


def beat(app: Flask) -> int:
    """Refresh the heartbeat of every run this process holds; the number refreshed."""
    ids = jobs.held(app)
    if not ids:
        return 0
    with db.new_session(app) as s:
        return _updated(s, sa.update(CohortRun).where(CohortRun.id.in_(ids), CohortRun.status.in_(_UNFINISHED)).values(heartbeat_at=utcnow()))


def _stale(cutoff: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(CohortRun.heartbeat_at.is_(None), CohortRun.heartbeat_at < cutoff)


def recover(app: Flask) -> tuple[int, int]:
    """Fail the running runs and re-queue the queued runs whose process is gone.

    Returns ``(failed, requeued)``. Runs this process holds are never touched.
    """
    from .cohort_jobs import execute_run  # cohort_jobs imports this module; the job comes in at call time

    cutoff = utcnow() - timedelta(seconds=app.config["PEERMATCH_RUN_STALE_SECONDS"])
    mine = set(jobs.held(app))
    with db.new_session(app) as s:
        rows = s.execute(
            sa.select(CohortRun.id, CohortRun.status, CohortRun.programme_id).where(CohortRun.status.in_(_UNFINISHED), _stale(cutoff))
        ).all()
    failed = requeued = 0
    for run_id, status, programme_id in rows:
        if run_id in mine:
            continue
        with db.new_session(app) as s:
            stale = sa.and_(CohortRun.id == run_id, CohortRun.status == status, _stale(cutoff))
            if status == "running":
                error = {"status": 500, "title": "Interrupted", "detail": RESTARTED, "errors": []}
                failed += _updated(
                    s, sa.update(CohortRun).where(stale).values(status="failed", error=error, finished_at=utcnow(), version=CohortRun.version + 1)
                )
                continue
            if _updated(s, sa.update(CohortRun).where(stale).values(heartbeat_at=utcnow())) != 1:
                continue  # another process took it over first
        try:
            jobs.submit(app, execute_run, run_id, key=programme_id, tag=run_id)
            requeued += 1
        except Problem:  # this pool is full: hand it back for the next look
            with db.new_session(app) as s:
                s.execute(sa.update(CohortRun).where(CohortRun.id == run_id, CohortRun.status == "queued").values(heartbeat_at=None))
    if failed or requeued:
        log.warning("recovered cohort runs of a stopped process: %d failed, %d queued again", failed, requeued)
    return failed, requeued


def _housekeeping(app: Flask) -> None:
    try:
        beat(app)
        recover(app)
    except SQLAlchemyError as exc:  # a busy or missing database: try again next time
        log_exception(log, "cohort run heartbeat failed", exc=exc, level=logging.WARNING)


def graceful_stop(app: Flask, timeout: float) -> int:
    """Let solving runs finish for up to ``timeout`` seconds, then hand back the rest as queued.

    Returns how many runs were handed back (the next process takes them over at once).
    """
    deadline = time.monotonic() + max(0.0, timeout)
    while jobs.held(app) and time.monotonic() < deadline:
        with db.new_session(app) as s:
            if not s.execute(sa.select(CohortRun.id).where(CohortRun.id.in_(jobs.held(app)), CohortRun.status == "running")).first():
                break  # only queued ones left: they can move now
        time.sleep(0.1)
    ids = jobs.held(app)
    if not ids:
        return 0
    with db.new_session(app) as s:
        handed = _updated(
            s,
            sa.update(CohortRun)
            .where(CohortRun.id.in_(ids), CohortRun.status.in_(_UNFINISHED))
            .values(status="queued", started_at=None, progress=0.0, heartbeat_at=None, version=CohortRun.version + 1),
        )
    log.warning("stopping: %d cohort run(s) handed back to the queue", handed)
    jobs.shutdown(app, wait=False)
    return handed


def init_app(app: Flask) -> None:
    """Register the heartbeat; start the pool now if unfinished runs wait in the database."""
    jobs.every(app, app.config["PEERMATCH_HEARTBEAT_SECONDS"], _housekeeping)
    try:
        with db.new_session(app) as s:
            waiting = s.execute(sa.select(CohortRun.id).where(CohortRun.status.in_(_UNFINISHED)).limit(1)).first()
    except SQLAlchemyError:  # not migrated yet (the CLI upgrades it): nothing to recover
        return
    if waiting:
        jobs.ensure_pool(app)
