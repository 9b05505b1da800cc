"""Pydantic models of the cohort-run API: run requests and paths, run status, cohort
figures, groups, and the approve/move/repair requests (shared types: :mod:`.schemas`).

>>> run = CohortRunIn(size_min=3, size_max=5)
>>> (run.size_min, run.size_max)
(3, 5)
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matcher.cohorts.defaults import DEFAULTS as COHORT_DEFAULTS

from .schemas import MAX_DB_INT, DbInt, Strict, TeacherId


GroupSize = Annotated[int, Field(ge=2, le=12)]
# The time-limit rule lives in service.services.cohort_runs.cohort_time_limit (one rule for
# every caller); the schema only documents it.
SECONDS_RULE = (
    "time limit in seconds; default PEERMATCH_COHORT_DEFAULT_SECONDS (10 unless configured); must be more than 0 and "
    "at most PEERMATCH_COHORT_MAX_SECONDS (300 unless configured), else 422 naming 'seconds' and the allowed range"
)
TeacherGroup = Annotated[list[TeacherId], Field(min_length=2, max_length=12)]


class RunPath(BaseModel):
    run_id: DbInt


class GroupPath(BaseModel):
    run_id: DbInt
    group: Annotated[int, Field(ge=1, le=100_000, description="the group's number as people see it: 1 is the first (as in messages, pages and the CSV export)")]


class IfMatch(BaseModel):
    if_match: str | None = Field(None, alias="If-Match", max_length=200, description="the run's ETag, from GET; or send 'version' in the body")


class CohortRunIn(Strict):
    """What to solve: group size bounds, constraints, time limit and seed."""

    size_min: GroupSize = 4
    size_max: GroupSize = 6
    seconds: float | None = Field(None, description=SECONDS_RULE)
    seed: Annotated[int, Field(ge=0, le=MAX_DB_INT)] = 0
    fairness: float = Field(COHORT_DEFAULTS.fairness, ge=0, le=1, description="0 maximises the total; 1 maximises the worst-off member's score")
    coverage: float = Field(COHORT_DEFAULTS.coverage, ge=0, le=10, description="weight of covering each other's challenges in the objective")
    keep_apart: Annotated[list[TeacherGroup], Field(max_length=500)] = []
    keep_together: Annotated[list[TeacherGroup], Field(max_length=500)] = []
    teacher_ids: Annotated[list[TeacherId], Field(min_length=2, max_length=20_000)] | None = Field(None, description="only these teachers (default: the whole programme)")
    round_id: DbInt | None = Field(
        None, description="the round the run belongs to: only teachers opted in to it (unless teacher_ids), and groupmates of the last published rounds kept apart"
    )
    common_slot: Annotated[bool, Field(strict=True)] | None = Field(
        None, description="every group shares at least one free slot (teachers who listed no availability do not constrain); "
        "default: on when at least half the run's teachers listed availability. The run's params say which was used "
        "(common_slot) and why (common_slot_reason); a group the rule could not be met for is named in the result's violations"
    )

    def model_post_init(self, __context: Any) -> None:
        if self.size_min > self.size_max:
            from pydantic_core import PydanticCustomError

            raise PydanticCustomError("size_range", "size_min must not be larger than size_max")


class RunError(BaseModel):
    status: int
    title: str | None = None
    detail: str
    errors: list[dict[str, Any]] | None = None


class LostGroup(BaseModel):
    """A group of a finished run that lost members to erasure (GDPR) since the run."""

    index: int = Field(description="the group's 0-based position in the result's list (group - 1); name groups by 'group'")
    group: int = Field(description="the group's number as people see it (1 is the first), as in paths and bodies")
    erased: int = Field(description="members erased since the run (their pseudonyms stay in 'members')")
    members_left: int
    size_min: int = Field(description="the run's smallest group size")


RunStatus = Literal["queued", "running", "done", "failed"]  # models.RUN_STATUSES


# One scale for every score a coordinator reads (matcher.cohorts.results.SCALE): pages, API and CSV.
AFFINITY_SCALE = (
    "on the affinity scale: 0 (nothing to offer each other, or hard to meet) to 1 (each meets the other's challenges, "
    "shares interests and context, and can meet easily); the boost for isolated teachers can lift a pair a little above 1"
)


class CohortFiguresOut(BaseModel):
    """Cohort-level figures of a result (matcher.cohorts.CohortFigures); more fields may be added."""

    model_config = ConfigDict(extra="allow")

    teachers: int
    groups: int
    mean_affinity: float = Field(description="mean over members of their score (mean affinity to their groupmates), " + AFFINITY_SCALE)
    min_affinity: float = Field(description="the lowest member score in the cohort, same scale")
    random_affinity: float | None = Field(
        None, description="mean affinity of a pair drawn at random from the cohort: what groups drawn at random would score; compare mean_affinity with it"
    )
    coverage_share: float = Field(description="share (0-1) of members' challenges that a groupmate's strengths meet")
    isolated: int = Field(description="departments of one in the cohort")
    isolated_placed: int = Field(description="departments of one with a groupmate within their travel limit")
    mean_travel_km: float = Field(description="mean distance between groupmates' schools, km")
    constraints: int = Field(description="hard constraints in force, all kinds together; see 'rules' for what they are")
    rules: dict[str, int] = Field(
        {},
        description=(
            "the hard constraints by kind: cannot_meet (pairs who cannot meet: online only with in person only, or beyond a "
            "travel limit), same_school (pairs of colleagues), previous (previous groupmates), keep_apart (pairs on the "
            "keep-apart list) - a pair counts under each rule it breaks; keep_together (sets), locked (approved groups); "
            "in_person_only (members, for large cohorts whose unmeetable pairs are not listed)"
        ),
    )
    objective: float = Field(description="summed affinity of every pair that shares a group: what the search maximises (grows with cohort size; not a score to compare)")
    upper_bound: float | None = Field(
        description="a proven ceiling on 'objective': no grouping of this cohort under these rules can score more; null when the solver found none (large cohorts, a manual edit, a repair)"
    )
    gap: float | None = Field(
        description="(upper_bound - objective) / upper_bound: how far these groups could at most be from the best possible grouping (0.02: within 2%); null when upper_bound is"
    )
    seed: int
    seconds: float = Field(description="how long the search took")
    moved: int | None = Field(None, description="members who changed group in the last edit (move or repair)")
    common_slot: bool | None = Field(None, description="whether the common free slot rule was on")
    slot_groups: int | None = Field(None, description="groups whose members share a free slot (or where nobody listed availability)")


class GroupOut(BaseModel):
    """One group of a result (matcher.cohorts.Group, with its approval); more fields may be added."""

    model_config = ConfigDict(extra="allow")

    group: int = Field(description="the group's number as people see it (1 is the first): use it in paths and in 'to_group'")
    index: int = Field(description="the group's 0-based position in 'groups' (group - 1)")
    id: int = Field(description="the same as 'group'")
    members: list[str]
    names: list[str]
    size: int
    mean_affinity: float = Field(description="the group's score: mean affinity of its pairs, " + AFFINITY_SCALE)
    score: float = Field(description="summed affinity of its pairs (the group's share of 'objective'; grows with size, so not on the affinity scale)")
    member_affinity: dict[str, float] = Field(description="each member's score: mean affinity to their groupmates, same scale as mean_affinity")
    worst_off: str = Field(description="the member with the lowest score")
    worst_off_score: float
    worst_off_behind: bool = Field(
        False, description="true when the worst-off member is meaningfully behind: under half the group's score and at least 0.10 below it"
    )
    coverage: dict[str, list[str]] = Field(description="each challenge theme of a member, and the groupmates whose strengths meet it")
    uncovered: list[str]
    reasons: list[str]
    approved: bool
    locked: bool = Field(description="the same as 'approved'")
    mean_distance_km: float | None
    violations: list[str] = Field([], description="the rules this group breaks, each naming the rule and the reason (e.g. after a manual move)")
    shared_slots: list[str] = Field([], description="free slots (e.g. mon_pm) every member who listed availability lists")
    shares_slot: bool | None = Field(None, description="whether the members share a free slot; null when nobody in the group listed availability")


class CohortResultOut(BaseModel):
    """A run's groups and figures, explained on read."""

    model_config = ConfigDict(extra="allow")

    figures: CohortFiguresOut
    groups: list[GroupOut]
    unplaced: list[str]
    violations: list[str] = Field(description="every rule the groups break, naming the group, the rule and the reason")


