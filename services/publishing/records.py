"""What the engine reads and writes about deliveries besides claiming them: a due post's pending deliveries, read
together; the end of each attempt, in the attempt log with the post's status settled; and the judging of deliveries
whose sending process is gone."""
from __future__ import annotations

import asyncio
import functools
import json
import logging
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import select

from services.core import db
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
from services.media import library, variants
from services.platforms import registry
from services.platforms.base import MediaFile, PostContent
from services.platforms.spec import PlatformSpec
from services.posts import approval, recurrence, state, versions
from services.queue.paused import not_held_by_a_paused_queue

log = logging.getLogger(__name__)
INTERRUPTED_REASON = N_('The app stopped while this was being sent, so it may or may not have arrived. '
                        'Check the platform, then retry if it is missing.')
NO_ACCOUNT_REASON = N_('This channel is not connected. Connect it on the Channels page, then retry.')
ANSWER_LOST_REASON = N_('The platform\'s answer was lost after this was sent, so it may or may not have arrived. '
                        'Check the platform, then retry if it is missing.')


class Outcome:
    PUBLISHED = 'published'
    RETRY = 'retry'
    FAILED = 'failed'
    REJECTED = 'rejected'
    NEEDS_RECONNECT = 'needs_reconnect'
    INTERRUPTED = 'interrupted'


def recover_abandoned() -> list[int]:
    """Deliveries whose sending process is gone (their lease ran out: a crash, a kill) become interrupted, never
    silently resent: their request may have reached the platform. Deliveries a live process is sending (on this
    database, from any machine) are left alone.

    Returns the ids of posts being published that have pending deliveries no live process works on (given back by a
    process that stopped, or reserved by one that is gone): nothing of those was sent yet, so they may be resumed.
    """
    now = utcnow()
    with state.transaction() as change:
        stuck = change.move_deliveries(DeliveryStatus.INTERRUPTED, only_from=[DeliveryStatus.PUBLISHING],
                                       where=[sa.or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)],
                                       last_error=INTERRUPTED_REASON, owner=None, lease_until=None)
        for delivery_id, _post_id in stuck:
            change.record_attempt(delivery_id, Outcome.INTERRUPTED, now, error=INTERRUPTED_REASON)
            change.announce_delivery(delivery_id)
        for post_id in {post_id for _delivery_id, post_id in stuck}:
            change.settle_post(post_id)
        resumable = change.session.exec(select(Post.id).where(Post.status == PostStatus.PUBLISHING).where(
            sa.exists().where(Delivery.post_id == Post.id, Delivery.status == DeliveryStatus.PENDING,
                              sa.or_(Delivery.owner.is_(None), Delivery.lease_until < now)))).all()
    return list(resumable)


def pending_of_due_post(post_id: int) -> list[int]:
    """A scheduled post that is due (not held by a paused channel queue, approved where a channel needs it), or one
    queued for now, moves to publishing and its pending deliveries are returned; nothing for any other post."""
    with state.transaction() as change:
        if change.move_post(post_id, PostStatus.PUBLISHING, only_from=[PostStatus.SCHEDULED],
                            where=[Post.scheduled_at <= utcnow(), not_held_by_a_paused_queue(),
                                   approval.approval_holds()]):
            change.announce_post(post_id)
            recurrence.follow_on(change, post_id)  # a recurring post's next occurrence, made once, with the claim
        session = change.session
        if session.exec(select(Post.status).where(Post.id == post_id)).first() != PostStatus.PUBLISHING:
            return []
        return list(session.exec(select(Delivery.id).where(Delivery.post_id == post_id,
                                                           Delivery.status == DeliveryStatus.PENDING)))


class Prepared(NamedTuple):
    """A pending delivery read before it waits for its turn, so that once claimed, only the request itself stands
    between the claim and the platform. `account_id` is None when its channel is not connected."""
    delivery_id: int
    platform: str
    channel_id: int
    account_id: int | None
    content: PostContent


def prepare(post_id: int, delivery_ids: list[int], owner: str, lease: datetime) -> list[Prepared]:
    """The deliveries among `delivery_ids` that are still pending and free (no live process working on them),
    reserved for `owner` until `lease` (renewed while it works on them) and read together with their post, media and
    channels in one session: a post to many channels waits for one read, not one each."""
    if not delivery_ids:
        return []
    with db.session() as session:
        delivery_ids = list(session.exec(sa.update(Delivery).where(
            Delivery.id.in_(delivery_ids), Delivery.status == DeliveryStatus.PENDING, _free(owner),
        ).values(owner=owner, lease_until=lease).returning(Delivery.id)).scalars())
    if not delivery_ids:
        return []
    with db.session() as session:
        post = session.get(Post, post_id)
        deliveries = session.exec(select(Delivery).where(Delivery.id.in_(delivery_ids),
                                                         Delivery.status == DeliveryStatus.PENDING,
                                                         Delivery.owner == owner)).all()
        by_id = {channel.id: channel for channel in session.exec(
            select(Channel).where(Channel.id.in_({delivery.channel_id for delivery in deliveries})))}
        assets = list(session.exec(select(MediaAsset).join(PostMedia, PostMedia.media_id == MediaAsset.id)
                                   .where(PostMedia.post_id == post_id).order_by(PostMedia.position)))
    prepared = []
    for delivery in deliveries:
        channel = by_id[delivery.channel_id]
        account_id = channel.account_id if channel.status == AccountStatus.CONNECTED else None
        prepared.append(Prepared(delivery.id, delivery.platform, channel.id, account_id,
                                 content_of(post, assets, delivery)))
    return prepared


