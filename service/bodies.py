"""Request bodies without a ``Content-Length`` (``Transfer-Encoding: chunked``) get the same size limit.

Werkzeug enforces ``MAX_CONTENT_LENGTH`` from the ``Content-Length`` header. A chunked
body has none: werkzeug then either reads nothing (when the server does not say it
terminates the stream, so an upload looks like "the file is empty") or stops silently at
the limit (so a file could be cut short and imported half). :func:`init_app` wraps the
app in a small WSGI middleware that reads such a body first, at most
``MAX_CONTENT_LENGTH`` + 1 bytes:

- more than the limit: ``413 Content Too Large`` (problem+json on the API), connection closed;
- otherwise the body is handed on as an ordinary one with its ``Content-Length``;
- a chunked body from a server that does not terminate the stream cannot be read safely:
  ``411 Length Required`` (gunicorn and werkzeug's server both terminate it).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["init_app", "ChunkedBodyLimit"]


class ChunkedBodyLimit:
    """WSGI middleware: size-check chunked request bodies before the app sees them."""

    def __init__(self, wsgi_app: WSGIApplication, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app

    def _refuse(self, environ: WSGIEnvironment, start_response: StartResponse, status: int, detail: str) -> Iterable[bytes]:
        from .problems import problem_response

        with self.app.request_context(environ):
            response = problem_response(status, detail=detail, headers={"Connection": "close"})
        body: Iterable[bytes] = response(environ, start_response)
        return body

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked or environ.get("CONTENT_LENGTH"):
            return self.wsgi_app(environ, start_response)
        if not environ.get("wsgi.input_terminated"):
            return self._refuse(environ, start_response, 411, "Send the body with a Content-Length header.")
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        stream = environ["wsgi.input"]
        body = bytearray()
        while limit is None or len(body) <= limit:
            chunk = stream.read(min(64 * 1024, (limit + 1 - len(body)) if limit is not None else 64 * 1024))
            if not chunk:
                break
            body.extend(chunk)
        if limit is not None and len(body) > limit:
            return self._refuse(environ, start_response, 413, f"The request body is larger than the limit of {limit:,} bytes; split the file.")
        environ["wsgi.input"] = io.BytesIO(bytes(body))
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    """Wrap ``app.wsgi_app`` with :class:`ChunkedBodyLimit`."""
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, app)  # type: ignore[method-assign]
