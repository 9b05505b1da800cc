"""Service commands for ``peermatch`` (registered through the ``peermatch.commands`` entry point).

``peermatch init [--load-samples]`` prepares an instance (secret key, database, reference
data, demo accounts; with the samples, a demo round published: :mod:`service.cli_demo`); ``peermatch users create|deactivate|set-password`` and
``peermatch tokens create|list|revoke`` manage accounts and API tokens (:mod:`service.cli_accounts`);
``peermatch teachers import`` imports a teacher file (as the API does);
``peermatch suggestions refresh`` precomputes peer suggestions.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from flask import Flask
    from sqlalchemy import orm

    from service.models import Programme
    from service.problems import Problem

__all__ = ["register"]

#: Demo sign-ins saved for the person who ran ``peermatch init``: username -> entry
#: (``username``, ``password``, ``role``, ``teacher_id``, ``token``).
Credentials = dict[str, dict[str, str | None]]

DEFAULT_PROGRAMME = "Demo programme"
CREDENTIALS_FILE = "demo_credentials.json"


def _app() -> Flask:
    from service import create_app

    return create_app()


def _fail(message: str) -> int:
    print(f"peermatch: {message}", file=sys.stderr)
    return 1


def _problem_text(exc: Problem) -> str:
    text = exc.detail or exc.title
    for e in exc.errors[:20]:
        text += f"\n  - {e.get('field') or ''}: {e.get('message')} {e.get('value') or ''}".rstrip()
    return text


def _save_credentials(app: Flask, creds: Credentials) -> None:
    path = Path(app.instance_path) / CREDENTIALS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(creds, fh, indent=2)


def _load_credentials(app: Flask) -> Credentials:
    path = Path(app.instance_path) / CREDENTIALS_FILE
    if path.exists():
        creds: Credentials = json.loads(path.read_text(encoding="utf-8"))
        return creds
    return {}


def cmd_init(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from service import db
    from service.models import Teacher, User
    from service.problems import Problem
    from service.services import accounts, reference
    from service.services.common import bump_profiles
    from service.services.teachers import apply_profile

    app = _app()
    print(f"instance folder: {app.instance_path}")
    print(f"database: {db.engine(app).url.render_as_string(hide_password=True)} (migrated to the newest schema)")
    creds = _load_credentials(app)
    with app.app_context(), db.new_session(app) as s:
        added, changed = reference.load_schools_into(s)
        print(f"schools: {added} added, {changed} updated")
        added, changed = reference.load_practice_into(s)
        print(f"practice examples: {added} added, {changed} updated")
        programme = accounts.get_or_create_programme(s, args.programme)

        sample_ids: list[str] = []
        if args.load_samples:
            from matcher.profiles.io import parse_teachers_csv
            from matcher.places.schools import load_schools

            path = Path(args.samples)
            if not path.exists():
                return _fail(f"{path}: sample teachers not found (make samples writes them)")
            report = parse_teachers_csv(path.read_text(encoding="utf-8-sig"), schools=load_schools())
            if report.issues:
                return _fail(f"{path}: {report.to_text()}")
            from service.services.erasures import erased_ids

            # Teachers erased at their request stay erased: no profile, no demo sign-in.
            erased = erased_ids(s, programme.id, report.profiles)
            existing = set(s.execute(sa.select(Teacher.id).where(Teacher.programme_id == programme.id)).scalars())
            new = 0
            for profile in report.profiles:
                if profile.id not in existing and profile.id not in erased:
                    t = Teacher(id=profile.id, programme_id=programme.id)
                    apply_profile(t, profile)
                    s.add(t)
                    new += 1
            s.flush()
            if new:
                bump_profiles(s, programme.id)
            sample_ids = [p.id for p in report.profiles if p.id not in erased]
            # Their saved demo sign-in is forgotten too (the account itself went with the erasure).
            creds = {name: entry for name, entry in creds.items() if entry.get("teacher_id") not in erased}
            skipped = f", {len(erased)} skipped (erased at the teacher's request)" if erased else ""
            print(f"sample teachers: {new} added, {len(report.profiles) - new - len(erased)} already present{skipped} (programme {programme.name!r})")

        def ensure(username: str, role: str, teacher_id: str | None = None, token: bool = False) -> None:
            user = s.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
            if user is None:
                password = secrets.token_urlsafe(9)
                try:
                    user = accounts.create_user(s, username, role, programme, password=password, teacher_id=teacher_id)
                except Problem as exc:
                    print(f"  could not create {username}: {_problem_text(exc)}", file=sys.stderr)
                    return
                entry: dict[str, str | None] = {"username": username, "password": password, "role": role, "teacher_id": teacher_id}
                if token:
                    entry["token"] = accounts.create_token(s, user, name="demo")
                creds[username] = entry

        ensure("coordinator", "coordinator", token=True)
        if args.load_samples:
            ensure("analyst", "analyst", token=True)
            for n, tid in enumerate(_demo_teachers(app, s, programme.id, sample_ids), start=1):
                ensure(f"teacher{n}", "teacher", teacher_id=tid, token=True)
        s.flush()
        programme_id = programme.id
    if args.load_samples:
        # Its own transaction: suggestions are stored in a separate one, which must not
        # wait for the teachers' (SQLite has one writer at a time).
        with app.app_context(), db.new_session(app) as s:
            _refresh(app, s, programme_id, force=False)
    _save_credentials(app, creds)
    if args.warm_up:
        _warm_up()
    base = _base_url(args.host, args.port)
    if args.load_samples and args.demo_round:
        from datetime import UTC, datetime

        from service.cli_demo import run_demo

        run_demo(app, programme_id, creds, today=args.today or datetime.now(UTC).date(), base=base)
        _save_credentials(app, creds)
    print()
    print(f"Demo accounts (also in {Path(app.instance_path) / CREDENTIALS_FILE}, readable by you only);")
    print(f"sign in at {base}/signin once the server runs:")
    for entry in creds.values():
        extra = f" -> teacher {entry['teacher_id']}" if entry.get("teacher_id") else ""
        print(f"  {entry['role']:<11} sign in as {entry['username']!r} with password {entry['password']!r}{extra}")
    coordinator = creds.get("coordinator", {})
    if coordinator.get("token"):
        print()
        print(f"Coordinator API token: {coordinator['token']}")
        print(f"  try: curl -H 'Authorization: Bearer <token>' {base}/api/v1/teachers")
        print(f"  API docs: {base}/api/v1/swagger")
    return 0


def _iso_date(text: str) -> date:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-11-02, got {text!r}") from None


def _base_url(host: str, port: int) -> str:
    """The URL to print for a server bound to ``host:port`` (a wildcard bind is reached on localhost)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    return f"http://{host}:{port}"


