"""Channels: the destinations a post goes to, any number per platform.

A channel posts with the credentials of its account (`PlatformAccount`), shared by every channel of that account
(one bot, many chats), plus its own `address` (the platform's `channel_keys`, e.g. the chat). A channel is never
deleted: disconnected, it keeps its name and its posts' history.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, select

from services.core import db
from services.core.config import get_settings
from services.core.crypto import decrypt_credentials, encrypt_credentials
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import AccountStatus, Channel, PlatformAccount, User, utcnow
from services.notifications import moves as outgoing
from services.platforms import registry
from services.platforms.base import Account
from services.team import audit, permissions

PICTURE_URL_LIMIT = 500  # Channel.picture_url's size


class AmbiguousPlatform(UserError):
    """A platform was named where a channel is wanted, and it has several connected channels (or none)."""

    def __init__(self, platform: str, choices: list[Channel]) -> None:
        if choices:
            super().__init__(N_('%(platform)s has several channels; choose one of: %(channels)s'),
                             platform=registry.label(platform), channels=', '.join(
                                 f'{channel.id} ({title(channel)})' for channel in choices))
        else:
            super().__init__(N_('%(platform)s has no connected channel. Connect one on the Channels page first.'),
                             platform=registry.label(platform))
        self.platform, self.choices = platform, choices


def title(channel: Channel) -> str:
    """How the channel is shown: the name the team gave it, else the platform's, else the platform itself."""
    return channel.name or channel.remote_name or registry.label(channel.platform)


def full_title(channel: Channel) -> str:
    """The channel with its platform, where the platform is not shown beside it ("Telegram · Arabic news")."""
    label, own = registry.label(channel.platform), title(channel)
    return label if own == label else f'{label} · {own}'


def list_channels(*, connected_only: bool = False, platform: str | None = None) -> list[Channel]:
    """Channels in the order pages list them: by platform (the registry's order), then as they were added."""
    query = select(Channel)
    if connected_only:
        query = query.where(Channel.status == AccountStatus.CONNECTED)
    if platform:
        query = query.where(Channel.platform == platform)
    with db.session() as session:
        rows = list(session.exec(query.order_by(Channel.id)))
    order = {name: index for index, name in enumerate(registry.names())}
    return sorted(rows, key=lambda channel: (order.get(channel.platform, len(order)), channel.id))


def get_channel(channel_id: int) -> Channel | None:
    with db.session() as session:
        return session.get(Channel, channel_id)


def channels_by_id(ids: Sequence[int]) -> dict[int, Channel]:
    if not ids:
        return {}
    with db.session() as session:
        return {channel.id: channel for channel in session.exec(select(Channel).where(Channel.id.in_(list(ids))))}


def resolve_platforms(platforms: Sequence[str]) -> list[int]:
    """The one connected channel of each platform named (the API's and older callers' way of choosing).

    Raises AmbiguousPlatform naming the channels to choose from when a platform has several (or none).
    """
    chosen = []
    for platform in dict.fromkeys(platforms):
        found = list_channels(connected_only=True, platform=platform)
        if len(found) != 1:
            raise AmbiguousPlatform(platform, found)
        chosen.append(found[0].id)
    return chosen


@dataclass(frozen=True)
class ChannelCredentials:
    """The `CredentialStore` of a channel's Account: what the channel keeps itself (its `address`) is saved on the
    channel, the rest on the account it shares."""
    channel_id: int

    def load(self) -> dict[str, str]:
        with db.session() as session:
            channel = session.get(Channel, self.channel_id)
            account = session.get(PlatformAccount, channel.account_id) if channel and channel.account_id else None
        return _merged(channel, account)

    def save(self, changes: dict[str, str]) -> None:
        from services.connections import accounts  # accounts creates the first channel of an account

        keys = _channel_keys(self.channel_id)
        own = {name: value for name, value in changes.items() if name in keys}
        shared = {name: value for name, value in changes.items() if name not in keys}
        with db.session() as session:
            channel = session.get(Channel, self.channel_id)
            if channel is None:
                return
            if own:
                channel.address = {**(channel.address or {}), **own}
                channel.updated_at = utcnow()
                session.add(channel)
            account_id = channel.account_id
        if shared and account_id is not None:
            accounts.update_credentials(account_id, shared)


