"""Cohort runs: create, list, load with an access check, versions (ETags), the time-limit rule.

A run is created ``queued`` and handed to the bounded job pool (:mod:`.cohort_jobs`).
Every later edit (:mod:`.cohort_edits`) must name the run's current ``version`` (the
ETag, sent as ``If-Match`` or in the body); the stored version is compared and bumped in
one ``UPDATE ... WHERE version = ?`` (:func:`save_grouping`), so of two clients editing
the same run from the same version exactly one wins and the other gets 409.

A finished run stores a :class:`matcher.cohorts.Grouping` (``Grouping.to_dict()``, teacher
ids and rules only) in ``result``; :mod:`.cohort_review` explains it on read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from flask import Flask, current_app

from matcher.cohorts import Grouping
from matcher.profiles.phrases import count_phrase

from .. import db
from ..auth import Identity
from ..models import CohortRun, Teacher, utcnow
from ..problems import Problem
from . import jobs
from .common_slot import resolve_common_slot

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .common import Page

__all__ = [
    "cohort_time_limit",
    "create_run",
    "get_run_for",
    "list_runs",
    "etag",
    "check_version",
    "save_grouping",
    "check_ids",
    "GRACE_SECONDS",
    "QUEUED_LIMIT_SECONDS",
]


# ---- the time limit ---------------------------------------------------------------------


def cohort_time_limit(app_or_config: Flask | Mapping[str, Any], requested: float | None) -> float:
    """The time limit of a cohort run or repair: the default when none is asked for, else
    the requested one if it is more than 0 and at most ``PEERMATCH_COHORT_MAX_SECONDS``.

    One rule for every caller (create, repair; API and pages): a limit out of range is
    refused, never clamped.

    >>> cohort_time_limit({"PEERMATCH_COHORT_DEFAULT_SECONDS": 10, "PEERMATCH_COHORT_MAX_SECONDS": 300}, None)
    10.0
    >>> cohort_time_limit({"PEERMATCH_COHORT_DEFAULT_SECONDS": 10, "PEERMATCH_COHORT_MAX_SECONDS": 300}, 301)
    Traceback (most recent call last):
    ...
    service.problems.Problem: 422 Unprocessable Content: seconds must be more than 0 and at most 300 (got 301)

    Raises
    ------
    Problem
        422 naming the field ``seconds`` and the allowed range.
    """
    config = app_or_config.config if isinstance(app_or_config, Flask) else app_or_config
    limit = float(config["PEERMATCH_COHORT_MAX_SECONDS"])
    if requested is None:
        return float(min(config["PEERMATCH_COHORT_DEFAULT_SECONDS"], limit))
    value = float(requested)
    if not (math.isfinite(value) and 0 < value <= limit):
        message = f"must be more than 0 and at most {limit:g}"
        raise Problem(422, f"seconds {message} (got {requested:g})", errors=[{"row": None, "field": "seconds", "value": f"{requested:g}", "message": message, "suggestion": None}])
    return value


# ---- access -----------------------------------------------------------------------------


def etag(run: CohortRun) -> str:
    """The run's ETag (its id and version)."""
    return f'"run-{run.id}-v{run.version}"'


def get_run_for(identity: Identity, run_id: int, *, export: bool = False) -> CohortRun:
    """Load a run and check access: coordinators of its programme (analysts may export).

    Raises
    ------
    Problem
        404 unknown run or another programme's (the same answer), 403 a role without access.
    """
    run = db.session().get(CohortRun, run_id)
    if run is None or run.programme_id != identity.programme_id:
        raise Problem(404, f"There is no cohort run {run_id}.")
    _expire_if_abandoned(run)
    if identity.is_coordinator or (export and identity.is_analyst):
        return run
    if identity.is_analyst:
        raise Problem(403, "Analysts get the pseudonymised CSV export of a run only.")
    raise Problem(403, "Only coordinators manage cohort runs.")


# A run still "running" this long after it started (or "queued" this long after it was
# created) was abandoned by a worker process that stopped; say so instead of spinning.
GRACE_SECONDS = 120
QUEUED_LIMIT_SECONDS = 3600


def _expire_if_abandoned(run: CohortRun) -> None:
    now = utcnow()
    beat = run.heartbeat_at
    if beat is not None and (now - beat).total_seconds() <= current_app.config["PEERMATCH_RUN_STALE_SECONDS"]:
        return  # a live process holds it (run_recovery refreshes the heartbeat): slow, not abandoned
    if run.status == "running" and run.started_at is not None:
        limit = float(run.params.get("seconds") or 0) * 3 + GRACE_SECONDS
        stale = (now - run.started_at).total_seconds() > limit
    elif run.status == "queued":
        stale = (now - run.created_at).total_seconds() > QUEUED_LIMIT_SECONDS
    else:
        return
    if stale:
        run.status, run.finished_at, run.version = "failed", now, run.version + 1
        run.error = {"status": 500, "title": "Interrupted", "detail": "The worker running this job stopped; start a new run.", "errors": []}


def list_runs(identity: Identity, *, page: int, per_page: int) -> Page:
    """The programme's runs, newest first."""
    from .common import paginate

    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators manage cohort runs.")
    query = sa.select(CohortRun).where(CohortRun.programme_id == identity.programme_id).order_by(CohortRun.id.desc())
    result = paginate(db.session(), query, page, per_page)
    for run in result.items:
        _expire_if_abandoned(run)
    return result


# ---- creating ---------------------------------------------------------------------------


