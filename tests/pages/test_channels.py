"""The Channels page and the composer's channel warnings: connecting through OAuth (the platform's side played by the
fakes; a second user of a platform is a second channel), another chat for a known bot, channels from the
environment, rename, Reconnect, disconnect, PUBLIC_BASE_URL, TikTok's own privacy options."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from nicegui import app, core, ui
from nicegui.testing import User
from nicegui.testing.user_navigate import UserNavigate

from services.connections import accounts, channels, oauth, pictures
from services.core import i18n
from services.core.config import get_settings
from services.core.i18n import format_datetime
from services.core.models import AccountStatus
from services.platforms.telegram.errors import BOT_MAY_NOT_POST
from services.posts import editing
from services.publishing.engine import get_engine
from services.team import users
from services.web import oauth_callback as oauth_pages
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.fakes import instagram as fake_instagram
from tests.fakes import tiktok as fake_tiktok
from tests.fakes import youtube as fake_youtube
from tests.fakes.instagram import FakeIgUser
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeBot, FakeChat, FakeMember, FakeTelegram
from tests.fakes.tiktok_types import FakeCreator
from tests.fakes.youtube import FakeChannel
from tests.harness.builders import channels_of, deliveries_of
from tests.services.connections.test_oauth import CLIENTS, OAuthInstagram, OAuthTikTok, OAuthYouTube

YOUTUBE_ENV = {'YOUTUBE_CLIENT_ID': fake_youtube.DEFAULT_CLIENT_ID,
               'YOUTUBE_CLIENT_SECRET': fake_youtube.DEFAULT_CLIENT_SECRET,
               'YOUTUBE_REFRESH_TOKEN': fake_youtube.DEFAULT_REFRESH_TOKEN}


class ExternalNavigation(UserNavigate):
    """Records navigation to other sites (a platform's sign-in), which the simulated browser cannot follow."""

    def __init__(self, user: User) -> None:
        super().__init__(user)
        self.external: list[str] = []

    def to(self, target, new_tab: bool = False) -> None:
        if isinstance(target, str) and urlsplit(target).scheme:
            self.external.append(target)
            return
        super().to(target, new_tab)


@pytest.fixture
def youtube(monkeypatch):
    with OAuthYouTube() as fake:
        monkeypatch.setenv('YOUTUBE_API_URL', fake.base_url)
        monkeypatch.setenv('YOUTUBE_OAUTH_URL', fake.base_url)
        yield fake


@pytest.fixture
def youtube_from_env(youtube, monkeypatch):
    for name, value in YOUTUBE_ENV.items():
        monkeypatch.setenv(name, value)
    return youtube


@pytest.fixture
def tiktok_from_env(monkeypatch):
    with OAuthTikTok(privacy_level_options=('FOLLOWER_OF_CREATOR', 'SELF_ONLY')) as fake:
        for name, value in {'TIKTOK_API_URL': fake.base_url, 'TIKTOK_CLIENT_KEY': fake_tiktok.DEFAULT_CLIENT_KEY,
                            'TIKTOK_CLIENT_SECRET': fake_tiktok.DEFAULT_CLIENT_SECRET,
                            'TIKTOK_ACCESS_TOKEN': fake_tiktok.DEFAULT_ACCESS_TOKEN,
                            'TIKTOK_REFRESH_TOKEN': fake_tiktok.DEFAULT_REFRESH_TOKEN}.items():
            monkeypatch.setenv(name, value)
        yield fake


@pytest.fixture
def instagram_from_env(monkeypatch):
    monkeypatch.setenv('INSTAGRAM_ACCESS_TOKEN', 'IGAAFakeLongLivedTokenForTestsOnly0123456789')
    monkeypatch.setenv('INSTAGRAM_USER_ID', '17841400000000001')


@pytest.fixture
def public_url(monkeypatch):
    monkeypatch.setenv('PUBLIC_BASE_URL', 'http://test')  # the simulated browser's own address


async def signed_in(user: User) -> User:
    """Sign in, with the OAuth callback served (app.py's router list may not have it yet)."""
    if not any(getattr(route, 'path', None) == oauth.CALLBACK_PATH
               or getattr(route, 'original_router', None) is oauth_pages.router for route in app.routes):
        app.include_router(oauth_pages.router)
    await open_signed_in(user, *ADMIN)
    user.navigate = ExternalNavigation(user)
    return user


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


async def test_connect_runs_the_sign_in_and_shows_the_channel_with_its_token_expiry(youtube, public_url, user, admin):
    await signed_in(user)
    await user.open('/channels')
    await user.should_see('http://test/oauth/youtube/callback')
    user.find(marker='youtube-client-id').type(fake_youtube.DEFAULT_CLIENT_ID)
    user.find(marker='youtube-client-secret').type(fake_youtube.DEFAULT_CLIENT_SECRET)
    user.find(marker='connect-youtube-button').click()
    authorize = await eventually(lambda: user.navigate.external)
    assert authorize[0].startswith('https://accounts.google.com/o/oauth2/v2/auth?')
    query = query_of(authorize[0])
    # the user allowed access; Google sends the browser back
    code = youtube.grant(query['redirect_uri'], query['code_challenge'])

    await user.open(f'/oauth/youtube/callback?state={query["state"]}&code={code}&scope=youtube.upload')

    await user.should_see('YouTube is connected as Fake Channel.')
    account = accounts.list_accounts()[0]
    [channel] = channels.list_channels()
    when = format_datetime('en', account.token_expires_at, 'Europe/Berlin')
    await user.should_see(f'Token valid until {when}; it is renewed automatically before then.')
    await user.should_see(marker=f'channel-status-{channel.id}')
    assert user.find(marker=f'channel-status-{channel.id}').elements.pop().text == 'Connected'
    assert (channel.remote_id, channel.remote_name) == (fake_youtube.CHANNEL_ID, 'Fake Channel')
    connected = format_datetime('en', channel.created_at, 'Europe/Berlin')
    await user.should_see(f'Connected by \u2068{ADMIN[0]}\u2069 on {connected}')


async def test_callback_with_a_foreign_state_connects_nothing(youtube, public_url, user, admin):
    await signed_in(user)
    await user.open('/oauth/youtube/callback?state=not-one-of-ours&code=4/0stolen')
    await user.should_see('This connection attempt has expired or was already used. Click Connect again.')
    assert accounts.list_accounts() == [] and youtube.calls_of('token') == []


async def test_callback_without_a_signed_in_session_goes_to_sign_in(youtube, public_url, user, admin):
    await signed_in(user)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='http://test') as anonymous:
        response = await anonymous.get('/oauth/youtube/callback?state=abc&code=4/0xyz')
    assert response.status_code in (302, 303, 307)
    assert response.headers['location'].startswith('/login')
    assert youtube.calls_of('token') == []


