"""The coordinator's Sessions page: training sessions on the challenges no group covered."""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask.typing import ResponseReturnValue

from matcher.programme.sessions import SESSION_WEEKDAYS

from .. import auth
from ..problems import Problem
from ..services import programme_sessions
from . import bp
from .common import DAYS, int_arg


@bp.get("/programme/sessions")
def programme_sessions_page() -> ResponseReturnValue:
    """Proposed sessions with leaders (consenting teachers only), venue and dates; a GET form changes the options."""
    user = auth.require("coordinator")
    raw = request.args.get("start", "").strip()
    try:
        start = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Problem(422, f"Give the first date as YYYY-MM-DD (got {raw[:20]!r}).") from None
    weekday = request.args.get("weekday", "wed")
    if weekday not in SESSION_WEEKDAYS:
        raise Problem(422, f"Choose a weekday from {', '.join(SESSION_WEEKDAYS)}.")
    top, n_dates = int_arg("top", 5, 1, 20), int_arg("dates", 3, 1, 10)
    view = programme_sessions.sessions_for(user, top=top, start=start, weekday=weekday, n_dates=n_dates)
    return render_template("coordinator/programme_sessions.html", view=view, plan=view.plan, days=DAYS, weekday=weekday, top=top, n_dates=n_dates)
