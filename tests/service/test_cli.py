"""Tests of ``service/cli.py``: ``peermatch init``, ``users create|deactivate|set-password``, ``tokens create|list|revoke``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from matcher.profiles.io import teachers_to_csv
from matcher.samples.generate import generate_teachers
from service import create_app, db

from .conftest import teacher_row

PEERMATCH = [sys.executable, "-c", "import sys; from matcher.cli import main; sys.exit(main())"]


def run(args, env, stdin=None):
    """``peermatch args`` with exactly ``env`` as its environment and ``stdin`` piped in, as a finished process.

    It runs in this process: a new interpreter spends ~4 s of CPU importing the service before
    it starts, and these tests run ~40 commands (the README tour runs the real executable).
    The apps a command builds are closed afterwards; an exception it lets out fails the test
    (where a process would have printed a traceback).
    """
    import contextlib
    import io
    from unittest import mock

    import service
    from matcher.cli import main
    from service.services import jobs

    apps = []
    real_create_app = service.create_app

    def create_app(config=None):
        apps.append(real_create_app(config))
        return apps[-1]

    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, env, clear=True),
        mock.patch.object(service, "create_app", create_app),
        mock.patch.object(sys, "stdin", io.StringIO(stdin or "")),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: usage errors
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        finally:
            for app in apps:
                jobs.shutdown(app)
                db.engine(app).dispose()
    return subprocess.CompletedProcess(PEERMATCH + list(args), code, out.getvalue(), err.getvalue())


@pytest.fixture
def instance(tmp_path):
    samples = tmp_path / "teachers.csv"
    samples.write_text(teachers_to_csv(generate_teachers(24, seed=3)), encoding="utf-8")
    env = {**os.environ, "PEERMATCH_INSTANCE_PATH": str(tmp_path / "instance"), "PEERMATCH_PASSWORD_METHOD": "pbkdf2:sha256:1000"}
    env.pop("DATABASE_URL", None)
    env.pop("SECRET_KEY", None)
    return tmp_path, samples, env


def test_init_loads_samples_once_and_prints_working_credentials(instance):
    tmp_path, samples, env = instance
    first = run(["init", "--load-samples", "--samples", str(samples)], env)
    assert first.returncode == 0, first.stderr
    assert "sample teachers: 24 added" in first.stdout
    token = next(line.split(": ", 1)[1] for line in first.stdout.splitlines() if line.startswith("Coordinator API token"))
    creds = json.loads((tmp_path / "instance" / "demo_credentials.json").read_text())
    assert creds["coordinator"]["token"] == token and {"teacher1", "teacher2", "analyst"} <= set(creds)
    assert (tmp_path / "instance" / "demo_credentials.json").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "instance" / "secret_key").exists()

    second = run(["init", "--load-samples", "--samples", str(samples)], env)
    assert second.returncode == 0, second.stderr
    assert "sample teachers: 0 added, 24 already present" in second.stdout
    assert "schools: 0 added, 0 updated" in second.stdout

    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "PEERMATCH_PAGES": False})
    try:
        client = app.test_client()
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
        assert me["role"] == "coordinator"
        assert client.get("/api/v1/teachers", headers={"Authorization": f"Bearer {token}"}).get_json()["total"] == 24
        teacher = creds["teacher1"]
        resp = client.post("/api/v1/session", json={"username": "teacher1", "password": teacher["password"]})
        assert resp.status_code == 200 and resp.get_json()["teacher_id"] == teacher["teacher_id"]
    finally:
        db.engine(app).dispose()


def test_users_and_tokens(instance):
    tmp_path, samples, env = instance
    assert run(["init"], env).returncode == 0
    made = run(["users", "create", "ana", "--role", "analyst", "--password-stdin", "--token"], env, stdin="s3cret-pass\n")
    # The password policy: too short is refused with a clear message.
    assert made.returncode == 1 and "at least 12 characters" in made.stderr and "Traceback" not in made.stderr
    made = run(["users", "create", "ana", "--role", "analyst", "--password-stdin", "--token"], env, stdin="violet kettle orbit\n")
    assert made.returncode == 0, made.stderr
    assert "API token (shown once): pm_" in made.stdout
    dup = run(["users", "create", "ana", "--role", "analyst"], env)
    assert dup.returncode == 1 and "taken" in dup.stderr and "Traceback" not in dup.stderr
    bad = run(["users", "create", "tina", "--role", "teacher", "--teacher-id", "nobody"], env)
    assert bad.returncode == 1 and "teacher" in bad.stderr and "Traceback" not in bad.stderr
    token = run(["tokens", "create", "ana"], env)
    assert token.returncode == 0 and token.stdout.strip().startswith("pm_")
    missing = run(["tokens", "create", "nobody"], env)
    assert missing.returncode == 1 and "no user called 'nobody'" in missing.stderr


def test_tokens_expire_list_revoke_and_users_deactivate_set_password(instance):
    tmp_path, samples, env = instance
    assert run(["init"], env).returncode == 0
    made = run(["users", "create", "ana", "--role", "analyst", "--password-stdin"], env, stdin="violet kettle orbit\n")
    assert made.returncode == 0, made.stderr
    first = run(["tokens", "create", "ana", "--name", "laptop"], env).stdout.strip()
    second = run(["tokens", "create", "ana", "--name", "forever", "--days", "0"], env).stdout.strip()
    listed = run(["tokens", "list", "--username", "ana"], env)
    assert listed.returncode == 0 and first not in listed.stdout and second not in listed.stdout
    lines = {line.split()[-1]: line for line in listed.stdout.splitlines()[1:]}
    assert "never" in lines["forever"] and "active" in lines["laptop"] and "never" not in lines["laptop"]
    laptop_id = lines["laptop"].split()[0]
    assert run(["tokens", "revoke", laptop_id], env).returncode == 0
    assert "revoked" in run(["tokens", "list", "--username", "ana"], env).stdout
    assert run(["tokens", "revoke", "99999"], env).returncode == 1

    weak = run(["users", "set-password", "ana", "--password-stdin"], env, stdin="ana-password-1\n")
    assert weak.returncode == 1 and "user name" in weak.stderr
    assert run(["users", "set-password", "ana", "--password-stdin"], env, stdin="amber willow saxophone\n").returncode == 0
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "PEERMATCH_PAGES": False})
    try:
        client = app.test_client()
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"}).status_code == 401
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200
        assert client.post("/api/v1/session", json={"username": "ana", "password": "amber willow saxophone"}).status_code == 200
        assert run(["users", "deactivate", "ana"], env).returncode == 0
        assert client.get("/api/v1/me").status_code == 401
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    finally:
        db.engine(app).dispose()


def test_init_does_not_bring_back_an_erased_teacher_or_their_sign_in(instance):
    import sqlalchemy as sa

    from service.models import User

    tmp_path, samples, env = instance
    first = run(["init", "--load-samples", "--samples", str(samples)], env)
    assert first.returncode == 0, first.stderr
    creds = json.loads((tmp_path / "instance" / "demo_credentials.json").read_text())
    erased = creds["teacher1"]["teacher_id"]
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "PEERMATCH_PAGES": False})
    try:
        resp = app.test_client().delete(f"/api/v1/teachers/{erased}", headers={"Authorization": f"Bearer {creds['coordinator']['token']}"})
        assert resp.status_code == 204
    finally:
        db.engine(app).dispose()

    again = run(["init", "--load-samples", "--samples", str(samples)], env)
    assert again.returncode == 0, again.stderr
    assert "sample teachers: 0 added, 23 already present, 1 skipped (erased at the teacher's request)" in again.stdout
    assert f"-> teacher {erased}" not in again.stdout
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "PEERMATCH_PAGES": False})
    try:
        with db.new_session(app) as s:
            assert teacher_row(s, erased) is None
            assert s.execute(sa.select(User).where(User.teacher_id == erased)).first() is None
    finally:
        db.engine(app).dispose()


def test_teachers_import_keeps_teachers_own_values_unless_told(instance):
    tmp_path, samples, env = instance
    assert run(["init", "--load-samples", "--samples", str(samples)], env).returncode == 0
    creds = json.loads((tmp_path / "instance" / "demo_credentials.json").read_text())
    tid, token = creds["teacher1"]["teacher_id"], creds["teacher1"]["token"]
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "PEERMATCH_PAGES": False})
    try:
        resp = app.test_client().patch(f"/api/v1/teachers/{tid}", json={"about": "My own words."}, headers={"Authorization": f"Bearer {token}", "If-Match": "*"})
        assert resp.status_code == 200
    finally:
        db.engine(app).dispose()
    kept = run(["teachers", "import", str(samples)], env)
    assert kept.returncode == 0, kept.stderr
    assert "imported 24 teachers into 'Demo programme': 0 new, 24 updated" in kept.stdout
    assert f"({tid}): kept the teacher's values of about" in kept.stdout
    overwritten = run(["teachers", "import", str(samples), "--overwrite-teacher-edits"], env)
    assert overwritten.returncode == 0 and "kept the teacher's values of about" not in overwritten.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\nx,y\n", encoding="utf-8")
    failed = run(["teachers", "import", str(bad)], env)
    assert failed.returncode == 1 and "school_urn" in failed.stderr and "Traceback" not in failed.stderr


def test_init_prints_the_urls_of_the_port_served_and_compiles_the_cohort_engine(instance):
    tmp_path, samples, env = instance
    out = run(["init", "--host", "0.0.0.0", "--port", "8101"], env)
    assert out.returncode == 0, out.stderr
    assert "sign in at http://127.0.0.1:8101/signin" in out.stdout
    assert "http://127.0.0.1:8101/api/v1/teachers" in out.stdout and "http://127.0.0.1:8101/api/v1/swagger" in out.stdout
    assert ":8000" not in out.stdout
    assert "cohort engine: ready in" in out.stdout
    quiet = run(["init", "--no-warm-up", "--host", "example.org", "--port", "9000"], env)
    assert "cohort engine" not in quiet.stdout and "http://example.org:9000/signin" in quiet.stdout


def test_make_passes_host_and_port_to_init():
    import shutil
    from pathlib import Path

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = Path(__file__).resolve().parents[2]
    for target in ("run", "serve-prod"):
        dry = subprocess.run(["make", "-n", "-C", str(root), target, "PORT=8101", "HOST=0.0.0.0"], capture_output=True, text=True, timeout=60, check=False)
        init = next(line for line in dry.stdout.splitlines() if "peermatch init" in line)
        assert "--host 0.0.0.0 --port 8101" in init, init
