"""Tests of the peer suggestion endpoints (``service/services/peers.py``): stored, cached,
invalidated on any profile change, contact details only after mutual acceptance and with
their owner's consent, declined peers no longer suggested (and the undo), and the kinds
the schema documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from matcher.peers.suggest import KINDS, suggest_peers
from matcher.profiles.teacher import Cohort
from service import db
from service.auth import hash_token
from service.models import ApiToken, ConsentDecision, PeerList, Programme, Suggestion, User
from service.services.teachers import programme_profiles

from .conftest import ACCOUNTS, TEACHERS, teacher_row

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples" / "teachers.csv"
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
    resp = client.patch(f"/api/v1/teachers/{other}", json={"meeting_mode": "online", "strengths": ["singing", "send"]}, headers={**COORD, "If-Match": "*"})
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


# ---- contact details need the owner's own consent ----------------------------------------


def set_consent(client, teacher_id: str, value: bool, headers: dict) -> None:
    """The teacher's own decision (a coordinator may not change it), sent with the teacher's headers."""
    resp = client.patch(f"/api/v1/teachers/{teacher_id}", json={"consent_share_contact": value}, headers={**headers, "If-Match": "*"})
    assert resp.status_code == 200 and resp.get_json()["consent_share_contact"] is value


def test_contact_leaves_only_with_its_owners_consent(client, app):
    peer = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()["suggestions"][0]["peer_id"]
    peer_headers = account_for(app, peer)
    set_consent(client, "n-01", False, T1.headers)
    set_consent(client, peer, True, peer_headers)
    assert client.put(f"/api/v1/teachers/n-01/peers/{peer}/decision", json={"decision": "accepted"}, headers=T1.headers).status_code == 200
    back = client.put(f"/api/v1/teachers/{peer}/peers/n-01/decision", json={"decision": "accepted"}, headers=peer_headers)
    assert back.status_code == 200
    # The peer is connected with n-01 but n-01 has not agreed: no contact, and a flag that says why.
    assert back.get_json()["status"] == "connected" and back.get_json()["contact"] is None and back.get_json()["contact_withheld"] is True
    theirs = client.get(f"/api/v1/teachers/{peer}/peers", headers=peer_headers)
    assert "n-01@school.example" not in theirs.get_data(as_text=True)
    entry = next(x for x in theirs.get_json()["suggestions"] if x["peer_id"] == "n-01")
    assert entry["status"] == "connected" and entry["contact"] is None and entry["contact_withheld"] is True
    # n-01 sees the peer's contact (the peer agreed), and that their own is not shared.
    mine = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()
    assert mine["share_my_contact"] is False
    entry = next(x for x in mine["suggestions"] if x["peer_id"] == peer)
    assert entry["contact"] == {"name": entry["name"], "email": f"{peer}@school.example"} and entry["contact_withheld"] is False
    # The GDPR exports follow the same rule.
    export = client.get(f"/api/v1/teachers/{peer}/data-export", headers=peer_headers)
    assert "n-01@school.example" not in export.get_data(as_text=True)
    assert export.get_json()["connections"] == [{"peer_id": "n-01", "name": entry_name(client, "n-01"), "contact": None, "contact_withheld": True}]
    own = client.get("/api/v1/teachers/n-01/data-export", headers=T1.headers).get_json()
    assert [c["contact"] for c in own["connections"]] == [{"name": entry["name"], "email": f"{peer}@school.example"}]

    # n-01 agrees (on their own profile): now the peer sees it, in the list and the export.
    assert client.patch("/api/v1/teachers/n-01", json={"consent_share_contact": True}, headers={**T1.headers, "If-Match": "*"}).status_code == 200
    entry = next(x for x in client.get(f"/api/v1/teachers/{peer}/peers", headers=peer_headers).get_json()["suggestions"] if x["peer_id"] == "n-01")
    assert entry["contact"]["email"] == "n-01@school.example" and entry["contact_withheld"] is False
    assert client.get(f"/api/v1/teachers/{peer}/data-export", headers=peer_headers).get_json()["connections"][0]["contact"]["email"] == "n-01@school.example"
    # Withdrawing consent withdraws it again.
    set_consent(client, "n-01", False, T1.headers)
    assert "n-01@school.example" not in client.get(f"/api/v1/teachers/{peer}/peers", headers=peer_headers).get_data(as_text=True)


def entry_name(client, teacher_id: str) -> str:
    return client.get(f"/api/v1/teachers/{teacher_id}", headers=COORD).get_json()["name"]


def test_no_contact_without_mutual_acceptance_even_with_consent(client, app):
    peer = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()["suggestions"][0]["peer_id"]
    set_consent(client, peer, True, account_for(app, peer))
    mine = client.put(f"/api/v1/teachers/n-01/peers/{peer}/decision", json={"decision": "accepted"}, headers=T1.headers).get_json()
    assert mine["status"] == "waiting_for_peer" and mine["contact"] is None and mine["contact_withheld"] is False
    assert f"{peer}@school.example" not in client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_data(as_text=True)
    assert client.get("/api/v1/teachers/n-01/data-export", headers=T1.headers).get_json()["connections"] == []


# ---- declined peers are no longer suggested ------------------------------------------------


def library_ids_without(app, teacher_id: str, exclude: list[str]) -> list[str]:
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        cohort = Cohort.from_profiles(programme_profiles(s, pid))
    return [x.peer_id for x in suggest_peers(cohort, teacher_id, k=app.config["PEERMATCH_PEERS_K"], exclude=exclude)]


def ids_of(client, teacher_id: str = "n-01", headers=None) -> list[str]:
    return [x["peer_id"] for x in client.get(f"/api/v1/teachers/{teacher_id}/peers", headers=headers or T1.headers).get_json()["suggestions"]]


def test_declined_peer_is_replaced_and_stays_out_after_recomputing(client, app):
    first = ids_of(client)
    gone = first[1]
    resp = client.put(f"/api/v1/teachers/n-01/peers/{gone}/decision", json={"decision": "declined"}, headers=T1.headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "declined" and resp.get_json()["peer_id"] == gone
    body = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()
    # Out of the suggestions, whose places go to the library's next best; listed apart for an undo.
    assert [x["peer_id"] for x in body["suggestions"]] == library_ids_without(app, "n-01", [gone])
    assert gone not in [x["peer_id"] for x in body["suggestions"]]
    assert [d["peer_id"] for d in body["declined"]] == [gone] and body["declined"][0]["name"] == entry_name(client, gone)

    # Suggestions recomputed after a profile change leave them out too...
    other = next(t for t in first if t != gone)
    assert client.patch(f"/api/v1/teachers/{other}", json={"meeting_mode": "online"}, headers={**COORD, "If-Match": "*"}).status_code == 200
    assert gone not in ids_of(client) and ids_of(client) == library_ids_without(app, "n-01", [gone])
    # ... and so does recomputing the whole programme (``peermatch suggestions refresh``).
    from service.services import peers

    with app.test_request_context(), db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        peers.refresh_programme(s, pid)
    with db.new_session(app) as s:
        stored = set(s.execute(sa.select(Suggestion.peer_id).where(Suggestion.teacher_id == "n-01")).scalars())
    assert stored and gone not in stored
    peers.clear_cache()
    assert gone not in ids_of(client)
    # The coordinator's view of the teacher's list agrees.
    assert gone not in ids_of(client, headers=COORD)


def test_undoing_a_decline_brings_the_peer_back(client, app):
    before = ids_of(client)
    gone = before[0]
    client.put(f"/api/v1/teachers/n-01/peers/{gone}/decision", json={"decision": "declined"}, headers=T1.headers)
    assert gone not in ids_of(client)
    resp = client.delete(f"/api/v1/teachers/n-01/peers/{gone}/decision", headers=T1.headers)
    assert resp.status_code == 204
    body = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()
    assert [x["peer_id"] for x in body["suggestions"]] == before and body["declined"] == []
    assert next(x for x in body["suggestions"] if x["peer_id"] == gone)["status"] == "pending"
    # Nothing left to undo; and only the teacher undoes their own answers.
    assert client.delete(f"/api/v1/teachers/n-01/peers/{gone}/decision", headers=T1.headers).status_code == 404
    assert client.delete(f"/api/v1/teachers/n-01/peers/{gone}/decision", headers=COORD).status_code == 403
    assert client.delete(f"/api/v1/teachers/n-02/peers/{gone}/decision", headers=T1.headers).status_code == 403


def test_a_declined_peer_can_be_accepted_after_all(client, app):
    gone = ids_of(client)[0]
    client.put(f"/api/v1/teachers/n-01/peers/{gone}/decision", json={"decision": "declined"}, headers=T1.headers)
    resp = client.put(f"/api/v1/teachers/n-01/peers/{gone}/decision", json={"decision": "accepted"}, headers=T1.headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "waiting_for_peer"
    body = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()
    assert gone in [x["peer_id"] for x in body["suggestions"]] and body["declined"] == []


def test_a_declined_peer_who_asks_is_not_shown_as_a_request(client, app):
    gone = ids_of(client)[0]
    client.put(f"/api/v1/teachers/n-01/peers/{gone}/decision", json={"decision": "declined"}, headers=T1.headers)
    with db.new_session(app) as s:
        s.add(ConsentDecision(programme_id=teacher_row(s, "n-01").programme_id, teacher_id=gone, peer_id="n-01", decision="accepted"))
        s.execute(sa.update(Programme).where(Programme.name == "north").values(decisions_version=Programme.decisions_version + 1))
    body = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()
    assert gone not in [x["peer_id"] for x in body["suggestions"]] and [d["peer_id"] for d in body["declined"]] == [gone]


# ---- the documented kinds are the library's ------------------------------------------------


def _schema(spec: dict, name: str) -> dict:
    return spec["components"]["schemas"][name]


def _kind_enum(spec: dict) -> set:
    kind = _schema(spec, "PeerOut")["properties"]["kind"]
    options = kind.get("anyOf", [kind])
    values = set()
    for option in options:
        if "$ref" in option:
            option = _schema(spec, option["$ref"].rsplit("/", 1)[-1])
        values |= set(option.get("enum", [])) | ({None} if option.get("type") == "null" else set())
    return values


def test_documented_kinds_are_the_librarys(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert _kind_enum(spec) == set(KINDS) | {None}
    assert "'different'" not in json.dumps(_schema(spec, "PeerOut")["properties"]["kind"])  # the old, wrong value


def test_every_kind_returned_for_the_sample_data_is_documented(client, app, database_url):
    """All 300 sample teachers imported: every answer validates against the documented schema."""
    if not database_url.startswith("sqlite"):
        pytest.skip("about the library's values, not the database: SQLite is enough")
    from service.api.peer_schemas import PeersOut

    text = SAMPLES.read_text(encoding="utf-8-sig")
    resp = client.post("/api/v1/teachers/import", data=text.encode("utf-8"), headers={**COORD, "Content-Type": "text/csv"})
    assert resp.status_code == 200, resp.get_json()
    documented = _kind_enum(client.get("/api/v1/openapi.json").get_json())
    ids = [row.split(",", 1)[0] for row in text.splitlines()[1:] if row]
    seen = set()
    for teacher_id in ids:
        body = client.get(f"/api/v1/teachers/{teacher_id}/peers", headers=COORD).get_json()
        PeersOut.model_validate(body)
        seen |= {x["kind"] for x in body["suggestions"]}
    assert seen <= documented and seen == set(KINDS)


def test_a_request_from_outside_the_list_validates_with_no_kind(client, app):
    """A peer who asked to connect although neither list holds the other: no score, kind null."""
    from service.api.peer_schemas import PeersOut

    mine = set(ids_of(client))
    outsider = next((t for t in TEACHERS["north"][1:] if t not in mine and "n-01" not in library_ids(app, t, app.config["PEERMATCH_PEERS_K"])), None)
    if outsider is None:
        pytest.skip("every north teacher suggests n-01 or is suggested to n-01")
    with db.new_session(app) as s:
        s.add(ConsentDecision(programme_id=teacher_row(s, "n-01").programme_id, teacher_id=outsider, peer_id="n-01", decision="accepted"))
        s.execute(sa.update(Programme).where(Programme.name == "north").values(decisions_version=Programme.decisions_version + 1))
    body = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()
    PeersOut.model_validate(body)
    entry = next(x for x in body["suggestions"] if x["peer_id"] == outsider)
    assert entry["incoming"] is True and entry["kind"] is None and entry["score"] == 0.0


# ---- concurrency: double clicks never 500 (issue 13) -----------------------------------------


def _together(app, n: int, call) -> list:
    """Run ``call(client)`` in ``n`` threads released at the same moment; their responses."""
    import threading

    barrier = threading.Barrier(n)
    out: list = [None] * n

    def one(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        out[i] = call(client)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_two_simultaneous_accepts_give_the_same_answer_never_500(client, app):
    for attempt in range(3):
        peer = client.get("/api/v1/teachers/n-01/peers", headers=T1.headers).get_json()["suggestions"][attempt]["peer_id"]
        url = f"/api/v1/teachers/n-01/peers/{peer}/decision"
        responses = _together(app, 2, lambda c, url=url: c.put(url, json={"decision": "accepted"}, headers=T1.headers))
        assert [r.status_code for r in responses] == [200, 200], (attempt, [r.get_data(as_text=True) for r in responses])
        assert responses[0].get_json()["status"] == responses[1].get_json()["status"] == "waiting_for_peer"
        with db.new_session(app) as s:
            rows = s.execute(sa.select(ConsentDecision).where(ConsentDecision.teacher_id == "n-01", ConsentDecision.peer_id == peer)).scalars().all()
        assert [r.decision for r in rows] == ["accepted"]
        again = client.put(url, json={"decision": "accepted"}, headers=T1.headers)  # a third, later click
        assert again.status_code == 200 and again.get_json()["status"] == "waiting_for_peer"
