"""Tests of the check-in page and the check-ins on My group (``service/pages/check_ins.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import sqlalchemy as sa

from service import db
from service.models import CheckIn

from .conftest import PASSWORD
from .test_api_check_ins import TEACHER
from .pages_helpers import CSRF, csrf, post, sign_in, text_of
from .test_api_check_ins import clock, meetings, no_dates  # noqa: F401  (fixtures)


def url(meeting: str) -> str:
    return "/me/check-in?meeting=" + quote(meeting, safe="")


def test_check_in_from_my_group_with_csrf(client, app, meetings, clock):  # noqa: F811
    assert sign_in(client, "teacher_n1").status_code == 302
    page = client.get("/me/group")
    past = [m for m in meetings if datetime.fromisoformat(m) <= clock.now]
    html = page.get_data(as_text=True)
    assert html.count(">Check in</a>") == len(past)  # one link per past meeting, none for those to come
    assert "/me/check-in?meeting=" + past[0].replace("+", "%2B") in html  # the offset's + quoted, not read as a space
    form = client.get(url(past[0]))
    assert form.status_code == 200
    text = text_of(form)
    assert "Did your group meet?" in text and "only your coordinator sees this" in text
    assert 'type="radio" name="useful" value="5"' in form.get_data(as_text=True)

    body = {"meeting": past[0], "met": "yes", "useful": "4", "tried": "Think-pair-share", "not_a_good_fit": "yes"}
    no_token = client.post("/me/check-in", data=body)
    assert no_token.status_code == 403
    csrf(client)
    missing = client.post("/me/check-in", data={**body, "useful": "", "csrf_token": CSRF})
    assert missing.status_code == 422 and "how useful" in text_of(missing)
    assert ">Think-pair-share</textarea>" in missing.get_data(as_text=True)  # what was typed is kept
    done = post(client, "/me/check-in", body)
    assert done.status_code == 302 and done.headers["Location"].endswith("/me/group")
    with db.new_session(app) as s:
        row = s.execute(sa.select(CheckIn)).scalar_one()
        assert (row.met, row.useful, row.tried, row.not_a_good_fit) == ("yes", 4, "Think-pair-share", True)
    after = client.get("/me/group")
    assert "Your check-in: met, usefulness 4 out of 5" in text_of(after) and "Change it" in text_of(after)
    assert after.get_data(as_text=True).count(">Check in</a>") == len(past) - 1

    clock.now += timedelta(days=8)
    locked = client.get(url(past[0]))
    assert locked.status_code == 200 and "kept as it is" in text_of(locked) and 'name="met"' not in locked.get_data(as_text=True)
    refused = post(client, "/me/check-in", {**body, "useful": "1"})
    assert refused.status_code == 409
    assert "Change it" not in text_of(client.get("/me/group"))


def test_the_mail_link_survives_signing_in(client, app, meetings, clock):  # noqa: F811
    link = url(meetings[0])  # as the check-in request e-mail has it
    to_signin = client.get(link)
    assert to_signin.status_code == 302 and "/signin" in to_signin.headers["Location"]
    next_url = parse_qs(urlsplit(to_signin.headers["Location"]).query)["next"][0]
    signed_in = client.post("/signin", data={"username": "teacher_n1", "password": PASSWORD, "next": next_url, "csrf_token": csrf(client)})
    assert signed_in.status_code == 302
    back = client.get(signed_in.headers["Location"])
    assert back.status_code == 200 and "Did your group meet?" in text_of(back)


def test_check_in_page_refuses_what_is_not_a_past_meeting_of_mine(client, app, meetings, clock):  # noqa: F811
    assert client.get(url(meetings[0])).status_code == 302  # signed out: to the sign-in page
    sign_in(client, "coord_n")
    assert client.get(url(meetings[0])).status_code == 403
    client.post("/signout", data={"csrf_token": csrf(client)})
    sign_in(client, "teacher_s1")
    assert client.get(url(meetings[0])).status_code == 422
    client.post("/signout", data={"csrf_token": csrf(client)})
    sign_in(client, "teacher_n1")
    future = next(m for m in meetings if datetime.fromisoformat(m) > clock.now)
    resp = client.get(url(future))
    assert resp.status_code == 422 and "has not happened yet" in text_of(resp)
    assert client.get("/me/check-in?meeting=soon").status_code == 422


def test_the_page_without_a_meeting_sends_the_teacher_to_my_group(client, app):
    """Regression: /me/check-in without ?meeting= was a bare 422 error page (the message twice)."""
    sign_in(client, "teacher_n1")
    resp = client.get("/me/check-in")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/me/group")
    assert "Choose the meeting: every past meeting on My group has its own Check in button." in text_of(client.get(resp.headers["Location"]))
    assert client.get("/me/check-in?meeting=soon").status_code == 422  # a given but bad meeting is still refused
    sign_in(client, "coord_n")
    assert client.get("/me/check-in").status_code == 403


def test_we_met_at_another_time_from_my_group(client, app, no_dates, clock):  # noqa: F811
    """Regression: a group without proposed dates had no way to check in from the pages."""
    sign_in(client, "teacher_n1")
    html = client.get("/me/group").get_data(as_text=True)
    assert ">We met at another time</a>" in html and "/me/check-in?other=1" in html
    ask = client.get("/me/check-in?other=1")
    assert ask.status_code == 200 and 'type="datetime-local" id="when" name="when"' in ask.get_data(as_text=True)
    bad = client.get("/me/check-in?when=soon")
    assert bad.status_code == 422 and "Give the day and time your group met" in text_of(bad)
    form = client.get("/me/check-in?when=2026-11-12T16:30")  # UK time (GMT in November)
    assert form.status_code == 200 and "the meeting your group arranged for Thursday 12 November 2026, 16:30" in text_of(form)
    assert 'name="meeting" value="2026-11-12T16:30:00+00:00"' in form.get_data(as_text=True)
    outside = client.get("/me/check-in?when=2027-02-01T16:30")
    assert outside.status_code == 422 and "within the dates of one of your rounds" in text_of(outside) and 'value="2027-02-01T16:30"' in outside.get_data(as_text=True)
    assert "has not happened yet" in text_of(client.get("/me/check-in?when=2026-12-10T16:30"))
    assert client.get("/me/check-in?when=2026-11-12").status_code == 422  # a day without its time
    done = post(client, "/me/check-in", {"meeting": "2026-11-12T16:30:00+00:00", "met": "yes", "useful": "4"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/me/group")
    with db.new_session(app) as s:
        assert s.execute(sa.select(CheckIn.group_number, CheckIn.useful)).one() == (1, 4)


def test_the_page_says_what_is_missing_in_words(client, app, meetings, clock):  # noqa: F811
    """Regression: a missing answer read "met: must be one of yes, no, rescheduled" (the API's words) on the page."""
    sign_in(client, "teacher_n1")
    past = next(m for m in meetings if datetime.fromisoformat(m) <= clock.now)
    missing = post(client, "/me/check-in", {"meeting": past, "useful": "3", "tried": "x" * 501})
    text = text_of(missing)
    assert missing.status_code == 422 and "Say whether your group met." in text
    assert "\u201cOne thing I tried, or will try\u201d must be at most 500 characters (got 501)." in text
    assert "must be one of" not in text and "met: " not in text.replace("you met: how", "") and "tried:" not in text
    no_rating = post(client, "/me/check-in", {"meeting": past, "met": "yes"})
    assert no_rating.status_code == 422 and "Say how useful the meeting was" in text_of(no_rating)
    # the API keeps its own messages (here pydantic's: "met" is a Literal)
    api = client.post("/api/v1/me/check-ins", json={"meeting": past, "met": "maybe"}, headers=TEACHER)
    assert api.status_code == 422 and api.get_json()["errors"][0]["field"] == "met"
