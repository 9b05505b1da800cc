"""Teacher ids are per programme: two programmes may each have a "t-001", and nothing a
coordinator sees depends on whether another programme uses an id (issue 13, item 17)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from service import db
from service.mail.outbox import is_paused, set_paused
from service.mail.render import unsubscribe_token
from service.models import ConsentDecision, MailPreference, PeerList, Programme, Suggestion, Teacher, User
from service.services import accounts

from .conftest import ACCOUNTS, SECRET, TEACHERS

NORTH, SOUTH = ACCOUNTS["coord_n"].headers, ACCOUNTS["coord_s"].headers
NEW = {"id": "t-001", "school_urn": 100049, "challenges": ["singing"], "strengths": ["composition"]}
CSV_HEAD = "id,name,school_urn,department_size,key_stages,challenges,strengths\n"


def _pid(s, name: str) -> int:
    return s.execute(sa.select(Programme.id).where(Programme.name == name)).scalar_one()


def _create_both(client) -> None:
    for headers, name in ((NORTH, "Nora North"), (SOUTH, "Sid South")):
        resp = client.post("/api/v1/teachers", json={**NEW, "name": name}, headers=headers)
        assert resp.status_code == 201, resp.get_data(as_text=True)


def test_two_programmes_each_have_their_own_t_001(client, app):
    _create_both(client)
    assert client.get("/api/v1/teachers/t-001", headers=NORTH).get_json()["name"] == "Nora North"
    assert client.get("/api/v1/teachers/t-001", headers=SOUTH).get_json()["name"] == "Sid South"
    north_ids = [t["id"] for t in client.get("/api/v1/teachers?per_page=100", headers=NORTH).get_json()["items"]]
    assert sorted(north_ids) == sorted([*TEACHERS["north"], "t-001"])
    # A change in one programme leaves the other's teacher alone.
    resp = client.patch("/api/v1/teachers/t-001", json={"about": "North's words."}, headers={**NORTH, "If-Match": "*"})
    assert resp.status_code == 200
    assert client.get("/api/v1/teachers/t-001", headers=SOUTH).get_json()["about"] == ""
    with db.new_session(app) as s:
        rows = s.execute(sa.select(Teacher.programme_id, Teacher.name).where(Teacher.id == "t-001")).all()
    assert sorted(name for _, name in rows) == ["Nora North", "Sid South"] and len({p for p, _ in rows}) == 2


def test_an_id_used_only_by_another_programme_is_created_like_a_fresh_one(client):
    fresh = client.post("/api/v1/teachers", json={**NEW, "id": "fresh-1", "name": "Fresh"}, headers=NORTH)
    taken_elsewhere = client.post("/api/v1/teachers", json={**NEW, "id": TEACHERS["south"][0], "name": "Fresh"}, headers=NORTH)
    assert fresh.status_code == taken_elsewhere.status_code == 201
    a, b = fresh.get_json(), taken_elsewhere.get_json()
    same = {"id", "created_at", "updated_at"}
    assert {k: v for k, v in a.items() if k not in same} == {k: v for k, v in b.items() if k not in same}
    assert taken_elsewhere.headers["ETag"] == fresh.headers["ETag"].replace("fresh-1", TEACHERS["south"][0])
    # Only an id of one's own programme is taken: the same 409 as always.
    again = client.post("/api/v1/teachers", json={**NEW, "id": TEACHERS["south"][0], "name": "Fresh"}, headers=NORTH)
    assert again.status_code == 409
    # An import answers the same for both.
    text = CSV_HEAD + f"fresh-2,Ann,100049,1,KS3,singing,composition\n{TEACHERS['south'][1]},Bo,100049,1,KS3,singing,composition\n"
    resp = client.post("/api/v1/teachers/import", data=text, headers={**NORTH, "Content-Type": "text/csv"})
    assert resp.status_code == 200 and resp.get_json() == {"created": 2, "updated": 0, "total": 2, "kept_teacher_values": [], "skipped": []}
    # South's teachers were not touched by any of it.
    assert client.get(f"/api/v1/teachers/{TEACHERS['south'][0]}", headers=SOUTH).get_json()["name"] != "Fresh"


def test_another_programmes_id_reads_as_missing_until_created(client):
    missing = client.get("/api/v1/teachers/nobody-here", headers=NORTH)
    elsewhere = client.get(f"/api/v1/teachers/{TEACHERS['south'][0]}", headers=NORTH)
    assert missing.status_code == elsewhere.status_code == 404
    assert missing.get_json()["detail"].replace("nobody-here", "X") == elsewhere.get_json()["detail"].replace(TEACHERS["south"][0], "X")


def test_erasure_is_per_programme(client, app):
    _create_both(client)
    assert client.delete("/api/v1/teachers/t-001", headers=NORTH).status_code == 204
    assert client.get("/api/v1/teachers/t-001", headers=NORTH).status_code == 404
    assert client.get("/api/v1/teachers/t-001", headers=SOUTH).get_json()["name"] == "Sid South"
    # North's erasure record keeps north's import from bringing t-001 back, and south's is unaffected.
    text = CSV_HEAD + "t-001,Nora North,100049,1,KS3,singing,composition\n"
    north = client.post("/api/v1/teachers/import", data=text, headers={**NORTH, "Content-Type": "text/csv"}).get_json()
    south = client.post("/api/v1/teachers/import", data=text, headers={**SOUTH, "Content-Type": "text/csv"}).get_json()
    assert (north["created"], north["updated"], len(north["skipped"])) == (0, 0, 1)
    assert (south["created"], south["updated"], south["skipped"]) == (0, 1, [])
    assert client.post("/api/v1/teachers", json={**NEW, "name": "Again"}, headers=NORTH).status_code == 409  # erased here


def test_peers_and_accounts_are_per_programme(client, app):
    _create_both(client)
    with db.new_session(app) as s:
        users = {name: accounts.create_user(s, f"t001-{name}", "teacher", s.get(Programme, _pid(s, name)), teacher_id="t-001") for name in ("north", "south")}
        assert users["north"].teacher_id == users["south"].teacher_id == "t-001"
    north = client.get("/api/v1/teachers/t-001/peers", headers=NORTH).get_json()
    south = client.get("/api/v1/teachers/t-001/peers", headers=SOUTH).get_json()
    assert north["suggestions"] and south["suggestions"]
    assert {x["peer_id"] for x in north["suggestions"]} <= set(TEACHERS["north"])
    assert {x["peer_id"] for x in south["suggestions"]} <= set(TEACHERS["south"])
    with db.new_session(app) as s:
        pn, ps = _pid(s, "north"), _pid(s, "south")
        assert {p for (p,) in s.execute(sa.select(PeerList.programme_id).where(PeerList.teacher_id == "t-001"))} == {pn, ps}
        for pid, ids in ((pn, TEACHERS["north"]), (ps, TEACHERS["south"])):
            peers = s.execute(sa.select(Suggestion.peer_id).where(Suggestion.programme_id == pid, Suggestion.teacher_id == "t-001")).scalars().all()
            assert peers and set(peers) <= set(ids)
        set_paused(s, pn, "t-001", True)
    with db.new_session(app) as s:
        assert is_paused(s, pn, "t-001") and not is_paused(s, ps, "t-001")
    # Erasing north's t-001 takes north's account and rows, not south's.
    assert client.delete("/api/v1/teachers/t-001", headers=NORTH).status_code == 204
    with db.new_session(app) as s:
        left = s.execute(sa.select(User.programme_id).where(User.teacher_id == "t-001")).scalars().all()
        assert left == [ps]
        assert s.execute(sa.select(sa.func.count()).select_from(MailPreference).where(MailPreference.teacher_id == "t-001")).scalar_one() == 0
        assert s.execute(sa.select(sa.func.count()).select_from(Suggestion).where(Suggestion.programme_id == ps, Suggestion.teacher_id == "t-001")).scalar_one() > 0
    assert client.get("/api/v1/teachers/t-001/peers", headers=SOUTH).status_code == 200


def test_pause_links_name_the_programme(client, app):
    _create_both(client)
    with db.new_session(app) as s:
        pn, ps = _pid(s, "north"), _pid(s, "south")
    assert client.post(f"/mail/unsubscribe/{unsubscribe_token(SECRET, 't-001', ps)}", data={"action": "pause"}).status_code == 200
    with db.new_session(app) as s:
        assert is_paused(s, ps, "t-001") and not is_paused(s, pn, "t-001")
    # A link sent before ids were per programme names the id alone: it works while the id is
    # unique, and is refused (like a stale link) once two programmes use it.
    assert client.get(f"/mail/unsubscribe/{unsubscribe_token(SECRET, 'n-01')}").status_code == 200
    assert client.get(f"/mail/unsubscribe/{unsubscribe_token(SECRET, 't-001')}").status_code == 404


def _migrate(app, target: str, down: bool) -> None:
    with db.migration_connection(db.engine(app)) as conn:
        (command.downgrade if down else command.upgrade)(db._alembic_config(conn), target)


def test_migration_0011_keeps_the_data_both_ways(client, app):
    client.get("/api/v1/teachers/n-01/peers", headers=ACCOUNTS["teacher_n1"].headers)  # stores suggestions and a peer list
    gone = client.get("/api/v1/teachers/n-01/peers", headers=ACCOUNTS["teacher_n1"].headers).get_json()["suggestions"][0]["peer_id"]
    assert client.put(f"/api/v1/teachers/n-01/peers/{gone}/decision", json={"decision": "accepted"}, headers=ACCOUNTS["teacher_n1"].headers).status_code == 200
    with db.new_session(app) as s:
        set_paused(s, _pid(s, "north"), "n-02", True)

    def snapshot() -> dict[str, object]:
        with db.engine(app).connect() as conn:
            q = conn.exec_driver_sql
            return {
                "teachers": q("SELECT id, programme_id, name FROM teachers ORDER BY id").all(),
                "users": q("SELECT username, teacher_id FROM users ORDER BY username").all(),
                "suggestions": q("SELECT teacher_id, peer_id, rank FROM suggestions ORDER BY teacher_id, rank").all(),
                "peer_lists": q("SELECT teacher_id, profiles_version FROM peer_lists ORDER BY teacher_id").all(),
                "decisions": q("SELECT teacher_id, peer_id, decision FROM consent_decisions ORDER BY id").all(),
                "mail": q("SELECT teacher_id, mail_paused FROM mail_preferences").all(),
                "tokens": q("SELECT COUNT(*) FROM api_tokens").scalar(),
            }

    before = snapshot()
    assert before["suggestions"] and before["peer_lists"] and before["decisions"] and before["mail"]
    _migrate(app, "0010", down=True)
    assert snapshot() == before
    with db.engine(app).connect() as conn:
        assert "programme_id" not in {c["name"] for c in sa.inspect(conn).get_columns("suggestions")}
    _migrate(app, "head", down=False)
    assert snapshot() == before and db.is_at_head(db.engine(app))
    with db.new_session(app) as s:
        pn = _pid(s, "north")
        assert set(s.execute(sa.select(ConsentDecision.programme_id)).scalars()) == {pn}
        assert set(s.execute(sa.select(Suggestion.programme_id).where(Suggestion.teacher_id == "n-01")).scalars()) == {pn}
        assert is_paused(s, pn, "n-02")
    assert client.get("/api/v1/teachers/n-01/peers", headers=ACCOUNTS["teacher_n1"].headers).status_code == 200


def test_migration_0011_downgrade_refuses_shared_ids(client, app):
    _create_both(client)
    with pytest.raises(RuntimeError, match="more than one programme uses t-001"):
        _migrate(app, "0010", down=True)
    assert db.is_at_head(db.engine(app))
    assert client.get("/api/v1/teachers/t-001", headers=SOUTH).status_code == 200
