"""Coordinator pages for teachers (``service/pages/teachers.py``): list, filters, paging, import, export."""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from matcher.profiles.io import COLUMNS
from service import db
from service.models import School, Teacher

from .conftest import TEACHERS, count_rows, teacher_row
from .pages_helpers import post, sign_in, text_of


def listed_ids(resp) -> list[str]:
    """Teacher ids in the table (each row shows 'id · role · years')."""
    return re.findall(r"<small>([ns]-\d\d) ·", resp.get_data(as_text=True))


def stored(app):
    with db.new_session(app) as s:
        return [(t, school) for t, school in s.execute(sa.select(Teacher, School).join(School, School.urn == Teacher.school_urn).order_by(Teacher.id)).all()]


def test_list_shows_only_my_programme(client):
    sign_in(client, "coord_n")
    resp = client.get("/teachers")
    assert resp.status_code == 200
    assert listed_ids(resp) == TEACHERS["north"]
    assert "(14)" in text_of(resp)


def test_filters_match_the_stored_profiles(client, app):
    sign_in(client, "coord_n")
    north = [(t, s) for t, s in stored(app) if t.id in TEACHERS["north"]]
    ones = listed_ids(client.get("/teachers?dept=yes"))
    assert ones == [t.id for t, _ in north if t.department_size <= 1]
    larger = listed_ids(client.get("/teachers?dept=no"))
    assert sorted(ones + larger) == TEACHERS["north"]
    borough = north[0][1].local_authority
    assert listed_ids(client.get("/teachers", query_string={"borough": borough})) == [t.id for t, s in north if s.local_authority == borough]
    theme = north[0][0].challenges[0]
    expected = [t.id for t, _ in north if theme in t.challenges + t.strengths + t.interests]
    resp = client.get("/teachers", query_string={"theme": theme})
    assert listed_ids(resp) == expected
    assert f'<option value="{theme}" selected>' in resp.get_data(as_text=True)


def test_unknown_theme_is_explained_not_an_error_page(client):
    sign_in(client, "coord_n")
    resp = client.get("/teachers?theme=singin&dept=maybe&page=zero")
    assert resp.status_code == 200
    assert "There is no theme 'singin'" in text_of(resp)
    assert listed_ids(resp) == TEACHERS["north"]


def test_paging_keeps_the_filters(client, app, monkeypatch):
    from service.pages import teachers as page_module

    monkeypatch.setattr(page_module, "PER_PAGE", 5)
    sign_in(client, "coord_n")
    first = client.get("/teachers?q=n-")
    html = first.get_data(as_text=True)
    assert listed_ids(first) == TEACHERS["north"][:5]
    assert "Page 1 of 3" in html and 'href="/teachers?q=n-&amp;page=2"' in html
    third = client.get("/teachers?q=n-&page=3")
    assert listed_ids(third) == TEACHERS["north"][10:]
    assert "Next page" not in third.get_data(as_text=True)


HEADER = "id,name,email,school_urn,department_size,key_stages,challenges,strengths"


def test_import_with_a_bad_row_shows_each_problem_and_stores_nothing(client, app):
    sign_in(client, "coord_n")
    before = count_rows(app, Teacher)
    text = "\n".join([HEADER, "z-1,Zed,z@example.org,100049,1,KS3,singing,composition", "z-2,Yan,y@example.org,100049,0,KS3,singin,composition", ""])
    resp = post(client, "/teachers/import", {"text": text})
    assert resp.status_code == 422
    page = text_of(resp)
    assert "nothing was imported" in page
    html = resp.get_data(as_text=True)
    rows = re.findall(r'<tr class="bad">(.*?)</tr>', html, flags=re.S)
    cells = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)] for r in rows]
    assert ["3", "department_size", "0"] == cells[0][:3]
    assert cells[1][:3] == ["3", "challenges", "singin"] and "did you mean singing?" in cells[1][4]
    assert cells[1][5].startswith("z-2,Yan,")  # the start of the line, to find it in the file
    assert count_rows(app, Teacher) == before
    # The text comes back in the box, ready to fix.
    assert "z-2,Yan,y@example.org,100049,0,KS3,singin,composition" in html


