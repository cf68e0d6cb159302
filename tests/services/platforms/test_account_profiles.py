"""Who each account is, as its platform names it (`PlatformSpec.describe`), against fakes serving two accounts each."""
from __future__ import annotations

import io
import random
from pathlib import Path

import httpx
import pytest
from PIL import Image

from services.platforms import base
from services.platforms.base import Account, MediaFile, NeedsReconnect, PostContent, Rejected
from services.platforms.instagram import PLATFORM as INSTAGRAM
from services.platforms.instagram.client import InstagramClient
from services.platforms.spec import AccountProfile
from services.platforms.telegram import PLATFORM as TELEGRAM
from services.platforms.telegram.client import TelegramClient
from services.platforms.telegram.errors import BOT_MAY_NOT_POST, BOT_NOT_IN_CHAT, BOT_REMOVED
from services.platforms.tiktok import PLATFORM as TIKTOK
from services.platforms.tiktok.client import TikTokClient
from services.platforms.youtube import PLATFORM as YOUTUBE
from services.platforms.youtube.client import YouTubeClient
from tests.fakes import tiktok as fake_tiktok
from tests.fakes import youtube as fake_youtube
from tests.fakes.instagram import FakeIgUser, FakeInstagram
from tests.fakes.telegram import DEFAULT_TOKEN, FakeBot, FakeChat, FakeMember, FakeTelegram
from tests.fakes.tiktok import FakeCreator, FakeTikTok
from tests.fakes.youtube import FakeChannel, FakeYouTube

NEWS, CHAT = -1001000000001, -1001000000002
SECOND_BOT = FakeBot('987654321:AAOtherFakeTokenForTestsOnly-abcdef', 987654321, 'other_bot', 'Other')


@pytest.fixture(autouse=True)
async def fresh_http_client():
    """Each test runs in its own event loop; the shared client must not outlive it."""
    yield
    await base.close_http_client()


def jpeg(colour: str) -> bytes:
    picture = io.BytesIO()
    Image.new('RGB', (64, 64), colour).save(picture, 'JPEG')
    return picture.getvalue()


def telegram_chat(chat_id: int, token: str = DEFAULT_TOKEN) -> Account:
    return Account('telegram', {'bot_token': token, 'chat_id': str(chat_id)})


async def test_two_telegram_chats_of_one_bot_are_named_and_pictured_each_their_own():
    news = FakeChat(NEWS, 'channel', 'Daily News', 'dailynews', photo=jpeg('navy'))
    team = FakeChat(CHAT, 'supergroup', 'Team Room', None, photo=jpeg('orange'),
                    members={123456789: FakeMember('member')})
    with FakeTelegram(chats=[news, team]) as fake:
        client = TelegramClient(fake.base_url)
        first = await TELEGRAM.describe(client, telegram_chat(NEWS))
        second = await TELEGRAM.describe(client, telegram_chat(CHAT))
        pictures = [httpx.get(profile.picture_url) for profile in (first, second)]

    assert (first.remote_id, first.name, second.remote_id, second.name) == (
        str(NEWS), 'Daily News', str(CHAT), 'Team Room')
    assert [picture.content for picture in pictures] == [news.photo, team.photo]
    assert all(picture.headers['content-type'] == 'image/jpeg' for picture in pictures)


async def test_a_chat_without_a_picture_is_described_without_one():
    with FakeTelegram(chats=[FakeChat(NEWS, 'channel', 'Plain', None)]) as fake:
        profile = await TELEGRAM.describe(TelegramClient(fake.base_url), telegram_chat(NEWS))

    assert profile == AccountProfile(str(NEWS), 'Plain', '')


@pytest.mark.parametrize(('member', 'message'), [
    (FakeMember('member'), BOT_MAY_NOT_POST),
    (FakeMember('administrator', can_post_messages=False), BOT_MAY_NOT_POST),
    (FakeMember('left'), BOT_NOT_IN_CHAT),
])
async def test_a_channel_the_bot_may_not_post_in_is_refused_with_a_sentence_saying_what_to_do(member, message):
    with FakeTelegram(chats=[FakeChat(NEWS, members={123456789: member})]) as fake:
        with pytest.raises(Rejected) as refused:
            await TELEGRAM.describe(TelegramClient(fake.base_url), telegram_chat(NEWS))

    assert refused.value.message == message
    assert 'administrator allowed to post messages' in message


async def test_a_bot_thrown_out_of_a_chat_or_an_unknown_chat_is_refused_in_telegrams_words():
    with FakeTelegram(chats=[FakeChat(NEWS, members={123456789: FakeMember('kicked')})]) as fake:
        client = TelegramClient(fake.base_url)
        with pytest.raises(Rejected) as kicked:
            await TELEGRAM.describe(client, telegram_chat(NEWS))
        with pytest.raises(Rejected) as unknown:
            await TELEGRAM.describe(client, telegram_chat(-1009999))

    assert (kicked.value.status, kicked.value.message) == (403, 'Forbidden: bot was kicked from the channel chat')
    assert TELEGRAM.explain_error(kicked.value.message) == BOT_REMOVED
    assert (unknown.value.status, unknown.value.message) == (400, 'Bad Request: chat not found')


