"""Tests of ``service/api/cohort_runs.py``: runs in the background, ETag edits, concurrency, export."""

from __future__ import annotations

import csv
import json
import io
import threading
import time

import sqlalchemy as sa

from service import db
from service.models import CohortRun, Programme, Teacher

from .conftest import ACCOUNTS, TEACHERS, teacher_row

COORD = ACCOUNTS["coord_n"].headers


def stored_run(app, programme="north", groups=None, params=None) -> int:
    """A finished run stored directly (edits that need no solver are tested on it)."""
    ids = TEACHERS[programme]
    groups = groups or [ids[0:4], ids[4:8], ids[8:12]]
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == programme)).scalar_one()
        run = CohortRun(
            programme_id=pid,
            status="done",
            params=params or {"size_min": 4, "size_max": 4},
            result={"groups": [{"index": i, "members": g, "score": 0.5, "approved": False} for i, g in enumerate(groups)], "figures": {"mean": 0.5}},
        )
        s.add(run)
        s.flush()
        return run.id


def test_get_has_etag_and_edits_need_it(client, app):
    run_id = stored_run(app)
    resp = client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD)
    assert resp.status_code == 200 and resp.get_json()["status"] == "done"
    tag = resp.headers["ETag"]
    missing = client.post(f"/api/v1/cohort-runs/{run_id}/groups/2/approve", json={}, headers=COORD)
    assert missing.status_code == 428
    ok = client.post(f"/api/v1/cohort-runs/{run_id}/groups/2/approve", json={}, headers={**COORD, "If-Match": tag})
    assert ok.status_code == 200 and ok.headers["ETag"] != tag
    body = ok.get_json()
    assert [g["approved"] for g in body["result"]["groups"]] == [False, True, False]
    stale = client.post(f"/api/v1/cohort-runs/{run_id}/groups/1/approve", json={}, headers={**COORD, "If-Match": tag})
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    by_version = client.post(f"/api/v1/cohort-runs/{run_id}/groups/2/approve", json={"approved": False, "version": body["version"]}, headers=COORD)
    assert by_version.status_code == 200 and not any(g["approved"] for g in by_version.get_json()["result"]["groups"])
    assert client.post(f"/api/v1/cohort-runs/{run_id}/groups/9/approve", json={"version": by_version.get_json()["version"]}, headers=COORD).status_code == 404


def test_two_clients_editing_one_run_one_gets_409(app):
    """Both clients load the same version, then save at the same moment: exactly one wins."""
    for attempt in range(4):
        run_id = stored_run(app)
        tag = app.test_client().get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).headers["ETag"]
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def edit(index: int) -> None:
            client = app.test_client()
            barrier.wait()
            resp = client.post(f"/api/v1/cohort-runs/{run_id}/groups/{index}/approve", json={}, headers={**COORD, "If-Match": tag})
            statuses.append(resp.status_code)

        threads = [threading.Thread(target=edit, args=(i,)) for i in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(statuses) == [200, 409], (attempt, statuses)
        final = app.test_client().get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).get_json()
        assert final["version"] == 2 and sum(g["approved"] for g in final["result"]["groups"]) == 1


def test_export_csv_full_and_pseudonymised(client, app):
    run_id = stored_run(app)
    text = client.get(f"/api/v1/cohort-runs/{run_id}/export", headers=COORD).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["teacher_id"] for r in rows] == TEACHERS["north"][:12]
    assert all(r["name"] and r["school"] for r in rows)
    resp = client.get(f"/api/v1/cohort-runs/{run_id}/export", headers=ACCOUNTS["analyst_n"].headers)
    assert resp.status_code == 200
    anon = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert len(anon) == 12 and all(r["teacher_id"].startswith("p-") and r["name"] == "" for r in anon)
    assert not any(t in resp.get_data(as_text=True) for t in TEACHERS["north"])
    assert client.get(f"/api/v1/cohort-runs/{run_id}/export", headers=ACCOUNTS["analyst_s"].headers).status_code == 404


