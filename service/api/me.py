"""``/api/v1/me/...``: a teacher's own group (published), calendar, messages and participation."""

from __future__ import annotations

from typing import Any, Literal

from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from .. import auth, db
from ..services import my_group, rounds
from .common import SECURITY, operation_id, respond
from .schemas import Strict, TeacherId

__all__ = ["bp", "MyGroupOut", "RelayIn", "ParticipationIn", "ParticipationOut"]

bp = APIBlueprint("me", __name__, operation_id_callback=operation_id, url_prefix="/me", abp_tags=[Tag(name="my group")], abp_security=SECURITY)

Participation = Literal["in", "out", "paused"]


class MyGroupOut(BaseModel):
    run_id: int
    group: int = Field(description="the group's number in its run (1 is the first)")
    round: dict[str, Any]
    members: list[dict[str, Any]] = Field(description="name, school, challenges and who covers them; email only for members who consented to share it (contact 'message' otherwise)")
    reasons: list[str]
    shared_slots: list[str] = Field(description="availability slots every member has")
    meetings: list[str] = Field(description="proposed meeting start times (ISO 8601); empty when none can be proposed")
    meetings_note: str


class RelayIn(Strict):
    to: TeacherId = Field(description="a groupmate's id (from members)")
    text: str = Field(min_length=1, max_length=my_group.MAX_MESSAGE_CHARS)


class RelayOut(BaseModel):
    queued: bool


class ParticipationIn(Strict):
    status: Participation = Field(description="in: take part in the next round; out: not; paused: not for now")


class ParticipationOut(BaseModel):
    status: Participation


@bp.get("/group", responses={200: MyGroupOut, 404: None})
def get_my_group() -> Response:
    """My published group: members, reasons, shared free time, proposed meetings, contact (teachers)."""
    user = auth.require("teacher")
    return respond(MyGroupOut.model_validate(my_group.my_group(user).to_dict()))


@bp.get("/group.ics", responses={200: {"description": "iCalendar", "content": {"text/calendar": {"schema": {"type": "string"}}}}})
def my_group_calendar() -> Response:
    """My group's proposed meetings as a calendar (a download again updates the same events)."""
    user = auth.require("teacher")
    resp = Response(my_group.group_ics(user), mimetype="text/calendar")
    resp.headers["Content-Disposition"] = 'attachment; filename="my-group.ics"'
    return resp


@bp.get("/calendar.ics", responses={200: {"description": "iCalendar", "content": {"text/calendar": {"schema": {"type": "string"}}}}})
def my_calendar() -> Response:
    """All my published groups' meetings (every round) in one calendar; the events are those of each group.ics."""
    user = auth.require("teacher")
    resp = Response(my_group.teacher_ics(user), mimetype="text/calendar")
    resp.headers["Content-Disposition"] = 'attachment; filename="my-peer-groups.ics"'
    return resp


@bp.post("/group/messages", responses={202: RelayOut, 422: None, 429: None})
def relay_message(body: RelayIn) -> Response:
    """Send a message to a groupmate through the service (neither address is shown); a few a day."""
    user = auth.require("teacher")
    my_group.relay_message(user, body.to, body.text)
    return respond(RelayOut(queued=True), 202)


@bp.get("/participation", responses={200: ParticipationOut})
def get_participation() -> Response:
    """Whether I take part in the next round (teachers; 'in' until I say otherwise)."""
    user = auth.require("teacher")
    return respond(ParticipationOut(status=rounds.participation_of(db.session(), user.programme_id, user.teacher_id or "")))  # type: ignore[arg-type]


@bp.put("/participation", responses={200: ParticipationOut})
def put_participation(body: ParticipationIn) -> Response:
    """Opt in or out of the next round, or pause (teachers)."""
    user = auth.require("teacher")
    return respond(ParticipationOut(status=rounds.set_participation(user, body.status)))  # type: ignore[arg-type]