def test_fixed_file_imports_every_row(client, app):
    sign_in(client, "coord_n")
    before = count_rows(app, Teacher)
    text = "\n".join([HEADER, "z-1,Zed,z@example.org,100049,1,KS3,singing,composition", "n-01,Renamed,r@example.org,100049,2,KS3,send,singing"])
    resp = client.post("/teachers/import", data={"file": (io.BytesIO(("\ufeff" + text).encode()), "t.csv"), "csrf_token": post_token(client)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/teachers")
    assert "Imported 2 teachers: 1 new, 1 updated." in text_of(client.get("/teachers"))
    assert count_rows(app, Teacher) == before + 1


def post_token(client) -> str:
    from .pages_helpers import csrf

    return csrf(client)


def test_file_that_is_not_utf8_is_explained(client, app):
    sign_in(client, "coord_n")
    raw = (HEADER + "\nz-1,Zoë,z@example.org,100049,1,KS3,singing,composition\n").encode("latin-1")
    resp = client.post("/teachers/import", data={"file": (io.BytesIO(raw), "latin.csv"), "csrf_token": post_token(client)})
    assert resp.status_code == 422
    assert "Line 2 of latin.csv is not UTF-8" in text_of(resp)


def test_empty_import_asks_for_a_file(client):
    sign_in(client, "coord_n")
    resp = post(client, "/teachers/import", {"text": "  "})
    assert resp.status_code == 422 and "Choose a CSV file" in text_of(resp)


def test_export_is_the_import_format(client):
    sign_in(client, "coord_n")
    resp = client.get("/teachers/export.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert tuple(rows[0]) == COLUMNS
    assert [r[0] for r in rows[1:]] == TEACHERS["north"]


def test_reimport_on_the_page_keeps_teachers_values_and_skips_erased(client, app):
    from .conftest import ACCOUNTS

    sign_in(client, "coord_n")
    sheet = client.get("/teachers/export.csv").get_data(as_text=True)
    t1 = {**ACCOUNTS["teacher_n1"].headers, "If-Match": "*"}
    assert client.patch("/api/v1/teachers/n-01", json={"about": "My own words."}, headers=t1).status_code == 200
    assert client.delete("/api/v1/teachers/n-02", headers=ACCOUNTS["coord_n"].headers).status_code == 204
    page = client.get("/teachers/import").get_data(as_text=True)
    assert 'name="overwrite_teacher_edits"' in page and ", ".join(COLUMNS) in page
    resp = post(client, "/teachers/import", {"text": sheet}, follow_redirects=True)
    said = text_of(resp)
    assert "1 kept values their teachers chose themselves" in said and "1 skipped (erased at the teacher's request)" in said
    assert "Line 2 (n-01): kept the teacher's values of about" in said
    assert "Line 3 (n-02): erased at the teacher's request; skipped" in said
    with db.new_session(app) as s:
        assert teacher_row(s, "n-01").about == "My own words." and teacher_row(s, "n-02") is None
    # Ticking the box takes the file's values.
    post(client, "/teachers/import", {"text": sheet, "overwrite_teacher_edits": "yes"}, follow_redirects=True)
    with db.new_session(app) as s:
        assert teacher_row(s, "n-01").about != "My own words." and teacher_row(s, "n-02") is None


def test_import_page_of_100000_bad_rows_is_bounded(client, app):
    sign_in(client, "coord_n")
    text = HEADER + "\n" + "".join(f"bad id {i},,,100049,0,KS3,,\n" for i in range(100_000))
    # the body built here: the test client would spool a large one to a file it never closes
    b = "pm-boundary"
    head = f'--{b}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{post_token(client)}\r\n'
    head += f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="bad.csv"\r\nContent-Type: text/csv\r\n\r\n'
    body = head.encode() + text.encode() + f"\r\n--{b}--\r\n".encode()
    resp = client.post("/teachers/import", data=body, content_type=f"multipart/form-data; boundary={b}")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert len(html) < 2_000_000  # was 45 MB
    assert len(re.findall(r'<tr class="bad">', html)) == 1000
    assert "the first 1000 are listed" in text_of(resp)