def test_export_is_the_library_group_csv_with_consented_emails_only(client, app):
    from matcher.cohorts.group_csv import GROUP_CSV_COLUMNS, read_group_csv

    run_id = stored_run(app)
    with db.new_session(app) as s:
        teacher_row(s, "n-01").consent_share_contact = True
        teacher_row(s, "n-02").consent_share_contact = False
        for tid, slots in (("n-01", ["mon_pm", "thu_am"]), ("n-02", ["thu_am", "mon_pm"]), ("n-03", ["thu_am"]), ("n-04", ["thu_am", "fri_pm"])):
            teacher_row(s, tid).availability = slots
    text = client.get(f"/api/v1/cohort-runs/{run_id}/export", headers=COORD).get_data(as_text=True)
    assert read_group_csv(text) == {"1": tuple(TEACHERS["north"][0:4]), "2": tuple(TEACHERS["north"][4:8]), "3": tuple(TEACHERS["north"][8:12])}
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == GROUP_CSV_COLUMNS
    by_id = {r["teacher_id"]: r for r in rows}
    assert by_id["n-01"]["email"] == "n-01@school.example" and by_id["n-02"]["email"] == ""
    assert "n-02@school.example" not in text
    assert {by_id[t]["meeting_slots"] for t in TEACHERS["north"][0:4]} == {"thu_am"}
    anon = client.get(f"/api/v1/cohort-runs/{run_id}/export", headers=ACCOUNTS["analyst_n"].headers).get_data(as_text=True)
    assert "@" not in anon and len(read_group_csv(anon)) == 3


def test_unfinished_runs_cannot_be_edited_or_exported(client, app):
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        run = CohortRun(programme_id=pid, status="running", params={})
        s.add(run)
        s.flush()
        run_id = run.id
    assert client.post(f"/api/v1/cohort-runs/{run_id}/groups/1/approve", json={"version": 1}, headers=COORD).status_code == 409
    assert client.get(f"/api/v1/cohort-runs/{run_id}/export", headers=COORD).status_code == 409


def test_create_validates_before_queueing(client, app):
    bad = client.post("/api/v1/cohort-runs", json={"size_min": 6, "size_max": 4}, headers=COORD)
    assert bad.status_code == 422
    unknown = client.post("/api/v1/cohort-runs", json={"keep_apart": [["n-01", "s-01"]]}, headers=COORD)
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["value"] == "s-01"
    assert unknown.get_json()["detail"] == "1 teacher id in keep_apart is not in your programme."
    too_long = client.post("/api/v1/cohort-runs", json={"seconds": 1000}, headers=COORD)
    assert too_long.status_code == 422
    with db.new_session(app) as s:
        assert s.execute(sa.select(sa.func.count()).select_from(CohortRun)).scalar_one() == 0


def test_teacher_ids_twice_or_rules_outside_them_are_refused_before_queueing(client, app):
    """They were queued and failed later: a teacher listed twice as 'could not find groups that
    keep every forbidden pair apart (e.g. ; ...)', a keep-together id outside teacher_ids as 404."""
    twice = client.post("/api/v1/cohort-runs", json={"size_min": 2, "size_max": 3, "teacher_ids": ["n-01", "n-01", "n-02"]}, headers=COORD)
    assert twice.status_code == 422, twice.get_json()
    assert [(e["field"], e["value"], e["message"]) for e in twice.get_json()["errors"]] == [("teacher_ids", "n-01", "is listed twice")]
    outside = client.post(
        "/api/v1/cohort-runs",
        json={"size_min": 2, "size_max": 3, "teacher_ids": ["n-01", "n-02", "n-03"], "keep_together": [["n-04", "n-05"]], "keep_apart": [["n-01", "n-06"]]},
        headers=COORD,
    )
    assert outside.status_code == 422
    assert [(e["field"], e["value"]) for e in outside.get_json()["errors"]] == [("keep_apart", "n-06"), ("keep_together", "n-04"), ("keep_together", "n-05")]
    with db.new_session(app) as s:
        assert s.execute(sa.select(sa.func.count()).select_from(CohortRun)).scalar_one() == 0


def wait_done(client, location: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(location, headers=COORD).get_json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{location} did not finish")


def test_abandoned_run_is_reported_failed(client, app):
    from datetime import timedelta

    from service.models import utcnow

    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        # its process stopped: nobody refreshed the heartbeat since it started
        run = CohortRun(programme_id=pid, status="running", params={"seconds": 1}, started_at=utcnow() - timedelta(hours=1), heartbeat_at=utcnow() - timedelta(hours=1))
        s.add(run)
        s.flush()
        run_id = run.id
    body = client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).get_json()
    assert body["status"] == "failed" and body["error"]["title"] == "Interrupted"


