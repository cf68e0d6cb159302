"""Warnings before a post would fail: each channel a post waits to go to is checked (connected, its media still
stored, PUBLIC_BASE_URL set for a platform that fetches media, its token valid through the due time or renewable,
the platform's publishing quota of that day not used up) from what the database holds; `lookahead` first brings
the tokens and quotas up to date from the platforms. The composer, the calendar and the notifications all ask
`find`; what fails is told to the post's people (kind post_at_risk), once per problem and due time."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from services.core import db
from services.core.config import get_settings
from services.core.i18n import N_
from services.core.models import (
    AccountStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    MediaAsset,
    PlatformAccount,
    Post,
    PostMedia,
    PostStatus,
    utcnow,
)
from services.notifications import inbox
from services.notifications.kinds import Kind
from services.platforms import registry

NOT_CONNECTED = N_('the channel is not connected')
MEDIA_MISSING = N_('a photo or video of the post is no longer stored')
NO_PUBLIC_URL = N_('the platform fetches the media from the app, and PUBLIC_BASE_URL is not set')
TOKEN_RUNS_OUT = N_('its sign-in expires before the post is due and could not be renewed')
QUOTA_USED_UP = N_("the platform's daily publishing limit is used up for that day")
# The way out of each, as the composer and the calendar say it (%(channel)s: the channel's full title, %(when)s: the
# due time)
WAY_OUT = {
    NOT_CONNECTED: N_('Reconnect %(channel)s before %(when)s.'),
    TOKEN_RUNS_OUT: N_('Reconnect %(channel)s before %(when)s.'),
    MEDIA_MISSING: N_('Remove the missing photo or video, or add it again, before %(when)s.'),
    NO_PUBLIC_URL: N_('Set PUBLIC_BASE_URL before %(when)s.'),
    QUOTA_USED_UP: N_('Choose another day, or post less to %(channel)s in the 24 hours before %(when)s.'),
}
AHEAD = timedelta(hours=1)
WARN_CHUNK = 500  # posts judged in one transaction when the watch looks an hour ahead (lookahead.py)
QUOTA_WINDOW = timedelta(hours=24)  # Instagram counts the posts of the last 24 hours


@dataclass(frozen=True)
class Risk:
    """One thing that would make a post fail on one channel: `reason` is a msgid, translated where shown."""
    channel_id: int
    reason: str


@dataclass(frozen=True)
class Facts:
    """What the checks read from the database for some channels and due times, read once for all their posts:
    the channels, their accounts, and for each account whose platform has a publishing quota, when its posts were
    published and which wait to go ((post id, due) per delivery), since the earliest due time's quota window."""
    channels: dict[int, Channel]
    accounts: dict[int, PlatformAccount]
    published: dict[int, list[datetime]]
    waiting: dict[int, list[tuple[int, datetime]]]


def read_facts(session: Session, channel_ids: Iterable[int], dues: Iterable[datetime | None]) -> Facts:
    """The facts `find` needs to judge posts going to `channel_ids` at `dues` (None: not scheduled), in at most four
    statements whatever the number of posts."""
    channels = {row.id: row for row in session.exec(select(Channel).where(Channel.id.in_(set(channel_ids))))}
    account_ids = {row.account_id for row in channels.values() if row.account_id}
    accounts = {row.id: row for row in session.exec(select(PlatformAccount).where(PlatformAccount.id.in_(account_ids)))
                } if account_ids else {}
    counted = [account.id for account in accounts.values()
               if account.quota_total is not None and _has_quota(account.platform)]
    dues = [due for due in dues if due is not None]
    published: dict[int, list[datetime]] = defaultdict(list)
    waiting: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    if counted and dues:
        since = min(dues) - QUOTA_WINDOW
        def of_counted(*columns: object) -> sa.Select:  # each delivery of the counted accounts' channels
            return select(Channel.account_id, *columns).select_from(Delivery).join(
                Channel, Channel.id == Delivery.channel_id).where(Channel.account_id.in_(counted))
        for account_id, at in session.exec(of_counted(Delivery.published_at).where(
                Delivery.status == DeliveryStatus.PUBLISHED, Delivery.published_at > since)):
            published[account_id].append(at)
        for account_id, post_id, at in session.exec(of_counted(Post.id, Post.scheduled_at).join(
                Post, Post.id == Delivery.post_id).where(
                Delivery.status == DeliveryStatus.PENDING, Post.status == PostStatus.SCHEDULED,
                Post.scheduled_at > since, Post.scheduled_at < max(dues))):
            waiting[account_id].append((post_id, at))
    return Facts(channels, accounts, published, waiting)


