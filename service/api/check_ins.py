"""``/api/v1/me/check-ins``: a teacher's answers about their group's meetings (:mod:`service.services.check_ins`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from .. import auth
from ..services import check_ins as svc
from .common import SECURITY, operation_id, respond
from .schemas import NO_NUL, Strict

__all__ = ["bp", "CheckInIn", "CheckInOut", "AwaitingOut", "CheckInsOut"]

bp = APIBlueprint("check_ins", __name__, operation_id_callback=operation_id, url_prefix="/me", abp_tags=[Tag(name="check-ins")], abp_security=SECURITY)

Met = Literal["yes", "no", "rescheduled"]


class CheckInIn(Strict):
    meeting: str = Field(max_length=64, pattern=NO_NUL, description="the meeting's start time as GET /api/v1/me/group lists it in meetings (ISO 8601 with offset), or the start of a past meeting the group arranged itself, within its round's dates")
    met: Met = Field(description="did the group meet: yes, no, or rescheduled (moved to another date)")
    useful: int | None = Field(None, ge=1, le=5, description="how useful, 1 (not at all) to 5 (very); required when met is yes, not kept otherwise")
    tried: str | None = Field(None, max_length=svc.MAX_TRIED_CHARS, pattern=NO_NUL, description="one thing I tried or will try (optional, plain text)")
    not_a_good_fit: bool = Field(False, description="this group is not a good fit for me: seen by the coordinator only, never by other members")


class CheckInOut(BaseModel):
    meeting: str = Field(description="the meeting's start as My group lists it (UTC when it is no longer listed there)")
    run_id: int
    group: int = Field(description="the group's 1-based number in its run")
    round_id: int | None
    round: str
    met: Met
    useful: int | None
    tried: str | None
    not_a_good_fit: bool = Field(description="private to you and the coordinator")
    answered_at: datetime
    updated_at: datetime
    editable_until: datetime = Field(description="the answer can be changed until then (7 days after the first answer)")
    editable: bool


class AwaitingOut(BaseModel):
    meeting: str = Field(description="the start, as My group lists it")
    run_id: int
    group: int
    round: str
    check_in_url: str = Field(description="the check-in page for this meeting")


class CheckInsOut(BaseModel):
    check_ins: list[CheckInOut] = Field(description="my answers, newest meeting first")
    awaiting: list[AwaitingOut] = Field(description="meetings of my groups that have started and have no answer from me yet, newest first")


def _out(a: svc.Answer) -> CheckInOut:
    r = a.row
    return CheckInOut(
        meeting=a.meeting,
        run_id=r.run_id,
        group=r.group_number,
        round_id=r.round_id,
        round=a.round_name,
        met=r.met,  # type: ignore[arg-type]  # the table's check constraint keeps it one of Met
        useful=r.useful,
        tried=r.tried,
        not_a_good_fit=r.not_a_good_fit,
        answered_at=r.created_at,
        updated_at=r.updated_at,
        editable_until=a.editable_until,
        editable=a.editable,
    )


@bp.post("/check-ins", responses={200: CheckInOut, 201: CheckInOut, 409: None, 422: None})
def post_check_in(body: CheckInIn) -> Response:
    """Check in about a meeting of my group (teachers): 201 the first time, 200 when changed within 7 days, 409 after."""
    user = auth.require("teacher")
    answer, created = svc.record_check_in(user, meeting=body.meeting, met=body.met, useful=body.useful, tried=body.tried, not_a_good_fit=body.not_a_good_fit)
    return respond(_out(answer), 201 if created else 200, {"Location": "/api/v1/me/check-ins"} if created else None)


@bp.get("/check-ins", responses={200: CheckInsOut})
def get_check_ins() -> Response:
    """My check-ins, and the past meetings of my groups that still await one (teachers)."""
    user = auth.require("teacher")
    mine = svc.my_check_ins(user)
    awaiting = [AwaitingOut(meeting=m.iso, run_id=m.run_id, group=m.group, round=m.round_name, check_in_url=m.path) for m in mine.awaiting]
    return respond(CheckInsOut(check_ins=[_out(a) for a in mine.answers], awaiting=awaiting))
