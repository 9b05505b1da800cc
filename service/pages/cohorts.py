"""Coordinator pages: generate peer groups, watch the run, review, adjust, approve, repair, export.

The work is done by the cohort services (:mod:`service.services.cohort_runs`,
``cohort_edits``, ``cohort_review``, ``cohort_export``, which call ``matcher.cohorts``);
these views read forms, call it and render. Edits name the run's version, so a stale page
gets a clear "someone else changed this run" message (409) instead of overwriting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import ValidationError as PydanticValidationError

from .. import auth, db
from matcher.cohorts.defaults import DEFAULTS as COHORT_DEFAULTS

from ..api.cohort_schemas import CohortRunIn
from ..auth import Identity
from ..models import CohortRun, utcnow
from ..problems import Problem
from ..services import cohort_edits, cohort_review, cohort_runs, pages_support
from ..services.cohort_export import export_csv
from ..services.common_slot import availability_counts, default_common_slot
from ..services.cohort_review import Review
from . import bp
from .cohort_view import SCALE, charts_for, map_for, result_view
from .common import int_arg

RUNS_PER_PAGE = 10
FAIRNESS = (
    ("0", "Best total", "Groups with the highest affinity overall."),
    ("0.5", "Balanced", "Good totals, while lifting the members who would match least well."),
    ("1", "Protect the worst-off", "Make the least well-matched member as well off as possible."),
)
_SPLIT = re.compile(r"[\s,;]+")


# ---- forms ------------------------------------------------------------------------------


def _id_lines(text: str) -> list[list[str]]:
    """One group of teacher ids per non-blank line, separated by commas, ';' or spaces."""
    return [[x for x in _SPLIT.split(line.strip()) if x] for line in text.splitlines() if line.strip()]


def _form_defaults() -> dict[str, str]:
    return {
        "size_min": "4",
        "size_max": "6",
        "seconds": f"{cohort_runs.cohort_time_limit(current_app, None):g}",
        "fairness": f"{COHORT_DEFAULTS.fairness:g}",
        "seed": "0",
        "keep_apart": "",
        "keep_together": "",
        "common_slot": "",  # "on" when ticked; "common_slot_shown" says the form had the box
        "common_slot_shown": "",
    }


def _field_messages(exc: PydanticValidationError) -> dict[str, list[str]]:
    """Plain-English messages per form field for the request model's errors."""
    limit = current_app.config["PEERMATCH_COHORT_MAX_SECONDS"]
    fixed = {
        "size_min": "must be a whole number from 2 to 12",
        "size_max": "must be a whole number from 2 to 12",
        "seconds": f"must be a number of seconds, more than 0 and at most {limit:g}",
        "fairness": "choose one of the options",
        "seed": "must be a whole number, 0 or more",
    }
    out: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False, include_context=False):
        loc = err.get("loc", ())
        if not loc:  # a check across fields: the size range
            out.setdefault("size_max", []).append("the largest size must not be smaller than the smallest")
            continue
        name = str(loc[0])
        if name in fixed:
            message = fixed[name]
        elif len(loc) >= 2 and isinstance(loc[1], int):
            line = loc[1] + 1
            message = f"line {line}: " + ("a line needs 2 to 12 teacher ids" if err.get("type") in ("too_short", "too_long") else "is not a list of teacher ids")
            if len(loc) == 3:
                message = f"line {line}: {err.get('input')!r} is not a teacher id"
        else:
            message = err.get("msg", "is not valid")
        if message not in out.get(name, []):
            out.setdefault(name, []).append(message)
    return out


