"""Server-rendered pages for coordinators and teachers (Jinja templates, a little plain JS).

Views are thin: they read the form, call ``service.services`` (which loads resources and
checks who is asking) and render. Every page works without JavaScript; the scripts in
``service/static/js`` only add a filter box, progress polling and live previews.

Errors raised as :class:`~service.problems.Problem` become a readable page: 401 sends
people to the sign-in page (and back afterwards), other statuses show the message.
"""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from matcher.errors import MatcherError

from ..problems import Problem, _from_matcher

__all__ = ["bp", "init_app"]

bp = Blueprint("pages", __name__)

# Importing the view modules registers their routes on ``bp``.
from . import cohorts, mail, outcomes, peers, profile, rounds, session, teacher_detail, teachers, weights  # noqa: E402,F401
from . import programme_sessions  # noqa: E402,F401
from . import check_ins  # noqa: E402,F401
from . import programme_health  # noqa: E402,F401


def _problem_page(exc: Problem) -> ResponseReturnValue:
    if exc.status == 401:
        target = request.full_path if request.method == "GET" else request.referrer or ""
        return redirect(url_for("pages.signin", next=target.rstrip("?")))
    return render_template("error.html", problem=exc), exc.status, exc.headers


@bp.errorhandler(Problem)
def _on_problem(exc: Problem) -> ResponseReturnValue:
    return _problem_page(exc)


@bp.errorhandler(MatcherError)
def _on_matcher_error(exc: MatcherError) -> ResponseReturnValue:
    return _problem_page(_from_matcher(exc))


def init_app(app: Flask) -> None:
    """Register the pages blueprint and the template helpers."""
    from . import common

    app.register_blueprint(bp)
    app.jinja_env.globals.update(common.TEMPLATE_GLOBALS)
    app.jinja_env.filters.update(common.TEMPLATE_FILTERS)
