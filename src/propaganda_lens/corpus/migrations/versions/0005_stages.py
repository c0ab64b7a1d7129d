"""analyses.stages: the analysis stages each stored analysis has

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-04

Analyses stored before this revision were made with every stage.
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('analyses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stages', sa.String(length=60), nullable=False,
                                      server_default='techniques actors claims'))


def downgrade() -> None:
    with op.batch_alter_table('analyses', schema=None) as batch_op:
        batch_op.drop_column('stages')
