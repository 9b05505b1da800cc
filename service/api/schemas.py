"""Pydantic models of the API's requests and responses (the OpenAPI document is built from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

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
