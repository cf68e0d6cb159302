"""channel groups: saved sets of channels, picked in one click in the composer and used as a filter

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'channel_groups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'channel_group_members',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['channel_groups.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('group_id', 'channel_id'),
    )
    with op.batch_alter_table('channel_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_group_members_channel_id'), ['channel_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('channel_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_group_members_channel_id'))
    op.drop_table('channel_group_members')
    op.drop_table('channel_groups')
