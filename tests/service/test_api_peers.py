"""Tests of the peer suggestion endpoints (``service/services/peers.py``): stored, cached,
invalidated on any profile change, and contact details only after mutual acceptance."""

from __future__ import annotations

import sqlalchemy as sa

from matcher.peers import KINDS, suggest_peers
from matcher.profiles import Cohort
from service import db
from service.auth import hash_token
from service.models import ApiToken, PeerList, Programme, Suggestion, User
from service.services.teachers import programme_profiles

from .conftest import ACCOUNTS

T1 = ACCOUNTS["teacher_n1"]
COORD = ACCOUNTS["coord_n"].headers


def library_ids(app, teacher_id: str, k: int) -> list[str]:
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        cohort = Cohort.from_profiles(programme_profiles(s, pid))
    return [x.peer_id for x in suggest_peers(cohort, teacher_id, k=k)]


def account_for(app, teacher_id: str) -> dict:
    """Give a teacher an account (and token) so they can answer."""
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        user = User(username=f"user-{teacher_id}", role="teacher", programme_id=pid, teacher_id=teacher_id)
        s.add(user)
        s.flush()
        s.add(ApiToken(user_id=user.id, token_hash=hash_token(f"tok-{teacher_id}"), prefix="tok", name="t"))
    return {"Authorization": f"Bearer tok-{teacher_id}"}


def test_suggestions_are_the_libraries_with_reasons(client, app):
    body = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()
    items = body["suggestions"]
    assert [x["peer_id"] for x in items] == library_ids(app, "n-01", app.config["PEERMATCH_PEERS_K"])
    for x in items:
        assert x["reasons"] and x["kind"] in KINDS and x["status"] == "pending" and x["contact"] is None
        assert x["school"]["name"] and x["peer_id"].startswith("n-")  # never another programme's teacher
    # The coordinator sees the same list.
    assert client.get("/api/v1/teachers/n-01/peers", headers=COORD).get_json() == body


def test_any_profile_change_recomputes(client, app):
    client.get("/api/v1/teachers/n-01/peers", headers=T1.headers)
    with db.new_session(app) as s:
        before = set(s.execute(sa.select(Suggestion.profiles_version).where(Suggestion.teacher_id == "n-01")).scalars())
    # Another teacher of the programme changes: n-01's stored suggestions are now stale.
    other = library_ids(app, "n-01", 3)[-1]
    resp = client.patch(f"/api/v1/teachers/{other}", json={"meeting_mode": "online", "strengths": ["singing", "send"]}, headers=COORD)
    assert resp.status_code == 200
    body = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()
    with db.new_session(app) as s:
        after = set(s.execute(sa.select(Suggestion.profiles_version).where(Suggestion.teacher_id == "n-01")).scalars())
        current = s.execute(sa.select(Programme.profiles_version).where(Programme.name == "north")).scalar_one()
    assert len(before) == 1 and after == {current} and after != before
    assert [x["peer_id"] for x in body["suggestions"]] == library_ids(app, "n-01", app.config["PEERMATCH_PEERS_K"])


def test_erased_teacher_leaves_everyone_s_suggestions(client, app):
    first = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()["suggestions"][0]["peer_id"]
    assert client.delete(f"/api/v1/teachers/{first}", headers=COORD).status_code == 204
    ids = [x["peer_id"] for x in client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()["suggestions"]]
    assert first not in ids
    with db.new_session(app) as s:
        assert s.execute(sa.select(Suggestion).where(sa.or_(Suggestion.peer_id == first, Suggestion.teacher_id == first))).first() is None
        assert not any(f'"{first}"' in body for body in s.execute(sa.select(PeerList.body)).scalars())


def test_contact_only_after_both_accept(client, app):
    peer = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()["suggestions"][0]["peer_id"]
    peer_headers = account_for(app, peer)

    mine = client.put(f"/api/v1/teachers/n-01/peers/{peer}/decision", json={"decision": "accepted"}, headers=T1.headers)
    assert mine.status_code == 200
    assert mine.get_json()["status"] == "waiting_for_peer" and mine.get_json()["contact"] is None

    # The peer sees the request (in their list or as an incoming one), still without contact.
    theirs = {x["peer_id"]: x for x in client.get(f"/api/v1/teachers/{peer}/peers", headers=peer_headers).get_json()["suggestions"]}
    assert theirs["n-01"]["requested_by_peer"] is True and theirs["n-01"]["contact"] is None
    assert "@" not in str(client.get(f"/api/v1/teachers/{peer}/peers", headers=peer_headers).get_json())

    back = client.put(f"/api/v1/teachers/{peer}/peers/n-01/decision", json={"decision": "accepted"}, headers=peer_headers)
    assert back.status_code == 200 and back.get_json()["status"] == "connected"
    assert back.get_json()["contact"] == {"name": back.get_json()["name"], "email": "n-01@school.example"}
    now = {x["peer_id"]: x for x in client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()["suggestions"]}
    assert now[peer]["status"] == "connected" and now[peer]["contact"]["email"] == f"{peer}@school.example"

    # Changing one's mind hides the contact again, on both sides.
    client.put(f"/api/v1/teachers/n-01/peers/{peer}/decision", json={"decision": "declined"}, headers=T1.headers)
    again = {x["peer_id"]: x for x in client.get(f"/api/v1/teachers/{peer}/peers", headers=peer_headers).get_json()["suggestions"]}
    assert again["n-01"]["contact"] is None


def test_only_suggested_peers_can_be_answered(client, app):
    listed = {x["peer_id"] for x in client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()["suggestions"]}
    outsider = next(t for t in ("n-14", "n-13", "n-12", "n-11", "n-10") if t not in listed)
    resp = client.put(f"/api/v1/teachers/n-01/peers/{outsider}/decision", json={"decision": "accepted"}, headers=T1.headers)
    assert resp.status_code == 404
    bad = client.put(f"/api/v1/teachers/n-01/peers/{outsider}/decision", json={"decision": "maybe"}, headers=T1.headers)
    assert bad.status_code == 422
