"""The common free slot rule in the service: the API field and its default, the form, the result."""

from __future__ import annotations

import sqlalchemy as sa

from service import db
from service.models import CohortRun, Teacher

from .conftest import ACCOUNTS, TEACHERS
from .pages_helpers import post, sign_in, text_of
from .test_api_cohort_runs import meet_online, wait_done

COORD = ACCOUNTS["coord_n"].headers
NORTH = TEACHERS["north"]


def _set_availability(app, slots_by_id: dict[str, list[str]]) -> None:
    with db.new_session(app) as s:
        for t in s.execute(sa.select(Teacher).where(Teacher.id.in_(list(slots_by_id)))).scalars():
            t.availability = slots_by_id[t.id]


def test_bad_values_are_422_and_nothing_is_queued(client, app):
    for bad in ("yes", 1, "true", "on", [True]):
        resp = client.post("/api/v1/cohort-runs", json={"common_slot": bad}, headers=COORD)
        assert resp.status_code == 422, bad
        assert resp.content_type.startswith("application/problem+json")
        assert any("common_slot" in str(e.get("field") or e.get("loc") or e) for e in resp.get_json()["errors"])
    with db.new_session(app) as s:
        assert s.execute(sa.select(sa.func.count()).select_from(CohortRun)).scalar_one() == 0


def test_default_on_when_availability_is_known_and_groups_share_a_slot(client, app):
    meet_online(client, NORTH)
    # two home slots, seven teachers each: every group of 3-4 can share one
    _set_availability(app, {t: ["mon_pm"] if k % 2 else ["tue_after_school", "fri_am"] for k, t in enumerate(NORTH)})
    resp = client.post("/api/v1/cohort-runs", json={"size_min": 3, "size_max": 4, "seconds": 1.5, "seed": 1}, headers=COORD)
    assert resp.status_code == 202
    run = wait_done(client, resp.headers["Location"])
    assert run["status"] == "done", run["error"]
    assert run["params"]["common_slot"] is True
    assert run["params"]["common_slot_reason"].startswith("on by default: 14 of 14 teachers")
    result = run["result"]
    assert result["figures"]["common_slot"] is True and result["violations"] == []
    assert all(g["shares_slot"] is True and g["shared_slots"] for g in result["groups"])
    assert result["figures"]["slot_groups"] == len(result["groups"])
    # the result page says so, per group and for the run
    sign_in(client, "coord_n")
    page = text_of(client.get(f"/cohorts/{run['id']}"))
    assert "Common free slot rule: on (on by default: 14 of 14 teachers" in page
    assert "Shared free time: Monday afternoon" in page or "Shared free time: Tuesday after school" in page
    # a repair keeps the rule: the stored record carries it, and the repaired groups share a slot
    with db.new_session(app) as s:
        assert s.get(CohortRun, run["id"]).result["common_slot"] is True
    tag = client.get(resp.headers["Location"], headers=COORD).headers["ETag"]
    leaver = result["groups"][0]["members"][0]
    repaired = client.post(f"{resp.headers['Location']}/repair", json={"dropped": [leaver], "seconds": 1}, headers={**COORD, "If-Match": tag})
    assert repaired.status_code == 200, repaired.get_json()
    after = repaired.get_json()["result"]
    assert after["violations"] == [] and after["figures"]["common_slot"] is True
    assert all(g["shares_slot"] for g in after["groups"]) and leaver not in {t for g in after["groups"] for t in g["members"]}


def test_default_off_when_few_listed_and_asking_overrides(client, app):
    _set_availability(app, {t: [] for t in NORTH[:10]})
    off = client.post("/api/v1/cohort-runs", json={"size_min": 3, "size_max": 5, "seconds": 0.5}, headers=COORD)
    assert off.status_code == 202
    params = off.get_json()["params"]
    assert params["common_slot"] is False and params["common_slot_reason"].startswith("off by default: 4 of 14 teachers (29%)")
    asked = client.post("/api/v1/cohort-runs", json={"size_min": 3, "size_max": 5, "seconds": 0.5, "common_slot": True}, headers=COORD)
    assert asked.get_json()["params"]["common_slot"] is True and asked.get_json()["params"]["common_slot_reason"] == "asked for"
    # the form's checkbox starts unticked here, and says why
    sign_in(client, "coord_n")
    html = client.get("/cohorts").get_data(as_text=True)
    box = html[html.index('id="common_slot"') - 80 : html.index('id="common_slot"') + 200]
    assert 'type="checkbox"' in box and "checked" not in box
    assert "4 of 14 teachers (29%) listed their free times, fewer than half" in text_of(client.get("/cohorts"))


def test_form_checkbox_is_ticked_by_default_and_unticking_turns_it_off(client, app):
    sign_in(client, "coord_n")
    html = client.get("/cohorts").get_data(as_text=True)
    box = html[html.index('id="common_slot"') : html.index('id="common_slot"') + 200]
    assert "checked" in box and 'name="common_slot_shown"' in html
    base = {"size_min": "3", "size_max": "5", "seconds": "0.5", "fairness": "0", "seed": "0", "common_slot_shown": "1"}
    resp = post(client, "/cohorts", base)  # the box left unticked
    assert resp.status_code == 302
    with db.new_session(app) as s:
        run = s.execute(sa.select(CohortRun).order_by(CohortRun.id.desc())).scalars().first()
        assert run.params["common_slot"] is False and run.params["common_slot_reason"] == "turned off"
    resp = post(client, "/cohorts", {**base, "common_slot": "on"})
    with db.new_session(app) as s:
        run = s.execute(sa.select(CohortRun).order_by(CohortRun.id.desc())).scalars().first()
        assert run.params["common_slot"] is True
