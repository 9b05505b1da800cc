"""Round pages: the coordinator's Rounds (create, publish a run, groupmate history) and the
teacher's My group (members, meetings, calendar, messages, taking part in the next round)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import auth, db
from ..models import CohortRun
from ..problems import Problem
from ..services import check_ins, my_group, publish, rounds
from . import bp


def _date(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        raise Problem(422, f"Give the round's {name} date as YYYY-MM-DD.") from None


@bp.get("/rounds")
def round_list() -> ResponseReturnValue:
    """My programme's rounds, each with its finished runs (publish one) and its history."""
    user = auth.require("coordinator")
    items = rounds.list_rounds(user)
    s = db.session()
    runs = {
        r.id: list(s.execute(sa.select(CohortRun).where(CohortRun.round_id == r.id, CohortRun.status == "done").order_by(CohortRun.id.desc()).limit(20)).scalars())
        for r in items
    }
    return render_template("coordinator/rounds.html", rounds=items, runs=runs, taking_part=rounds.participation_counts(user))


@bp.post("/rounds")
def round_create() -> ResponseReturnValue:
    """Add a round (POST with the CSRF token)."""
    user = auth.require("coordinator")
    name = request.form.get("name", "").strip()[:100]
    try:
        if not name:
            raise Problem(422, "Give the round a name, e.g. Spring 2027.")
        cadence = int(request.form.get("cadence_weeks") or 3)
        rnd = rounds.create_round(user, {"name": name, "starts": _date("starts"), "ends": _date("ends"), "cadence_weeks": max(1, min(cadence, 26))})
    except (Problem, ValueError) as exc:
        flash(exc.detail if isinstance(exc, Problem) else "Give the cadence as a number of weeks.", "error")
        return redirect(url_for("pages.round_list"))
    flash(f"Round {rnd.name!r} added: generate its groups below.", "success")
    return redirect(url_for("pages.round_list"))


@bp.post("/rounds/runs/<int:run_id>/publish")
def round_publish(run_id: int) -> ResponseReturnValue:
    """Publish a round's run: lock it, record the history, tell every member."""
    user = auth.require("coordinator")
    version = request.form.get("version", type=int)
    done = publish.publish_run(user, run_id, if_match=None, version=version)
    flash(f"Run {run_id} published: {done.groups} groups, {done.messages} messages queued.", "success")
    return redirect(url_for("pages.round_list"))


@bp.post("/rounds/history")
def round_history_import() -> ResponseReturnValue:
    """Import groupmate history from a CSV upload (round_name, teacher_a, teacher_b)."""
    user = auth.require("coordinator")
    upload = request.files.get("file")
    if upload is None:
        raise Problem(422, "Choose a CSV file of groupmate history.")
    try:
        result = rounds.import_history_csv(user, upload.read().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Problem(422, "The file is not UTF-8 text; in your spreadsheet use 'Save as: CSV UTF-8'.") from None
    flash(f"{result.imported} groupmate pairs imported ({result.already_known} known already).", "success")
    return redirect(url_for("pages.round_list"))


@bp.get("/me/group")
def my_group_page() -> ResponseReturnValue:
    """My published group, and whether I take part in the next round."""
    user = auth.require("teacher")
    status = rounds.participation_of(db.session(), user.programme_id, user.teacher_id or "")
    try:
        group = my_group.my_group(user)
    except Problem as exc:
        if exc.status != 404:
            raise
        group = None
    states = check_ins.meeting_states(user, group.run_id, group.round.name, group.plan.starts) if group is not None else {}
    return render_template("teacher/group.html", group=group, participation=status, check_ins=states)


@bp.post("/me/group/participation")
def my_participation() -> ResponseReturnValue:
    """Opt in or out of the next round, or pause."""
    user = auth.require("teacher")
    status = rounds.set_participation(user, request.form.get("status", ""))
    flash({"in": "You are in the next round.", "out": "You are out of the next round.", "paused": "You have paused: you will not be grouped until you opt in again."}[status], "success")
    return redirect(url_for("pages.my_group_page"))


@bp.post("/me/group/messages")
def my_group_message() -> ResponseReturnValue:
    """Send a message to a groupmate through the service."""
    user = auth.require("teacher")
    my_group.relay_message(user, request.form.get("to", ""), request.form.get("text", ""))
    flash("Message sent through the service; your address was not shared.", "success")
    return redirect(url_for("pages.my_group_page"))