def _params_from_form() -> tuple[dict[str, str], dict[str, Any] | None, dict[str, list[str]]]:
    """The form's values (to show again), the validated run parameters, and field errors."""
    form = request.form
    values = {k: form.get(k, "").strip() for k in _form_defaults()}
    raw: dict[str, object] = {
        "size_min": values["size_min"] or None,
        "size_max": values["size_max"] or None,
        "seconds": values["seconds"] or None,
        "fairness": values["fairness"] or "0",
        "seed": values["seed"] or "0",
        "keep_apart": _id_lines(form.get("keep_apart", "")),
        "keep_together": _id_lines(form.get("keep_together", "")),
        "round_id": form.get("round_id", "").strip() or None,  # from the Rounds page
        "common_slot": values["common_slot"] == "on" if values["common_slot_shown"] else None,  # None: the default
    }
    values["keep_apart"] = form.get("keep_apart", "")
    values["keep_together"] = form.get("keep_together", "")
    seconds_errors = _seconds_errors(values["seconds"])
    try:
        params = CohortRunIn.model_validate({k: v for k, v in raw.items() if v is not None}).model_dump()
    except PydanticValidationError as exc:
        errors = _field_messages(exc)
        # The range check runs only once every field is valid; say it now too.
        low, high = values["size_min"], values["size_max"]
        if low.isdecimal() and high.isdecimal() and int(low) > int(high) and "size_max" not in errors:
            errors["size_max"] = ["the largest size must not be smaller than the smallest"]
        if seconds_errors and "seconds" not in errors:
            errors["seconds"] = seconds_errors
        return values, None, errors
    if seconds_errors:
        return values, None, {"seconds": seconds_errors}
    return values, params, {}


def _seconds_errors(raw: str) -> list[str]:
    """The time-limit rule (:func:`cohort_runs.cohort_time_limit`) applied to the form's field, as messages."""
    try:
        cohort_runs.cohort_time_limit(current_app, float(raw) if raw else None)
    except ValueError:
        return []  # not a number: the request model says so
    except Problem as exc:
        return [e["message"] for e in exc.errors]
    return []


def _render_list(
    user: Identity, values: Mapping[str, str], errors: Mapping[str, list[str]], status: int = 200, problem: Problem | None = None
) -> ResponseReturnValue:
    page = cohort_runs.list_runs(user, page=int_arg("page", 1, 1, 100_000), per_page=RUNS_PER_PAGE)
    slot_default = default_common_slot(*availability_counts(db.session(), user.programme_id))  # (on, why)
    return (
        render_template(
            "coordinator/cohorts.html", page=page, values=values, errors=errors, problem=problem, fairness=FAIRNESS,
            max_seconds=current_app.config["PEERMATCH_COHORT_MAX_SECONDS"], slot_default=slot_default,
        ),
        status,
    )


@bp.get("/cohorts")
def cohort_list() -> ResponseReturnValue:
    """Earlier runs, and the form to generate peer groups."""
    user = auth.require("coordinator")
    return _render_list(user, _form_defaults(), {})


@bp.post("/cohorts")
def cohort_create() -> ResponseReturnValue:
    """Start a run in the background and go to its page (which shows progress)."""
    user = auth.require("coordinator")
    values, params, errors = _params_from_form()
    if errors or params is None:  # (no params without errors)
        return _render_list(user, values, errors, 422)
    try:
        run = cohort_runs.create_run(user, params)
    except Problem as exc:
        if exc.status != 422:
            raise
        errors = {}
        for e in exc.errors:
            errors.setdefault(e.get("field") or "_form", []).append(f"{e.get('value')}: {e.get('message')}" if e.get("value") else e.get("message", ""))
        return _render_list(user, values, errors, 422, problem=exc)
    return redirect(url_for("pages.cohort_run", run_id=run.id))


# ---- one run ------------------------------------------------------------------------------


def _progress(run: CohortRun) -> tuple[float, str]:
    """An estimate of how far a run is (elapsed time over its time limit) and a sentence."""
    if run.status == "queued":
        return 0.0, "Waiting for a free worker…"
    if run.status != "running" or run.started_at is None:
        return (1.0, "Finished.") if run.status == "done" else (0.0, "Stopped.")
    seconds = float(run.params.get("seconds") or 1)
    started = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=utcnow().tzinfo)
    elapsed = max(0.0, (utcnow() - started).total_seconds())
    reported = getattr(run, "progress", None)  # the solver's own report, where the service stores one
    fraction = float(reported) if isinstance(reported, (int, float)) else elapsed / seconds
    return min(0.99, max(0.0, fraction)), f"Searching for the best groups: {elapsed:.0f} of at most {seconds:.0f} seconds."


