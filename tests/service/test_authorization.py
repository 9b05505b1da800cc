"""The authorisation matrix: every endpoint x role x own/other resource.

Each row names an endpoint and the status each role gets on its *own* resource and on
*another's* (coordinator: a teacher of their programme / of another programme; teacher:
their own profile / a colleague's; analyst: their programme's / another's). Another
programme's resource is answered 404 exactly like a missing one (so ids cannot be probed
across programmes); 403 stays for a role without access inside the same programme.
Anonymous requests get 401 everywhere except the public endpoints. ``own``/``other`` are filled
into the path, so the same row proves that the check looks at the resource, not only
the role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from service import db
from service.models import CheckIn, CohortRun, Programme, Round, WeightProposal

from .conftest import ACCOUNTS, TEACHERS
from .test_api_cohort_runs import stored_run
from .pages_helpers import csrf, sign_in
from .test_api_teachers import NEW

OK = "ok"  # allowed: any answer but 401/403/404 (the outcome itself is tested elsewhere)
ROLE_ACCOUNT = {"coordinator": "coord_n", "teacher": "teacher_n1", "analyst": "analyst_n"}
TARGETS = {
    "coordinator": {"own": "n-03", "other": "s-02"},
    "teacher": {"own": "n-01", "other": "n-03"},
    "analyst": {"own": "n-03", "other": "s-02"},
}
CSV = "id,name,school_urn,department_size,key_stages,challenges,strengths\nz-1,Zed,100049,1,KS3,singing,composition\n"


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # may contain {id} (the target teacher) and {run} (the target cohort run)
    # role -> (own status, other status); a single int when there is no own/other
    expect: dict
    body: object = None
    content_type: str | None = None
    public: bool = False


ROWS = [
    Row("GET", "/api/v1/me", {"coordinator": 200, "teacher": 200, "analyst": 200}),
    Row("GET", "/api/v1/themes", {"coordinator": 200, "teacher": 200, "analyst": 200}, public=True),
    Row("GET", "/api/v1/schools", {"coordinator": 200, "teacher": 200, "analyst": 200}),
    Row("GET", "/api/v1/schools/100049", {"coordinator": 200, "teacher": 200, "analyst": 200}),
    Row("GET", "/api/v1/practice-examples", {"coordinator": 200, "teacher": 200, "analyst": 200}),
    Row("GET", "/api/v1/practice-examples/radar-diagram-composing-assessment", {"coordinator": 200, "teacher": 200, "analyst": 200}),
    Row("GET", "/api/v1/teachers", {"coordinator": 200, "teacher": 403, "analyst": 403}),
    Row("POST", "/api/v1/teachers", {"coordinator": 201, "teacher": 403, "analyst": 403}, body=NEW),
    Row("POST", "/api/v1/teachers/import", {"coordinator": 200, "teacher": 403, "analyst": 403}, body=CSV, content_type="text/csv"),
    Row("GET", "/api/v1/teachers/export", {"coordinator": 200, "teacher": 403, "analyst": 200}),
    Row("GET", "/api/v1/teachers/{id}", {"coordinator": (200, 404), "teacher": (200, 403), "analyst": (403, 404)}),
    Row("PATCH", "/api/v1/teachers/{id}", {"coordinator": (200, 404), "teacher": (200, 403), "analyst": (403, 403)}, body={"about": "x", "version": 1}),
    Row("DELETE", "/api/v1/teachers/{id}", {"coordinator": (204, 404), "teacher": (204, 403), "analyst": (403, 403)}),
    Row("GET", "/api/v1/teachers/{id}/peers", {"coordinator": (200, 404), "teacher": (200, 403), "analyst": (403, 403)}),
    Row("GET", "/api/v1/teachers/{id}/practice-examples", {"coordinator": (200, 404), "teacher": (200, 403), "analyst": (403, 403)}),
    Row("GET", "/api/v1/teachers/{id}/data-export", {"coordinator": (200, 404), "teacher": (200, 403), "analyst": (403, 403)}),
    Row(
        "PUT",
        "/api/v1/teachers/{id}/peers/{peer}/decision",
        {"coordinator": (403, 403), "teacher": (200, 403), "analyst": (403, 403)},
        body={"decision": "accepted"},
    ),
    Row("GET", "/api/v1/cohort-runs", {"coordinator": 200, "teacher": 403, "analyst": 403}),
    Row("POST", "/api/v1/cohort-runs", {"coordinator": 202, "teacher": 403, "analyst": 403}, body={"size_min": 3, "size_max": 5, "seconds": 1}),
    Row("GET", "/api/v1/cohort-runs/{run}", {"coordinator": (200, 404), "teacher": (403, 403), "analyst": (403, 403)}),
    Row(
        "POST",
        "/api/v1/cohort-runs/{run}/groups/1/approve",
        {"coordinator": (200, 404), "teacher": (403, 403), "analyst": (403, 403)},
        body={"version": 1},
    ),
    Row(
        "POST",
        "/api/v1/cohort-runs/{run}/moves",
        {"coordinator": (OK, 404), "teacher": (403, 403), "analyst": (403, 403)},
        body={"teacher_id": "{member}", "to_group": 1, "dry_run": True, "version": 1},
    ),
    Row(
        "POST",
        "/api/v1/cohort-runs/{run}/repair",
        {"coordinator": (OK, 404), "teacher": (403, 403), "analyst": (403, 403)},
        body={"dropped": ["{member}"], "seconds": 1, "version": 1},
    ),
    Row("GET", "/api/v1/cohort-runs/{run}/export", {"coordinator": (200, 404), "teacher": (403, 403), "analyst": (200, 404)}),
]


def _cases():
    for row in ROWS:
        for role, expected in row.expect.items():
            if isinstance(expected, tuple):
                yield pytest.param(row, role, "own", expected[0], id=f"{row.method} {row.path} {role} own")
                yield pytest.param(row, role, "other", expected[1], id=f"{row.method} {row.path} {role} other")
            else:
                yield pytest.param(row, role, None, expected, id=f"{row.method} {row.path} {role}")


def _first_peer(client, teacher_id: str) -> str:
    owner = next(a for a in ACCOUNTS.values() if a.teacher_id == teacher_id) if teacher_id in ("n-01", "n-02", "s-01") else ACCOUNTS["coord_n" if teacher_id.startswith("n") else "coord_s"]
    body = client.get(f"/api/v1/teachers/{teacher_id}/peers", headers=owner.headers).get_json()
    assert body["suggestions"], f"{teacher_id} has no suggested peers"
    return body["suggestions"][0]["peer_id"]


RUN_PROGRAMME = {
    "coordinator": {"own": "north", "other": "south"},
    "teacher": {"own": "north", "other": "south"},
    "analyst": {"own": "north", "other": "south"},
}


def _member(value, member: str):
    if value == "{member}":
        return member
    if value == ["{member}"]:
        return [member]
    return value


def _send(client, row: Row, path: str, headers: dict, member: str = "n-01"):
    kwargs = {"headers": dict(headers)}
    if row.content_type:
        kwargs["data"] = row.body
        kwargs["headers"]["Content-Type"] = row.content_type
    elif row.body is not None:
        kwargs["json"] = {k: _member(v, member) for k, v in row.body.items()} if isinstance(row.body, dict) else row.body
    return client.open(path, method=row.method, **kwargs)


def _fill(client, row: Row, role: str, target: str | None, app=None) -> str:
    path = row.path
    if "{run}" in path:
        programme = RUN_PROGRAMME[role][target or "own"]
        path = path.replace("{run}", str(stored_run(app, programme, params={"size_min": 3, "size_max": 5})))
    if "{id}" in path:
        teacher_id = TARGETS[role][target]
        path = path.replace("{id}", teacher_id)
        if "{peer}" in path:
            path = path.replace("{peer}", _first_peer(client, teacher_id))
    return path


@pytest.mark.parametrize("row, role, target, expected", list(_cases()))
def test_matrix(client, app, row, role, target, expected):
    path = _fill(client, row, role, target, app)
    resp = _send(client, row, path, ACCOUNTS[ROLE_ACCOUNT[role]].headers)
    if expected == OK:
        assert resp.status_code not in (401, 403, 404) and resp.status_code < 500, resp.get_data(as_text=True)[:500]
        return
    assert resp.status_code == expected, resp.get_data(as_text=True)[:500]
    if expected >= 400:
        assert resp.mimetype == "application/problem+json"
        assert resp.get_json()["status"] == expected


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.path}" for r in ROWS])
def test_anonymous(client, app, row):
    path = _fill(client, row, "coordinator", "own", app)
    resp = _send(client, row, path, {})
    if row.public:
        assert resp.status_code == 200
    else:
        assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("row", [r for r in ROWS if "{id}" in r.path or "{run}" in r.path], ids=lambda r: f"{r.method} {r.path}")
def test_unknown_ids_are_404_for_everyone(client, row):
    path = row.path.replace("{id}", "no-such-teacher").replace("{peer}", "n-02").replace("{run}", "999999")
    for role, account in ROLE_ACCOUNT.items():
        resp = _send(client, row, path, ACCOUNTS[account].headers)
        # A role never allowed on the endpoint may be refused before the lookup.
        allowed = row.expect[role][0] == OK or row.expect[role][0] < 400
        assert resp.status_code == 404 if allowed else resp.status_code in (403, 404), (role, resp.get_data(as_text=True)[:300])


def test_other_programme_coordinator_cannot_see_own_programme_suggestions(client):
    resp = client.get("/api/v1/teachers/n-01/peers", headers=ACCOUNTS["coord_s"].headers)
    assert resp.status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/api/v1/teachers/{id}", "/api/v1/teachers/{id}/peers", "/api/v1/teachers/{id}/data-export", "/api/v1/teachers/{id}/practice-examples"],
)
def test_another_programmes_teacher_looks_exactly_like_a_missing_one(client, path):
    """Error codes and bodies must not tell whether an id exists in another programme."""
    headers = ACCOUNTS["coord_n"].headers
    other = client.get(path.format(id="s-02"), headers=headers)
    missing = client.get(path.format(id="s-99"), headers=headers)
    assert other.status_code == missing.status_code == 404
    a, b = other.get_json(), missing.get_json()
    assert a["detail"].replace("s-02", "ID") == b["detail"].replace("s-99", "ID")
    assert {k: v for k, v in a.items() if k != "detail"} == {k: v for k, v in b.items() if k != "detail"}


def test_another_programmes_run_looks_exactly_like_a_missing_one(client, app):
    south = stored_run(app, "south", params={"size_min": 3, "size_max": 5})
    headers = ACCOUNTS["coord_n"].headers
    other = client.get(f"/api/v1/cohort-runs/{south}", headers=headers)
    missing = client.get("/api/v1/cohort-runs/999999", headers=headers)
    assert other.status_code == missing.status_code == 404
    assert other.get_json()["detail"].replace(str(south), "N") == missing.get_json()["detail"].replace("999999", "N")


def test_the_refusal_names_the_role_with_the_right_article(client):
    resp = client.post("/api/v1/teachers", json=NEW, headers=ACCOUNTS["analyst_n"].headers)
    assert resp.status_code == 403 and "you are signed in as an analyst." in resp.get_json()["detail"]


# --- The programme year (issue 15): check-ins, health, learned weights, questionnaire, report,
# sessions. Each row is one test on one database: every role (and anonymous) asks in turn,
# refusals first, so a write that is allowed cannot hide a missing check on a later request.
# ``own`` is the asking account's programme (north), ``other`` is south; {round}, {next},
# {proposal} and {flagged} are filled from that programme's year (:func:`_year`).
YEAR_ACCOUNTS = {"coordinator": "coord_n", "teacher": "teacher_n1", "analyst": "analyst_n"}
TODAY = datetime.now(timezone.utc).date()


def _year(app, programme: str) -> dict[str, str]:
    """A running round with a published run (its first teachers in two groups of 4, the asking
    teacher n-01 in group 1), a not-a-good-fit check-in by the second member, and a learned-weights
    proposal for the programme's next round (not generated yet)."""
    ids = TEACHERS[programme][:8]
    groups = [ids[:4], ids[4:]]
    now = datetime.combine(TODAY, datetime.min.time(), tzinfo=timezone.utc)
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == programme)).scalar_one()
        current = Round(programme_id=pid, name=f"{programme} now", starts=TODAY - timedelta(days=60), ends=TODAY + timedelta(days=120), cadence_weeks=3)
        coming = Round(programme_id=pid, name=f"{programme} next", starts=TODAY + timedelta(days=130), ends=TODAY + timedelta(days=220), cadence_weeks=3)
        s.add_all([current, coming])
        s.flush()
        result = {"groups": [{"index": i, "members": g, "score": 0.5, "approved": False} for i, g in enumerate(groups)], "figures": {"mean": 0.5}}
        run = CohortRun(programme_id=pid, status="done", params={"size_min": 3, "size_max": 5}, result=result, round_id=current.id, published_at=now - timedelta(days=59))
        s.add(run)
        s.flush()
        at = now - timedelta(days=30)
        s.add(CheckIn(programme_id=pid, teacher_id=groups[0][1], run_id=run.id, round_id=current.id, group_number=1, meeting_start=at, met="no", useful=None,
                      not_a_good_fit=True, created_at=at, updated_at=at))
        weights = {"complementarity": 0.45, "interests": 0.2, "context": 0.15, "practicality": 0.2, "priority": 0.3, "one_way": 0.25}
        proposal = WeightProposal(programme_id=pid, round_id=coming.id, learned=weights, current=weights, learned_score=0.1, current_score=0.05, metric="R²", n_answers=100,
                                  evidence={"better": True, "margin": 0.01, "sentence": "test", "n_groups": 20})
        s.add(proposal)
        s.flush()
        return {"round": str(current.id), "next": str(coming.id), "proposal": str(proposal.id), "flagged": groups[0][1], "run": str(run.id)}


