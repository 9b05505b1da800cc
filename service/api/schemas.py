"""Pydantic models of the API's requests and responses (the OpenAPI document is built from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matcher.cohorts.defaults import DEFAULTS as COHORT_DEFAULTS
from matcher.profiles.fields import MAX_ABOUT_CHARS, MAX_NAME_CHARS
from matcher.peers.suggest import KINDS
from matcher.profiles.teacher import (
    AVAILABILITY_SLOTS,
    CONTEXT_PREFERENCES,
    KEY_STAGES,
    MAX_DEPARTMENT_SIZE,
    MAX_TRAVEL_KM,
    MAX_YEARS_TEACHING,
    MEETING_MODES,
    ROLES,
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
NO_NUL = r"^[^\x00]*$"
MAX_DB_INT = 2_147_483_647

TeacherId = Annotated[str, Field(pattern=ID_PATTERN, description="letters, digits, '-', '_' or '.', at most 64")]
DbInt = Annotated[int, Field(ge=0, le=MAX_DB_INT)]
Text = Annotated[str, Field(max_length=200, pattern=NO_NUL)]
ThemeId = Annotated[str, Field(max_length=64, pattern=NO_NUL, description="a theme id from GET /api/v1/themes")]
Role = Literal[ROLES]  # type: ignore[valid-type]
KeyStage = Literal[KEY_STAGES]  # type: ignore[valid-type]
Slot = Literal[AVAILABILITY_SLOTS]  # type: ignore[valid-type]
MeetingMode = Literal[MEETING_MODES]  # type: ignore[valid-type]
ContextPreference = Literal[CONTEXT_PREFERENCES]  # type: ignore[valid-type]
PeerKind = Literal[KINDS]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- paths and queries ------------------------------------------------------------------


class TeacherPath(BaseModel):
    teacher_id: TeacherId


class PeerPath(BaseModel):
    teacher_id: TeacherId
    peer_id: TeacherId


class SchoolPath(BaseModel):
    urn: DbInt


class ExamplePath(BaseModel):
    example_id: Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)]


class PageQuery(BaseModel):
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100, description="at most 100")


class TeacherQuery(PageQuery):
    q: Text | None = Field(None, description="part of a name or id")
    local_authority: Text | None = Field(None, description="the school's local authority (borough), exactly")
    department_of_one: bool | None = None
    theme: ThemeId | None = Field(None, description="in the teacher's interests, challenges or strengths")
    school_urn: DbInt | None = None


class SchoolQuery(PageQuery):
    q: Text | None = Field(None, description="part of a school name")
    local_authority: Text | None = None


class ExampleQuery(PageQuery):
    q: Text | None = Field(None, description="words in the title or summary")
    theme: ThemeId | None = None
    key_stage: KeyStage | None = None
    context: Text | None = None


class KQuery(BaseModel):
    k: int = Field(5, ge=1, le=50, description="how many")


# ---- teachers ---------------------------------------------------------------------------

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]
Email = Annotated[str, Field(max_length=254)]
About = Annotated[str, Field(max_length=MAX_ABOUT_CHARS)]
Themes = Annotated[list[ThemeId], Field(max_length=60)]
Urn = Annotated[int, Field(ge=0, le=MAX_DB_INT, description="the school's URN (GET /api/v1/schools)")]
DeptSize = Annotated[int, Field(ge=1, le=MAX_DEPARTMENT_SIZE)]
Years = Annotated[int, Field(ge=0, le=MAX_YEARS_TEACHING)]
TravelKm = Annotated[float, Field(ge=0, le=MAX_TRAVEL_KM)]


class TeacherIn(Strict):
    """A new teacher profile."""

    id: TeacherId
    name: Name
    school_urn: Urn
    email: Email = ""
    department_size: DeptSize = 1
    role: Role = "music_teacher"
    years_teaching: Years = 5
    key_stages: Annotated[list[KeyStage], Field(min_length=1, max_length=6)] = ["KS3"]
    interests: Themes = []
    challenges: Themes = []
    strengths: Themes = []
    about: About = ""
    meeting_mode: MeetingMode = "either"
    availability: Annotated[list[Slot], Field(max_length=16)] = []
    max_travel_km: TravelKm = 10.0
    context_preference: ContextPreference = "mixed"
    consent_share_contact: bool = False
    previous_groupmates: Annotated[list[TeacherId], Field(max_length=200)] = []


class TeacherPatch(Strict):
    """Some fields of a profile; fields left out keep their value."""

    name: Name | None = None
    school_urn: Urn | None = None
    email: Email | None = None
    department_size: DeptSize | None = None
    role: Role | None = None
    years_teaching: Years | None = None
    key_stages: Annotated[list[KeyStage], Field(min_length=1, max_length=6)] | None = None
    interests: Themes | None = None
    challenges: Themes | None = None
    strengths: Themes | None = None
    about: About | None = None
    meeting_mode: MeetingMode | None = None
    availability: Annotated[list[Slot], Field(max_length=16)] | None = None
    max_travel_km: TravelKm | None = None
    context_preference: ContextPreference | None = None
    consent_share_contact: bool | None = Field(None, description="the teacher's own decision: only the teacher may change it")
    previous_groupmates: Annotated[list[TeacherId], Field(max_length=200)] | None = None
    version: int | None = Field(None, ge=0, description="the version you edit from (or send If-Match with the ETag from GET)")


class TeacherIfMatch(BaseModel):
    if_match: str | None = Field(None, alias="If-Match", max_length=200, description="the profile's ETag, from GET; or send 'version' in the body")


class SchoolBrief(BaseModel):
    urn: int
    name: str
    local_authority: str
    lat: float
    lon: float


class SchoolOut(SchoolBrief):
    type: str
    sector: str
    phase: str
    gender: str
    religious_character: str
    pupils: int | None
    fsm_percent: float | None
    eal_percent: float | None
    sen_percent: float | None
    ofsted_rating: str
    ofsted_inspection_date: str
    postcode: str


class SchoolList(BaseModel):
    items: list[SchoolOut]
    total: int
    page: int
    per_page: int
    pages: int


class TeacherOut(BaseModel):
    """A teacher profile as its owner and coordinators see it."""

    id: str
    name: str
    email: str
    school_urn: int
    school: SchoolBrief
    department_size: int
    role: str
    years_teaching: int
    key_stages: list[str]
    interests: list[str]
    challenges: list[str]
    strengths: list[str]
    about: str
    meeting_mode: str
    availability: list[str]
    max_travel_km: float
    context_preference: str
    consent_share_contact: bool
    previous_groupmates: list[str]
    version: int
    updated_at: datetime


class TeacherList(BaseModel):
    items: list[TeacherOut]
    total: int
    page: int
    per_page: int
    pages: int


class ImportQuery(BaseModel):
    overwrite_teacher_edits: bool = Field(
        False, description="replace the values teachers changed themselves with the file's (consent is never replaced)"
    )


class KeptOut(BaseModel):
    row: int | None = Field(description="the file line (CSV) or item number (JSON)")
    teacher_id: str
    fields: list[str] = Field(description="fields that kept the teacher's value instead of the file's")


class SkippedOut(BaseModel):
    row: int | None
    teacher_id: str
    message: str


class ImportOut(BaseModel):
    created: int
    updated: int
    total: int
    kept_teacher_values: list[KeptOut] = Field([], description="rows where a teacher's own choices were kept")
    skipped: list[SkippedOut] = Field([], description="rows not stored, e.g. teachers erased at their request")


# ---- peers ------------------------------------------------------------------------------


class Contact(BaseModel):
    name: str
    email: str


class PeerOut(BaseModel):
    """One suggested peer, with the reasons, the consent state and (when allowed) contact details."""

    peer_id: str
    name: str
    school: SchoolBrief
    score: float
    kind: PeerKind | None = Field(
        description="'similar' (a school context like yours: reassurance) or 'new ideas' (a different context), as matcher.peers.KINDS; "
        "null for a peer outside your list (they asked to connect, or you accepted them earlier) whom the service holds no score for"
    )
    terms: dict[str, float]
    reasons: list[str]
    my_decision: Literal["accepted", "declined"] | None
    requested_by_peer: bool = Field(description="the peer has accepted you")
    incoming: bool = Field(description="not in your list, but the peer asked to connect with you")
    status: Literal["pending", "waiting_for_peer", "declined", "connected"] = Field(
        description="'declined' appears only in the answer to a decision: declined peers are listed under 'declined', not among the suggestions"
    )
    contact: Contact | None = Field(description="only when you are connected (both accepted) and the peer agreed to share contact details")
    contact_withheld: bool = Field(False, description="connected, but the peer has not agreed to share contact details")


class DeclinedPeerOut(BaseModel):
    """A peer the teacher declined: no longer suggested; DELETE the decision to undo."""

    peer_id: str
    name: str
    school: SchoolBrief
    decided_at: datetime


class PeersOut(BaseModel):
    teacher_id: str
    share_my_contact: bool = Field(description="whether this teacher agreed to share contact details with peers they connect with (profile field consent_share_contact)")
    suggestions: list[PeerOut]
    declined: list[DeclinedPeerOut] = Field(description="peers this teacher declined, newest first; they are left out of the suggestions")


class DecisionIn(Strict):
    decision: Literal["accepted", "declined"]


# ---- practice ---------------------------------------------------------------------------


class ExampleOut(BaseModel):
    id: str
    title: str
    summary: str
    themes: list[str]
    key_stages: list[str]
    contexts: list[str]
    resources: list[str]
    time_to_try: str
    author_teacher_id: str | None


class ExampleList(BaseModel):
    items: list[ExampleOut]
    total: int
    page: int
    per_page: int
    pages: int


class RecommendationOut(BaseModel):
    example: ExampleOut
    score: float
    terms: dict[str, float]
    reasons: list[str]


class RecommendationsOut(BaseModel):
    teacher_id: str
    items: list[RecommendationOut]


# ---- misc -------------------------------------------------------------------------------


class ThemeOut(BaseModel):
    id: str
    label: str
    description: str
    group: str


class ThemesOut(BaseModel):
    groups: list[str]
    items: list[ThemeOut]


class MeOut(BaseModel):
    username: str
    role: str
    programme_id: int
    programme: str
    teacher_id: str | None


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    status: Literal["ready"]
    database: str


# ---- cohort runs ------------------------------------------------------------------------

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
