"""The JSON API, version 1 (``/api/v1``), one blueprint per resource."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, OpenAPI

from . import cohort_runs, health, reference, session, teachers

__all__ = ["bp", "register_api"]

bp = APIBlueprint("api", __name__, url_prefix="/api/v1")
for _child in (reference.bp, session.bp, teachers.bp, cohort_runs.bp):
    bp.register_api(_child)


def register_api(app: OpenAPI) -> None:
    """Register ``/api/v1/...`` and the health checks on ``app``."""
    app.register_api(bp)
    app.register_api(health.bp)