def test_a_slow_run_with_a_fresh_heartbeat_is_not_failed_on_read(client, app):
    """A live process refreshes the heartbeat of the run it solves: reading the run must not mark
    it failed because it took longer than expected (the stored result would then be dropped)."""
    from datetime import timedelta

    from service.models import utcnow

    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        run = CohortRun(programme_id=pid, status="running", params={"seconds": 1}, started_at=utcnow() - timedelta(hours=1), heartbeat_at=utcnow())
        s.add(run)
        s.flush()
        run_id = run.id
    body = client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).get_json()
    assert body["status"] == "running" and body["error"] is None


def meet_online(client, ids) -> None:
    """Sample teachers who only meet in person may be out of everyone's reach in a small
    programme (the solver rightly refuses); online meetings make a small cohort feasible."""
    for t in ids:
        assert client.patch(f"/api/v1/teachers/{t}", json={"meeting_mode": "online"}, headers={**COORD, "If-Match": "*"}).status_code == 200


def test_generate_then_move_then_export(client, app):
    meet_online(client, TEACHERS["north"])
    resp = client.post("/api/v1/cohort-runs", json={"size_min": 3, "size_max": 5, "seconds": 2, "seed": 3, "keep_apart": [["n-01", "n-02"]], "common_slot": False}, headers=COORD)
    assert resp.status_code == 202 and resp.headers["Location"].startswith("/api/v1/cohort-runs/")
    assert resp.get_json()["status"] in ("queued", "running", "done")
    run = wait_done(client, resp.headers["Location"])
    assert run["status"] == "done", run["error"]
    groups = run["result"]["groups"]
    members = [t for g in groups for t in g["members"]]
    assert sorted(members) == sorted(TEACHERS["north"])  # everyone placed once, nobody from elsewhere
    assert all(3 <= len(g["members"]) <= 5 and g["reasons"] for g in groups)
    assert not any({"n-01", "n-02"} <= set(g["members"]) for g in groups)
    figures = run["result"]["figures"]
    assert figures["teachers"] == len(TEACHERS["north"]) and "mean_affinity" in figures

    # Move someone from a group that can lose a member to one that can take one.
    src, dst = next((a, b) for a in groups for b in groups if a is not b and len(a["members"]) > 3 and len(b["members"]) < 5)
    who = next(t for t in src["members"] if t not in ("n-01", "n-02"))
    tag = client.get(resp.headers["Location"], headers=COORD).headers["ETag"]
    preview = client.post(f"{resp.headers['Location']}/moves", json={"teacher_id": who, "to_group": dst["group"], "dry_run": True}, headers={**COORD, "If-Match": tag})
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert body["preview"] is True and body["version"] == run["version"]
    moved = {g["index"]: g for g in body["result"]["groups"]}
    assert who in moved[dst["index"]]["members"] and who not in moved[src["index"]]["members"]
    assert body["result"]["figures"] != figures  # figures recomputed for the new groups
    # Nothing was saved by the preview.
    assert client.get(resp.headers["Location"], headers=COORD).get_json()["result"] == run["result"]
    saved = client.post(f"{resp.headers['Location']}/moves", json={"teacher_id": who, "to_group": dst["group"]}, headers={**COORD, "If-Match": tag})
    assert saved.status_code == 200 and saved.get_json()["version"] == run["version"] + 1
    assert saved.get_json()["result"]["groups"] == body["result"]["groups"]

    assert saved.get_json()["result"]["violations"] == []

    # A move that breaks a constraint is the coordinator's call: it is made, and the
    # answer lists what it breaks.
    again = client.get(resp.headers["Location"], headers=COORD)
    target = next(g for g in again.get_json()["result"]["groups"] if "n-02" in g["members"])
    bad = client.post(f"{resp.headers['Location']}/moves", json={"teacher_id": "n-01", "to_group": target["group"], "dry_run": True}, headers={**COORD, "If-Match": again.headers["ETag"]})
    assert bad.status_code == 200 and bad.get_json()["result"]["violations"], bad.get_json()
    names = {t["id"]: t["name"] for t in client.get("/api/v1/teachers?per_page=100", headers=COORD).get_json()["items"]}
    rule = f"group {target['group']}: {names['n-01']} and {names['n-02']} are on the keep-apart list"
    assert rule in bad.get_json()["result"]["violations"], bad.get_json()["result"]["violations"]
    card = next(g for g in bad.get_json()["result"]["groups"] if g["group"] == target["group"])
    assert rule.split(": ", 1)[1] in card["violations"]  # and on the group itself

    text = client.get(f"{resp.headers['Location']}/export", headers=COORD).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["teacher_id"] for r in rows) == sorted(TEACHERS["north"])


