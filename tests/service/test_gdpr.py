"""Tests of ``service/services/gdpr.py``: export everything about a teacher, and erase them."""

from __future__ import annotations

import json

import sqlalchemy as sa

from service import db
from service.models import CohortRun, ConsentDecision, Programme, User
from service.services.common import pseudonym

from .conftest import ACCOUNTS, SECRET, teacher_row


def _add_run_with(app, members: list[str], name: str) -> int:
    with db.new_session(app) as s:
        programme = s.execute(sa.select(Programme).where(Programme.name == "north")).scalar_one()
        run = CohortRun(
            programme_id=programme.id,
            status="done",
            params={"keep_apart": [[members[0], members[1]]]},
            result={"groups": [{"index": 0, "members": members, "reasons": [f"{name}'s strength in singing meets a challenge"]}]},
        )
        s.add(run)
        s.flush()
        return run.id


def test_teacher_exports_own_data(client, app):
    resp = client.get("/api/v1/teachers/n-01/data-export", headers=ACCOUNTS["teacher_n1"].headers)
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    data = resp.get_json()
    assert data["profile"]["id"] == "n-01" and data["profile"]["email"] == "n-01@school.example"
    assert data["accounts"][0]["username"] == "teacher_n1"
    assert "token_hash" not in json.dumps(data) and ACCOUNTS["teacher_n1"].token not in json.dumps(data)
    assert client.get("/api/v1/teachers/n-02/data-export", headers=ACCOUNTS["teacher_n1"].headers).status_code == 403


def test_export_lists_cohort_memberships(client, app):
    run_id = _add_run_with(app, ["n-01", "n-02", "n-03"], "Someone")
    data = client.get("/api/v1/teachers/n-01/data-export", headers=ACCOUNTS["teacher_n1"].headers).get_json()
    # the group's number as the pages and the run's API show it (1-based), not its index
    assert data["cohort_groups"] == [{"cohort_run": run_id, "created_at": data["cohort_groups"][0]["created_at"], "group": 1, "group_size": 3}]


def test_teacher_erases_themselves(client, app):
    with db.new_session(app) as s:
        name = teacher_row(s, "n-01").name
        pid = teacher_row(s, "n-01").programme_id
        s.add(ConsentDecision(programme_id=pid, teacher_id="n-02", peer_id="n-01", decision="accepted"))
        s.add(ConsentDecision(programme_id=pid, teacher_id="n-01", peer_id="n-02", decision="accepted"))
        teacher_row(s, "n-03").previous_groupmates = ["n-01", "n-04"]
    run_id = _add_run_with(app, ["n-01", "n-02", "n-03"], name)
    resp = client.delete("/api/v1/teachers/n-01", headers=ACCOUNTS["teacher_n1"].headers)
    assert resp.status_code == 204
    with app.app_context():
        alias = pseudonym("n-01")
    with db.new_session(app) as s:
        assert teacher_row(s, "n-01") is None
        assert s.execute(sa.select(User).where(User.username == "teacher_n1")).first() is None
        assert s.execute(sa.select(ConsentDecision).where(sa.or_(ConsentDecision.teacher_id == "n-01", ConsentDecision.peer_id == "n-01"))).first() is None
        run = s.get(CohortRun, run_id)
        stored = json.dumps([run.result, run.params])
        assert "n-01" not in stored and name not in stored
        # The run stores a matcher.cohorts.Grouping (ids only; reasons are written on read).
        assert run.result["groups"][0][0] == alias and run.result["erased"] == [alias] and run.params["keep_apart"][0][0] == alias
        assert teacher_row(s, "n-03").previous_groupmates == [alias, "n-04"]
    # The account is gone: its token no longer works.
    assert client.get("/api/v1/me", headers=ACCOUNTS["teacher_n1"].headers).status_code == 401
    # The coordinator no longer sees the teacher, and exports no longer contain them.
    coord = ACCOUNTS["coord_n"].headers
    assert client.get("/api/v1/teachers/n-01", headers=coord).status_code == 404
    assert "n-01" not in client.get("/api/v1/teachers/export", headers=coord).get_data(as_text=True)


