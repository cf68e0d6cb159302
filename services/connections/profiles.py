"""Who a channel is on its platform (`PlatformSpec.describe`: its id there, its name and picture), asked when it is
connected and at each Test connection, and kept on the channel; and another chat added to a bot already known,
checked with the platform before anything is saved.
"""
from __future__ import annotations

from services.connections import accounts, channels, pictures
from services.core.config import Settings
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import AccountStatus, Channel, User
from services.platforms import registry
from services.platforms.base import Account, NeedsReconnect, Rejected
from services.platforms.spec import AccountProfile
from services.team import permissions

EMPTY = N_('Fill in every field, then try again.')
NOT_SHARED = N_('This connection cannot take another channel now. Test or reconnect it first.')


async def describe(account: Account, settings: Settings) -> AccountProfile | None:
    """What `account`'s platform says it is; None when the platform cannot say. Raises a PlatformError."""
    spec = registry.get(account.platform)
    if spec.describe is None:
        return None
    return await spec.describe(spec.client(settings.platform(spec.name)), account)


async def refresh_profile(channel: Channel, settings: Settings) -> AccountProfile | None:
    """Ask the platform who `channel` is and keep its remote id, name and picture on it; it is connected from now on.

    Returns the profile; None when the platform cannot say or the channel has no credentials left. Raises
    NeedsReconnect (the shared credentials are refused: every channel using them needs reconnecting), Rejected (this
    channel cannot be posted to: it alone needs reconnecting), another PlatformError (not reached: nothing changes).
    """
    account = channels.credentials_for(channel)
    if account is None:
        return None
    try:
        profile = await describe(account, settings)
    except NeedsReconnect:
        accounts.mark_needs_reconnect(account.id)
        raise
    except Rejected:
        channels.set_status(channel.id, AccountStatus.NEEDS_RECONNECT)
        raise
    if profile is None:
        return None
    kept = channels.keep_profile(channel.id, profile.remote_id, profile.name, profile.picture_url)
    if kept is not None:
        await pictures.fetch(kept, settings, url=profile.picture_url)
    return profile


async def add_to_account(account_id: int, address: dict[str, str], settings: Settings, actor: User, *,
                         ip: str = '') -> Channel:
    """Another channel for the shared credentials of account `account_id` at `address` (its platform's
    `channel_keys`, e.g. another chat of a bot): checked with the platform (it exists, the credentials may post
    there), then saved (the same channel again reconnects it). Nothing is saved on failure.

    Raises permissions.Forbidden, UserError (an address left empty, an account that is not connected or reaches one
    channel only), PlatformError (its `message` a msgid where the platform's package has one, e.g. the bot may not
    post there; else the platform's own words).
    """
    permissions.require(actor, permissions.Action.MANAGE_ACCOUNTS, ip=ip)
    row = accounts.get_account(account_id)
    spec = registry.find(row.platform) if row is not None else None
    if row is None or spec is None or not spec.channel_keys or row.status != AccountStatus.CONNECTED:
        raise UserError(NOT_SHARED)
    address = {name: str(address.get(name) or '').strip() for name in spec.channel_keys}
    if not all(address.values()):
        raise UserError(EMPTY)
    shared = accounts.credentials_of(row).credentials
    profile = await describe(Account(row.platform, {**shared, **address}, id=row.id), settings)
    if profile is None:
        raise UserError(NOT_SHARED)
    known = next((channel for channel in channels.list_channels(platform=row.platform)
                  if channel.account_id == account_id and profile.remote_id and channel.remote_id == profile.remote_id),
                 None)
    channel = channels.add_channel(account_id, dict(known.address) if known and known.address else address,
                                   remote_name=profile.name, remote_id=profile.remote_id,
                                   picture_url=profile.picture_url, actor=actor, ip=ip)
    await pictures.fetch(channel, settings, url=profile.picture_url)
    return channel



async def keep_picture(account_id: int, profile: AccountProfile | None, settings: Settings) -> None:
    """Fetch, now, the picture of the channel of account `account_id` that `profile` describes (just connected):
    an address holding a credential is not kept, so it can be fetched only while it is at hand."""
    if profile is None or not profile.picture_url:
        return
    for channel in channels.list_channels():
        if channel.account_id == account_id and channel.remote_id == profile.remote_id:
            await pictures.fetch(channel, settings, url=profile.picture_url)