def _has_quota(platform: str) -> bool:
    """Whether the platform counts posts per day (its accounts then carry a quota)."""
    spec = registry.find(platform)
    return spec is not None and spec.publishing_quota is not None


def find(session: Session, channel_ids: Sequence[int], stored_media: Sequence[str], due: datetime | None, *,
         post_id: int | None = None, facts: Facts | None = None) -> list[Risk]:
    """What would make a post going to `channel_ids` with the files `stored_media` (MediaAsset.stored_path) fail at
    `due` (None: not scheduled, the time-bound checks are left out); `post_id` is the post itself when it is stored
    (its own place in the day's quota is not counted twice). `facts` (from `read_facts`, for many posts at once)
    spares reading them again."""
    facts = facts or read_facts(session, channel_ids, [due])
    uploads = get_settings().uploads_dir
    media_missing = any(not (uploads / name).is_file() for name in stored_media)
    found = []
    for channel_id in dict.fromkeys(channel_ids):
        channel = facts.channels.get(channel_id)
        account = facts.accounts.get(channel.account_id) if channel and channel.account_id else None
        spec = registry.find(channel.platform) if channel else None
        if channel is None or channel.status != AccountStatus.CONNECTED or account is None:
            found.append(Risk(channel_id, NOT_CONNECTED))
        if media_missing:
            found.append(Risk(channel_id, MEDIA_MISSING))
        if stored_media and spec is not None and spec.needs_public_url and not get_settings().public_base_url:
            found.append(Risk(channel_id, NO_PUBLIC_URL))
        if due is None or account is None or channel.status != AccountStatus.CONNECTED:
            continue
        if _token_runs_out(account, due):
            found.append(Risk(channel_id, TOKEN_RUNS_OUT))
        if _has_quota(channel.platform) and _quota_used_up(facts, account, due, post_id):
            found.append(Risk(channel_id, QUOTA_USED_UP))
    return found


def _token_runs_out(account: PlatformAccount, due: datetime) -> bool:
    """The token expires before `due` and the platform refused to renew it (a token the app renews in time is
    no risk: token_refresh renews it before it expires)."""
    expires = account.token_expires_at
    return expires is not None and expires < due and account.renew_failed_at is not None


def _quota_used_up(facts: Facts, account: PlatformAccount, due: datetime, post_id: int | None) -> bool:
    """Whether the posts counted in the 24 hours before `due` already take the whole quota: those the platform
    counted when last asked (if that window reaches `due`'s), those published since, and those waiting to go before
    `due`."""
    if account.quota_total is None:
        return False
    since = due - QUOTA_WINDOW
    counted = (account.quota_used or 0) if account.quota_read_at and account.quota_read_at > since else 0
    after = max(since, account.quota_read_at or since)
    published = sum(1 for at in facts.published.get(account.id, ()) if at > after)
    waiting = sum(1 for other, at in facts.waiting.get(account.id, ()) if since < at < due and other != post_id)
    return counted + published + waiting >= account.quota_total


