"""RFC 9457 problem details: the one error shape of the API.

Raise :class:`Problem` anywhere in the service layer; ``init_app`` turns it, every
``matcher`` error, HTTP errors and request-validation errors into
``application/problem+json`` responses. Unexpected exceptions are logged and become a 500
that shows no internals.

Examples
--------
>>> p = Problem(404, detail="No teacher 't-9'.")
>>> p.to_dict()["title"], p.to_dict()["status"]
('Not Found', 404)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus

from flask import Flask, Response, json, request
from markupsafe import escape
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from matcher.errors import InfeasibleError, Issue, MatcherError, UnknownTeacherError, ValidationError

from .logsafe import log_exception

__all__ = ["Problem", "problem_response", "issues_from_pydantic", "init_app", "PROBLEM_TYPE_BASE", "MEDIA_TYPE"]

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://peermatch.invalid/problems/"

_TYPES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "validation",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal",
    503: "unavailable",
}


# RFC 9110 names where Python's table still has the older ones.
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


def _title(status: int) -> str:
    if status in _TITLES:
        return _TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Problem(Exception):
    """An error meant for the client: status, a human ``detail`` and per-field ``errors``."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        *,
        title: str | None = None,
        errors: Iterable[Issue | Mapping] = (),
        type_: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, object] | None = None,
    ):
        self.status = status
        self.title = title or _title(status)
        self.detail = detail
        self.errors = [e.to_dict() if isinstance(e, Issue) else dict(e) for e in errors]
        self.type = type_ or PROBLEM_TYPE_BASE + _TYPES.get(status, str(status))
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})  # RFC 9457 extension members (e.g. an import's issue counts)
        super().__init__(f"{status} {self.title}: {detail}")

    def to_dict(self) -> dict:
        body = {"type": self.type, "title": self.title, "status": self.status, "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        return {**self.extra, **body}


def problem_response(status: int, detail: str = "", **kwargs) -> Response:
    """A ``Response`` carrying a problem (for hooks that cannot raise)."""
    return _render(Problem(status, detail, **kwargs))


def _wants_json() -> bool:
    if request.path.startswith("/api/") or request.path in ("/health", "/ready"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", MEDIA_TYPE])
    return best in ("application/json", MEDIA_TYPE)


def _render(problem: Problem) -> Response:
    if _wants_json():
        resp = Response(json.dumps(problem.to_dict()), status=problem.status, mimetype=MEDIA_TYPE)
    else:
        items = "".join(f"<li>{escape(_issue_text(e))}</li>" for e in problem.errors)
        html = (
            f"<!doctype html><html lang='en'><meta charset='utf-8'><title>{escape(problem.title)}</title>"
            f"<main><h1>{escape(problem.title)}</h1><p>{escape(problem.detail)}</p>"
            f"{'<ul>' + items + '</ul>' if items else ''}</main></html>"
        )
        resp = Response(html, status=problem.status, mimetype="text/html")
    for name, value in problem.headers.items():
        resp.headers[name] = value
    return resp


def _issue_text(error: Mapping) -> str:
    return str(Issue(error.get("row"), error.get("field"), error.get("value"), error.get("message", ""), error.get("suggestion")))


def issues_from_pydantic(exc: PydanticValidationError, prefix: str = "") -> list[Issue]:
    """One :class:`Issue` per pydantic error, the field named by its dotted location."""
    issues = []
    for err in exc.errors(include_url=False, include_context=False):
        loc = ".".join(str(p) for p in err.get("loc", ()))
        value = err.get("input")
        shown = None if isinstance(value, (dict, list)) or value is None else str(value)[:200]
        issues.append(Issue(None, f"{prefix}{loc}" if loc else prefix.rstrip(".") or None, shown, err.get("msg", "invalid")))
    return issues


def _from_matcher(exc: MatcherError) -> Problem:
    if isinstance(exc, UnknownTeacherError):
        return Problem(404, str(exc))
    if isinstance(exc, ValidationError):
        head = str(exc).splitlines()[0]
        return Problem(422, head, errors=exc.issues)
    if isinstance(exc, InfeasibleError):
        return Problem(422, str(exc), title="Constraints cannot be met")
    return Problem(422, str(exc))


def validation_error_callback(exc: PydanticValidationError) -> Response:
    """flask-openapi3 hook: request validation errors as a 422 problem with per-field errors."""
    issues = issues_from_pydantic(exc)
    return _render(Problem(422, f"{len(issues)} problem(s) in the request", errors=issues))


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(Problem)
    def _problem(exc: Problem):
        return _render(exc)

    @app.errorhandler(MatcherError)
    def _matcher(exc: MatcherError):
        return _render(_from_matcher(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.response is not None:  # already a full response (e.g. request validation)
            return exc.response
        status = exc.code or 500
        headers = {}
        if status == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(exc.valid_methods)
        return _render(Problem(status, exc.description or "", headers=headers))

    @app.errorhandler(IntegrityError)
    def _conflict(exc: IntegrityError):
        # Two requests wrote the same thing at once (two imports of one file, a double click):
        # the database kept one; the other is told so, and nothing of it is stored.
        log_exception(log, "constraint conflict on %s %s", request.method, request.path, exc=exc, level=logging.INFO)
        return _render(Problem(409, "Someone stored the same data at the same time (the same file imported twice?); reload and try again."))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log_exception(log, "unexpected error on %s %s", request.method, request.path, exc=exc)  # no message: it may hold personal data
        return _render(Problem(500, "Something went wrong on our side; it has been logged."))