def _merged(channel: Channel | None, account: PlatformAccount | None) -> dict[str, str]:
    if channel is None or account is None:
        return {}
    return {**decrypt_credentials(account.credentials_encrypted, get_settings().secret_key),
            **{name: str(value) for name, value in (channel.address or {}).items()}}


def sending_accounts(session: Session, channel_ids: list[int]) -> list[Account | None]:
    """`credentials_for` each channel, read together in `session` (the engine's claim, just before the sends), if it
    is connected; None for one that is not (it was disconnected meanwhile) or whose account is gone."""
    by_id = {channel.id: (channel, account) for channel, account in session.exec(
        select(Channel, PlatformAccount).join(PlatformAccount, PlatformAccount.id == Channel.account_id, isouter=True)
        .where(Channel.id.in_(channel_ids)))}
    found: list[Account | None] = []
    for channel_id in channel_ids:
        channel, account = by_id.get(channel_id, (None, None))
        if channel is None or channel.status != AccountStatus.CONNECTED or channel.account_id is None:
            found.append(None)
            continue
        credentials = _merged(channel, account)
        found.append(Account(platform=channel.platform, display_name=title(channel), id=channel.account_id,
                             credentials=credentials, store=ChannelCredentials(channel.id)) if credentials else None)
    return found


def credentials_for(channel: Channel) -> Account | None:
    """The channel as a platform client needs it (its account's credentials with its own address over them, kept at
    once when they change); None when its account is gone."""
    if channel.account_id is None:
        return None
    store = ChannelCredentials(channel.id)
    credentials = store.load()
    if not credentials:
        return None
    return Account(platform=channel.platform, display_name=title(channel), id=channel.account_id,
                   credentials=credentials, store=store)


def add_channel(account_id: int, address: dict[str, str], *, name: str = '', remote_name: str = '',
                remote_id: str = '', picture_url: str = '', actor: User | None = None, ip: str = '',
                connected_by: int | None = None) -> Channel:
    """Another channel posting with account `account_id`'s credentials at `address` (another chat of a known bot);
    the same address again reconnects the channel already there. `actor` (role checked, audited) None only for the
    environment's and for a caller that checked and audited already, naming the user as `connected_by`."""
    if actor is not None:
        permissions.require(actor, permissions.Action.MANAGE_ACCOUNTS, ip=ip)
    with db.session() as session:
        account = session.get(PlatformAccount, account_id)
        if account is None:
            raise UserError(N_('This connection no longer exists. Connect it again.'))
        existing = [channel for channel in session.exec(select(Channel).where(Channel.account_id == account_id))
                    if _same_address(channel.address, address, account)]
        channel = existing[0] if existing else Channel(platform=account.platform, account_id=account_id,
                                                       address=dict(address), name=name,
                                                       connected_by=actor.id if actor else connected_by)
        channel.remote_name = remote_name or channel.remote_name
        channel.remote_id = remote_id or channel.remote_id
        channel.picture_url = _storable(picture_url, account) or channel.picture_url
        channel.status, channel.updated_at = AccountStatus.CONNECTED, utcnow()
        session.add(channel)
        if actor is not None:
            audit.record(session, audit.Action.ACCOUNT_CONNECTED, actor_id=actor.id,
                         target=f'{account.platform}: {name or remote_name}', ip=ip)
        session.flush()
        session.refresh(channel)
    return channel


def rename_channel(channel_id: int, name: str, actor: User, *, ip: str = '') -> None:
    """Give the channel the team's own name (empty: the platform's name is shown). Raises UserError."""
    permissions.require(actor, permissions.Action.MANAGE_ACCOUNTS, ip=ip)
    name = name.strip()
    if len(name) > 200:
        raise UserError(N_('A channel name can be at most %(limit)s characters.'), limit=200)
    with db.session() as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            raise UserError(N_('This channel no longer exists.'))
        audit.record(session, audit.Action.CHANNEL_RENAMED, actor_id=actor.id,
                     target=f'{channel.platform}: {title(channel)}', ip=ip, detail=name)
        channel.name, channel.updated_at = name, utcnow()


