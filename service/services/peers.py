"""Peer suggestions: computed by ``matcher.peers``, stored, cached, and answered with consent.

Suggestions are stored per teacher with the programme's ``profiles_version`` at the time;
any profile change in the programme bumps that version, so older rows are stale and are
recomputed on the next request (``peermatch suggestions refresh`` recomputes them all up
front). Rendered answers are cached in each process, keyed by the profiles *and*
decisions versions, so a cache hit costs one small query and no recomputation.

Contact details appear in an answer only when both teachers accepted each other.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from flask import current_app, json
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import db
from ..auth import Identity
from ..models import ConsentDecision, School, Suggestion, Teacher, utcnow
from ..problems import Problem
from .common import bump_decisions, programme_versions
from .teachers import programme_cohort

__all__ = ["peers_json", "peers_for", "decide", "compute_for", "refresh_programme", "is_fresh", "clear_cache"]

_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 50_000


def clear_cache() -> None:
    """Forget every rendered answer of this process."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _k() -> int:
    return current_app.config["PEERMATCH_PEERS_K"]


_INDEXES: OrderedDict = OrderedDict()
_INDEXES_LOCK = threading.Lock()
_INDEXES_MAX = 2


def _index(s: Session, programme_id: int, profiles_version: int):
    """The programme's ``matcher.peers.PeerIndex``, built once per profiles version per process."""
    from matcher.peers import PeerIndex

    key = (str(s.get_bind().url), programme_id, profiles_version)
    with _INDEXES_LOCK:
        index = _INDEXES.get(key)
        if index is not None:
            _INDEXES.move_to_end(key)
            return index
    index = PeerIndex.build(programme_cohort(s, programme_id, profiles_version))
    with _INDEXES_LOCK:
        _INDEXES[key] = index
        while len(_INDEXES) > _INDEXES_MAX:
            _INDEXES.popitem(last=False)
    return index


def compute_for(s: Session, programme_id: int, teacher_id: str, k: int | None = None) -> list:
    """Fresh ``matcher.peers`` suggestions for one teacher of a programme (not stored)."""
    profiles_version, _ = programme_versions(s, programme_id)
    return list(_index(s, programme_id, profiles_version).suggest(teacher_id, k=k or _k()))


def _rows(suggestions: Sequence, teacher_id: str, profiles_version: int) -> list[dict]:
    now = utcnow()
    return [
        {
            "teacher_id": teacher_id,
            "peer_id": x.peer_id,
            "rank": rank,
            "score": float(x.score),
            "kind": str(x.kind),
            "terms": {str(name): float(v) for name, v in dict(x.terms).items()},
            "reasons": [str(r) for r in x.reasons],
            "profiles_version": profiles_version,
            "computed_at": now,
        }
        for rank, x in enumerate(suggestions, start=1)
    ]


def _store(teacher_ids: Iterable[str], rows: list[dict]) -> None:
    """Replace the stored suggestions of some teachers in a transaction of its own.

    A concurrent request may store the same teacher's suggestions first; then this one
    gives way (its rows are equal, computed from the same profiles version).
    """
    app = current_app._get_current_object()
    ids = list(teacher_ids)
    try:
        with db.new_session(app) as s:
            for start in range(0, len(ids), 500):
                s.execute(sa.delete(Suggestion).where(Suggestion.teacher_id.in_(ids[start : start + 500])))
            for start in range(0, len(rows), 2000):
                s.execute(sa.insert(Suggestion), rows[start : start + 2000])
    except IntegrityError:
        pass


def is_fresh(s: Session, programme_id: int) -> bool:
    """True when the programme's stored suggestions were all computed from its current profiles."""
    profiles_version, _ = programme_versions(s, programme_id)
    versions = set(
        s.execute(
            sa.select(Suggestion.profiles_version).distinct().join(Teacher, Teacher.id == Suggestion.teacher_id).where(Teacher.programme_id == programme_id)
        ).scalars()
    )
    return versions == {profiles_version}


def refresh_programme(s: Session, programme_id: int, *, force: bool = True) -> int:
    """Compute and store the suggestions of every teacher of a programme; returns how many teachers.

    With ``force=False`` nothing is done (0 is returned) when the stored ones are fresh.
    """
    if not force and is_fresh(s, programme_id):
        return 0
    profiles_version, _ = programme_versions(s, programme_id)
    index = _index(s, programme_id, profiles_version)
    cohort = index.cohort
    rows: list[dict] = []
    for teacher_id in cohort.ids:
        rows += _rows(index.suggest(teacher_id, k=_k()), teacher_id, profiles_version)
    s.flush()
    _store(cohort.ids, rows)
    return len(cohort)


# Plain SQL: this runs on every request of the hottest endpoint.
_ACCESS = sa.text(
    "SELECT t.programme_id, p.profiles_version, p.decisions_version FROM teachers t "
    "JOIN programmes p ON p.id = t.programme_id WHERE t.id = :id"
)


def _access(identity: Identity, teacher_id: str) -> tuple[int, int, int]:
    """Check access to a teacher's suggestions; returns the programme id and its two versions."""
    row = db.session().connection().execute(_ACCESS, {"id": teacher_id}).first()
    if row is None:
        raise Problem(404, f"There is no teacher with id {teacher_id!r}.")
    if identity.is_coordinator and row.programme_id == identity.programme_id:
        return tuple(row)
    if identity.is_teacher and identity.teacher_id == teacher_id:
        return tuple(row)
    if identity.is_analyst:
        raise Problem(403, "Analysts see pseudonymised exports only, not suggestions.")
    raise Problem(403, f"The suggestions of {teacher_id!r} are not yours to see.")


