"""Connected platform accounts: which platforms a post can go to, and their credentials (encrypted at rest)."""
from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from services.core import db
from services.core.config import Settings, get_settings
from services.core.crypto import decrypt_credentials, encrypt_credentials
from services.core.i18n import N_
from services.core.models import AccountStatus, Platform, PlatformAccount, User, utcnow
from services.platforms.base import Account, NeedsReconnect, PlatformError
from services.platforms.registry import client_for
from services.team import audit, permissions

ENV_SOURCE = 'env'
ENV_MARKERS = ('source', 'env_fingerprint', 'env_chat_id')
# Settings that connect an account by environment variables (the seed's way): credential name → Settings field.
ENV_CREDENTIALS = {
    'instagram': {'access_token': 'instagram_access_token', 'user_id': 'instagram_user_id'},
    'youtube': {'client_id': 'youtube_client_id', 'client_secret': 'youtube_client_secret',
                'refresh_token': 'youtube_refresh_token'},
    'tiktok': {'client_key': 'tiktok_client_key', 'client_secret': 'tiktok_client_secret',
               'access_token': 'tiktok_access_token', 'refresh_token': 'tiktok_refresh_token'},
}
CREATOR_INFO_TTL_S = 60.0  # TikTok allows 20 creator_info queries a minute
INSTAGRAM_NEEDS_PUBLIC_URL = N_(
    'Instagram needs PUBLIC_BASE_URL. Instagram does not take uploads: it downloads every photo and video from this '
    'app, so the app must be reachable from the internet at that address (https). Set PUBLIC_BASE_URL to it.')

_creator_info: dict[int, tuple[float, dict[str, Any]]] = {}  # account id → (valid until, creator_info)


def accounts_by_platform() -> dict[str, PlatformAccount | None]:
    """For every platform, its account (a connected one first), or None when none was ever connected."""
    with db.session() as session:
        rows = session.exec(select(PlatformAccount).order_by(PlatformAccount.id)).all()
    found: dict[str, PlatformAccount | None] = {platform.value: None for platform in Platform}
    for account in rows:
        current = found.get(account.platform)
        if current is None or (current.status != AccountStatus.CONNECTED and account.status == AccountStatus.CONNECTED):
            found[account.platform] = account
    return found


def list_accounts() -> list[PlatformAccount]:
    with db.session() as session:
        return list(session.exec(select(PlatformAccount).order_by(PlatformAccount.platform, PlatformAccount.id)))


def get_account(account_id: int) -> PlatformAccount | None:
    with db.session() as session:
        return session.get(PlatformAccount, account_id)


def credentials_of(account: PlatformAccount) -> Account:
    """The account as a platform client needs it, credentials decrypted."""
    return Account(platform=account.platform, display_name=account.display_name, id=account.id,
                   credentials=decrypt_credentials(account.credentials_encrypted, get_settings().secret_key))


def save_account(platform: str, display_name: str, credentials: dict[str, str], *,
                 account_id: int | None = None, actor: User | None = None, ip: str = '') -> PlatformAccount:
    """Create or update an account with freshly checked credentials; it is connected from now on.

    `actor` is the user connecting it (role checked, audited); None only for the accounts from the environment.
    """
    if actor is not None:
        permissions.require(actor, permissions.Action.MANAGE_ACCOUNTS, ip=ip)
    with db.session() as session:
        account = session.get(PlatformAccount, account_id) if account_id else None
        account = account or PlatformAccount(platform=platform)
        account.display_name = display_name
        account.credentials_encrypted = encrypt_credentials(credentials, get_settings().secret_key)
        account.token_expires_at = _expiry_of(credentials)
        account.status = AccountStatus.CONNECTED
        account.updated_at = utcnow()
        session.add(account)
        if actor is not None:
            audit.record(session, audit.Action.ACCOUNT_CONNECTED, actor_id=actor.id,
                         target=f'{platform}: {display_name}', ip=ip)
    return account


def update_credentials(account_id: int, updates: dict[str, str]) -> None:
    """Merge `updates` (e.g. a chat id that moved, a rotated token) into the stored credentials."""
    with db.session() as session:
        account = session.get(PlatformAccount, account_id)
        if account is None:
            return
        merged = {**decrypt_credentials(account.credentials_encrypted, get_settings().secret_key), **updates}
        account.credentials_encrypted = encrypt_credentials(merged, get_settings().secret_key)
        if 'expires_at' in updates:
            account.token_expires_at = _expiry_of(merged)
        account.updated_at = utcnow()


def mark_connected(account_id: int, display_name: str) -> None:
    """The platform accepted the account's credentials (again), under `display_name`."""
    with db.session() as session:
        account = session.get(PlatformAccount, account_id)
        if account is not None:
            account.display_name, account.status, account.updated_at = display_name, AccountStatus.CONNECTED, utcnow()


def mark_needs_reconnect(account_id: int) -> None:
    with db.session() as session:
        account = session.get(PlatformAccount, account_id)
        if account is not None:
            account.status = AccountStatus.NEEDS_RECONNECT
            account.updated_at = utcnow()