def release(owner: str, delivery_id: int | None = None) -> None:
    """Give back what `owner` reserved and has not sent (the one delivery, or all): pending, free for any process."""
    with db.session() as session:
        session.exec(sa.update(Delivery).where(
            Delivery.owner == owner, Delivery.status == DeliveryStatus.PENDING,
            *([Delivery.id == delivery_id] if delivery_id is not None else []),
        ).values(owner=None, lease_until=None))


def _free(owner: str):
    """Pending deliveries no live process works on: never reserved, given back, or their owner's lease ran out."""
    return sa.or_(Delivery.owner.is_(None), Delivery.owner == owner, Delivery.lease_until < utcnow())


def content_of(post: Post, assets: list[MediaAsset], delivery: Delivery) -> PostContent:
    """What goes to the delivery's channel: its own version where it has one, else the post's."""
    spec = registry.get(delivery.platform)
    version = versions.of_delivery(post, delivery, assets)
    files = tuple(_media_file(asset, spec) for asset in variants.for_platform(version.media, delivery.platform))
    return PostContent(text=version.text, media=files, options=version.options,
                       resume=json.loads(delivery.resume_state or '{}'),
                       checkpoint=functools.partial(save_resume_state, delivery.id))


def save_resume_state(delivery_id: int, state: dict) -> None:
    """Written before the client takes a step it must not repeat blindly, so it survives a crash during it."""
    with db.session() as session:
        session.exec(sa.update(Delivery).where(Delivery.id == delivery_id).values(
            resume_state=json.dumps(state) if state else None))


def _media_file(asset, spec: PlatformSpec) -> MediaFile:
    mime, url = asset.mime_type, None
    if spec.pulls_media is not None:
        try:
            if spec.pulls_media.photos_as_jpeg and not asset.mime_type.startswith('video/'):
                mime, url = 'image/jpeg', library.signed_jpeg_url(asset)
            else:
                url = library.signed_url(asset)
        except library.PublicUrlMissing:
            url = None  # the client refuses with the reason, which the user then sees
    return MediaFile(library.media_path(asset), mime, asset.width, asset.height, asset.duration_s, url=url)


def wait_to_retry(delivery_id: int, error: str, started, *, held: bool) -> None:
    """Log a failed attempt that will be tried again. A request that did not take effect moves the delivery back to
    pending (still reserved by its process) while it waits; one that may have reached the platform (`held`) keeps it
    claimed, so a stop meanwhile leaves it interrupted rather than sent twice."""
    with state.transaction() as change:
        if held:
            change.session.exec(sa.update(Delivery).where(Delivery.id == delivery_id).values(
                attempt_count=Delivery.attempt_count + 1, last_error=error, updated_at=utcnow()))
        elif not change.move_delivery(delivery_id, DeliveryStatus.PENDING, only_from=[DeliveryStatus.PUBLISHING],
                                      last_error=error):  # still reserved by its process, which waits to retry
            return
        change.record_attempt(delivery_id, Outcome.RETRY, started, error=error)
        change.announce_delivery(delivery_id)


async def end(delivery_id: int, status: str, outcome: str, error: str | None, started,
               **published: str | None) -> None:
    """`finish` in a worker thread: the event loop meanwhile sends other deliveries (a bot's twenty chats, due at
    once, would otherwise wait for each other's bookkeeping)."""
    await asyncio.to_thread(finish, delivery_id, status, outcome, error, started, **published)


def finish(delivery_id: int, status: str, outcome: str, error: str | None, started, *,
            remote_id: str | None = None, remote_url: str | None = None) -> None:
    """End a claimed delivery (publishing → published or failed) with the attempt that ended it."""
    now = utcnow()
    published = {'remote_id': remote_id, 'remote_url': remote_url, 'published_at': now, 'resume_state': None} \
        if status == DeliveryStatus.PUBLISHED else {}
    with state.transaction() as change:
        if not change.move_delivery(delivery_id, status, only_from=[DeliveryStatus.PUBLISHING], last_error=error,
                                    owner=None, lease_until=None, **published):
            log.warning('delivery %s was no longer being sent when it ended as %s', delivery_id, outcome)
            return
        change.record_attempt(delivery_id, outcome, started, error=error, remote_id=remote_id, remote_url=remote_url)
        change.settle_post(post_of(change, delivery_id))
        change.announce_delivery(delivery_id)


def fail_unsent(delivery_id: int, reason: str) -> None:
    """A pending delivery that cannot be sent at all fails with `reason` (pending → failed), nothing sent."""
    now = utcnow()
    with state.transaction() as change:
        if not change.move_delivery(delivery_id, DeliveryStatus.FAILED, only_from=[DeliveryStatus.PENDING],
                                    last_error=reason):
            return
        change.record_attempt(delivery_id, Outcome.FAILED, now, error=reason)
        change.settle_post(post_of(change, delivery_id))
        change.announce_delivery(delivery_id)


def post_of(change: state.Change, delivery_id: int) -> int:
    return change.session.exec(select(Delivery.post_id).where(Delivery.id == delivery_id)).one()
