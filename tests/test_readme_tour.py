"""The README's "A 5-minute tour" works exactly as written.

Every fenced block of the section is run as it stands:

- each command line, with ``.venv/bin/`` replaced by this interpreter's ``bin`` folder, in a
  temporary folder that links to the project's ``data/`` and ``tests/`` (the commands write
  ``groups.csv``, ``my-cohort.csv`` and ``features.npz`` there). A line must exit 0 unless its
  comment says ``(exit 1)``;
- each ``curl`` line, with ``curl`` itself, against a live server on a free port holding a
  fresh database that ``peermatch init --load-samples`` prepared (``TOKEN=`` takes the token
  init printed; ``127.0.0.1:8000`` becomes the server's address). It must answer 200, or
  the status its comment names (``# 202 + Location``);
- the Python snippet, whose last expression must give a non-empty answer.

The pages and docs URLs named in the section's text must answer too. Editing a README
command into something that does not work fails this test.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
README_PORT = "127.0.0.1:8000"


@dataclass(frozen=True)
class Block:
    lang: str
    lines: tuple[str, ...]


def tour_section(text: str) -> str:
    start = text.index("## A 5-minute tour")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def fenced_blocks(section: str) -> list[Block]:
    return [Block(lang, tuple(body.splitlines())) for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", section, re.S | re.M)]


def logical_lines(lines) -> list[str]:
    """Lines with ``\\`` continuations joined, blank ones dropped."""
    out, pending = [], ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line = pending + line
        pending = ""
        if line.strip():
            out.append(line.strip())
    return out


def split_comment(line: str) -> tuple[str, str]:
    """``(command, comment)``: the comment starts at the first `` #`` outside quotes."""
    quote = None
    for k, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (k == 0 or line[k - 1].isspace()):
            return line[:k].rstrip(), line[k + 1 :].strip()
    return line, ""


SECTION = tour_section(README.read_text(encoding="utf-8"))
BLOCKS = fenced_blocks(SECTION)
CLI = [line for b in BLOCKS for line in logical_lines(b.lines) if line.startswith(".venv/bin/")]
SHELL_API = next((b for b in BLOCKS if any("curl " in line for line in b.lines)), None)
PYTHON = next((b for b in BLOCKS if b.lang == "python"), None)


def test_the_tour_has_the_blocks_this_test_runs():
    assert len(CLI) >= 8 and SHELL_API is not None and PYTHON is not None
    # every line of every block is run below: nothing in a block goes unchecked
    covered = set(CLI) | set(logical_lines(SHELL_API.lines)) | set(logical_lines(PYTHON.lines))
    for b in BLOCKS:
        for line in logical_lines(b.lines):
            assert line in covered, f"README tour line this test does not know how to run: {line!r}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder like the project's root (``data/`` and ``tests/`` linked) where outputs land."""
    work = tmp_path_factory.mktemp("tour")
    for name in ("data", "tests"):
        (work / name).symlink_to(ROOT / name, target_is_directory=True)
    return work


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "PEERMATCH_INSTANCE_PATH")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return {**env, **extra}


