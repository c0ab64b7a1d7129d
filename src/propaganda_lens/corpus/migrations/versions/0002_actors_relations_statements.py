"""actors relations statements

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('actors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('mentions', sa.JSON(), nullable=False),
    sa.Column('techniques', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actors_analysis_id'), ['analysis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actors_name'), ['name'], unique=False)

    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('hedge', sa.JSON(), nullable=True),
    sa.Column('source', sa.JSON(), nullable=True),
    sa.Column('source_actor', sa.String(length=40), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_analysis_id'), ['analysis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_kind'), ['kind'], unique=False)

    op.create_table('relations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('source_actor_id', sa.Integer(), nullable=False),
    sa.Column('target_actor_id', sa.Integer(), nullable=False),
    sa.Column('polarity', sa.String(length=10), nullable=False),
    sa.Column('modality', sa.String(length=12), nullable=False),
    sa.Column('evidence_start', sa.Integer(), nullable=False),
    sa.Column('evidence_end', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_actor_id'], ['actors.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_actor_id'], ['actors.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relations_analysis_id'), ['analysis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relations_source_actor_id'), ['source_actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relations_target_actor_id'), ['target_actor_id'], unique=False)

    with op.batch_alter_table('analyses', schema=None) as batch_op:
        # analyses stored before this revision have no sentence scores
        batch_op.add_column(sa.Column('checkworthiness', sa.JSON(), nullable=False, server_default='[]'))



def downgrade() -> None:
    with op.batch_alter_table('analyses', schema=None) as batch_op:
        batch_op.drop_column('checkworthiness')

    with op.batch_alter_table('relations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relations_target_actor_id'))
        batch_op.drop_index(batch_op.f('ix_relations_source_actor_id'))
        batch_op.drop_index(batch_op.f('ix_relations_analysis_id'))

    op.drop_table('relations')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statements_kind'))
        batch_op.drop_index(batch_op.f('ix_statements_analysis_id'))

    op.drop_table('statements')
    with op.batch_alter_table('actors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actors_name'))
        batch_op.drop_index(batch_op.f('ix_actors_analysis_id'))

    op.drop_table('actors')
