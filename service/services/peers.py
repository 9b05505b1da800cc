"""Peer suggestions: computed by ``matcher.peers``, stored, cached, and answered with consent.

Each teacher's suggestions are stored twice: as rows (:class:`Suggestion`, for queries:
"was this peer suggested?", the GDPR export, practice boosts) and as the rendered JSON
answer (:class:`PeerList`: names, schools, reasons). Both carry the programme's
``profiles_version`` at the time; any profile change in the programme bumps that
version, so older ones are stale and are recomputed on the next request
(``peermatch suggestions refresh`` recomputes them all up front).

Peers a teacher declined are no longer suggested to them: every computation leaves them
out (and fills the list from the next best peers), and a decline (or its undo) recomputes
that teacher's stored list at once. The answer lists them apart, under ``declined``, so
that the teacher can undo.

An answer is the stored JSON as it is when nobody has accepted or declined anything
involving the teacher, and otherwise the stored JSON with the consent state laid over
it. Answers are also cached in each process, keyed by the profiles and decisions
versions, so a repeated request costs two small queries.

Contact details of a teacher X reach a teacher Y only when both accepted each other
*and* X agreed to share them (``consent_share_contact`` in X's profile); otherwise Y
sees that they are connected and that X has not agreed to share contact details.
:func:`connections` is that rule, for the answer and for Y's GDPR export alike.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from flask import json
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import db
from ..auth import Identity
from ..models import ConsentDecision, School, Suggestion, Teacher, utcnow
from ..problems import Problem
from .common import bump_decisions
# Computing and storing the lists has its own module; its public names are importable from here too.
from .peer_lists import compute_for, forget_programme, is_fresh, peer_entry, refresh_programme, restore, school_entry, stored_body

__all__ = [
    "peers_json",
    "peers_for",
    "decide",
    "undo",
    "connections",
    "compute_for",
    "refresh_programme",
    "is_fresh",
    "clear_cache",
    "forget_programme",
]

_CACHE: OrderedDict[tuple[str, int, str, int, int], bytes] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 20_000

# Plain SQL for the per-request queries of the hottest endpoint: building SQLAlchemy
# expressions costs more than running them.
_ACCESS = sa.text(
    "SELECT t.programme_id, p.profiles_version, p.decisions_version FROM teachers t "
    "JOIN programmes p ON p.id = t.programme_id WHERE t.programme_id = :p AND t.id = :id"
)
_DECISIONS = sa.text("SELECT teacher_id, peer_id, decision FROM consent_decisions WHERE programme_id = :p AND (teacher_id = :id OR peer_id = :id)")


def clear_cache() -> None:
    """Forget every rendered answer of this process."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _access(identity: Identity, teacher_id: str) -> tuple[int, int, int]:
    """Check access to a teacher's suggestions; returns the programme id and its two versions."""
    row = db.session().connection().execute(_ACCESS, {"p": identity.programme_id, "id": teacher_id}).first()
    if row is None or row.programme_id != identity.programme_id:  # another programme's: as if missing
        raise Problem(404, f"There is no teacher with id {teacher_id!r}.")
    if identity.is_coordinator and row.programme_id == identity.programme_id:
        return row[0], row[1], row[2]
    if identity.is_teacher and identity.teacher_id == teacher_id:
        return row[0], row[1], row[2]
    if identity.is_analyst:
        raise Problem(403, "Analysts see pseudonymised exports only, not suggestions.")
    raise Problem(403, f"The suggestions of {teacher_id!r} are not yours to see.")


def _status(mine: str | None, theirs: str | None) -> str:
    if mine == "declined":
        return "declined"
    if mine == "accepted":
        return "connected" if theirs == "accepted" else "waiting_for_peer"
    return "pending"


# ---- contact details: the one rule ---------------------------------------------------------


def _contact_rows(s: Session, programme_id: int, peer_ids: Iterable[str]) -> dict[str, tuple[str, str, bool]]:
    """``{id: (name, email, consent_share_contact)}`` of some teachers of a programme."""
    ids = list(peer_ids)
    if not ids:
        return {}
    rows = s.execute(sa.select(Teacher.id, Teacher.name, Teacher.email, Teacher.consent_share_contact).where(Teacher.programme_id == programme_id, Teacher.id.in_(ids)))
    return {r.id: (r.name, r.email, bool(r.consent_share_contact)) for r in rows}