def _warm_up() -> None:
    """Compile the cohort engine's kernels now (numba caches them), not in the first run."""
    try:
        from matcher.cohorts.warmup import warm_up
    except ImportError as exc:  # numba missing: the service's cohort runs will say so
        print(f"cohort engine: not compiled ({exc})")
        return
    print("cohort engine: preparing its compiled kernels (compiling them the first time takes a minute or two) ...", flush=True)
    print(f"cohort engine: ready in {warm_up():.1f} s")


def _demo_teachers(app: Flask, s: orm.Session, programme_id: int, sample_ids: list[str]) -> list[str]:
    """Two sample teachers who appear in each other's suggestions when possible (to try mutual consent)."""
    if not sample_ids:
        return []
    try:
        from service.services import peers

        with app.test_request_context():
            first = sample_ids[0]
            for suggestion in peers.compute_for(s, programme_id, first):
                back = [x.peer_id for x in peers.compute_for(s, programme_id, suggestion.peer_id)]
                if first in back:
                    return [first, suggestion.peer_id]
    except (ImportError, ModuleNotFoundError):
        pass
    return sample_ids[:2]


def _refresh(app: Flask, s: orm.Session, programme_id: int, force: bool = True) -> None:
    import time

    from service.services import peers

    start = time.perf_counter()
    try:
        with app.test_request_context():
            n = peers.refresh_programme(s, programme_id, force=force)
    except ImportError as exc:
        print(f"peer suggestions: not computed ({exc}); they will be computed on first request")
        return
    if n:
        print(f"peer suggestions: stored for {n} teachers in {time.perf_counter() - start:.1f} s")
    else:
        print("peer suggestions: up to date")