async def test_environment_account_is_listed_tested_and_named(youtube_from_env, user, admin):
    await signed_in(user)
    await user.open('/channels')
    await user.should_see('Set by environment variables.')
    await user.should_see('(name not known yet: use Test connection)')
    user.find(marker='test-connection').click()
    await user.should_see('Connected as Fake Channel.', retries=40, kind=ui.notification)
    await user.should_see('Fake Channel', retries=40)


async def test_revoked_account_shows_reconnect_and_the_composer_warns(youtube_from_env, public_url, user, admin):
    youtube = youtube_from_env
    await signed_in(user)
    account = accounts.list_accounts()[0]
    youtube.revoke()
    await user.open('/channels')
    user.find(marker='test-connection').click()
    await user.should_see('YouTube did not accept these credentials. Check them and try again.', retries=40,
                          kind=ui.notification)
    await eventually(lambda: accounts.get_account(account.id).status == AccountStatus.NEEDS_RECONNECT)

    draft = editing.save_post(1, editing.PostInput(text='For the channel', channels=channels_of(['youtube']),
                                               options={'youtube': {'title': 'Clip'}}), editing.SaveAction.DRAFT)
    await user.open(f'/compose?post={draft.id}')
    await user.should_see('YouTube needs reconnecting: it no longer accepts this account\'s sign-in, so nothing can '
                          'be scheduled or published to it. Reconnect it on the Channels page.')

    await user.open('/channels')
    [channel] = channels.list_channels()
    user.find(marker=f'reconnect-{channel.id}').click()  # the app is the one from the environment
    authorize = await eventually(lambda: user.navigate.external)
    query = query_of(authorize[0])
    assert query['client_id'] == fake_youtube.DEFAULT_CLIENT_ID
    code = youtube.grant(query['redirect_uri'], query['code_challenge'])
    await user.open(f'/oauth/youtube/callback?state={query["state"]}&code={code}')
    await user.should_see('YouTube is connected as Fake Channel.')
    assert [(a.id, a.status) for a in accounts.list_accounts()] == [(account.id, AccountStatus.CONNECTED)]
    accounts.sync_env_accounts(get_settings())  # a restart: the environment's account is this one, new tokens kept
    assert [a.id for a in accounts.list_accounts()] == [account.id]
    stored = accounts.credentials_of(accounts.get_account(account.id)).credentials
    assert stored['refresh_token'] != fake_youtube.DEFAULT_REFRESH_TOKEN


