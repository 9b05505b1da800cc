"""GDPR: a teacher's export of everything held about them, and erasure."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from markupsafe import escape
from sqlalchemy.orm import Session

from matcher.profiles.fields import PERSONAL_FIELDS

from .. import db
from ..auth import Identity
from ..models import ApiToken, CheckIn, CohortRun, ConsentDecision, OutboxMessage, PracticeExample, Suggestion, Teacher, User, utcnow
from ..problems import Problem
from .common import bump_profiles, pseudonym
from .cohort_review import forget_member, grouping_of
from .erasures import record_erasure
from .peers import connections, forget_programme
from .questionnaire import export_of as questionnaire_answers
from .rounds import forget_teacher as forget_round_records
from .teachers import get_teacher_for, profile_of

__all__ = ["export_teacher_data", "erase_teacher", "scrub"]


def _check(identity: Identity, teacher_id: str) -> Teacher:
    if identity.is_analyst:
        raise Problem(403, "Analysts cannot read or erase a teacher's data.")
    return get_teacher_for(identity, teacher_id, write=True)


def _memberships(s: Session, t: Teacher) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    runs = s.execute(sa.select(CohortRun).where(CohortRun.programme_id == t.programme_id, CohortRun.result.is_not(None)).order_by(CohortRun.id)).scalars()
    for run in runs:
        if run.status != "done":
            continue
        grouping = grouping_of(run)
        if t.id in grouping.assignment:
            index = grouping.group_of(t.id)
            # ``group``: the 1-based number the pages, the API and the CSV export use
            out.append({"cohort_run": run.id, "created_at": run.created_at.isoformat(), "group": index + 1, "group_size": len(grouping.groups[index])})
    return out


def export_teacher_data(identity: Identity, teacher_id: str) -> dict[str, Any]:
    """Everything stored about one teacher, as JSON-ready data (their own or, for coordinators, on request).

    ``connections`` lists the teachers connected with them (both accepted); a connected
    teacher's contact details are included only when that teacher agreed to share them,
    the same rule as the peers page.
    """
    t = _check(identity, teacher_id)
    s = db.session()
    profile = profile_of(t)
    accounts = []
    for user in s.execute(sa.select(User).where(User.programme_id == t.programme_id, User.teacher_id == t.id)).scalars():
        tokens = s.execute(sa.select(ApiToken).where(ApiToken.user_id == user.id)).scalars()
        accounts.append(
            {
                "username": user.username,
                "role": user.role,
                "created_at": user.created_at.isoformat(),
                "has_password": user.password_hash is not None,
                "api_tokens": [{"prefix": k.prefix, "name": k.name, "created_at": k.created_at.isoformat()} for k in tokens],
            }
        )
    suggestions = s.execute(sa.select(Suggestion).where(Suggestion.programme_id == t.programme_id, Suggestion.teacher_id == t.id).order_by(Suggestion.rank)).scalars()
    decisions = s.execute(sa.select(ConsentDecision).where(ConsentDecision.programme_id == t.programme_id, ConsentDecision.teacher_id == t.id).order_by(ConsentDecision.id)).scalars()
    shown_to = s.execute(sa.select(sa.func.count()).select_from(Suggestion).where(Suggestion.programme_id == t.programme_id, Suggestion.peer_id == t.id)).scalar_one()
    return {
        "exported_at": utcnow().isoformat(),
        "profile": {name: list(v) if isinstance(v := getattr(profile, name), tuple) else v for name in PERSONAL_FIELDS},
        "fields_you_edited": list(t.teacher_edited or ()),
        "school": {"urn": t.school.urn, "name": t.school.name, "local_authority": t.school.local_authority},
        "created_at": t.created_at.isoformat(),
        "updated_at": t.updated_at.isoformat(),
        "accounts": accounts,
        "suggested_peers": [
            {"peer_id": x.peer_id, "score": x.score, "kind": x.kind, "reasons": list(x.reasons), "computed_at": x.computed_at.isoformat()} for x in suggestions
        ],
        "decisions": [{"peer_id": d.peer_id, "decision": d.decision, "decided_at": d.decided_at.isoformat()} for d in decisions],
        "connections": connections(s, t.programme_id, t.id),
        "suggested_to_others": shown_to,
        "cohort_groups": _memberships(s, t),
        "check_ins": _check_ins(s, t),
        "questionnaires": questionnaire_answers(s, t.programme_id, t.id),
    }


def _check_ins(s: Session, t: Teacher) -> list[dict[str, Any]]:
    """The teacher's answers about their group's meetings, including the private "not a good fit"."""
    rows = s.execute(sa.select(CheckIn).where(CheckIn.programme_id == t.programme_id, CheckIn.teacher_id == t.id).order_by(CheckIn.meeting_start, CheckIn.id)).scalars()
    return [
        {
            "cohort_run": c.run_id,
            "group": c.group_number,
            "meeting_start": c.meeting_start.isoformat(),
            "met": c.met,
            "useful": c.useful,
            "tried": c.tried,
            "not_a_good_fit": c.not_a_good_fit,
            "answered_at": c.created_at.isoformat(),
            "updated_at": c.updated_at.isoformat(),
        }
        for c in rows
    ]


def _name_pattern(name: str) -> re.Pattern[str] | None:
    """The full name, or any of its words of two letters or more, as whole words.

    Reasons call people by their first name ("Sam's strength in singing..."); erring on
    the side of removing a namesake's first name too is the safe side.
    """
    words = sorted({name.strip(), *name.split()}, key=len, reverse=True)
    words = [w for w in words if len(w) >= 2]
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


def scrub(value: Any, teacher_id: str, name: str, replacement: str, _pattern: re.Pattern[str] | None = None) -> Any:
    """``value`` with the id (as a whole string) and the name (inside text) replaced.

    >>> scrub({"members": ["t-1", "t-2"], "reasons": ["Sam Lee's strength meets Jo's challenge; Sam is near."]},
    ...       "t-1", "Sam Lee", "p-x")
    {'members': ['p-x', 't-2'], 'reasons': ["p-x's strength meets Jo's challenge; p-x is near."]}
    """
    pattern = _pattern if _pattern is not None else _name_pattern(name)
    if isinstance(value, str):
        if value == teacher_id:
            return replacement
        return pattern.sub(replacement, value) if pattern is not None else value
    if isinstance(value, list):
        return [scrub(v, teacher_id, name, replacement, pattern) for v in value]
    if isinstance(value, dict):
        return {scrub(k, teacher_id, name, replacement, pattern): scrub(v, teacher_id, name, replacement, pattern) for k, v in value.items()}
    return value


def _scrub_outbox(s: Session, t: Teacher, alias: str) -> None:
    """Messages to others that name the teacher (a coordinator's digest with its at-risk list and
    "not a good fit" flags, a groupmate's "your group" mail with their address) keep the
    pseudonym instead of the id, name and address; the teacher's own messages go with them
    (``ON DELETE CASCADE``)."""
    id_pattern = re.compile(r"(?<![\w-])" + re.escape(t.id) + r"(?![\w-])")
    names = [p for p in {_name_pattern(t.name), _name_pattern(str(escape(t.name)))} if p is not None]
    addresses = {a for a in (t.email, str(escape(t.email or ""))) if a}

    def clean(text: str) -> str:
        for address in addresses:
            text = re.sub(re.escape(address), "(address erased)", text, flags=re.IGNORECASE)
        text = id_pattern.sub(alias, text)
        for pattern in names:
            text = pattern.sub(alias, text)
        return text

    rows = s.execute(
        sa.select(OutboxMessage).where(OutboxMessage.programme_id == t.programme_id, sa.or_(OutboxMessage.teacher_id.is_(None), OutboxMessage.teacher_id != t.id))
    ).scalars()
    for m in rows:
        subject, text, html = clean(m.subject), clean(m.body_text), clean(m.body_html)
        headers = {k: clean(v) if isinstance(v, str) else v for k, v in (m.headers or {}).items()}
        if (subject, text, html, headers) != (m.subject, m.body_text, m.body_html, m.headers):
            m.subject, m.body_text, m.body_html, m.headers = subject, text, html, headers


def erase_teacher(identity: Identity, teacher_id: str) -> None:
    """Erase a teacher: profile, accounts, tokens, suggestions and decisions are deleted.

    Cohort runs that included them keep the group with a pseudonym instead of the id and
    name; other teachers' "previous groupmates" lists get the pseudonym too, so history
    stays true without naming anyone. Future runs and suggestions no longer see them.
    An erasure record (keyed hashes of the id and the email, :mod:`.erasures`) makes
    every later import skip them.
    """
    t = _check(identity, teacher_id)
    s = db.session()
    programme_id = t.programme_id
    # Written first, so that this transaction holds the locks a finishing cohort run waits
    # for (SQLite's write lock, the programme's row): a run's result is either stored
    # before the scan below (and scrubbed by it) or checked by the run after this commits.
    bump_profiles(s, programme_id)
    alias = pseudonym(t.id)
    for run in s.execute(sa.select(CohortRun).where(CohortRun.programme_id == t.programme_id)).scalars():
        try:
            forget_member(run, t.id, alias)  # the stored grouping: ids only, explained on read
        except Problem:  # a result we cannot read as a grouping: replace the id and name as text
            run.result = scrub(run.result, t.id, t.name, alias)
        if run.params:
            cleaned = scrub(run.params, t.id, t.name, alias)
            if cleaned != run.params:
                run.params = cleaned
    for other in s.execute(sa.select(Teacher).where(Teacher.programme_id == t.programme_id, Teacher.id != t.id)).scalars():
        if t.id in (other.previous_groupmates or []):
            other.previous_groupmates = [alias if m == t.id else m for m in other.previous_groupmates]
    record_erasure(s, programme_id, t.id, t.email)
    s.execute(sa.update(PracticeExample).where(PracticeExample.author_teacher_id == t.id).values(author_teacher_id=None))
    s.execute(sa.delete(User).where(User.programme_id == t.programme_id, User.teacher_id == t.id))
    s.execute(sa.delete(Suggestion).where(Suggestion.programme_id == t.programme_id, sa.or_(Suggestion.teacher_id == t.id, Suggestion.peer_id == t.id)))
    s.execute(sa.delete(ConsentDecision).where(ConsentDecision.programme_id == t.programme_id, sa.or_(ConsentDecision.teacher_id == t.id, ConsentDecision.peer_id == t.id)))
    # Other teachers' stored peer lists may name them: drop the programme's (recomputed on demand).
    forget_programme(s, programme_id)
    _scrub_outbox(s, t, alias)
    forget_round_records(s, programme_id, t.id)  # their participation choice and groupmate history
    s.delete(t)
    s.flush()
