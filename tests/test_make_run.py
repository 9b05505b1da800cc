"""`make run`'s server: links in the mail it sends point at the host and port it serves.

Regression: `make run PORT=8137` wrote check-in requests whose link went to port 8000 (only
`peermatch init` knew the port; the server's mail worker used the default public URL).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _server_env(extra: dict[str, str]) -> str:
    """PEERMATCH_PUBLIC_URL as `make run PORT=8137` starts gunicorn with (a dry run, nothing is run but printenv)."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    lines = subprocess.run(["make", "-n", "run", "PORT=8137", "HOST=127.0.0.1"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30).stdout.splitlines()
    serve = next(line for line in lines if "gunicorn" in line and "--bind" in line)
    assignments = serve.split(" .venv/bin/gunicorn")[0]
    env = {k: v for k, v in os.environ.items() if k != "PEERMATCH_PUBLIC_URL"} | extra
    return subprocess.run(["sh", "-c", f"{assignments} printenv PEERMATCH_PUBLIC_URL"], capture_output=True, text=True, check=True, env=env, timeout=30).stdout.strip()


def test_make_run_serves_mail_links_on_its_own_port():
    assert _server_env({}) == "http://127.0.0.1:8137"


def test_an_explicit_public_url_wins():
    assert _server_env({"PEERMATCH_PUBLIC_URL": "https://peers.example.org"}) == "https://peers.example.org"