def _render_run(
    user: Identity,
    run: CohortRun,
    *,
    preview: Review | None = None,
    moved: Mapping[str, object] | None = None,
    problem: Problem | None = None,
    status: int = 200,
    form: Mapping[str, str] | None = None,
) -> ResponseReturnValue:
    """The run page: progress, failure, or the result with figures, charts and group cards."""
    if run.status in ("queued", "running"):
        progress, message = _progress(run)
        return render_template("coordinator/cohort_progress.html", run=run, progress=progress, message=message), status
    if run.status == "failed":
        return render_template("coordinator/cohort_failed.html", run=run, error=run.error or {}), status
    view = result_view(user, cohort_review.review_of(run))
    preview_view = result_view(user, preview, preview=view) if preview is not None else None
    query = request.args.get("q", "").strip()[:100]
    return (
        render_template(
            "coordinator/cohort_result.html",
            run=run,
            view=view,
            query=query,
            shown=view.find(query),
            SCALE_TEXT=SCALE,
            preview_view=preview_view,
            charts=charts_for(view),
            moved=moved,
            problem=problem,
            form=form or {},
        ),
        status,
    )


@bp.get("/cohorts/<int:run_id>")
def cohort_run(run_id: int) -> ResponseReturnValue:
    """A run: its progress while it runs (refreshes itself), then its groups."""
    user = auth.require("coordinator")
    return _render_run(user, cohort_runs.get_run_for(user, run_id))


@bp.get("/cohorts/<int:run_id>/status.json")
def cohort_status(run_id: int) -> ResponseReturnValue:
    """What the progress page polls: status, estimated progress and a sentence."""
    user = auth.require("coordinator")
    run = cohort_runs.get_run_for(user, run_id)
    progress, message = _progress(run)
    return jsonify(status=run.status, progress=round(progress, 3), message=message, version=run.version)


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdecimal() else None


def _edit_failed(user: Identity, run_id: int, exc: Problem, **kwargs: Any) -> ResponseReturnValue:
    """Show the run again with the reason an edit was refused (409 stale, 404, 422)."""
    if exc.status not in (404, 409, 422, 428):
        raise exc
    run = cohort_runs.get_run_for(user, run_id)
    return _render_run(user, run, problem=exc, status=exc.status, **kwargs)


@bp.post("/cohorts/<int:run_id>/move")
def cohort_move(run_id: int) -> ResponseReturnValue:
    """Move a member: "preview" shows the new figures without saving, "save" stores the move.

    ``to_group`` is the group's number as the page shows it (1 is the first).
    """
    user = auth.require("coordinator")
    member = request.form.get("member", "")
    to_raw = request.form.get("to_group", "")
    action = request.form.get("action", "preview")
    form = {"member": member, "to_group": to_raw}
    if not to_raw.isdecimal() or not member:
        exc = Problem(422, "Choose a member and the group to move them to.")
        if request.form.get("fragment"):
            return render_template("coordinator/_move_preview.html", problem=exc, view=None), 422
        return _edit_failed(user, run_id, exc, form=form)
    to_group = int(to_raw)
    try:
        run, new = cohort_edits.move(user, run_id, member, to_group, dry_run=action != "save", if_match=None, version=_version())
    except Problem as exc:
        if request.form.get("fragment"):
            return render_template("coordinator/_move_preview.html", problem=exc, view=None), exc.status
        return _edit_failed(user, run_id, exc, form=form)
    if action == "save":
        name = result_view(user, new).name_of(member)
        flash(f"Moved {name} to group {to_group}. The figures below are the saved ones.", "success")
        return redirect(url_for("pages.cohort_run", run_id=run_id) + f"#group-{to_group}")
    if request.form.get("fragment"):
        current = result_view(user, cohort_review.review_of(run))
        preview = result_view(user, new, preview=current)
        return render_template("coordinator/_move_preview.html", view=preview, run=run, member=member, to_group=to_group, problem=None)
    return _render_run(user, run, preview=new, moved={"member": member, "to_group": to_group}, form=form)


@bp.post("/cohorts/<int:run_id>/groups/<int:group>/approve")
def cohort_approve(run_id: int, group: int) -> ResponseReturnValue:
    """Approve (lock) group number ``group`` (1 is the first), or release it."""
    user = auth.require("coordinator")
    approved = request.form.get("approved", "yes") == "yes"
    try:
        cohort_edits.set_approval(user, run_id, group, approved, if_match=None, version=_version())
    except Problem as exc:
        return _edit_failed(user, run_id, exc)
    flash(f"Group {group} is {'approved and locked' if approved else 'released; it can change again'}.", "success")
    return redirect(url_for("pages.cohort_run", run_id=run_id) + f"#group-{group}")


