"""A delivery is claimed only once it has a sending slot and its account's pacing gap, just before its request:
a stop while it waits leaves it pending (sent after the restart), and only a request that may have reached the
platform leaves it interrupted."""
from __future__ import annotations

import asyncio
import os

import pytest
from sqlmodel import select

from services.connections import accounts, channels
from services.core import db
from services.core.config import configure, load_settings
from services.core.models import Delivery, DeliveryAttempt, DeliveryStatus, PostStatus
from services.platforms import base
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.publishing import engine, records
from services.team import users
from tests.conftest import eventually
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeChat, FakeTelegram, Fault
from tests.harness.builders import channels_of, leases_run_out

SECOND_CHAT = -1005555555555
LONG = 60.0  # a pacing gap or a backoff no test waits out: it only has to outlast the test


@pytest.fixture
def fake():
    with FakeTelegram(chats=[FakeChat(), FakeChat(id=SECOND_CHAT, username='secondchannel')]) as server:
        yield server


def runner_with(fake, **settings: str) -> engine.Engine:
    config = configure(load_settings({**os.environ, 'SECRET_KEY': 's' * 40, 'TELEGRAM_API_URL': fake.base_url,
                                      **settings}, env_file=None))
    db.init_db(config.database_url)
    users.forget_cached_state()
    return engine.init_engine(config)


@pytest.fixture
async def author(app_env):
    yield lambda: users.create_first_admin('author', 'a long password!', language='en', time_zone='UTC', ip='')
    await base.close_http_client()


def connect(chat_id: int, name: str) -> int:
    """The channel of `chat_id`, posted to by the fake's bot (one bot for every chat: its channels share it)."""
    accounts.save_account('telegram', name, {'bot_token': DEFAULT_TOKEN, 'chat_id': str(chat_id)})
    return next(channel.id for channel in channels.list_channels(platform='telegram')
                if channels.credentials_for(channel).credentials['chat_id'] == str(chat_id))


def queue(author_id: int, text: str, channel_id: int | None = None) -> tuple[int, int]:
    """A post published now (not yet handed to an engine) and its delivery's id, sent to `channel_id`."""
    chosen = [channel_id] if channel_id is not None else channels_of(['telegram'])
    post = editing.save_post(author_id, PostInput(text=text, channels=chosen), SaveAction.PUBLISH)
    with db.session() as session:
        return post.id, session.exec(select(Delivery.id).where(Delivery.post_id == post.id)).one()


def status_of(delivery_id: int) -> str:
    with db.session() as session:
        return session.get(Delivery, delivery_id).status


def outcomes_of(delivery_id: int) -> list[str]:
    with db.session() as session:
        return list(session.exec(select(DeliveryAttempt.outcome).where(DeliveryAttempt.delivery_id == delivery_id)))