class CohortRunOut(BaseModel):
    """A cohort run: its status, its constraints and (when done) its groups and figures."""

    id: int
    status: RunStatus
    progress: float = Field(description="share of the time limit used so far (1 when done)")
    version: int
    params: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result: CohortResultOut | None = Field(
        description="groups (members, scores, reasons, approved) and cohort figures: the run's stored grouping explained by matcher.cohorts on read; members erased since the run appear under a pseudonym, named 'Erased teacher'"
    )
    error: RunError | None
    preview: bool = Field(False, description="true for a dry-run move: the result shown is not saved")
    lost_members: list[LostGroup] = Field(
        [], description="groups that lost members who were erased since the run; POST /cohort-runs/{run_id}/repair (nobody need be named) refills them"
    )
    round_id: int | None = Field(None, description="the round the run belongs to")
    published_at: datetime | None = Field(None, description="when the run was published (then locked: edits get 409)")


class CohortRunList(BaseModel):
    items: list[CohortRunOut]
    total: int
    page: int
    per_page: int
    pages: int


class ApproveIn(Strict):
    approved: bool = True
    version: int | None = Field(None, ge=0, description="the version you edit from (or send If-Match)")


class MoveIn(Strict):
    teacher_id: TeacherId
    to_group: Annotated[int, Field(ge=1, le=100_000, description="the target group's number as people see it: 1 is the first (the result's 'group')")]
    dry_run: bool = Field(False, description="only show the new figures; save nothing")
    version: int | None = Field(None, ge=0)


class RepairIn(Strict):
    """Who dropped out and who joined late; members erased since the run always count as dropped.

    An empty body (no JSON at all) means the same as ``{}``: nobody named, so the repair
    refills the groups that members erased since the run left short.
    """

    model_config = ConfigDict(extra="forbid", openapi_extra={"required": False})  # type: ignore[typeddict-unknown-key]  # flask-openapi3 reads it: the body may be left out

    @model_validator(mode="before")
    @classmethod
    def _empty_body_is_empty_object(cls, data: object) -> object:
        return {} if data is None else data

    dropped: Annotated[list[TeacherId], Field(max_length=5000)] = []
    joined: Annotated[list[TeacherId], Field(max_length=5000)] = []
    seconds: float | None = Field(None, description=SECONDS_RULE)
    version: int | None = Field(None, ge=0)
