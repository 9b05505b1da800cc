"""Database tables (SQLAlchemy 2 declarative models), one ``Base`` and one metadata.

Rows only: no queries, no scoring. List-valued profile fields are JSON arrays, so one
schema works on SQLite and PostgreSQL. The migrations in ``service/migrations`` create
exactly these tables. :mod:`.core` holds the base and the tables of people and runs,
:mod:`.year` those of the programme year (outbox, mail preferences, rounds, history), :mod:`.outcomes`
check-ins, questionnaires and learned-weight proposals;
importing this package registers them all.
"""

from __future__ import annotations

from .core import (
    Base,
    utcnow,
    Programme,
    School,
    Teacher,
    PracticeExample,
    User,
    ApiToken,
    UserSession,
    LoginAttempt,
    Suggestion,
    PeerList,
    ConsentDecision,
    CohortRun,
    Erasure,
    ROLES,
    DECISIONS,
    RUN_STATUSES,
)
from .year import (
    MESSAGE_STATUSES,
    OutboxMessage,
    MailPreference,
    PARTICIPATION,
    Round,
    RoundParticipation,
    GroupmateHistory,
)
from .outcomes import (
    MET_ANSWERS,
    QUESTIONNAIRE_PHASES,
    PROPOSAL_STATUSES,
    CheckIn,
    QuestionnaireResponse,
    WeightProposal,
)

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
    "MESSAGE_STATUSES",
    "OutboxMessage",
    "MailPreference",
    "PARTICIPATION",
    "Round",
    "RoundParticipation",
    "GroupmateHistory",
    "MET_ANSWERS",
    "QUESTIONNAIRE_PHASES",
    "PROPOSAL_STATUSES",
    "CheckIn",
    "QuestionnaireResponse",
    "WeightProposal",
]
