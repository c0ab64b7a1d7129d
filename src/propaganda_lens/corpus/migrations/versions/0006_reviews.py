"""reviews: reviewers' corrections of a model version's spans, beside them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('model_version', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('technique', sa.String(length=60), nullable=False),
    sa.Column('model_technique', sa.String(length=60), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('time', sa.String(length=40), nullable=False),
    sa.Column('stored_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('article_id', 'model_version', 'start', 'end', 'model_technique', 'action', 'technique',
                        'reviewer', 'time', name='uq_reviews_decision')
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_model_version'), ['model_version'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_model_version'))
        batch_op.drop_index(batch_op.f('ix_reviews_article_id'))
    op.drop_table('reviews')
