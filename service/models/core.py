"""Database tables (SQLAlchemy 2 declarative models): the base, programmes, schools, teachers,
accounts, suggestions, decisions, cohort runs and erasure records.

Rows only: no queries, no scoring. List-valued profile fields are JSON arrays, so one
schema works on SQLite and PostgreSQL. The migrations in ``service/migrations`` create
exactly these tables.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Base",
    "utcnow",
    "Programme",
    "School",
    "Teacher",
    "PracticeExample",
    "User",
    "ApiToken",
    "UserSession",
    "LoginAttempt",
    "Suggestion",
    "PeerList",
    "ConsentDecision",
    "CohortRun",
    "Erasure",
    "ROLES",
    "DECISIONS",
    "RUN_STATUSES",
]

ROLES = ("coordinator", "teacher", "analyst")
DECISIONS = ("accepted", "declined")
RUN_STATUSES = ("queued", "running", "done", "failed")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware timestamp on every backend (SQLite hands back naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    # JSON columns: lists of ids or theme ids, score terms, and free-form run records
    type_annotation_map = {
        datetime: UTCDateTime(),
        list[str]: sa.JSON,
        dict[str, float]: sa.JSON,
        dict[str, str]: sa.JSON,  # mail headers (SQLAlchemy 2.1 resolves only the exact annotation)
        dict[str, Any]: sa.JSON,
        dict[str, str]: sa.JSON,
    }


class Programme(Base):
    """A peer-learning programme: owns teachers, accounts and cohort runs.

    ``profiles_version`` goes up whenever any teacher of the programme changes (stored
    suggestions of an older version are stale); ``decisions_version`` whenever someone
    accepts or declines a suggestion.
    """

    __tablename__ = "programmes"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    profiles_version: Mapped[int] = mapped_column(default=1)
    decisions_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class School(Base):
    """A school record from the shipped schools table."""

    __tablename__ = "schools"
    urn: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(200))
    local_authority: Mapped[str] = mapped_column(sa.String(100), index=True)
    type: Mapped[str] = mapped_column(sa.String(100), default="")
    sector: Mapped[str] = mapped_column(sa.String(50), default="")
    phase: Mapped[str] = mapped_column(sa.String(50), default="")
    gender: Mapped[str] = mapped_column(sa.String(20), default="")
    religious_character: Mapped[str] = mapped_column(sa.String(100), default="")
    pupils: Mapped[int | None]
    fsm_percent: Mapped[float | None]
    eal_percent: Mapped[float | None]
    sen_percent: Mapped[float | None]
    ofsted_rating: Mapped[str] = mapped_column(sa.String(50), default="")
    ofsted_inspection_date: Mapped[str] = mapped_column(sa.String(20), default="")
    postcode: Mapped[str] = mapped_column(sa.String(12), default="")
    lat: Mapped[float]
    lon: Mapped[float]


class Teacher(Base):
    """One teacher's profile (the fields of :class:`matcher.profiles.TeacherProfile`).

    The profile columns are the fields of :data:`matcher.profiles.fields.FIELDS` (a test
    checks that none is missing). ``teacher_edited`` lists the fields the teacher changed
    themselves: a coordinator's re-import keeps the teacher's value of those.
    ``version`` is the optimistic-concurrency counter behind the profile's ETag.

    Teacher ids are per programme: the key is (``programme_id``, ``id``), and every table
    that names a teacher stores both (composite foreign keys), so two programmes can each
    have a teacher "t-001" and neither can see or block the other's. Look a teacher up by
    id with :func:`service.services.common.teacher_by_id`.
    """

    __tablename__ = "teachers"
    __table_args__ = (sa.PrimaryKeyConstraint("programme_id", "id", name="pk_teachers"),)
    id: Mapped[str] = mapped_column(sa.String(64))
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    school_urn: Mapped[int] = mapped_column(sa.ForeignKey("schools.urn"), index=True)
    department_size: Mapped[int] = mapped_column(default=1)
    role: Mapped[str] = mapped_column(sa.String(40), default="music_teacher")
    years_teaching: Mapped[int] = mapped_column(default=5)
    key_stages: Mapped[list[str]] = mapped_column(default=list)
    interests: Mapped[list[str]] = mapped_column(default=list)
    challenges: Mapped[list[str]] = mapped_column(default=list)
    strengths: Mapped[list[str]] = mapped_column(default=list)
    about: Mapped[str] = mapped_column(sa.Text, default="")
    meeting_mode: Mapped[str] = mapped_column(sa.String(20), default="either")
    availability: Mapped[list[str]] = mapped_column(default=list)
    max_travel_km: Mapped[float] = mapped_column(default=10.0)
    context_preference: Mapped[str] = mapped_column(sa.String(20), default="mixed")
    consent_share_contact: Mapped[bool] = mapped_column(default=False)
    previous_groupmates: Mapped[list[str]] = mapped_column(default=list)
    teacher_edited: Mapped[list[str]] = mapped_column(default=list, server_default=sa.text("'[]'"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    school: Mapped[School] = relationship(lazy="joined", viewonly=True)


class PracticeExample(Base):
    """One example from the practice catalogue (:class:`matcher.practice.catalogue.PracticeExample`)."""

    __tablename__ = "practice_examples"
    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text)
    themes: Mapped[list[str]] = mapped_column(default=list)
    key_stages: Mapped[list[str]] = mapped_column(default=list)
    contexts: Mapped[list[str]] = mapped_column(default=list)
    resources: Mapped[list[str]] = mapped_column(default=list)
    time_to_try: Mapped[str] = mapped_column(sa.String(40), default="")
    author_teacher_id: Mapped[str | None] = mapped_column(sa.String(64))


class User(Base):
    """An account: a coordinator, a teacher (linked to one profile) or an analyst."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('coordinator', 'teacher', 'analyst')", name="role"),
        sa.UniqueConstraint("programme_id", "teacher_id", name="uq_users_teacher"),
        # No ON DELETE action (SET NULL would clear programme_id too): erasure deletes the account first.
        sa.ForeignKeyConstraint(["programme_id", "teacher_id"], ["teachers.programme_id", "teachers.id"], name="fk_users_teacher_teachers"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(300))
    role: Mapped[str] = mapped_column(sa.String(20))
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[str | None] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where a coordinator's weekly health digest goes (teachers' mail uses their profile's e-mail).
    email: Mapped[str | None] = mapped_column(sa.String(254))


