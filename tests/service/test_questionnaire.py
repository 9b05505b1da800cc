"""Tests of the before/after questionnaire (``service/services/questionnaire.py``,
``service/api/outcomes.py``, ``service/pages/outcomes.py``): roles, validation, windows,
the page, invitations, erasure and the data export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from service import db
from service.models import OutboxMessage, QuestionnaireResponse, Teacher
from service.services import questionnaire

from .conftest import ACCOUNTS, TEACHERS, count_rows
from .pages_helpers import post, sign_in, text_of
from .test_api_rounds import make_round, publish, round_run

COORD = ACCOUNTS["coord_n"].headers
TEACHER = ACCOUNTS["teacher_n1"].headers  # n-01, in group 1
N = TEACHERS["north"]
TODAY = datetime.now(UTC).date()


def published_round(client, app, *, ends_in_days: int = 60, groups=None) -> int:
    """A round of north that ends ``ends_in_days`` from today, its run published (n-01..n-12 grouped)."""
    starts, ends = TODAY - timedelta(days=30), TODAY + timedelta(days=ends_in_days)
    rid = make_round(client, name=f"Round ending {ends}", starts=starts.isoformat(), ends=ends.isoformat())
    assert publish(client, round_run(app, rid, **({"groups": groups} if groups else {}))).status_code == 200
    return rid


def challenges_of(app, teacher_id: str) -> list[str]:
    with db.new_session(app) as s:
        return list(s.execute(sa.select(Teacher.challenges).where(Teacher.id == teacher_id)).scalar_one())


def invitations(app) -> list[str]:
    with db.new_session(app) as s:
        return sorted(s.execute(sa.select(OutboxMessage.idempotency_key).where(OutboxMessage.template == "questionnaire")).scalars())


def test_questions_are_my_challenges_and_the_programme_themes(client, app):
    rid = published_round(client, app)
    resp = client.get(f"/api/v1/me/questionnaire/{rid}/before", headers=TEACHER)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    keys = [q["key"] for q in body["questions"]]
    assert keys == [*challenges_of(app, "n-01"), "isolation", "connection"]
    isolation = next(q for q in body["questions"] if q["key"] == "isolation")
    assert isolation["higher_is_better"] is False and "isolated" in isolation["text"]
    assert body["open"] is True and body["answers"] == {} and body["closes"] == (TODAY + timedelta(days=60 - 15)).isoformat()


@pytest.mark.parametrize("who", ["coord_n", "analyst_n"])
def test_only_teachers_have_a_questionnaire(client, app, who):
    rid = published_round(client, app)
    headers = ACCOUNTS[who].headers
    assert client.get(f"/api/v1/me/questionnaire/{rid}/before", headers=headers).status_code == 403
    assert client.put(f"/api/v1/me/questionnaire/{rid}/before", json={"answers": {"isolation": 3}}, headers=headers).status_code == 403
    assert client.get(f"/api/v1/me/questionnaire/{rid}/before").status_code == 401


def test_a_round_i_am_not_grouped_in_is_not_found(client, app):
    rid = published_round(client, app, groups=[N[1:5], N[5:9], N[9:13]])  # n-01 left out
    assert client.get(f"/api/v1/me/questionnaire/{rid}/before", headers=TEACHER).status_code == 404
    other = published_round(client, app, ends_in_days=61)
    assert client.get(f"/api/v1/me/questionnaire/{other}/before", headers=ACCOUNTS["teacher_s1"].headers).status_code == 404  # another programme's round
    assert client.get(f"/api/v1/me/questionnaire/{other}/during", headers=TEACHER).status_code == 422


def test_answers_are_checked_naming_the_field_and_replaced_when_given_again(client, app):
    rid = published_round(client, app)
    url = f"/api/v1/me/questionnaire/{rid}/before"
    own = challenges_of(app, "n-01")[0]
    bad = client.put(url, json={"answers": {own: 6, "isolaton": 2, "connection": True}}, headers=TEACHER)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    errors = {e["field"]: e for e in bad.get_json()["errors"]}
    assert set(errors) == {f"answers.{own}", "answers.isolaton", "answers.connection"}
    assert errors["answers.isolaton"]["suggestion"] == "isolation"
    assert client.put(url, json={"answers": {}}, headers=TEACHER).status_code == 422
    assert client.put(url, json={"answers": {"isolation": 2}, "extra": 1}, headers=TEACHER).status_code == 422
    first = client.put(url, json={"answers": {own: 2, "isolation": 4}}, headers=TEACHER)
    assert first.status_code == 200 and first.get_json()["answers"] == {own: 2, "isolation": 4}
    again = client.put(url, json={"answers": {"connection": 3}}, headers=TEACHER)
    assert again.get_json()["answers"] == {"connection": 3}
    assert count_rows(app, QuestionnaireResponse) == 1


def test_after_opens_two_weeks_before_the_end_and_before_closes_then(client, app, monkeypatch):
    rid = published_round(client, app, ends_in_days=30)
    body = {"answers": {"isolation": 3}}
    early = client.put(f"/api/v1/me/questionnaire/{rid}/after", json=body, headers=TEACHER)
    assert early.status_code == 409 and "opens on" in early.get_json()["detail"]
    assert client.put(f"/api/v1/me/questionnaire/{rid}/before", json=body, headers=TEACHER).status_code == 200
    monkeypatch.setattr(questionnaire, "today", lambda: TODAY + timedelta(days=16))  # the round's last 14 days
    late = client.put(f"/api/v1/me/questionnaire/{rid}/before", json=body, headers=TEACHER)
    assert late.status_code == 409 and "closed on" in late.get_json()["detail"]
    assert client.put(f"/api/v1/me/questionnaire/{rid}/after", json=body, headers=TEACHER).status_code == 200
    monkeypatch.setattr(questionnaire, "today", lambda: TODAY + timedelta(days=90))  # after the end: still open
    assert client.put(f"/api/v1/me/questionnaire/{rid}/after", json={"answers": {"isolation": 2}}, headers=TEACHER).status_code == 200


def test_after_asks_the_challenges_answered_before_even_if_the_profile_changed(client, app, monkeypatch):
    rid = published_round(client, app, ends_in_days=30)
    own = challenges_of(app, "n-01")[0]
    client.put(f"/api/v1/me/questionnaire/{rid}/before", json={"answers": {own: 2}}, headers=TEACHER)
    with db.new_session(app) as s:
        s.execute(sa.update(Teacher).where(Teacher.id == "n-01").values(challenges=["singing"] if own != "singing" else ["send"]))
    monkeypatch.setattr(questionnaire, "today", lambda: TODAY + timedelta(days=20))
    keys = [q["key"] for q in client.get(f"/api/v1/me/questionnaire/{rid}/after", headers=TEACHER).get_json()["questions"]]
    assert own in keys and len(keys) == 4


def test_the_page_works_without_javascript_and_shows_errors(client, app):
    rid = published_round(client, app)
    sign_in(client, "teacher_n1")
    group = client.get("/me/group").get_data(as_text=True)
    assert f'href="/me/questionnaire/{rid}/before"' in group and f'href="/me/questionnaire/{rid}/after"' in group
    page = client.get(f"/me/questionnaire/{rid}/before")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="csrf_token"' in html and 'name="q-isolation" value="5"' in html and "<script>" not in html
    assert "I feel professionally isolated" in text_of(page)
    # regression: published 30 days into the round, so "before your group meets" was not true
    assert "Before the round, or as early in it as you can" in text_of(page) and "Before your group meets" not in text_of(page)
    assert client.post(f"/me/questionnaire/{rid}/before", data={"q-isolation": "2"}).status_code == 403  # no CSRF token
    bad = post(client, f"/me/questionnaire/{rid}/before", {"q-isolation": "9"})
    assert bad.status_code == 422 and "must be a whole number 1-5" in text_of(bad)
    ok = post(client, f"/me/questionnaire/{rid}/before", {"q-isolation": "2", "q-connection": ""}, follow_redirects=True)
    assert ok.status_code == 200 and "your answers are saved" in text_of(ok)
    assert 'name="q-isolation" value="2" checked' in ok.get_data(as_text=True)


def test_invitations_are_written_once_per_teacher_round_and_phase(client, app, monkeypatch):
    rid = published_round(client, app, ends_in_days=30)
    members = N[:12]
    assert invitations(app) == sorted(f"questionnaire:{rid}:before:{t}" for t in members)
    with db.new_session(app) as s:
        message = s.execute(sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == f"questionnaire:{rid}:before:n-01")).scalar_one()
        assert f"/me/questionnaire/{rid}/before" in message.body_text and f"/me/questionnaire/{rid}/before" in message.body_html
        assert "/mail/unsubscribe/" in message.body_text
        # regression: the round began 30 days ago, so "before your group meets" was not true
        assert "before your group meets" not in message.subject and "as your group gets going" in message.subject
        assert "As early in the round as you can, please tell us" in message.body_text and "Before you meet" not in message.body_html
    with app.app_context(), db.new_session(app) as s:
        assert questionnaire.send_due_invitations(s) == 0  # before: all invited already
    client.put(f"/api/v1/me/questionnaire/{rid}/after", json={"answers": {"isolation": 3}}, headers=TEACHER)  # 409: not open yet
    after_opens = TODAY + timedelta(days=16)
    monkeypatch.setattr(questionnaire, "today", lambda: after_opens)
    assert client.put(f"/api/v1/me/questionnaire/{rid}/after", json={"answers": {"isolation": 3}}, headers=TEACHER).status_code == 200
    with app.app_context(), db.new_session(app) as s:
        assert questionnaire.send_due_invitations(s, after_opens) == 11  # n-01 answered already
    with app.app_context(), db.new_session(app) as s:
        assert questionnaire.send_due_invitations(s, after_opens + timedelta(days=1)) == 0
        assert questionnaire.send_due_invitations(s, TODAY + timedelta(days=30 + 29)) == 0  # too long after the end
    assert len(invitations(app)) == 12 + 11


def test_erasure_removes_answers_and_the_export_includes_them(client, app):
    rid = published_round(client, app)
    client.put(f"/api/v1/me/questionnaire/{rid}/before", json={"answers": {"isolation": 4}}, headers=TEACHER)
    exported = client.get("/api/v1/teachers/n-01/data-export", headers=TEACHER).get_json()
    assert exported["questionnaires"][0]["answers"] == {"isolation": 4} and exported["questionnaires"][0]["phase"] == "before"
    assert client.delete("/api/v1/teachers/n-01", headers=COORD).status_code == 204
    assert count_rows(app, QuestionnaireResponse) == 0


def test_the_after_invitation_says_what_it_is_for(client, app, monkeypatch):
    rid = published_round(client, app, ends_in_days=30)
    with app.app_context(), db.new_session(app) as s:
        assert questionnaire.send_due_invitations(s, TODAY + timedelta(days=20)) == 12
        message = s.execute(sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == f"questionnaire:{rid}:after:n-02")).scalar_one()
    assert "how did it go" in message.subject and "last weeks or has just ended" in message.body_text
    assert f"/me/questionnaire/{rid}/after" in message.body_html and "pseudonym, never with your name" in message.body_text


def test_a_round_published_before_it_starts_asks_before_the_group_meets(client, app):
    rid = make_round(client, name="Spring", starts=(TODAY + timedelta(days=10)).isoformat(), ends=(TODAY + timedelta(days=90)).isoformat())
    assert publish(client, round_run(app, rid)).status_code == 200
    with db.new_session(app) as s:
        message = s.execute(sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == f"questionnaire:{rid}:before:n-01")).scalar_one()
    assert "before your group meets" in message.subject and "Before you meet, please tell us" in message.body_text


def test_a_round_number_no_row_can_have_is_not_found_not_500(client) -> None:
    sign_in(client, "teacher_n1")
    huge = "99999999999999999999"  # the URL converter takes it; the database cannot (was OverflowError: 500)
    assert client.get(f"/me/questionnaire/{huge}/before").status_code == 404
    # beyond the database's integer range no route matches (service/openapi.py DbIntConverter):
    # a 4xx from the router, never a 500
    assert post(client, f"/me/questionnaire/{huge}/before", {"isolation": "3"}).status_code in (404, 405)