def _contact_of(name: str, email: str, consent: bool) -> tuple[dict[str, str] | None, bool]:
    """What a connected teacher sees of a peer: ``(contact or None, withheld)``.

    The contact leaves the service only with the peer's own consent to share it.

    >>> _contact_of("Sam Lee", "sam@school.example", True)
    ({'name': 'Sam Lee', 'email': 'sam@school.example'}, False)
    >>> _contact_of("Sam Lee", "sam@school.example", False)
    (None, True)
    """
    if not consent:
        return None, True
    return ({"name": name, "email": email} if email else None), False


def connections(s: Session, programme_id: int, teacher_id: str) -> list[dict[str, Any]]:
    """The teachers connected with ``teacher_id`` (both accepted), with what may be shown of each.

    Each is ``{"peer_id", "name", "contact", "contact_withheld"}``: ``contact`` is the
    peer's name and email only when the peer agreed to share contact details;
    ``contact_withheld`` is true when they did not. Used by the answer and the GDPR export.
    """
    mine = set(
        s.execute(sa.select(ConsentDecision.peer_id).where(ConsentDecision.programme_id == programme_id, ConsentDecision.teacher_id == teacher_id, ConsentDecision.decision == "accepted")).scalars()
    )
    theirs = set(
        s.execute(sa.select(ConsentDecision.teacher_id).where(ConsentDecision.programme_id == programme_id, ConsentDecision.peer_id == teacher_id, ConsentDecision.decision == "accepted")).scalars()
    )
    out = []
    for peer_id, (name, email, consent) in sorted(_contact_rows(s, programme_id, mine & theirs).items()):
        contact, withheld = _contact_of(name, email, consent)
        out.append({"peer_id": peer_id, "name": name, "contact": contact, "contact_withheld": withheld})
    return out


# ---- the answer ------------------------------------------------------------------------------


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def _outside_entries(s: Session, programme_id: int, teacher_id: str, peer_ids: Sequence[str], incoming: set[str]) -> list[dict[str, Any]]:
    """Entries for peers who are not in the teacher's stored list (they asked, or were accepted earlier).

    Score and kind come from the peer's own suggestion of the teacher when there is one;
    otherwise the score is 0 and the kind ``None``.
    """
    if not peer_ids:
        return []
    back = {
        x.teacher_id: x
        for x in s.execute(
            sa.select(Suggestion).where(Suggestion.programme_id == programme_id, Suggestion.teacher_id.in_(list(peer_ids)), Suggestion.peer_id == teacher_id)
        ).scalars()
    }
    people = s.execute(
        sa.select(Teacher.id, Teacher.name, School).join(School, School.urn == Teacher.school_urn).where(Teacher.programme_id == programme_id, Teacher.id.in_(list(peer_ids)))
    ).all()
    out = []
    for peer_id, name, school in sorted(people, key=lambda r: r[0]):
        x = back.get(peer_id)
        first = _first_name(name)
        reason = f"{first} would like to connect with you." if peer_id in incoming else f"You accepted {first} earlier."
        entry = peer_entry(peer_id, name, school_entry(school), x.score if x else 0.0, x.kind if x else None, dict(x.terms) if x else {}, [reason])
        entry["incoming"] = peer_id in incoming
        out.append(entry)
    return out


def _declined_entries(s: Session, programme_id: int, teacher_id: str) -> list[dict[str, Any]]:
    """The peers a teacher declined, newest first (name and school, for an undo)."""
    rows = s.execute(
        sa.select(ConsentDecision.peer_id, ConsentDecision.decided_at, Teacher.name, School)
        .join(Teacher, sa.and_(Teacher.programme_id == ConsentDecision.programme_id, Teacher.id == ConsentDecision.peer_id))
        .join(School, School.urn == Teacher.school_urn)
        .where(ConsentDecision.programme_id == programme_id, ConsentDecision.teacher_id == teacher_id, ConsentDecision.decision == "declined")
        .order_by(ConsentDecision.decided_at.desc(), ConsentDecision.peer_id)
    ).all()
    return [{"peer_id": p, "name": name, "school": school_entry(school), "decided_at": at.isoformat()} for p, at, name, school in rows]


