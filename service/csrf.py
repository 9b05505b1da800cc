"""CSRF protection for requests authenticated by the session cookie.

A per-session random token goes into every form (``{{ csrf_token() }}`` in templates) or
the ``X-CSRF-Token`` header. Unsafe requests (POST, PUT, PATCH, DELETE) must carry it when
they would be authenticated by the cookie: every non-API request, and API requests with
a signed-in session. Only a request authenticated by a *valid* Bearer token needs none (a
browser never adds that header on its own); an ``Authorization`` header that is empty or
invalid is a 401, never a way around the check.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request, session

from .problems import Problem

__all__ = ["csrf_token", "validate", "exempt", "init_app", "FIELD", "HEADER"]

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token() -> str:
    """This session's token (created on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def validate() -> None:
    """Raise a 403 problem unless the request carries this session's token."""
    expected = session.get("csrf")
    sent = request.headers.get(HEADER) or request.form.get(FIELD, "")
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise Problem(403, "The form has expired or did not come from this site; reload the page and try again.", title="CSRF check failed")


_View = TypeVar("_View", bound=Callable[..., object])


def exempt(view: _View) -> _View:
    """Mark a view as not needing the check (e.g. a webhook with its own authentication)."""
    view.csrf_exempt = True  # type: ignore[attr-defined]  # a marker attribute on the function object
    return view


def _needs_check() -> bool:
    if request.method not in UNSAFE:
        return False
    from .auth import current_user

    if "Authorization" in request.headers:
        # Raises 401 unless the header holds a valid token; the cookie is never a fallback.
        return current_user() is None
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "csrf_exempt", False):
        return False
    if request.path.startswith("/api/"):
        # API requests carrying a live session cookie (an ended one authenticates nobody).
        return "sid" in session and current_user() is not None
    return True


def _check() -> None:
    if _needs_check():
        validate()


def init_app(app: Flask) -> None:
    """Check unsafe requests before any view runs; expose ``csrf_token()`` to templates."""
    app.before_request(_check)
    app.jinja_env.globals["csrf_token"] = csrf_token
