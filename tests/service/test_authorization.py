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

import pytest

from .conftest import ACCOUNTS
from .test_api_cohort_runs import stored_run
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
