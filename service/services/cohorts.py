"""Cohort runs: generate peer groups in the background, then review, adjust and export them.

A run is created ``queued`` and handed to the bounded job pool (:mod:`.jobs`); a worker
thread calls ``matcher.cohorts`` with the run's constraints and time limit and stores the
result (``done``) or the reason it could not (``failed``). Every later edit (approve a
group, move a member, repair after drop-outs) must name the run's current ``version``
(the ETag, sent as ``If-Match`` or in the body); the stored version is compared and
bumped in one ``UPDATE ... WHERE version = ?``, so of two clients editing the same run
from the same version exactly one wins and the other gets 409.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from matcher.errors import MatcherError

from .. import db
from ..auth import Identity
from ..models import CohortRun, Programme, School, Teacher, utcnow
from ..problems import Problem, _from_matcher
from . import jobs
from .common import Page, paginate, programme_versions, pseudonym
from .teachers import programme_cohort

__all__ = [
    "create_run",
    "get_run_for",
    "list_runs",
    "etag",
    "check_version",
    "set_approval",
    "move",
    "repair",
    "lost_members",
    "group_numbers",
    "export_csv",
    "execute_run",
]

log = logging.getLogger(__name__)


def etag(run: CohortRun) -> str:
    """The run's ETag (its id and version)."""
    return f'"run-{run.id}-v{run.version}"'


# ---- access -----------------------------------------------------------------------------


def get_run_for(identity: Identity, run_id: int, *, export: bool = False) -> CohortRun:
    """Load a run and check access: coordinators of its programme (analysts may export).

    Raises
    ------
    Problem
        404 unknown run, 403 another programme's run or a role without access.
    """
    run = db.session().get(CohortRun, run_id)
    if run is None:
        raise Problem(404, f"There is no cohort run {run_id}.")
    _expire_if_abandoned(run)
    if identity.is_coordinator or (export and identity.is_analyst):
        if run.programme_id == identity.programme_id:
            return run
        raise Problem(403, f"Cohort run {run_id} belongs to another programme.")
    if identity.is_analyst:
        raise Problem(403, "Analysts get the pseudonymised CSV export of a run only.")
    raise Problem(403, "Only coordinators manage cohort runs.")


# A run still "running" this long after it started (or "queued" this long after it was
# created) was abandoned by a worker process that stopped; say so instead of spinning.
GRACE_SECONDS = 120
QUEUED_LIMIT_SECONDS = 3600


def _expire_if_abandoned(run: CohortRun) -> None:
    now = utcnow()
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
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators manage cohort runs.")
    query = sa.select(CohortRun).where(CohortRun.programme_id == identity.programme_id).order_by(CohortRun.id.desc())
    result = paginate(db.session(), query, page, per_page)
    for run in result.items:
        _expire_if_abandoned(run)
    return result


# ---- creating and running ---------------------------------------------------------------


def _check_ids(s, programme_id: int, ids: Sequence[str], field: str) -> None:
    if not ids:
        return
    known = set(s.execute(sa.select(Teacher.id).where(Teacher.programme_id == programme_id, Teacher.id.in_(list(ids)))).scalars())
    unknown = [t for t in ids if t not in known]
    if unknown:
        raise Problem(
            422,
            f"{len(unknown)} teacher id(s) in {field} are not in your programme.",
            errors=[{"row": None, "field": field, "value": t, "message": "unknown teacher id", "suggestion": None} for t in unknown[:50]],
        )


def create_run(identity: Identity, params: Mapping[str, Any]) -> CohortRun:
    """Queue a cohort run for the coordinator's programme.

    The run is committed in its own transaction before it is handed to a worker, so the
    worker (and any other process answering ``GET``) can see it at once.

    Raises
    ------
    Problem
        403 for non-coordinators, 422 for unknown teacher ids or a time limit over the
        maximum, 503 when the job queue is full.
    """
    if not identity.is_coordinator:
        raise Problem(403, "Only coordinators generate cohorts.")
    app: Flask = current_app._get_current_object()
    s = db.session()
    limit = app.config["PEERMATCH_COHORT_MAX_SECONDS"]
    params = dict(params)
    if params.get("seconds") is None:
        params["seconds"] = app.config["PEERMATCH_COHORT_DEFAULT_SECONDS"]
    if params["seconds"] > limit:
        raise Problem(422, f"seconds must be at most {limit}", errors=[{"field": "seconds", "value": str(params["seconds"]), "message": f"must be at most {limit}"}])
    for field in ("keep_apart", "keep_together"):
        _check_ids(s, identity.programme_id, [t for grp in params.get(field) or [] for t in grp], field)
    _check_ids(s, identity.programme_id, params.get("teacher_ids") or [], "teacher_ids")
    if jobs.pending(app) >= app.config["PEERMATCH_COHORT_QUEUE"]:
        raise Problem(503, "Too many cohort runs are waiting; try again in a minute.", headers={"Retry-After": "60"})
    with db.new_session(app) as own:
        run = CohortRun(programme_id=identity.programme_id, status="queued", params=params, created_by=identity.user_id)
        own.add(run)
        own.flush()
        run_id = run.id
    try:
        jobs.submit(app, execute_run, run_id)
    except Problem:
        with db.new_session(app) as own:
            own.execute(sa.update(CohortRun).where(CohortRun.id == run_id).values(status="failed", error={"status": 503, "detail": "the job queue was full"}))
        raise
    return s.get(CohortRun, run_id)


