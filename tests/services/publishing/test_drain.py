"""A process shutting down (SIGTERM, a rolling restart) drains: the request under way finishes, what it has not sent
goes back for another process, and nothing is interrupted or sent twice."""
from __future__ import annotations

import asyncio
import os

import pytest

from services.core import db
from services.core.config import configure, load_settings
from services.core.models import DeliveryStatus, PostStatus
from services.platforms import base
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.publishing import engine, records
from services.team import users
from tests.conftest import eventually
from tests.fakes.telegram import FakeChat, FakeTelegram, Fault
from tests.harness import deliveries_of, post_of
from tests.harness.builders import telegram_chats


@pytest.fixture
async def two_processes(app_env):
    """A post to three chats; process A sends one at a time (one slot), its first request held by a slow Telegram;
    B is another process on the same database."""
    with FakeTelegram(chats=[FakeChat(id=-1000 - n, title=f'Chat {n}', username=f'chat{n}') for n in (1, 2, 3)]) \
            as fake:
        settings = configure(load_settings({**os.environ, 'SECRET_KEY': 's' * 40, 'TELEGRAM_API_URL': fake.base_url,
                                            'TELEGRAM_PACING_SECONDS': '0', 'PUBLISH_CONCURRENCY': '1',
                                            'SHUTDOWN_GRACE_SECONDS': '10',
                                            'RETRY_BASE_SECONDS': '0.5'}, env_file=None))
        db.init_db(settings.database_url)
        users.forget_cached_state()
        author = users.create_first_admin('author', 'a long password!', language='en', time_zone='UTC', ip='')
        chosen = telegram_chats('One', 'Two', 'Three')
        post = editing.save_post(author.id, PostInput(text='Once each', channels=chosen), SaveAction.PUBLISH)
        process_a, process_b = engine.Engine(settings), engine.Engine(settings)
        yield fake, process_a, process_b, post.id
        for process in (process_a, process_b):
            await process.stop()
        await base.close_http_client()


async def test_a_draining_process_finishes_its_request_and_gives_the_rest_to_another(two_processes):
    fake, process_a, process_b, post_id = two_processes
    fake.inject(Fault.slow(0.5))
    process_a.start(post_id)
    await eventually(lambda: fake.pending_faults == 0)  # A's first request has reached Telegram; two wait their turn

    await process_a.drain()  # SIGTERM

    assert len(fake.sent) == 1  # the request under way finished
    statuses = sorted(delivery.status for delivery in deliveries_of(post_id))
    assert statuses == [DeliveryStatus.PENDING, DeliveryStatus.PENDING, DeliveryStatus.PUBLISHED]
    assert all(delivery.owner is None for delivery in deliveries_of(post_id))  # free for any process

    await process_b._recover()  # what B does every half lease
    await process_b.wait_idle()

    assert sorted(message.chat_id for message in fake.sent) == [-1003, -1002, -1001]  # each chat once
    assert post_of(post_id).status == PostStatus.PUBLISHED
    assert all(delivery.attempt_count == 1 for delivery in deliveries_of(post_id))


async def test_a_live_process_waiting_to_retry_keeps_its_deliveries_from_the_others(two_processes):
    fake, process_a, process_b, post_id = two_processes
    fake.inject(Fault.server_error(), times=1)  # A's first request fails: it waits before trying again
    process_a.start(post_id)
    await eventually(lambda: any(delivery.last_error for delivery in deliveries_of(post_id)))

    assert records.recover_abandoned() == []  # reserved by A, alive: B leaves them alone
    await asyncio.wait_for(process_a.wait_idle(), 10)

    assert sorted(message.chat_id for message in fake.sent) == [-1003, -1002, -1001]
    assert post_of(post_id).status == PostStatus.PUBLISHED
