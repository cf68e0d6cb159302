"""What the calendar and the dashboard read about posts: what is coming, what needs attention, counts.

The queries read only the rows they show, through the indexes on posts.status/scheduled_at and
deliveries.post_id/status, however many posts exist.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from services.core import db
from services.core.models import Delivery, DeliveryStatus, Post, PostMedia, PostStatus, utcnow
from services.posts.checks import SCHEDULE_HORIZON
from services.posts.recurrence import occurrences

ATTENTION = (PostStatus.FAILED, PostStatus.PARTLY_PUBLISHED, PostStatus.MISSED)
WAITING = (PostStatus.SCHEDULED,)
# What a calendar shows of a period: what is due, and what was due or went out (drafts and cancelled posts are not).
ON_CALENDAR = (PostStatus.SCHEDULED, PostStatus.PUBLISHING, PostStatus.PUBLISHED, PostStatus.PARTLY_PUBLISHED,
               PostStatus.FAILED, PostStatus.MISSED)
SNIPPET = 200  # characters of a post's text the lists show
REPEATS_PER_POST = 62  # a daily post over a month view (six weeks) and a little more


@dataclass(frozen=True)
class PostSummary:
    """A post as a calendar entry or a dashboard row: the start of its text, where it goes, how much media."""

    id: int
    text: str
    status: str
    scheduled_at: datetime | None
    updated_at: datetime
    deliveries: tuple[tuple[str, str], ...]  # (platform, delivery status), in the order they were chosen
    media_count: int
    channel_ids: tuple[int, ...] = ()  # of each delivery, in the same order

    @property
    def platforms(self) -> list[str]:
        return [platform for platform, _status in self.deliveries]

    @property
    def interrupted(self) -> bool:
        return any(status == DeliveryStatus.INTERRUPTED for _platform, status in self.deliveries)


@dataclass(frozen=True)
class Repeat:
    """A coming occurrence of a recurring post, computed from its rule (the series stores only its next one)."""

    post: PostSummary  # the series' waiting occurrence, which this one repeats
    at: datetime


def repeats_between(start: datetime, end: datetime, channel_ids: Sequence[int] | None = None) -> list[Repeat]:
    """The occurrences in [start, end) that recurring posts will have after their waiting (scheduled) one, by
    time; with `channel_ids`, only of posts going to one of these channels. Nothing is stored: they are read
    from each series' rule in its time zone."""
    query = _summary_columns().add_columns(Post.recurrence, Post.recurrence_zone).where(
        Post.status == PostStatus.SCHEDULED, Post.recurrence.is_not(None), Post.scheduled_at < end,
        *_to_channels(channel_ids))
    with db.session() as session:
        rows = session.exec(query).all()
        summaries = {summary.id: summary for summary in _summaries(session, [row[:5] for row in rows])}
    found = []
    for row in rows:
        post_id, scheduled_at, rule, zone = row[0], row[3], row[5], row[6]
        after = max(scheduled_at, start - timedelta(microseconds=1))
        found += [Repeat(summaries[post_id], at) for at in occurrences(rule, zone or 'UTC', after, REPEATS_PER_POST)
                  if at < end]
    return sorted(found, key=lambda repeat: (repeat.at, repeat.post.id))


def upcoming(start: datetime, end: datetime, *, limit: int = 200, after: tuple[datetime, int] | None = None,
             statuses: tuple[str, ...] = WAITING, channel_ids: Sequence[int] | None = None) -> list[PostSummary]:
    """Posts in one of `statuses` (scheduled ones unless told) due in [start, end), soonest first, at most `limit`;
    with `channel_ids`, only those going to one of these channels.

    For the next page pass the last one shown as `after` = (scheduled_at, id).
    """
    query = _summary_columns().where(Post.status.in_(statuses), Post.scheduled_at >= start,
                                     Post.scheduled_at < end, *_to_channels(channel_ids)) \
        .order_by(Post.scheduled_at, Post.id).limit(limit)
    if after is not None:
        at, post_id = after
        query = query.where(sa.or_(Post.scheduled_at > at, sa.and_(Post.scheduled_at == at, Post.id > post_id)))
    with db.session() as session:
        return _summaries(session, session.exec(query).all())


def count_upcoming(start: datetime, end: datetime) -> int:
    with db.session() as session:
        return _count_scheduled(session, start, end)


def upcoming_by_day(days: list[tuple[datetime, datetime]], per_day: int, statuses: tuple[str, ...] = WAITING,
                    channel_ids: Sequence[int] | None = None) -> list[tuple[list[PostSummary], int]]:
    """For each [start, end) in `days` (the user's local days, in UTC): its first `per_day` posts in one of
    `statuses` (going to one of `channel_ids`, when given) and how many it has in all. Two small indexed queries a
    day, in one session, so a crowded month stays quick."""
    with db.session() as session:
        picked, totals = [], []
        for start, end in days:
            rows = session.exec(_summary_columns().where(
                Post.status.in_(statuses), Post.scheduled_at >= start, Post.scheduled_at < end,
                *_to_channels(channel_ids)).order_by(Post.scheduled_at, Post.id).limit(per_day)).all()
            picked.append(rows)
            totals.append(len(rows) if len(rows) < per_day else
                          _count_scheduled(session, start, end, statuses, channel_ids))
        summaries = {summary.id: summary for summary in _summaries(session, [row for rows in picked for row in rows])}
    return [([summaries[row[0]] for row in rows], total) for rows, total in zip(picked, totals, strict=True)]


