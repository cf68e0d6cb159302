"""conversion workers: which process converts a file (to tell a conversion cut off by a crash from one under way),
and how a video is brought to an aspect its platform takes (fit with bars, or crop)

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('media_conversions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('framing', sa.String(length=8), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('media_conversions', schema=None) as batch_op:
        batch_op.drop_column('framing')
        batch_op.drop_column('worker')
