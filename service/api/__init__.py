"""The JSON API, version 1 (``/api/v1``), one blueprint per resource."""

from __future__ import annotations

from flask import request
from flask_openapi3 import APIBlueprint, OpenAPI

from matcher.errors import Issue

from ..problems import Problem

from . import check_ins
from . import accounts, cohort_runs, health, me, messages, outcomes, reference, rounds, session, teachers, weights
from . import programme_sessions
from . import programme_health

__all__ = ["bp", "register_api"]

bp = APIBlueprint("api", __name__, url_prefix="/api/v1")
for _child in (reference.bp, session.bp, teachers.bp, cohort_runs.bp, accounts.bp, messages.bp, rounds.bp, rounds.history_bp, me.bp, programme_sessions.bp, outcomes.questionnaire_bp, outcomes.report_bp, weights.bp):
    bp.register_api(_child)
bp.register_api(check_ins.bp)  # /me/check-ins
bp.register_api(programme_health.bp)  # issue 15: programme health


@bp.before_request
def _single_query_values() -> None:
    """Every query parameter of this API is a single value: refuse ``?q=a&q=b``."""
    repeated = sorted({key for key, values in request.args.lists() if len(values) > 1})
    if repeated:
        raise Problem(
            422,
            "A query parameter was given more than once.",
            errors=[Issue(None, key, None, "give this parameter once") for key in repeated],
        )


def register_api(app: OpenAPI) -> None:
    """Register ``/api/v1/...`` and the health checks on ``app``."""
    app.register_api(bp)
    app.register_api(health.bp)