async def test_without_public_base_url_the_pages_say_instagram_needs_it_and_why(instagram_from_env, user, admin):
    await signed_in(user)
    await user.open('/channels')
    await user.should_see(marker='instagram-needs-public-url')
    await user.should_see('it downloads every photo and video from this app')
    await user.should_see('Connecting YouTube in the app needs PUBLIC_BASE_URL: after you allow access, YouTube '
                          'sends you back to this app at that address.')
    assert not user.find(marker='connect-youtube-button').elements.pop().enabled

    await user.open('/compose')
    await user.should_see('Needs PUBLIC_BASE_URL')
    user.find(marker='platform-instagram').elements.pop().set_value(True)
    await user.should_see(marker='warning-instagram')
    await user.should_see('Instagram does not take uploads: it downloads every photo and video from this app')


async def test_composer_offers_the_privacy_levels_tiktok_allows_the_creator(tiktok_from_env, user, admin):
    await signed_in(user)
    await user.open('/compose')
    user.find(marker='platform-tiktok').elements.pop().set_value(True)
    await user.should_see(marker='tiktok-privacy', retries=40)
    await eventually(lambda: list(user.find(marker='tiktok-privacy').elements.pop().options)
                     == ['FOLLOWER_OF_CREATOR', 'SELF_ONLY'])
    await user.should_see('Followers')
    assert len(tiktok_from_env.calls_to('creator_info')) == 1


BOT = FakeBot()
SECOND_CHAT = FakeChat(id=-1002222222222, title='Arabic news', username='arabicnews',
                       photo=b'\xff\xd8\xff\xe0fake-jpeg')
READ_ONLY_CHAT = FakeChat(id=-1003333333333, title='Read only', username='readonly',
                          members={BOT.id: FakeMember(status='administrator', can_post_messages=False)})


@pytest.fixture
def telegram_with_chats(monkeypatch):
    """The fake Telegram knowing the environment's chat, a second chat and one where the bot may not post."""
    with FakeTelegram(bots=[BOT], chats=[FakeChat(), SECOND_CHAT, READ_ONLY_CHAT]) as fake:
        for name, value in {'TELEGRAM_API_URL': fake.base_url, 'TELEGRAM_BOT_TOKEN': DEFAULT_TOKEN,
                            'TELEGRAM_CHAT_ID': str(DEFAULT_CHAT_ID), 'TELEGRAM_PACING_SECONDS': '0'}.items():
            monkeypatch.setenv(name, value)
        yield fake


async def test_a_second_chat_is_added_to_the_known_bot_with_its_name_and_picture(telegram_with_chats, user, admin):
    await signed_in(user)
    await user.open('/channels')
    [first] = channels.list_channels()
    user.find(marker=f'another-chat-id-{first.account_id}').type('@arabicnews')
    user.find(marker=f'add-channel-button-{first.account_id}').click()

    await user.should_see('\u2068Telegram · Arabic news\u2069 was added.', kind=ui.notification, retries=40)
    second = channels.list_channels()[1]
    assert (second.account_id, second.address, second.remote_id, second.remote_name, second.status) == \
        (first.account_id, {'chat_id': '@arabicnews'}, str(SECOND_CHAT.id), 'Arabic news', AccountStatus.CONNECTED)
    await user.should_see(marker=f'channel-card-{second.id}', retries=20)
    await user.should_see('Arabic news')
    # the picture comes from the app, which fetched it; the Bot API's address (it holds the token) is in no page
    sources = [image.source for image in user.find(ui.image).elements]
    assert sources and all(source.startswith(f'/channel-picture/{second.id}?v=') for source in sources)
    assert not any(DEFAULT_TOKEN in str(element._props) for element in user.find(ui.element).elements)
    path, kind = pictures.stored(second, get_settings())
    assert (path.read_bytes(), kind) == (SECOND_CHAT.photo, 'image/jpeg')
    served = await user.http_client.get(sources[0])
    assert (served.status_code, served.headers['content-type'], served.content) == \
        (200, 'image/jpeg', SECOND_CHAT.photo)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='http://test') as anonymous:
        refused = await anonymous.get(sources[0])
    assert refused.status_code in (302, 303, 307) and refused.headers['location'].startswith('/login')


