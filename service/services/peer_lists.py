"""Peer lists: each teacher's suggestions computed by ``matcher.peers``, rendered and stored.

Stored twice (see :mod:`.peers`): as :class:`Suggestion` rows and as the rendered JSON
answer (:class:`PeerList`), both with the programme's ``profiles_version``. The
programme's :class:`~matcher.peers.suggest.PeerIndex` is built once per profiles version
per process. :func:`stored_body` gives one teacher's stored answer, computing it first
when it is stale; :func:`refresh_programme` computes them all.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app, json
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import db
from ..models import ConsentDecision, PeerList, School, Suggestion, Teacher, utcnow
from .common import programme_versions
from .teachers import programme_cohort

if TYPE_CHECKING:
    from flask import Flask

    from matcher.peers.suggest import PeerIndex, PeerSuggestion
    from matcher.places.schools import School as SchoolRecord

__all__ = ["compute_for", "refresh_programme", "is_fresh", "forget_programme", "stored_body", "restore", "school_entry", "peer_entry"]

_INDEXES: OrderedDict[tuple[str, int, int], PeerIndex] = OrderedDict()
_INDEXES_LOCK = threading.Lock()
_INDEXES_MAX = 2
_LIST = sa.text("SELECT body FROM peer_lists WHERE programme_id = :p AND teacher_id = :id AND profiles_version = :v")


def _k() -> int:
    k: int = current_app.config["PEERMATCH_PEERS_K"]
    return k


def _index(s: Session, programme_id: int, profiles_version: int) -> PeerIndex:
    """The programme's ``matcher.peers.PeerIndex``, built once per profiles version per process."""
    from matcher.peers.suggest import PeerIndex

    key = (str(s.get_bind().engine.url), programme_id, profiles_version)
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


def _declined_by(s: Session, programme_id: int, teacher_ids: Iterable[str] | None = None) -> dict[str, set[str]]:
    """``{teacher: peers they declined}``, for some teachers of a programme or for all of them (``None``)."""
    query = sa.select(ConsentDecision.teacher_id, ConsentDecision.peer_id).where(ConsentDecision.programme_id == programme_id, ConsentDecision.decision == "declined")
    if teacher_ids is not None:
        query = query.where(ConsentDecision.teacher_id.in_(list(teacher_ids)))
    out: dict[str, set[str]] = {}
    for teacher_id, peer_id in s.execute(query):
        out.setdefault(teacher_id, set()).add(peer_id)
    return out


def _suggest(index: PeerIndex, teacher_id: str, declined: Iterable[str] = ()) -> list[PeerSuggestion]:
    """``matcher.peers`` suggestions for one teacher, leaving out the peers they declined."""
    exclude = sorted(p for p in declined if p in index.cohort.index)
    return list(index.suggest(teacher_id, k=_k(), exclude=exclude))


def compute_for(s: Session, programme_id: int, teacher_id: str, k: int | None = None) -> list[PeerSuggestion]:
    """Fresh ``matcher.peers`` suggestions for one teacher of a programme (not stored)."""
    profiles_version, _ = programme_versions(s, programme_id)
    return list(_index(s, programme_id, profiles_version).suggest(teacher_id, k=k or _k()))


def school_entry(school: School | SchoolRecord) -> dict[str, Any]:
    return {"urn": school.urn, "name": school.name, "local_authority": school.local_authority, "lat": school.lat, "lon": school.lon}


def peer_entry(peer_id: str, name: str, school: dict[str, Any], score: float, kind: str | None, terms: dict[str, float], reasons: list[str]) -> dict[str, Any]:
    return {
        "peer_id": peer_id,
        "name": name,
        "school": school,
        "score": score,
        "kind": kind,
        "terms": terms,
        "reasons": reasons,
        "my_decision": None,
        "requested_by_peer": False,
        "incoming": False,
        "status": "pending",
        "contact": None,
        "contact_withheld": False,
    }


