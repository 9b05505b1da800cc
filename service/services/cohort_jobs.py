"""Running a cohort run in the job pool: solve, report progress, store the grouping or the failure.

A worker thread (:mod:`.jobs`) calls :func:`matcher.cohorts.form_groups` with the run's
constraints and time limit and stores the :class:`matcher.cohorts.Grouping` of the result
(``done``) or the reason it could not (``failed``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from matcher.affinity.terms import AffinityWeights
from matcher.cohorts import Grouping, form_groups
from matcher.cohorts.defaults import DEFAULTS as COHORT_DEFAULTS
from matcher.cohorts.search import SearchState
from matcher.errors import MatcherError
from matcher.profiles.teacher import Cohort

from .. import db
from ..logsafe import log_exception
from ..models import CohortRun, Programme, Teacher, utcnow
from ..problems import _from_matcher
from . import run_recovery
from .cohort_review import keep_apart_pairs
from .common import programme_versions, pseudonym
from .teachers import programme_cohort

__all__ = ["execute_run", "PROGRESS_EVERY_SECONDS"]

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5


def _problem_dict(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, MatcherError):
        p = _from_matcher(exc)
        return {"status": p.status, "title": p.title, "detail": p.detail, "errors": p.errors}
    return {"status": 500, "title": "Internal Server Error", "detail": "The run failed on our side; it has been logged.", "errors": []}


def execute_run(app: Flask, run_id: int) -> None:
    """The background job: solve the run's problem and store the grouping or the failure."""
    with app.app_context():
        with db.new_session(app) as s:
            run = run_recovery.claim(s, run_id)  # atomically queued -> running, with a heartbeat
            if run is None:
                return
            programme_id, params, started = run.programme_id, dict(run.params), run.started_at
        try:
            with db.new_session(app) as s:
                profiles_version, _ = programme_versions(s, programme_id)
                cohort = programme_cohort(s, programme_id, profiles_version)
            if params.get("teacher_ids"):
                cohort = cohort.subset(params["teacher_ids"])
            grouping = _solve(cohort, params, progress=_progress_reporter(app, run_id))
        except Exception as exc:  # recorded for the coordinator, logged for us
            if not isinstance(exc, MatcherError):
                log_exception(log, "cohort run %s failed", run_id, exc=exc)
            with db.new_session(app) as s:
                s.execute(
                    sa.update(CohortRun)
                    .where(run_recovery.still_mine(run_id, started))  # not if handed back or taken over meanwhile
                    .values(status="failed", error=_problem_dict(exc), finished_at=utcnow(), version=CohortRun.version + 1)
                )
            return
        with db.new_session(app) as s:
            # Teachers erased while the run was solving must not come back through its result.
            # Take the locks an erasure takes first (the database's write lock on SQLite, the
            # programme's row on PostgreSQL), so that an erasure either finished before this
            # check or starts after the result is stored (and then erases them from it itself).
            s.execute(sa.update(CohortRun).where(CohortRun.id == run_id).values(progress=CohortRun.progress))
            s.execute(sa.select(Programme.id).where(Programme.id == programme_id).with_for_update())
            grouping = _without_erased(s, programme_id, grouping)
            s.execute(
                sa.update(CohortRun)
                .where(run_recovery.still_mine(run_id, started))
                .values(status="done", result=grouping.to_dict(), progress=1.0, finished_at=utcnow(), version=CohortRun.version + 1)
            )


def _without_erased(s: Session, programme_id: int, grouping: Grouping) -> Grouping:
    """``grouping`` with every member who is no longer a teacher of the programme erased."""
    ids = [*grouping.teacher_ids, *grouping.unplaced, *(t for p in grouping.keep_apart for t in p), *(t for k in grouping.keep_together for t in k)]
    present = set(s.execute(sa.select(Teacher.id).where(Teacher.programme_id == programme_id, Teacher.id.in_(sorted(set(ids))))).scalars())
    for teacher_id in sorted(set(ids) - present):
        grouping = grouping.erase(teacher_id, pseudonym(teacher_id))
    return grouping


Progress = Callable[[float, "SearchState | None"], None]


def _progress_reporter(app: Flask, run_id: int) -> Progress:
    """A ``progress(fraction, state)`` callback that stores the fraction, at most twice a second."""
    last = [0.0]

    def report(fraction: float, _state: SearchState | None = None) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_SECONDS:
            return
        last[0] = now
        try:
            with db.new_session(app) as s:
                s.execute(
                    sa.update(CohortRun).where(CohortRun.id == run_id, CohortRun.status == "running").values(progress=round(min(max(float(fraction), 0.0), 0.999), 3))
                )
        except sa.exc.OperationalError:
            pass  # progress is a courtesy; a busy database must not stop the run

    return report


def _solve(cohort: Cohort, params: Mapping[str, Any], progress: Progress | None = None) -> Grouping:
    """Run :func:`matcher.cohorts.form_groups` and return the record to store."""
    size = (params["size_min"], params["size_max"])
    keep_apart = keep_apart_pairs(params.get("keep_apart"))
    keep_together = [tuple(x) for x in params.get("keep_together") or []]
    weights = AffinityWeights(**params["weights"]) if params.get("weights") else None  # a round's accepted learned weights
    result = form_groups(
        cohort,
        progress=progress,
        size=size,
        seconds=params["seconds"],
        seed=params.get("seed", 0),
        fairness=params.get("fairness", COHORT_DEFAULTS.fairness),
        coverage=params.get("coverage", COHORT_DEFAULTS.coverage),
        keep_apart=keep_apart,
        keep_together=keep_together,
        weights=weights,
        common_slot=bool(params.get("common_slot", False)),
        discourage=keep_apart_pairs(params.get("discourage")),  # a round's earlier groupmates rotation cannot keep apart
    )
    return Grouping.from_result(result, size=size, keep_apart=keep_apart, keep_together=keep_together, weights=weights)
