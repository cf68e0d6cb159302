"""Connecting accounts through OAuth, renewing their tokens, and accounts from the environment — against the fakes,
whose token endpoints here also trade authorization codes as the real ones do (see the OAuth* fakes below)."""
from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from services.connections import accounts, oauth, token_refresh
from services.core import db
from services.core.models import AccountStatus, OAuthState, PlatformAccount, User
from services.platforms import base
from services.platforms.youtube.client import YouTubeClient
from tests.fakes import instagram as fake_instagram
from tests.fakes import tiktok as fake_tiktok
from tests.fakes import youtube as fake_youtube
from tests.fakes.instagram import FakeIgUser, FakeInstagram, GraphError
from tests.fakes.tiktok import FakeTikTok
from tests.fakes.youtube import FakeYouTube
from tests.harness import boot, first_admin

PUBLIC = 'https://dash.example.org'
IG_APP_ID, IG_APP_SECRET = '1234567890', 'fake-instagram-app-secret'


class OAuthYouTube(FakeYouTube):
    """The fake Google token endpoint, trading the codes `grant` hands out for a refresh and an access token;
    a code granted with a PKCE challenge needs the matching verifier (RFC 7636, S256)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.codes: dict[str, str] = {}  # code → the redirect_uri it was given for
        self.challenges: dict[str, str] = {}  # code → its code_challenge
        self.granted_channels: dict[str, str] = {}  # code → the channel whose owner allowed access

    def grant(self, redirect_uri: str, code_challenge: str | None = None, channel_id: str | None = None) -> str:
        """A code for `channel_id` (one of the fake's channels; by default its first)."""
        code = f'4/0fake-{secrets.token_urlsafe(8)}'
        self.codes[code] = redirect_uri
        if code_challenge:
            self.challenges[code] = code_challenge
        if channel_id:
            self.granted_channels[code] = channel_id
        return code

    def _token(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get('grant_type') != 'authorization_code':
            return super()._token(params)
        client = (params.get('client_id'), params.get('client_secret'))
        if client != (fake_youtube.DEFAULT_CLIENT_ID, fake_youtube.DEFAULT_CLIENT_SECRET):
            raise fake_youtube.ApiError(401, 'The OAuth client was not found.', 'invalid_client', oauth=True)
        challenge = self.challenges.pop(str(params.get('code')), None)
        if self.codes.pop(str(params.get('code')), None) != params.get('redirect_uri'):
            raise fake_youtube.ApiError(400, 'Malformed auth code.', 'invalid_grant', oauth=True)
        verifier = str(params.get('code_verifier') or '')
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b'=').decode()
        if challenge is not None and digest != challenge:
            raise fake_youtube.ApiError(400, 'Invalid code verifier.', 'invalid_grant', oauth=True)
        refresh_token = f'1//fake-refresh-{secrets.token_urlsafe(8)}'
        self.refresh_tokens.add(refresh_token)
        self.refresh_token_channels[refresh_token] = self.granted_channels.pop(str(params.get('code')),
                                                                               next(iter(self.channels)))
        return {'access_token': self.issue_access_token(refresh_token), 'expires_in': self.token_lifetime,
                'refresh_token': refresh_token, 'scope': 'https://www.googleapis.com/auth/youtube.upload',
                'token_type': 'Bearer'}


class OAuthTikTok(FakeTikTok):
    """The fake TikTok token endpoint, also taking `grant_type=authorization_code`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.codes: dict[str, str] = {}
        self.granted_creators: dict[str, str] = {}  # code → the open_id of the creator who allowed access

    def grant(self, redirect_uri: str, open_id: str | None = None) -> str:
        """A code for the creator `open_id` (one of the fake's creators; by default its first)."""
        code = f'fake-code-{secrets.token_urlsafe(8)}'
        self.codes[code] = redirect_uri
        self.granted_creators[code] = open_id or self.creators[0].open_id
        return code

    def _token(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get('grant_type') != 'authorization_code':
            return super()._token(params)
        if (params.get('client_key'), params.get('client_secret')) != (self.client_key, self.client_secret):
            raise fake_tiktok.ApiError(401, 'invalid_client', 'Client key or secret is incorrect.')
        if self.codes.pop(str(params.get('code')), None) != params.get('redirect_uri'):
            raise fake_tiktok.ApiError(400, 'invalid_grant', 'Authorization code is expired.')
        open_id = self.granted_creators.pop(str(params.get('code')))
        creator = next(creator for creator in self.creators if creator.open_id == open_id)
        number = next(self._numbers)
        access_token, creator.refresh_token = f'act.fake-access-token-{number}', f'rft.fake-refresh-token-{number}'
        creator.access_tokens.add(access_token)
        return {'open_id': creator.open_id, 'scope': ','.join(self.scopes), 'access_token': access_token,
                'expires_in': 86400, 'refresh_token': creator.refresh_token, 'refresh_expires_in': 31_536_000,
                'token_type': 'Bearer'}


class OAuthInstagram(FakeInstagram):
    """The fake Graph API plus Instagram Login's code exchange (api.instagram.com) and long-lived token exchange."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.codes: dict[str, str] = {}
        self.short_tokens: dict[str, FakeIgUser] = {}  # short-lived token → the account it is for
        self.granted_users: dict[str, FakeIgUser] = {}  # code → the account that allowed access

    def grant(self, redirect_uri: str, user: FakeIgUser | None = None) -> str:
        """A code for `user` (its token is not used: the exchange gives the account new ones; by default the
        fake's default account)."""
        code = f'AQfake{secrets.token_urlsafe(8)}'
        self.codes[code] = redirect_uri
        self.granted_users[code] = user or FakeIgUser()
        return code

    async def _dispatch(self, method: str, parts: list[str], token: str, params: dict[str, Any]) -> dict[str, Any]:
        if (method, parts) == ('POST', ['oauth', 'access_token']):
            return self._exchange_code(params)
        if (method, parts) == ('GET', ['access_token']):
            return self._long_lived(token, params)
        return await super()._dispatch(method, parts, token, params)

    def _exchange_code(self, params: dict[str, Any]) -> dict[str, Any]:
        if (params.get('client_id'), params.get('client_secret')) != (IG_APP_ID, IG_APP_SECRET):
            raise GraphError(101, 'Error validating client secret.')
        if params.get('grant_type') != 'authorization_code' or \
                self.codes.pop(str(params.get('code')), None) != params.get('redirect_uri'):
            raise GraphError(100, 'Invalid authorization code')
        short = f'IGQfakeShort{secrets.token_urlsafe(8)}'
        self.short_tokens[short] = self.granted_users.pop(str(params.get('code')), FakeIgUser())
        return {'data': [{'access_token': short, 'user_id': '2345678901', 'permissions': 'instagram_business_basic'}]}

    def _long_lived(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        if params.get('grant_type') != 'ig_exchange_token' or params.get('client_secret') != IG_APP_SECRET \
                or token not in self.short_tokens:
            raise GraphError(190, 'Invalid OAuth access token')
        long_lived = replace(self.short_tokens[token], token=f'IGAAfakeLong{secrets.token_urlsafe(8)}')
        self.users[long_lived.token] = long_lived
        return {'access_token': long_lived.token, 'token_type': 'bearer', 'expires_in': 5_183_944}


@pytest.fixture(autouse=True)
async def fresh_http_client(monkeypatch):
    monkeypatch.setattr(token_refresh, '_not_before', {})
    yield
    await base.close_http_client()


@pytest.fixture
def fakes():
    with OAuthInstagram() as ig, OAuthYouTube() as yt, OAuthTikTok() as tt:
        yield {'instagram': ig, 'youtube': yt, 'tiktok': tt}


def boot_with_fakes(fakes: dict | None = None, **environ: str):
    """The services booted with the OAuth and API addresses of `fakes` (by platform), and `environ`."""
    fakes = fakes or {}
    urls = {}
    if 'instagram' in fakes:
        base_url = fakes['instagram'].base_url
        urls |= {'INSTAGRAM_API_URL': base_url, 'INSTAGRAM_OAUTH_URL': base_url}
    if 'youtube' in fakes:
        urls |= {'YOUTUBE_API_URL': fakes['youtube'].base_url, 'YOUTUBE_OAUTH_URL': fakes['youtube'].base_url}
    if 'tiktok' in fakes:
        urls['TIKTOK_API_URL'] = fakes['tiktok'].base_url
    return boot(**urls, **environ)


@pytest.fixture
def app_with_fakes(fakes):
    settings = boot_with_fakes(fakes, PUBLIC_BASE_URL=PUBLIC)
    admin = first_admin()
    return settings, admin, fakes


CLIENTS = {'instagram': (IG_APP_ID, IG_APP_SECRET),
           'youtube': (fake_youtube.DEFAULT_CLIENT_ID, fake_youtube.DEFAULT_CLIENT_SECRET),
           'tiktok': (fake_tiktok.DEFAULT_CLIENT_KEY, fake_tiktok.DEFAULT_CLIENT_SECRET)}


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


async def connect(platform: str, settings, admin: User, fake, *, account_id: int | None = None) -> PlatformAccount:
    """Click Connect, allow access at the platform, come back to the callback."""
    url = oauth.start_authorization(platform, admin, *CLIENTS[platform], settings, account_id=account_id)
    query = query_of(url)
    code = fake.grant(query['redirect_uri'], query['code_challenge']) if platform == 'youtube' \
        else fake.grant(query['redirect_uri'])
    return await oauth.complete_authorization(platform, admin, settings, state=query['state'], code=code)


@pytest.mark.parametrize(('platform', 'address', 'client_param'), [
    ('instagram', 'https://www.instagram.com/oauth/authorize', 'client_id'),
    ('youtube', 'https://accounts.google.com/o/oauth2/v2/auth', 'client_id'),
    ('tiktok', 'https://www.tiktok.com/v2/auth/authorize/', 'client_key'),
])
def test_authorization_address_names_the_app_the_callback_and_a_fresh_state(platform, address, client_param):
    settings = boot_with_fakes(PUBLIC_BASE_URL=PUBLIC)
    admin = first_admin()
    first = oauth.start_authorization(platform, admin, 'my-app', 'my-secret', settings)
    second = oauth.start_authorization(platform, admin, 'my-app', 'my-secret', settings)
    assert first.split('?')[0] == address
    query = query_of(first)
    assert query[client_param] == 'my-app' and query['response_type'] == 'code'
    assert query['redirect_uri'] == f'{PUBLIC}/oauth/{platform}/callback'
    assert len(query['state']) >= 40 and query['state'] != query_of(second)['state']
    assert 'my-secret' not in first
    publishing = {'instagram': 'instagram_business_content_publish', 'tiktok': 'video.publish',
                  'youtube': 'https://www.googleapis.com/auth/youtube.upload'}[platform]
    assert publishing in query['scope'].replace(' ', ',').split(',')
    if platform == 'youtube':  # else Google gives no refresh token
        assert (query['access_type'], query['prompt']) == ('offline', 'consent')
        assert query['code_challenge_method'] == 'S256' and len(query['code_challenge']) == 43
    with db.session() as session:  # kept across a restart, but neither the state nor the secret readably
        kept = session.exec(select(OAuthState)).all()
    assert len(kept) == 2 and query['state'] not in {row.state_hash for row in kept}
    assert all('my-secret' not in row.secrets_encrypted for row in kept)


async def test_a_code_without_the_pkce_verifier_is_refused_by_google(app_with_fakes):
    settings, admin, fakes = app_with_fakes
    query = query_of(oauth.start_authorization('youtube', admin, *CLIENTS['youtube'], settings))
    code = fakes['youtube'].grant(query['redirect_uri'], code_challenge='a' * 43)  # not ours: the code was swapped
    with pytest.raises(oauth.OAuthError) as refusal:
        await oauth.complete_authorization('youtube', admin, settings, state=query['state'], code=code)
    assert refusal.value.message == oauth.EXCHANGE_FAILED and 'Invalid code verifier' in refusal.value.params['reason']


def test_connecting_in_the_app_says_it_needs_public_base_url():
    settings = boot_with_fakes()
    admin = first_admin()
    with pytest.raises(oauth.OAuthError) as refusal:
        oauth.start_authorization('youtube', admin, 'my-app', 'my-secret', settings)
    assert refusal.value.message == oauth.NEEDS_PUBLIC_URL
    with pytest.raises(oauth.OAuthError) as refusal:
        oauth.start_authorization('tiktok', admin, 'my-app', '', replace(settings, public_base_url=PUBLIC))
    assert refusal.value.message == oauth.CLIENT_MISSING


async def test_youtube_code_is_traded_for_tokens_that_are_stored_encrypted(app_with_fakes):
    settings, admin, fakes = app_with_fakes
    account = await connect('youtube', settings, admin, fakes['youtube'])
    assert (account.platform, account.display_name, account.status) == ('youtube', 'Fake Channel', 'connected')
    stored = accounts.credentials_of(accounts.get_account(account.id)).credentials
    assert stored['refresh_token'] in fakes['youtube'].refresh_tokens
    assert stored['refresh_token'] not in accounts.get_account(account.id).credentials_encrypted
    assert timedelta(minutes=50) < account.token_expires_at - datetime.now(UTC) <= timedelta(hours=1)
    name = await YouTubeClient(fakes['youtube'].base_url, fakes['youtube'].base_url) \
        .check(accounts.credentials_of(accounts.get_account(account.id)))
    assert name == 'Fake Channel'


async def test_tiktok_code_is_traded_for_rotating_tokens_and_the_creator_name(app_with_fakes):
    settings, admin, fakes = app_with_fakes
    account = await connect('tiktok', settings, admin, fakes['tiktok'])
    stored = accounts.credentials_of(accounts.get_account(account.id)).credentials
    assert account.display_name == 'Fake Creator'
    assert stored['refresh_token'] == fakes['tiktok'].refresh_token and stored['open_id'] == 'fake-open-id'
    assert stored['refresh_expires_at'] > stored['expires_at']


async def test_instagram_code_becomes_a_long_lived_token_of_the_professional_account(app_with_fakes):
    settings, admin, fakes = app_with_fakes
    account = await connect('instagram', settings, admin, fakes['instagram'])
    stored = accounts.credentials_of(accounts.get_account(account.id)).credentials
    assert account.display_name == '@fake_creator'
    assert stored['user_id'] == fake_instagram.DEFAULT_USER_ID  # from /me, not the app-scoped id of the exchange
    assert stored['access_token'] in fakes['instagram'].users
    assert account.token_expires_at - datetime.now(UTC) > timedelta(days=59)


async def test_state_works_once_for_its_user_and_platform_until_it_expires(app_with_fakes, monkeypatch):
    settings, admin, fakes = app_with_fakes
    stranger = User(id=admin.id + 1, username='other', password_hash='x', role='admin')

    def state_for(platform: str = 'youtube') -> str:
        return query_of(oauth.start_authorization(platform, admin, *CLIENTS[platform], settings))['state']

    async def complete(state: str, who: User = admin, platform: str = 'youtube') -> None:
        await oauth.complete_authorization(platform, who, settings, state=state, code='any')

    for attempt in (complete(''), complete('made-up'), complete(state_for(), who=stranger),
                    complete(state_for('tiktok'), platform='youtube')):
        with pytest.raises(oauth.OAuthError) as refusal:
            await attempt
        assert refusal.value.message == oauth.STATE_INVALID
    used = query_of(oauth.start_authorization('youtube', admin, *CLIENTS['youtube'], settings))
    await oauth.complete_authorization('youtube', admin, settings, state=used['state'],
                                       code=fakes['youtube'].grant(used['redirect_uri']))
    with pytest.raises(oauth.OAuthError):
        await complete(used['state'])
    monkeypatch.setattr(oauth, 'STATE_LIFETIME_S', -1)
    with pytest.raises(oauth.OAuthError):
        await complete(state_for())
    assert [a.platform for a in accounts.list_accounts()] == ['youtube']


async def test_refused_access_and_a_wrong_secret_say_why_and_store_nothing(app_with_fakes):
    settings, admin, fakes = app_with_fakes
    state = query_of(oauth.start_authorization('tiktok', admin, *CLIENTS['tiktok'], settings))['state']
    with pytest.raises(oauth.OAuthError) as refusal:
        await oauth.complete_authorization('tiktok', admin, settings, state=state, error='access_denied',
                                           error_description='The user denied the request')
    assert refusal.value.message == oauth.DENIED
    assert refusal.value.params['reason'] == 'The user denied the request'
    query = query_of(oauth.start_authorization('youtube', admin, 'fake-client.apps.googleusercontent.com',
                                               'wrong-secret', settings))
    with pytest.raises(oauth.OAuthError) as refusal:
        await oauth.complete_authorization('youtube', admin, settings, state=query['state'],
                                           code=fakes['youtube'].grant(query['redirect_uri']))
    assert refusal.value.message == oauth.EXCHANGE_FAILED
    assert 'The OAuth client was not found.' in refusal.value.params['reason']
    assert accounts.list_accounts() == []


async def test_reconnect_brings_the_same_account_back_with_new_tokens(app_with_fakes):
    settings, admin, fakes = app_with_fakes
    first = await connect('youtube', settings, admin, fakes['youtube'])
    old = accounts.credentials_of(accounts.get_account(first.id)).credentials['refresh_token']
    fakes['youtube'].revoke(old)
    accounts.mark_needs_reconnect(first.id)
    again = await connect('youtube', settings, admin, fakes['youtube'], account_id=first.id)
    assert again.id == first.id and again.status == AccountStatus.CONNECTED
    assert accounts.credentials_of(accounts.get_account(first.id)).credentials['refresh_token'] != old
    assert len(accounts.list_accounts()) == 1


def expiring_in(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat(timespec='seconds')


async def test_tokens_close_to_expiry_are_renewed_and_rotated_ones_stored(app_with_fakes):
    settings, _admin, fakes = app_with_fakes
    tt = accounts.save_account('tiktok', 'Fake Creator', {
        'client_key': fake_tiktok.DEFAULT_CLIENT_KEY, 'client_secret': fake_tiktok.DEFAULT_CLIENT_SECRET,
        'access_token': fake_tiktok.DEFAULT_ACCESS_TOKEN, 'refresh_token': fake_tiktok.DEFAULT_REFRESH_TOKEN,
        'expires_at': expiring_in(timedelta(minutes=10))})
    ig = accounts.save_account('instagram', '@fake_creator', {
        'access_token': fake_instagram.DEFAULT_TOKEN, 'user_id': fake_instagram.DEFAULT_USER_ID,
        'expires_at': expiring_in(timedelta(days=3))})
    yt = accounts.save_account('youtube', 'Fake Channel', {
        'client_id': fake_youtube.DEFAULT_CLIENT_ID, 'client_secret': fake_youtube.DEFAULT_CLIENT_SECRET,
        'refresh_token': fake_youtube.DEFAULT_REFRESH_TOKEN, 'access_token': 'old',
        'expires_at': expiring_in(timedelta(minutes=5))})
    fresh = accounts.save_account('instagram', '@other', {
        'access_token': 'IGAAstillGood', 'user_id': '1', 'expires_at': expiring_in(timedelta(days=40))})

    summary = await token_refresh.refresh_due_tokens(settings)

    assert sorted(summary.refreshed) == sorted([tt.id, ig.id, yt.id]) and not summary.failed
    stored = {row.id: (row, accounts.credentials_of(row).credentials) for row in accounts.list_accounts()}
    assert stored[tt.id][1]['refresh_token'] == fakes['tiktok'].refresh_token != fake_tiktok.DEFAULT_REFRESH_TOKEN
    assert stored[ig.id][1]['access_token'] != fake_instagram.DEFAULT_TOKEN
    assert stored[ig.id][0].token_expires_at - datetime.now(UTC) > timedelta(days=59)
    assert stored[yt.id][1]['access_token'] != 'old'
    assert stored[fresh.id][1]['access_token'] == 'IGAAstillGood'
    assert (await token_refresh.refresh_due_tokens(settings)).refreshed == []  # nothing is due any more


async def test_a_revoked_token_marks_the_account_for_reconnecting_and_a_failure_waits(app_with_fakes):
    settings, _admin, fakes = app_with_fakes
    yt = accounts.save_account('youtube', 'Fake Channel', {
        'client_id': fake_youtube.DEFAULT_CLIENT_ID, 'client_secret': fake_youtube.DEFAULT_CLIENT_SECRET,
        'refresh_token': fake_youtube.DEFAULT_REFRESH_TOKEN})
    tt = accounts.save_account('tiktok', 'Fake Creator', {
        'client_key': fake_tiktok.DEFAULT_CLIENT_KEY, 'client_secret': fake_tiktok.DEFAULT_CLIENT_SECRET,
        'access_token': fake_tiktok.DEFAULT_ACCESS_TOKEN, 'refresh_token': fake_tiktok.DEFAULT_REFRESH_TOKEN})
    fakes['youtube'].revoke()
    fakes['tiktok'].inject(fake_tiktok.Fault.server_error(503), on='token')

    summary = await token_refresh.refresh_due_tokens(settings)

    assert (summary.needs_reconnect, summary.failed) == ([yt.id], [tt.id])
    assert accounts.get_account(yt.id).status == AccountStatus.NEEDS_RECONNECT
    assert accounts.get_account(tt.id).status == AccountStatus.CONNECTED
    assert token_refresh.due_accounts() == []  # the failed one waits RETRY_AFTER_FAILURE_S; the revoked one a human


def test_environment_accounts_appear_and_keep_tokens_that_rotated_since():
    environ = {'INSTAGRAM_ACCESS_TOKEN': 'IGAAenv', 'INSTAGRAM_USER_ID': '17841400000000001',
               'YOUTUBE_CLIENT_ID': 'yt-id', 'YOUTUBE_CLIENT_SECRET': 'yt-secret', 'YOUTUBE_REFRESH_TOKEN': '1//env',
               'TIKTOK_CLIENT_KEY': 'tt-key', 'TIKTOK_CLIENT_SECRET': 'tt-secret', 'TIKTOK_ACCESS_TOKEN': 'act.env',
               'TIKTOK_REFRESH_TOKEN': 'rft.env'}
    settings = boot_with_fakes(**environ)
    accounts.sync_env_accounts(settings)
    rows = {row.platform: row for row in accounts.list_accounts()}
    assert sorted(rows) == ['instagram', 'tiktok', 'youtube']
    assert accounts.credentials_of(rows['youtube']).credentials['refresh_token'] == '1//env'
    accounts.update_credentials(rows['tiktok'].id, {'access_token': 'act.rotated', 'refresh_token': 'rft.rotated'})

    accounts.sync_env_accounts(settings)  # a restart with the same environment
    tiktok_now = accounts.credentials_of(accounts.get_account(rows['tiktok'].id)).credentials
    assert (tiktok_now['access_token'], tiktok_now['refresh_token']) == ('act.rotated', 'rft.rotated')
    assert len(accounts.list_accounts()) == 3

    changed = boot_with_fakes(**{**environ, 'TIKTOK_REFRESH_TOKEN': 'rft.new-from-env'})
    accounts.sync_env_accounts(changed)  # the environment says something new: it wins
    tiktok_now = accounts.credentials_of(accounts.get_account(rows['tiktok'].id)).credentials
    assert (tiktok_now['access_token'], tiktok_now['refresh_token']) == ('act.env', 'rft.new-from-env')
    assert len(accounts.list_accounts()) == 3