def _problem_dict(exc: Exception) -> dict:
    if isinstance(exc, MatcherError):
        p = _from_matcher(exc)
        return {"status": p.status, "title": p.title, "detail": p.detail, "errors": p.errors}
    return {"status": 500, "title": "Internal Server Error", "detail": "The run failed on our side; it has been logged.", "errors": []}


def execute_run(app: Flask, run_id: int) -> None:
    """The background job: solve the run's problem and store the result or the failure."""
    with app.app_context():
        with db.new_session(app) as s:
            run = s.get(CohortRun, run_id)
            if run is None or run.status != "queued":
                return
            run.status, run.started_at = "running", utcnow()
            programme_id, params = run.programme_id, dict(run.params)
        try:
            with db.new_session(app) as s:
                profiles_version, _ = programme_versions(s, programme_id)
                cohort = programme_cohort(s, programme_id, profiles_version)
            if params.get("teacher_ids"):
                cohort = cohort.subset(params["teacher_ids"])
            stored = _solve(cohort, params, progress=_progress_reporter(app, run_id))
        except Exception as exc:  # recorded for the coordinator, logged for us
            if not isinstance(exc, MatcherError):
                log.exception("cohort run %s failed", run_id)
            with db.new_session(app) as s:
                s.execute(
                    sa.update(CohortRun)
                    .where(CohortRun.id == run_id)
                    .values(status="failed", error=_problem_dict(exc), finished_at=utcnow(), version=CohortRun.version + 1)
                )
            return
        with db.new_session(app) as s:
            # Teachers erased while the run was solving must not come back through its result.
            # Take the locks an erasure takes first (the database's write lock on SQLite, the
            # programme's row on PostgreSQL), so that an erasure either finished before this
            # check or starts after the result is stored (and then scrubs it itself).
            s.execute(sa.update(CohortRun).where(CohortRun.id == run_id).values(progress=CohortRun.progress))
            s.execute(sa.select(Programme.id).where(Programme.id == programme_id).with_for_update())
            stored = _without_erased(s, programme_id, cohort, stored)
            s.execute(
                sa.update(CohortRun)
                .where(CohortRun.id == run_id)
                .values(status="done", result=stored, progress=1.0, finished_at=utcnow(), version=CohortRun.version + 1)
            )


def _without_erased(s, programme_id: int, cohort, stored: dict) -> dict:
    """``stored`` with every member who is no longer a teacher of the programme pseudonymised."""
    from .gdpr import scrub

    present = set(s.execute(sa.select(Teacher.id).where(Teacher.programme_id == programme_id, Teacher.id.in_(list(cohort.ids)))).scalars())
    for teacher_id in cohort.ids:
        if teacher_id not in present:
            stored = scrub(stored, teacher_id, cohort.get(teacher_id).name, pseudonym(teacher_id))
    return stored


# ---- the library adapter ----------------------------------------------------------------


def _pairs(groups) -> list[tuple[str, str]]:
    """Keep-apart lists as pairs: every two teachers of a list are kept apart."""
    return [(a, b) for group in groups or [] for i, a in enumerate(group) for b in group[i + 1 :]]


PROGRESS_EVERY_SECONDS = 0.5


def _progress_reporter(app: Flask, run_id: int):
    """A ``progress(fraction, state)`` callback that stores the fraction, at most twice a second."""
    last = [0.0]

    def report(fraction: float, _state=None) -> None:
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