def _overlay(s: Session, programme_id: int, teacher_id: str, data: dict[str, Any], decisions: Sequence[Any]) -> dict[str, Any]:
    """Lay the consent state (and contact details where the rule allows) over a stored answer.

    Declined peers move from ``suggestions`` to ``declined``; peers who asked to connect,
    or whom the teacher accepted, stay visible even when they are not in the stored list.
    """
    mine = {p: d for t, p, d in decisions if t == teacher_id}
    theirs = {t: d for t, p, d in decisions if p == teacher_id}
    items = data["suggestions"]
    listed = {x["peer_id"] for x in items}
    incoming = {p for p, d in theirs.items() if d == "accepted" and p not in listed}
    accepted = {p for p, d in mine.items() if d == "accepted" and p not in listed}
    items += _outside_entries(s, programme_id, teacher_id, sorted(incoming | accepted), incoming)
    for item in items:
        peer_id = item["peer_id"]
        item["my_decision"] = mine.get(peer_id)
        item["requested_by_peer"] = theirs.get(peer_id) == "accepted"
        item["status"] = _status(mine.get(peer_id), theirs.get(peer_id))
        item["contact"], item["contact_withheld"] = None, False
    connected = _contact_rows(s, programme_id, [x["peer_id"] for x in items if x["status"] == "connected"])
    for item in items:
        if item["peer_id"] in connected:
            item["contact"], item["contact_withheld"] = _contact_of(*connected[item["peer_id"]])
    # A peer erased since the list was stored has no row any more: leave them out.
    alive = set(s.execute(sa.select(Teacher.id).where(Teacher.programme_id == programme_id, Teacher.id.in_([x["peer_id"] for x in items]))).scalars()) if items else set()
    data["suggestions"] = [x for x in items if x["peer_id"] in alive and x["status"] != "declined"]
    data["declined"] = _declined_entries(s, programme_id, teacher_id) if "declined" in mine.values() else []
    return data


def _answer(s: Session, programme_id: int, teacher_id: str, profiles_version: int) -> str:
    body = stored_body(s, programme_id, teacher_id, profiles_version)
    decisions = s.connection().execute(_DECISIONS, {"p": programme_id, "id": teacher_id}).all()
    if not decisions:
        return body
    return json.dumps(_overlay(s, programme_id, teacher_id, json.loads(body), decisions))


def peers_json(identity: Identity, teacher_id: str) -> bytes:
    """The JSON answer of ``GET /teachers/{id}/peers`` (cached per profiles and decisions version)."""
    programme_id, profiles_version, decisions_version = _access(identity, teacher_id)
    key = (str(db.engine().url), programme_id, teacher_id, profiles_version, decisions_version)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    body = _answer(db.session(), programme_id, teacher_id, profiles_version).encode("utf-8")
    with _CACHE_LOCK:
        _CACHE[key] = body
        while len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)
    return body


def peers_for(identity: Identity, teacher_id: str) -> dict[str, Any]:
    """The suggestions of a teacher as plain data (for the pages)."""
    data: dict[str, Any] = json.loads(peers_json(identity, teacher_id))
    return data


def _own_decision(s: Session, programme_id: int, teacher_id: str, peer_id: str) -> ConsentDecision | None:
    return s.execute(sa.select(ConsentDecision).where(ConsentDecision.programme_id == programme_id, ConsentDecision.teacher_id == teacher_id, ConsentDecision.peer_id == peer_id)).scalar_one_or_none()


def _insert_decision(s: Session, programme_id: int, teacher_id: str, peer_id: str, decision: str) -> ConsentDecision | None:
    """Store a first answer; ``None`` when stored, else the answer a simultaneous request stored first.

    Two clicks on Accept at once both find no answer and both insert: the unique
    ``(teacher_id, peer_id)`` constraint lets one in and the other, inside a savepoint,
    falls back to the stored row (the second click is then a repeat, not an error).
    """
    try:
        with s.begin_nested():
            s.add(ConsentDecision(programme_id=programme_id, teacher_id=teacher_id, peer_id=peer_id, decision=decision))
            s.flush()
        return None
    except IntegrityError:
        row = _own_decision(s, programme_id, teacher_id, peer_id)
        if row is None:  # not a repeat: the peer went away meanwhile
            raise Problem(409, f"{peer_id!r} changed meanwhile; reload your suggestions.") from None
        return row


