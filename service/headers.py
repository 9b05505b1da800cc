"""Security headers on every response: CSP, no framing, no sniffing, same-origin referrers.

The pages load scripts and style sheets from ``/static`` only, so scripts are limited to
``'self'``. Inline ``style`` attributes stay allowed: the charts are matplotlib SVGs
embedded in the page, which style their shapes that way (styles cannot run code). The
Swagger UI under ``/api/v1`` starts itself with an inline script, so its two pages get
their own, looser script policy; nothing else on the site does.

>>> policy_for("/me/erase") == PAGE_POLICY
True
>>> "'unsafe-inline'" in policy_for("/api/v1/swagger").split("script-src")[1].split(";")[0]
True
"""

from __future__ import annotations

from flask import Flask, Response, request

__all__ = ["PAGE_POLICY", "DOCS_POLICY", "policy_for", "init_app"]

_COMMON = "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
PAGE_POLICY = f"{_COMMON}; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
DOCS_POLICY = f"{_COMMON}; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
_DOCS_PATHS = ("/api/v1/swagger", "/api/v1/oauth2-redirect.html")


def policy_for(path: str) -> str:
    """The Content-Security-Policy for a request path."""
    return DOCS_POLICY if path in _DOCS_PATHS else PAGE_POLICY


def _add_headers(resp: Response) -> Response:
    headers = resp.headers
    headers.setdefault("Content-Security-Policy", policy_for(request.path))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    from .problems import request_id

    headers.setdefault("X-Request-ID", request_id())
    return resp


def init_app(app: Flask) -> None:
    """Add the headers to every response, errors and static files included."""
    app.after_request(_add_headers)