async def test_a_chat_where_the_bot_may_not_post_is_refused_and_nothing_is_saved(telegram_with_chats, user, admin):
    await signed_in(user)
    await user.open('/channels')
    [first] = channels.list_channels()
    user.find(marker=f'another-chat-id-{first.account_id}').type('@readonly')
    user.find(marker=f'add-channel-button-{first.account_id}').click()
    await user.should_see('Telegram refused: The bot may not post in this chat. Make it an administrator allowed to '
                          'post messages, then retry.', retries=40)
    user.find(marker=f'another-chat-id-{first.account_id}').clear().type('@nosuchchat')
    user.find(marker=f'add-channel-button-{first.account_id}').click()
    await user.should_see('Telegram refused: Telegram cannot find this chat.', retries=40)
    assert [channel.id for channel in channels.list_channels()] == [first.id]


async def test_the_refusal_is_in_the_users_language(telegram_with_chats, user, admin):
    users.set_language(admin.id, 'ar')
    await signed_in(user)
    await user.open('/channels')
    [first] = channels.list_channels()
    user.find(marker=f'another-chat-id-{first.account_id}').type('@readonly')
    user.find(marker=f'add-channel-button-{first.account_id}').click()
    await user.should_see(i18n.translate('ar', BOT_MAY_NOT_POST), retries=40)
    assert i18n.translate('ar', BOT_MAY_NOT_POST) != BOT_MAY_NOT_POST
    assert len(channels.list_channels()) == 1


async def test_rename_gives_the_channel_the_teams_name_and_keeps_the_platforms(telegram_with_chats, user, admin):
    await signed_in(user)
    await user.open('/channels')
    [channel] = channels.list_channels()
    user.find(marker=f'test-connection-{channel.id}').click()
    await user.should_see('Connected as Fake Channel.', kind=ui.notification, retries=40)
    user.find(marker=f'rename-{channel.id}').click()
    await user.should_see(marker='rename-input', retries=20)
    user.find(marker='rename-input').clear().type('English news')
    user.find(marker='rename-save').click()
    await user.should_see('English news', retries=20)
    await user.should_see('On Telegram: \u2068Fake Channel\u2069')
    assert channels.get_channel(channel.id).name == 'English news'


async def test_disconnect_asks_then_keeps_the_posts_history(telegram_with_chats, user, admin):
    await signed_in(user)
    [channel] = channels.list_channels()
    post = editing.save_post(1, editing.PostInput(text='Already out', channels=[channel.id]),
                             editing.SaveAction.PUBLISH)
    await get_engine().publish_post(post.id)
    await get_engine().wait_idle()
    await user.open('/channels')
    user.find(marker=f'disconnect-{channel.id}').click()
    await user.should_see('Nothing scheduled goes to this channel now. Its published posts and their history stay.',
                          retries=40)
    await user.should_see('it comes back the next time the app starts')
    user.find(marker='confirm-disconnect').click()
    await user.should_see('was disconnected.', kind=ui.notification, retries=40)
    await user.should_not_see(marker=f'channel-card-{channel.id}', retries=20)
    await user.should_see('No channel is connected yet. Connect one below.')

    assert channels.get_channel(channel.id).status == AccountStatus.DISCONNECTED
    [delivery] = deliveries_of(post.id)
    assert (delivery.channel_id, delivery.status) == (channel.id, 'published')
    await user.open(f'/history/{post.id}')
    await user.should_see('Already out')
    await user.should_see(marker='delivery-telegram')
    assert [badge.text for badge in user.find(marker='status-telegram').elements] == ['Published']


async def connect_through_page(browser: User, platform: str, fake, **who) -> None:
    """Connect on the Channels page: the app's id and secret, Connect, allow access as `who` at the platform's fake,
    back to the callback."""
    browser.navigate.external.clear()
    await browser.open('/channels')
    client_id, client_secret = CLIENTS[platform]
    browser.find(marker=f'{platform}-client-id').type(client_id)
    browser.find(marker=f'{platform}-client-secret').type(client_secret)
    browser.find(marker=f'connect-{platform}-button').click()
    query = query_of((await eventually(lambda: browser.navigate.external))[0])
    challenge = (query['code_challenge'],) if platform == 'youtube' else ()
    code = fake.grant(query['redirect_uri'], *challenge, **who)
    await browser.open(f'/oauth/{platform}/callback?state={query["state"]}&code={code}')


