"""channels: a post goes to channels (any number per platform), each delivery may carry its own version

Every account becomes a channel that posts with it. Each delivery goes to the channel of the account it was sent
with; one never sent goes to the first connected channel of its platform, as the engine would have chosen; one whose
platform has no account left goes to a disconnected channel kept for its history.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'channels',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=20), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('remote_id', sa.String(length=200), nullable=False),
        sa.Column('remote_name', sa.String(length=200), nullable=False),
        sa.Column('picture_url', sa.String(length=500), nullable=False),
        sa.Column('address', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('connected_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['platform_accounts.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['connected_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channels_platform'), ['platform'], unique=False)
        batch_op.create_index(batch_op.f('ix_channels_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channels_status'), ['status'], unique=False)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('media_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('options', sa.JSON(), nullable=True))

    connection = op.get_bind()
    connection.execute(sa.text(
        "INSERT INTO channels (platform, account_id, name, remote_id, remote_name, picture_url, address, status, "
        "created_at, updated_at) SELECT platform, id, display_name, '', display_name, '', '{}', status, created_at, "
        "updated_at FROM platform_accounts ORDER BY id"))
    connection.execute(sa.text(
        'UPDATE deliveries SET channel_id = (SELECT channels.id FROM channels '
        'WHERE channels.account_id = deliveries.account_id) WHERE account_id IS NOT NULL'))
    connection.execute(sa.text(
        "UPDATE deliveries SET channel_id = (SELECT MIN(channels.id) FROM channels WHERE channels.platform = "
        "deliveries.platform AND channels.status = 'connected') WHERE channel_id IS NULL"))
    connection.execute(sa.text(
        'UPDATE deliveries SET channel_id = (SELECT MIN(channels.id) FROM channels '
        'WHERE channels.platform = deliveries.platform) WHERE channel_id IS NULL'))
    orphaned = connection.execute(sa.text(
        'SELECT DISTINCT platform, MIN(created_at) FROM deliveries WHERE channel_id IS NULL GROUP BY platform')).all()
    for platform, since in orphaned:
        connection.execute(sa.text(
            "INSERT INTO channels (platform, name, remote_id, remote_name, picture_url, address, status, created_at, "
            "updated_at) VALUES (:platform, '', '', '', '', '{}', 'disconnected', :since, :since)"),
            {'platform': platform, 'since': since})
        connection.execute(sa.text(
            'UPDATE deliveries SET channel_id = (SELECT MIN(channels.id) FROM channels '
            'WHERE channels.platform = deliveries.platform) WHERE channel_id IS NULL AND platform = :platform'),
            {'platform': platform})

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('uq_deliveries_post_platform', type_='unique')
        batch_op.drop_column('account_id')
        batch_op.alter_column('channel_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_deliveries_channel_id'), ['channel_id'], unique=False)
        batch_op.create_foreign_key('fk_deliveries_channel_id_channels', 'channels', ['channel_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.create_unique_constraint('uq_deliveries_post_channel', ['post_id', 'channel_id'])


def downgrade() -> None:
    connection = op.get_bind()
    shared = connection.execute(sa.text(
        'SELECT post_id FROM deliveries GROUP BY post_id, platform HAVING COUNT(*) > 1')).first()
    if shared is not None:
        raise RuntimeError(f'post {shared[0]} goes to two channels of one platform: the old schema cannot hold it')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
    connection.execute(sa.text('UPDATE deliveries SET account_id = (SELECT channels.account_id FROM channels '
                               'WHERE channels.id = deliveries.channel_id)'))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('uq_deliveries_post_channel', type_='unique')
        batch_op.drop_constraint('fk_deliveries_channel_id_channels', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_deliveries_channel_id'))
        batch_op.drop_column('channel_id')
        batch_op.drop_column('text')
        batch_op.drop_column('media_ids')
        batch_op.drop_column('options')
        batch_op.create_foreign_key('fk_deliveries_account_id', 'platform_accounts', ['account_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_unique_constraint('uq_deliveries_post_platform', ['post_id', 'platform'])
    op.drop_table('channels')