def test_pseudonyms_are_keyed_and_stable(app):
    with app.app_context():
        a, b = pseudonym("n-01"), pseudonym("n-02")
    assert a != b and a.startswith("p-") and len(a) == 14
    assert SECRET not in a


def test_coordinator_erases_only_own_programme(client):
    assert client.delete("/api/v1/teachers/s-01", headers=ACCOUNTS["coord_n"].headers).status_code == 404
    assert client.delete("/api/v1/teachers/n-05", headers=ACCOUNTS["coord_n"].headers).status_code == 204
    assert client.delete("/api/v1/teachers/n-05", headers=ACCOUNTS["coord_n"].headers).status_code == 404


def test_erasure_leaves_only_a_pseudonym_in_a_real_run(client, app):
    from .test_api_cohort_runs import COORD, meet_online, wait_done

    meet_online(client, [f"n-{i:02d}" for i in range(1, 15)])
    resp = client.post("/api/v1/cohort-runs", json={"size_min": 3, "size_max": 5, "seconds": 2}, headers=COORD)
    run = wait_done(client, resp.headers["Location"])
    assert run["status"] == "done"
    with db.new_session(app) as s:
        name = teacher_row(s, "n-07").name
    assert "n-07" in json.dumps(run["result"])
    assert client.delete("/api/v1/teachers/n-07", headers=COORD).status_code == 204
    after = client.get(resp.headers["Location"], headers=COORD).get_json()
    text = json.dumps(after)
    assert "n-07" not in text and name not in text and name.split()[0] not in text
    with app.app_context():
        alias = pseudonym("n-07")
    assert alias in [t for g in after["result"]["groups"] for t in g["members"]]


# ---- erasure holds ---------------------------------------------------------------------------------