def _solve(cohort, params: Mapping[str, Any], progress=None) -> dict:
    """Run ``matcher.cohorts.groups.form_groups`` and return the result as stored JSON."""
    from matcher.cohorts.defaults import DEFAULTS as COHORT_DEFAULTS
    from matcher.cohorts.groups import form_groups

    result = form_groups(
        cohort,
        progress=progress,
        size=(params["size_min"], params["size_max"]),
        seconds=params["seconds"],
        seed=params.get("seed", 0),
        fairness=params.get("fairness", COHORT_DEFAULTS.fairness),
        coverage=params.get("coverage", COHORT_DEFAULTS.coverage),
        keep_apart=_pairs(params.get("keep_apart")),
        keep_together=[tuple(x) for x in params.get("keep_together") or []],
    )
    return _to_stored(result, approved=())


def _to_stored(result, approved: Sequence[int]) -> dict:
    """The library's result as JSON, each group with its 0-based ``index`` and ``approved`` flag."""
    data = result.to_dict()
    data["violations"] = result.violations()
    approved = set(approved)
    for group in data.get("groups", []):
        group["index"] = int(group["id"]) - 1
        group["approved"] = group["locked"] = group["index"] in approved
    return data


def _approved(stored: Mapping) -> list[int]:
    return [g["index"] for g in stored.get("groups", []) if g.get("approved")]


def _current(run: CohortRun, stored: Mapping, *, stand_ins: bool = False):
    """The library's :class:`CohortResult` for the stored groups (and the affinity behind it).

    Built with ``matcher`` (``cohort_affinity``, ``build_problem``, ``describe``) for
    exactly the run's constraints. Members erased since the run (their id replaced by a
    pseudonym) are left out, and so are the constraints that name them; with
    ``stand_ins`` they are kept in their groups as placeholders instead (for
    :func:`repair`, which then drops them, so that their groups count as having lost a
    member).
    """
    import numpy as np

    from matcher.affinity.terms import AffinityOptions
    from matcher.cohorts.sparse_affinity import cohort_affinity
    from matcher.cohorts.explain import describe
    from matcher.cohorts.groups import build_problem
    from matcher.profiles.teacher import Cohort, TeacherProfile

    params = run.params
    everyone = _cohort_for(run)
    groups = stored.get("groups", [])
    where = {t: g["index"] for g in groups for t in g.get("members", []) if t in everyone.index}
    pool = everyone
    if stand_ins:
        gone = [(t, g) for g in groups for t in g.get("members", []) if t not in everyone.index]
        if gone:
            urn = next(iter(everyone.schools))
            extra = [TeacherProfile(id=t, name=t, school_urn=_school_of(everyone, g, urn), meeting_mode="online") for t, g in gone]
            pool = Cohort.from_profiles([*everyone.profiles, *extra], everyone.schools)
            where.update({t: g["index"] for t, g in gone})
    cohort = pool.subset(sorted(where, key=lambda t: (where[t], t)))
    options = AffinityOptions(keep_apart=tuple(_known_pairs(params.get("keep_apart"), cohort)))
    affinity = cohort_affinity(cohort, None, options, seed=stored.get("figures", {}).get("seed", 0))
    m = max(g["index"] for g in groups) + 1
    lo, hi = params.get("size_min", 1), params.get("size_max", max(len(cohort), 1))
    together = [k for k in (tuple(t for t in x if t in cohort.index) for x in params.get("keep_together") or []) if len(k) >= 2]
    problem = build_problem(cohort, affinity, size=(lo, hi), groups=m, keep_together=together)
    assignment = np.array([where[t] for t in cohort.ids], dtype=np.int64)
    seed = stored.get("figures", {}).get("seed", 0)
    result = describe(cohort, affinity, problem, assignment, locked=_approved(stored), seed=seed, seconds=0.0)
    return result, affinity, everyone


def _school_of(everyone, group: Mapping, default: int) -> int:
    """The school of a present member of ``group`` (a placeholder's school), else ``default``."""
    return next((everyone.get(t).school_urn for t in group.get("members", []) if t in everyone.index), default)


def _known_pairs(groups, cohort) -> list[tuple[str, str]]:
    """Keep-apart pairs whose two teachers are both in ``cohort`` (erased ones are gone)."""
    return [(a, b) for a, b in _pairs(groups) if a in cohort.index and b in cohort.index]


def _gone(run: CohortRun, stored: Mapping) -> set[str]:
    """Members of the stored groups who are no longer teachers of the programme (erased)."""
    members = {t for g in stored.get("groups", []) for t in g.get("members", [])}
    if not members:
        return set()
    present = set(
        db.session().execute(sa.select(Teacher.id).where(Teacher.programme_id == run.programme_id, Teacher.id.in_(sorted(members)))).scalars()
    )
    return members - present


