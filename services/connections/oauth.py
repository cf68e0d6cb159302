"""Connecting Instagram, YouTube and TikTok accounts in the app: the OAuth authorization-code flow.

`start_authorization` gives the address the browser goes to, with a one-time `state` kept in the database (only
its hash; the app's client secret and the PKCE verifier encrypted) for STATE_LIFETIME_S, bound to the user who
asked, so a restart in between loses nothing. The platform sends the browser back to /oauth/<platform>/callback,
where `complete_authorization` checks the state, trades the code for tokens at the platform's token endpoint
(addresses from the settings) and stores the account. Google also gets PKCE (S256): a code intercepted on its way
back is useless without the verifier only this app holds.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import sqlalchemy as sa

from services.connections import accounts
from services.core import db
from services.core.config import Settings
from services.core.crypto import decrypt_credentials, encrypt_credentials
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import OAuthState, PlatformAccount, User, utcnow
from services.platforms.base import Account, PlatformError, http_client
from services.platforms.instagram.graph_errors import result_or_raise as graph_result
from services.platforms.registry import client_for
from services.posts.checks import PLATFORM_LABELS
from services.team import permissions

STATE_LIFETIME_S = 600.0
CALLBACK_PATH = '/oauth/{platform}/callback'
GRAPH_VERSION = 'v25.0'
DEFAULT_LIFETIME_S = {'instagram': 60 * 24 * 3600, 'youtube': 3600, 'tiktok': 24 * 3600}

STATE_INVALID = N_('This connection attempt has expired or was already used. Click Connect again.')
NEEDS_PUBLIC_URL = N_('Connecting %(platform)s in the app needs PUBLIC_BASE_URL: after you allow access, '
                      '%(platform)s sends you back to this app at that address.')
CLIENT_MISSING = N_('Enter both the client id and the client secret of your %(platform)s app.')
DENIED = N_('%(platform)s did not give access: %(reason)s')
EXCHANGE_FAILED = N_('%(platform)s did not connect the account: %(reason)s')
CONNECTED = N_('%(platform)s is connected as %(name)s.')


class OAuthError(UserError):
    """Connecting did not happen; the message (a msgid) says why."""


@dataclass(frozen=True)
class Provider:
    authorize_path: str
    scopes: tuple[str, ...]
    scope_separator: str = ','
    client_param: str = 'client_id'  # TikTok calls it client_key
    extra: dict[str, str] = field(default_factory=dict)
    pkce: bool = False


PROVIDERS = {
    'instagram': Provider('/oauth/authorize', ('instagram_business_basic', 'instagram_business_content_publish')),
    # youtube.readonly lets `check` read the channel's name; offline + consent make Google give a refresh token
    'youtube': Provider('/o/oauth2/v2/auth', ('https://www.googleapis.com/auth/youtube.upload',
                                              'https://www.googleapis.com/auth/youtube.readonly'),
                        ' ', extra={'access_type': 'offline', 'prompt': 'consent'}, pkce=True),
    'tiktok': Provider('/v2/auth/authorize/', ('user.info.basic', 'video.publish'), client_param='client_key'),
}


@dataclass(frozen=True)
class PendingAuthorization:
    platform: str
    user_id: int
    client_id: str
    client_secret: str  # kept only until the callback (or STATE_LIFETIME_S)
    redirect_uri: str
    account_id: int | None  # the account to update (Reconnect), None for a new one
    code_verifier: str = ''  # PKCE, for the platforms that take it


def redirect_uri(platform: str, settings: Settings) -> str:
    """The callback address the platform sends the browser back to (register it in the platform's app settings).

    Raises OAuthError when PUBLIC_BASE_URL is not set.
    """
    if not settings.public_base_url:
        raise OAuthError(NEEDS_PUBLIC_URL, platform=PLATFORM_LABELS[platform])
    return settings.public_base_url + CALLBACK_PATH.format(platform=platform)


def start_authorization(platform: str, user: User, client_id: str, client_secret: str, settings: Settings, *,
                        account_id: int | None = None) -> str:
    """The platform's authorization address for the browser, with a new one-time `state`.

    Raises OAuthError (no PUBLIC_BASE_URL, client id or secret missing), permissions.Forbidden.
    """
    permissions.require(user, permissions.Action.MANAGE_ACCOUNTS)
    provider = PROVIDERS[platform]
    client_id, client_secret = client_id.strip(), client_secret.strip()
    if not client_id or not client_secret:
        raise OAuthError(CLIENT_MISSING, platform=PLATFORM_LABELS[platform])
    callback = redirect_uri(platform, settings)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48) if provider.pkce else ''
    _remember(state, PendingAuthorization(platform, user.id, client_id, client_secret, callback, account_id,
                                          verifier), settings)
    query = {provider.client_param: client_id, 'redirect_uri': callback, 'response_type': 'code',
             'scope': provider.scope_separator.join(provider.scopes), 'state': state, **provider.extra}
    if verifier:
        query |= {'code_challenge': _challenge(verifier), 'code_challenge_method': 'S256'}
    return f'{_authorize_base(platform, settings)}{provider.authorize_path}?{urlencode(query)}'


async def complete_authorization(platform: str, user: User, settings: Settings, *, state: str, code: str = '',
                                 error: str = '', error_description: str = '') -> PlatformAccount:
    """Finish what `start_authorization` began: check `state`, trade `code` for tokens, store the account.

    Returns the stored account. Raises OAuthError (unknown or used state, access refused, exchange failed),
    permissions.Forbidden.
    """
    permissions.require(user, permissions.Action.MANAGE_ACCOUNTS)
    pending = take_pending(state, platform, user.id, settings)
    label = PLATFORM_LABELS[platform]
    if error or not code:
        raise OAuthError(DENIED, platform=label, reason=error_description or error or 'no authorization code')
    try:
        credentials, name = await EXCHANGES[platform](pending, code, settings)
    except PlatformError as failure:
        raise OAuthError(EXCHANGE_FAILED, platform=label, reason=failure.message) from failure
    account_id = pending.account_id or _same_account(platform, credentials)
    if account_id is not None:
        credentials = {**credentials, **accounts.env_markers(account_id)}
    return accounts.save_account(platform, name, credentials, account_id=account_id, actor=user)


def take_pending(state: str, platform: str, user_id: int, settings: Settings) -> PendingAuthorization:
    """The pending authorization `state` names, forgotten from now on (a state works once, even when two
    callbacks race).

    Raises OAuthError unless it exists, has not expired, and was started by `user_id` for `platform`.
    """
    key = _hash(state)
    with db.session() as session:
        row = session.get(OAuthState, key) if state else None
        taken = row is not None and session.exec(
            sa.delete(OAuthState).where(OAuthState.state_hash == key)).rowcount == 1
    if (not taken or row.expires_at < utcnow() or row.platform != platform or row.user_id != user_id):
        raise OAuthError(STATE_INVALID)
    sealed = decrypt_credentials(row.secrets_encrypted, settings.secret_key)
    return PendingAuthorization(row.platform, row.user_id, sealed.get('client_id', ''),
                                sealed.get('client_secret', ''), row.redirect_uri, row.account_id,
                                sealed.get('code_verifier', ''))


def _remember(state: str, pending: PendingAuthorization, settings: Settings) -> None:
    sealed = encrypt_credentials({'client_id': pending.client_id, 'client_secret': pending.client_secret,
                                  'code_verifier': pending.code_verifier}, settings.secret_key)
    now = utcnow()
    with db.session() as session:
        session.exec(sa.delete(OAuthState).where(OAuthState.expires_at < now))
        session.add(OAuthState(state_hash=_hash(state), platform=pending.platform, user_id=pending.user_id,
                               secrets_encrypted=sealed, redirect_uri=pending.redirect_uri,
                               account_id=pending.account_id, expires_at=now + timedelta(seconds=STATE_LIFETIME_S)))


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode('utf-8')).hexdigest()


def _challenge(verifier: str) -> str:
    """PKCE S256: base64url(sha256(verifier)) without padding (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode('ascii')).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')


def _authorize_base(platform: str, settings: Settings) -> str:
    return {'instagram': settings.instagram_authorize_url, 'youtube': settings.youtube_authorize_url,
            'tiktok': settings.tiktok_authorize_url}[platform]


def _same_account(platform: str, credentials: dict[str, str]) -> int | None:
    """An account of `platform` already stored for the same platform user (connected a second time)."""
    key = {'instagram': 'user_id', 'tiktok': 'open_id'}.get(platform)
    if key is None or not credentials.get(key):
        return None
    for row in accounts.list_accounts():
        if row.platform == platform and accounts.credentials_of(row).credentials.get(key) == credentials[key]:
            return row.id
    return None


# --- code exchange, per platform: (credentials to store, the account's name) ----------------------------------------

async def _youtube(pending: PendingAuthorization, code: str, settings: Settings) -> tuple[dict[str, str], str]:
    token = await _token_request('youtube', f'{settings.youtube_oauth_url}/token', {
        'code': code, 'client_id': pending.client_id, 'client_secret': pending.client_secret,
        'redirect_uri': pending.redirect_uri, 'grant_type': 'authorization_code',
        **({'code_verifier': pending.code_verifier} if pending.code_verifier else {})})
    if not token.get('refresh_token'):
        raise PlatformError('Google gave no refresh token; remove the app under "Third-party apps" in your Google '
                            'account, then connect again')
    credentials = {'client_id': pending.client_id, 'client_secret': pending.client_secret,
                   'refresh_token': str(token['refresh_token']), 'access_token': str(token['access_token']),
                   'expires_at': _expires_at(token.get('expires_in'), 'youtube')}
    return await _checked('youtube', credentials, settings)


async def _tiktok(pending: PendingAuthorization, code: str, settings: Settings) -> tuple[dict[str, str], str]:
    token = await _token_request('tiktok', f'{settings.tiktok_api_url}/v2/oauth/token/', {
        'client_key': pending.client_id, 'client_secret': pending.client_secret, 'code': code,
        'grant_type': 'authorization_code', 'redirect_uri': pending.redirect_uri})
    credentials = {'client_key': pending.client_id, 'client_secret': pending.client_secret,
                   'access_token': str(token['access_token']), 'refresh_token': str(token.get('refresh_token') or ''),
                   'open_id': str(token.get('open_id') or ''),
                   'expires_at': _expires_at(token.get('expires_in'), 'tiktok')}
    if isinstance(token.get('refresh_expires_in'), int | float):
        credentials['refresh_expires_at'] = _expires_at(token['refresh_expires_in'], 'tiktok')
    return await _checked('tiktok', credentials, settings)


async def _instagram(pending: PendingAuthorization, code: str, settings: Settings) -> tuple[dict[str, str], str]:
    """Code → short-lived token (1 hour) → long-lived token (60 days) → the professional account's id and name."""
    short = await _token_request('instagram', f'{settings.instagram_oauth_url}/oauth/access_token', {
        'client_id': pending.client_id, 'client_secret': pending.client_secret,
        'grant_type': 'authorization_code', 'redirect_uri': pending.redirect_uri, 'code': code})
    if isinstance(short.get('data'), list) and short['data']:  # the newer documented shape wraps it in `data`
        short = short['data'][0]
    long_lived = await _graph_get(f'{settings.instagram_api_url}/access_token', {
        'grant_type': 'ig_exchange_token', 'client_secret': pending.client_secret,
        'access_token': str(short['access_token'])})
    if not long_lived.get('access_token'):
        raise PlatformError('Instagram gave no long-lived token')
    token = str(long_lived['access_token'])
    me = await _graph_get(f'{settings.instagram_api_url}/{GRAPH_VERSION}/me',
                          {'fields': 'user_id,username', 'access_token': token})
    credentials = {'access_token': token, 'user_id': str(me.get('user_id') or short.get('user_id') or ''),
                   'expires_at': _expires_at(long_lived.get('expires_in'), 'instagram'),
                   'client_id': pending.client_id, 'client_secret': pending.client_secret}
    return credentials, f'@{me.get("username") or credentials["user_id"]}'


async def _checked(platform: str, credentials: dict[str, str], settings: Settings) -> tuple[dict[str, str], str]:
    """The credentials (with any token the check rotated) and the name the platform gives the account."""
    client = client_for(platform, settings)
    name = await client.check(Account(platform, credentials))
    return {**credentials, **(getattr(client, 'refreshed_credentials', None) or {})}, name


EXCHANGES: dict[str, Callable[[PendingAuthorization, str, Settings], Awaitable[tuple[dict[str, str], str]]]] = {
    'instagram': _instagram, 'youtube': _youtube, 'tiktok': _tiktok}


async def _token_request(platform: str, url: str, form: dict[str, str]) -> dict[str, Any]:
    """POST a token request; the flat JSON answer with an `access_token`, else PlatformError with the reason."""
    try:
        response = await http_client().post(url, data=form, headers={'Accept': 'application/json'})
    except httpx.TransportError as error:
        raise PlatformError(f'{PLATFORM_LABELS[platform]} could not be reached '
                            f'({str(error) or type(error).__name__})') from error
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PlatformError(f'HTTP {response.status_code} without a token', status=response.status_code)
    found = body['data'][0] if isinstance(body.get('data'), list) and body['data'] else body
    if response.is_success and isinstance(found, dict) and found.get('access_token') and not body.get('error'):
        return body
    raise PlatformError(_reason(body, response.status_code), status=response.status_code)


async def _graph_get(url: str, params: dict[str, str]) -> dict[str, Any]:
    try:
        response = await http_client().get(url, params=params)
    except httpx.TransportError as error:
        raise PlatformError(f'Instagram could not be reached ({str(error) or type(error).__name__})') from error
    return graph_result(response)


def _reason(body: dict[str, Any], status: int) -> str:
    """The words of a token endpoint's refusal, whichever shape it has (OAuth, Graph API, Instagram's own)."""
    error = body.get('error')
    if isinstance(error, dict):
        return str(error.get('message') or error.get('code') or f'HTTP {status}')
    words = body.get('error_description') or body.get('error_message') or error or f'HTTP {status}'
    return f'{words} ({error})' if error and words != error else str(words)


def _expires_at(lifetime: Any, platform: str) -> str:
    seconds = lifetime if isinstance(lifetime, int | float) else DEFAULT_LIFETIME_S[platform]
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec='seconds')