def cmd_teachers_import(args: argparse.Namespace) -> int:
    from service import db
    from service.auth import Identity
    from service.problems import Problem
    from service.services import accounts, teacher_import

    path = Path(args.file)
    if not path.exists():
        return _fail(f"{path}: no such file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return _fail(f"{path}, line {line}: not UTF-8 text; in your spreadsheet use 'Save as: CSV UTF-8'")
    app = _app()
    with app.test_request_context():
        s = db.session()
        try:
            if args.create_programme:
                programme = accounts.get_or_create_programme(s, args.programme)
            else:
                found = _existing_programme(s, args.programme)
                if isinstance(found, str):
                    return _fail(found)
                programme = found
            # The command line acts as a coordinator of the programme (who runs it can read the database anyway).
            identity = Identity(user_id=0, username="peermatch-cli", role="coordinator", programme_id=programme.id, teacher_id=None, via="cli")
            fmt = "json" if path.suffix.lower() == ".json" else "csv"
            result = teacher_import.import_teachers(identity, text, fmt=fmt, overwrite_teacher_edits=args.overwrite_teacher_edits)
            s.commit()
        except Problem as exc:
            s.rollback()
            return _fail(f"{path}: {_problem_text(exc)}")
        finally:
            s.close()
    print(f"imported {result.total} teachers into {args.programme!r}: {result.created} new, {result.updated} updated")
    for message in result.lines():
        print(f"  {message}")
    return 0


def _existing_programme(s: orm.Session, name: str) -> Programme | str:
    """The programme called ``name``, or a message naming the known ones (a typo must not create a programme)."""
    import sqlalchemy as sa

    from service.models import Programme

    programme = s.execute(sa.select(Programme).where(Programme.name == name)).scalar_one_or_none()
    if programme is not None:
        return programme
    known = list(s.execute(sa.select(Programme.name).order_by(Programme.name)).scalars())
    listed = ", ".join(repr(n) for n in known) if known else "none yet ('peermatch init' makes one)"
    return f"no programme called {name!r}; known programmes: {listed}. Add --create-programme to create {name!r}"


def cmd_suggestions_refresh(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from service import db
    from service.models import Programme

    app = _app()
    with app.app_context(), db.new_session(app) as s:
        query = sa.select(Programme)
        if args.programme:
            query = query.where(Programme.name == args.programme)
        programmes = list(s.execute(query).scalars())
        if not programmes:
            return _fail(f"no programme called {args.programme!r}")
        for programme in programmes:
            print(f"{programme.name}:", end=" ")
            _refresh(app, s, programme.id)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the service's sub-commands to ``peermatch``."""
    p = sub.add_parser("init", help="prepare the service: secret key, database, reference data, demo accounts")
    p.add_argument("--load-samples", action="store_true", help="also load data/samples/teachers.csv and demo teacher accounts")
    p.add_argument("--samples", default="data/samples/teachers.csv", help="sample teachers file (default: %(default)s)")
    p.add_argument("--programme", default=DEFAULT_PROGRAMME, help="programme name (default: %(default)s)")
    p.add_argument("--host", default="127.0.0.1", help="host the server will listen on, for the URLs printed (default: %(default)s)")
    p.add_argument("--port", type=int, default=8000, help="port the server will listen on, for the URLs printed (default: %(default)s)")
    p.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                   help="skip compiling the cohort engine now (the first cohort run then compiles it)")
    p.add_argument("--no-demo-round", dest="demo_round", action="store_false",
                   help="with --load-samples, skip the demo round (a round for this term, generated and published)")
    p.add_argument("--today", type=_iso_date, default=None, help="the date the demo round is planned around (default: today)")
    p.set_defaults(func=cmd_init)
    from service.cli_accounts import register_accounts

    register_accounts(sub)

    teachers = sub.add_parser("teachers", help="teacher profiles").add_subparsers(dest="teachers_command", metavar="ACTION", required=True)
    p = teachers.add_parser("import", help="import a teacher CSV (or JSON) file: every row is stored, or none")
    p.add_argument("file")
    p.add_argument("--programme", default=DEFAULT_PROGRAMME, help="an existing programme (default: %(default)s)")
    p.add_argument("--create-programme", action="store_true", help="create the programme if there is none of that name (else an unknown name is refused)")
    p.add_argument(
        "--overwrite-teacher-edits",
        action="store_true",
        help="replace the values teachers changed themselves with the file's (their consent is never replaced)",
    )
    p.set_defaults(func=cmd_teachers_import)

    sugg = sub.add_parser("suggestions", help="peer suggestions").add_subparsers(dest="suggestions_command", metavar="ACTION", required=True)
    p = sugg.add_parser("refresh", help="compute and store peer suggestions for every teacher")
    p.add_argument("--programme", help="only this programme")
    p.set_defaults(func=cmd_suggestions_refresh)

    from service.mail.cli import register as register_mail

    register_mail(sub)
    from service.cli_outcomes import register as register_questionnaire

    register_questionnaire(sub)

    from service.cli_health import register_health

    register_health(sub)
