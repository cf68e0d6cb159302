"""Warnings before a post would fail: when a post is scheduled, and again within the hour before it is due, each of
its channels is checked (connected, its media still stored, PUBLIC_BASE_URL set for a platform that fetches media);
what fails is told to the post's people (kind post_at_risk), once per problem and due time."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

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
    Post,
    PostMedia,
    PostStatus,
    utcnow,
)
from services.core.periodic import Periodic
from services.notifications import inbox
from services.notifications.kinds import Kind
from services.platforms import registry

NOT_CONNECTED = N_('the channel is not connected')
MEDIA_MISSING = N_('a photo or video of the post is no longer stored')
NO_PUBLIC_URL = N_('the platform fetches the media from the app, and PUBLIC_BASE_URL is not set')
AHEAD = timedelta(hours=1)
INTERVAL_S = 600.0

_watch: Periodic | None = None


def problems(session: Session, post_id: int) -> list[tuple[int, str]]:
    """(channel id, reason msgid) for each thing that would make the post's waiting deliveries fail."""
    rows = session.exec(select(Delivery.channel_id, Delivery.platform).where(
        Delivery.post_id == post_id, Delivery.status == DeliveryStatus.PENDING)).all()
    stored = session.exec(select(MediaAsset.stored_path).join(PostMedia, PostMedia.media_id == MediaAsset.id)
                          .where(PostMedia.post_id == post_id)).all()
    uploads = get_settings().uploads_dir
    media_missing = any(not (uploads / name).is_file() for name in stored)
    found = []
    for channel_id, platform in rows:
        channel = session.get(Channel, channel_id)
        if channel is None or channel.status != AccountStatus.CONNECTED or channel.account_id is None:
            found.append((channel_id, NOT_CONNECTED))
        if media_missing:
            found.append((channel_id, MEDIA_MISSING))
        spec = registry.find(platform)
        if stored and spec is not None and spec.needs_public_url and not get_settings().public_base_url:
            found.append((channel_id, NO_PUBLIC_URL))
    return found


def warn(session: Session, post_id: int, *, stage: str) -> int:
    """Tell of the post's problems in `session`'s transaction, once per problem, due time and `stage` ('scheduled'
    or 'soon'); returns how many problems there were."""
    due = session.exec(select(Post.scheduled_at).where(Post.id == post_id)).first()
    found = problems(session, post_id)
    for channel_id, reason in found:
        inbox.tell(session, Kind.POST_AT_RISK, post_id=post_id, channel_id=channel_id, detail=reason,
                   key=f'risk:{stage}:{post_id}:{channel_id}:{reason[:40]}:{due.isoformat() if due else ""}')
    return len(found)


def warn_due_soon(now: datetime | None = None) -> int:
    """Check every scheduled post due within the next hour; returns how many problems were found."""
    now = now or utcnow()
    with db.session() as session:
        due = list(session.exec(select(Post.id).where(Post.status == PostStatus.SCHEDULED,
                                                      Post.scheduled_at > now, Post.scheduled_at <= now + AHEAD)))
    total = 0
    for post_id in due:
        with db.session() as session:
            total += warn(session, post_id, stage='soon')
    return total


def start_watch() -> None:
    """Check the posts due soon every INTERVAL_S from now on (once per process)."""
    global _watch
    if _watch is None:
        _watch = Periodic('post warnings', lambda: asyncio.to_thread(warn_due_soon), first_delay_s=60.0,
                          interval_s=INTERVAL_S)
    _watch.start()


async def stop_watch() -> None:
    global _watch
    if _watch is not None:
        await _watch.stop()
    _watch = None