def _render(index: PeerIndex, programme_id: int, teacher_id: str, suggestions: Sequence[PeerSuggestion], profiles_version: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows for :class:`Suggestion` and the row for :class:`PeerList` of one teacher."""
    now = utcnow()
    rows, entries = [], []
    for rank, x in enumerate(suggestions, start=1):
        terms = {str(name): float(v) for name, v in dict(x.terms).items()}
        reasons = [str(r) for r in x.reasons]
        rows.append(
            {
                "programme_id": programme_id,
                "teacher_id": teacher_id,
                "peer_id": x.peer_id,
                "rank": rank,
                "score": float(x.score),
                "kind": str(x.kind),
                "terms": terms,
                "reasons": reasons,
                "profiles_version": profiles_version,
                "computed_at": now,
            }
        )
        peer = index.cohort.get(x.peer_id)
        entries.append(peer_entry(x.peer_id, peer.name, school_entry(index.cohort.schools[peer.school_urn]), float(x.score), str(x.kind), terms, reasons))
    me = index.cohort.get(teacher_id)
    body = json.dumps({"teacher_id": teacher_id, "share_my_contact": bool(me.consent_share_contact), "suggestions": entries, "declined": []})
    return rows, {"programme_id": programme_id, "teacher_id": teacher_id, "profiles_version": profiles_version, "body": body, "computed_at": now}


def _store(programme_id: int, teacher_ids: Iterable[str], rows: list[dict[str, Any]], lists: list[dict[str, Any]]) -> None:
    """Replace the stored suggestions of some teachers in a transaction of its own.

    A concurrent request may store the same teacher's suggestions first; then this one
    gives way (its rows are equal, computed from the same profiles version).
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's target
    ids = list(teacher_ids)
    try:
        with db.new_session(app) as s:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                s.execute(sa.delete(Suggestion).where(Suggestion.programme_id == programme_id, Suggestion.teacher_id.in_(chunk)))
                s.execute(sa.delete(PeerList).where(PeerList.programme_id == programme_id, PeerList.teacher_id.in_(chunk)))
            for start in range(0, len(rows), 2000):
                s.execute(sa.insert(Suggestion), rows[start : start + 2000])
            for start in range(0, len(lists), 500):
                s.execute(sa.insert(PeerList), lists[start : start + 500])
    except IntegrityError:
        pass


def restore(s: Session, programme_id: int, teacher_id: str, profiles_version: int) -> None:
    """Recompute one teacher's stored list in the request's own transaction (after a decline or its undo)."""
    index = _index(s, programme_id, profiles_version)
    declined = _declined_by(s, programme_id, [teacher_id]).get(teacher_id, set())
    rows, one = _render(index, programme_id, teacher_id, _suggest(index, teacher_id, declined), profiles_version)
    s.execute(sa.delete(Suggestion).where(Suggestion.programme_id == programme_id, Suggestion.teacher_id == teacher_id))
    s.execute(sa.delete(PeerList).where(PeerList.programme_id == programme_id, PeerList.teacher_id == teacher_id))
    if rows:
        s.execute(sa.insert(Suggestion), rows)
    s.execute(sa.insert(PeerList), [one])


def forget_programme(s: Session, programme_id: int) -> None:
    """Delete every stored peer list of a programme (e.g. when someone is erased: lists name people)."""
    s.execute(sa.delete(PeerList).where(PeerList.programme_id == programme_id))


def is_fresh(s: Session, programme_id: int) -> bool:
    """True when the programme's stored peer lists were all computed from its current profiles."""
    profiles_version, _ = programme_versions(s, programme_id)
    teachers = s.execute(sa.select(sa.func.count()).select_from(Teacher).where(Teacher.programme_id == programme_id)).scalar_one()
    fresh = s.execute(
        sa.select(sa.func.count())
        .select_from(PeerList)
        .where(PeerList.programme_id == programme_id, PeerList.profiles_version == profiles_version)
    ).scalar_one()
    return fresh == teachers


def refresh_programme(s: Session, programme_id: int, *, force: bool = True) -> int:
    """Compute and store the suggestions of every teacher of a programme; returns how many teachers.

    Peers a teacher declined are left out of their list. With ``force=False`` nothing is
    done (0 is returned) when the stored ones are fresh.
    """
    if not force and is_fresh(s, programme_id):
        return 0
    profiles_version, _ = programme_versions(s, programme_id)
    index = _index(s, programme_id, profiles_version)
    declined = _declined_by(s, programme_id)
    rows: list[dict[str, Any]] = []
    lists: list[dict[str, Any]] = []
    for teacher_id in index.cohort.ids:
        more, one = _render(index, programme_id, teacher_id, _suggest(index, teacher_id, declined.get(teacher_id, ())), profiles_version)
        rows += more
        lists.append(one)
    s.flush()
    _store(programme_id, index.cohort.ids, rows, lists)
    return len(index.cohort)


def stored_body(s: Session, programme_id: int, teacher_id: str, profiles_version: int) -> str:
    """The stored answer (no consent state), computed (without declined peers) and stored first if stale."""
    body: str | None = s.connection().execute(_LIST, {"p": programme_id, "id": teacher_id, "v": profiles_version}).scalar()
    if body is None:
        index = _index(s, programme_id, profiles_version)
        declined = _declined_by(s, programme_id, [teacher_id]).get(teacher_id, set())
        rows, one = _render(index, programme_id, teacher_id, _suggest(index, teacher_id, declined), profiles_version)
        _store(programme_id, [teacher_id], rows, [one])
        body = str(one["body"])
    return body
