"""``/api/v1/programme/health``: do published groups meet, is it useful, who is at risk (coordinators).

The rules behind every figure are in :mod:`service.services.health` and in the answer's
``rules``. Not-a-good-fit flags are private to the coordinator; their suggested repair
(``GET .../flags/{teacher_id}/repair``) moves that member only and is applied only by a
``POST`` naming the run's version (``If-Match``).
"""

from __future__ import annotations

import threading
from datetime import date, datetime

from flask import Response, json
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from .. import auth, db
from ..services import health as svc
from ..services import health_flags
from .cohort_schemas import IfMatch
from .common import SECURITY, operation_id, respond
from .schemas import DbInt, Strict, TeacherId

__all__ = ["bp", "ProgrammeHealthOut", "HealthQuery", "FlagRepairOut", "FlagRepairIn", "FlagRepairDone"]

bp = APIBlueprint(
    "programme_health", __name__, operation_id_callback=operation_id, url_prefix="/programme/health", abp_tags=[Tag(name="programme health")], abp_security=SECURITY
)
MAX_AT_RISK = 1000


class HealthQuery(BaseModel):
    round_id: DbInt | None = Field(None, description="list this round's groups (default: the round running today, else the latest started)")
    at_risk_limit: int = Field(100, ge=0, le=MAX_AT_RISK, description=f"at most this many at-risk teachers, most at risk first (at most {MAX_AT_RISK}; at_risk_total counts them all)")


class HalfTermOut(BaseModel):
    starts: date
    ends: date
    source: str = Field(description="whose dates: the local authority's term dates, typical London dates, or the round's")


class RoundHealthOut(BaseModel):
    round_id: int
    name: str
    starts: date
    ends: date
    run_id: int
    groups: int
    members: int
    proposed: int = Field(description="proposed meetings whose start has passed")
    met: int = Field(description="meetings so far that count as met")
    not_met: int
    no_answer: int
    mean_useful: float | None = Field(description="mean usefulness, 1-5 (3 = neutral, 4 or more = good); null without answers")
    n_useful: int = Field(description="usefulness answers behind mean_useful")


class GroupHealthOut(BaseModel):
    run_id: int
    round_id: int
    group: int = Field(description="the group's number in its run (1 is the first)")
    members: list[str]
    proposed: int = Field(description="proposed meetings whose start has passed")
    met: int = Field(description="meetings so far that count as met (at least half of those who answered said yes)")
    not_met: int
    no_answer: int
    met_this_half_term: int
    meetings_this_half_term: int
    half_term: str = Field(description="met, not_met (meetings were due this half-term, none met), none_due (none due yet) or no_dates (no meeting proposed in the round: the members share no free slot; and none reported this half-term)")
    mean_useful: float | None = Field(description="1-5 (3 = neutral, 4 or more = good); null without answers")
    n_useful: int
    not_met_twice: bool = Field(description="its last two meetings were both not met (or had no answer)")


class HealthAtRiskOut(BaseModel):
    teacher_id: str
    name: str
    group: int | None = Field(description="their group in the listed round, if any")
    codes: list[str] = Field(description="department_of_one, not_met_twice")
    reasons: list[str]


class HealthFlagOut(BaseModel):
    teacher_id: str
    name: str
    run_id: int
    group: int
    flagged_at: datetime
    repair: str = Field(description="GET it for the suggested move; POST to it (If-Match) to apply")


class ProgrammeHealthOut(BaseModel):
    generated_at: datetime
    half_term: HalfTermOut | None = Field(description="'this half-term'")
    current_round: RoundHealthOut | None = Field(description="the round whose groups are listed")
    rounds: list[RoundHealthOut] = Field(description="every started round with a published run, earliest first")
    groups: list[GroupHealthOut]
    at_risk: list[HealthAtRiskOut] = Field(description="most at risk first")
    at_risk_total: int
    flags: list[HealthFlagOut] = Field(description="not-a-good-fit flags of the listed round (private to the coordinator)")
    rules: dict[str, str]


class HealthFlagPath(BaseModel):
    teacher_id: TeacherId


class FlagRepairOut(BaseModel):
    run_id: int
    version: int = Field(description="the run version the suggestion was computed from (send it back, or If-Match the ETag)")
    teacher_id: str
    from_group: int
    to_group: int
    score_before: float = Field(description="mean pair affinity with groupmates now (0 to about 1)")
    score_after: float = Field(description="the same in the suggested group")
    candidates: int = Field(description="groups that could take them")
    reason: str