async def test_each_bot_is_judged_by_its_own_rights_in_a_shared_chat():
    shared = FakeChat(NEWS, title='Shared', members={SECOND_BOT.id: FakeMember('member')})
    with FakeTelegram(bots=[FakeBot(), SECOND_BOT], chats=[shared]) as fake:
        client = TelegramClient(fake.base_url)
        allowed = await TELEGRAM.describe(client, telegram_chat(NEWS))
        with pytest.raises(Rejected, match='may not post'):
            await TELEGRAM.describe(client, telegram_chat(NEWS, SECOND_BOT.token))

    assert allowed.name == 'Shared'


async def test_a_telegram_account_without_a_chat_needs_reconnecting():
    with FakeTelegram() as fake, pytest.raises(NeedsReconnect):
        await TELEGRAM.describe(TelegramClient(fake.base_url), Account('telegram', {'bot_token': DEFAULT_TOKEN}))


async def test_two_instagram_accounts_are_described_each_by_its_own_token():
    users = [FakeIgUser('IGAAFirstFakeTokenForTests000000000000', '17841400000000011', 'sea_shop', 'Sea Shop',
                        'https://cdn.example.test/sea.jpg'),
             FakeIgUser('IGAASecondFakeTokenForTests00000000000', '17841400000000022', 'hill_cafe', 'Hill Cafe')]
    with FakeInstagram(users) as fake:
        client = InstagramClient(fake.base_url)
        profiles = [await INSTAGRAM.describe(client, Account('instagram', {'access_token': user.token,
                                                                           'user_id': user.user_id}))
                    for user in users]
        by_id = httpx.get(f'{fake.base_url}/v25.0/{users[1].user_id}',
                          params={'access_token': users[1].token, 'fields': 'username,name'}).json()

    assert profiles == [AccountProfile('17841400000000011', 'Sea Shop', 'https://cdn.example.test/sea.jpg'),
                        AccountProfile('17841400000000022', 'Hill Cafe',
                                       'https://scontent.fake-cdn.invalid/v/hill_cafe.jpg')]
    assert by_id == {'id': '17841400000000022', 'username': 'hill_cafe', 'name': 'Hill Cafe'}


def youtube_account(refresh_token: str) -> Account:
    return Account('youtube', {'client_id': fake_youtube.DEFAULT_CLIENT_ID,
                               'client_secret': fake_youtube.DEFAULT_CLIENT_SECRET, 'refresh_token': refresh_token})


def clip(folder: Path, name: str) -> MediaFile:
    path = folder / f'{name}.mp4'
    path.write_bytes(random.Random(name).randbytes(5000))
    return MediaFile(path, 'video/mp4', width=1280, height=720, duration_s=3.0)


async def test_two_youtube_channels_are_described_and_get_their_own_uploads(tmp_path):
    brand = FakeChannel('UCbrand00000000000000000', 'Brand', '1//brand-refresh', 'https://yt.example.test/b.jpg')
    personal = FakeChannel('UCpersonal00000000000000', 'Personal', '1//personal-refresh')
    with FakeYouTube([brand, personal]) as fake:
        client = YouTubeClient(fake.base_url, fake.base_url)
        accounts = [youtube_account(channel.refresh_token) for channel in (brand, personal)]
        profiles = [await YOUTUBE.describe(client, account) for account in accounts]
        await client.publish(PostContent('', (clip(tmp_path, 'b'),), {'title': 'For the brand'}), accounts[0])
        await client.publish(PostContent('', (clip(tmp_path, 'p'),), {'title': 'Mine'}), accounts[1])

        assert profiles == [AccountProfile(brand.id, 'Brand', 'https://yt.example.test/b.jpg'),
                            AccountProfile(personal.id, 'Personal',
                                           f'https://yt3.fake-cdn.invalid/{personal.id}=s88-c-k')]
        assert [video.snippet['title'] for video in fake.videos_on(brand.id)] == ['For the brand']
        assert [video.snippet['title'] for video in fake.videos_on(personal.id)] == ['Mine']


def tiktok_account(creator: FakeCreator, **more: str) -> Account:
    return Account('tiktok', {'client_key': fake_tiktok.DEFAULT_CLIENT_KEY,
                              'client_secret': fake_tiktok.DEFAULT_CLIENT_SECRET,
                              'access_token': creator.access_token, 'refresh_token': creator.refresh_token or '',
                              **more})


async def test_two_tiktok_creators_are_described_and_get_their_own_uploads(tmp_path):
    dancer = FakeCreator('open-dancer', 'dancer', 'The Dancer', 'https://tt.example.test/d.jpeg',
                         'act.dancer', 'rft.dancer', privacy_level_options=('SELF_ONLY',))
    cook = FakeCreator('open-cook', 'cook', '', access_token='act.cook', refresh_token='rft.cook')
    with FakeTikTok([dancer, cook], processing_polls=0) as fake:
        client = TikTokClient(fake.base_url, poll_interval=0.01)
        profiles = [await TIKTOK.describe(client, tiktok_account(dancer, open_id='open-dancer')),
                    await TIKTOK.describe(client, tiktok_account(cook))]
        limits = await TIKTOK.posting_limits(client, tiktok_account(dancer))
        await client.publish(PostContent('Cooking', (clip(tmp_path, 'c'),), {}), tiktok_account(cook))

        assert profiles == [AccountProfile('open-dancer', 'The Dancer', 'https://tt.example.test/d.jpeg'),
                            AccountProfile('cook', '@cook', 'https://p16-sign.fake-cdn.invalid/avatar/cook.jpeg')]
        assert limits.choices == {'privacy': ('SELF_ONLY',)}
        assert [upload.title for upload in fake.uploads_by('open-cook')] == ['Cooking']
        assert fake.uploads_by('open-dancer') == []
