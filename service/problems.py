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

import json as std_json
import logging
import re
import secrets
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, g, json, request
from flask.json.provider import DefaultJSONProvider
from markupsafe import escape
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed
from werkzeug.sansio.response import Response as SansIOResponse

from matcher.errors import InfeasibleError, Issue, MatcherError, UnknownTeacherError
from matcher.profiles.phrases import count_phrase

from .logsafe import log_exception

__all__ = [
    "Problem",
    "problem_response",
    "issues_from_pydantic",
    "init_app",
    "init_json_limits",
    "request_id",
    "LimitedJSONProvider",
    "PROBLEM_TYPE_BASE",
    "MEDIA_TYPE",
    "JSON_MAX_DEPTH",
    "JSON_MAX_INT_DIGITS",
]

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
        errors: Iterable[Issue | Mapping[str, Any]] = (),
        type_: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        self.status = status
        self.title = title or _title(status)
        self.detail = detail
        self.errors: list[dict[str, Any]] = [e.to_dict() if isinstance(e, Issue) else dict(e) for e in errors]
        self.type = type_ or PROBLEM_TYPE_BASE + _TYPES.get(status, str(status))
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})  # RFC 9457 extension members (e.g. an import's issue counts)
        super().__init__(f"{status} {self.title}: {detail}")

    @property
    def listed_errors(self) -> list[dict[str, Any]]:
        """The errors a page lists under the detail: those that say more than the detail itself."""
        return [e for e in self.errors if e.get("field") or e.get("row") is not None or e.get("message") != self.detail]

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status, "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        return {**self.extra, **body}


def problem_response(status: int, detail: str = "", **kwargs: Any) -> Response:
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
        items = "".join(f"<li>{escape(_issue_text(e))}</li>" for e in problem.listed_errors)
        html = (
            f"<!doctype html><html lang='en'><meta charset='utf-8'><title>{escape(problem.title)}</title>"
            f"<main><h1>{escape(problem.title)}</h1><p>{escape(problem.detail)}</p>"
            f"{'<ul>' + items + '</ul>' if items else ''}</main></html>"
        )
        resp = Response(html, status=problem.status, mimetype="text/html")
    for name, value in problem.headers.items():
        resp.headers[name] = value
    return resp


def _issue_text(error: Mapping[str, Any]) -> str:
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
    """The problem for a library error: 404 for an unknown teacher, else 422; ``errors`` never empty.

    Each of the error's issues becomes one entry of ``errors`` (``row``, ``field``, ``value``,
    ``message``, ``suggestion``); an error that names no issue (an infeasibility explained
    in words only) still gets one entry carrying its message.
    """
    head = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    errors = exc.issues or (Issue(None, None, None, head),)
    if isinstance(exc, UnknownTeacherError):
        return Problem(404, head, errors=errors)
    if isinstance(exc, InfeasibleError):
        return Problem(422, str(exc), title="Constraints cannot be met", errors=errors)
    return Problem(422, head, errors=errors)


