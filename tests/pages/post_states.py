"""Posts put straight into the states the app leaves them in, for the page tests (authored by user 1)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from services.core import db
from services.core.models import Delivery, DeliveryStatus, Post, PostStatus, utcnow
from services.posts import editing
from services.posts.editing import PostInput, SaveAction


def scheduled(text: str, days: float = 1) -> int:
    data = PostInput(text=text, platforms=['telegram'], scheduled_at=utcnow() + timedelta(days=days))
    return editing.save_post(1, data, SaveAction.SCHEDULE).id


def in_state(text: str, status: str, delivery_status: str, *, hours_ago: float = 2) -> int:
    """A post as the app leaves it after a failure, a missed start or a crash, due `hours_ago`."""
    post_id = editing.save_post(1, PostInput(text=text, platforms=['telegram']), SaveAction.DRAFT).id
    with db.session() as session:
        session.exec(sa.update(Post).where(Post.id == post_id).values(
            status=status, scheduled_at=utcnow() - timedelta(hours=hours_ago)))
        session.exec(sa.update(Delivery).where(Delivery.post_id == post_id).values(status=delivery_status))
    return post_id


def missed(text: str, hours_ago: float = 2) -> int:
    """A post the scheduler found too late to send (the app was down when it was due)."""
    return in_state(text, PostStatus.MISSED, DeliveryStatus.PENDING, hours_ago=hours_ago)
