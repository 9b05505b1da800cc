"""The flask-openapi3 application class and the finishing touches on its document.

``/api/v1/openapi.json`` is the OpenAPI 3.1 document, ``/api/v1/swagger`` the interactive
Swagger UI (from ``flask-openapi3-swagger``, whose JavaScript and CSS ship inside the
package, so the docs work offline) and ``/api/v1/`` lists the installed UIs. Every 4xx/5xx response is documented as
``application/problem+json`` with the :class:`Problem` schema.
"""

from __future__ import annotations

from typing import Any

from flask_openapi3 import Info, OpenAPI
from pydantic import BaseModel, Field
from werkzeug.routing import IntegerConverter

from .problems import MEDIA_TYPE, validation_error_callback

__all__ = ["make_openapi_app", "ProblemModel", "FieldError", "API_PREFIX", "DOC_PREFIX"]

API_PREFIX = "/api/v1"
DOC_PREFIX = "/api/v1"


class FieldError(BaseModel):
    """One problem in one place: a field of the request, or a line and column of a file."""

    row: int | None = Field(None, description="file line (header = 1), when the problem is in an uploaded file")
    field: str | None = Field(None, description="the field or column")
    value: str | None = Field(None, description="the value that was rejected")
    message: str
    suggestion: str | None = Field(None, description="the nearest valid value, when there is one")


class ProblemModel(BaseModel):
    """RFC 9457 problem details."""

    model_config = {"title": "Problem"}
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_COMMON_ERRORS = ("400", "401", "403", "404", "405", "413", "415", "422")
# Operations anyone may call (no token): documented with an empty security list.
PUBLIC_OPERATIONS = frozenset({"themes", "health", "ready", "login", "logout"})


class PeermatchOpenAPI(OpenAPI):
    """OpenAPI app whose document describes errors as problem details."""

    def generate_spec_json(self) -> None:
        super().generate_spec_json()  # type: ignore[no-untyped-call]  # flask-openapi3 leaves it unannotated
        spec = self.spec_json
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop(self.validation_error_model.__name__, None)
        problem_schema = ProblemModel.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in problem_schema.pop("$defs", {}).items():
            schemas[name] = sub
        schemas["Problem"] = problem_schema
        for path, item in spec.get("paths", {}).items():
            for op in item.values():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                responses = op["responses"]
                public = op.get("operationId") in PUBLIC_OPERATIONS
                if public:
                    op["security"] = []
                # Signing in can fail (401) and signing out needs the CSRF token (403).
                codes = set(_COMMON_ERRORS) - ({"401", "403"} if op.get("operationId") in ("themes", "health", "ready") else set())
                if path in ("/health", "/ready"):
                    codes = {"405", "503"} if path == "/ready" else {"405"}
                for code in codes:
                    responses.setdefault(code, {"description": ""})
                for code, resp in responses.items():
                    if code[0] in "45":
                        resp["content"] = {MEDIA_TYPE: {"schema": _PROBLEM_REF}}
                        resp["description"] = resp.get("description") or _reason(code)
        self.spec_json = spec


def _reason(code: str) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(int(code)).phrase
    except ValueError:
        return "Error"


def make_openapi_app(instance_path: str | None = None) -> PeermatchOpenAPI:
    """The bare application object, its OpenAPI document and docs UI under ``/api/v1``."""
    kwargs: dict[str, Any] = {}
    if instance_path:
        kwargs["instance_path"] = str(instance_path)
        kwargs["instance_relative_config"] = False
    app = PeermatchOpenAPI(
        "service",
        info=Info(
            title="Peer to Peer Matcher API",
            version="1.0.0",
            description=(
                "Peer groups, suggested peers and practice examples for school music teachers. "
                "Authenticate with `Authorization: Bearer <token>` (create one with `peermatch tokens create`). "
                "Errors are RFC 9457 problem details (`application/problem+json`)."
            ),
        ),
        security_schemes={"bearerAuth": {"type": "http", "scheme": "bearer"}},
        doc_prefix=DOC_PREFIX,
        doc_url="/openapi.json",
        validation_error_status=422,
        validation_error_callback=validation_error_callback,
        **kwargs,
    )
    app.url_map.converters["int"] = DbIntConverter  # before any route is added
    return app


class DbIntConverter(IntegerConverter):
    """``<int:...>`` in URLs, at most the database's integer (2**31 - 1): a larger number is a
    404 like any unknown id, not an OverflowError from the driver (a 500).

    >>> from werkzeug.routing import Map, Rule
    >>> urls = Map([Rule("/r/<int:n>", endpoint="r")], converters={"int": DbIntConverter}).bind("x")
    >>> urls.match("/r/2147483647")
    ('r', {'n': 2147483647})
    >>> urls.match("/r/2147483648")
    Traceback (most recent call last):
    ...
    werkzeug.exceptions.NotFound: 404 Not Found: ...
    """

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)