def lost_members(run: CohortRun) -> list[dict]:
    """The groups of a finished run that lost members to erasure since, for the coordinator.

    Each is ``{"index", "group", "erased", "members_left", "size_min"}`` (``group`` is the
    number the pages show, ``index`` + 1). :func:`repair` refills them.
    """
    if run.status != "done" or not run.result:
        return []
    stored = _normalised(run.result)
    gone = _gone(run, stored)
    out = []
    for g in stored.get("groups", []):
        lost = [t for t in g.get("members", []) if t in gone]
        if lost:
            left = len(g.get("members", [])) - len(lost)
            out.append({"index": g["index"], "group": g["index"] + 1, "erased": len(lost), "members_left": left, "size_min": int(run.params.get("size_min", 1))})
    return out


def _keep_gone(new: dict, stored: Mapping, gone: set[str]) -> dict:
    """``new`` (after a move) with the erased members back in their groups, so the loss stays visible until a repair."""
    if not gone:
        return new
    groups = {g["index"]: g for g in new.get("groups", [])}
    for old in stored.get("groups", []):
        lost = [t for t in old.get("members", []) if t in gone]
        if not lost:
            continue
        g = groups.get(old["index"])
        if g is None:  # everyone left in the group was erased
            g = groups[old["index"]] = {**old, "members": [], "names": [], "member_affinity": {}, "approved": False, "locked": False}
        g["members"] = [*g.get("members", []), *lost]
        g["names"] = [*g.get("names", []), *lost]
    return {**new, "groups": [groups[i] for i in sorted(groups)]}


# ---- edits ------------------------------------------------------------------------------


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


def _save(run: CohortRun, expected: int, stored: dict) -> CohortRun:
    """Compare-and-swap the result: only if nobody saved since ``expected``."""
    s = db.session()
    done = s.execute(
        sa.update(CohortRun).where(CohortRun.id == run.id, CohortRun.version == expected).values(result=stored, version=expected + 1)
    ).rowcount
    if done != 1:
        raise Problem(409, "Someone else changed this run at the same time; reload it and redo your change.")
    s.expire(run)
    return s.get(CohortRun, run.id)


def _normalised(result: Mapping) -> dict:
    """A stored result whose groups all carry ``index`` (0-based) and ``approved``."""
    groups = []
    for i, g in enumerate(result.get("groups", [])):
        index = g.get("index", int(g["id"]) - 1 if isinstance(g.get("id"), int) else i)
        groups.append({**g, "index": int(index), "approved": bool(g.get("approved", False))})
    return {**result, "groups": groups}


def _editable(run: CohortRun) -> dict:
    if run.status != "done" or not run.result:
        raise Problem(409, f"The run is {run.status}; only a finished run can be edited.")
    return _normalised(run.result)


def group_numbers(groups: Sequence[Mapping]) -> str:
    """The numbers of some groups as coordinators see them (``index`` + 1), e.g. "1 to 4".

    >>> group_numbers([{"index": 0}, {"index": 1}, {"index": 2}]), group_numbers([{"index": 0}, {"index": 2}])
    ('1 to 3', '1 and 3')
    """
    numbers = sorted(int(g["index"]) + 1 for g in groups)
    if not numbers:
        return "none"
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]} to {numbers[-1]}"
    if len(numbers) == 1:
        return str(numbers[0])
    return ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def _no_group(run_id: int, index: int, groups: Sequence[Mapping]) -> Problem:
    """404 for a group index that does not exist, naming the groups by the numbers coordinators see."""
    return Problem(404, f"Run {run_id} has no group with index {index} (group {index + 1}); its groups are {group_numbers(groups)} (index = group number - 1).")


def set_approval(identity: Identity, run_id: int, index: int, approved: bool, *, if_match: str | None, version: int | None) -> CohortRun:
    """Approve (lock) or release one group."""
    run = get_run_for(identity, run_id)
    stored = _editable(run)
    expected = check_version(run, if_match, version)
    groups = stored.get("groups", [])
    if not any(g["index"] == index for g in groups):
        raise _no_group(run_id, index, groups)
    new = {**stored, "groups": [{**g, "approved": approved if g["index"] == index else g.get("approved", False)} for g in groups]}
    return _save(run, expected, new)


def _cohort_for(run: CohortRun):
    s = db.session()
    profiles_version, _ = programme_versions(s, run.programme_id)
    return programme_cohort(s, run.programme_id, profiles_version)


