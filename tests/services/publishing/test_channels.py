"""A post goes to channels: several per platform, each with its own credentials or sharing a bot, each with its own
version; the engine keeps each platform's limits per channel and per shared bot."""
from __future__ import annotations

import pytest
from sqlmodel import select

from services.connections import accounts, channels
from services.core import db
from services.core.models import AccountStatus, Channel, Delivery, DeliveryStatus, PostStatus
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.posts.versions import Version
from services.publishing import engine
from tests.fakes import telegram as fake_telegram
from tests.harness import FAKE_ACCOUNTS, boot, first_admin, stop_services
from tests.media_samples import make_clip_for_every_platform
from tests.services.publishing.test_fanout import (
    PLATFORMS,
    SECOND_CHAT,
    SECOND_IG,
    SECOND_TT,
    SECOND_YT,
    FourFakes,
    store_video,
)

BOT = FAKE_ACCOUNTS['telegram'][1]['bot_token']


@pytest.fixture
async def eight():
    """Two channels of each platform, connected to the four fakes."""
    with FourFakes() as fakes:
        settings = boot(**fakes.environ())
        author = first_admin('author')
        FourFakes.connect_accounts(both=True)
        yield fakes, engine.init_engine(settings), author
        await stop_services()


def channel_ids(platform: str) -> list[int]:
    return [channel.id for channel in channels.list_channels(platform=platform)]


def publish(author_id: int, data: PostInput) -> int:
    return editing.save_post(author_id, data, SaveAction.PUBLISH).id


def deliveries_of(post_id: int) -> dict[int, Delivery]:
    with db.session() as session:
        return {d.channel_id: d for d in session.exec(select(Delivery).where(Delivery.post_id == post_id))}


async def test_two_chats_of_one_bot_each_get_their_own_text_once(eight):
    fakes, runner, author = eight
    arabic, english = channel_ids('telegram')
    post_id = publish(author.id, PostInput(text='Main text', channels=[arabic, english],
                                           versions={arabic: Version(text='مرحبا بالعالم'),
                                                     english: Version(text='Hello, world')}))

    await runner.publish_post(post_id)

    assert sorted((m.chat_id, m.text) for m in fakes.telegram.sent) == \
        sorted([(fake_telegram.DEFAULT_CHAT_ID, 'مرحبا بالعالم'), (SECOND_CHAT.id, 'Hello, world')])
    assert {d.status for d in deliveries_of(post_id).values()} == {DeliveryStatus.PUBLISHED}
    assert len(accounts.list_accounts()) == 4 + 3  # one bot for both chats; two of each other platform


async def test_one_post_reaches_two_accounts_of_every_platform_once_each_on_its_own_account(eight, tmp_path):
    fakes, runner, author = eight
    clip = make_clip_for_every_platform(tmp_path)
    media_id = (await store_video(clip, author.id)).id
    chosen = [channel for platform in PLATFORMS for channel in channel_ids(platform)]
    assert len(chosen) == 8
    post_id = publish(author.id, PostInput(text='Everywhere twice', media_ids=[media_id], channels=chosen,
                                           options={'youtube': {'title': 'Twice', 'privacy': 'private'},
                                                    'tiktok': {'privacy': 'SELF_ONLY'}}))

    await runner.publish_post(post_id)

    assert editing.get_post(post_id).post.status == PostStatus.PUBLISHED
    assert sorted(m.chat_id for m in fakes.telegram.sent) == sorted([fake_telegram.DEFAULT_CHAT_ID, SECOND_CHAT.id])
    assert [len(fakes.instagram.published_by(user)) for user in ('17841400000000001', SECOND_IG.user_id)] == [1, 1]
    assert [len(fakes.youtube.videos_on(channel)) for channel in (fake_youtube_first(fakes), SECOND_YT.id)] == [1, 1]
    assert [len(fakes.tiktok.uploads_by(creator)) for creator in ('fake-open-id', SECOND_TT.open_id)] == [1, 1]
    assert {d.attempt_count for d in deliveries_of(post_id).values()} == {1}


def fake_youtube_first(fakes: FourFakes) -> str:
    return next(channel for channel in fakes.youtube.channels if channel != SECOND_YT.id)


async def test_a_channel_that_needs_reconnecting_fails_only_its_own_delivery(eight, tmp_path):
    fakes, runner, author = eight
    fakes.youtube.revoke(SECOND_YT.refresh_token)
    clip = make_clip_for_every_platform(tmp_path)
    media_id = (await store_video(clip, author.id)).id
    first, second = channel_ids('youtube')
    post_id = publish(author.id, PostInput(text='One of two', media_ids=[media_id], channels=[first, second],
                                           options={'youtube': {'title': 'One of two', 'privacy': 'private'}}))

    await runner.publish_post(post_id)

    found = deliveries_of(post_id)
    assert (found[first].status, found[second].status) == (DeliveryStatus.PUBLISHED, DeliveryStatus.FAILED)
    assert editing.get_post(post_id).post.status == PostStatus.PARTLY_PUBLISHED
    with db.session() as session:
        assert (session.get(Channel, first).status, session.get(Channel, second).status) == \
            (AccountStatus.CONNECTED, AccountStatus.NEEDS_RECONNECT)
    assert [len(fakes.youtube.videos_on(channel)) for channel in (fake_youtube_first(fakes), SECOND_YT.id)] == [1, 0]


async def test_one_bot_posting_into_ten_chats_keeps_telegrams_limits_and_sends_each_message_once():
    chats = [fake_telegram.FakeChat(id=-1003000000000 - n, title=f'Chat {n}', username=f'chat{n}') for n in range(10)]
    # Telegram's limits, strictly: one message a second into a chat (no burst), thirty a second for the bot
    with fake_telegram.FakeTelegram(chats=chats, limits=True, chat_burst=1) as fake:
        settings = boot(TELEGRAM_API_URL=fake.base_url, TELEGRAM_PACING_SECONDS='1')
        author = first_admin('author')
        for chat in chats:
            accounts.save_account('telegram', chat.title, {'bot_token': BOT, 'chat_id': str(chat.id)})
        runner = engine.init_engine(settings)
        chosen = channel_ids('telegram')
        posts = [publish(author.id, PostInput(text=f'Message {n}', channels=chosen)) for n in range(2)]

        for post_id in posts:
            runner.start(post_id)
        await runner.wait_idle()
        await stop_services()

    assert len(accounts.list_accounts()) == 1 and len(chosen) == 10  # one bot, ten channels
    assert fake.answered_429 == 0
    for chat in chats:
        assert [m.text for m in fake.sent if m.chat_id == chat.id] == ['Message 0', 'Message 1']
    assert all(editing.get_post(post_id).post.status == PostStatus.PUBLISHED for post_id in posts)
