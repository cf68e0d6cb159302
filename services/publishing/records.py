"""What the engine reads and writes about deliveries besides claiming them: a due post's pending deliveries, read
together; the end of each attempt, in the attempt log with the post's status settled (many in one transaction); and
the judging of deliveries whose sending process is gone."""
from __future__ import annotations

import functools
import json
import logging
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import select

from services.connections import channels
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
from services.platforms.base import Account, MediaFile, PostContent
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
        change.settle_posts(post_id for _delivery_id, post_id in stuck)
        resumable = change.session.exec(select(Post.id).where(Post.status == PostStatus.PUBLISHING).where(
            sa.exists().where(Delivery.post_id == Post.id, Delivery.status == DeliveryStatus.PENDING,
                              sa.or_(Delivery.owner.is_(None), Delivery.lease_until < now)))).all()
    return list(resumable)


class Prepared(NamedTuple):
    """A pending delivery read before it waits for its turn, so that once claimed, only the request itself stands
    between the claim and the platform. `account_id` is None when its channel is not connected."""
    delivery_id: int
    platform: str
    channel_id: int
    account_id: int | None
    content: PostContent


class Taken(NamedTuple):
    """What one `take_due` reserved: each post's pending deliveries (by post id, in delivery order), and whether it
    stopped at its `room` (more posts may be due: take again once there is room)."""
    by_post: dict[int, list[Prepared]]
    full: bool


def take_due(post_ids: list[int], owner: str, lease: datetime, room: int) -> Taken:
    """Take what `owner` can send soon, in one transaction: at most `room` scheduled posts that are due (not held by
    a paused channel queue, approved where a channel needs it), the longest due first, move to publishing; their
    pending deliveries no live process works on, and those of `post_ids` already publishing (a retry, whatever the
    room), are reserved for `owner` until `lease` (renewed while it works on them) and read with their post, media
    and channels.

    The longest due first, whichever post's timer woke the process: a post left for lack of room is taken before
    those falling due after it. Processes on one database share a burst this way, each taking what it can send soon
    while the others take the rest; on PostgreSQL a post another process is taking is skipped, not waited for."""
    with state.transaction() as change:
        session = change.session
        # picked by a statement of its own: as a subquery of the move, PostgreSQL may run it again for each row it
        # moves, and each run skips the rows moved so far, so the move took every due post whatever the room
        due = list(session.exec(select(Post.id).where(
            Post.status == PostStatus.SCHEDULED, Post.scheduled_at <= utcnow(), not_held_by_a_paused_queue(),
            approval.approval_holds()).order_by(Post.scheduled_at, Post.id).limit(room)
            .with_for_update(of=Post, skip_locked=True))) if room > 0 else []
        fell_due = change.move_posts(PostStatus.PUBLISHING, only_from=[PostStatus.SCHEDULED],
                                     where=[Post.id.in_(due)]) if due else []
        for post_id in fell_due:
            change.announce_post(post_id)
        recurrence.follow_on_each(change, fell_due)  # a recurring post's next occurrence, made once, with the claim
        others = set(post_ids) - set(fell_due)
        # ids, not a subquery of posts: on tables just filled (before PostgreSQL's statistics catch up) the planner
        # paired that subquery with every pending delivery, one scan of the posts each
        sending = [*fell_due, *session.exec(select(Post.id).where(
            Post.id.in_(others), Post.status == PostStatus.PUBLISHING))] if others else fell_due
        deliveries = sorted(session.exec(sa.update(Delivery).where(
            Delivery.post_id.in_(sending), Delivery.status == DeliveryStatus.PENDING, _free(),
        ).values(owner=owner, lease_until=lease).returning(Delivery)).scalars(),
            key=lambda delivery: delivery.id) if sending else []
        # read once something is reserved: a process that lost the post to another (both fired it) stops earlier
        posts = {post.id: post for post in session.exec(
            select(Post).where(Post.id.in_({delivery.post_id for delivery in deliveries})))} if deliveries else {}
        by_id = {channel.id: channel for channel in session.exec(
            select(Channel).where(Channel.id.in_({delivery.channel_id for delivery in deliveries})))
        } if deliveries else {}
        assets: dict[int, list[MediaAsset]] = {}
        for post_id, asset in session.exec(select(PostMedia.post_id, MediaAsset)
                                           .join(MediaAsset, PostMedia.media_id == MediaAsset.id)
                                           .where(PostMedia.post_id.in_(list(posts)))
                                           .order_by(PostMedia.post_id, PostMedia.position)) if posts else ():
            assets.setdefault(post_id, []).append(asset)
    prepared: dict[int, list[Prepared]] = {}
    for delivery in deliveries:
        channel = by_id[delivery.channel_id]
        account_id = channel.account_id if channel.status == AccountStatus.CONNECTED else None
        prepared.setdefault(delivery.post_id, []).append(Prepared(
            delivery.id, delivery.platform, channel.id, account_id,
            content_of(posts[delivery.post_id], assets.get(delivery.post_id, []), delivery)))
    return Taken(prepared, full=len(fell_due) >= room)


