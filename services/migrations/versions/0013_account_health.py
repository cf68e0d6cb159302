"""account health: when the platform last refused to renew an account's token, and its daily publishing quota as
last read, so the warnings before a post would fail can name them on any page of any process

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('platform_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renew_failed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('quota_used', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quota_total', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quota_read_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('platform_accounts', schema=None) as batch_op:
        batch_op.drop_column('quota_read_at')
        batch_op.drop_column('quota_total')
        batch_op.drop_column('quota_used')
        batch_op.drop_column('renew_failed_at')
