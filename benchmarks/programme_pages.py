"""Page time of the coordinator's programme pages on 10,000 teachers x 3 published rounds of check-ins.

Builds a throwaway SQLite instance (schools, 10,000 synthetic teachers from
``matcher.samples.generate_teachers``, a coordinator), three rounds of the 2026-27 school
year (the years the shipped term dates cover), one published run per round and simulated
check-ins and questionnaire answers, then times ``GET /programme/health``,
``GET /api/v1/programme/health``, ``/programme/report`` and ``/api/v1/programme/report``
through Flask's test client in this process: the server's own time per request (wall and
CPU), no network, no gunicorn. For each route it prints: the first view with the services'
kept results emptied (as after a restart; imports stay loaded, and the first page also pays
matplotlib's first drawing), p50 / p95 of ``--requests`` repeat views with nothing changed
(warm), and p50 / p95 / max of ``--changes`` views each right after one answer changed (the
view a coordinator opens right after teachers answer: a check-in for health, a questionnaire
for the report), and the machine's load average. Before timing, what the process has loaded
is frozen out of full garbage collections, as the service's gunicorn workers do.

Everything below is **simulated** and labelled so: the groups are consecutive teachers after
sorting by first free slot (so most groups share a slot and get proposed meetings; not the
solver's groups, which would take minutes to form), and the check-ins are random: each member
answers each passed meeting with probability 0.6, a group meets with probability 0.7 (some
members still say no), usefulness 1-5 uniform, "not a good fit" with probability 0.01. Each
member answers a round's questionnaire before with probability 0.7 and after with 0.5 (their
own challenges, isolation and connection; ratings 1-5, after = before moved -1 to +2 steps). The
clock is fixed at 9 July 2027 (late in the summer round) so that all three rounds have
meetings behind them.

Usage::

    .venv/bin/python benchmarks/programme_pages.py [--teachers 10000] [--requests 30] [--size 5]

PostgreSQL: set ``--database-url postgresql://...`` (an empty database) to run the same on it.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2027, 7, 9, 12, 0, tzinfo=timezone.utc)
ROUNDS = (("Autumn 2026", date(2026, 9, 7), date(2026, 12, 18)), ("Spring 2027", date(2027, 1, 4), date(2027, 3, 25)), ("Summer 2027", date(2027, 4, 12), date(2027, 7, 16)))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build(url: str, folder: Path, n: int, size: int, seed: int) -> tuple[object, str, dict[str, float]]:
    """The app, a coordinator token, and how long each step of seeding took."""
    import sqlalchemy as sa

    from matcher.cohorts import Grouping
    from matcher.samples.generate import generate_teachers
    from service import create_app, db
    from service.models import CheckIn, CohortRun, QuestionnaireResponse, Round, Teacher
    from service.services import accounts, group_meetings, reference
    from service.services.teachers import apply_profile

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-secret", "INSTANCE_PATH": str(folder), "PEERMATCH_MAIL_WORKER": "off"})
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    profiles = generate_teachers(n, seed=seed)
    with app.app_context(), db.new_session(app) as s:
        reference.load_schools_into(s)
        programme = accounts.get_or_create_programme(s, "Benchmark (simulated)")
        for p in profiles:
            t = Teacher(id=p.id, programme_id=programme.id)
            apply_profile(t, p)
            s.add(t)
        s.flush()
        user = accounts.create_user(s, "coordinator", "coordinator", programme)
        token = accounts.create_token(s, user, name="benchmark")
        pid = programme.id
    timings["store teachers"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows: list[dict[str, object]] = []
    answers: list[dict[str, object]] = []
    with app.app_context(), db.new_session(app) as s:
        teachers = {t.id: t for t in s.execute(sa.select(Teacher).where(Teacher.programme_id == pid)).scalars()}
        for k, (name, starts, ends) in enumerate(ROUNDS):
            ids = sorted(teachers, key=lambda t: (teachers[t].availability[:1], rng.random()))
            ids = ids[k:] + ids[:k]  # another grouping each round (simulated, not the solver's)
            groups = tuple(tuple(ids[i : i + size]) for i in range(0, len(ids) - len(ids) % size, size))
            rnd = Round(programme_id=pid, name=name, starts=starts, ends=ends, cadence_weeks=3)
            s.add(rnd)
            s.flush()
            run = CohortRun(programme_id=pid, status="done", params={"size_min": size - 1, "size_max": size + 1, "simulated": True},
                            result=Grouping(groups=groups, size=(size - 1, size + 1)).to_dict(), round_id=rnd.id, published_at=datetime.combine(starts, datetime.min.time(), timezone.utc))
            s.add(run)
            s.flush()
            for number, members in enumerate(groups, start=1):
                plan = group_meetings.plan([teachers[t] for t in members], rnd, run.published_at)
                for m in plan.meetings:
                    if m.start + timedelta(days=1) > NOW:  # answered the day after, before "now"
                        continue
                    meets = rng.random() < 0.7
                    for t in members:
                        if rng.random() >= 0.6:
                            continue
                        met = "yes" if meets and rng.random() < 0.9 else rng.choice(("no", "rescheduled"))
                        at = m.start.astimezone(timezone.utc) + timedelta(days=1)
                        rows.append({
                            "programme_id": pid, "teacher_id": t, "run_id": run.id, "round_id": rnd.id, "group_number": number, "meeting_start": m.start.astimezone(timezone.utc),
                            "met": met, "useful": rng.randint(1, 5) if met == "yes" else None, "tried": None, "not_a_good_fit": rng.random() < 0.01,
                            "created_at": at, "updated_at": at,
                        })
            for members in groups:
                for t in members:
                    answers.extend(_questionnaire(rng, pid, t, rnd, teachers[t].challenges))
        s.execute(sa.insert(CheckIn), rows)
        s.execute(sa.insert(QuestionnaireResponse), answers)
    timings["simulate 3 rounds of check-ins and questionnaires"] = time.perf_counter() - t0
    log(f"seeded {n} teachers, 3 published rounds of groups of {size}, {len(rows)} simulated check-ins, {len(answers)} simulated questionnaire responses")
    return app, token, timings


def _questionnaire(rng: random.Random, pid: int, teacher: str, rnd: object, challenges: list[str]) -> list[dict[str, object]]:
    """A member's simulated before/after questionnaires of a round: before with probability 0.7,
    after with probability 0.5; ratings 1-5, after = before + a step of -1, 0, +1 or +2 (clipped)."""
    keys = [*challenges, "isolation", "connection"]
    before = {k: rng.randint(1, 5) for k in keys}
    out: list[dict[str, object]] = []
    for phase, p, day in (("before", 0.7, rnd.starts), ("after", 0.5, rnd.ends)):  # type: ignore[attr-defined]
        if rng.random() >= p:
            continue
        step = (lambda k: -rng.choice((-1, 0, 1, 2)) if k == "isolation" else rng.choice((-1, 0, 1, 2))) if phase == "after" else (lambda k: 0)
        ratings = {k: min(5, max(1, v + step(k))) for k, v in before.items()}
        at = min(datetime.combine(day, datetime.min.time(), timezone.utc), NOW - timedelta(days=1))
        out.append({"programme_id": pid, "teacher_id": teacher, "round_id": rnd.id, "phase": phase, "answers": ratings, "created_at": at, "updated_at": at})  # type: ignore[attr-defined]
    return out


def forget(app: object) -> None:
    """Empty what the services keep between requests (as a restart does; imports stay loaded)."""
    from service.services import health

    for cache in (health._CACHE, health._GROUPINGS, health._HEALTH):
        cache.clear()
    for key in [k for k in app.extensions if k.startswith("peermatch.outcomes_report")]:  # type: ignore[attr-defined]
        app.extensions.pop(key)  # type: ignore[attr-defined]


def measure(client: object, path: str, headers: dict[str, str], requests: int) -> dict[str, float] | None:
    times, cpu = [], []
    for _ in range(requests + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        resp = client.get(path, headers=headers)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if resp.status_code != 200:
            raise SystemExit(f"{path}: HTTP {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
    cold, warm, warm_cpu = times[0], sorted(times[1:]), sorted(cpu[1:])
    return {
        "cold": cold, "p50": statistics.median(warm), "p95": _p95(warm), "max": warm[-1],
        "cold_cpu": cpu[0], "p50_cpu": statistics.median(warm_cpu), "p95_cpu": _p95(warm_cpu),
    }


def _p95(sorted_times: list[float]) -> float:
    return sorted_times[max(0, int(round(0.95 * len(sorted_times))) - 1)]


def measure_after_change(app: object, client: object, path: str, headers: dict[str, str], changes: int, start: int) -> dict[str, float]:
    """Each request right after a change the route depends on (its kept answer is then stale):
    for health, a member edits one of their check-ins of the current round; for the report, a
    member edits their questionnaire answers of the current round (``updated_at`` now, as the
    service writes it)."""
    import sqlalchemy as sa

    from service import db
    from service.models import CheckIn, QuestionnaireResponse

    times, cpu = [], []
    for k in range(changes):
        at = NOW - timedelta(minutes=30) + timedelta(seconds=start + k)  # later than any seeded answer
        with db.new_session(app) as s:  # type: ignore[arg-type]
            if "health" in path:
                last = s.execute(sa.select(sa.func.max(CheckIn.id))).scalar_one()
                s.execute(sa.update(CheckIn).where(CheckIn.id == last - start - k).values(useful=1 + k % 5, met="yes", updated_at=at))
            else:
                last = s.execute(sa.select(sa.func.max(QuestionnaireResponse.id))).scalar_one()
                row = s.get(QuestionnaireResponse, last - start - k)
                assert row is not None
                row.answers = {key: 1 + (value + k) % 5 for key, value in row.answers.items()}
                row.updated_at = at
        t0, c0 = time.perf_counter(), time.process_time()
        resp = client.get(path, headers=headers)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if resp.status_code != 200:
            raise SystemExit(f"{path}: HTTP {resp.status_code}")
    times.sort()
    cpu.sort()
    return {"p50": statistics.median(times), "p95": _p95(times), "max": times[-1], "p50_cpu": statistics.median(cpu), "p95_cpu": _p95(cpu), "max_cpu": cpu[-1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teachers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--size", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--changes", type=int, default=10, help="requests timed right after an answer changes (default 10)")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    from service import db
    from service.services import health

    health.utcnow = lambda: NOW  # type: ignore[assignment]  # the fixed clock (see the module's description)
    with tempfile.TemporaryDirectory(prefix="pm-bench-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'peermatch.sqlite3'}"
        app, token, timings = build(url, folder, args.teachers, args.size, args.seed)
        for step, seconds in timings.items():
            log(f"{step}: {seconds:.1f} s")
        gc.collect()
        gc.freeze()  # as each gunicorn worker does once the app is loaded (service/gunicorn_conf.py)
        client = app.test_client()  # type: ignore[attr-defined]
        headers = {"Authorization": f"Bearer {token}"}
        routes = {r.rule for r in app.url_map.iter_rules()}  # type: ignore[attr-defined]
        log(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before timing")
        print(f"{args.teachers} teachers x 3 rounds (simulated); times are wall / CPU in ms; first = the first view in this process (as after a restart);")
        print(f"warm = {args.requests} repeat views, nothing changed; after a change = {args.changes} views each right after one answer changed (health: a check-in; report: a questionnaire)")
        print(f"{'route':28s} {'first':>11s}   {'warm p50':>11s} {'warm p95':>11s}   {'change p50':>11s} {'change p95':>11s} {'change max':>11s}")
        for index, path in enumerate(("/programme/health", "/api/v1/programme/health", "/programme/report", "/api/v1/programme/report")):
            if path not in routes:
                print(f"{path:28s} not in this app (skipped)")
                continue
            forget(app)
            r = measure(client, path, headers, args.requests)
            assert r is not None
            c = measure_after_change(app, client, path, headers, args.changes, 100 * index)
            pair = lambda wall, cpu: f"{wall * 1000:5.0f}/{cpu * 1000:<5.0f}"  # noqa: E731
            print(
                f"{path:28s} {pair(r['cold'], r['cold_cpu'])}   {pair(r['p50'], r['p50_cpu'])} {pair(r['p95'], r['p95_cpu'])}   "
                f"{pair(c['p50'], c['p50_cpu'])} {pair(c['p95'], c['p95_cpu'])} {pair(c['max'], c['max_cpu'])}"
            )
        print(f"load average after the run: {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min) on {os.cpu_count()} cores (wall times stretch with it; CPU time much less)")
        db.engine(app).dispose()  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
