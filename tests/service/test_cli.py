"""Tests of ``service/cli.py``: ``peermatch init``, ``users create``, ``tokens create``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from matcher.profiles.io import teachers_to_csv
from matcher.samples.generate import generate_teachers
from service import create_app, db

PEERMATCH = [sys.executable, "-c", "import sys; from matcher.cli import main; sys.exit(main())"]


def run(args, env, stdin=None):
    return subprocess.run(PEERMATCH + args, env=env, input=stdin, capture_output=True, text=True, timeout=300)


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
        dry = subprocess.run(["make", "-n", "-C", str(root), target, "PORT=8101", "HOST=0.0.0.0"], capture_output=True, text=True, timeout=60)
        init = next(line for line in dry.stdout.splitlines() if "peermatch init" in line)
        assert "--host 0.0.0.0 --port 8101" in init, init