def check_ids(s: Session, programme_id: int, ids: Sequence[str], field: str) -> None:
    """422 naming every id in ``ids`` that is not a teacher of the programme."""
    if not ids:
        return
    known = set(s.execute(sa.select(Teacher.id).where(Teacher.programme_id == programme_id, Teacher.id.in_(list(ids)))).scalars())
    unknown = [t for t in ids if t not in known]
    if unknown:
        raise Problem(
            422,
            f"{count_phrase(len(unknown), 'teacher id')} in {field} {'is' if len(unknown) == 1 else 'are'} not in your programme.",
            errors=[{"row": None, "field": field, "value": t, "message": "unknown teacher id", "suggestion": None} for t in unknown[:50]],
        )


def _check_subset(params: Mapping[str, Any]) -> None:
    """422 for a teacher listed twice in ``teacher_ids``, or a keep-apart / keep-together id
    outside them: the run would fail later with a message that does not say why."""
    chosen = params.get("teacher_ids")
    if not chosen:
        return
    seen: set[str] = set()
    twice: dict[str, None] = {}
    for t in chosen:
        if t in seen:
            twice[t] = None
        seen.add(t)
    errors = [{"row": None, "field": "teacher_ids", "value": t, "message": "is listed twice", "suggestion": None} for t in twice]
    for field in ("keep_apart", "keep_together"):
        outside = dict.fromkeys(t for grp in params.get(field) or [] for t in grp if t not in seen)
        errors += [{"row": None, "field": field, "value": t, "message": "is not among teacher_ids", "suggestion": None} for t in outside]
    if errors:
        raise Problem(422, f"{count_phrase(len(errors), 'problem')} with teacher_ids; nothing was queued.", errors=errors[:50])


def create_run(identity: Identity, params: Mapping[str, Any]) -> CohortRun:
    """Queue a cohort run for the coordinator's programme.

    The run is committed in its own transaction before it is handed to a worker, so the
    worker (and any other process answering ``GET``) can see it at once.

    Raises
    ------
    Problem
        403 for non-coordinators, 422 for unknown teacher ids or a time limit out of range
        (:func:`cohort_time_limit`), 503 when the job queue is full.
    """
    from .cohort_jobs import execute_run

    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators generate cohorts.")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's target
    s = db.session()
    params = dict(params)
    params["seconds"] = cohort_time_limit(app, params.get("seconds"))
    if params.get("round_id") is None:
        params.pop("round_id", None)
    else:  # a round's run: opted-in teachers, earlier groupmates kept apart (services/rounds.py)
        from .rounds import round_params

        params = round_params(s, identity, params)
        from .learned_weights import weights_dict, weights_for_round

        weights, proposal_id = weights_for_round(s, identity.programme_id, int(params["round_id"]))
        params["weights"], params["weights_proposal_id"] = weights_dict(weights), proposal_id  # accepted learned weights, else the defaults
    params = resolve_common_slot(s, identity.programme_id, params)  # asked for, or the default and why
    for field in ("keep_apart", "keep_together"):
        check_ids(s, identity.programme_id, [t for grp in params.get(field) or [] for t in grp], field)
    check_ids(s, identity.programme_id, params.get("teacher_ids") or [], "teacher_ids")
    _check_subset(params)
    jobs.check_room(app, identity.programme_id)  # 503 when the queue, or this programme's share of it, is full
    with db.new_session(app) as own:
        run = CohortRun(programme_id=identity.programme_id, status="queued", params=params, created_by=identity.user_id, round_id=params.get("round_id"))
        own.add(run)
        own.flush()
        run_id = run.id
    try:
        jobs.submit(app, execute_run, run_id, key=identity.programme_id, tag=run_id)
    except Problem:
        with db.new_session(app) as own:
            own.execute(sa.update(CohortRun).where(CohortRun.id == run_id).values(status="failed", error={"status": 503, "detail": "the job queue was full"}))
        raise
    return s.get_one(CohortRun, run_id)


# ---- versions ---------------------------------------------------------------------------


def check_version(run: CohortRun, if_match: str | None, version: int | None) -> int:
    """The version the client edits from (``If-Match`` ETag or ``version`` in the body).

    Raises
    ------
    Problem
        428 when neither is given, 409 when it is not the current version.
    """
    expected = None
    if if_match:
        for tag in (t.strip() for t in if_match.split(",")):
            if tag == "*":
                expected = run.version
            elif tag.removeprefix("W/") == etag(run):
                expected = run.version
        if expected is None:
            raise Problem(409, f"The run has changed since you loaded it (now {etag(run)}); reload it and redo your change.", headers={"ETag": etag(run)})
    elif version is not None:
        expected = version
    else:
        raise Problem(428, "Send If-Match with the run's ETag (or 'version' in the body), so that concurrent edits cannot overwrite each other.")
    if expected != run.version:
        raise Problem(409, f"The run has changed since you loaded it (version {run.version}, you sent {expected}); reload it and redo your change.", headers={"ETag": etag(run)})
    return expected


def save_grouping(run: CohortRun, expected: int, grouping: Grouping) -> CohortRun:
    """Compare-and-swap the stored grouping: only if nobody saved since ``expected``."""
    s = db.session()
    stmt = sa.update(CohortRun).where(CohortRun.id == run.id, CohortRun.version == expected).values(result=grouping.to_dict(), version=expected + 1)
    # an UPDATE answers a CursorResult (Session.execute is typed for the general Result)
    done = cast("sa.CursorResult[Any]", s.execute(stmt)).rowcount
    if done != 1:
        raise Problem(409, "Someone else changed this run at the same time; reload it and redo your change.")
    s.expire(run)
    return s.get_one(CohortRun, run.id)