def _bash(command: str, cwd: Path, env=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", command], cwd=cwd, env=env or _env(),
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.parametrize("line", CLI, ids=[split_comment(line)[0][len(".venv/bin/"):][:60] for line in CLI])
def test_command_line(line, workdir):
    command, comment = split_comment(line)
    expected = 1 if "(exit 1)" in comment else 0
    done = _bash(command.replace(".venv/bin/", f"{BIN}/"), workdir)
    assert done.returncode == expected, f"{command}\nexit {done.returncode}, expected {expected}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout.strip() or done.stderr.strip(), f"{command} printed nothing"
    for out in re.findall(r"-o (\S+)", command):
        assert (workdir / out).stat().st_size > 0, f"{command} did not write {out}"


# ---- the REST API block, against a live server ----------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(workdir, tmp_path_factory):
    """``peermatch init --load-samples`` into a fresh instance, then the app served on a free port."""
    from werkzeug.serving import make_server

    from service import create_app, db

    if shutil.which("curl") is None:
        pytest.fail("curl is needed to run the README's curl lines (.ci/test.sh installs it)")
    instance = tmp_path_factory.mktemp("instance")
    database = f"sqlite:///{instance / 'peermatch.sqlite3'}"
    port = _free_port()
    init = subprocess.run(
        [str(BIN / "peermatch"), "init", "--load-samples", "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir, env=_env(PEERMATCH_INSTANCE_PATH=str(instance), DATABASE_URL=database, PEERMATCH_PASSWORD_METHOD="pbkdf2:sha256:1000"),
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    assert f"http://127.0.0.1:{port}/signin" in init.stdout and ":8000" not in init.stdout
    token = re.search(r"Coordinator API token: (pm_\S+)", init.stdout).group(1)
    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": database, "PEERMATCH_PASSWORD_METHOD": "pbkdf2:sha256:1000"})
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{port}", token
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)
        db.engine(app).dispose()


def _api_lines() -> list[tuple[str, str]]:
    return [split_comment(line) for line in logical_lines(SHELL_API.lines)]


def test_api_block(server, workdir):
    address, token = server
    env = _env()
    statuses = []
    for command, comment in _api_lines():
        if command.startswith("TOKEN="):
            assert re.fullmatch(r"TOKEN=pm_\S*", command), command
            env["TOKEN"] = token
            continue
        assert command.startswith("curl "), f"README API line this test cannot run: {command!r}"
        assert README_PORT in command, command
        expected = int(m.group(1)) if (m := re.match(r"(\d{3})\b", comment)) else 200
        run = command.replace(README_PORT, address) + " -sS -o response.out -D headers.out -w '%{http_code}'"
        done = _bash(run, workdir, env=env, timeout=120)
        body = (workdir / "response.out").read_text(encoding="utf-8", errors="replace")
        assert done.returncode == 0, f"{command}\n{done.stderr}"
        assert done.stdout == str(expected), f"{command}\nHTTP {done.stdout}, expected {expected}\n{body[:2000]}"
        if "Location" in comment:
            assert re.search(r"^Location: \S+", (workdir / "headers.out").read_text(), re.M | re.I), command
        statuses.append(int(done.stdout))
    assert statuses and "TOKEN" in env
    # The run the README starts finishes (its result is what the last line shows).
    import json

    last = re.search(r"/api/v1/cohort-runs/(\d+)$", _api_lines()[-1][0])  # the run the block shows last
    assert last, _api_lines()[-1]
    for _ in range(240):
        done = _bash(f"curl -sS -H 'Authorization: Bearer {token}' http://{address}/api/v1/cohort-runs/{last[1]}", workdir)
        run = json.loads(done.stdout)
        if run["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert run["status"] == "done", run


def test_urls_in_the_text_answer(server):
    import urllib.request

    address, _ = server
    urls = sorted(set(re.findall(rf"http://{re.escape(README_PORT)}(/[^\s)`'\"]*)", re.sub(r"^```.*?^```", "", SECTION, flags=re.S | re.M))))
    assert "/signin" in urls and "/api/v1/swagger" in urls
    for path in urls + ["/api/v1/openapi.json"]:
        with urllib.request.urlopen(f"http://{address}{path}", timeout=30) as resp:
            assert resp.status == 200, path


# ---- the Python snippet ------------------------------------------------------------------------


def test_python_snippet(workdir):
    tree = ast.parse("\n".join(PYTHON.lines))
    last = tree.body[-1]
    assert isinstance(last, ast.Expr), "the snippet should end with an expression that shows something"
    tree.body[-1] = ast.Expr(ast.Call(ast.Name("print", ast.Load()), [ast.Call(ast.Name("repr", ast.Load()), [last.value], [])], []))
    code = ast.unparse(ast.fix_missing_locations(tree))
    done = subprocess.run([sys.executable, "-c", code], cwd=workdir, env=_env(), capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    value = done.stdout.strip()
    assert value not in ("", "()", "[]", "None"), value