def decide(identity: Identity, teacher_id: str, peer_id: str, decision: str) -> dict[str, Any]:
    """Record a teacher's accept/decline of one peer; returns that peer's entry.

    Only the teacher themselves decides. The peer must be among their suggestions, have
    accepted them, or have been answered by them before (a declined peer can be accepted
    after all). Declining (or accepting a peer declined before) recomputes the teacher's
    list, so that a declined peer's place goes to the next best peer.

    Raises
    ------
    Problem
        403 for anyone but the teacher, 404 for a peer who is not suggested.
    """
    if not identity.is_teacher:
        raise Problem(403, "Only the teacher themselves accepts or declines a suggested peer.")
    programme_id, profiles_version, _ = _access(identity, teacher_id)
    s = db.session()
    listed = {x["peer_id"]: x for x in json.loads(stored_body(s, programme_id, teacher_id, profiles_version))["suggestions"]}
    asked = s.execute(
        sa.select(ConsentDecision.id).where(
            ConsentDecision.programme_id == programme_id, ConsentDecision.teacher_id == peer_id, ConsentDecision.peer_id == teacher_id, ConsentDecision.decision == "accepted"
        )
    ).first()
    row = _own_decision(s, programme_id, teacher_id, peer_id)
    if peer_id not in listed and asked is None and row is None:
        raise Problem(404, f"{peer_id!r} is not among your suggested peers.")
    before = row.decision if row is not None else None
    if row is None:
        row = _insert_decision(s, programme_id, teacher_id, peer_id, decision)
        before = None if row is None else row.decision  # None: ours is stored; else another click stored one first
    if row is not None and row.decision != decision:
        row.decision = decision
        row.decided_at = utcnow()
    s.flush()
    bump_decisions(s, programme_id)
    if (before == "declined") != (decision == "declined"):
        restore(s, programme_id, teacher_id, profiles_version)
    answer = json.loads(_answer(s, programme_id, teacher_id, profiles_version))
    item: dict[str, Any]
    for item in answer["suggestions"]:
        if item["peer_id"] == peer_id:
            return item
    # Declined: no longer in the list; answer with the entry as it was, marked declined.
    entry = listed.get(peer_id) or next(iter(_outside_entries(s, programme_id, teacher_id, [peer_id], {peer_id} if asked else set())), None)
    if entry is None:
        raise Problem(404, f"{peer_id!r} is not among your suggested peers.")
    entry.update(my_decision=decision, requested_by_peer=asked is not None, status=_status(decision, "accepted" if asked else None), contact=None, contact_withheld=False)
    return entry


def undo(identity: Identity, teacher_id: str, peer_id: str) -> dict[str, Any] | None:
    """Withdraw a teacher's answer about one peer (e.g. undo a decline).

    A peer who was declined becomes suggestable again: the teacher's list is recomputed.
    Returns the peer's entry when they are in the list now, else ``None``.

    Raises
    ------
    Problem
        403 for anyone but the teacher, 404 when the teacher has not answered about that peer.
    """
    if not identity.is_teacher:
        raise Problem(403, "Only the teacher themselves changes their answers.")
    programme_id, profiles_version, _ = _access(identity, teacher_id)
    s = db.session()
    stored_body(s, programme_id, teacher_id, profiles_version)  # stored before this transaction writes
    row = _own_decision(s, programme_id, teacher_id, peer_id)
    if row is None:
        raise Problem(404, f"You have not accepted or declined {peer_id!r}.")
    was = row.decision
    s.delete(row)
    s.flush()
    bump_decisions(s, programme_id)
    if was == "declined":
        restore(s, programme_id, teacher_id, profiles_version)
    answer = json.loads(_answer(s, programme_id, teacher_id, profiles_version))
    return next((x for x in answer["suggestions"] if x["peer_id"] == peer_id), None)
