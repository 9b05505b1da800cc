"""teacher ids are per programme: teachers are keyed by (programme_id, id)

``teachers.id`` was the global primary key, so one programme's teacher "t-001" kept
every other programme from using that id, and the refusal told them it existed. The key
is now (``programme_id``, ``id``); every table naming a teacher stores the programme too
(``suggestions``, ``peer_lists``, ``consent_decisions`` and ``mail_preferences`` get a
``programme_id`` column, filled from the teacher) and refers to the teacher with a
composite foreign key. ``users`` (one teacher account per teacher of a programme) has no
ON DELETE action any more: SET NULL would clear its ``programme_id`` too, and erasure
deletes the account before the teacher.

On SQLite the tables are rebuilt (batch mode); ``service.db.migration_connection`` runs
migrations with foreign keys off, so dropping the old tables deletes nothing.

Downgrade makes ids global again, which fails (and changes nothing) when two programmes
use the same id.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_TEACHER = ["teachers.programme_id", "teachers.id"]
# Tables that gain a programme_id column, and their teacher-naming columns.
_NEW_COLUMN = {"suggestions": ("teacher_id", "peer_id"), "consent_decisions": ("teacher_id", "peer_id"), "peer_lists": ("teacher_id",), "mail_preferences": ("teacher_id",)}


def _check_sqlite_foreign_keys_off() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("migration 0011 rebuilds tables: run it with foreign keys off (service.db.migration_connection does)")


def upgrade() -> None:
    _check_sqlite_foreign_keys_off()
    # 1. Children let go of teachers.id (and of keys that assume ids are global).
    with op.batch_alter_table("users") as b:
        b.drop_constraint("fk_users_teacher_id_teachers", type_="foreignkey")
        b.drop_constraint("uq_users_teacher_id", type_="unique")
    with op.batch_alter_table("outbox_messages") as b:
        b.drop_constraint("fk_outbox_messages_teacher_id_teachers", type_="foreignkey")
    for table in ("suggestions", "consent_decisions"):
        with op.batch_alter_table(table) as b:
            b.drop_constraint(f"fk_{table}_teacher_id_teachers", type_="foreignkey")
            b.drop_constraint(f"fk_{table}_peer_id_teachers", type_="foreignkey")
            b.drop_constraint(f"uq_{table}_pair", type_="unique")
            b.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
    for table in ("peer_lists", "mail_preferences"):
        with op.batch_alter_table(table) as b:
            b.drop_constraint(f"fk_{table}_teacher_id_teachers", type_="foreignkey")
            b.drop_constraint(f"pk_{table}", type_="primary")
            b.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
    # 2. The programme of each row is its teacher's (ids are still unique here).
    for table in _NEW_COLUMN:
        op.execute(f"UPDATE {table} SET programme_id = (SELECT t.programme_id FROM teachers t WHERE t.id = {table}.teacher_id)")  # noqa: S608 (table names are constants)
        op.execute(f"DELETE FROM {table} WHERE programme_id IS NULL")  # rows of a teacher gone already (none with foreign keys on)  # noqa: S608
    for table in ("suggestions", "consent_decisions"):  # a pair across programmes cannot be kept (the service never stores one)
        op.execute(f"DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM teachers t WHERE t.id = {table}.peer_id AND t.programme_id = {table}.programme_id)")  # noqa: S608
    for table in ("users", "outbox_messages"):  # already had programme_id: a teacher of another programme is no teacher of theirs
        op.execute(
            f"UPDATE {table} SET teacher_id = NULL WHERE teacher_id IS NOT NULL AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM teachers t WHERE t.id = {table}.teacher_id AND t.programme_id = {table}.programme_id)"
        )
    # 3. The teachers' key.
    with op.batch_alter_table("teachers") as b:
        b.drop_constraint("pk_teachers", type_="primary")
        b.create_primary_key("pk_teachers", ["programme_id", "id"])
    # 4. Composite keys and foreign keys.
    with op.batch_alter_table("users") as b:
        b.create_unique_constraint("uq_users_teacher", ["programme_id", "teacher_id"])
        b.create_foreign_key("fk_users_teacher_teachers", "teachers", ["programme_id", "teacher_id"], ["programme_id", "id"])
    with op.batch_alter_table("outbox_messages") as b:
        b.create_foreign_key("fk_outbox_messages_teacher_teachers", "teachers", ["programme_id", "teacher_id"], ["programme_id", "id"], ondelete="CASCADE")
    for table in ("suggestions", "consent_decisions"):
        with op.batch_alter_table(table) as b:
            b.alter_column("programme_id", existing_type=sa.Integer(), nullable=False)
            b.create_unique_constraint(f"uq_{table}_pair", ["programme_id", "teacher_id", "peer_id"])
            b.create_foreign_key(f"fk_{table}_teacher_teachers", "teachers", ["programme_id", "teacher_id"], ["programme_id", "id"], ondelete="CASCADE")
            b.create_foreign_key(f"fk_{table}_peer_teachers", "teachers", ["programme_id", "peer_id"], ["programme_id", "id"], ondelete="CASCADE")
    for table in ("peer_lists", "mail_preferences"):
        with op.batch_alter_table(table) as b:
            b.alter_column("programme_id", existing_type=sa.Integer(), nullable=False)
            b.create_primary_key(f"pk_{table}", ["programme_id", "teacher_id"])
            b.create_foreign_key(f"fk_{table}_teacher_teachers", "teachers", ["programme_id", "teacher_id"], ["programme_id", "id"], ondelete="CASCADE")


def downgrade() -> None:
    _check_sqlite_foreign_keys_off()
    bind = op.get_bind()
    shared = bind.execute(sa.text("SELECT id FROM teachers GROUP BY id HAVING COUNT(*) > 1 ORDER BY id LIMIT 5")).scalars().all()
    if shared:
        raise RuntimeError(f"cannot make teacher ids global again: more than one programme uses {', '.join(shared)}")
    for table in ("peer_lists", "mail_preferences"):
        with op.batch_alter_table(table) as b:
            b.drop_constraint(f"fk_{table}_teacher_teachers", type_="foreignkey")
            b.drop_constraint(f"pk_{table}", type_="primary")
    for table in ("suggestions", "consent_decisions"):
        with op.batch_alter_table(table) as b:
            b.drop_constraint(f"fk_{table}_teacher_teachers", type_="foreignkey")
            b.drop_constraint(f"fk_{table}_peer_teachers", type_="foreignkey")
            b.drop_constraint(f"uq_{table}_pair", type_="unique")
    with op.batch_alter_table("outbox_messages") as b:
        b.drop_constraint("fk_outbox_messages_teacher_teachers", type_="foreignkey")
    with op.batch_alter_table("users") as b:
        b.drop_constraint("fk_users_teacher_teachers", type_="foreignkey")
        b.drop_constraint("uq_users_teacher", type_="unique")
    with op.batch_alter_table("teachers") as b:
        b.drop_constraint("pk_teachers", type_="primary")
        b.create_primary_key("pk_teachers", ["id"])
    with op.batch_alter_table("users") as b:
        b.create_unique_constraint("uq_users_teacher_id", ["teacher_id"])
        b.create_foreign_key("fk_users_teacher_id_teachers", "teachers", ["teacher_id"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("outbox_messages") as b:
        b.create_foreign_key("fk_outbox_messages_teacher_id_teachers", "teachers", ["teacher_id"], ["id"], ondelete="CASCADE")
    for table in ("suggestions", "consent_decisions"):
        with op.batch_alter_table(table) as b:
            b.drop_column("programme_id")
            b.create_unique_constraint(f"uq_{table}_pair", ["teacher_id", "peer_id"])
            b.create_foreign_key(f"fk_{table}_teacher_id_teachers", "teachers", ["teacher_id"], ["id"], ondelete="CASCADE")
            b.create_foreign_key(f"fk_{table}_peer_id_teachers", "teachers", ["peer_id"], ["id"], ondelete="CASCADE")
    for table in ("peer_lists", "mail_preferences"):
        with op.batch_alter_table(table) as b:
            b.drop_column("programme_id")
            b.create_primary_key(f"pk_{table}", ["teacher_id"])
            b.create_foreign_key(f"fk_{table}_teacher_id_teachers", "teachers", ["teacher_id"], ["id"], ondelete="CASCADE")
