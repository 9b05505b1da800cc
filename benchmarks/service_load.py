"""Load benchmark of the service: gunicorn (2 workers) + 10,000 teachers, measured with wrk.

Builds a throwaway instance (SQLite file in a temporary folder), loads the schools and
10,000 synthetic teachers (``matcher.samples.generate_teachers``), stores every teacher's
peer suggestions (``peermatch suggestions refresh``), starts gunicorn on 127.0.0.1, and
runs wrk against ``GET /health`` and ``GET /api/v1/teachers/{id}/peers`` (a random
teacher per request, with a coordinator's Bearer token). Each wrk run is bounded in time;
gunicorn is stopped at the end. Prints requests per second and latency percentiles.

The peers endpoint is measured twice: with a random teacher out of all 10,000 per request
(mostly answered from the stored, rendered lists: one read by primary key), and with a
busy set of 500 teachers (answered from the workers' in-process caches). A last column
gives the server's CPU time per request (gunicorn master and workers), which does not
depend on what else runs on the machine.

Usage::

    .venv/bin/python benchmarks/service_load.py [--teachers 10000] [--seconds 15] [--connections 16]

Needs ``wrk`` (Debian package ``wrk``; installed with apt-get when missing and root).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0:
        log("installing wrk with apt-get ...")
        subprocess.run(["apt-get", "update", "-qq"], check=False, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        path = shutil.which("wrk")
    if not path:
        sys.exit("wrk is not installed (apt-get install wrk)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_instance(folder: Path, n: int, seed: int) -> tuple[dict, str, list[str], dict]:
    """Database with schools, ``n`` teachers, a coordinator token and stored suggestions."""
    from matcher.samples.generate import generate_teachers
    from service import create_app, db
    from service.models import Teacher
    from service.services import accounts, peers, reference
    from service.services.teachers import apply_profile

    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'peermatch.sqlite3'}",
        "SECRET_KEY": "benchmark-secret",
        "PEERMATCH_INSTANCE_PATH": str(folder),
        "PEERMATCH_AUTO_MIGRATE": "0",
    }
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "SECRET_KEY": env["SECRET_KEY"], "INSTANCE_PATH": str(folder)})
    timings = {}
    t0 = time.perf_counter()
    profiles = generate_teachers(n, seed=seed)
    timings["generate teachers"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with app.app_context(), db.new_session(app) as s:
        reference.load_schools_into(s)
        programme = accounts.get_or_create_programme(s, "Load test")
        for p in profiles:
            t = Teacher(id=p.id, programme_id=programme.id)
            apply_profile(t, p)
            s.add(t)
        s.flush()
        user = accounts.create_user(s, "coordinator", "coordinator", programme)
        token = accounts.create_token(s, user, name="benchmark")
        programme_id = programme.id
    timings["store teachers"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with app.test_request_context(), db.new_session(app) as s:
        peers.refresh_programme(s, programme_id)
    timings["compute + store suggestions"] = time.perf_counter() - t0
    db.engine(app).dispose()
    return env, token, [p.id for p in profiles], timings


LUA = """
local ids = {%s}
local token = "%s"
math.randomseed(%d)
request = function()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", "/api/v1/teachers/" .. id .. "/peers", {["Authorization"] = "Bearer " .. token})
end
"""


def run_wrk(wrk: str, url: str, seconds: int, connections: int, threads: int, script: Path | None = None, master: int | None = None) -> dict:
    before = server_cpu_seconds(master) if master else 0.0
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "raw": out}
    cpu = server_cpu_seconds(master) - before if master else float("nan")
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        result[f"p{pct}"] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    m = re.search(r"(\d+) requests in", out)
    result["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["errors"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", out)
    result["socket_errors"] = m.group(1).strip() if m else ""
    result["cpu_ms"] = 1000 * cpu / result["requests"] if result["requests"] else float("nan")
    return result


def server_cpu_seconds(master: int) -> float:
    """CPU time (user + system) used so far by the gunicorn master and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wait_ready(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/ready", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teachers", type=int, default=10_000)
    ap.add_argument("--seconds", type=int, default=15, help="length of each wrk run")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--worker-class", default="gthread", choices=("gthread", "sync"))
    ap.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--hot", type=int, default=500, help="size of the busy set of teachers (answers cached in the workers)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="peermatch-load-") as tmp:
        folder = Path(tmp)
        log(f"building an instance with {args.teachers} teachers in {folder} ...")
        env, token, ids, timings = build_instance(folder, args.teachers, args.seed)
        for name, secs in timings.items():
            log(f"  {name}: {secs:.1f} s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        cmd = [str(BIN / "gunicorn"), "--workers", str(args.workers), "--worker-class", args.worker_class, "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
        if args.worker_class == "gthread":
            cmd += ["--threads", str(args.threads)]
        server = subprocess.Popen(cmd + ["service:create_app()"], cwd=ROOT, env={**os.environ, **env}, start_new_session=True)
        results = {}
        try:
            wait_ready(base)
            load = os.getloadavg()
            everyone, hot = folder / "peers-all.lua", folder / "peers-hot.lua"
            everyone.write_text(LUA % (",".join(f'"{i}"' for i in ids), token, args.seed), encoding="utf-8")
            hot.write_text(LUA % (",".join(f'"{i}"' for i in ids[: args.hot]), token, args.seed), encoding="utf-8")
            log(f"wrk: /health for {args.seconds} s ...")
            results["GET /health"] = run_wrk(wrk, base + "/health", args.seconds, args.connections, args.wrk_threads, master=server.pid)
            log(f"wrk: /api/v1/teachers/{{id}}/peers, any of {len(ids)} teachers, {args.seconds} s ...")
            results[f"GET /teachers/{{id}}/peers, any of {len(ids):,} teachers"] = run_wrk(
                wrk, base, args.seconds, args.connections, args.wrk_threads, everyone, master=server.pid
            )
            log(f"wrk: /api/v1/teachers/{{id}}/peers, {args.hot} busy teachers, {args.seconds} s ...")
            results[f"GET /teachers/{{id}}/peers, {args.hot} busy teachers"] = run_wrk(
                wrk, base, args.seconds, args.connections, args.wrk_threads, hot, master=server.pid
            )
            with urllib.request.urlopen(urllib.request.Request(base + f"/api/v1/teachers/{ids[0]}/peers", headers={"Authorization": f"Bearer {token}"})) as resp:
                sample = json.loads(resp.read())
            assert sample["suggestions"], "the peers endpoint answered without suggestions"
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    print()
    print(f"Service load: {args.teachers} teachers, gunicorn {args.workers} workers ({args.worker_class}"
          f"{f', {args.threads} threads' if args.worker_class == 'gthread' else ''}), SQLite, "
          f"wrk {args.connections} connections x {args.seconds} s on 127.0.0.1, {os.cpu_count()} cores shared by all; "
          f"load average before the runs {load[0]:.1f} (anything above ~1 means other work competed for the cores)")
    print()
    print("| endpoint | req/s | p50 ms | p75 ms | p90 ms | p99 ms | requests | non-2xx | server CPU ms/req |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p75']:.2f} | {r['p90']:.2f} | {r['p99']:.2f} "
            f"| {r['requests']:,} | {r['errors']} | {r['cpu_ms']:.2f} |"
        )
    peers = results[f"GET /teachers/{{id}}/peers, any of {len(ids):,} teachers"]
    ok = peers["rps"] >= 1000 and peers["p99"] <= 50 and peers["errors"] == 0
    print()
    print(f"target on peers (any teacher): >= 1,000 req/s and p99 <= 50 ms: {'met' if ok else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps({k: {x: y for x, y in v.items() if x != 'raw'} for k, v in results.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
