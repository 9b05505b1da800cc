"""Coordinator pages for cohort runs (``service/pages/cohorts.py``).

Runs stored directly (like the API tests do) check the pages that need no solver:
progress, failure, approval with versions (409 on a stale page), export and the map.
The solver-backed flow (generate, move with preview, repair) is tested further down.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
import time

import sqlalchemy as sa

from service import db
from service.models import CohortRun, Programme, Teacher
from service.services.common import pseudonym

from .conftest import ACCOUNTS, TEACHERS
from .pages_helpers import post, sign_in, text_of


def stored_run(app, *, status="done", programme="north", result=None, error=None, params=None) -> int:
    ids = TEACHERS[programme]
    if result is None and status == "done":
        groups = [g for g in (ids[0:4], ids[4:8], ids[8:12]) if g]
        result = {
            "groups": [
                {
                    "index": i,
                    "members": g,
                    "mean_affinity": 0.5 + i / 10,
                    "member_affinity": {m: 0.4 + i / 10 + k / 100 for k, m in enumerate(g)},
                    "worst_off": g[0],
                    "coverage": {},
                    "uncovered": [],
                    "reasons": [f"Reason for group {i + 1}."],
                    "approved": False,
                }
                for i, g in enumerate(groups)
            ],
            "figures": {"mean_affinity": 0.6, "min_affinity": 0.4, "coverage_share": 0.75, "groups": 3, "isolated": 5, "isolated_placed": 4},
        }
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == programme)).scalar_one()
        run = CohortRun(programme_id=pid, status=status, params=params or {"size_min": 4, "size_max": 4, "seconds": 2}, result=result, error=error)
        s.add(run)
        s.flush()
        return run.id


def version_of(app, run_id: int) -> int:
    with db.new_session(app) as s:
        return s.get(CohortRun, run_id).version


def test_result_page_shows_groups_figures_and_forms(client, app):
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    resp = client.get(f"/cohorts/{run_id}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.count('<article class="card group') == 3
    page = text_of(resp)
    # The page explains the stored grouping on read with the library: the same figures and
    # reasons as the API's result (the stored run holds ids only).
    body = client.get(f"/api/v1/cohort-runs/{run_id}", headers=ACCOUNTS["coord_n"].headers).get_json()["result"]
    f = body["figures"]
    assert f"Mean member score {f['mean_affinity']:.2f}" in page and f"Challenges covered {100 * f['coverage_share']:.0f}%" in page
    assert f"Departments of one near a groupmate {f['isolated_placed']} of {f['isolated']}" in page
    assert body["groups"][1]["reasons"] and body["groups"][1]["reasons"][0] in page
    assert "Reason for group 2." not in page  # nothing written into the stored result is shown
    # a worst-off member is marked only when meaningfully behind their group (the library's rule)
    assert html.count('<li class="worst">') == sum(g["worst_off_behind"] for g in body["groups"])
    assert 'name="version" value="1"' in html
    for tid in TEACHERS["north"][:12]:
        assert f'<option value="{tid}"' in html  # every member can be moved


def test_repair_form_shows_a_working_state_while_it_runs(client, app):
    from pathlib import Path

    run_id = stored_run(app)
    sign_in(client, "coord_n")
    html = client.get(f"/cohorts/{run_id}/repair").get_data(as_text=True)  # the repair step
    form = re.search(rf'<form method="post" action="/cohorts/{run_id}/repair"[^>]*>', html).group(0)
    assert 'data-working="Repairing the groups…"' in form and "within the time limit" in form
    js = (Path(__file__).resolve().parents[2] / "service" / "static" / "js" / "site.js").read_text(encoding="utf-8")
    assert 'querySelectorAll("form[data-working]").forEach(initWorking)' in js


def test_progress_page_refreshes_without_js_and_polls_with_js(client, app):
    run_id = stored_run(app, status="queued", result=None)
    sign_in(client, "coord_n")
    html = client.get(f"/cohorts/{run_id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html
    assert f'data-poll="/cohorts/{run_id}/status.json"' in html and "<progress" in html
    status = client.get(f"/cohorts/{run_id}/status.json").get_json()
    assert status["status"] == "queued" and status["progress"] == 0.0 and status["message"]


def test_failed_run_says_why(client, app):
    error = {"status": 422, "title": "Constraints cannot be met", "detail": "7 teachers cannot form groups of exactly 4", "errors": []}
    run_id = stored_run(app, status="failed", result=None, error=error)
    sign_in(client, "coord_n")
    page = text_of(client.get(f"/cohorts/{run_id}"))
    assert "Constraints cannot be met" in page and "7 teachers cannot form groups of exactly 4" in page


def test_approve_locks_a_group_and_a_stale_page_gets_409(client, app):
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    resp = post(client, f"/cohorts/{run_id}/groups/2/approve", {"approved": "yes", "version": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/cohorts/{run_id}#group-2")
    page = client.get(f"/cohorts/{run_id}")
    assert "Group 2 is approved and locked." in text_of(page)
    assert page.get_data(as_text=True).count("Approved and locked") == 1
    assert version_of(app, run_id) == 2
    # A second tab still showing version 1 cannot overwrite the change.
    stale = post(client, f"/cohorts/{run_id}/groups/1/approve", {"approved": "yes", "version": "1"})
    assert stale.status_code == 409
    assert "Not saved" in text_of(stale) and "reload" in text_of(stale)
    assert version_of(app, run_id) == 2
    # Releasing works from the current version.
    assert post(client, f"/cohorts/{run_id}/groups/2/approve", {"approved": "no", "version": "2"}).status_code == 302
    assert "Approved and locked" not in client.get(f"/cohorts/{run_id}").get_data(as_text=True)


def test_locked_group_members_cannot_be_moved(client, app):
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    post(client, f"/cohorts/{run_id}/groups/1/approve", {"approved": "yes", "version": "1"})
    resp = post(client, f"/cohorts/{run_id}/move", {"member": TEACHERS["north"][0], "to_group": "2", "version": "2", "action": "save"})
    assert resp.status_code == 409 and "approved and locked" in text_of(resp)


def test_move_needs_a_member_and_a_group(client, app):
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    resp = post(client, f"/cohorts/{run_id}/move", {"member": "", "to_group": "", "version": "1"})
    assert resp.status_code == 422 and "Choose a member and the group" in text_of(resp)
    fragment = post(client, f"/cohorts/{run_id}/move", {"member": "", "to_group": "", "version": "1", "fragment": "1"})
    assert fragment.status_code == 422 and "<html" not in fragment.get_data(as_text=True)


def test_export_has_one_row_per_member(client, app):
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    resp = client.get(f"/cohorts/{run_id}/export.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["teacher_id"] for r in rows] == TEACHERS["north"][:12]
    assert {r["group"] for r in rows} == {"1", "2", "3"}  # the numbers the page shows ("Group 1")


def test_map_draws_every_group(client, app):
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    resp = client.get(f"/cohorts/{run_id}/map")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    desc = html_lib.unescape(re.search(r'<desc id="chart-map-desc">([^<]*)</desc>', html).group(1))
    assert desc.startswith("3 groups, 12 members' schools")
    assert html.count("<tr>") == 1 + 3  # header + one row per group


def test_other_programmes_runs_are_404_like_missing_ones(client, app):
    run_id = stored_run(app, programme="south")
    sign_in(client, "coord_n")
    for path in (f"/cohorts/{run_id}", f"/cohorts/{run_id}/map", f"/cohorts/{run_id}/export.csv", f"/cohorts/{run_id}/status.json"):
        assert client.get(path).status_code == 404, path
    assert post(client, f"/cohorts/{run_id}/groups/1/approve", {"version": "1"}).status_code == 404
    assert client.get("/cohorts/999999").status_code == 404


def test_generate_form_explains_bad_values_next_to_fields(client, app):
    sign_in(client, "coord_n")
    before = count_runs(app)
    resp = post(client, "/cohorts", {"size_min": "6", "size_max": "4", "seconds": "-1", "fairness": "0.5", "keep_apart": "n-01\nn-02, n-03"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    for field in ("size_max", "seconds", "keep_apart"):
        assert f'id="{field}-error"' in html, field
    page = text_of(resp)
    assert "the largest size must not be smaller than the smallest" in page
    assert "line 1: a line needs 2 to 12 teacher ids" in page
    assert 'value="6"' in html  # what was typed stays
    assert count_runs(app) == before


def test_generate_form_names_unknown_teachers(client, app):
    sign_in(client, "coord_n")
    resp = post(client, "/cohorts", {"size_min": "3", "size_max": "5", "seconds": "1", "fairness": "0", "keep_together": "n-01, s-02"})
    assert resp.status_code == 422
    assert "s-02: unknown teacher id" in text_of(resp)


def count_runs(app) -> int:
    with db.new_session(app) as s:
        return s.execute(sa.select(sa.func.count()).select_from(CohortRun)).scalar_one()


def test_move_preview_shows_the_changes_then_save_stores_them(client, app):
    run_id = stored_run(app)
    mover = TEACHERS["north"][0]
    sign_in(client, "coord_n")
    # The live preview (a fragment for the page's script): the library's new figures with
    # their change against the saved ones; nothing is saved.
    fragment = post(client, f"/cohorts/{run_id}/move", {"member": mover, "to_group": "3", "version": "1", "action": "preview", "fragment": "1"})
    assert fragment.status_code == 200, text_of(fragment)
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "Preview, not saved" in html
    assert 'class="delta' in html  # at least one figure changed and says so
    assert "Mean member score" in html and "Challenges covered" in html
    page = text_of(fragment)
    assert "Group 1 " in page and "Group 3 " in page and "Group 2 " not in page  # only the two changed groups
    assert "breaks" in page  # 3 and 5 members with sizes 4-4: the library lists the broken size bounds
    assert version_of(app, run_id) == 1
    # Without the script, "Preview" shows the whole page with the same panel.
    full = post(client, f"/cohorts/{run_id}/move", {"member": mover, "to_group": "3", "version": "1", "action": "preview"})
    assert full.status_code == 200 and "Preview, not saved" in text_of(full) and "<html" in full.get_data(as_text=True)
    assert f'<option value="{mover}" selected>' in full.get_data(as_text=True)
    # Save: stored with the library's figures, and the page says so.
    saved = post(client, f"/cohorts/{run_id}/move", {"member": mover, "to_group": "3", "version": "1", "action": "save"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/cohorts/{run_id}#group-3")
    assert version_of(app, run_id) == 2
    with db.new_session(app) as s:
        result = s.get(CohortRun, run_id).result
    assert mover in result["groups"][2] and mover not in result["groups"][0]  # a matcher.cohorts.Grouping
    after = text_of(client.get(f"/cohorts/{run_id}"))
    assert "These groups break" in after  # the saved groups still say what they break
    # The same form again, from the old version: refused, nothing overwritten.
    stale = post(client, f"/cohorts/{run_id}/move", {"member": TEACHERS["north"][1], "to_group": "3", "version": "1", "action": "save"})
    assert stale.status_code == 409 and version_of(app, run_id) == 2


def test_generate_shows_progress_then_groups_then_repairs(client, app):
    # Sample teachers who meet only in person can be out of everyone's reach in a programme
    # of 14 (the solver rightly refuses); meeting online makes it feasible.
    for t in TEACHERS["north"]:
        assert client.patch(f"/api/v1/teachers/{t}", json={"meeting_mode": "online"}, headers={**ACCOUNTS["coord_n"].headers, "If-Match": "*"}).status_code == 200
    sign_in(client, "coord_n")
    resp = post(client, "/cohorts", {"size_min": "3", "size_max": "5", "seconds": "1", "fairness": "0.5", "keep_apart": "n-01, n-02"})
    assert resp.status_code == 302
    run_url = resp.headers["Location"]
    run_id = int(run_url.rsplit("/", 1)[1])
    for _ in range(200):
        status = client.get(f"/cohorts/{run_id}/status.json").get_json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status["status"] == "done", text_of(client.get(run_url))
    resp = client.get(run_url)
    html = resp.get_data(as_text=True)
    members = re.findall(r'<option value="([ns]-\d\d)"', html)
    assert sorted(members) == TEACHERS["north"]
    assert "Why this group" in html and "Challenges covered" in text_of(resp)
    assert 'id="chart-scores-title"' in html
    groups = client_groups(app, run_id)
    assert not any({"n-01", "n-02"} <= set(g) for g in groups)  # kept apart
    # One teacher drops out: the repair keeps everyone else placed.
    dropped = TEACHERS["north"][5]
    resp = post(client, f"/cohorts/{run_id}/repair", {"dropped": dropped, "version": str(version_of(app, run_id))})
    assert resp.status_code == 302, text_of(resp)
    assert "Repaired: 1 dropped out" in text_of(client.get(run_url))
    after = client_groups(app, run_id)
    assert sorted(m for g in after for m in g) == sorted(set(TEACHERS["north"]) - {dropped})


def client_groups(app, run_id: int) -> list[list[str]]:
    with db.new_session(app) as s:
        return [list(g) for g in s.get(CohortRun, run_id).result["groups"]]  # a matcher.cohorts.Grouping


def test_edit_messages_name_groups_by_the_numbers_shown(client, app):
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    # n-01 is in the first group, which the page calls "Group 1" (and so does the form).
    resp = post(client, f"/cohorts/{run_id}/move", {"member": "n-01", "to_group": "1", "version": "1", "action": "preview"})
    assert resp.status_code == 422 and "'n-01' is already in group 1." in text_of(resp)
    fragment = post(client, f"/cohorts/{run_id}/move", {"member": "n-01", "to_group": "8", "version": "1", "action": "preview", "fragment": "1"})
    assert fragment.status_code == 404
    assert "no group 8" in text_of(fragment) and "its groups are 1 to 3" in text_of(fragment) and "index" not in text_of(fragment)
    assert post(client, f"/cohorts/{run_id}/groups/2/approve", {"version": "1", "approved": "yes"}).status_code == 302
    locked = post(client, f"/cohorts/{run_id}/move", {"member": "n-01", "to_group": "2", "version": "2", "action": "preview"})
    assert locked.status_code == 409 and "Group 2 is approved and locked" in text_of(locked)


def test_run_page_after_an_erasure_shows_the_short_group_and_repairs_it(client, app):
    coord = ACCOUNTS["coord_n"].headers
    for t in TEACHERS["north"][:12]:
        assert client.patch(f"/api/v1/teachers/{t}", json={"meeting_mode": "online"}, headers={**coord, "If-Match": "*"}).status_code == 200
    run_id = stored_run(app, params={"size_min": 3, "size_max": 4, "seconds": 1, "keep_apart": [["n-02", "n-05"]]})
    with db.new_session(app) as s:
        name = s.execute(sa.select(Teacher.name).where(Teacher.id == "n-02")).scalar_one()
    assert client.delete("/api/v1/teachers/n-02", headers=coord).status_code == 204
    with app.app_context():
        alias = pseudonym("n-02")
    sign_in(client, "coord_n")
    resp = client.get(f"/cohorts/{run_id}")
    assert resp.status_code == 200
    html, text = resp.get_data(as_text=True), text_of(resp)
    assert name not in html and name.split()[0] not in html
    assert "1 group lost a member erased since this run" in text, text
    assert "Group 1 : 3 members left, 1 erased; still within the size range (3 or more)." in text  # the group's name is a link to its card
    assert 'class="notice" role="status" id="lost-members"' in html  # not an error: the group can still meet
    assert '<a href="#group-1">Group 1</a>' in html
    assert "from 11 teachers (1 more erased since)" in text
    card = html.split('id="group-1"')[1].split("</article>")[0]
    assert "Erased teacher" in card and "Lost 1 member (erased since the run): 3 left, still within the size range." in text_of_html(card)
    # The erased member cannot be chosen to move or to tick as dropped out: the repair drops them.
    assert f'value="{alias}"' not in html
    # A move elsewhere still works although the keep-apart pair names the erased teacher.
    moved = post(client, f"/cohorts/{run_id}/move", {"member": "n-06", "to_group": "3", "version": "1", "action": "preview", "fragment": "1"})
    assert moved.status_code == 200, text_of(moved)
    # "Repair the groups now" (nobody ticked) refills the group.
    repaired = post(client, f"/cohorts/{run_id}/repair", {"version": "1"})
    assert repaired.status_code == 302, text_of(repaired)
    after = client.get(f"/cohorts/{run_id}")
    assert "1 erased since the run" in text_of(after) and "lost a member" not in text_of(after)
    groups = client_groups(app, run_id)
    assert sorted(m for g in groups for m in g) == sorted(t for t in TEACHERS["north"][:12] if t != "n-02")
    assert all(3 <= len(g) <= 4 for g in groups)


def text_of_html(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


# ---- one time-limit rule (issue 12 item 3) ---------------------------------------------------


def test_generate_form_refuses_a_time_limit_over_the_maximum(client, app):
    sign_in(client, "coord_n")
    top = app.config["PEERMATCH_COHORT_MAX_SECONDS"]
    before = count_runs(app)
    resp = post(client, "/cohorts", {"size_min": "3", "size_max": "5", "seconds": str(top + 1), "fairness": "0.5"})
    assert resp.status_code == 422 and 'id="seconds-error"' in resp.get_data(as_text=True)
    assert f"more than 0 and at most {top}" in text_of(resp)
    assert count_runs(app) == before


def test_repair_form_has_a_time_limit_that_is_checked(client, app):
    run_id = stored_run(app, params={"size_min": 3, "size_max": 5, "seconds": 2})
    sign_in(client, "coord_n")
    html = client.get(f"/cohorts/{run_id}/repair").get_data(as_text=True)
    default = app.config["PEERMATCH_COHORT_DEFAULT_SECONDS"]
    assert re.search(r'<input id="repair-seconds" name="seconds"[^>]*value="' + f"{default:g}" + '"', html), "the field defaults to the default"
    top = app.config["PEERMATCH_COHORT_MAX_SECONDS"]
    for bad in (str(top + 1), "0", "soon"):
        resp = post(client, f"/cohorts/{run_id}/repair", {"dropped": TEACHERS["north"][0], "seconds": bad, "version": "1"})
        assert resp.status_code == 422, bad
        assert f"at most {top}" in text_of(resp) and f'value="{bad}"' in resp.get_data(as_text=True)
    assert version_of(app, run_id) == 1  # nothing was clamped and saved


def test_repair_form_passes_its_time_limit_to_the_library(client, app, monkeypatch):
    from service.services import cohort_edits

    seen = []

    def fake_repair(grouping, cohort, *, dropped, joined, seconds):
        seen.append(seconds)
        return grouping.move(grouping.groups[1][0], 0)

    monkeypatch.setattr(cohort_edits, "repair_grouping", fake_repair)
    run_id = stored_run(app, params={"size_min": 3, "size_max": 5, "seconds": 2})
    sign_in(client, "coord_n")
    assert post(client, f"/cohorts/{run_id}/repair", {"dropped": TEACHERS["north"][0], "seconds": "2.5", "version": "1"}).status_code == 302
    assert post(client, f"/cohorts/{run_id}/repair", {"dropped": TEACHERS["north"][1], "seconds": "", "version": "2"}).status_code == 302
    assert seen == [2.5, app.config["PEERMATCH_COHORT_DEFAULT_SECONDS"]]