class ApiToken(Base):
    """A Bearer token; only its SHA-256 is stored, ``prefix`` lets people tell tokens apart.

    A token stops working at ``expires_at`` (``None``: never) or once ``revoked_at`` is set.
    """

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class UserSession(Base):
    """A signed-in browser session; the cookie carries a random id, only its SHA-256 is stored.

    A session ends when ``revoked_at`` is set (sign-out, password or role change,
    deactivation), when its user row is deleted (erasure), after the absolute lifetime
    from ``created_at`` or after the idle timeout from ``last_seen_at``.
    """

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """One sign-in attempt, kept for rate limiting (shared by every worker process)."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), index=True)
    address: Mapped[str] = mapped_column(sa.String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Suggestion(Base):
    """A stored peer suggestion (the cache of :func:`matcher.peers.suggest_peers`)."""

    __tablename__ = "suggestions"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "teacher_id", "peer_id", name="uq_suggestions_pair"),
        sa.ForeignKeyConstraint(["programme_id", "teacher_id"], ["teachers.programme_id", "teachers.id"], name="fk_suggestions_teacher_teachers", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["programme_id", "peer_id"], ["teachers.programme_id", "teachers.id"], name="fk_suggestions_peer_teachers", ondelete="CASCADE"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int]
    teacher_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    peer_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    rank: Mapped[int]
    score: Mapped[float]
    kind: Mapped[str] = mapped_column(sa.String(20))
    terms: Mapped[dict[str, float]] = mapped_column(default=dict)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    profiles_version: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PeerList(Base):
    """A teacher's suggested peers, rendered (names, schools, reasons) as the API's JSON.

    One read by primary key answers the common case (no decisions yet); rows of an older
    ``profiles_version`` are stale and are recomputed on demand.
    """

    __tablename__ = "peer_lists"
    __table_args__ = (
        sa.PrimaryKeyConstraint("programme_id", "teacher_id", name="pk_peer_lists"),
        sa.ForeignKeyConstraint(["programme_id", "teacher_id"], ["teachers.programme_id", "teachers.id"], name="fk_peer_lists_teacher_teachers", ondelete="CASCADE"),
    )
    programme_id: Mapped[int]
    teacher_id: Mapped[str] = mapped_column(sa.String(64))
    profiles_version: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentDecision(Base):
    """A teacher's answer to one suggestion; contact is shared when both sides accepted."""

    __tablename__ = "consent_decisions"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "teacher_id", "peer_id", name="uq_consent_decisions_pair"),
        sa.CheckConstraint("decision IN ('accepted', 'declined')", name="decision"),
        sa.ForeignKeyConstraint(["programme_id", "teacher_id"], ["teachers.programme_id", "teachers.id"], name="fk_consent_decisions_teacher_teachers", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["programme_id", "peer_id"], ["teachers.programme_id", "teachers.id"], name="fk_consent_decisions_peer_teachers", ondelete="CASCADE"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int]
    teacher_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    peer_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    decision: Mapped[str] = mapped_column(sa.String(10))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class CohortRun(Base):
    """One run of cohort generation and its (editable) result.

    ``version`` is the optimistic-concurrency counter behind the ETag: every edit of the
    result must name the version it started from.
    """

    __tablename__ = "cohort_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    progress: Mapped[float] = mapped_column(default=0.0, server_default="0")
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any] | None]
    error: Mapped[dict[str, Any] | None]
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # Refreshed every few seconds by the process that holds the run (queued or solving);
    # a stale one means that process is gone (service/services/run_recovery.py).
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # The round the run belongs to (models Round); set once it is published (then locked).
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rounds.id", ondelete="SET NULL"), index=True)
    published_at: Mapped[datetime | None]


class Erasure(Base):
    """A record that a teacher asked to be erased, kept so that no import brings them back.

    ``digest`` is a keyed hash (HMAC-SHA256 with the erasure key) of the programme and
    either the teacher id (``kind`` "teacher") or the normalised email ("email"): it
    recognises the same teacher in a later file but names nobody and cannot be reversed
    without the key.
    """

    __tablename__ = "erasures"
    __table_args__ = (sa.CheckConstraint("kind IN ('teacher', 'email')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
