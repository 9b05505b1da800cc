"""The coordinator's Programme health page, and a not-a-good-fit flag's suggested repair.

The figures come from :func:`service.services.health.programme_health` (the same as
``GET /api/v1/programme/health``); the repair is shown first and applied only when the
coordinator presses the button, with the run version the suggestion was computed from.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import auth, db, health_charts
from ..problems import Problem
from ..services import health, health_flags
from . import bp

RISKS_SHOWN = 50
GROUPS_SHOWN = 30


def _charts(h: health.Health) -> dict[str, Any]:
    rounds = tuple((r.name, r.met, r.not_met, r.no_answer) for r in h.rounds)
    useful = tuple((r.name, r.mean_useful, r.n_useful) for r in h.rounds)
    status = [g.half_term_status for g in h.groups]
    # groups with no proposed dates are counted apart: "none due yet" would say dates are coming
    this_half = (("Groups with dates", status.count("met"), status.count("not_met"), status.count("none_due")),)
    return {
        "meetings": health_charts.meetings_svg(rounds, title="Meetings so far by round: met, not met, no answer (good: mostly met)"),
        "useful": health_charts.usefulness_svg(useful, title="Mean usefulness by round, 1-5 (3 = neutral, 4 or more = good), with n answers"),
        "half_term": health_charts.meetings_svg(
            this_half, title="Groups this half-term: met at least once, meetings due but none met, none due yet", name="chart-half-term",
            unit="groups", labels=("met", "due, not met", "none due yet"), good="all met",
        ),
        "half_term_counts": {"met": status.count("met"), "not_met": status.count("not_met"), "none_due": status.count("none_due"), "no_dates": status.count("no_dates")},
    }


@bp.get("/programme/health")
def programme_health_page() -> ResponseReturnValue:
    """Programme health: at-risk teachers first, then meetings and usefulness, then flags."""
    user = auth.require("coordinator")
    raw = request.args.get("round_id", "")
    round_id = int(raw) if raw.isdecimal() and len(raw) < 10 else None
    h = health.programme_health(db.session(), user.programme_id, round_id=round_id)
    worst = sorted(h.groups, key=lambda g: (not g.not_met_twice, g.half_term_status != "not_met", -(g.not_met + g.no_answer), g.group))
    by_use = sorted((g for g in h.groups if g.n_useful), key=lambda g: (g.mean_useful or 0, -g.n_useful, g.group))
    return render_template(
        "coordinator/health.html", h=h, charts=_charts(h), rules=health.RULES, risks=h.at_risk[:RISKS_SHOWN],
        worst=[g for g in worst if g.not_met_twice or g.half_term_status == "not_met"][:GROUPS_SHOWN], low_use=by_use[:GROUPS_SHOWN],
        good=health.GOOD_USEFUL,
    )


@bp.get("/programme/health/flags/<teacher_id>")
def flag_repair_page(teacher_id: str) -> ResponseReturnValue:
    """A flag's suggested repair (nothing is changed until the coordinator applies it)."""
    user = auth.require("coordinator")
    try:
        proposal = health_flags.suggest_repair(user, teacher_id[:64])
    except Problem as exc:
        if exc.status != 409:
            raise
        return render_template("coordinator/health_repair.html", teacher_id=teacher_id, who=health_flags.teacher_label(user, teacher_id), proposal=None, why=exc.detail)
    return render_template("coordinator/health_repair.html", teacher_id=teacher_id, who=health_flags.teacher_label(user, teacher_id), proposal=proposal, why="")


@bp.post("/programme/health/flags/<teacher_id>")
def flag_repair_apply(teacher_id: str) -> ResponseReturnValue:
    """Apply a flag's repair (POST with the CSRF token and the run version shown)."""
    user = auth.require("coordinator")
    version = request.form.get("version", type=int)
    to_group = request.form.get("to_group", type=int)
    if to_group is None:
        raise Problem(422, "Choose the group to move them to.")
    run = health_flags.apply_repair(user, teacher_id[:64], to_group, if_match=None, version=version)
    flash(f"{health_flags.teacher_label(user, teacher_id)} moved to group {to_group} of run {run.id}; they were told by e-mail and their groupmates see them on My group.", "success")
    return redirect(url_for("pages.programme_health_page"))