def _stored(s: Session, teacher_id: str, profiles_version: int) -> list[Suggestion]:
    return list(
        s.execute(
            sa.select(Suggestion).where(Suggestion.teacher_id == teacher_id, Suggestion.profiles_version == profiles_version).order_by(Suggestion.rank)
        ).scalars()
    )


def _suggestions(s: Session, programme_id: int, teacher_id: str, profiles_version: int) -> list:
    rows = _stored(s, teacher_id, profiles_version)
    if rows:
        return rows
    computed = _rows(compute_for(s, programme_id, teacher_id), teacher_id, profiles_version)
    _store([teacher_id], computed)
    return [Suggestion(**r) for r in computed]


def _status(mine: str | None, theirs: str | None) -> str:
    if mine == "declined":
        return "declined"
    if mine == "accepted":
        return "connected" if theirs == "accepted" else "waiting_for_peer"
    return "pending"


def _render(s: Session, teacher_id: str, suggestions: list) -> dict:
    """The answer for one teacher: suggestions, people's names and schools, consent state."""
    mine = dict(s.execute(sa.select(ConsentDecision.peer_id, ConsentDecision.decision).where(ConsentDecision.teacher_id == teacher_id)).all())
    theirs = dict(s.execute(sa.select(ConsentDecision.teacher_id, ConsentDecision.decision).where(ConsentDecision.peer_id == teacher_id)).all())
    listed = [x.peer_id for x in suggestions]
    # Someone who accepted me although I was not in their list... or they were not in mine:
    # show their request too, so that consent can become mutual.
    incoming = [p for p, d in theirs.items() if d == "accepted" and p not in listed]
    extra: list = []
    if incoming:
        back = {x.teacher_id: x for x in s.execute(sa.select(Suggestion).where(Suggestion.teacher_id.in_(incoming), Suggestion.peer_id == teacher_id)).scalars()}
        extra = [back[p] for p in incoming if p in back]
    people = {
        t.id: (t, school)
        for t, school in s.execute(
            sa.select(Teacher, School).join(School, School.urn == Teacher.school_urn).where(Teacher.id.in_(listed + [x.teacher_id for x in extra]))
        ).all()
    }
    items = []
    for x, peer_id, is_incoming in [(x, x.peer_id, False) for x in suggestions] + [(x, x.teacher_id, True) for x in extra]:
        if peer_id not in people:
            continue  # erased since the suggestion was stored
        peer, school = people[peer_id]
        status = _status(mine.get(peer_id), theirs.get(peer_id))
        items.append(
            {
                "peer_id": peer_id,
                "name": peer.name,
                "school": {"urn": school.urn, "name": school.name, "local_authority": school.local_authority, "lat": school.lat, "lon": school.lon},
                "score": x.score,
                "kind": x.kind,
                "terms": dict(x.terms),
                # An incoming request's stored reasons were written for the other teacher.
                "reasons": [f"{peer.name.split()[0] if peer.name.split() else peer.name} would like to connect with you."] if is_incoming else list(x.reasons),
                "my_decision": mine.get(peer_id),
                "requested_by_peer": theirs.get(peer_id) == "accepted",
                "incoming": is_incoming,
                "status": status,
                "contact": {"name": peer.name, "email": peer.email} if status == "connected" else None,
            }
        )
    return {"teacher_id": teacher_id, "suggestions": items}


def peers_json(identity: Identity, teacher_id: str) -> bytes:
    """The JSON answer of ``GET /teachers/{id}/peers`` (cached per profiles and decisions version)."""
    programme_id, profiles_version, decisions_version = _access(identity, teacher_id)
    key = (str(db.engine().url), teacher_id, profiles_version, decisions_version)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    s = db.session()
    body = json.dumps(_render(s, teacher_id, _suggestions(s, programme_id, teacher_id, profiles_version))).encode("utf-8")
    with _CACHE_LOCK:
        _CACHE[key] = body
        while len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)
    return body


def peers_for(identity: Identity, teacher_id: str) -> dict:
    """The suggestions of a teacher as plain data (for the pages)."""
    return json.loads(peers_json(identity, teacher_id))


def decide(identity: Identity, teacher_id: str, peer_id: str, decision: str) -> dict:
    """Record a teacher's accept/decline of one suggested peer; returns that peer's entry.

    Only the teacher themselves decides. The peer must be among their suggestions, or
    have accepted them.

    Raises
    ------
    Problem
        403 for anyone but the teacher, 404 for a peer who is not suggested.
    """
    if not identity.is_teacher:
        raise Problem(403, "Only the teacher themselves accepts or declines a suggested peer.")
    programme_id, profiles_version, _ = _access(identity, teacher_id)
    s = db.session()
    listed = {x.peer_id for x in _suggestions(s, programme_id, teacher_id, profiles_version)}
    asked = s.execute(
        sa.select(ConsentDecision.id).where(ConsentDecision.teacher_id == peer_id, ConsentDecision.peer_id == teacher_id, ConsentDecision.decision == "accepted")
    ).first()
    if peer_id not in listed and asked is None:
        raise Problem(404, f"{peer_id!r} is not among your suggested peers.")
    row = s.execute(sa.select(ConsentDecision).where(ConsentDecision.teacher_id == teacher_id, ConsentDecision.peer_id == peer_id)).scalar_one_or_none()
    if row is None:
        s.add(ConsentDecision(teacher_id=teacher_id, peer_id=peer_id, decision=decision))
    else:
        row.decision = decision
        row.decided_at = utcnow()
    s.flush()
    bump_decisions(s, programme_id)
    s.flush()
    answer = _render(s, teacher_id, _suggestions(s, programme_id, teacher_id, profiles_version))
    for item in answer["suggestions"]:
        if item["peer_id"] == peer_id:
            return item
    raise Problem(404, f"{peer_id!r} is not among your suggested peers.")
