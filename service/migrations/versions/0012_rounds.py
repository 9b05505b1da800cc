"""rounds, round participation, groupmate history; a run's round and publication

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('ends', sa.Date(), nullable=False),
    sa.Column('cadence_weeks', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_rounds_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds')),
    sa.UniqueConstraint('programme_id', 'name', name='uq_rounds_programme_name')
    )
    op.create_index(op.f('ix_rounds_programme_id'), 'rounds', ['programme_id'], unique=False)
    op.create_table('round_participation',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('in', 'out', 'paused')", name=op.f('ck_round_participation_status')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_round_participation_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', 'teacher_id', name=op.f('pk_round_participation'))
    )
    op.create_table('groupmate_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('round_name', sa.String(length=100), nullable=False),
    sa.Column('teacher_a', sa.String(length=64), nullable=False),
    sa.Column('teacher_b', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('teacher_a < teacher_b', name=op.f('ck_groupmate_history_sorted')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_groupmate_history_programme_id_programmes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_groupmate_history_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groupmate_history')),
    sa.UniqueConstraint('programme_id', 'round_name', 'teacher_a', 'teacher_b', name='uq_groupmate_history_pair')
    )
    op.create_index(op.f('ix_groupmate_history_programme_id'), 'groupmate_history', ['programme_id'], unique=False)
    op.create_index(op.f('ix_groupmate_history_round_id'), 'groupmate_history', ['round_id'], unique=False)
    op.create_index(op.f('ix_groupmate_history_teacher_a'), 'groupmate_history', ['teacher_a'], unique=False)
    op.create_index(op.f('ix_groupmate_history_teacher_b'), 'groupmate_history', ['teacher_b'], unique=False)
    with op.batch_alter_table('cohort_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_cohort_runs_round_id'), ['round_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_cohort_runs_round_id_rounds'), 'rounds', ['round_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('cohort_runs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cohort_runs_round_id_rounds'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cohort_runs_round_id'))
        batch_op.drop_column('published_at')
        batch_op.drop_column('round_id')
    op.drop_index(op.f('ix_groupmate_history_teacher_b'), table_name='groupmate_history')
    op.drop_index(op.f('ix_groupmate_history_teacher_a'), table_name='groupmate_history')
    op.drop_index(op.f('ix_groupmate_history_round_id'), table_name='groupmate_history')
    op.drop_index(op.f('ix_groupmate_history_programme_id'), table_name='groupmate_history')
    op.drop_table('groupmate_history')
    op.drop_table('round_participation')
    op.drop_index(op.f('ix_rounds_programme_id'), table_name='rounds')
    op.drop_table('rounds')