def _filled(value: object, year: dict[str, str]) -> object:
    if isinstance(value, str):
        for key, filling in year.items():
            value = value.replace("{" + key + "}", filling)
        return int(value) if value.isdigit() else value
    if isinstance(value, dict):
        return {k: _filled(v, year) for k, v in value.items()}
    return value


MEETING = "2026-10-01T16:00:00+00:00"
YEAR_API = [
    Row("POST", "/api/v1/me/check-ins", {"teacher": OK, "coordinator": 403, "analyst": 403}, body={"meeting": MEETING, "met": "yes", "useful": 4}),
    Row("GET", "/api/v1/me/check-ins", {"teacher": 200, "coordinator": 403, "analyst": 403}),
    Row("GET", "/api/v1/programme/health", {"coordinator": 200, "teacher": 403, "analyst": 403}),
    Row("GET", "/api/v1/programme/health?round_id={round}", {"coordinator": (200, 404), "teacher": (403, 403), "analyst": (403, 403)}),
    Row("GET", "/api/v1/programme/health/flags/{flagged}/repair", {"coordinator": (OK, 404), "teacher": (403, 403), "analyst": (403, 403)}),
    Row("POST", "/api/v1/programme/health/flags/{flagged}/repair", {"coordinator": (OK, 404), "teacher": (403, 403), "analyst": (403, 403)}, body={"to_group": 2}),
    Row("GET", "/api/v1/programme/sessions", {"coordinator": 200, "teacher": 403, "analyst": 403}),
    Row("GET", "/api/v1/programme/weights", {"coordinator": 200, "teacher": 403, "analyst": 403}),
    Row("POST", "/api/v1/programme/weights", {"coordinator": (OK, 422), "teacher": (403, 403), "analyst": (403, 403)}, body={"round_id": "{next}"}),
    Row("GET", "/api/v1/programme/weights/{proposal}", {"coordinator": (200, 404), "teacher": (403, 403), "analyst": (403, 403)}),
    Row("POST", "/api/v1/programme/weights/{proposal}/accept", {"coordinator": (200, 404), "teacher": (403, 403), "analyst": (403, 403)}),
    Row("POST", "/api/v1/programme/weights/{proposal}/refuse", {"coordinator": (200, 404), "teacher": (403, 403), "analyst": (403, 403)}),
    Row("GET", "/api/v1/me/questionnaire/{round}/before", {"teacher": (200, 404), "coordinator": (403, 403), "analyst": (403, 403)}),
    Row("PUT", "/api/v1/me/questionnaire/{round}/before", {"teacher": (200, 404), "coordinator": (403, 403), "analyst": (403, 403)}, body={"answers": {"isolation": 2}}),
    Row("GET", "/api/v1/programme/report", {"coordinator": 200, "analyst": 200, "teacher": 403}),
    Row("GET", "/api/v1/programme/report?round_id={round}", {"coordinator": (200, 404), "analyst": (200, 404), "teacher": (403, 403)}),
    Row("GET", "/api/v1/programme/report.csv?round_id={round}", {"coordinator": (200, 404), "analyst": (200, 404), "teacher": (403, 403)}),
    Row("GET", "/api/v1/programme/report.csv?level=teachers", {"coordinator": 403, "analyst": 200, "teacher": 403}),
]
YEAR_PAGES = [
    Row("GET", f"/me/check-in?meeting={MEETING.replace('+', '%2B')}", {"teacher": OK, "coordinator": 403, "analyst": 403}),
    Row("POST", "/me/check-in", {"teacher": OK, "coordinator": 403, "analyst": 403}, body={"meeting": MEETING, "met": "yes", "useful": "4"}),
    Row("GET", "/programme/health", {"coordinator": 200, "teacher": 403, "analyst": 403}),
    Row("GET", "/programme/health?round_id={round}", {"coordinator": (200, 404), "teacher": (403, 403), "analyst": (403, 403)}),
    Row("GET", "/programme/health/flags/{flagged}", {"coordinator": (200, 404), "teacher": (403, 403), "analyst": (403, 403)}),
    Row("POST", "/programme/health/flags/{flagged}", {"coordinator": (OK, 404), "teacher": (403, 403), "analyst": (403, 403)}, body={"to_group": "2", "version": "1"}),
    Row("GET", "/programme/sessions", {"coordinator": 200, "teacher": 403, "analyst": 403}),
    Row("GET", "/programme/weights", {"coordinator": 200, "teacher": 403, "analyst": 403}),
    Row("POST", "/programme/weights", {"coordinator": OK, "teacher": 403, "analyst": 403}, body={"round_id": "{next}"}),
    Row("POST", "/programme/weights/{proposal}/accept", {"coordinator": (OK, 404), "teacher": (403, 403), "analyst": (403, 403)}),
    Row("POST", "/programme/weights/{proposal}/refuse", {"coordinator": (OK, 404), "teacher": (403, 403), "analyst": (403, 403)}),
    Row("GET", "/me/questionnaire/{round}/before", {"teacher": (200, 404), "coordinator": (403, 403), "analyst": (403, 403)}),
    Row("POST", "/me/questionnaire/{round}/before", {"teacher": (OK, 404), "coordinator": (403, 403), "analyst": (403, 403)}, body={"q-isolation": "2"}),
    Row("GET", "/programme/report", {"coordinator": 200, "analyst": 200, "teacher": 403}),
    Row("GET", "/programme/report?round_id={round}", {"coordinator": (200, 404), "analyst": (200, 404), "teacher": (403, 403)}),
]


