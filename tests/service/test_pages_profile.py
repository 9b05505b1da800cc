"""Teacher pages for the profile and personal data (``service/pages/profile.py``)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from service import db
from service.models import Teacher, User

from .conftest import teacher_row
from .pages_helpers import post, sign_in, text_of


def teacher(app, teacher_id: str) -> Teacher | None:
    with db.new_session(app) as s:
        return teacher_row(s, teacher_id)


def form_of(t: Teacher, **changes) -> dict:
    data = {
        "name": t.name,
        "email": t.email,
        "school_urn": str(t.school_urn),
        "department_size": str(t.department_size),
        "role": t.role,
        "years_teaching": str(t.years_teaching),
        "about": t.about,
        "meeting_mode": t.meeting_mode,
        "max_travel_km": str(t.max_travel_km),
        "context_preference": t.context_preference,
        "key_stages": list(t.key_stages),
        "interests": list(t.interests),
        "challenges": list(t.challenges),
        "strengths": list(t.strengths),
        "availability": list(t.availability),
        "version": str(t.version),
    }
    if t.consent_share_contact:
        data["consent_share_contact"] = "yes"
    data.update(changes)
    return data


def test_profile_form_shows_my_profile_and_radar(client, app):
    sign_in(client, "teacher_n1")
    t = teacher(app, "n-01")
    resp = client.get("/me")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f'value="{t.name}"' in html
    for theme in t.challenges:
        assert f'name="challenges" value="{theme}" checked' in html
    assert 'role="img"' in html and "strengths and challenges by theme group" in html
    # Every input has a label: the theme checkboxes sit inside theirs.
    assert html.count('<label class="option"') >= 3 * 52


def test_saving_the_profile_changes_it(client, app):
    sign_in(client, "teacher_n1")
    t = teacher(app, "n-01")
    challenges = sorted(set(t.challenges) | {"singing"} - set(t.strengths))
    resp = post(client, "/me", form_of(t, challenges=challenges, about="Ukuleles for all.", department_size="1"))
    assert resp.status_code == 302
    after = teacher(app, "n-01")
    assert after.about == "Ukuleles for all." and sorted(after.challenges) == challenges and after.department_size == 1
    assert after.version == t.version + 1
    assert "Your profile is saved." in text_of(client.get("/me"))


def test_invalid_fields_get_messages_next_to_them_and_nothing_is_saved(client, app):
    sign_in(client, "teacher_n1")
    t = teacher(app, "n-01")
    resp = post(client, "/me", form_of(t, email="not-an-email", department_size="0", challenges=["singin"], key_stages=[], name="Changed"))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    for field in ("email", "department_size", "challenges", "key_stages"):
        assert f'id="{field}-error"' in html, field
    assert 'aria-invalid="true"' in html
    assert "did you mean &#39;Singing and vocal work&#39;?" in html
    # What the teacher typed is kept in the form.
    assert 'value="not-an-email"' in html and 'value="Changed"' in html
    after = teacher(app, "n-01")
    assert after.name == t.name and after.email == t.email and after.version == t.version


def test_my_data_page_and_json_download(client):
    sign_in(client, "teacher_n1")
    assert "Download all my data (JSON)" in text_of(client.get("/me/data"))
    resp = client.get("/me/data.json")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    data = json.loads(resp.get_data(as_text=True))
    assert data["profile"]["id"] == "n-01" and data["accounts"][0]["username"] == "teacher_n1"


def test_erase_needs_the_box_ticked(client, app):
    sign_in(client, "teacher_n1")
    resp = post(client, "/me/erase", {})
    assert resp.status_code == 422 and 'id="confirm-error"' in resp.get_data(as_text=True)
    assert teacher(app, "n-01") is not None


def test_erase_removes_the_account_and_signs_out(client, app):
    sign_in(client, "teacher_n1")
    resp = post(client, "/me/erase", {"confirm": "yes"})
    assert resp.status_code == 200 and "Your account has been erased" in text_of(resp)
    assert teacher(app, "n-01") is None
    with db.new_session(app) as s:
        assert s.execute(sa.select(User).where(User.username == "teacher_n1")).first() is None
    assert client.get("/me").status_code == 302


def test_the_form_has_the_fields_a_teacher_may_edit(client):
    import re

    from matcher.profiles.fields import TEACHER_EDITABLE

    sign_in(client, "teacher_n1")
    html = client.get("/me").get_data(as_text=True)
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([a-z_]+)"', html)) - {"csrf_token", "version", "q"}
    assert names == set(TEACHER_EDITABLE)


def test_a_stale_save_is_refused_with_a_message(client, app):
    sign_in(client, "teacher_n1")
    t = teacher(app, "n-01")
    # The page was opened at version v; meanwhile the profile was saved elsewhere.
    assert post(client, "/me", form_of(t, about="Saved in another tab.")).status_code == 302
    resp = post(client, "/me", form_of(t, about="Typed in the old tab."))
    assert resp.status_code == 409
    page = text_of(resp)
    assert "Your changes were not saved" in page and "changed somewhere else" in page
    after = teacher(app, "n-01")
    assert after.about == "Saved in another tab." and after.version == t.version + 1
    # The page now carries the current version, so saving again from it works.
    assert f'name="version" value="{after.version}"' in resp.get_data(as_text=True)
    assert post(client, "/me", form_of(after, about="Typed again.")).status_code == 302
    assert teacher(app, "n-01").about == "Typed again."


def test_saving_marks_only_changed_fields_as_the_teachers_own(client, app):
    sign_in(client, "teacher_n1")
    t = teacher(app, "n-01")
    assert post(client, "/me", form_of(t, about="Mine.")).status_code == 302
    assert teacher(app, "n-01").teacher_edited == ["about"]


def test_a_name_with_a_bidi_override_is_refused_on_the_form(client, app):
    sign_in(client, "teacher_n1")
    t = teacher(app, "n-01")
    resp = post(client, "/me", form_of(t, name="Sam\u202eeeL"))
    assert resp.status_code == 422
    assert 'id="name-error"' in resp.get_data(as_text=True) and "U+202E" in text_of(resp)
    assert teacher(app, "n-01").name == t.name


def test_my_data_says_what_i_edited_and_what_erasure_keeps(client, app):
    sign_in(client, "teacher_n1")
    page = text_of(client.get("/me/data"))
    assert "cannot be read back" in page and "Fields you changed yourself" not in page
    assert post(client, "/me", form_of(teacher(app, "n-01"), about="Mine.")).status_code == 302
    assert "Fields you changed yourself, which your coordinator's spreadsheet imports keep as you set them: about." in text_of(client.get("/me/data"))
