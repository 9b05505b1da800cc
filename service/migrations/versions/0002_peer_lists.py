"""rendered peer lists

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('peer_lists',
    sa.Column('teacher_id', sa.String(length=64), nullable=False),
    sa.Column('profiles_version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['teacher_id'], ['teachers.id'], name=op.f('fk_peer_lists_teacher_id_teachers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('teacher_id', name=op.f('pk_peer_lists'))
    )


def downgrade() -> None:
    op.drop_table('peer_lists')
