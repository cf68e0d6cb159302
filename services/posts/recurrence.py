"""Recurring posts: "repeat every N days, weeks (on chosen weekdays) or months, until a date or N times", kept on
the post as an RFC 5545 rule (dateutil's rrule) over the wall-clock time in the post's time zone, so a weekly 09:00
stays 09:00 local across daylight-saving changes.

Each occurrence is its own post with its own deliveries and statuses. The next one is made when an occurrence is
claimed for sending (or found missed), in that same transaction, so it is made once, and a failed occurrence never
stops the next. An edit of an occurrence applies to it and the later ones (they are made from it), or to this one
only: it leaves the series (`detach`), which goes on without it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, rrulestr
from sqlmodel import select

from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import Delivery, DeliveryStatus, Post, PostMedia, PostStatus
from services.posts import state
from services.queue.slots import wall_to_utc

FREQUENCIES = {'daily': DAILY, 'weekly': WEEKLY, 'monthly': MONTHLY}
MAX_COUNT = 500
WAITS = (PostStatus.SCHEDULED, PostStatus.MISSED)  # an occurrence not yet gone out


@dataclass(frozen=True)
class Recurrence:
    """How a post repeats, in `time_zone`: every `interval` days, weeks (on `weekdays`, 0 = Monday; none: the first
    post's) or months, ending on `until` (a local date, included) or after `count` posts, or never; frequency
    'never' stops an existing series."""

    frequency: str
    time_zone: str = 'UTC'
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    until: date | None = None
    count: int | None = None

    def rule(self, first: datetime) -> str:
        """The RFC 5545 text (DTSTART as local wall-clock time, then RRULE) starting at the UTC instant `first`.
        Raises UserError when the frequency, interval, weekdays, end date or count make no sense."""
        if self.frequency not in FREQUENCIES:
            raise UserError(N_('A post repeats daily, weekly or monthly.'))
        if not 1 <= self.interval <= 365:
            raise UserError(N_('A post repeats every 1 to 365 days, weeks or months.'))
        if any(not 0 <= day <= 6 for day in self.weekdays):
            raise UserError(N_('Weekdays are numbered 0 (Monday) to 6 (Sunday).'))
        if self.count is not None and not 1 <= self.count <= MAX_COUNT:
            raise UserError(N_('A post repeats at most %(limit)s times.'), limit=MAX_COUNT)
        local = first.astimezone(ZoneInfo(self.time_zone)).replace(tzinfo=None)
        if self.until is not None and self.until < local.date():
            raise UserError(N_('The repeating ends before the first post.'))
        until = datetime.combine(self.until, time(23, 59, 59)) if self.until else None
        return str(rrule(FREQUENCIES[self.frequency], dtstart=local, interval=self.interval,
                         byweekday=(sorted(self.weekdays) or None) if self.frequency == 'weekly' else None,
                         until=until, count=self.count))


def set_rule(post: Post, recurrence: Recurrence | None, *, publishing: bool = False) -> None:
    """The post repeats as `recurrence` says from its scheduled time (a draft keeps the rule for when it is
    scheduled); None leaves it as it is, 'never' ends its series. Raises UserError for a rule that makes no sense, or
    for a post without a time or `publishing` now."""
    if recurrence is None:
        return
    if recurrence.frequency == 'never':
        post.recurrence, post.recurrence_zone = None, ''
        return
    if post.scheduled_at is None or publishing:
        raise UserError(N_('Only a scheduled post can repeat. Choose when it goes first.'))
    post.recurrence, post.recurrence_zone = recurrence.rule(post.scheduled_at), recurrence.time_zone
    post.series_id = post.series_id or post.id


def occurrences(rule: str, time_zone: str, after: datetime, count: int) -> list[datetime]:
    """The next `count` (or fewer, where the rule ends) UTC instants of `rule` after the UTC instant `after`."""
    zone = ZoneInfo(time_zone)
    series = rrulestr(rule)
    found: list[datetime] = []
    wall = after.astimezone(zone).replace(tzinfo=None)
    while len(found) < count:
        wall = series.after(wall)
        if wall is None:
            break
        instant = wall_to_utc(wall, zone)
        if instant > after and (not found or instant > found[-1]):
            found.append(instant)
    return found


def follow_on_each(change: state.Change, post_ids: list[int]) -> None:
    """`follow_on` for those of `post_ids` that repeat, found in one read: posts falling due or missed together
    mostly do not repeat, and cost no read each."""
    if post_ids:
        for post_id in change.session.exec(select(Post.id).where(Post.id.in_(post_ids), Post.recurrence.is_not(None),
                                                                 Post.recurrence != '').order_by(Post.id)):
            follow_on(change, post_id)


def follow_on(change: state.Change, post_id: int) -> int | None:
    """Within `change` (the transaction that claimed or missed occurrence `post_id`), make the series' next
    occurrence: a scheduled copy of the post, its media and each channel's version; returns its id, None when the
    post does not repeat or its rule has ended."""
    session = change.session
    post = session.get(Post, post_id)
    if post is None or not post.recurrence or post.scheduled_at is None:
        return None
    following = occurrences(post.recurrence, post.recurrence_zone or 'UTC', post.scheduled_at, 1)
    if not following:
        return None
    copy = change.new_post(post.author_id, PostStatus.SCHEDULED)
    copy.text, copy.options, copy.scheduled_at = post.text, dict(post.options or {}), following[0]
    copy.recurrence, copy.recurrence_zone, copy.series_id = post.recurrence, post.recurrence_zone, \
        post.series_id or post.id
    copy.review_round, copy.approved_round = post.review_round, post.approved_round  # an approval covers the series
    session.add(copy)
    for link in session.exec(select(PostMedia).where(PostMedia.post_id == post_id)):
        session.add(PostMedia(post_id=copy.id, media_id=link.media_id, position=link.position))
    for delivery in session.exec(select(Delivery).where(Delivery.post_id == post_id).order_by(Delivery.id)):
        made = change.new_delivery(copy.id, delivery.platform, delivery.channel_id)
        made.text, made.media_ids, made.options = delivery.text, delivery.media_ids, delivery.options
        made.status = DeliveryStatus.PENDING
    session.flush()
    change.announce_post(copy.id)
    return copy.id


def detach(change: state.Change, post_id: int) -> int | None:
    """Within `change`, before occurrence `post_id` is edited on its own: the series goes on without it. Its next
    occurrence is made now from the post as it still is (unless a later occurrence already waits), and the post no
    longer repeats. Returns the next occurrence's id, None when none was made (the rule ended, or one waits)."""
    session = change.session
    post = session.get(Post, post_id)
    if post is None or not post.recurrence:
        return None
    series = post.series_id or post.id
    waiting = session.exec(select(Post.id).where(Post.series_id == series, Post.id != post_id,
                                                 Post.status == PostStatus.SCHEDULED,
                                                 Post.scheduled_at > post.scheduled_at)).first()
    made = None if waiting is not None else follow_on(change, post_id)
    post.recurrence, post.recurrence_zone = None, ''
    session.add(post)
    session.flush()
    return made


def later_in_series(change: state.Change, post_id: int) -> list[int]:
    """The occurrences of post `post_id`'s series still waiting after it (made already because it was missed)."""
    post = change.session.get(Post, post_id)
    if post is None or not post.recurrence or post.scheduled_at is None:
        return []
    return list(change.session.exec(select(Post.id).where(
        Post.series_id == (post.series_id or post.id), Post.id != post_id, Post.status == PostStatus.SCHEDULED,
        Post.scheduled_at > post.scheduled_at).order_by(Post.scheduled_at)))