def _import(client, text: str):
    resp = client.post("/api/v1/teachers/import", data=text, headers={**ACCOUNTS["coord_n"].headers, "Content-Type": "text/csv"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def test_an_erased_teacher_is_not_brought_back_by_the_next_import(client, app):
    coord = ACCOUNTS["coord_n"].headers
    sheet = client.get("/api/v1/teachers/export", headers=coord).get_data(as_text=True)
    assert client.delete("/api/v1/teachers/n-01", headers=ACCOUNTS["teacher_n1"].headers).status_code == 204
    result = _import(client, sheet)
    assert result["skipped"] == [{"row": 2, "teacher_id": "n-01", "message": "erased at the teacher's request; skipped"}]
    assert result["updated"] == 13 and result["created"] == 0
    assert client.get("/api/v1/teachers/n-01", headers=coord).status_code == 404
    # The same person under another id (same email, however written) is recognised too.
    lines = sheet.splitlines()
    again = lines[1].replace("n-01,", "n-99,", 1).replace("n-01@school.example", " N-01@School.Example")
    result = _import(client, "\n".join([lines[0], lines[2], again]) + "\n")
    assert [(x["row"], x["teacher_id"]) for x in result["skipped"]] == [(3, "n-99")]
    assert client.get("/api/v1/teachers/n-99", headers=coord).status_code == 404
    # Adding them one by one is refused as well.
    new = {"id": "n-01", "name": "Back", "school_urn": 100049, "challenges": ["singing"], "strengths": ["composition"]}
    resp = client.post("/api/v1/teachers", json=new, headers=coord)
    assert resp.status_code == 409 and "erased" in resp.get_json()["detail"]
    # Another programme is another programme.
    other = client.post("/api/v1/teachers", json=new, headers=ACCOUNTS["coord_s"].headers)
    assert other.status_code == 201


def test_erasure_records_name_nobody(client, app):
    import hashlib
    import hmac

    from service.models import Erasure

    assert client.delete("/api/v1/teachers/n-02", headers=ACCOUNTS["coord_n"].headers).status_code == 204
    with db.new_session(app) as s:
        rows = list(s.execute(sa.select(Erasure)).scalars())
        programme_id = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
    assert sorted(r.kind for r in rows) == ["email", "teacher"] and {r.programme_id for r in rows} == {programme_id}
    stored = json.dumps([[r.kind, r.digest] for r in rows])
    assert "n-02" not in stored and "school.example" not in stored
    # Keyed with the erasure key (instance/erasure_key), not with SECRET_KEY and not a bare hash.
    key = (app.instance_path + "/erasure_key")
    with open(key, encoding="ascii") as fh:
        erasure_key = fh.read().strip()
    assert erasure_key and erasure_key != SECRET
    message = f"teacher\x1f{programme_id}\x1fn-02".encode()
    digests = {r.digest for r in rows}
    assert hmac.new(erasure_key.encode(), message, hashlib.sha256).hexdigest() in digests
    assert hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest() not in digests
    assert hashlib.sha256(message).hexdigest() not in digests


def test_export_lists_the_fields_the_teacher_edited(client):
    t1 = ACCOUNTS["teacher_n1"].headers
    assert client.get("/api/v1/teachers/n-01/data-export", headers=t1).get_json()["fields_you_edited"] == []
    years = client.get("/api/v1/teachers/n-01", headers=t1).get_json()["years_teaching"]
    # Only what changed counts as the teacher's edit (the name is sent unchanged).
    client.patch("/api/v1/teachers/n-01", json={"about": "Mine.", "years_teaching": (years + 1) % 50, "name": data_name(client)}, headers={**t1, "If-Match": "*"})
    data = client.get("/api/v1/teachers/n-01/data-export", headers=t1).get_json()
    assert data["fields_you_edited"] == ["years_teaching", "about"]  # in the record's order
    from matcher.profiles.fields import PERSONAL_FIELDS

    assert set(data["profile"]) == set(PERSONAL_FIELDS)


def data_name(client) -> str:
    return client.get("/api/v1/teachers/n-01", headers=ACCOUNTS["teacher_n1"].headers).get_json()["name"]


def test_erasure_scrubs_the_teacher_from_messages_to_others(client, app):
    """A coordinator's digest and a groupmate's group mail named them (with a "not a good fit"
    flag and their address): after the erasure the stored messages hold the pseudonym only."""
    from service.models import OutboxMessage

    with db.new_session(app) as s:
        t = teacher_row(s, "n-01")
        t.email = "Sam.Erased@school.example"
        pid, name, email = t.programme_id, t.name, t.email
        for key, who, text in [
            ("digest", None, f"New \"not a good fit\" flags:\n- {name} (n-01), group 1: see /flags/n-01 (n-010 stays)"),
            ("group", "n-02", f"Your group: {name}, {email.lower()}"),
            ("own", "n-01", f"Hello {name}"),
        ]:
            s.add(OutboxMessage(programme_id=pid, teacher_id=who, idempotency_key=key, message_id=key, to_address="x@example.org", template="notice",
                                subject=f"About {name}", body_text=text, body_html=f"<p>{text}</p>", headers={"X-About": "n-01"}))
    assert client.delete("/api/v1/teachers/n-01", headers=ACCOUNTS["coord_n"].headers).status_code == 204
    with app.app_context():
        alias = pseudonym("n-01")
    with db.new_session(app) as s:
        rows = {m.idempotency_key: m for m in s.execute(sa.select(OutboxMessage).where(OutboxMessage.programme_id == pid)).scalars()}
    assert "own" not in rows  # their own message goes with them
    for key in ("digest", "group"):
        m = rows[key]
        stored = json.dumps([m.subject, m.body_text, m.body_html, m.headers])
        assert "n-01" not in stored.replace("n-010", "") and name not in stored and email.lower() not in stored.lower(), stored
        assert alias in m.body_text
    assert "n-010 stays" in rows["digest"].body_text  # another id that starts the same is kept
