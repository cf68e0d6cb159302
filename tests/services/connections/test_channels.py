"""Channels from the environment, who each channel is on its platform (its name, id and picture, asked with
`PlatformSpec.describe`), and another chat for a known bot — against the fake Telegram."""
from __future__ import annotations

import pytest

from services.connections import accounts, channels, pictures, profiles
from services.core.models import AccountStatus
from services.platforms import base
from services.platforms.base import Rejected
from services.platforms.telegram.errors import BOT_MAY_NOT_POST
from tests.fakes.telegram import DEFAULT_TOKEN, FakeBot, FakeChat, FakeMember, FakeTelegram
from tests.harness import boot, first_admin

BOT = FakeBot()
JPEG = b'\xff\xd8\xff\xe0' + b'fake picture' * 10
ENGLISH = FakeChat(id=-1001111111111, title='English news', username='a', photo=JPEG)
ARABIC = FakeChat(id=-1002222222222, title='الأخبار', username='b')
CLOSED = FakeChat(id=-1003333333333, title='Closed', username='closed',
                  members={BOT.id: FakeMember(status='administrator', can_post_messages=False)})


@pytest.fixture
async def telegram():
    with FakeTelegram(bots=[BOT], chats=[ENGLISH, ARABIC, CLOSED]) as fake:
        yield fake
    await base.close_http_client()


def boot_with(telegram: FakeTelegram, chats: str):
    return boot(TELEGRAM_API_URL=telegram.base_url, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_CHAT_ID=chats)


def test_each_chat_of_telegram_chat_id_becomes_a_channel_of_the_one_bot(telegram):
    settings = boot_with(telegram, '@a, @b')
    accounts.sync_env_accounts(settings)
    accounts.sync_env_accounts(settings)  # a restart with the same environment adds nothing

    found = channels.list_channels()
    assert [(channel.platform, channel.address, channel.status) for channel in found] == [
        ('telegram', {'chat_id': '@a'}, AccountStatus.CONNECTED),
        ('telegram', {'chat_id': '@b'}, AccountStatus.CONNECTED)]
    assert len({channel.account_id for channel in found}) == 1 and len(accounts.list_accounts()) == 1
    assert [channels.credentials_for(channel).credentials['chat_id'] for channel in found] == ['@a', '@b']


async def test_test_connection_names_each_chat_and_a_chat_that_refuses_the_bot_alone_needs_reconnecting(telegram):
    settings = boot_with(telegram, '@a,@closed')
    accounts.sync_env_accounts(settings)
    english, closed = channels.list_channels()

    profile = await profiles.refresh_profile(english, settings)
    with pytest.raises(Rejected) as refusal:
        await profiles.refresh_profile(closed, settings)

    assert (profile.remote_id, profile.name) == (str(ENGLISH.id), 'English news')
    assert refusal.value.message == BOT_MAY_NOT_POST
    english, closed = channels.list_channels()
    assert (english.remote_name, english.remote_id, english.status) == \
        ('English news', str(ENGLISH.id), AccountStatus.CONNECTED)
    assert closed.status == AccountStatus.NEEDS_RECONNECT
    # the picture was fetched at once (Telegram's address holds the token and expires); the token is not kept
    # in the clear beside the encrypted credentials, only the address's digest; pages get the app's own address
    assert DEFAULT_TOKEN not in english.picture_url and english.picture_url.startswith('sha256:')
    assert pictures.address(english).startswith(f'/channel-picture/{english.id}?v=')
    path, kind = pictures.stored(english, settings)
    assert (path.read_bytes(), kind) == (JPEG, 'image/jpeg')


async def test_another_chat_is_checked_then_added_and_a_refusal_saves_nothing(telegram):
    settings = boot_with(telegram, '@a')
    admin = first_admin()
    accounts.sync_env_accounts(settings)
    [first] = channels.list_channels()

    with pytest.raises(Rejected):
        await profiles.add_to_account(first.account_id, {'chat_id': '@closed'}, settings, admin)
    assert len(channels.list_channels()) == 1
    added = await profiles.add_to_account(first.account_id, {'chat_id': str(ARABIC.id)}, settings, admin)
    again = await profiles.add_to_account(first.account_id, {'chat_id': '@b'}, settings, admin)  # the same chat

    assert again.id == added.id and (added.remote_name, added.connected_by) == ('الأخبار', admin.id)
    assert [channel.account_id for channel in channels.list_channels()] == [first.account_id] * 2


async def test_a_picture_that_is_not_an_image_is_not_kept(telegram):
    settings = boot_with(telegram, '@a')
    accounts.sync_env_accounts(settings)
    [channel] = channels.list_channels()
    channel = channels.keep_profile(channel.id, '1', 'A', f'{telegram.base_url}/not-a-picture')
    assert await pictures.fetch(channel, settings) is None
    assert pictures.stored(channel, settings) is None


def test_a_chat_of_the_environment_disconnected_on_the_page_comes_back_at_the_next_start(telegram):
    settings = boot_with(telegram, '@a,@b')
    admin = first_admin()
    accounts.sync_env_accounts(settings)
    english, arabic = channels.list_channels()
    channels.disconnect_channel(arabic.id, admin)
    assert channels.get_channel(arabic.id).status == AccountStatus.DISCONNECTED

    accounts.sync_env_accounts(settings)  # the next start, the environment unchanged

    assert [(channel.id, channel.status) for channel in channels.list_channels()] == [
        (english.id, AccountStatus.CONNECTED), (arabic.id, AccountStatus.CONNECTED)]