class Claimed(NamedTuple):
    """A delivery this process now sends, with its channel's credentials read in the same transaction (None when the
    channel is not connected any more)."""
    account: Account | None


class Claim(NamedTuple):
    """A delivery whose turn has come, to take (pending → publishing) just before its request."""
    delivery_id: int
    channel_id: int


def release(owner: str, delivery_id: int | None = None) -> None:
    """Give back what `owner` reserved and has not sent (the one delivery, or all): pending, free for any process."""
    with db.session() as session:
        session.exec(sa.update(Delivery).where(
            Delivery.owner == owner, Delivery.status == DeliveryStatus.PENDING,
            *([Delivery.id == delivery_id] if delivery_id is not None else []),
        ).values(owner=None, lease_until=None))


def _free():
    """Pending deliveries no live process works on: never reserved, given back, or their owner's lease ran out. Not
    those reserved by the taking process itself: one of its tasks has each (waiting for its turn or to retry), and a
    second would only claim it in vain, or send a retry before its wait is over."""
    return sa.or_(Delivery.owner.is_(None), Delivery.lease_until < utcnow())


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


class Ending(NamedTuple):
    """How an attempt that claimed its delivery ended: the delivery's new status and the attempt log's line."""
    delivery_id: int
    status: str
    outcome: str
    error: str | None
    started: datetime
    remote_id: str | None = None
    remote_url: str | None = None


def claim(claims: list[Claim], owner: str, lease: datetime) -> list[Claimed | None]:
    """Take the deliveries `owner` reserved (pending → publishing) under its lease and read their channels'
    credentials, in one transaction; None for one another process has (its reservation ran out meanwhile)."""
    with state.transaction() as change:
        won = {delivery_id for delivery_id, _post_id in change.move_deliveries(
            DeliveryStatus.PUBLISHING, only_from=[DeliveryStatus.PENDING],
            where=[Delivery.id.in_([item.delivery_id for item in claims]), Delivery.owner == owner],
            attempt_count=Delivery.attempt_count + 1, last_error=None, lease_until=lease)}
        for delivery_id in won:
            change.announce_delivery(delivery_id)
        sending = sorted({item.channel_id for item in claims if item.delivery_id in won})
        account_of = dict(zip(sending, channels.sending_accounts(change.session, sending), strict=True))
    claimed = {item.delivery_id: Claimed(account_of[item.channel_id]) for item in claims if item.delivery_id in won}
    # one delivery asked for twice (two tasks of this process): the first has it
    return [claimed.pop(item.delivery_id, None) for item in claims]


def finish(endings: list[Ending]) -> list[None]:
    """End claimed deliveries (publishing → published or failed), each with the attempt that ended it, and settle
    their posts, in one transaction (see services/publishing/batches.py)."""
    with state.transaction() as change:
        moving = {}
        for ending in endings:
            published = {'remote_id': ending.remote_id, 'remote_url': ending.remote_url, 'published_at': utcnow(),
                         'resume_state': None} if ending.status == DeliveryStatus.PUBLISHED else {}
            moving[ending.delivery_id] = (ending.status, {'last_error': ending.error, 'owner': None,
                                                          'lease_until': None, **published})
        moved = change.move_each(moving, only_from=[DeliveryStatus.PUBLISHING])
        ended = {delivery_id for delivery_id, _post_id in moved}
        for ending in endings:
            if ending.delivery_id not in ended:
                log.warning('delivery %s was no longer being sent when it ended as %s', ending.delivery_id,
                            ending.outcome)
                continue
            change.record_attempt(ending.delivery_id, ending.outcome, ending.started, error=ending.error,
                                  remote_id=ending.remote_id, remote_url=ending.remote_url)
            change.announce_delivery(ending.delivery_id)
        change.settle_posts(post_id for _delivery_id, post_id in moved)
    return [None] * len(endings)


def fail_unsent(delivery_id: int, reason: str) -> None:
    """A pending delivery that cannot be sent at all fails with `reason` (pending → failed), nothing sent."""
    now = utcnow()
    with state.transaction() as change:
        if not change.move_delivery(delivery_id, DeliveryStatus.FAILED, only_from=[DeliveryStatus.PENDING],
                                    last_error=reason):
            return
        change.record_attempt(delivery_id, Outcome.FAILED, now, error=reason)
        change.settle_posts([post_of(change, delivery_id)])
        change.announce_delivery(delivery_id)


def post_of(change: state.Change, delivery_id: int) -> int:
    return change.session.exec(select(Delivery.post_id).where(Delivery.id == delivery_id)).one()
