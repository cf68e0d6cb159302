"""posting queue: each channel's time zone, posting times and paused flag; the channel whose queue holds a post; recurring posts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('posting_times', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('queue_paused', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue_channel_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_posts_queue_channel_id'), ['queue_channel_id'], unique=False)
        batch_op.create_foreign_key('fk_posts_queue_channel_id_channels', 'channels', ['queue_channel_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.add_column(sa.Column('recurrence', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('recurrence_zone', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_posts_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key('fk_posts_series_id_posts', 'posts', ['series_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_channel_status', ['channel_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_channel_status')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_posts_series_id_posts', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_posts_series_id'))
        batch_op.drop_column('series_id')
        batch_op.drop_column('recurrence_zone')
        batch_op.drop_column('recurrence')
        batch_op.drop_constraint('fk_posts_queue_channel_id_channels', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_posts_queue_channel_id'))
        batch_op.drop_column('queue_channel_id')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('queue_paused')
        batch_op.drop_column('posting_times')
        batch_op.drop_column('time_zone')
