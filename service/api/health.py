"""``/health`` (the process answers) and ``/ready`` (the database answers and is up to date)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from .. import db
from ..problems import Problem
from .common import operation_id, respond
from .schemas import HealthOut, ReadyOut

bp = APIBlueprint("health", __name__, operation_id_callback=operation_id, abp_tags=[Tag(name="health")], abp_security=[])

_OK = HealthOut(status="ok")


@bp.get("/health", responses={200: HealthOut}, security=[])
def health() -> Response:
    """Liveness: the process is up (touches nothing else)."""
    return respond(_OK)


@bp.get("/ready", responses={200: ReadyOut, 503: None}, security=[])
def ready() -> Response:
    """Readiness: the database answers and has every migration."""
    try:
        db.session().execute(sa.text("SELECT 1"))
        at_head = db.is_at_head(db.engine())
    except sa.exc.SQLAlchemyError:
        raise Problem(503, "The database does not answer.", headers={"Retry-After": "5"}) from None
    if not at_head:
        raise Problem(503, "The database needs upgrading: run 'peermatch init'.", headers={"Retry-After": "30"})
    return respond(ReadyOut(status="ready", database=db.engine().dialect.name))