def move(identity: Identity, run_id: int, teacher_id: str, to_group: int, *, dry_run: bool, if_match: str | None, version: int | None):
    """Move one member to another group; returns the run (or, with ``dry_run``, the preview).

    ``to_group`` is the group's 0-based ``index``; messages name groups by their number
    (``index`` + 1), as the pages show them.
    """
    run = get_run_for(identity, run_id)
    stored = _editable(run)
    expected = check_version(run, if_match, version)
    groups = stored.get("groups", [])
    target = next((g for g in groups if g["index"] == to_group), None)
    if target is None:
        raise _no_group(run_id, to_group, groups)
    source = next((g for g in groups if teacher_id in g.get("members", [])), None)
    if source is None:
        raise Problem(404, f"{teacher_id!r} is not in any group of run {run_id}.")
    gone = _gone(run, stored)
    if teacher_id in gone:
        raise Problem(422, f"{teacher_id!r} was erased since this run and cannot be moved; repair the groups to refill group {source['index'] + 1}.")
    if source is target:
        raise Problem(
            422,
            f"{teacher_id!r} is already in group {to_group + 1}.",
            errors=[{"field": "to_group", "value": str(to_group), "message": f"is the member's group already (group {to_group + 1})"}],
        )
    locked = [g["index"] for g in (source, target) if g.get("approved")]
    if locked:
        raise Problem(409, f"Group {locked[0] + 1} is approved and locked; release it before moving members.")
    from matcher.cohorts.repair import move_member

    try:
        current, affinity, everyone = _current(run, stored)
        result = move_member(current, everyone, teacher_id, to_group + 1, affinity=affinity)
    except MatcherError as exc:
        raise _from_matcher(exc) from None
    new = _keep_gone(_to_stored(result, approved=_approved(stored)), stored, gone)
    if dry_run:
        return run, new
    return _save(run, expected, new), new


def repair(identity: Identity, run_id: int, dropped: Sequence[str], joined: Sequence[str], seconds: float, *, if_match: str | None, version: int | None):
    """Re-optimise after drop-outs (and late joiners), keeping approved groups.

    Members erased since the run always count as dropped, so a repair with nobody named
    refills the groups they left short.
    """
    run = get_run_for(identity, run_id)
    stored = _editable(run)
    expected = check_version(run, if_match, version)
    members = {t for g in stored.get("groups", []) for t in g.get("members", [])}
    missing = [t for t in dropped if t not in members]
    if missing:
        raise Problem(422, "Some dropped teachers are not in this run.", errors=[{"field": "dropped", "value": t, "message": "not a member of this run"} for t in missing])
    _check_ids(db.session(), run.programme_id, list(joined), "joined")
    gone = _gone(run, stored)
    if not dropped and not joined and not gone:
        raise Problem(422, "Name the teachers who dropped out or joined late; nobody in this run was erased since.")
    from matcher.cohorts.repair import repair as library_repair

    try:
        current, _, everyone = _current(run, stored, stand_ins=True)
        result = library_repair(
            current,
            everyone,
            dropped=sorted({t for t in dropped if t in everyone.index} | gone),
            joined=list(joined),
            seconds=seconds,
            seed=current.figures.seed,
            keep_apart=[(a, b) for a, b in _pairs(run.params.get("keep_apart")) if a in everyone.index and b in everyone.index],
        )
    except MatcherError as exc:
        raise _from_matcher(exc) from None
    return _save(run, expected, _to_stored(result, approved=_approved(stored)))


# ---- export -----------------------------------------------------------------------------

EXPORT_COLUMNS = ("group", "approved", "teacher_id", "name", "school_urn", "school", "local_authority", "group_score")  # group: the number the pages show


def export_csv(identity: Identity, run_id: int) -> str:
    """One row per member: complete for coordinators, pseudonymised for analysts.

    ``group`` is the group's number as the pages show it (``index`` + 1); a member erased
    since the run keeps its row under its pseudonym, with no name or school.
    """
    run = get_run_for(identity, run_id, export=True)
    if run.status != "done" or not run.result:
        raise Problem(409, f"The run is {run.status}; there is nothing to export yet.")
    s = db.session()
    result = _normalised(run.result)
    members = [t for g in result.get("groups", []) for t in g.get("members", [])]
    people = {
        t.id: (t, school)
        for t, school in s.execute(sa.select(Teacher, School).join(School, School.urn == Teacher.school_urn).where(Teacher.id.in_(members))).all()
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for g in result.get("groups", []):
        for member in g.get("members", []):
            t, school = people.get(member, (None, None))
            tid = pseudonym(member) if identity.is_analyst and t is not None else member
            name = "" if identity.is_analyst or t is None else t.name
            writer.writerow(
                [
                    g["index"] + 1,
                    "yes" if g.get("approved") else "no",
                    tid,
                    name,
                    school.urn if school else "",
                    school.name if school else "",
                    school.local_authority if school else "",
                    g.get("score", ""),
                ]
            )
    return out.getvalue()
