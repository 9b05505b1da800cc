"""Evidence-of-change pages: a teacher's before/after questionnaire (works on a phone,
without JavaScript) and the programme report (coordinators; analysts see the same totals)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from matcher.errors import MatcherError

from .. import auth
from ..problems import Problem
from ..services import outcomes_report, questionnaire
from . import bp
from .common import field_errors


@bp.get("/me/questionnaire/<int:round_id>/<phase>")
def my_questionnaire(round_id: int, phase: str) -> ResponseReturnValue:
    """The questions of one phase of a round, with my answers so far."""
    user = auth.require("teacher")
    return render_template("teacher/questionnaire.html", q=questionnaire.get_questionnaire(user, round_id, phase), errors={})


@bp.post("/me/questionnaire/<int:round_id>/<phase>")
def my_questionnaire_answer(round_id: int, phase: str) -> ResponseReturnValue:
    """Save my answers (each question a radio group named ``q-<key>``; blank ones are skipped)."""
    user = auth.require("teacher")
    answers: dict[str, object] = {}
    for name, value in request.form.items():
        if name.startswith("q-") and value != "":
            answers[name[2:]] = int(value) if value.isdecimal() else value
    try:
        questionnaire.answer(user, round_id, phase, answers)
    except (Problem, MatcherError) as exc:
        problem = exc if isinstance(exc, Problem) else Problem(422, "Some answers could not be saved.", errors=exc.issues)
        if problem.status not in (409, 422):
            raise
        q = questionnaire.get_questionnaire(user, round_id, phase)
        flash(problem.detail, "error")
        return render_template("teacher/questionnaire.html", q=q, errors=field_errors(problem), given=answers), problem.status
    flash("Thank you: your answers are saved. You can change them here while the questionnaire is open.", "success")
    return redirect(url_for("pages.my_questionnaire", round_id=round_id, phase=phase))


@bp.get("/programme/report")
def programme_report() -> ResponseReturnValue:
    """Before/after change by context with intervals, and response rates (coordinators, analysts)."""
    user = auth.require("coordinator", "analyst")
    raw = request.args.get("round_id", "")
    round_id = int(raw) if raw.isdecimal() and len(raw) < 10 else None  # a number no row can have is no round (not a 500)
    data = outcomes_report.report_for(user, round_id)
    return render_template(
        "coordinator/programme_report.html",
        data=data,
        figures=data.to_dict(),
        contexts=outcomes_report.CONTEXT_LABELS,
        measures=outcomes_report.MEASURE_LABELS,
        is_analyst=user.is_analyst,
    )