async def stop(*tasks: asyncio.Task) -> None:
    """What a kill does to the engine's work (the database keeps what was committed), and then time: the leases
    of what it was sending run out."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await engine.get_engine().stop()
    leases_run_out()


async def test_a_delivery_waiting_for_its_pacing_gap_stays_pending_and_is_resumed_after_a_stop(fake, author):
    runner = runner_with(fake, TELEGRAM_PACING_SECONDS=str(LONG))
    account = connect(DEFAULT_CHAT_ID, '@fakechannel')
    who = author()
    (sent_post, sent), (waiting_post, waiting) = queue(who.id, 'first', account), queue(who.id, 'second', account)
    fake.inject(Fault.slow(LONG))
    tasks = [asyncio.create_task(runner.publish_post(post_id)) for post_id in (sent_post, waiting_post)]
    await eventually(lambda: fake.pending_faults == 0)  # the first request has reached Telegram, which holds it
    await asyncio.sleep(0.2)  # the second has got its slot meanwhile, and waits for the gap
    assert (status_of(sent), status_of(waiting)) == (DeliveryStatus.PUBLISHING, DeliveryStatus.PENDING)

    await stop(*tasks)
    assert records.recover_abandoned() == [waiting_post]  # nothing of it left: it is sent after the restart
    assert (status_of(sent), status_of(waiting)) == (DeliveryStatus.INTERRUPTED, DeliveryStatus.PENDING)
    assert editing.get_post(sent_post).post.status == PostStatus.FAILED


async def test_a_claim_lost_to_another_process_gives_the_slot_and_the_gap_to_the_next(fake, author):
    runner = runner_with(fake, TELEGRAM_PACING_SECONDS=str(LONG), PUBLISH_CONCURRENCY='1')
    busy, free = connect(DEFAULT_CHAT_ID, '@fakechannel'), connect(SECOND_CHAT, '@secondchannel')
    who = author()
    hogging_post, _hogging = queue(who.id, 'holds the only slot', busy)
    lost_post, lost = queue(who.id, 'taken by another process', free)
    next_post, _next = queue(who.id, 'sent next', free)
    fake.inject(Fault.slow(LONG))
    hog = asyncio.create_task(runner.publish_post(hogging_post))
    await eventually(lambda: fake.pending_faults == 0)
    loser = asyncio.create_task(runner.publish_post(lost_post))
    await asyncio.sleep(0.1)  # it waits for the slot, still pending
    follower = asyncio.create_task(runner.publish_post(next_post))
    await asyncio.sleep(0.1)
    with db.session() as session:  # another process claims it meanwhile
        session.get(Delivery, lost).status = DeliveryStatus.PUBLISHING

    await stop(hog)  # the slot comes free: the loser finds its delivery taken and passes it on with the gap
    await asyncio.wait_for(asyncio.gather(loser, follower), timeout=LONG / 2)  # far less than the gap it spared
    assert [m.text for m in fake.sent] == ['sent next'] and [m.chat_id for m in fake.sent] == [SECOND_CHAT]
    assert outcomes_of(lost) == []  # the loser logged nothing against a delivery that is not its own


async def test_a_delivery_waiting_for_its_gap_leaves_the_sending_slot_to_other_accounts(fake, author):
    runner = runner_with(fake, TELEGRAM_PACING_SECONDS=str(LONG), PUBLISH_CONCURRENCY='1')
    paced, other = connect(DEFAULT_CHAT_ID, '@fakechannel'), connect(SECOND_CHAT, '@secondchannel')
    who = author()
    first, second = queue(who.id, 'first to the paced chat', paced), queue(who.id, 'second to the paced chat', paced)
    elsewhere = queue(who.id, 'to another chat', other)
    await runner.publish_post(first[0])
    waiting = asyncio.create_task(runner.publish_post(second[0]))  # its gap is a minute away
    await asyncio.sleep(0.1)
    await asyncio.wait_for(runner.publish_post(elsewhere[0]), timeout=LONG / 2)  # the only slot was free for it
    assert [m.text for m in fake.sent] == ['first to the paced chat', 'to another chat']
    assert status_of(second[1]) == DeliveryStatus.PENDING
    await stop(waiting)


async def test_a_retry_that_did_not_take_effect_waits_pending(fake, author):
    runner = runner_with(fake, TELEGRAM_PACING_SECONDS='0')
    account = connect(DEFAULT_CHAT_ID, '@fakechannel')
    post_id, delivery_id = queue(author().id, 'rate limited', account)
    fake.inject(Fault.rate_limited(retry_after=int(LONG)))
    task = asyncio.create_task(runner.publish_post(post_id))
    await eventually(lambda: outcomes_of(delivery_id) == ['retry'])
    assert status_of(delivery_id) == DeliveryStatus.PENDING  # Telegram refused it: nothing is out there
    await stop(task)
    assert records.recover_abandoned() == [post_id]
    assert fake.sent == []


async def test_a_request_that_may_have_arrived_is_never_left_pending(fake, author, monkeypatch):
    from services.platforms.telegram.client import TelegramClient

    async def cut_off_after_sending(self, content, account):
        raise base.OutcomeUnknown('the connection broke after the request went out')

    monkeypatch.setattr(TelegramClient, 'publish', cut_off_after_sending)
    runner = runner_with(fake, TELEGRAM_PACING_SECONDS='0', RETRY_BASE_SECONDS=str(LONG))
    account = connect(DEFAULT_CHAT_ID, '@fakechannel')
    post_id, delivery_id = queue(author().id, 'maybe sent', account)
    task = asyncio.create_task(runner.publish_post(post_id))
    await eventually(lambda: outcomes_of(delivery_id) != [])
    assert status_of(delivery_id) != DeliveryStatus.PENDING
    await stop(task)
    assert records.recover_abandoned() == []  # never resent behind the user's back
    assert status_of(delivery_id) in (DeliveryStatus.INTERRUPTED, DeliveryStatus.FAILED)
