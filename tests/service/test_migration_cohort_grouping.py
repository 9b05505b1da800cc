"""Migration 0007: stored cohort runs in the old format become ``Grouping`` records (and back)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from service import db
from service.models import CohortRun, Programme

from .conftest import TEACHERS


def test_old_runs_are_converted_to_groupings_and_back(app):
    ids = TEACHERS["north"]
    old = {
        "groups": [{"index": i, "id": i + 1, "members": ids[4 * i : 4 * i + 4], "names": ["Sam Lee"] * 4, "reasons": ["Sam helps."], "approved": i == 1} for i in range(3)],
        "figures": {"seed": 5, "seconds": 1.25, "mean_affinity": 0.3},
        "unplaced": [],
        "violations": [],
    }
    with db.new_session(app) as s:
        pid = s.execute(sa.select(Programme.id).where(Programme.name == "north")).scalar_one()
        run = CohortRun(programme_id=pid, status="done", params={"size_min": 3, "size_max": 5, "keep_apart": [[ids[0], ids[5]]]}, result=old)
        s.add(run)
        s.flush()
        run_id = run.id
    eng = db.engine(app)
    with db.migration_connection(eng) as conn:
        cfg = db._alembic_config(conn)
        before = ScriptDirectory.from_config(cfg).get_revision("0007").down_revision  # wherever the chain puts it
        command.downgrade(cfg, before)
    with db.migration_connection(eng) as conn:
        command.upgrade(db._alembic_config(conn), "head")
    with db.new_session(app) as s:
        stored = s.execute(sa.select(CohortRun.result).where(CohortRun.id == run_id)).scalar_one()
    assert stored["schema_version"] == 2 and stored["groups"] == [ids[0:4], ids[4:8], ids[8:12]]
    assert stored["approved"] == [1] and stored["size"] == [3, 5] and stored["keep_apart"] == [[ids[0], ids[5]]] and stored["seed"] == 5
    assert "Sam" not in str(stored)
    with db.migration_connection(eng) as conn:
        command.downgrade(db._alembic_config(conn), before)
    with db.new_session(app) as s:
        back = s.execute(sa.select(CohortRun.result).where(CohortRun.id == run_id)).scalar_one()  # columns of later revisions are gone
    assert [g["members"] for g in back["groups"]] == [ids[0:4], ids[4:8], ids[8:12]] and [g["approved"] for g in back["groups"]] == [False, True, False]
    with db.migration_connection(eng) as conn:
        command.upgrade(db._alembic_config(conn), "head")
    assert db.is_at_head(eng)
