"""The publishing engine against the fake Telegram: claims, retries, failures, recovery, live events."""
from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlmodel import select

from services.connections import channels
from services.core import db, events
from services.core.models import (
    AccountStatus,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    PlatformAccount,
    Post,
    PostStatus,
)
from services.platforms import base
from services.posts import actions
from services.publishing import engine, records
from tests.fakes.telegram import FakeTelegram, Fault
from tests.harness import boot, connected, first_admin, queued, stop_services


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def publisher(fake):
    settings = boot(TELEGRAM_API_URL=fake.base_url, TELEGRAM_PACING_SECONDS='0', RETRY_BASE_SECONDS='0.01',
                    PUBLISH_MAX_ATTEMPTS='3')
    author = first_admin('author')
    connected('telegram')
    yield engine.init_engine(settings), author
    await stop_services()


def queue_post(author, text: str = 'Hello from the engine') -> int:
    return queued(text, author_id=author.id)


def delivery_of(post_id: int) -> Delivery:
    with db.session() as session:
        return session.exec(select(Delivery).where(Delivery.post_id == post_id)).one()


def attempts_of(delivery_id: int) -> list[DeliveryAttempt]:
    with db.session() as session:
        return list(session.exec(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)))


def post_status(post_id: int) -> str:
    with db.session() as session:
        return session.get(Post, post_id).status


async def test_text_post_is_published_once_with_its_link(publisher, fake):
    runner, author = publisher
    post_id = queue_post(author)
    await runner.publish_post(post_id)
    assert [(m.method, m.text) for m in fake.sent] == [('sendMessage', 'Hello from the engine')]
    delivery = delivery_of(post_id)
    assert delivery.status == DeliveryStatus.PUBLISHED and delivery.attempt_count == 1
    assert delivery.remote_url == f'https://t.me/fakechannel/{fake.sent[0].message_ids[0]}'
    assert post_status(post_id) == PostStatus.PUBLISHED
    assert [a.outcome for a in attempts_of(delivery.id)] == ['published']


async def test_two_concurrent_publishes_send_one_message(publisher, fake):
    runner, author = publisher
    post_id = queue_post(author)
    await asyncio.gather(runner.publish_post(post_id), runner.publish_post(post_id), runner.publish_post(post_id))
    assert len(fake.sent) == 1


async def test_rate_limit_is_waited_out_then_sent(publisher, fake):
    runner, author = publisher
    fake.inject(Fault.rate_limited(retry_after=1))
    post_id = queue_post(author)
    await runner.publish_post(post_id)
    delivery = delivery_of(post_id)
    assert delivery.status == DeliveryStatus.PUBLISHED and delivery.attempt_count == 2
    assert [a.outcome for a in attempts_of(delivery.id)] == ['retry', 'published']
    assert len(fake.sent) == 1


async def test_server_errors_are_retried_then_fail_with_the_reason(publisher, fake):
    runner, author = publisher
    fake.inject(Fault.server_error(502), times=3)
    post_id = queue_post(author)
    await runner.publish_post(post_id)
    delivery = delivery_of(post_id)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempt_count == 3
    assert '502' in delivery.last_error or 'Bad Gateway' in delivery.last_error
    assert [a.outcome for a in attempts_of(delivery.id)] == ['retry', 'retry', 'failed']
    assert post_status(post_id) == PostStatus.FAILED
    assert fake.sent == []


async def test_unauthorized_marks_the_account_and_does_not_retry(publisher, fake):
    runner, author = publisher
    fake.inject(Fault.unauthorized())
    post_id = queue_post(author)
    await runner.publish_post(post_id)
    delivery = delivery_of(post_id)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempt_count == 1
    assert [a.outcome for a in attempts_of(delivery.id)] == ['needs_reconnect']
    with db.session() as session:
        assert session.exec(select(PlatformAccount)).one().status == AccountStatus.NEEDS_RECONNECT


