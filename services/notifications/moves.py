"""What a committed change makes known: the people told (inbox) and the webhooks called, both written in the
change's own transaction. services/posts/state.py hands over its status moves; connections report a channel that
needs reconnecting."""
from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from services.core.models import Channel, Delivery, DeliveryStatus, Post, PostStatus
from services.notifications import inbox, risks, webhooks
from services.notifications.kinds import Kind

POST_EVENTS = {PostStatus.PUBLISHED: 'post.published', PostStatus.PARTLY_PUBLISHED: 'post.published',
               PostStatus.SCHEDULED: 'post.scheduled', PostStatus.MISSED: 'post.missed'}
DELIVERY_EVENTS = {DeliveryStatus.FAILED: 'delivery.failed', DeliveryStatus.INTERRUPTED: 'delivery.interrupted'}


def after_moves(session: Session, moves: Iterable[tuple[str, int, str]]) -> None:
    """Tell and call about the status moves of one transaction: (table 'post' or 'delivery', id, new status)."""
    moves = list(moves)
    inbox.tell_of_moves(session, moves)
    told = [row_id for table, row_id, status in moves if table == 'post' and status in POST_EVENTS
            and (status == PostStatus.SCHEDULED or webhooks.wanted(session, POST_EVENTS[status]))]
    posts = {row[0]: row for row in session.exec(select(Post.id, Post.status, Post.scheduled_at, Post.text)
                                                 .where(Post.id.in_(told)))} if told else {}
    called = [row_id for table, row_id, status in moves if table == 'delivery' and status in DELIVERY_EVENTS
              and webhooks.wanted(session, DELIVERY_EVENTS[status])]
    deliveries = {row[0]: row for row in session.exec(
        select(Delivery.id, Delivery.post_id, Delivery.channel_id, Delivery.platform, Delivery.last_error,
               Delivery.remote_url, Channel.id, Channel.name, Channel.remote_name)
        .join(Channel, Channel.id == Delivery.channel_id, isouter=True)
        .where(Delivery.id.in_(called)))} if called else {}
    for table, row_id, status in moves:
        if table == 'post' and status in POST_EVENTS:
            post = posts.get(row_id)
            if post is not None and status == PostStatus.SCHEDULED:
                risks.warn(session, row_id, stage='scheduled')
            if post is not None:
                webhooks.queue(session, POST_EVENTS[status], {
                    'post_id': post[0], 'status': post[1], 'text': post[3],
                    'scheduled_at': post[2].isoformat() if post[2] else None})
        elif table == 'delivery' and row_id in deliveries:
            _id, post_id, channel_id, platform, error, remote_url, found, name, remote_name = deliveries[row_id]
            webhooks.queue(session, DELIVERY_EVENTS[status], {
                'delivery_id': row_id, 'post_id': post_id, 'channel_id': channel_id,
                'channel_name': (name or remote_name) if found else None,
                'platform': platform, 'status': status, 'error': error, 'remote_url': remote_url})


def channel_needs_reconnect(session: Session, channel_id: int) -> None:
    """The channel turned needs-reconnect in `session`'s transaction."""
    inbox.tell(session, Kind.CHANNEL_NEEDS_RECONNECT, channel_id=channel_id)
    channel = session.get(Channel, channel_id)
    webhooks.queue(session, 'channel.needs_reconnect', {**_channel(session, channel_id),
                                                        'platform': channel.platform if channel else None})


def _channel(session: Session, channel_id: int) -> dict:
    channel = session.get(Channel, channel_id)
    return {'channel_id': channel_id, 'channel_name': (channel.name or channel.remote_name) if channel else None}