def remove_account(account_id: int, actor: User, *, ip: str = '') -> None:
    permissions.require(actor, permissions.Action.MANAGE_ACCOUNTS, ip=ip)
    with db.session() as session:
        account = session.get(PlatformAccount, account_id)
        if account is not None:
            audit.record(session, audit.Action.ACCOUNT_REMOVED, actor_id=actor.id,
                         target=f'{account.platform}: {account.display_name}', ip=ip)
            session.delete(account)


def env_markers(account_id: int) -> dict[str, str]:
    """What ties a stored account to the environment variables it came from; new credentials for it (a reconnect)
    keep these, so the next start-up still knows it and does not add the environment's account a second time."""
    account = get_account(account_id)
    stored = credentials_of(account).credentials if account is not None else {}
    return {name: value for name, value in stored.items() if name in ENV_MARKERS}


def display_name_for(credentials: dict[str, str], platform_name: str) -> str:
    """How an account is listed: the name the platform gives it (a Telegram bot also names its chat)."""
    chat = credentials.get('chat_id', '')
    return f'{chat} ({platform_name})' if chat else platform_name


async def check_credentials(account: Account, settings: Settings) -> str:
    """Ask the platform whether `account`'s credentials work; returns the name it gives the account.

    A stored account (one with an id) is updated on the way: tokens the client rotated are kept, it is marked
    connected under that name, or needs-reconnect when the platform refuses its credentials. Raises a PlatformError.
    """
    client = client_for(account.platform, settings)
    try:
        name = await client.check(account)
    except NeedsReconnect:
        if account.id is not None:
            mark_needs_reconnect(account.id)
        raise
    finally:
        rotated = getattr(client, 'refreshed_credentials', None)
        if rotated and account.id is not None:
            update_credentials(account.id, dict(rotated))
    if account.id is not None:
        mark_connected(account.id, display_name_for(account.credentials, name))
    return name


async def tiktok_creator_info(settings: Settings) -> dict[str, Any] | None:
    """What the connected TikTok account may post now (`privacy_level_options`, `max_video_post_duration_sec`...),
    asked at most once a minute; None when no TikTok account is connected or TikTok did not answer."""
    row = accounts_by_platform().get('tiktok')
    if row is None or row.status != AccountStatus.CONNECTED:
        return None
    cached = _creator_info.get(row.id)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    client = client_for('tiktok', settings)
    try:
        info = await client.creator_info(credentials_of(row))
    except NeedsReconnect:
        mark_needs_reconnect(row.id)
        return None
    except PlatformError:
        return None
    finally:
        if client.refreshed_credentials:
            update_credentials(row.id, dict(client.refreshed_credentials))
    _creator_info[row.id] = (time.monotonic() + CREATOR_INFO_TTL_S, info)
    return info


def sync_env_accounts(settings: Settings) -> None:
    """Accounts configured by environment variables (the seed's way) appear as accounts, once."""
    if settings.telegram_bot_token and settings.telegram_chat_id:
        # `env_chat_id` remembers what the environment said, so a chat id that moved later is kept.
        credentials = {'bot_token': settings.telegram_bot_token, 'chat_id': settings.telegram_chat_id,
                       'env_chat_id': settings.telegram_chat_id, 'source': ENV_SOURCE}
        existing = _env_account('telegram')
        if existing:
            current = credentials_of(existing).credentials
            if (current.get('bot_token'), current.get('env_chat_id')) != (settings.telegram_bot_token,
                                                                          settings.telegram_chat_id):
                save_account('telegram', existing.display_name, credentials, account_id=existing.id)
        else:
            save_account('telegram', settings.telegram_chat_id, credentials)
    for platform, fields in ENV_CREDENTIALS.items():
        values = {name: getattr(settings, field) for name, field in fields.items()}
        if all(values.values()):
            _sync_env_account(platform, values)


def _sync_env_account(platform: str, values: dict[str, str]) -> None:
    """Store what the environment says, unless it still says what it said last time: the tokens may have rotated
    since (TikTok's refresh token does at every refresh), and the stored ones are then the ones that work."""
    fingerprint = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()
    credentials = {**values, 'source': ENV_SOURCE, 'env_fingerprint': fingerprint}
    existing = _env_account(platform)
    if existing is None:
        save_account(platform, '', credentials)  # the name comes with the first Test connection
    elif credentials_of(existing).credentials.get('env_fingerprint') != fingerprint:
        save_account(platform, existing.display_name, credentials, account_id=existing.id)


def _env_account(platform: str) -> PlatformAccount | None:
    return next((account for account in list_accounts() if account.platform == platform
                 and credentials_of(account).credentials.get('source') == ENV_SOURCE), None)


def _expiry_of(credentials: dict[str, str]) -> datetime | None:
    """The access token's `expires_at` (ISO 8601, naive meaning UTC) as an aware time; None when unknown."""
    try:
        moment = datetime.fromisoformat(credentials.get('expires_at') or '')
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
