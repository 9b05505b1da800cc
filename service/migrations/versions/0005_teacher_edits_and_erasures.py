"""teacher-edited fields and erasure records

``teachers.teacher_edited`` lists the fields a teacher changed themselves (a coordinator's
re-import keeps them); ``erasures`` keeps a keyed hash of each erased teacher's id and
email, so that no later import brings them back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('teachers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('teacher_edited', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    op.create_table('erasures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('teacher', 'email')", name=op.f('ck_erasures_kind')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_erasures_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasures')),
    sa.UniqueConstraint('digest', name=op.f('uq_erasures_digest'))
    )
    with op.batch_alter_table('erasures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasures_programme_id'), ['programme_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('erasures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasures_programme_id'))
    op.drop_table('erasures')
    with op.batch_alter_table('teachers', schema=None) as batch_op:
        batch_op.drop_column('teacher_edited')