def validation_error_callback(exc: PydanticValidationError) -> Response:
    """flask-openapi3 hook: request validation errors as a 422 problem with per-field errors."""
    issues = issues_from_pydantic(exc)
    return _render(Problem(422, f"{count_phrase(len(issues), 'problem')} in the request", errors=issues))


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return _render(exc)

    @app.errorhandler(MatcherError)
    def _matcher(exc: MatcherError) -> Response:
        return _render(_from_matcher(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response | SansIOResponse:
        if exc.response is not None:  # already a full response (e.g. request validation)
            return exc.response
        status = exc.code or 500
        headers: dict[str, str] = {}
        if status == 405 and isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        return _render(Problem(status, exc.description or "", headers=headers))

    @app.errorhandler(IntegrityError)
    def _conflict(exc: IntegrityError) -> Response:
        # Two requests wrote the same thing at once (two imports of one file, a double click):
        # the database kept one; the other is told so, and nothing of it is stored.
        log_exception(log, "constraint conflict on %s %s", request.method, request.path, exc=exc, level=logging.INFO)
        return _render(Problem(409, "Someone stored the same data at the same time (the same file imported twice?); reload and try again."))

    @app.errorhandler(DataError)
    def _out_of_range(exc: DataError) -> Response:
        # A value the database cannot hold (an id beyond its integer range, on PostgreSQL):
        # the client's doing, so a 422, never a 500.
        log_exception(log, "value out of range on %s %s", request.method, request.path, exc=exc, level=logging.INFO)
        return _render(Problem(422, "A value in the request is out of range (an id or a number too large)."))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        if _too_many_digits(exc):
            return _render(Problem(422, "A number in the request has too many digits."))
        _log_unexpected(exc)
        return _render(Problem(500, f"Something went wrong on our side; it has been logged (request {request_id()})."))


# ---- JSON request limits and log hygiene ------------------------------------------------

JSON_MAX_DEPTH = 32
JSON_MAX_INT_DIGITS = 40
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id() -> str:
    """This request's id: a sane ``X-Request-ID`` from the client (or proxy), else a random one."""
    if "request_id" not in g:
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if _REQUEST_ID.fullmatch(sent) else secrets.token_hex(8)
    rid: str = g.request_id
    return rid


def _log_unexpected(exc: BaseException) -> None:
    """Log an unexpected error without personal data: type, request id, route and code lines.

    Exception messages and request bodies can carry names and emails, so neither is
    logged; the frames (file, line, code) are enough to find the fault.
    """
    log_exception(log, "unexpected error on %s %s (request %s)", request.method, request.url_rule or request.path, request_id(), exc=exc)


def _too_many_digits(exc: BaseException) -> bool:
    """Python refused to convert a huge digit string to ``int`` (a client's doing, not a bug).

    >>> _too_many_digits(ValueError("Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits"))
    True
    """
    return isinstance(exc, ValueError) and "integer string conversion" in str(exc)


def _int_capped(text: str) -> int:
    if len(text.lstrip("-")) > JSON_MAX_INT_DIGITS:
        raise ValueError(f"a number has more than {JSON_MAX_INT_DIGITS} digits")
    return int(text)


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing (``ValueError``) nesting deeper than :data:`JSON_MAX_DEPTH` and
    integers longer than :data:`JSON_MAX_INT_DIGITS` digits, so neither can exhaust the stack
    or the CPU.

    >>> LimitedJSONProvider.parse('{"a": [1, 2]}')
    {'a': [1, 2]}
    >>> LimitedJSONProvider.parse("[" * 100 + "]" * 100)
    Traceback (most recent call last):
    ...
    ValueError: JSON nested more than 32 levels deep
    """

    @staticmethod
    def parse(s: str | bytes) -> Any:
        try:
            value = std_json.loads(s, parse_int=_int_capped)
        except RecursionError:
            raise ValueError(f"JSON nested more than {JSON_MAX_DEPTH} levels deep") from None
        if _depth_exceeds(value, JSON_MAX_DEPTH):
            raise ValueError(f"JSON nested more than {JSON_MAX_DEPTH} levels deep")
        return value

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:
            return super().loads(s, **kwargs)
        return self.parse(s)


def _check_json_body() -> None:
    """Parse a JSON body up front, so a malformed or abusive one is a 422 problem, never a 500."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or not request.is_json or not request.get_data(cache=True):
        return
    try:
        request.get_json(cache=True)
        return
    except BadRequest:  # Flask turns the parser's ValueError into a bare BadRequest
        pass
    try:
        LimitedJSONProvider.parse(request.get_data(cache=True))
        detail = "it could not be read"
    except (ValueError, UnicodeDecodeError) as exc:
        detail = str(exc)
    # 422 like any other body the API cannot use (the contract since the first version).
    raise Problem(422, f"The request body is not acceptable JSON: {detail[:200]}.", errors=[Issue(None, "body", None, detail[:200])])


def init_json_limits(app: Flask) -> None:
    """Install the limited JSON parser and the up-front body check (after authentication)."""
    app.json = LimitedJSONProvider(app)
    app.before_request(_check_json_body)