async def test_chat_not_found_is_rejected_with_telegrams_words(publisher, fake):
    runner, author = publisher
    fake.inject(Fault.chat_not_found())
    post_id = queue_post(author)
    await runner.publish_post(post_id)
    delivery = delivery_of(post_id)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == 'Bad Request: chat not found'


async def test_migrated_group_is_resent_and_the_new_chat_kept(publisher, fake):
    runner, author = publisher
    fake.inject(Fault.migrated(to_chat_id=-1009876543210))
    post_id = queue_post(author)
    await runner.publish_post(post_id)
    assert delivery_of(post_id).status == DeliveryStatus.PUBLISHED
    with db.session() as session:
        channel = session.exec(select(Channel)).one()
    assert channel.address == {'chat_id': '-1009876543210'}  # the chat's own: the bot's other chats keep theirs
    assert channels.credentials_for(channel).credentials['chat_id'] == '-1009876543210'
    assert [m.chat_id for m in fake.sent] == [-1009876543210]


async def test_crash_mid_publish_leaves_it_interrupted_not_resent(publisher, fake):
    runner, author = publisher
    post_id = queue_post(author)
    delivery_id = delivery_of(post_id).id
    with db.session() as session:  # what a kill during the send leaves behind
        session.get(Delivery, delivery_id).status = DeliveryStatus.PUBLISHING
    assert records.recover_abandoned() == []
    delivery = delivery_of(post_id)
    assert delivery.status == DeliveryStatus.INTERRUPTED
    assert post_status(post_id) == PostStatus.FAILED
    await runner.publish_post(post_id)
    assert fake.sent == []
    assert actions.retry(delivery_id) == post_id  # hands the post to the engine
    await runner.wait_idle()
    assert len(fake.sent) == 1 and post_status(post_id) == PostStatus.PUBLISHED


async def test_queued_posts_are_resumed_after_a_restart(publisher):
    _runner, author = publisher
    post_id = queue_post(author)
    assert records.recover_abandoned() == [post_id]


async def test_every_state_change_is_announced(publisher):
    runner, author = publisher
    heard: list[events.DeliveryChanged] = []
    unsubscribe = events.subscribe(heard.append)
    try:
        await runner.publish_post(queue_post(author))
    finally:
        unsubscribe()
    assert [(e.status, e.post_status) for e in heard] == [('publishing', 'publishing'), ('published', 'published')]


async def test_pacing_spaces_sends_to_one_account(publisher, fake):
    runner, author = publisher
    runner.settings = dataclasses.replace(runner.settings, pacing_seconds={'telegram': 0.2})
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(runner.publish_post(queue_post(author, f'post {n}')) for n in range(3)))
    assert len(fake.sent) == 3
    assert loop.time() - started >= 0.4  # behaviour, not speed: three sends need two gaps



async def test_a_clients_checkpoint_is_kept_with_the_delivery_until_it_is_published(publisher, monkeypatch):
    from services.platforms.telegram.client import TelegramClient

    runner, author = publisher
    post_id = queue_post(author)
    original, resumes = TelegramClient.publish, []

    async def publish_after_a_checkpoint(self, content, account):
        resumes.append(dict(content.resume))
        content.checkpoint({'step': 'halfway'})
        assert delivery_of(post_id).resume_state == '{"step": "halfway"}'  # saved before the step it guards
        if len(resumes) == 1:
            raise base.Retryable('cut off after the checkpoint')
        return await original(self, content, account)

    monkeypatch.setattr(TelegramClient, 'publish', publish_after_a_checkpoint)
    await runner.publish_post(post_id)
    assert resumes == [{}, {}]  # a run's own attempts share the client; `resume` is for the run after a crash
    delivery = delivery_of(post_id)
    assert (delivery.status, delivery.resume_state) == (DeliveryStatus.PUBLISHED, None)

    delivery.resume_state = '{"step": "halfway"}'  # as a crash would have left it
    with db.session() as session:
        post = session.get(Post, post_id)
    assert records.content_of(post, [], delivery).resume == {'step': 'halfway'}