def stored_paths(session: Session, *, post_id: int | None = None, media_ids: Sequence[int] = ()) -> list[str]:
    """The stored files of a post's media, or of the media `media_ids`."""
    query = select(MediaAsset.stored_path)
    query = query.join(PostMedia, PostMedia.media_id == MediaAsset.id).where(PostMedia.post_id == post_id) \
        if post_id is not None else query.where(MediaAsset.id.in_(list(media_ids)))
    return list(session.exec(query))


def problems(session: Session, post_id: int) -> list[Risk]:
    """What would make the post's waiting deliveries fail at its time."""
    return problems_of(session, [post_id]).get(post_id, [])


def problems_of(session: Session, post_ids: Sequence[int]) -> dict[int, list[Risk]]:
    """{post id: what would make its waiting deliveries fail at its time} for those of `post_ids` with some, read
    in the same few statements for one post or a thousand."""
    going: dict[int, list[int]] = defaultdict(list)
    for post_id, channel_id in session.exec(select(Delivery.post_id, Delivery.channel_id).where(
            Delivery.post_id.in_(list(post_ids)), Delivery.status == DeliveryStatus.PENDING).order_by(Delivery.id)):
        going[post_id].append(channel_id)
    if not going:
        return {}
    dues = dict(session.exec(select(Post.id, Post.scheduled_at).where(Post.id.in_(list(going)))).all())
    media: dict[int, list[str]] = defaultdict(list)
    for post_id, stored_path in session.exec(select(PostMedia.post_id, MediaAsset.stored_path).join(
            MediaAsset, MediaAsset.id == PostMedia.media_id).where(PostMedia.post_id.in_(list(going)))):
        media[post_id].append(stored_path)
    facts = read_facts(session, {channel for channels in going.values() for channel in channels}, dues.values())
    found = {post_id: find(session, channels, media[post_id], dues.get(post_id), post_id=post_id, facts=facts)
             for post_id, channels in going.items()}
    return {post_id: risks for post_id, risks in found.items() if risks}


def of_posts(post_ids: Sequence[int]) -> dict[int, list[Risk]]:
    """{post id: its risks} for those of `post_ids` that are scheduled and have some (the calendar's icons)."""
    with db.session() as session:
        scheduled = session.exec(select(Post.id).where(Post.id.in_(list(post_ids)),
                                                       Post.status == PostStatus.SCHEDULED)).all()
        return problems_of(session, scheduled) if scheduled else {}


def warn(session: Session, post_id: int, *, stage: str) -> int:
    """Tell of the post's problems in `session`'s transaction, once per problem, due time and `stage` ('scheduled'
    or 'soon'); returns how many problems there were."""
    return _tell(session, post_id, problems(session, post_id), stage=stage)


def _tell(session: Session, post_id: int, found: list[Risk], *, stage: str) -> int:
    if not found:
        return 0
    due = session.exec(select(Post.scheduled_at).where(Post.id == post_id)).first()
    for risk in found:
        inbox.tell(session, Kind.POST_AT_RISK, post_id=post_id, channel_id=risk.channel_id, detail=risk.reason,
                   key=f'risk:{stage}:{post_id}:{risk.channel_id}:{risk.reason[:40]}:'
                       f'{due.isoformat() if due else ""}')
    return len(found)


def due_soon(now: datetime | None = None) -> list[int]:
    """The scheduled posts due within the next hour."""
    now = now or utcnow()
    with db.session() as session:
        return list(session.exec(select(Post.id).where(Post.status == PostStatus.SCHEDULED, Post.scheduled_at > now,
                                                       Post.scheduled_at <= now + AHEAD)))


def warn_due_soon(now: datetime | None = None) -> int:
    """Check every scheduled post due within the next hour from what the database holds (see `lookahead` for the
    whole check); returns how many problems were found."""
    total, due = 0, due_soon(now)
    for start in range(0, len(due), WARN_CHUNK):  # a busy hour's posts judged a chunk at a time, not one by one
        with db.session() as session:
            for post_id, found in problems_of(session, due[start:start + WARN_CHUNK]).items():
                total += _tell(session, post_id, found, stage='soon')
    return total
