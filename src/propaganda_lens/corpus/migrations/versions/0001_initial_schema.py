"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('outlet', sa.String(length=300), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('author', sa.Text(), nullable=True),
    sa.Column('published', sa.String(length=10), nullable=True),
    sa.Column('site', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('words', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('content_hash')
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_articles_outlet'), ['outlet'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_published'), ['published'], unique=False)

    op.create_table('models',
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('technique_precision', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('version')
    )
    op.create_table('analyses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('model_version', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('covered_chars', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_version'], ['models.version'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('article_id', 'model_version')
    )
    with op.batch_alter_table('analyses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analyses_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_analyses_model_version'), ['model_version'], unique=False)

    op.create_table('failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('model_version', sa.String(length=100), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failures_article_id'), ['article_id'], unique=False)

    op.create_table('spans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('technique', sa.String(length=60), nullable=True),
    sa.Column('probability', sa.Float(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('cues', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['analyses.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('spans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spans_analysis_id'), ['analysis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_spans_technique'), ['technique'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('spans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spans_technique'))
        batch_op.drop_index(batch_op.f('ix_spans_analysis_id'))

    op.drop_table('spans')
    with op.batch_alter_table('failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failures_article_id'))

    op.drop_table('failures')
    with op.batch_alter_table('analyses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analyses_model_version'))
        batch_op.drop_index(batch_op.f('ix_analyses_article_id'))

    op.drop_table('analyses')
    op.drop_table('models')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_published'))
        batch_op.drop_index(batch_op.f('ix_articles_outlet'))

    op.drop_table('articles')