def test_repair_after_drop_out_keeps_approved_groups(client, app):
    meet_online(client, TEACHERS["north"])
    # (the common free slot rule, on by default here, is tested in test_common_slot.py)
    resp = client.post("/api/v1/cohort-runs", json={"size_min": 3, "size_max": 5, "seconds": 2, "seed": 1, "common_slot": False}, headers=COORD)
    run = wait_done(client, resp.headers["Location"])
    assert run["status"] == "done", run["error"]
    groups = run["result"]["groups"]
    keep = groups[0]
    tag = client.get(resp.headers["Location"], headers=COORD).headers["ETag"]
    approved = client.post(f"{resp.headers['Location']}/groups/{keep['group']}/approve", json={}, headers={**COORD, "If-Match": tag})
    leaver = next(t for g in groups[1:] for t in g["members"])
    repaired = client.post(f"{resp.headers['Location']}/repair", json={"dropped": [leaver], "seconds": 1}, headers={**COORD, "If-Match": approved.headers["ETag"]})
    assert repaired.status_code == 200, repaired.get_json()
    result = repaired.get_json()["result"]
    members = sorted(t for g in result["groups"] for t in g["members"])
    assert members == sorted(t for t in TEACHERS["north"] if t != leaver)
    still = next(g for g in result["groups"] if g["index"] == keep["index"])
    assert still["members"] == keep["members"] and still["approved"] is True
    assert result["figures"]["moved"] is not None and result["violations"] == []
    bad = client.post(f"{resp.headers['Location']}/repair", json={"dropped": ["n-99"]}, headers={**COORD, "If-Match": repaired.headers["ETag"]})
    assert bad.status_code == 422


def test_approved_groups_are_locked_against_moves(client, app):
    run_id = stored_run(app)
    tag = client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).headers["ETag"]
    approved = client.post(f"/api/v1/cohort-runs/{run_id}/groups/1/approve", json={}, headers={**COORD, "If-Match": tag})
    resp = client.post(f"/api/v1/cohort-runs/{run_id}/moves", json={"teacher_id": "n-01", "to_group": 2}, headers={**COORD, "If-Match": approved.headers["ETag"]})
    assert resp.status_code == 409 and "approved" in resp.get_json()["detail"]


def test_infeasible_run_fails_with_the_reason(client, app):
    resp = client.post("/api/v1/cohort-runs", json={"size_min": 5, "size_max": 5, "seconds": 1, "teacher_ids": TEACHERS["north"][:7]}, headers=COORD)
    run = wait_done(client, resp.headers["Location"])
    assert run["status"] == "failed" and run["error"]["status"] == 422
    assert "7 teachers" in run["error"]["detail"]


def test_progress_is_reported_while_running(client, app):
    meet_online(client, TEACHERS["north"])
    resp = client.post("/api/v1/cohort-runs", json={"size_min": 3, "size_max": 5, "seconds": 2}, headers=COORD)
    seen = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = client.get(resp.headers["Location"], headers=COORD).get_json()
        seen.add((body["status"], body["progress"]))
        if body["status"] == "done":
            break
        time.sleep(0.1)
    assert ("done", 1.0) in seen
    assert any(status == "running" and 0 < p < 1 for status, p in seen), seen


# ---- group numbers in messages ------------------------------------------------------------


