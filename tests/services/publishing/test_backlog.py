"""A process takes of the due posts what it can send soon (its backlog), the longest due first, and the rest once
its backlog runs low, so that processes on one database share a burst; a paced channel's queue or a retry's wait
holds no room."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from services.connections import accounts, channels
from services.core import db
from services.core.models import Delivery, DeliveryStatus, PostStatus, utcnow
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.publishing import engine, records
from tests.fakes import telegram as fake_telegram
from tests.harness import FAKE_ACCOUNTS, boot, connected, first_admin, scheduled, stop_services

pytestmark = pytest.mark.both_databases  # PostgreSQL plans the take differently (see take_due)

SECOND_CHAT = fake_telegram.FakeChat(id=-1002000000002, title='Second Channel', username='secondchannel')


def due(count: int, author_id: int, *, channel_ids: list[int] | None = None) -> list[int]:
    """`count` posts that fell due one minute apart, the longest due first."""
    start = utcnow() - timedelta(minutes=count + 1)
    if channel_ids is None:
        return [scheduled(f'Post {n}', at=start + timedelta(minutes=n), author_id=author_id) for n in range(count)]
    return [editing.save_post(author_id, PostInput(text=f'Post {n}', channels=channel_ids,
                                                   scheduled_at=start + timedelta(minutes=n)),
                              SaveAction.SCHEDULE, now=start - timedelta(minutes=1)).id for n in range(count)]


def owners() -> dict[int, str | None]:
    with db.session() as session:
        return dict(session.exec(select(Delivery.post_id, Delivery.owner)).all())


async def test_a_take_reserves_at_most_its_room_the_longest_due_first_and_says_when_it_stopped_there():
    boot()
    author = first_admin('author')
    connected('telegram')
    posts = due(5, author.id)

    first = records.take_due([posts[4]], 'process a', utcnow() + timedelta(minutes=1), room=2)
    rest = records.take_due([], 'process b', utcnow() + timedelta(minutes=1), room=10)

    # the timer of the latest post woke process a, which took the two longest due
    assert sorted(first.by_post) == posts[:2] and first.full
    assert sorted(rest.by_post) == posts[2:] and not rest.full
    assert owners() == {**dict.fromkeys(posts[:2], 'process a'), **dict.fromkeys(posts[2:], 'process b')}
    assert all(editing.get_post(post_id).post.status == PostStatus.PUBLISHING for post_id in posts)


async def test_a_timer_firing_for_a_post_its_process_already_took_hands_out_nothing_again():
    boot()
    author = first_admin('author')
    connected('telegram')
    posts = due(3, author.id)
    lease = utcnow() + timedelta(minutes=1)
    records.take_due([posts[0]], 'process a', lease, room=10)  # a take woken by the first timer took all three

    # the later timers fire while the three wait for their turn: each is held by a task of process a already
    again = records.take_due(posts[1:], 'process a', lease, room=10)

    assert again.by_post == {} and not again.full
    assert owners() == dict.fromkeys(posts, 'process a')


async def test_a_burst_larger_than_the_backlog_is_sent_whole_once_each_in_the_order_it_fell_due():
    with fake_telegram.FakeTelegram() as fake:
        # one sending slot: the backlog is four deliveries, so the twelve posts take four takes or more
        settings = boot(TELEGRAM_API_URL=fake.base_url, TELEGRAM_PACING_SECONDS='0', PUBLISH_CONCURRENCY='1')
        author = first_admin('author')
        connected('telegram')
        posts = due(12, author.id)
        runner = engine.init_engine(settings)

        runner.start(posts[-1])  # one timer fires: the rest is taken as the backlog runs low
        await runner.wait_idle()
        await stop_services()

    assert [message.text for message in fake.sent] == [f'Post {n}' for n in range(12)]
    assert all(editing.get_post(post_id).post.status == PostStatus.PUBLISHED for post_id in posts)


async def test_a_long_paced_queue_to_one_channel_leaves_room_for_the_posts_of_another():
    with fake_telegram.FakeTelegram(chats=[fake_telegram.FakeChat(), SECOND_CHAT]) as fake:
        # a minute between two messages into one chat, and a backlog of four deliveries
        settings = boot(TELEGRAM_API_URL=fake.base_url, TELEGRAM_PACING_SECONDS='60', PUBLISH_CONCURRENCY='1')
        author = first_admin('author')
        connected('telegram')
        accounts.save_account('telegram', '@secondchannel', {**FAKE_ACCOUNTS['telegram'][1],
                                                             'chat_id': str(SECOND_CHAT.id)})
        first, second = (channel.id for channel in channels.list_channels(platform='telegram'))
        crowded = due(8, author.id, channel_ids=[first])
        other = editing.save_post(author.id, PostInput(text='To the other chat', channels=[second],
                                                       scheduled_at=utcnow() - timedelta(seconds=30)),
                                  SaveAction.SCHEDULE, now=utcnow() - timedelta(minutes=1)).id
        runner = engine.init_engine(settings)

        for post_id in crowded:
            runner.start(post_id)
        runner.start(other)
        for _ in range(200):
            if any(message.chat_id == SECOND_CHAT.id for message in fake.sent):
                break
            await asyncio.sleep(0.05)
        sent = [(message.chat_id, message.text) for message in fake.sent]
        await runner.drain()
        await stop_services()

    # the first chat's first post went, its seven others wait for their turn (a minute each), and the post to the
    # second chat was taken and sent meanwhile, though it fell due last
    assert sent.count((SECOND_CHAT.id, 'To the other chat')) == 1
    assert [text for chat, text in sent if chat != SECOND_CHAT.id] == ['Post 0']
    with db.session() as session:
        waiting = session.exec(select(Delivery.status).where(Delivery.post_id.in_(crowded[1:]))).all()
    assert waiting == [DeliveryStatus.PENDING] * 7  # given back at the drain, for the next start

