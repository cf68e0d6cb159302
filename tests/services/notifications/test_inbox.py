"""Who is told of what, in the transaction of the change: a failed delivery through the real engine and the fake
Telegram, a missed post, a channel that needs reconnecting, a token that will run out."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from services.connections import token_refresh
from services.core import db
from services.core.models import Notification, OutboxMessage, PlatformAccount, PostStatus, Role, utcnow
from services.notifications import inbox
from services.notifications.kinds import Choice, Kind
from services.posts import state
from services.publishing import due_timer, engine
from tests.fakes.telegram import FakeTelegram, Fault
from tests.harness import boot, connected, first_admin, queued, scheduled, stop_services
from tests.harness.builders import teammate


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def team(fake):
    """An admin (the author), an editor and a viewer; a connected Telegram channel; the engine."""
    settings = boot(TELEGRAM_API_URL=fake.base_url, TELEGRAM_PACING_SECONDS='0', RETRY_BASE_SECONDS='0.01',
                    PUBLISH_MAX_ATTEMPTS='1')
    people = {'admin': first_admin('admin'), 'editor': teammate('editor', Role.EDITOR),
              'viewer': teammate('viewer', Role.VIEWER)}
    connected('telegram')
    yield engine.init_engine(settings), people
    await stop_services()


def told(user_id: int) -> list[Notification]:
    with db.session() as session:
        return list(session.exec(select(Notification).where(Notification.user_id == user_id)
                                 .order_by(Notification.id)))


async def test_a_failed_delivery_is_told_to_the_author_and_editors_not_viewers(team, fake):
    runner, people = team
    fake.inject(Fault.chat_not_found())
    post_id = queued('Launch day', author_id=people['admin'].id)
    await runner.publish_post(post_id)
    for name in ('admin', 'editor'):
        [notice] = told(people[name].id)
        assert (notice.kind, notice.post_id, notice.detail) == (Kind.DELIVERY_FAILED, post_id,
                                                                'Bad Request: chat not found')
    assert told(people['viewer'].id) == []
    [entry] = inbox.latest(people['editor'].id)
    assert entry.post_text == 'Launch day' and entry.channel is not None and not entry.read


async def test_a_refused_token_tells_of_the_channel_once_however_many_posts_fail(team, fake):
    runner, people = team
    fake.inject(Fault.unauthorized(), times=2)
    for post_id in [queued(text, author_id=people['admin'].id) for text in ('one', 'two')]:
        await runner.publish_post(post_id)
    kinds = [notice.kind for notice in told(people['editor'].id)]
    assert kinds.count(Kind.CHANNEL_NEEDS_RECONNECT) == 1
    assert kinds.count(Kind.DELIVERY_FAILED) == 2


async def test_a_post_that_missed_its_time_is_told(team):
    _runner, people = team
    post_id = scheduled('Too late', at=utcnow() - timedelta(hours=3), author_id=people['editor'].id)
    due_timer.mark_missed(utcnow() - timedelta(hours=1))
    assert [(n.kind, n.post_id) for n in told(people['editor'].id)] == [(Kind.POST_MISSED, post_id)]


async def test_nothing_is_told_of_a_change_that_was_rolled_back(team):
    _runner, people = team
    post_id = scheduled('Kept', at=utcnow() - timedelta(hours=3))
    with pytest.raises(RuntimeError), state.transaction() as change:
        change.move_post(post_id, PostStatus.MISSED)
        raise RuntimeError('the change fails after the move')
    assert told(people['admin'].id) == []


async def test_each_user_chooses_per_kind_and_email_at_once_goes_to_the_outbox(team, fake):
    runner, people = team
    inbox.save_choices(people['editor'].id, email='editor@example.com', digest_time='08:00',
                       choices={Kind.DELIVERY_FAILED: Choice.EMAIL})
    inbox.save_choices(people['admin'].id, email='', digest_time='08:00',
                       choices={Kind.DELIVERY_FAILED: Choice.NEVER})
    inbox.save_choices(people['viewer'].id, email='viewer@example.com', digest_time='07:30',
                       choices={Kind.DELIVERY_FAILED: Choice.DIGEST})
    fake.inject(Fault.chat_not_found())
    await runner.publish_post(queued('Hello', author_id=people['admin'].id))
    assert told(people['admin'].id) == []
    [viewer_notice] = told(people['viewer'].id)
    assert viewer_notice.in_digest
    [editor_notice] = told(people['editor'].id)
    with db.session() as session:
        [email] = session.exec(select(OutboxMessage)).all()
    assert email.user_id == people['editor'].id and email.payload == {'notifications': [editor_notice.id]}


async def test_marking_read_clears_the_count(team, fake):
    runner, people = team
    fake.inject(Fault.chat_not_found(), times=2)
    for text in ('one', 'two'):
        await runner.publish_post(queued(text, author_id=people['admin'].id))
    editor = people['editor'].id
    assert inbox.unread_count(editor) == 2
    inbox.mark_read(editor, inbox.latest(editor)[0].id)
    assert inbox.unread_count(editor) == 1
    inbox.mark_read(people['admin'].id, inbox.latest(editor)[1].id)  # not theirs: nothing happens
    assert inbox.unread_count(editor) == 1
    assert inbox.mark_all_read(editor) == 1 and inbox.unread_count(editor) == 0


async def test_a_token_that_cannot_be_renewed_warns_once_per_expiry(team):
    _runner, people = team
    expires = utcnow() + timedelta(days=2)
    with db.session() as session:
        session.exec(sa.update(PlatformAccount).values(token_expires_at=expires))
        account = session.exec(select(PlatformAccount)).one()
    token_refresh._warn_of_expiry(account)
    token_refresh._warn_of_expiry(account)
    [notice] = told(people['editor'].id)
    assert notice.kind == Kind.TOKEN_EXPIRING and notice.detail == expires.isoformat()


def test_a_bad_email_address_or_time_is_refused(team):
    _runner, people = team
    with pytest.raises(inbox.BadChoice):
        inbox.save_choices(people['editor'].id, email='not an address', digest_time='08:00', choices={})
    with pytest.raises(inbox.BadChoice):
        inbox.save_choices(people['editor'].id, email='', digest_time='25:00', choices={})
