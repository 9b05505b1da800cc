"""``/api/v1/rounds`` and ``/api/v1/groupmate-history``: the programme year, and who was grouped with whom."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from .. import auth, db
from ..models import Round
from ..problems import Problem
from ..services import rounds as svc
from .common import CSV_RESPONSE, SECURITY, csv_response, operation_id, respond
from .schemas import DbInt, Strict

__all__ = ["bp", "history_bp", "RoundIn", "RoundOut", "RoundList", "HistoryImportOut"]

bp = APIBlueprint("rounds", __name__, operation_id_callback=operation_id, url_prefix="/rounds", abp_tags=[Tag(name="rounds")], abp_security=SECURITY)
history_bp = APIBlueprint(
    "groupmate_history", __name__, operation_id_callback=operation_id, url_prefix="/groupmate-history", abp_tags=[Tag(name="rounds")], abp_security=SECURITY
)


class RoundIn(Strict):
    name: str = Field(min_length=1, max_length=100, description="e.g. 'Spring 2027'")
    starts: date
    ends: date
    cadence_weeks: int = Field(3, ge=1, le=26, description="weeks between a group's meetings")


class RoundOut(BaseModel):
    id: int
    name: str
    starts: date
    ends: date
    cadence_weeks: int
    created_at: datetime
    published_run_id: int | None = Field(description="the round's published run, once there is one")


class RoundList(BaseModel):
    items: list[RoundOut]


class RoundPath(BaseModel):
    round_id: DbInt


class HistoryImportOut(BaseModel):
    imported: int = Field(description="new groupmate pairs stored")
    already_known: int = Field(description="pairs that were stored already (nothing changed)")
    unknown_teachers: list[str] = Field(description="ids that are not teachers of the programme (stored, listed so you can check them)")


HISTORY_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}, "example": "round_name,teacher_a,teacher_b\nSummer 2026,t-1,t-2\n"},
        "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}},
    },
}


def round_out(rnd: Round) -> RoundOut:
    published = svc.published_run_of(db.session(), rnd.id)
    return RoundOut(
        id=rnd.id, name=rnd.name, starts=rnd.starts, ends=rnd.ends, cadence_weeks=rnd.cadence_weeks, created_at=rnd.created_at, published_run_id=published.id if published else None
    )


@bp.get("", responses={200: RoundList})
def list_rounds() -> Response:
    """My programme's rounds, earliest first (coordinators)."""
    user = auth.require("coordinator")
    return respond(RoundList(items=[round_out(r) for r in svc.list_rounds(user)]))


@bp.post("", responses={201: RoundOut, 409: None})
def create_round(body: RoundIn) -> Response:
    """Add a round (usually a term) to my programme; runs created with its ``round_id`` belong to it."""
    user = auth.require("coordinator")
    rnd = svc.create_round(user, body.model_dump())
    return respond(round_out(rnd), 201, {"Location": f"/api/v1/rounds/{rnd.id}"})


@bp.get("/<int:round_id>", responses={200: RoundOut})
def get_round(path: RoundPath) -> Response:
    """One round of my programme."""
    user = auth.require("coordinator")
    return respond(round_out(svc.get_round_for(user, path.round_id)))


@bp.get("/<int:round_id>/history.csv", responses={200: CSV_RESPONSE})
def round_history(path: RoundPath) -> Response:
    """Who was grouped with whom in this round (``round_name, teacher_a, teacher_b``), for another hub or next year."""
    user = auth.require("coordinator")
    return csv_response(svc.export_history_csv(user, path.round_id), f"groupmate-history-round-{path.round_id}.csv")


@history_bp.post("", responses={200: HistoryImportOut}, openapi_extensions={"requestBody": HISTORY_BODY})
def import_history() -> Response:
    """Import groupmate history (CSV ``round_name, teacher_a, teacher_b``): every row is stored, or none.

    Imported rounds count for rotation like published ones: the next round's run keeps
    apart the groupmates of the last ``PEERMATCH_ROTATION_ROUNDS`` rounds.
    """
    user = auth.require("coordinator")
    if (request.mimetype or "").lower() == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Problem(422, "Send the file in a form field named 'file' (curl -F file=@history.csv).")
        raw = upload.read()
    else:
        raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem(422, "The file is not UTF-8 text; in your spreadsheet use 'Save as: CSV UTF-8'.") from None
    result = svc.import_history_csv(user, text)
    return respond(HistoryImportOut(imported=result.imported, already_known=result.already_known, unknown_teachers=list(result.unknown_teachers)))