def _count_scheduled(session: Session, start: datetime, end: datetime, statuses: tuple[str, ...] = WAITING,
                     channel_ids: Sequence[int] | None = None) -> int:
    return session.exec(select(sa.func.count()).select_from(Post).where(
        Post.status.in_(statuses), Post.scheduled_at >= start, Post.scheduled_at < end,
        *_to_channels(channel_ids))).one()


def _to_channels(channel_ids: Sequence[int] | None) -> list:
    """The condition 'goes to one of `channel_ids`' (none when None: every post)."""
    if channel_ids is None:
        return []
    return [sa.exists().where(Delivery.post_id == Post.id, Delivery.channel_id.in_(list(channel_ids)))]


def scheduled_count_to(channel_id: int) -> int:
    """How many scheduled or missed posts still have a delivery waiting to go to channel `channel_id`."""
    with db.session() as session:
        return session.exec(select(sa.func.count(sa.distinct(Post.id))).join(Delivery, Delivery.post_id == Post.id)
                            .where(Post.status.in_((PostStatus.SCHEDULED, PostStatus.MISSED)),
                                   Delivery.channel_id == channel_id, Delivery.status == DeliveryStatus.PENDING)).one()


def due_next(limit: int = 5, *, now: datetime | None = None) -> list[PostSummary]:
    now = now or utcnow()
    return upcoming(now, now + SCHEDULE_HORIZON + timedelta(days=1), limit=limit)


def needs_attention(limit: int = 10) -> tuple[list[PostSummary], int]:
    """Failed, partly published and missed posts, and posts with an interrupted delivery: the most recently
    changed `limit` of them, and how many there are in all."""
    with db.session() as session:
        by_status = session.exec(select(Post.id).where(Post.status.in_(ATTENTION))
                                 .order_by(Post.updated_at.desc()).limit(limit)).all()
        interrupted = session.exec(select(Delivery.post_id).where(Delivery.status == DeliveryStatus.INTERRUPTED)
                                   .order_by(Delivery.updated_at.desc()).limit(limit)).all()
        ids = set(by_status) | set(interrupted)
        rows = session.exec(_summary_columns().where(Post.id.in_(ids)).order_by(Post.updated_at.desc())
                            .limit(limit)).all() if ids else []
        total = session.exec(select(sa.func.count()).select_from(Post).where(Post.status.in_(ATTENTION))).one()
        total += session.exec(select(sa.func.count(sa.distinct(Delivery.post_id)))
                              .join(Post, Post.id == Delivery.post_id)
                              .where(Delivery.status == DeliveryStatus.INTERRUPTED,
                                     Post.status.not_in(ATTENTION))).one()
        return _summaries(session, rows), total


def status_counts(days: int = 30) -> dict[str, int]:
    """How many posts are in each status, among those created or scheduled in the last `days` days.

    Every status is present (0 when none), so callers can show a full summary.
    """
    since = utcnow() - timedelta(days=days)
    query = (select(Post.status, sa.func.count()).where(sa.or_(Post.created_at >= since, Post.scheduled_at >= since))
             .group_by(Post.status))
    with db.session() as session:
        found = dict(session.exec(query).all())
    return {status.value: found.get(status.value, 0) for status in PostStatus}


def channel_status_counts(days: int = 30, *, now: datetime | None = None) -> dict[int, dict[str, int]]:
    """{channel id: {status: posts}} for posts created or scheduled in the last `days` days.

    The status is the post's state on that channel: its delivery's status, except that a delivery still
    waiting shows what the post waits as (scheduled, missed, draft).
    """
    since = (now or utcnow()) - timedelta(days=days)
    query = (select(Delivery.channel_id, Delivery.status, Post.status, sa.func.count())
             .join(Post, Post.id == Delivery.post_id)
             .where(sa.or_(Post.created_at >= since, Post.scheduled_at >= since))
             .group_by(Delivery.channel_id, Delivery.status, Post.status))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with db.session() as session:
        for channel_id, delivery_status, post_status, n in session.exec(query):
            shown = post_status if delivery_status == DeliveryStatus.PENDING else delivery_status
            counts[channel_id][shown] += n
    return {channel_id: dict(by_status) for channel_id, by_status in counts.items()}


def _summary_columns():
    return select(Post.id, sa.func.substr(Post.text, 1, SNIPPET), Post.status, Post.scheduled_at, Post.updated_at)


def _summaries(session: Session, rows: list) -> list[PostSummary]:
    ids = [row[0] for row in rows]
    if not ids:
        return []
    deliveries: dict[int, list[tuple[str, str]]] = defaultdict(list)
    channels: dict[int, list[int]] = defaultdict(list)
    for post_id, platform, status, channel_id in session.exec(
            select(Delivery.post_id, Delivery.platform, Delivery.status, Delivery.channel_id)
            .where(Delivery.post_id.in_(ids)).order_by(Delivery.id)):
        deliveries[post_id].append((platform, status))
        channels[post_id].append(channel_id)
    media = dict(session.exec(select(PostMedia.post_id, sa.func.count()).where(PostMedia.post_id.in_(ids))
                              .group_by(PostMedia.post_id)).all())
    return [PostSummary(post_id, text or '', status, scheduled_at, updated_at, tuple(deliveries[post_id]),
                        media.get(post_id, 0), tuple(channels[post_id]))
            for post_id, text, status, scheduled_at, updated_at in rows]
