"""Erasure and renaming leave no traces in cohort runs (issue 13 item 4).

A run stores a ``matcher.cohorts.Grouping`` (ids and rules); groups, names, reasons and
violations are written on read from today's profiles. So after a teacher is erased,
neither the stored run nor the API, the page or the CSV holds their name, email or id,
nor their pseudonym next to their id; after a rename, the old name is gone too.
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from service import db
from service.models import CohortRun
from service.services.common import pseudonym

from .conftest import ACCOUNTS, TEACHERS, teacher_row
from .pages_helpers import sign_in, text_of
from .test_api_cohort_runs import COORD, meet_online, wait_done


def _everything(client, app, location: str, run_id: int) -> dict[str, str]:
    with db.new_session(app) as s:
        run = s.get(CohortRun, run_id)
        stored = json.dumps([run.result, run.params, run.error])
    api = client.get(location, headers=COORD).get_data(as_text=True)
    sign_in(client, "coord_n")
    page = client.get(f"/cohorts/{run_id}").get_data(as_text=True)
    cohort_map = client.get(f"/cohorts/{run_id}/map").get_data(as_text=True)
    csv_page = client.get(f"/cohorts/{run_id}/export.csv").get_data(as_text=True)
    csv_api = client.get(f"{location}/export", headers=COORD).get_data(as_text=True)
    csv_analyst = client.get(f"{location}/export", headers=ACCOUNTS["analyst_n"].headers).get_data(as_text=True)
    return {"stored": stored, "api": api, "page": page, "map": cohort_map, "csv": csv_page, "csv_api": csv_api, "csv_analyst": csv_analyst}


def test_erased_and_renamed_teachers_leave_no_trace_in_a_run(client, app):
    meet_online(client, TEACHERS["north"])
    victim, renamed = "n-03", "n-07"
    resp = client.post(
        "/api/v1/cohort-runs", json={"size_min": 3, "size_max": 5, "seconds": 1, "seed": 4, "keep_apart": [[victim, "n-09"]], "keep_together": [[victim, "n-10"]]}, headers=COORD
    )
    location = resp.headers["Location"]
    run = wait_done(client, location)
    assert run["status"] == "done", run["error"]
    run_id = run["id"]
    with db.new_session(app) as s:
        t = teacher_row(s, victim)
        name, email = t.name, t.email
        old_name = teacher_row(s, renamed).name
    with app.app_context():
        alias = pseudonym(victim)
    before = _everything(client, app, location, run_id)
    # The test can fail: before the erasure, the run shows the teacher in every channel.
    assert victim in before["stored"] and victim in before["api"] and name in before["api"] and name in before["page"]
    assert victim in before["csv"] and name in before["csv"] and old_name in before["api"]

    assert client.patch(f"/api/v1/teachers/{renamed}", json={"name": "Quentin Renamed"}, headers={**COORD, "If-Match": "*"}).status_code == 200
    assert client.delete(f"/api/v1/teachers/{victim}", headers=COORD).status_code == 204

    after = _everything(client, app, location, run_id)
    for channel, text in after.items():
        assert victim not in text, channel
        assert name not in text, channel
        assert email not in text, channel
        assert old_name not in text, channel
        assert not re.search(re.escape(alias) + r".{0,40}" + re.escape(victim), text), channel
    assert "Erased teacher" in after["page"] and "Quentin Renamed" in after["page"]
    # The erased member keeps their place as a pseudonym (so the group counts as short).
    body = json.loads(after["api"])
    assert [x["erased"] for x in body["lost_members"]] == [1]
    assert alias in [m for g in body["result"]["groups"] for m in g["members"]]
    assert "Erased teacher" in [n for g in body["result"]["groups"] for n in g["names"]]
    assert alias in after["stored"] and "Quentin Renamed" not in after["stored"]  # ids only are stored


def test_teacher_erased_from_a_stored_version_1_run_is_gone_from_it(client, app):
    """Runs stored before the Grouping record (names and reasons in the JSON) are rewritten on erasure."""
    ids = TEACHERS["north"]
    with db.new_session(app) as s:
        from service.models import Programme

        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        name = teacher_row(s, ids[0]).name
        run = CohortRun(
            programme_id=pid,
            status="done",
            params={"size_min": 4, "size_max": 4, "seconds": 1},
            result={
                "groups": [
                    {"index": i, "members": ids[4 * i : 4 * i + 4], "names": [name] * 4, "reasons": [f"{name} ({ids[0]}) helps."], "approved": False}
                    for i in range(3)
                ],
                "figures": {"seed": 0},
                "violations": [f"{name} ({ids[0]}) and someone"],
            },
        )
        s.add(run)
        s.flush()
        run_id = run.id
    assert client.delete(f"/api/v1/teachers/{ids[0]}", headers=COORD).status_code == 204
    with db.new_session(app) as s:
        stored = json.dumps(s.get(CohortRun, run_id).result)
    assert ids[0] not in stored and name not in stored and s is not None
    api = client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).get_data(as_text=True)
    assert ids[0] not in api and name not in api
    sign_in(client, "coord_n")
    assert name not in text_of(client.get(f"/cohorts/{run_id}"))


def test_a_group_whose_members_were_all_erased_is_shown_and_repaired(client, app):
    from .test_api_cohort_runs import stored_run

    ids = TEACHERS["north"]
    meet_online(client, ids[:12])
    run_id = stored_run(app, params={"size_min": 3, "size_max": 5})
    for t in ids[:4]:
        assert client.delete(f"/api/v1/teachers/{t}", headers=COORD).status_code == 204
    resp = client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD)
    body = resp.get_json()
    first = body["result"]["groups"][0]
    assert first["index"] == 0 and len(first["members"]) == 4 and first["names"] == ["Erased teacher"] * 4 and first["reasons"] == []
    assert body["lost_members"] == [{"index": 0, "group": 1, "erased": 4, "members_left": 0, "size_min": 3}]
    assert not any(t in resp.get_data(as_text=True) for t in ids[:4])
    sign_in(client, "coord_n")
    assert client.get(f"/cohorts/{run_id}").status_code == 200
    repaired = client.post(f"/api/v1/cohort-runs/{run_id}/repair", json={"seconds": 1}, headers={**COORD, "If-Match": resp.headers["ETag"]})
    assert repaired.status_code == 200, repaired.get_json()
    groups = repaired.get_json()["result"]["groups"]
    assert sorted(t for g in groups for t in g["members"]) == sorted(ids[4:12]) and repaired.get_json()["lost_members"] == []


def test_erasure_still_scrubs_a_result_it_cannot_read_as_a_grouping(client, app):
    with db.new_session(app) as s:
        from service.models import Programme

        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        name = teacher_row(s, "n-01").name
        run = CohortRun(programme_id=pid, status="done", params={}, result={"schema_version": 99, "groups": [["n-01", "n-02"]], "note": f"{name} was here"})
        s.add(run)
        s.flush()
        run_id = run.id
    assert client.delete("/api/v1/teachers/n-01", headers=COORD).status_code == 204
    with db.new_session(app) as s:
        stored = json.dumps(s.get(CohortRun, run_id).result)
    assert "n-01" not in stored and name not in stored
