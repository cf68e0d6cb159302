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

from services.connections import accounts, channels, oauth
from services.core.config import get_settings
from services.core.i18n import format_datetime
from services.core.models import AccountStatus
from services.posts import editing
from services.web import oauth_callback as oauth_pages
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.fakes import tiktok as fake_tiktok
from tests.fakes import youtube as fake_youtube
from tests.harness.builders import channels_of
from tests.services.connections.test_oauth import OAuthTikTok, OAuthYouTube

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
