"""What the cohort result page says (issue 16 items 6, 7, 9): one score scale, the rules in
force, why a group cannot meet, finding a teacher's group, the repair step, the teacher page."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from service import db
from service.models import Teacher

from .conftest import ACCOUNTS, TEACHERS, teacher_row
from .pages_helpers import post, sign_in, text_of
from .test_pages_cohorts import stored_run, text_of_html, version_of

COORD = ACCOUNTS["coord_n"].headers


def api_result(client, run_id: int) -> dict:
    return client.get(f"/api/v1/cohort-runs/{run_id}", headers=COORD).get_json()["result"]


def card_of(html: str, number: int) -> str:
    return text_of_html(html.split(f'id="group-{number}"')[1].split("</article>")[0])


def patch(client, teacher_id: str, **changes) -> None:
    resp = client.patch(f"/api/v1/teachers/{teacher_id}", json=changes, headers={**COORD, "If-Match": "*"})
    assert resp.status_code == 200, resp.get_json()


def name_of(app, teacher_id: str) -> str:
    with db.new_session(app) as s:
        return s.execute(sa.select(Teacher.name).where(Teacher.id == teacher_id)).scalar_one()


# ---- item 6: one scale, rules in force, gap, worst-off, lost members ---------------------------


def test_group_scores_are_on_one_scale_on_the_page_in_the_api_and_in_the_csv(client, app):
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    resp = client.get(f"/cohorts/{run_id}")
    html, page = resp.get_data(as_text=True), text_of(resp)
    result = api_result(client, run_id)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/cohorts/{run_id}/export.csv").get_data(as_text=True))))
    assert "group_score" not in rows[0] and "group_affinity" in rows[0]
    for g in result["groups"]:
        assert f"Group {g['group']} score {g['mean_affinity']:.2f}" in card_of(html, g["group"])
        exported = {float(r["group_affinity"]) for r in rows if r["group"] == str(g["group"])}
        assert exported == {round(g["mean_affinity"], 4)}  # the CSV's group score is the page's, unrounded
        assert 0 <= g["mean_affinity"] <= 1.3
    f = result["figures"]
    assert "affinity, 0 to 1" in page
    assert f"a pair of its teachers drawn at random scores {f['random_affinity']:.2f} on average" in page
    assert f"{f['mean_affinity'] / f['random_affinity']:.1f} times that" in page


def test_the_rules_in_force_are_broken_down_not_counted(client, app):
    patch(client, "n-01", meeting_mode="online")
    patch(client, "n-02", meeting_mode="in_person")
    run_id = stored_run(app, params={"size_min": 4, "size_max": 4, "keep_apart": [["n-05", "n-09"]]})
    sign_in(client, "coord_n")
    page = text_of(client.get(f"/cohorts/{run_id}"))
    assert "Constraints in force" not in page
    rules = api_result(client, run_id)["figures"]["rules"]
    assert rules["cannot_meet"] >= 1 and rules["keep_apart"] == 1
    assert f"{rules['cannot_meet']:,} pairs who cannot meet (online only with in person only, or beyond a travel limit)" in page
    assert "1 pairs on the keep-apart list" in page


def test_gap_and_upper_bound_are_explained_on_the_page_and_in_the_api_schema(client, app):
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    page = text_of(client.get(f"/cohorts/{run_id}"))
    assert "How close to the best possible? Not known for these groups" in page  # a stored grouping has no bound
    spec = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    figures = spec["CohortFiguresOut"]["properties"]
    assert "proven ceiling" in str(figures["upper_bound"]) and "(upper_bound - objective) / upper_bound" in str(figures["gap"])
    assert "0 (nothing to offer each other" in str(figures["mean_affinity"]) and "cannot_meet" in str(figures["rules"])


def test_lost_member_notice_is_an_error_only_below_the_smallest_size(client, app):
    for t in TEACHERS["north"][:12]:
        patch(client, t, meeting_mode="online")
    run_id = stored_run(app)  # sizes 4-4: losing one leaves a group too small
    assert client.delete("/api/v1/teachers/n-03", headers=COORD).status_code == 204
    sign_in(client, "coord_n")
    resp = client.get(f"/cohorts/{run_id}")
    html = resp.get_data(as_text=True)
    assert 'class="notice error" role="status" id="lost-members"' in html
    assert "3 members left, 1 erased; below the smallest size, 4." in text_of(resp)
    assert "below the smallest size (4)" in card_of(html, 1)


# ---- item 7: rules that say which and why ------------------------------------------------------


def test_a_group_that_can_no_longer_meet_says_why_on_its_card_and_in_the_preview(client, app):
    for t in TEACHERS["north"][:12]:
        patch(client, t, meeting_mode="either", max_travel_km=200)
    patch(client, "n-01", meeting_mode="online")
    patch(client, "n-05", meeting_mode="in_person")
    run_id = stored_run(app)  # group 1: n-01..n-04, group 2: n-05..n-08
    sign_in(client, "coord_n")
    preview = post(client, f"/cohorts/{run_id}/move", {"member": "n-01", "to_group": "2", "version": "1", "action": "preview", "fragment": "1"})
    said = f"{name_of(app, 'n-01')} meets online only; {name_of(app, 'n-05')} in person only"
    assert preview.status_code == 200 and said in text_of(preview), text_of(preview)
    assert post(client, f"/cohorts/{run_id}/move", {"member": "n-01", "to_group": "2", "version": "1", "action": "save"}).status_code == 302
    html = client.get(f"/cohorts/{run_id}").get_data(as_text=True)
    assert f"This group can no longer meet: {said}." in card_of(html, 2)
    assert "This group breaks a rule: 3 members, outside the size range 4-4." in card_of(html, 1)
    assert "can no longer meet" not in card_of(html, 3)
    assert f"Group 2: {said}" in text_of_html(html)  # the list at the top names the group


# ---- item 9: find, collapse, repair step, teacher page, theme filter ---------------------------


def test_find_a_teachers_group_without_javascript(client, app):
    run_id = stored_run(app)
    sign_in(client, "coord_n")
    wanted = name_of(app, "n-06")
    resp = client.get(f"/cohorts/{run_id}", query_string={"q": wanted.split()[-1].upper()})
    html = resp.get_data(as_text=True)
    assert 'id="group-2"' in html and 'id="group-1"' not in html and 'id="group-3"' not in html
    assert "1 group of 3 with a member matching" in text_of(resp)
    assert html.count('<option value="n-') >= 12  # the move form still lists everyone
    none = text_of(client.get(f"/cohorts/{run_id}", query_string={"q": "nobody-like-this"}))
    assert "No member matches “nobody-like-this”." in none
    full = client.get(f"/cohorts/{run_id}").get_data(as_text=True)
    assert full.count("<details open>") == 3 and 'src="/static/js/groups.js"' in full  # cards collapse; JS filters as you type


def test_repair_is_its_own_step(client, app):
    run_id = stored_run(app, params={"size_min": 3, "size_max": 5, "seconds": 2})
    sign_in(client, "coord_n")
    result = client.get(f"/cohorts/{run_id}").get_data(as_text=True)
    assert 'name="dropped"' not in result and f'href="/cohorts/{run_id}/repair"' in result and "Repair after drop-outs" in result
    step = client.get(f"/cohorts/{run_id}/repair")
    html = step.get_data(as_text=True)
    assert step.status_code == 200 and html.count('name="dropped"') == 12 and 'id="repair-seconds"' in html
    refused = post(client, f"/cohorts/{run_id}/repair", {"version": "1", "joined": ""})
    assert refused.status_code == 422 and "Tick the teachers who dropped out" in text_of(refused)
    assert 'name="dropped"' in refused.get_data(as_text=True)  # the same step again, not the result page
    assert client.get(f"/cohorts/{run_id}/repair").status_code == 200 and version_of(app, run_id) == 1


def test_teacher_list_links_each_name_to_a_teacher_page(client, app):
    sign_in(client, "coord_n")
    html = client.get("/teachers").get_data(as_text=True)
    assert '<a href="/teachers/n-01">' in html
    page = client.get("/teachers/n-01")
    assert page.status_code == 200 and name_of(app, "n-01") in text_of(page)
    assert client.get("/teachers/s-01").status_code == 404  # another programme's teacher


def test_coordinator_edits_a_teacher_but_not_their_consent_and_a_stale_form_is_refused(client, app):
    sign_in(client, "coord_n")
    html = client.get("/teachers/n-02").get_data(as_text=True)
    assert 'name="consent_share_contact"' not in html and "the teacher's own decision" in html
    with db.new_session(app) as s:
        t = teacher_row(s, "n-02")
        version, consent, school, challenges = t.version, t.consent_share_contact, t.school_urn, list(t.challenges)
    form = {
        "version": str(version), "name": "Renamed Teacher", "email": "", "school_urn": str(school), "department_size": "3",
        "role": "music_teacher", "years_teaching": "4", "key_stages": ["KS3"], "challenges": challenges, "strengths": ["singing"],
        "interests": [], "about": "", "meeting_mode": "either", "availability": [], "max_travel_km": "12",
        "context_preference": "mixed", "previous_groupmates": "n-03; n-04", "consent_share_contact": "yes" if not consent else "",
    }
    saved = post(client, "/teachers/n-02", form)
    assert saved.status_code == 302, text_of(saved)
    with db.new_session(app) as s:
        t = teacher_row(s, "n-02")
        assert (t.name, t.department_size, list(t.previous_groupmates), t.version) == ("Renamed Teacher", 3, ["n-03", "n-04"], version + 1)
        assert t.consent_share_contact == consent  # not the coordinator's to change
    stale = post(client, "/teachers/n-02", {**form, "name": "Second Tab"})
    assert stale.status_code == 409 and "were not saved" in text_of(stale)
    bad = post(client, "/teachers/n-02", {**form, "version": str(version + 1), "department_size": "99"})
    assert bad.status_code == 422 and 'id="department_size-error"' in bad.get_data(as_text=True)


def test_teacher_page_is_for_coordinators(client, app):
    sign_in(client, "teacher_n1")
    assert client.get("/teachers/n-01").status_code == 403


def test_theme_filter_says_which_field_matched(client, app):
    with db.new_session(app) as s:
        t = teacher_row(s, "n-01")
        theme = t.challenges[0]
        holders = {x.id: x for x in s.execute(sa.select(Teacher).where(Teacher.programme_id == t.programme_id)).scalars()}
        expected = {tid: [w for f, w in (("interests", "interest"), ("challenges", "challenge"), ("strengths", "strength")) if theme in (getattr(x, f) or ())] for tid, x in holders.items()}
    sign_in(client, "coord_n")
    html = client.get("/teachers", query_string={"theme": theme}).get_data(as_text=True)
    row = html.split('<a href="/teachers/n-01">')[1].split("</tr>")[0]
    assert "challenge" in text_of_html(row.split('class="matched">')[1].split("</td>")[0])
    for tid, words in expected.items():
        if words and f'<a href="/teachers/{tid}">' in html:
            cell = html.split(f'<a href="/teachers/{tid}">')[1].split('class="matched">')[1].split("</td>")[0]
            assert cell.strip() == ", ".join(words), tid
    assert "as an interest, challenge or strength: the second column says which" in text_of_html(html)