def test_messages_name_groups_by_the_numbers_coordinators_see(client, app):
    run_id = stored_run(app)
    tag = client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).headers["ETag"]
    missing = client.post(f"/api/v1/cohort-runs/{run_id}/groups/10/approve", json={}, headers={**COORD, "If-Match": tag})
    assert missing.status_code == 404
    assert missing.get_json()["detail"] == f"Run {run_id} has no group 10; its groups are 1 to 3."
    same = client.post(f"/api/v1/cohort-runs/{run_id}/moves", json={"teacher_id": "n-05", "to_group": 2, "dry_run": True}, headers={**COORD, "If-Match": tag})
    assert same.status_code == 422 and same.get_json()["detail"] == "'n-05' is already in group 2."
    approved = client.post(f"/api/v1/cohort-runs/{run_id}/groups/3/approve", json={}, headers={**COORD, "If-Match": tag})
    locked = client.post(f"/api/v1/cohort-runs/{run_id}/moves", json={"teacher_id": "n-01", "to_group": 3}, headers={**COORD, "If-Match": approved.headers["ETag"]})
    assert locked.status_code == 409 and locked.get_json()["detail"].startswith("Group 3 is approved and locked")


def test_group_numbers_reads_like_the_pages():
    from service.services.cohort_edits import group_numbers

    assert group_numbers([{"index": i} for i in range(4)]) == "1 to 4"
    assert group_numbers([{"index": 0}, {"index": 1}]) == "1 and 2"
    assert group_numbers([{"index": 0}, {"index": 1}, {"index": 3}]) == "1, 2 and 4"
    assert group_numbers([{"index": 4}]) == "5"


# ---- teachers erased after (or during) a run -----------------------------------------------


def test_erased_member_leaves_a_short_group_that_repair_refills(client, app):
    meet_online(client, TEACHERS["north"])
    resp = client.post("/api/v1/cohort-runs", json={"size_min": 3, "size_max": 4, "seconds": 1, "seed": 2}, headers=COORD)
    location = resp.headers["Location"]
    run = wait_done(client, location)
    assert run["status"] == "done", run["error"] and run["lost_members"] == []
    short = min(run["result"]["groups"], key=lambda g: (len(g["members"]), g["index"]))
    victim = short["members"][0]
    partner = next(t for t in TEACHERS["north"] if t not in short["members"])
    with db.new_session(app) as s:
        name = teacher_row(s, victim).name
        # A constraint naming the victim, as a coordinator may have set one.
        s.get(CohortRun, run["id"]).params = {**run["params"], "keep_apart": [[victim, partner]]}
    assert client.delete(f"/api/v1/teachers/{victim}", headers=COORD).status_code == 204

    after = client.get(location, headers=COORD)
    body = after.get_json()
    assert victim not in after.get_data(as_text=True) and name not in after.get_data(as_text=True)
    left = len(short["members"]) - 1
    assert body["lost_members"] == [{"index": short["index"], "group": short["index"] + 1, "erased": 1, "members_left": left, "size_min": 3}]

    # Moves still work (the constraint naming the erased teacher is left out), keep the loss
    # visible, and refuse to move the erased member.
    other = next(g for g in body["result"]["groups"] if g["index"] != short["index"])
    mover = other["members"][0]
    target = next(g for g in body["result"]["groups"] if g["index"] not in (short["index"], other["index"]))
    preview = client.post(f"{location}/moves", json={"teacher_id": mover, "to_group": target["group"], "dry_run": True}, headers={**COORD, "If-Match": after.headers["ETag"]})
    assert preview.status_code == 200, preview.get_json()
    kept = next(g for g in preview.get_json()["result"]["groups"] if g["index"] == short["index"])
    assert len(kept["members"]) == len(short["members"]) and preview.get_json()["lost_members"] == body["lost_members"]
    alias = next(t for t in kept["members"] if t.startswith("p-"))
    refused = client.post(f"{location}/moves", json={"teacher_id": alias, "to_group": target["group"], "dry_run": True}, headers={**COORD, "If-Match": after.headers["ETag"]})
    assert refused.status_code == 422 and "erased" in refused.get_json()["detail"] and f"group {short['index'] + 1}" in refused.get_json()["detail"]

    # A repair with an empty body (as the README's example sends it: no JSON at all) names
    # nobody and refills the short group; everyone left stays placed.
    repaired = client.post(f"{location}/repair", headers={**COORD, "If-Match": after.headers["ETag"]})
    assert repaired.status_code == 200, repaired.get_json()
    result = repaired.get_json()["result"]
    assert sorted(t for g in result["groups"] for t in g["members"]) == sorted(t for t in TEACHERS["north"] if t != victim)
    assert all(3 <= len(g["members"]) <= 4 for g in result["groups"]) and result["violations"] == []
    assert repaired.get_json()["lost_members"] == []
    # Nothing erased any more and nobody named: nothing to repair.
    again = client.post(f"{location}/repair", json={}, headers={**COORD, "If-Match": repaired.headers["ETag"]})
    assert again.status_code == 422
    assert client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/cohort-runs/{run_id}/repair"]["post"]["requestBody"]["required"] is False
    empty = client.post(f"{location}/repair", headers={**COORD, "If-Match": repaired.headers["ETag"]})
    assert empty.status_code == 422 and "Name the teachers who dropped out" in empty.get_json()["detail"]
    assert "RepairIn" not in empty.get_data(as_text=True)