class FlagRepairIn(Strict):
    to_group: DbInt = Field(description="the group to move them to (the suggestion's to_group, or another)")
    version: DbInt | None = Field(None, description="the run's version, if not sent as If-Match")


class FlagRepairDone(BaseModel):
    run_id: int
    version: int
    teacher_id: str
    group: int


def _round(r: svc.RoundHealth) -> RoundHealthOut:
    return RoundHealthOut(**{k: getattr(r, k) for k in RoundHealthOut.model_fields})


def health_out(h: svc.Health, at_risk_limit: int) -> ProgrammeHealthOut:
    groups = [
        GroupHealthOut(
            run_id=g.run_id, round_id=g.round_id, group=g.group, members=list(g.members), proposed=g.proposed, met=g.met, not_met=g.not_met,
            no_answer=g.no_answer, met_this_half_term=g.met_this_half_term, meetings_this_half_term=g.meetings_this_half_term,
            half_term=g.half_term_status, mean_useful=g.mean_useful, n_useful=g.n_useful, not_met_twice=g.not_met_twice,
        )
        for g in h.groups
    ]
    return ProgrammeHealthOut(
        generated_at=h.now,
        half_term=HalfTermOut(starts=h.window.starts, ends=h.window.ends, source=h.window.source) if h.window else None,
        current_round=_round(h.current) if h.current else None,
        rounds=[_round(r) for r in h.rounds],
        groups=groups,
        at_risk=[HealthAtRiskOut(teacher_id=a.teacher_id, name=a.name, group=a.group, codes=list(a.codes), reasons=list(a.reasons)) for a in h.at_risk[:at_risk_limit]],
        at_risk_total=len(h.at_risk),
        flags=[
            HealthFlagOut(teacher_id=f.teacher_id, name=f.name, run_id=f.run_id, group=f.group, flagged_at=f.flagged_at, repair=f"/api/v1/programme/health/flags/{f.teacher_id}/repair")
            for f in h.flags
        ],
        rules=svc.RULES,
    )


@bp.get("", responses={200: ProgrammeHealthOut, 404: None})
def programme_health(query: HealthQuery) -> Response:
    """Programme health: meetings met / not met / no answer per published group and round, usefulness with n, teachers at risk first, not-a-good-fit flags (coordinators)."""
    user = auth.require("coordinator")
    h = svc.programme_health(db.session(), user.programme_id, round_id=query.round_id)
    return Response(_body(h, query.at_risk_limit), mimetype="application/json")


# The last few answers, by the Health they render: the service keeps a Health until something
# changes, so a repeated request is served without building and serialising thousands of groups again.
_BODIES: list[tuple[svc.Health, int, bytes]] = []
_BODIES_LOCK = threading.Lock()


def _body(h: svc.Health, at_risk_limit: int) -> bytes:
    with _BODIES_LOCK:
        hit = next((body for health, limit, body in _BODIES if health is h and limit == at_risk_limit), None)
    if hit is None:
        hit = json.dumps(health_out(h, at_risk_limit).model_dump(mode="json")).encode("utf-8")
        with _BODIES_LOCK:
            _BODIES.insert(0, (h, at_risk_limit, hit))
            del _BODIES[8:]
    return hit


@bp.get("/flags/<teacher_id>/repair", responses={200: FlagRepairOut, 404: None, 409: None})
def flag_repair(path: HealthFlagPath) -> Response:
    """The suggested repair for a not-a-good-fit flag: move that member only, to the group they fit best (nothing is saved)."""
    user = auth.require("coordinator")
    p = health_flags.suggest_repair(user, path.teacher_id)
    m = p.suggestion
    out = FlagRepairOut(
        run_id=p.run.id, version=p.run.version, teacher_id=m.teacher_id, from_group=m.from_group, to_group=m.to_group,
        score_before=m.score_before, score_after=m.score_after, candidates=m.candidates, reason=m.reason,
    )
    return respond(out, headers={"ETag": p.etag})


@bp.post("/flags/<teacher_id>/repair", responses={200: FlagRepairDone, 404: None, 409: None, 422: None, 428: None})
def apply_flag_repair(path: HealthFlagPath, body: FlagRepairIn, header: IfMatch) -> Response:
    """Apply a flag's repair: move that member to to_group (needs If-Match or version); records the new groupmates and tells the member."""
    user = auth.require("coordinator")
    run = health_flags.apply_repair(user, path.teacher_id, body.to_group, if_match=header.if_match, version=body.version)
    return respond(FlagRepairDone(run_id=run.id, version=run.version, teacher_id=path.teacher_id, group=body.to_group), headers={"ETag": f'"run-{run.id}-v{run.version}"'})