def disconnect_channel(channel_id: int, actor: User, *, ip: str = '') -> None:
    """Stop posting to the channel; its posts and their history stay. Credentials no other channel uses are
    forgotten (a Reconnect asks for them again)."""
    permissions.require(actor, permissions.Action.MANAGE_ACCOUNTS, ip=ip)
    with db.session() as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            return
        audit.record(session, audit.Action.ACCOUNT_REMOVED, actor_id=actor.id,
                     target=f'{channel.platform}: {title(channel)}', ip=ip)
        channel.status, channel.updated_at = AccountStatus.DISCONNECTED, utcnow()
        session.add(channel)
        session.flush()
        account = session.get(PlatformAccount, channel.account_id) if channel.account_id else None
        others = session.exec(select(Channel.id).where(Channel.account_id == channel.account_id,
                                                       Channel.status != AccountStatus.DISCONNECTED)).first()
        if account is not None and others is None:
            account.credentials_encrypted = encrypt_credentials({}, get_settings().secret_key)
            account.status, account.token_expires_at, account.updated_at = AccountStatus.DISCONNECTED, None, utcnow()


def keep_profile(channel_id: int, remote_id: str, remote_name: str, picture_url: str) -> Channel | None:
    """Who the platform says the channel is (see profiles.refresh_profile); it is connected from now on. Returns the
    channel as kept, None when it is gone or disconnected meanwhile."""
    with db.session() as session:
        channel = session.get(Channel, channel_id)
        if channel is None or channel.status == AccountStatus.DISCONNECTED:
            return None
        channel.remote_id, channel.remote_name = remote_id or channel.remote_id, remote_name or channel.remote_name
        account = session.get(PlatformAccount, channel.account_id) if channel.account_id else None
        channel.picture_url = _storable(picture_url, account)
        channel.status, channel.updated_at = AccountStatus.CONNECTED, utcnow()
        session.add(channel)
        session.flush()
        session.refresh(channel)
    return channel


def set_status(channel_id: int, status: str) -> None:
    """This channel alone is `status` now (e.g. its chat no longer lets the bot post; the bot's other chats are
    fine); a disconnected channel stays disconnected."""
    with db.session() as session:
        channel = session.get(Channel, channel_id)
        if channel is not None and channel.status != AccountStatus.DISCONNECTED:
            if status == AccountStatus.NEEDS_RECONNECT and channel.status == AccountStatus.CONNECTED:
                outgoing.channel_needs_reconnect(session, channel_id)
            channel.status, channel.updated_at = status, utcnow()
            session.add(channel)


def _storable(picture_url: str, account: PlatformAccount | None) -> str:
    """What is kept of a picture's address: the address itself, unless it carries one of the account's credentials
    (Telegram's holds the bot token, which is kept only encrypted): then only its digest, which names the picture
    fetched at once (`pictures.fetch(..., url=)`). One longer than its column is not kept: the platform's icon is
    shown instead."""
    stored = decrypt_credentials(account.credentials_encrypted, get_settings().secret_key) if account else {}
    if any(len(value) >= 8 and value in picture_url for value in map(str, stored.values())):
        return pictures_digest(picture_url)
    return picture_url if len(picture_url) <= PICTURE_URL_LIMIT else ''


def pictures_digest(picture_url: str) -> str:
    """The stand-in kept for a picture address that must not be stored."""
    return 'sha256:' + hashlib.sha256(picture_url.encode()).hexdigest()


def _channel_keys(channel_id: int) -> tuple[str, ...]:
    channel = get_channel(channel_id)
    spec = registry.find(channel.platform) if channel else None
    return spec.channel_keys if spec else ()


def _same_address(stored: dict | None, wanted: dict[str, str], account: PlatformAccount) -> bool:
    """Whether a channel at `stored` is the one at `wanted` (a channel from before channels had an address reads
    it from its account's credentials)."""
    effective = {**decrypt_credentials(account.credentials_encrypted, get_settings().secret_key), **(stored or {})}
    return all(str(effective.get(name, '')) == str(value) for name, value in wanted.items())
