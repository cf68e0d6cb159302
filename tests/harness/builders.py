"""Data for tests, made through the services the app uses, or put straight into the state the app leaves it in.

Users: the first one is the administrator, made as setup makes it; the others are added by that administrator and
have already chosen their own password. Posts are authored by user 1 unless told otherwise.
"""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import select

from services.connections import accounts, channels
from services.core import db
from services.core.models import (
    AccountStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    MediaAsset,
    Post,
    PostStatus,
    Role,
    User,
    utcnow,
)
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.team import users
from tests.fakes import instagram, telegram, tiktok, youtube

PASSWORD = 'a long password!'
TELEGRAM = ('telegram',)
# The name and credentials each fake (tests/fakes) knows its account by.
FAKE_ACCOUNTS = {
    'telegram': ('@fakechannel', {'bot_token': telegram.DEFAULT_TOKEN, 'chat_id': str(telegram.DEFAULT_CHAT_ID)}),
    'instagram': ('@fake_creator', {'access_token': instagram.DEFAULT_TOKEN, 'user_id': instagram.DEFAULT_USER_ID}),
    'youtube': ('Fake Channel', {'client_id': youtube.DEFAULT_CLIENT_ID, 'client_secret': youtube.DEFAULT_CLIENT_SECRET,
                                 'refresh_token': youtube.DEFAULT_REFRESH_TOKEN}),
    'tiktok': ('Fake Creator', {'client_key': tiktok.DEFAULT_CLIENT_KEY, 'client_secret': tiktok.DEFAULT_CLIENT_SECRET,
                                'access_token': tiktok.DEFAULT_ACCESS_TOKEN,
                                'refresh_token': tiktok.DEFAULT_REFRESH_TOKEN}),
}


# --- people ---

def first_admin(username: str = 'admin', password: str = PASSWORD, *, time_zone: str = 'UTC',
                language: str = 'en', ip: str = '') -> User:
    """The administrator, made as the setup page makes it (the database must have no user yet)."""
    return users.create_first_admin(username, password, language=language, time_zone=time_zone, ip=ip)


def own_password(username: str) -> str:
    """The password a `teammate` chose."""
    return f'{username} own password'


def teammate(username: str, role: Role, *, time_zone: str = 'UTC', language: str = 'en') -> User:
    """A user with `role`, added by the first administrator, who has already replaced the temporary password
    with `own_password(username)`."""
    with db.session() as session:
        admin = session.exec(select(User).where(User.role == Role.ADMIN).order_by(User.id)).first()
    person, _temporary = users.create_user(admin, username, role, language=language, time_zone=time_zone, ip='')
    users.reset_password(None, person.id, ip='', new_password=own_password(username))
    return users.find_user(username)


# --- accounts ---

def connected(platform: str) -> int:
    """The id of an account of `platform`, connected with the credentials its fake accepts (point the app at the
    fake with its *_API_URL setting); it comes with its first channel (`channel_of(platform)`)."""
    display_name, credentials = FAKE_ACCOUNTS[platform]
    return accounts.save_account(platform, display_name, credentials).id


def listed(*platforms: str) -> list[int]:
    """A connected channel of each platform, named @<platform>-team, whose credentials no fake knows: enough for
    pages that show, check and save posts but never send them. Returns the channels' ids."""
    for platform in platforms:
        accounts.save_account(platform, f'@{platform}-team', {'access_token': f'{platform}-token'})
    return channels_of(platforms)


def channel_of(platform: str) -> int:
    """The id of the first channel of `platform`; a disconnected one (no credentials, as a channel whose account
    was removed) when none was ever connected."""
    found = channels.list_channels(platform=platform)
    if found:
        return found[0].id
    with db.session() as session:
        channel = Channel(platform=platform, status=AccountStatus.DISCONNECTED)
        session.add(channel)
        session.flush()
        return channel.id


def channels_of(platforms: Sequence[str]) -> list[int]:
    return [channel_of(platform) for platform in platforms]


# --- posts ---

def to_telegram(text: str = 'A post', when: datetime | None = None) -> PostInput:
    """A post to the first Telegram channel, wanted (or scheduled) at `when`, as the composer hands it over."""
    return PostInput(text=text, channels=[channel_of('telegram')], scheduled_at=when)


def draft(text: str = 'A post', *, author_id: int = 1, platforms: Sequence[str] = TELEGRAM,
          media_ids: Sequence[int] = ()) -> int:
    """A draft (its deliveries pending), as Save draft leaves it."""
    data = PostInput(text=text, channels=channels_of(platforms), media_ids=list(media_ids))
    return editing.save_post(author_id, data, SaveAction.DRAFT).id


