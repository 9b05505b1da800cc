"""check-ins, questionnaire responses, weight proposals

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('questionnaire_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.String(length=64), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("phase IN ('before', 'after')", name=op.f('ck_questionnaire_responses_phase')),
    sa.ForeignKeyConstraint(['programme_id', 'teacher_id'], ['teachers.programme_id', 'teachers.id'], name='fk_questionnaire_responses_teacher_teachers', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_questionnaire_responses_programme_id_programmes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_questionnaire_responses_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_responses')),
    sa.UniqueConstraint('programme_id', 'teacher_id', 'round_id', 'phase', name='uq_questionnaire_responses_phase')
    )
    with op.batch_alter_table('questionnaire_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_responses_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_responses_round_id'), ['round_id'], unique=False)

    op.create_table('weight_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('learned', sa.JSON(), nullable=False),
    sa.Column('current', sa.JSON(), nullable=False),
    sa.Column('learned_score', sa.Double(), nullable=False),
    sa.Column('current_score', sa.Double(), nullable=False),
    sa.Column('metric', sa.String(length=100), nullable=False),
    sa.Column('n_answers', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('proposed', 'accepted', 'refused')", name=op.f('ck_weight_proposals_status')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_weight_proposals_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_weight_proposals_programme_id_programmes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_weight_proposals_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weight_proposals'))
    )
    with op.batch_alter_table('weight_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weight_proposals_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_weight_proposals_round_id'), ['round_id'], unique=False)

    op.create_table('check_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('group_number', sa.Integer(), nullable=False),
    sa.Column('meeting_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('met', sa.String(length=12), nullable=False),
    sa.Column('useful', sa.Integer(), nullable=True),
    sa.Column('tried', sa.Text(), nullable=True),
    sa.Column('not_a_good_fit', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("met IN ('yes', 'no', 'rescheduled')", name=op.f('ck_check_ins_met')),
    sa.CheckConstraint('useful IS NULL OR (useful >= 1 AND useful <= 5)', name=op.f('ck_check_ins_useful')),
    sa.ForeignKeyConstraint(['programme_id', 'teacher_id'], ['teachers.programme_id', 'teachers.id'], name='fk_check_ins_teacher_teachers', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_check_ins_programme_id_programmes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_check_ins_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['cohort_runs.id'], name=op.f('fk_check_ins_run_id_cohort_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins')),
    sa.UniqueConstraint('programme_id', 'teacher_id', 'run_id', 'meeting_start', name='uq_check_ins_meeting')
    )
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_ins_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_ins_round_id'), ['round_id'], unique=False)
        batch_op.create_index('ix_check_ins_run_group', ['run_id', 'group_number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index('ix_check_ins_run_group')
        batch_op.drop_index(batch_op.f('ix_check_ins_round_id'))
        batch_op.drop_index(batch_op.f('ix_check_ins_programme_id'))

    op.drop_table('check_ins')
    with op.batch_alter_table('weight_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weight_proposals_round_id'))
        batch_op.drop_index(batch_op.f('ix_weight_proposals_programme_id'))

    op.drop_table('weight_proposals')
    with op.batch_alter_table('questionnaire_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_responses_round_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_responses_programme_id'))

    op.drop_table('questionnaire_responses')