@pytest.fixture
def instagram(monkeypatch):
    with OAuthInstagram(users=[FakeIgUser()]) as fake:
        monkeypatch.setenv('INSTAGRAM_API_URL', fake.base_url)
        monkeypatch.setenv('INSTAGRAM_OAUTH_URL', fake.base_url)
        yield fake


async def test_two_instagram_users_become_two_channels_and_the_same_user_again_stays_one(instagram, public_url,
                                                                                        user, admin):
    await signed_in(user)
    brand = FakeIgUser(user_id='17841400000000002', username='brand_shop', name='Brand Shop')
    await connect_through_page(user, 'instagram', instagram, user=FakeIgUser())
    await user.should_see('Instagram is connected as @fake_creator.')
    await connect_through_page(user, 'instagram', instagram, user=brand)
    await user.should_see('Instagram is connected as @brand_shop.')
    await connect_through_page(user, 'instagram', instagram, user=brand)  # again: the same channel, new tokens

    found = channels.list_channels(platform='instagram')
    assert [(c.remote_id, c.remote_name, c.status) for c in found] == [
        (fake_instagram.DEFAULT_USER_ID, 'Fake Creator', 'connected'), (brand.user_id, 'Brand Shop', 'connected')]
    assert len({channel.account_id for channel in found}) == 2
    await user.open('/channels')
    await user.should_see('Fake Creator')
    await user.should_see('Brand Shop')
    assert len(user.find(marker='channels-of-instagram').elements) == 1
    for channel in found:
        await user.should_see(marker=f'channel-card-{channel.id}')


PERSONAL = FakeChannel(id='UCpersonal00000000000000', title='Personal vlog', refresh_token='1//personal')


@pytest.fixture
def two_youtube_channels(monkeypatch):
    with OAuthYouTube(channels=[FakeChannel(), PERSONAL]) as fake:
        monkeypatch.setenv('YOUTUBE_API_URL', fake.base_url)
        monkeypatch.setenv('YOUTUBE_OAUTH_URL', fake.base_url)
        yield fake


async def test_two_youtube_channels_become_two_channels(two_youtube_channels, public_url, user, admin):
    youtube = two_youtube_channels
    await signed_in(user)
    await connect_through_page(user, 'youtube', youtube, channel_id=fake_youtube.CHANNEL_ID)
    await user.should_see('YouTube is connected as Fake Channel.')
    await connect_through_page(user, 'youtube', youtube, channel_id=PERSONAL.id)
    await user.should_see('YouTube is connected as Personal vlog.')
    await connect_through_page(user, 'youtube', youtube, channel_id=PERSONAL.id)  # again: the same channel

    found = channels.list_channels(platform='youtube')
    assert [(c.remote_id, c.remote_name) for c in found] == [(fake_youtube.CHANNEL_ID, 'Fake Channel'),
                                                              (PERSONAL.id, 'Personal vlog')]
    assert len(accounts.list_accounts()) == 2
    await user.should_see('Personal vlog')
    await user.should_see(marker=f'channel-card-{found[0].id}')
    await user.should_see(marker=f'channel-card-{found[1].id}')


SECOND_CREATOR = FakeCreator(open_id='second-open-id', username='second.creator', nickname='Second Creator',
                             access_token='act.second', refresh_token='rft.second')


@pytest.fixture
def two_tiktok_creators(monkeypatch):
    with OAuthTikTok(creators=[FakeCreator(), SECOND_CREATOR]) as fake:
        monkeypatch.setenv('TIKTOK_API_URL', fake.base_url)
        yield fake


async def test_two_tiktok_creators_become_two_channels(two_tiktok_creators, public_url, user, admin):
    await signed_in(user)
    await connect_through_page(user, 'tiktok', two_tiktok_creators)
    await user.should_see('TikTok is connected as Fake Creator.')
    await connect_through_page(user, 'tiktok', two_tiktok_creators, open_id=SECOND_CREATOR.open_id)
    await user.should_see('TikTok is connected as Second Creator.')

    found = channels.list_channels(platform='tiktok')
    assert [(c.remote_id, c.remote_name) for c in found] == [(fake_tiktok.DEFAULT_OPEN_ID, 'Fake Creator'),
                                                              (SECOND_CREATOR.open_id, 'Second Creator')]
    assert len({channel.account_id for channel in found}) == 2


async def test_the_old_address_leads_to_the_channels_page(telegram_with_chats, user, admin):
    await signed_in(user)
    await user.open('/accounts')
    await user.should_see(marker='channels-of-telegram')