def test_teacher_erased_while_a_run_is_solving_is_not_stored(client, app, monkeypatch):
    from service.services import cohort_jobs as cohorts

    meet_online(client, TEACHERS["north"])
    with db.new_session(app) as s:
        name = teacher_row(s, "n-04").name
    solve = cohorts._solve

    def solve_then_erase(cohort, params, progress=None):
        stored = solve(cohort, params, progress)
        assert "n-04" in str(stored)  # the solver saw them
        assert app.test_client().delete("/api/v1/teachers/n-04", headers=COORD).status_code == 204
        return stored

    monkeypatch.setattr(cohorts, "_solve", solve_then_erase)
    resp = client.post("/api/v1/cohort-runs", json={"size_min": 3, "size_max": 5, "seconds": 1}, headers=COORD)
    run = wait_done(client, resp.headers["Location"])
    assert run["status"] == "done", run["error"]
    text = client.get(resp.headers["Location"], headers=COORD).get_data(as_text=True)
    assert "n-04" not in text and name not in text and name.split()[0] not in text
    with app.app_context():
        from service.services.common import pseudonym

        alias = pseudonym("n-04")
    assert alias in [t for g in run["result"]["groups"] for t in g["members"]]
    assert [x["erased"] for x in run["lost_members"]] == [1]


# ---- one time-limit rule (issue 12 item 3) ---------------------------------------------------


def test_time_limit_rule_default_maximum_refused_not_clamped(app):
    from service.problems import Problem
    from service.services.cohort_runs import cohort_time_limit

    assert cohort_time_limit(app, None) == app.config["PEERMATCH_COHORT_DEFAULT_SECONDS"]
    top = app.config["PEERMATCH_COHORT_MAX_SECONDS"]
    assert cohort_time_limit(app, top) == top and cohort_time_limit({**app.config}, 0.5) == 0.5
    for bad in (top + 0.1, 0, -1, float("inf"), float("nan")):
        try:
            cohort_time_limit(app, bad)
        except Problem as exc:
            assert exc.status == 422 and exc.errors[0]["field"] == "seconds" and f"at most {top}" in exc.errors[0]["message"]
        else:
            raise AssertionError(f"{bad} was accepted")


def test_create_refuses_a_time_limit_over_the_configured_maximum(client, app):
    top = app.config["PEERMATCH_COHORT_MAX_SECONDS"]
    resp = client.post("/api/v1/cohort-runs", json={"seconds": top + 1}, headers=COORD)
    body = resp.get_json()
    assert resp.status_code == 422 and body["errors"][0]["field"] == "seconds" and f"at most {top}" in body["detail"]
    assert client.post("/api/v1/cohort-runs", json={"seconds": 0}, headers=COORD).status_code == 422


def test_repair_refuses_a_time_limit_out_of_range_instead_of_clamping(client, app):
    run_id = stored_run(app, params={"size_min": 3, "size_max": 5})
    tag = client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).headers["ETag"]
    top = app.config["PEERMATCH_COHORT_MAX_SECONDS"]
    resp = client.post(f"/api/v1/cohort-runs/{run_id}/repair", json={"dropped": ["n-01"], "seconds": top * 2}, headers={**COORD, "If-Match": tag})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "seconds"
    assert f"more than 0 and at most {top}" in resp.get_json()["detail"]
    assert client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).headers["ETag"] == tag  # nothing saved


