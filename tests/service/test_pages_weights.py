"""Tests of ``service/pages/weights.py``: the coordinator's Learned weights page."""

from __future__ import annotations

import pytest

from service import db
from service.models import WeightProposal

from .pages_helpers import post, sign_in, text_of
from .test_api_rounds import make_round
from .test_api_weights import COORD, proposal, seed_check_ins


def test_page_shows_old_and_new_weights_side_by_side_with_the_evidence(client, app):
    rid = make_round(client, headers=COORD)
    better, worse = proposal(app, rid), proposal(app, rid, better=False)
    sign_in(client, "coord_n")
    page = client.get("/programme/weights")
    assert page.status_code == 200
    text = text_of(page)
    assert "Today Learned Change" in text and "interests 0.200 0.500 +0.300" in text and "priority (policy, not learned) 0.300 0.300 +0.000" in text
    assert "learned 0.120, today's 0.030" in text and "From 500 check-in answers" in text and "higher is better" in text
    html = page.get_data(as_text=True)
    assert f'/programme/weights/{better}/accept"' in html and f'/programme/weights/{worse}/accept"' not in html
    assert f'/programme/weights/{worse}/refuse"' in html and 'name="csrf_token"' in html
    done = post(client, f"/programme/weights/{better}/accept", follow_redirects=True)
    assert "Accepted: new runs of this round use the learned weights" in text_of(done)
    refused = post(client, f"/programme/weights/{worse}/refuse", follow_redirects=True)
    assert "Refused: this round keeps today's weights" in text_of(refused)
    with db.new_session(app) as s:
        assert [s.get_one(WeightProposal, i).status for i in (better, worse)] == ["accepted", "refused"]


def test_learning_from_the_page_says_how_many_answers_are_needed(client, app):
    rid = make_round(client, headers=COORD)
    sign_in(client, "coord_n")
    done = post(client, "/programme/weights", {"round_id": str(rid)}, follow_redirects=True)
    assert "needs at least 60 usable check-in answers from at least 10 groups; got 0 answers" in text_of(done)
    seed_check_ins(app)
    done = post(client, "/programme/weights", {"round_id": str(rid)}, follow_redirects=True)
    assert "check-in answers: see proposal" in text_of(done) and "Proposal 1" in text_of(done)


def test_decisions_need_the_csrf_token_and_the_coordinator_role(client, app):
    rid = make_round(client, headers=COORD)
    pid = proposal(app, rid)
    sign_in(client, "coord_n")
    assert client.post(f"/programme/weights/{pid}/accept", data={"csrf_token": "wrong"}).status_code in (400, 403)
    assert post(client, f"/programme/weights/{pid}/maybe").status_code in (404, 405)
    with db.new_session(app) as s:
        assert s.get_one(WeightProposal, pid).status == "proposed"
    post(client, "/signout")
    assert client.get("/programme/weights").status_code == 302  # signed out: to the sign-in page


@pytest.mark.parametrize("who", ["teacher_n1", "analyst_n"])
def test_other_roles_get_403(client, app, who):
    rid = make_round(client, headers=COORD)
    pid = proposal(app, rid)
    sign_in(client, who)
    assert client.get("/programme/weights").status_code == 403
    assert post(client, f"/programme/weights/{pid}/accept").status_code == 403
    with db.new_session(app) as s:
        assert s.get_one(WeightProposal, pid).status == "proposed"


def test_numbers_no_row_can_have_are_not_found_not_500(client) -> None:
    sign_in(client, "coord_n")
    huge = "99999999999999999999"  # the URL converter and the form take it; the database cannot (was OverflowError: 500)
    assert post(client, f"/programme/weights/{huge}/accept").status_code == 404
    assert post(client, f"/programme/weights/{huge}/refuse").status_code == 404
    assert post(client, "/programme/weights", {"round_id": huge}).status_code == 302  # said on the page: no such round
