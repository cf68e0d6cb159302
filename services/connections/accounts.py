"""Connected platform accounts: which platforms a post can go to, and their credentials (encrypted at rest).

A connected account reaches a client with its credentials in a store (`credentials_of`): whatever the client renews
or learns (a rotated token, a chat that moved) is written back at once, and everyone reads it from here.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, select

from services.connections import channels
from services.core import db
from services.core.config import Settings, get_settings
from services.core.crypto import decrypt_credentials, encrypt_credentials
from services.core.models import AccountStatus, Channel, PlatformAccount, User, utcnow
from services.notifications import moves as outgoing
from services.platforms import registry
from services.platforms.base import Account, NeedsReconnect, PlatformError
from services.platforms.spec import AccountProfile, PlatformSpec, PostingLimits
from services.team import audit, permissions

ENV_SOURCE = 'env'
ENV_MARKERS = ('source', 'env_fingerprint', 'env_chat_id')  # env_chat_id: how older versions marked their bot
POSTING_LIMITS_TTL_S = 60.0  # platforms ration these questions (TikTok: 20 creator_info queries a minute)

_posting_limits: dict[int, tuple[float, PostingLimits]] = {}  # account id → (valid until, the answer)


def list_accounts() -> list[PlatformAccount]:
    with db.session() as session:
        return list(session.exec(select(PlatformAccount).order_by(PlatformAccount.platform, PlatformAccount.id)))


def get_account(account_id: int) -> PlatformAccount | None:
    with db.session() as session:
        return session.get(PlatformAccount, account_id)


@dataclass(frozen=True)
class StoredCredentials:
    """The credentials of stored account `account_id`, as the `CredentialStore` of the Account a client gets."""
    account_id: int

    def load(self) -> dict[str, str]:
        row = get_account(self.account_id)
        return decrypt_credentials(row.credentials_encrypted, get_settings().secret_key) if row else {}

    def save(self, changes: dict[str, str]) -> None:
        update_credentials(self.account_id, changes)


def credentials_of(account: PlatformAccount) -> Account:
    """The account as a platform client needs it: credentials decrypted, and kept here at once when they change."""
    return Account(platform=account.platform, display_name=account.display_name, id=account.id,
                   credentials=decrypt_credentials(account.credentials_encrypted, get_settings().secret_key),
                   store=StoredCredentials(account.id) if account.id is not None else None)


def save_account(platform: str, display_name: str, credentials: dict[str, str], *,
                 account_id: int | None = None, actor: User | None = None, ip: str = '',
                 profile: AccountProfile | None = None) -> PlatformAccount:
    """Create or update an account with freshly checked credentials; it is connected from now on, and so are its
    channels that needed reconnecting. A new account gets its first channel (with the credentials that are the
    channel's own, such as the chat: see `PlatformSpec.channel_keys`); credentials that an account of the platform
    already holds (the same bot) add the channel to that account instead. `profile` (what the platform says the
    account is: see profiles.describe) names the channel and gives it its picture.

    `actor` is the user connecting it (role checked, audited); None only for the accounts from the environment.
    """
    if actor is not None:
        permissions.require(actor, permissions.Action.MANAGE_ACCOUNTS, ip=ip)
    keys = registry.get(platform).channel_keys
    address = {name: credentials[name] for name in keys if name in credentials}
    shared = {name: value for name, value in credentials.items() if name not in keys}
    account_id = account_id or (_holding(platform, shared) if keys else None)
    with db.session() as session:
        account = session.get(PlatformAccount, account_id) if account_id else None
        is_new = account is None
        account = account or PlatformAccount(platform=platform)
        if not is_new and keys:
            _settle_addresses(session, account, keys)
        account.display_name = display_name
        account.credentials_encrypted = encrypt_credentials(shared, get_settings().secret_key)
        account.token_expires_at, account.renew_failed_at = _expiry_of(credentials), None
        account.status = AccountStatus.CONNECTED
        account.updated_at = utcnow()
        session.add(account)
        session.flush()
        for channel in session.exec(select(Channel).where(Channel.account_id == account.id,
                                                          Channel.status == AccountStatus.NEEDS_RECONNECT)):
            channel.status, channel.updated_at = AccountStatus.CONNECTED, utcnow()
            session.add(channel)
        if actor is not None and (is_new or not address):
            audit.record(session, audit.Action.ACCOUNT_CONNECTED, actor_id=actor.id,
                         target=f'{platform}: {display_name}', ip=ip)
        session.refresh(account)
    if is_new or address or profile is not None:
        channels.add_channel(account.id, address, remote_name=profile.name if profile else display_name,
                             remote_id=profile.remote_id if profile else '',
                             picture_url=profile.picture_url if profile else '',
                             connected_by=actor.id if actor else None)
    return account


def _holding(platform: str, shared: dict[str, str]) -> int | None:
    """The account of `platform` whose credentials are `shared` (the same bot connected for another chat)."""
    for row in list_accounts():
        if row.platform == platform and row.status != AccountStatus.DISCONNECTED \
                and credentials_of(row).credentials == shared:
            return row.id
    return None


def _settle_addresses(session: Session, account: PlatformAccount, keys: tuple[str, ...]) -> None:
    """Channels that still read their own credentials (`keys`) from the account's (stored before channels had an
    address) get them in their address, before the account's are replaced."""
    stored = decrypt_credentials(account.credentials_encrypted, get_settings().secret_key)
    for channel in session.exec(select(Channel).where(Channel.account_id == account.id)):
        missing = {name: stored[name] for name in keys if name in stored and name not in (channel.address or {})}
        if missing:
            channel.address = {**(channel.address or {}), **missing}
            session.add(channel)


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
    """The platform accepted the account's credentials (again), under `display_name`; its channels that needed
    reconnecting are connected again."""
    _set_status(account_id, AccountStatus.CONNECTED, display_name)


