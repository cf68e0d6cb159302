"""Connecting accounts in the app through a platform's own sign-in: the OAuth authorization-code flow, for every
platform whose spec has an `oauth` provider.

`start_authorization` gives the address the browser goes to, with a one-time `state` kept in the database (only
its hash; the app's client secret and the PKCE verifier encrypted) for STATE_LIFETIME_S, bound to the user who
asked, so a restart in between loses nothing. The platform sends the browser back to /oauth/<platform>/callback,
where `complete_authorization` checks the state, has the platform's package trade the code for tokens (addresses
from the settings) and stores the account. Providers that take PKCE (S256) get it: a code intercepted on its way
back is useless without the verifier only this app holds.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import sqlalchemy as sa

from services.connections import accounts, channels, profiles
from services.core import db
from services.core.config import Settings
from services.core.crypto import decrypt_credentials, encrypt_credentials
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import OAuthState, PlatformAccount, User, utcnow
from services.platforms import registry
from services.platforms.base import Account, PlatformError
from services.platforms.spec import AccountProfile, CodeGrant, OAuthProvider
from services.team import permissions

STATE_LIFETIME_S = 600.0
CALLBACK_PATH = '/oauth/{platform}/callback'

STATE_INVALID = N_('This connection attempt has expired or was already used. Click Connect again.')
NEEDS_PUBLIC_URL = N_('Connecting %(platform)s in the app needs PUBLIC_BASE_URL: after you allow access, '
                      '%(platform)s sends you back to this app at that address.')
CLIENT_MISSING = N_('Enter both the client id and the client secret of your %(platform)s app.')
DENIED = N_('%(platform)s did not give access: %(reason)s')
EXCHANGE_FAILED = N_('%(platform)s did not connect the account: %(reason)s')
CONNECTED = N_('%(platform)s is connected as %(name)s.')


class OAuthError(UserError):
    """Connecting did not happen; the message (a msgid) says why."""


def provider_of(platform: str) -> OAuthProvider | None:
    """The sign-in of `platform`; None when it has none (or no such platform is registered)."""
    spec = registry.find(platform)
    return spec.oauth if spec else None


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
        raise OAuthError(NEEDS_PUBLIC_URL, platform=registry.label(platform))
    return settings.public_base_url + CALLBACK_PATH.format(platform=platform)


def start_authorization(platform: str, user: User, client_id: str, client_secret: str, settings: Settings, *,
                        account_id: int | None = None) -> str:
    """The platform's authorization address for the browser, with a new one-time `state`.

    Raises OAuthError (no PUBLIC_BASE_URL, client id or secret missing), permissions.Forbidden, UnknownPlatform (no
    such platform, or it has no sign-in).
    """
    permissions.require(user, permissions.Action.MANAGE_ACCOUNTS)
    provider = provider_of(platform)
    if provider is None:
        raise registry.UnknownPlatform(platform)
    client_id, client_secret = client_id.strip(), client_secret.strip()
    if not client_id or not client_secret:
        raise OAuthError(CLIENT_MISSING, platform=registry.label(platform))
    callback = redirect_uri(platform, settings)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48) if provider.pkce else ''
    _remember(state, PendingAuthorization(platform, user.id, client_id, client_secret, callback, account_id,
                                          verifier), settings)
    query = {provider.client_param: client_id, 'redirect_uri': callback, 'response_type': 'code',
             'scope': provider.scope_separator.join(provider.scopes), 'state': state, **provider.extra}
    if verifier:
        query |= {'code_challenge': _challenge(verifier), 'code_challenge_method': 'S256'}
    site = settings.platform(platform)[provider.authorize_setting]
    return f'{site}{provider.authorize_path}?{urlencode(query)}'


async def complete_authorization(platform: str, user: User, settings: Settings, *, state: str, code: str = '',
                                 error: str = '', error_description: str = '') -> PlatformAccount:
    """Finish what `start_authorization` began: check `state`, trade `code` for tokens, store the account.

    Returns the stored account. Raises OAuthError (unknown or used state, access refused, exchange failed),
    permissions.Forbidden.
    """
    permissions.require(user, permissions.Action.MANAGE_ACCOUNTS)
    pending = take_pending(state, platform, user.id, settings)
    label = registry.label(platform)
    if error or not code:
        raise OAuthError(DENIED, platform=label, reason=error_description or error or 'no authorization code')
    try:
        credentials, name, profile = await _exchange(pending, code, settings)
    except PlatformError as failure:
        raise OAuthError(EXCHANGE_FAILED, platform=label, reason=failure.message) from failure
    account_id = pending.account_id or _same_account(platform, credentials, profile)
    if account_id is not None:
        credentials = {**credentials, **accounts.env_markers(account_id)}
    return accounts.save_account(platform, name, credentials, account_id=account_id, actor=user, profile=profile)


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


def _same_account(platform: str, credentials: dict[str, str], profile: AccountProfile | None) -> int | None:
    """The account of `platform` already stored for the same platform user (connected a second time): the one whose
    channel the platform knows by the same id, else the one holding the same user credential. Another user of the
    platform gets an account (and a channel) of their own."""
    if profile is not None and profile.remote_id:
        for channel in channels.list_channels(platform=platform):
            if channel.remote_id == profile.remote_id and channel.account_id is not None:
                return channel.account_id
    provider = provider_of(platform)
    key = provider.same_account_key if provider else None
    if key is None or not credentials.get(key):
        return None
    for row in accounts.list_accounts():
        if row.platform == platform and accounts.credentials_of(row).credentials.get(key) == credentials[key]:
            return row.id
    return None


async def _exchange(pending: PendingAuthorization, code: str,
                    settings: Settings) -> tuple[dict[str, str], str, AccountProfile | None]:
    """The platform's own code exchange, then who the account is (its profile, when the platform can say; else the
    client's check names it). The credentials renewed on the way are the ones stored. Raises a PlatformError."""
    spec = registry.get(pending.platform)
    grant = CodeGrant(code, pending.client_id, pending.client_secret, pending.redirect_uri, pending.code_verifier)
    credentials, name = await spec.oauth.exchange(grant, settings.platform(spec.name))
    account = Account(spec.name, credentials)
    profile = await profiles.describe(account, settings)
    if not name:
        name = profile.name if profile is not None else await spec.client(settings.platform(spec.name)).check(account)
    return account.credentials, name, profile