def _year_cases(row: Row) -> list[tuple[str, str, object]]:
    """(role, own/other, expected) for one row, refusals first and the allowed own request last."""
    cases = []
    for role, expected in row.expect.items():
        pairs = [("own", expected[0]), ("other", expected[1])] if isinstance(expected, tuple) else [("own", expected)]
        cases += [(role, target, status) for target, status in pairs]
    return sorted(cases, key=lambda c: (c[2] == OK or c[2] < 400, c[1] == "own"))


def _check(resp, expected, who: str, problem_json: bool) -> None:
    body = resp.get_data(as_text=True)[:300]
    if expected == OK:
        assert resp.status_code not in (401, 403, 404) and resp.status_code < 500, (who, resp.status_code, body)
        return
    assert resp.status_code == expected, (who, resp.status_code, body)
    if problem_json and expected >= 400:
        assert resp.mimetype == "application/problem+json" and resp.get_json()["status"] == expected, (who, body)


@pytest.mark.parametrize("row", YEAR_API, ids=lambda r: f"{r.method} {r.path}")
def test_programme_year_api(client, app, row):
    years = {"own": _year(app, "north"), "other": _year(app, "south")}
    anonymous = client.open(_filled(row.path, years["own"]), method=row.method, json=_filled(row.body, years["own"]) if row.body else None)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer"), row.path
    for role, target, expected in _year_cases(row):
        year = years[target]
        headers = dict(ACCOUNTS[YEAR_ACCOUNTS[role]].headers)
        if row.method in ("POST", "PUT") and "/repair" in row.path:
            headers["If-Match"] = f'"run-{year["run"]}-v1"'
        resp = client.open(_filled(row.path, year), method=row.method, json=_filled(row.body, year) if row.body else None, headers=headers)
        _check(resp, expected, f"{role} {target}", problem_json=True)


@pytest.mark.parametrize("row", YEAR_PAGES, ids=lambda r: f"{r.method} {r.path}")
def test_programme_year_pages(app, row):
    years = {"own": _year(app, "north"), "other": _year(app, "south")}
    anonymous = app.test_client()
    data = {**(_filled(row.body, years["own"]) or {}), "csrf_token": csrf(anonymous)} if row.method == "POST" else None
    resp = anonymous.open(_filled(row.path, years["own"]), method=row.method, data=data)
    assert resp.status_code == 302 and "/signin" in resp.headers["Location"], (row.path, resp.status_code)
    clients = {}
    for role, target, expected in _year_cases(row):
        if role not in clients:
            clients[role] = app.test_client()
            assert sign_in(clients[role], YEAR_ACCOUNTS[role]).status_code == 302
        year, c = years[target], clients[role]
        data = {**(_filled(row.body, year) or {}), "csrf_token": csrf(c)} if row.method == "POST" else None
        _check(c.open(_filled(str(row.path), year), method=row.method, data=data), expected, f"{role} {target}", problem_json=False)