def test_schemas_document_the_time_limit_rule(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    from service.api.cohort_schemas import CohortRunIn, RepairIn

    for model in (CohortRunIn, RepairIn):
        text = model.model_json_schema()["properties"]["seconds"]["description"]
        assert "PEERMATCH_COHORT_MAX_SECONDS" in text and "422" in text
    assert "PEERMATCH_COHORT_MAX_SECONDS" in json.dumps(spec)


def test_run_list_is_a_summary_without_results(client, app, monkeypatch):
    # Explaining a run costs about a second at 1,000 teachers: a page of 100 runs must not.
    run_id = stored_run(app)
    from service.services import cohort_review

    def no_explaining(run):
        raise AssertionError("the list explained a run")

    monkeypatch.setattr(cohort_review, "review_of", no_explaining)
    items = client.get("/api/v1/cohort-runs", headers=COORD).get_json()["items"]
    mine = [item for item in items if item["id"] == run_id]
    assert mine and mine[0]["status"] == "done" and mine[0]["result"] is None


def test_export_csv_neutralises_formulas_but_keeps_negative_numbers(client, app):

    with db.new_session(app) as s:
        s.execute(sa.update(Teacher).where(Teacher.id == TEACHERS["north"][0]).values(name='=HYPERLINK("http://evil.example","x")'))
        s.execute(sa.update(Teacher).where(Teacher.id == TEACHERS["north"][1]).values(name="@SUM(1)"))
    run_id = stored_run(app)
    text = client.get(f"/api/v1/cohort-runs/{run_id}/export", headers=COORD).get_data(as_text=True)
    rows = {r["teacher_id"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert rows[TEACHERS["north"][0]]["name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[TEACHERS["north"][1]]["name"] == "'@SUM(1)"
    assert all(float(r["group_affinity"]) == float(r["group_affinity"]) for r in rows.values())  # numbers stay numbers
    from matcher.csvsafe import safe_cell

    assert safe_cell(-0.25) == "-0.25"  # a real negative number is not quoted


def test_analyst_run_export_is_k_anonymous(client, app):
    run_id = stored_run(app)
    resp = client.get(f"/api/v1/cohort-runs/{run_id}/export", headers=ACCOUNTS["analyst_n"].headers)
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True), newline="")))
    assert len(rows) == 12
    # no school, no name, no email, no reasons: nothing that singles out a department of one
    assert all(r["school_urn"] == r["school"] == r["name"] == r["email"] == r["reasons"] == "" for r in rows)
    assert not any(t in r["teacher_id"] for r in rows for t in TEACHERS["north"])
    full = list(csv.DictReader(io.StringIO(client.get(f"/api/v1/cohort-runs/{run_id}/export", headers=COORD).get_data(as_text=True))))
    assert [r["group"] for r in rows] == [r["group"] for r in full]  # the groups are kept


def test_group_numbers_are_1_based_in_paths_bodies_and_results(client, app):
    run_id = stored_run(app)
    resp = client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD)
    groups = resp.get_json()["result"]["groups"]
    assert [g["group"] for g in groups] == [1, 2, 3] == [g["index"] + 1 for g in groups] == [g["id"] for g in groups]
    tag = resp.headers["ETag"]
    assert client.post(f"/api/v1/cohort-runs/{run_id}/groups/0/approve", json={}, headers={**COORD, "If-Match": tag}).status_code == 422
    first = client.post(f"/api/v1/cohort-runs/{run_id}/groups/1/approve", json={}, headers={**COORD, "If-Match": tag})
    assert first.status_code == 200 and [g["approved"] for g in first.get_json()["result"]["groups"]] == [True, False, False]
    # n-05 is in group 2; to_group 3 is the third group, as the pages and the CSV number it
    moved = client.post(f"/api/v1/cohort-runs/{run_id}/moves", json={"teacher_id": "n-05", "to_group": 3, "dry_run": True}, headers={**COORD, "If-Match": first.headers["ETag"]})
    assert moved.status_code == 200 and "n-05" in moved.get_json()["result"]["groups"][2]["members"]
    assert client.post(f"/api/v1/cohort-runs/{run_id}/moves", json={"teacher_id": "n-05", "to_group": 0, "dry_run": True}, headers={**COORD, "If-Match": first.headers["ETag"]}).status_code == 422
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/cohort-runs/{run_id}/groups/{group}/approve" in spec["paths"]
    assert "1 is the first" in spec["components"]["schemas"]["MoveIn"]["properties"]["to_group"]["description"]