def mark_needs_reconnect(account_id: int) -> None:
    """The platform refuses the account's credentials: every channel posting with them needs reconnecting."""
    _set_status(account_id, AccountStatus.NEEDS_RECONNECT)


def _set_status(account_id: int, status: str, display_name: str | None = None) -> None:
    with db.session() as session:
        account = session.get(PlatformAccount, account_id)
        if account is None or account.status == AccountStatus.DISCONNECTED:
            return
        account.status, account.updated_at = status, utcnow()
        if display_name is not None:
            account.display_name = display_name
        for channel in session.exec(select(Channel).where(Channel.account_id == account_id,
                                                          Channel.status != AccountStatus.DISCONNECTED)):
            if status == AccountStatus.NEEDS_RECONNECT and channel.status == AccountStatus.CONNECTED:
                outgoing.channel_needs_reconnect(session, channel.id)
            channel.status, channel.updated_at = status, utcnow()
            session.add(channel)


def env_markers(account_id: int) -> dict[str, str]:
    """What ties a stored account to the environment variables it came from; new credentials for it (a reconnect)
    keep these, so the next start-up still knows it and does not add the environment's account a second time."""
    account = get_account(account_id)
    stored = credentials_of(account).credentials if account is not None else {}
    return {name: value for name, value in stored.items() if name in ENV_MARKERS}


async def check_credentials(account: Account, settings: Settings) -> str:
    """Ask the platform whether `account`'s credentials work; returns the name it gives the account.

    A stored account (one with an id) is updated on the way: it is marked connected under the name its platform lists
    it by, or needs-reconnect when the platform refuses its credentials (tokens renewed meanwhile are already kept).
    Raises a PlatformError.
    """
    spec = registry.get(account.platform)
    try:
        name = await spec.client(settings.platform(spec.name)).check(account)
    except NeedsReconnect:
        if account.id is not None:
            mark_needs_reconnect(account.id)
        raise
    if account.id is not None:
        mark_connected(account.id, spec.listed_name(account.credentials, name))
    return name


async def posting_limits(channel: Channel, settings: Settings) -> PostingLimits | None:
    """What `channel` may post now (see PlatformSpec.posting_limits), asked at most once a minute; None when the
    platform does not say, the channel is not connected, or the platform did not answer."""
    spec = registry.get(channel.platform)
    account = channels.credentials_for(channel) if channel.status == AccountStatus.CONNECTED else None
    if spec.posting_limits is None or account is None:
        return None
    cached = _posting_limits.get(channel.id)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        limits = await spec.posting_limits(spec.client(settings.platform(channel.platform)), account)
    except NeedsReconnect:
        mark_needs_reconnect(account.id)
        return None
    except PlatformError:
        return None
    _posting_limits[channel.id] = (time.monotonic() + POSTING_LIMITS_TTL_S, limits)
    return limits


def sync_env_accounts(settings: Settings) -> None:
    """Accounts configured by environment variables (the seed's way) appear as accounts with their channels, once
    (a channel credential such as `TELEGRAM_CHAT_ID` may list several, comma-separated: a channel each)."""
    for spec in registry.all():
        if spec.env_account is None:
            continue
        own = settings.platform(spec.name)
        values = {name: own.get(key, '') for name, key in spec.env_account.credentials.items()}
        if all(values.values()):
            _sync_env_account(spec, values)


def _sync_env_account(spec: PlatformSpec, values: dict[str, str]) -> None:
    """Store what the environment says, unless it still says what it said last time: the stored credentials may have
    changed since (a refresh token that rotates, a chat that moved), and they are then the ones that work."""
    fingerprint = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()
    addresses = _env_addresses(spec, values)
    credentials = {**values, **addresses[0], 'source': ENV_SOURCE, 'env_fingerprint': fingerprint}
    existing = _env_account(spec.name)
    # named by the platform at the first Test connection; until then by what the spec says names it, if any
    name_from = spec.env_account.name_from if spec.env_account else None
    if existing is not None and credentials_of(existing).credentials.get('env_fingerprint') == fingerprint:
        _bring_back(existing.id, addresses, name_from)
        return
    name = existing.display_name if existing else {**values, **addresses[0]}.get(name_from, '') if name_from else ''
    account = save_account(spec.name, name, credentials, account_id=existing.id if existing else None)
    for address in addresses[1:]:
        channels.add_channel(account.id, address, remote_name=address.get(name_from, '') if name_from else '')


def _bring_back(account_id: int, addresses: list[dict[str, str]], name_from: str | None) -> None:
    """A channel the environment names that was disconnected on the Channels page comes back at start (as the page
    says it will) while the environment still names it."""
    kept = {json.dumps(channel.address or {}, sort_keys=True) for channel in channels.list_channels()
            if channel.account_id == account_id and channel.status != AccountStatus.DISCONNECTED}
    for address in addresses:
        if address and json.dumps(address, sort_keys=True) not in kept:
            channels.add_channel(account_id, address, remote_name=address.get(name_from, '') if name_from else '')


def _env_addresses(spec: PlatformSpec, values: dict[str, str]) -> list[dict[str, str]]:
    """The channels the environment names: one per comma-separated value of the channel's own credential."""
    keys = [name for name in spec.channel_keys if name in values]
    if not keys:
        return [{}]
    lists = {name: [part.strip() for part in values[name].split(',') if part.strip()] for name in keys}
    return [{name: lists[name][index] for name in keys} for index in range(min(map(len, lists.values())))] or [{}]


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