def queued(text: str = 'A post', *, author_id: int = 1, platforms: Sequence[str] = TELEGRAM) -> int:
    """A post saved with Publish now: publishing, its deliveries pending, no engine told about it."""
    data = PostInput(text=text, channels=channels_of(platforms))
    return editing.save_post(author_id, data, SaveAction.PUBLISH).id


def scheduled(text: str = 'A post', days: float = 1, *, at: datetime | None = None, author_id: int = 1,
              platforms: Sequence[str] = TELEGRAM, media_ids: Sequence[int] = ()) -> int:
    """A post scheduled `days` from now, or `at` (which may be past, as if saved before the app went down)."""
    when = at or utcnow() + timedelta(days=days)
    data = PostInput(text=text, channels=channels_of(platforms), media_ids=list(media_ids), scheduled_at=when)
    return editing.save_post(author_id, data, SaveAction.SCHEDULE,
                             now=min(utcnow(), when - timedelta(minutes=1))).id


def in_state(text: str, status: str, delivery_status: str, *, hours_ago: float = 2, author_id: int = 1,
             platforms: Sequence[str] = TELEGRAM) -> int:
    """A post as the app leaves it after a failure, a missed start or a crash, due `hours_ago`; every delivery
    in `delivery_status`."""
    post_id = draft(text, author_id=author_id, platforms=platforms)
    with db.session() as session:
        session.exec(sa.update(Post).where(Post.id == post_id).values(
            status=status, scheduled_at=utcnow() - timedelta(hours=hours_ago)))
        session.exec(sa.update(Delivery).where(Delivery.post_id == post_id).values(status=delivery_status))
    return post_id


def missed(text: str, hours_ago: float = 2) -> int:
    """A post the scheduler found too late to send (the app was down when it was due)."""
    return in_state(text, PostStatus.MISSED, DeliveryStatus.PENDING, hours_ago=hours_ago)


def with_status(post_id: int, status: str) -> int:
    """Post `post_id` moved straight to `status`, its deliveries left as they are."""
    with db.session() as session:
        session.exec(sa.update(Post).where(Post.id == post_id).values(status=status))
    return post_id


def leases_run_out() -> None:
    """What time does to the deliveries of a killed process: nobody renews their leases, which run out."""
    with db.session() as session:
        session.exec(sa.update(Delivery).where(Delivery.lease_until.is_not(None)).values(
            lease_until=utcnow() - timedelta(seconds=1)))


def post_of(post_id: int) -> Post:
    with db.session() as session:
        return session.get(Post, post_id)


def deliveries_of(post_id: int) -> list[Delivery]:
    with db.session() as session:
        return list(session.exec(select(Delivery).where(Delivery.post_id == post_id).order_by(Delivery.id)))


# --- media ---

def media_rows(count: int) -> list[int]:
    """`count` photo rows with no file behind them: enough for pages that count or list media."""
    with db.session() as session:
        assets = [MediaAsset(stored_path=f'{secrets.token_hex(16)}.jpg', original_name=f'{i}.jpg',
                             mime_type='image/jpeg', size_bytes=1000, sha256=secrets.token_hex(32), width=800,
                             height=800) for i in range(count)]
        session.add_all(assets)
        session.flush()
        return [asset.id for asset in assets]


async def stored_photo(colour: str = 'teal') -> int:
    """A square JPEG stored in the library (as every platform takes it); returns its id."""
    import io

    from PIL import Image

    from services.media import library
    data = io.BytesIO()
    Image.new('RGB', (1080, 1080), colour).save(data, 'JPEG')

    async def chunks():
        yield data.getvalue()
    return (await library.store_upload(chunks(), f'{colour}.jpg', uploaded_by=None)).id


# --- channels ---

def telegram_chats(*names: str) -> list[int]:
    """One channel per name, all chats of the fake's one bot (one account, as the Channels page adds them), with
    chat ids -1001, -1002, ...; returns their ids."""
    for number, name in enumerate(names, start=1):
        accounts.save_account('telegram', name, {'bot_token': telegram.DEFAULT_TOKEN, 'chat_id': f'-100{number}'})
    return [channel.id for channel in channels.list_channels(platform='telegram')][-len(names):]


def group_of(name: str, channel_ids: Sequence[int]) -> int:
    """A channel group made by the first administrator."""
    from services.connections import channel_groups

    with db.session() as session:
        admin = session.exec(select(User).where(User.role == Role.ADMIN).order_by(User.id)).first()
    return channel_groups.create_group(name, channel_ids, admin).id