def _seconds_field(raw: str) -> float | None:
    """The repair form's time limit (blank: the default); the range is checked by the one rule."""
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        limit = current_app.config["PEERMATCH_COHORT_MAX_SECONDS"]
        message = f"must be a number of seconds, more than 0 and at most {limit:g}"
        raise Problem(422, f"seconds {message}", errors=[{"field": "seconds", "value": raw[:40], "message": message}]) from None


def _render_repair(
    user: Identity, run: CohortRun, *, problem: Problem | None = None, status: int = 200, form: dict[str, Any] | None = None
) -> ResponseReturnValue:
    """The repair step: who dropped out (one checkbox per member), who joined late, the time limit."""
    if run.status != "done" or not run.result:
        return redirect(url_for("pages.cohort_run", run_id=run.id))
    view = result_view(user, cohort_review.review_of(run))
    return (
        render_template(
            "coordinator/cohort_repair.html",
            run=run,
            view=view,
            problem=problem,
            form=form or {},
            dropped=set((form or {}).get("dropped", ())),
            repair_seconds=cohort_runs.cohort_time_limit(current_app, None),
            max_seconds=current_app.config["PEERMATCH_COHORT_MAX_SECONDS"],
        ),
        status,
    )


@bp.get("/cohorts/<int:run_id>/repair")
def cohort_repair_page(run_id: int) -> ResponseReturnValue:
    """The repair step of a finished run: tick who dropped out, name who joined late."""
    user = auth.require("coordinator")
    return _render_repair(user, cohort_runs.get_run_for(user, run_id))


@bp.post("/cohorts/<int:run_id>/repair")
def cohort_repair(run_id: int) -> ResponseReturnValue:
    """Re-match after drop-outs (and late joiners), keeping approved groups."""
    user = auth.require("coordinator")
    dropped = request.form.getlist("dropped")
    joined = [x for line in _id_lines(request.form.get("joined", "")) for x in line]
    raw_seconds = request.form.get("seconds", "").strip()
    form = {"joined": request.form.get("joined", ""), "seconds": raw_seconds, "dropped": dropped}
    erased = sum(x["erased"] for x in cohort_review.lost_members(cohort_runs.get_run_for(user, run_id)))

    def failed(exc: Problem) -> ResponseReturnValue:
        if exc.status not in (404, 409, 422, 428):
            raise exc
        return _render_repair(user, cohort_runs.get_run_for(user, run_id), problem=exc, status=exc.status, form=form)

    if not dropped and not joined and not erased:
        return failed(Problem(422, "Tick the teachers who dropped out, or name teachers who joined late."))
    try:
        seconds = _seconds_field(raw_seconds)
        run = cohort_edits.repair(user, run_id, dropped, joined, seconds, if_match=None, version=_version())
    except Problem as exc:
        return failed(exc)
    moved = cohort_review.grouping_of(run).moved
    detail = f" {moved} member{'s' if moved != 1 else ''} changed group." if isinstance(moved, int) else ""
    gone = f", {erased} erased since the run" if erased else ""
    flash(f"Repaired: {len(dropped)} dropped out, {len(joined)} joined{gone}.{detail} Approved groups were kept as they were.", "success")
    return redirect(url_for("pages.cohort_run", run_id=run_id))


@bp.get("/cohorts/<int:run_id>/export.csv")
def cohort_export(run_id: int) -> ResponseReturnValue:
    """The groups as CSV, one row per member."""
    user = auth.require("coordinator")
    resp = Response(export_csv(user, run_id), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="cohort-run-{run_id}.csv"'
    return resp


@bp.get("/cohorts/<int:run_id>/map")
def cohort_map(run_id: int) -> ResponseReturnValue:
    """The groups on a map drawn from school coordinates (no tiles: works offline)."""
    user = auth.require("coordinator")
    run = cohort_runs.get_run_for(user, run_id)
    if run.status != "done" or not run.result:
        return redirect(url_for("pages.cohort_run", run_id=run_id))
    view = result_view(user, cohort_review.review_of(run))
    background = pages_support.programme_school_points(user)
    return render_template("coordinator/cohort_map.html", run=run, view=view, map_svg=map_for(view, background))
