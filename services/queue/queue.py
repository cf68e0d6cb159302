"""Each channel's posting queue: "Add to queue", what is coming, and reordering, shuffling, pausing and removing.

"Add to queue" for a post to several channels saves one post per channel (each with that channel's version), each
scheduled at its channel's next free posting time and marked with the queue holding it (`Post.queue_channel_id`).
A post's `scheduled_at` stays the one time it goes out, so the due-post timer, the engine, the calendar and the
reschedule dialog treat a queued post as any scheduled one; moving posts in a queue only exchanges the times they
hold. A slot is taken by any scheduled post going to the channel at that instant, queued or not. A paused queue's
posts keep their times and wait (the engine and the timer leave them alone); resuming lays them out again, in
their order, from the next free slot.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from services.connections import channels as channel_book
from services.core import db
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import Channel, Delivery, DeliveryStatus, Post, PostStatus, User, utcnow
from services.posts import editing, state
from services.posts.checks import Problem
from services.posts.editing import PostInput, PostRefused, SaveAction
from services.posts.versions import Version
from services.queue import posting_times
from services.queue.slots import SharedSlots, free_slots
from services.team import audit, permissions

QUEUE_CHANGED = N_('This queue changed meanwhile. Reload the page to see it as it is now.')
NOT_QUEUED = N_('This post is no longer in the queue.')


@dataclass(frozen=True)
class QueuedPost:
    post_id: int
    scheduled_at: datetime
    text: str  # what this channel gets: its own version's text, else the post's


@dataclass(frozen=True)
class Queue:
    channel: Channel
    paused: bool
    posts: list[QueuedPost]


def next_slots(channel_ids: Sequence[int], *, now: datetime | None = None,
               post_id: int | None = None) -> dict[int, datetime | UserError]:
    """Where "Add to queue" would put a post now, by channel: its next free posting time (UTC), or why it has none
    (no posting times, or none free within a year). `post_id`: the post being queued again, whose own time is free.
    """
    now = now or utcnow()
    found: dict[int, datetime | UserError] = {}
    team_zone = posting_times.team_time_zone()
    chosen = channel_book.channels_by_id(list(channel_ids))
    shared = SharedSlots(now)
    with db.session() as session:
        taken = _taken(session, list(chosen), now, exclude=post_id)
    for channel_id in channel_ids:
        channel = chosen.get(channel_id)
        if channel is not None:
            try:
                found[channel_id] = _free(channel, team_zone, shared, 1, taken.get(channel_id, set()))[0]
            except UserError as refusal:
                found[channel_id] = refusal
    return found


def add_to_queue(author_id: int, data: PostInput, *, post_id: int | None = None, actor: User | None = None,
                 ip: str = '', now: datetime | None = None) -> list[Post]:
    """Put `data` in the queue of each of its channels: one scheduled post per channel, at that channel's next free
    posting time, in one transaction (`post_id`, an editable post, becomes the first channel's). Returns the posts
    in the order of `data.channels`.

    Raises PostRefused with every problem of every channel (a channel without posting times is one), UserError,
    PostLocked as saving does; permissions.Forbidden when `actor` may not write posts.
    """
    if actor is not None:
        permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    now = now or utcnow()
    channel_ids = list(dict.fromkeys(data.channels))
    if not channel_ids:
        raise PostRefused([Problem(N_('Choose at least one channel.'))])
    team_zone = posting_times.team_time_zone()
    saved: list[Post] = []
    with state.transaction() as change:
        session = change.session
        # one "Add to queue" at a time per channel (PostgreSQL): two at once never take the same slot
        locked = {channel.id: channel for channel in session.exec(
            select(Channel).where(Channel.id.in_(channel_ids)).order_by(Channel.id).with_for_update())}
        if len(locked) < len(channel_ids):
            raise UserError(N_('A channel of this post no longer exists. Choose the channels again.'))
        taken = _taken(session, channel_ids, now, exclude=post_id)
        shared = SharedSlots(now)
        problems: list[Problem] = []
        for index, channel_id in enumerate(channel_ids):
            channel = locked[channel_id]
            try:
                [slot] = _free(channel, team_zone, shared, 1, taken.get(channel_id, set()))
            except UserError as refusal:
                problems.append(Problem(refusal.message, refusal.params, channel.platform, channel.id))
                continue
            one = replace(data, channels=[channel_id], scheduled_at=slot,
                          versions={channel_id: data.versions.get(channel_id) or Version()})
            try:
                post = editing.save_in(change, author_id, one, SaveAction.SCHEDULE,
                                       post_id=post_id if index == 0 else None, now=now,
                                       actor_id=actor.id if actor else author_id, ip=ip, chosen=[channel],
                                       queue_channel_id=channel_id)
            except PostRefused as refused:
                problems.extend(refused.problems)
                continue
            saved.append(post)
        if problems:
            raise PostRefused(problems)
    return saved


def queue_of(channel_id: int, *, limit: int | None = None) -> Queue:
    """The channel's queued posts, soonest first (`limit` of them). Raises UserError when the channel is gone."""
    with db.session() as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            raise UserError(N_('This channel no longer exists.'))
        query = (select(Post.id, Post.scheduled_at, Post.text, Delivery.text)
                 .join(Delivery, sa.and_(Delivery.post_id == Post.id, Delivery.channel_id == channel_id),
                       isouter=True)
                 .where(Post.queue_channel_id == channel_id, Post.status == PostStatus.SCHEDULED)
                 .order_by(Post.scheduled_at, Post.id))
        if limit is not None:
            query = query.limit(limit)
        rows = session.exec(query).all()
    return Queue(channel, channel.queue_paused,
                 [QueuedPost(post_id, when, own if own is not None else text) for post_id, when, text, own in rows])


def reorder(channel_id: int, order: Sequence[int], actor: User, *, ip: str = '') -> None:
    """Give the queue's posts the order `order` (every queued post's id, once): they exchange the times they hold,
    the first in `order` taking the earliest. Raises UserError when the queue no longer holds exactly those posts;
    permissions.Forbidden."""
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    with state.transaction() as change:
        held = _held(change.session, channel_id)
        if sorted(order) != sorted(post_id for post_id, _when in held) or len(set(order)) != len(order):
            raise UserError(QUEUE_CHANGED)
        _assign(change, list(order), [when for _post_id, when in held], actor, ip)


def move_to_top(channel_id: int, post_id: int, actor: User, *, ip: str = '') -> None:
    """The post takes the queue's earliest time; those before it move one time later. Raises as `reorder`."""
    order = [queued.post_id for queued in queue_of(channel_id).posts]
    if post_id not in order:
        raise UserError(NOT_QUEUED)
    reorder(channel_id, [post_id, *(other for other in order if other != post_id)], actor, ip=ip)


def move(channel_id: int, post_id: int, step: int, actor: User, *, ip: str = '') -> None:
    """The post swaps times with its neighbour `step` (-1 earlier, +1 later); nothing at either end."""
    order = [queued.post_id for queued in queue_of(channel_id).posts]
    if post_id not in order:
        raise UserError(NOT_QUEUED)
    index = order.index(post_id)
    other = index + step
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
        reorder(channel_id, order, actor, ip=ip)


def shuffle(channel_id: int, actor: User, *, ip: str = '', rng: random.Random | None = None) -> None:
    """The queue's posts take its times in a random order."""
    order = [queued.post_id for queued in queue_of(channel_id).posts]
    (rng or random.Random()).shuffle(order)
    reorder(channel_id, order, actor, ip=ip)


def remove(channel_id: int, post_id: int, actor: User, *, close_gap: bool = False, ip: str = '') -> None:
    """Take the post out of the queue: it becomes a draft (kept, with its time). With `close_gap`, every later post
    of the queue moves up one time, so no slot is left empty. Raises UserError when it is no longer queued."""
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    with state.transaction() as change:
        held = _held(change.session, channel_id)
        ids = [held_id for held_id, _when in held]
        if post_id not in ids:
            raise UserError(NOT_QUEUED)
        if not change.move_post(post_id, PostStatus.DRAFT, only_from=[PostStatus.SCHEDULED],
                                where=[Post.queue_channel_id == channel_id], queue_channel_id=None):
            raise UserError(NOT_QUEUED)
        audit.record(change.session, audit.Action.POST_UNSCHEDULED, actor_id=actor.id, target=str(post_id), ip=ip)
        change.announce_post(post_id)
        if close_gap:
            index = ids.index(post_id)
            later = ids[index + 1:]
            _assign(change, later, [when for _id, when in held[index:-1]], actor, ip)


def set_paused(channel_id: int, paused: bool, actor: User, *, ip: str = '', now: datetime | None = None) -> None:
    """Pause the channel's queue (its queued posts keep their times and wait) or resume it: the queued posts are
    laid out again in their order from the next free posting time, so those whose time passed meanwhile go out at
    the coming slots (a channel without posting times keeps their times: those past go out now).

    Raises UserError when the channel is gone; permissions.Forbidden.
    """
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    now = now or utcnow()
    with state.transaction() as change:
        session = change.session
        channel = session.exec(select(Channel).where(Channel.id == channel_id).with_for_update()).first()
        if channel is None:
            raise UserError(N_('This channel no longer exists.'))
        if channel.queue_paused == paused:
            return
        channel.queue_paused, channel.updated_at = paused, utcnow()
        session.add(channel)
        audit.record(session, audit.Action.QUEUE_PAUSED if paused else audit.Action.QUEUE_RESUMED,
                     actor_id=actor.id, target=f'{channel.platform}: {channel.id}', ip=ip)
        held = _held(session, channel_id)
        for post_id, _when in held:
            change.announce_post(post_id)  # pages showing it say it waits, or no longer
        if paused or not held or not posting_times.times_of(channel):
            return
        others = _taken(session, [channel_id], now, exclude_queue=channel_id).get(channel_id, set())
        slots = free_slots(posting_times.times_of(channel), posting_times.time_zone_of(channel), now, others,
                           len(held), channel_title=channel_book.full_title(channel))
        _assign(change, [post_id for post_id, _when in held], slots, actor, ip)


def _held(session: Session, channel_id: int) -> list[tuple[int, datetime]]:
    """(post id, time) of the queue's posts, soonest first."""
    return [tuple(row) for row in session.exec(
        select(Post.id, Post.scheduled_at).where(Post.queue_channel_id == channel_id,
                                                 Post.status == PostStatus.SCHEDULED)
        .order_by(Post.scheduled_at, Post.id))]


def _assign(change: state.Change, order: list[int], times: list[datetime], actor: User, ip: str) -> None:
    """Post `order[i]` takes `times[i]`; each one that moves is moved conditionally (still scheduled) and announced,
    so the due-post timer follows. Raises UserError when one of them left the queue meanwhile."""
    current = dict(change.session.exec(select(Post.id, Post.scheduled_at).where(Post.id.in_(order))).all())
    for post_id, when in zip(order, times, strict=True):
        if current.get(post_id) == when:
            continue
        if not change.move_post(post_id, PostStatus.SCHEDULED, only_from=[PostStatus.SCHEDULED],
                                scheduled_at=when):
            raise UserError(QUEUE_CHANGED)
        audit.record(change.session, audit.Action.POST_RESCHEDULED, actor_id=actor.id, target=str(post_id), ip=ip,
                     detail=when.isoformat())
        change.announce_post(post_id)


def _taken(session: Session, channel_ids: list[int], after: datetime, *, exclude: int | None = None,
           exclude_queue: int | None = None) -> dict[int, set[datetime]]:
    """By channel: the instants after `after` at which a scheduled post goes to it (leaving out post `exclude`,
    and the posts of queue `exclude_queue`, which are being laid out again)."""
    # Read from the channel's waiting deliveries (ix_deliveries_channel_status), the post's status and time judged
    # here: a condition on the posts' own columns leads SQLite to walk every scheduled post of every channel.
    query = (select(Delivery.channel_id, Post.id, Post.status, Post.scheduled_at, Post.queue_channel_id)
             .join(Post, Post.id == Delivery.post_id)
             .where(Delivery.channel_id.in_(channel_ids), Delivery.status == DeliveryStatus.PENDING))
    found: dict[int, set[datetime]] = {}
    for channel_id, post_id, status, when, queue_id in session.exec(query):
        if status == PostStatus.SCHEDULED and when is not None and when > after and post_id != exclude and \
                (exclude_queue is None or queue_id != exclude_queue):
            found.setdefault(channel_id, set()).add(when)
    return found


def _free(channel: Channel, team_zone: str, shared: SharedSlots, count: int, taken: set[datetime]) -> list[datetime]:
    return free_slots(posting_times.times_of(channel), posting_times.time_zone_of(channel, team_zone), shared.after,
                      taken, count, channel_title=channel_book.full_title(channel), shared=shared)
