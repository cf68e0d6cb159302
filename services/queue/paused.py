"""Whether a post waits because the queue holding it is paused: what the engine and the due-post timer ask before
sending a scheduled post."""
from __future__ import annotations

import sqlalchemy as sa

from services.core.models import Channel, Post


def not_held_by_a_paused_queue() -> sa.ColumnElement[bool]:
    """A condition on `Post`: true unless the post sits in the queue of a paused channel."""
    return ~sa.exists().where(Channel.id == Post.queue_channel_id, Channel.queue_paused.is_(True))
