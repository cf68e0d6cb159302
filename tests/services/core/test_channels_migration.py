"""Migration 0007 turns accounts into channels and points every delivery at one, losing no post, attempt or status:
a database written at the revision before (0006), with posts in every status, is upgraded and read back."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from services.core import db
from services.core.models import DeliveryStatus, PostStatus

WRITTEN = datetime(2026, 11, 30, 9, 0)


def upgrade(engine: sa.Engine, revision: str) -> None:
    from alembic import command

    command.upgrade(db.alembic_config(engine), revision)


def insert(connection: sa.Connection, table: str, **values: object) -> int:
    columns = ', '.join(values)
    marks = ', '.join(f':{name}' for name in values)
    return connection.execute(sa.text(f'INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id'),
                              values).scalar_one()


def written_before_channels(engine: sa.Engine) -> dict[str, object]:
    """What a team had at revision 0006: two accounts (Telegram connected, YouTube needing a reconnect), TikTok's
    account removed (its deliveries lost their account), Instagram never connected; a post in every status."""
    upgrade(engine, '0006')
    stamp = {'created_at': WRITTEN, 'updated_at': WRITTEN}
    with engine.begin() as connection:
        author = insert(connection, 'users', username='author', password_hash='x', role='admin', language='ar',
                        timezone='Asia/Riyadh', is_active=True, session_version=1, must_change_password=False,
                        created_at=WRITTEN)
        telegram = insert(connection, 'platform_accounts', platform='telegram', display_name='@news (bot)',
                          credentials_encrypted='sealed-telegram', status='connected', **stamp)
        youtube = insert(connection, 'platform_accounts', platform='youtube', display_name='Brand channel',
                         credentials_encrypted='sealed-youtube', status='needs_reconnect', **stamp)
        posts, deliveries = {}, {}
        for index, status in enumerate(PostStatus):
            post = insert(connection, 'posts', author_id=author, text=f'Post {index}', options='{}', status=status,
                          scheduled_at=WRITTEN, **stamp)
            posts[status] = post
            sent = list(DeliveryStatus)[index % len(DeliveryStatus)]
            deliveries[(post, 'telegram')] = insert(
                connection, 'deliveries', post_id=post, platform='telegram', account_id=telegram, status=sent,
                attempt_count=index, remote_url=f'https://t.me/news/{index}', last_error=None, **stamp)
            deliveries[(post, 'youtube')] = insert(
                connection, 'deliveries', post_id=post, platform='youtube', account_id=None, status='pending',
                attempt_count=0, **stamp)  # never sent: no account chosen yet
            deliveries[(post, 'tiktok')] = insert(
                connection, 'deliveries', post_id=post, platform='tiktok', account_id=None, status='failed',
                attempt_count=1, last_error='gone', **stamp)
            insert(connection, 'delivery_attempts', delivery_id=deliveries[(post, 'telegram')], started_at=WRITTEN,
                   outcome='published', remote_url=f'https://t.me/news/{index}')
    return {'telegram': telegram, 'youtube': youtube, 'posts': posts, 'deliveries': deliveries}


def test_every_account_becomes_a_channel_and_every_delivery_keeps_its_post_status_and_attempts(engine):
    before = written_before_channels(engine)
    with engine.connect() as connection:
        rows_before = connection.execute(sa.text(
            'SELECT id, post_id, platform, status, attempt_count, remote_url, last_error FROM deliveries '
            'ORDER BY id')).all()
        attempts_before = connection.execute(sa.text('SELECT * FROM delivery_attempts ORDER BY id')).all()
        posts_before = connection.execute(sa.text('SELECT id, status, text FROM posts ORDER BY id')).all()

    upgrade(engine, 'head')

    with engine.connect() as connection:
        channels = {row.platform: row for row in connection.execute(sa.text(
            'SELECT id, platform, account_id, name, remote_name, status FROM channels ORDER BY id'))}
        rows_after = connection.execute(sa.text(
            'SELECT id, post_id, platform, status, attempt_count, remote_url, last_error FROM deliveries '
            'ORDER BY id')).all()
        channel_of = dict(connection.execute(sa.text('SELECT id, channel_id FROM deliveries')).all())
        assert connection.execute(sa.text('SELECT * FROM delivery_attempts ORDER BY id')).all() == attempts_before
        assert connection.execute(sa.text('SELECT id, status, text FROM posts ORDER BY id')).all() == posts_before
    assert rows_after == rows_before  # every delivery, with its status, attempts count, link and error
    assert set(channels) == {'telegram', 'youtube', 'tiktok'}  # Instagram had no account and no delivery
    assert (channels['telegram'].account_id, channels['telegram'].remote_name, channels['telegram'].status) == \
        (before['telegram'], '@news (bot)', 'connected')
    assert (channels['youtube'].account_id, channels['youtube'].status) == (before['youtube'], 'needs_reconnect')
    assert (channels['tiktok'].account_id, channels['tiktok'].status) == (None, 'disconnected')  # kept for history
    for (post, platform), delivery in before['deliveries'].items():
        assert channel_of[delivery] == channels[platform].id, (post, platform)


def test_a_post_can_then_go_to_two_channels_of_one_platform_but_not_twice_to_one(engine):
    before = written_before_channels(engine)
    upgrade(engine, 'head')
    post = before['posts'][PostStatus.DRAFT]
    stamp = {'created_at': WRITTEN, 'updated_at': WRITTEN}
    with engine.begin() as connection:
        second = insert(connection, 'channels', platform='telegram', account_id=before['telegram'], name='Arabic',
                        remote_id='', remote_name='', picture_url='', address='{"chat_id": "@arabic"}',
                        status='connected', **stamp)
        insert(connection, 'deliveries', post_id=post, platform='telegram', channel_id=second, status='pending',
               attempt_count=0, **stamp)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        insert(connection, 'deliveries', post_id=post, platform='telegram', channel_id=second, status='pending',
               attempt_count=0, **stamp)
