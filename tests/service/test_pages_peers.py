"""Teacher pages for peers and practice (``service/pages/peers.py``): reasons, consent, contact."""

from __future__ import annotations

import re

import sqlalchemy as sa

from service import db
from service.models import Programme, Teacher, User
from service.services import accounts

from .conftest import PASSWORD
from .pages_helpers import post, sign_in, text_of


def peer_ids(resp) -> list[str]:
    return re.findall(r'<article class="card peer" id="peer-([^"]+)"', resp.get_data(as_text=True))


def email_of(app, teacher_id: str) -> str:
    with db.new_session(app) as s:
        return s.get(Teacher, teacher_id).email


def account_for(app, teacher_id: str) -> str:
    """The user name of a teacher's account, created if the seeded data has none."""
    with app.app_context(), db.new_session(app) as s:
        user = s.execute(sa.select(User).where(User.teacher_id == teacher_id)).scalar_one_or_none()
        if user is not None:
            return user.username
        t = s.get(Teacher, teacher_id)
        return accounts.create_user(s, f"acct-{teacher_id}", "teacher", s.get(Programme, t.programme_id), password=PASSWORD, teacher_id=teacher_id).username


def test_peers_page_lists_suggestions_with_reasons_and_kinds(client, app):
    sign_in(client, "teacher_n1")
    resp = client.get("/me/peers")
    assert resp.status_code == 200
    ids = peer_ids(resp)
    assert ids and "n-01" not in ids and all(i.startswith("n-") for i in ids)
    html = resp.get_data(as_text=True)
    assert html.count('<ul class="reasons">') == len(ids)
    assert "Similar context" in html or "New ideas" in html
    # Nobody has accepted anyone: no contact details anywhere.
    assert "mailto:" not in html
    for peer in ids:
        assert email_of(app, peer) not in html


def test_contact_appears_only_after_both_accept(app):
    me, other = app.test_client(), app.test_client()
    sign_in(me, "teacher_n1")
    peer = peer_ids(me.get("/me/peers"))[0]
    peer_email, my_email = email_of(app, peer), email_of(app, "n-01")

    resp = post(me, f"/me/peers/{peer}", {"decision": "accepted"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/me/peers#peer-{peer}")
    page = me.get("/me/peers").get_data(as_text=True)
    assert "Their contact details appear here once they accept too." in text_of_html(page)
    assert peer_email not in page

    sign_in(other, account_for(app, peer))
    theirs = other.get("/me/peers")
    assert "n-01" in peer_ids(theirs)
    assert my_email not in theirs.get_data(as_text=True)
    assert "would like to meet you" in text_of(theirs)

    resp = post(other, "/me/peers/n-01", {"decision": "accepted"})
    assert resp.status_code == 302
    theirs = other.get("/me/peers")
    assert f'href="mailto:{my_email}"' in theirs.get_data(as_text=True)
    assert "You have both accepted" in text_of(theirs)
    mine = me.get("/me/peers").get_data(as_text=True)
    assert f'href="mailto:{peer_email}"' in mine


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_decline_is_recorded_and_hides_nothing_else(client):
    sign_in(client, "teacher_n1")
    ids = peer_ids(client.get("/me/peers"))
    resp = post(client, f"/me/peers/{ids[0]}", {"decision": "declined"})
    assert resp.status_code == 302
    page = client.get("/me/peers")
    assert "They are not told." in text_of(page)
    card = page.get_data(as_text=True).split(f'id="peer-{ids[0]}"')[1].split("</article>")[0]
    assert "You declined." in card and 'value="accepted"' in card and 'value="declined"' not in card


def test_bad_decisions_are_refused(client):
    sign_in(client, "teacher_n1")
    peer = peer_ids(client.get("/me/peers"))[0]
    assert post(client, f"/me/peers/{peer}", {"decision": "maybe"}).status_code == 422
    assert post(client, "/me/peers/s-01", {"decision": "accepted"}).status_code in (403, 404)
    assert post(client, f"/me/peers/{peer}", {"decision": "accepted"}, headers={}).status_code == 302


def test_coordinators_do_not_decide_for_teachers(client):
    sign_in(client, "coord_n")
    assert post(client, "/me/peers/n-02", {"decision": "accepted"}).status_code == 403


def test_practice_page_gives_examples_with_reasons(client):
    sign_in(client, "teacher_n1")
    resp = client.get("/me/practice")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.count("<h3>Why this one</h3>") >= 3
    assert "Tackles your challenge" in html or "Matches your interest" in html
