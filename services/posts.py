"""Posts: what exists and in which state."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import select

from services import db
from services.models import Post, PostStatus, utcnow


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
