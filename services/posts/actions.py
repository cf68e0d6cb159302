"""What can happen to a post waiting for its time: reschedule, cancel, publish a missed post now.

Every change is a conditional update on the post's status (checked by its row count), so a post that the
scheduler or another tab picked up meanwhile is never changed behind its back. Each change is announced with
PostScheduleChanged, which keeps the due-post timer's jobs in step.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from services.core import db, events
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import Delivery, DeliveryStatus, Post, PostStatus, User, utcnow
from services.posts.checks import check_schedule
from services.publishing import engine
from services.team import audit, permissions

RESCHEDULABLE = (PostStatus.SCHEDULED, PostStatus.MISSED)
CANCELLABLE = (PostStatus.SCHEDULED, PostStatus.MISSED)
NOT_WAITING = N_('This post is no longer waiting to be published. Reload the page to see where it is.')


def reschedule(post_id: int, when: datetime, *, actor: User | None = None, now: datetime | None = None,
               ip: str = '') -> Post:
    """Move a scheduled or missed post to `when` (aware); it is scheduled again from then on.

    `actor`, when given, must be allowed to write posts (callers that checked already may leave it out).
    Raises UserError when `when` is past or over a year ahead, or the post is gone or no longer waiting;
    permissions.Forbidden.
    """
    if actor is not None:
        permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    problem = check_schedule(when, now or utcnow())
    if problem:
        raise UserError(problem.message, **problem.params)
    with db.session() as session:
        changed = session.exec(sa.update(Post).where(Post.id == post_id, Post.status.in_(RESCHEDULABLE))
                               .values(status=PostStatus.SCHEDULED, scheduled_at=when, updated_at=utcnow())).rowcount
        _require_changed(session, post_id, changed)
        audit.record(session, audit.Action.POST_RESCHEDULED, actor_id=actor.id if actor else None,
                     target=str(post_id), ip=ip, detail=when.isoformat())
        post = session.get(Post, post_id)
    events.emit(events.PostScheduleChanged(post_id, post.status, post.scheduled_at))
    return post


def cancel(post_id: int, *, actor: User | None = None, ip: str = '') -> Post:
    """Cancel a scheduled or missed post: it and its waiting deliveries become cancelled (it stays editable).

    Raises UserError when the post is gone or no longer waiting; permissions.Forbidden when `actor` may not.
    """
    if actor is not None:
        permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    with db.session() as session:
        changed = session.exec(sa.update(Post).where(Post.id == post_id, Post.status.in_(CANCELLABLE))
                               .values(status=PostStatus.CANCELLED, updated_at=utcnow())).rowcount
        _require_changed(session, post_id, changed)
        session.exec(sa.update(Delivery).where(Delivery.post_id == post_id, Delivery.status == DeliveryStatus.PENDING)
                     .values(status=DeliveryStatus.CANCELLED, updated_at=utcnow()))
        audit.record(session, audit.Action.POST_CANCELLED, actor_id=actor.id if actor else None, target=str(post_id),
                     ip=ip)
        post = session.get(Post, post_id)
    events.emit(events.PostScheduleChanged(post_id, post.status, post.scheduled_at))
    return post


def publish_missed_now(post_id: int, *, actor: User | None = None, ip: str = '') -> Post:
    """Hand a missed post to the engine now (call it on the event loop: the engine starts a task).

    Raises UserError when it is gone or no longer missed; permissions.Forbidden when `actor` may not publish.
    """
    if actor is not None:
        permissions.require(actor, permissions.Action.PUBLISH, ip=ip)
    with db.session() as session:
        changed = session.exec(sa.update(Post).where(Post.id == post_id, Post.status == PostStatus.MISSED)
                               .values(status=PostStatus.PUBLISHING, updated_at=utcnow())).rowcount
        _require_changed(session, post_id, changed)
        audit.record(session, audit.Action.POST_PUBLISHED, actor_id=actor.id if actor else None, target=str(post_id),
                     ip=ip)
        post = session.get(Post, post_id)
    events.emit(events.PostScheduleChanged(post_id, post.status, post.scheduled_at))
    engine.get_engine().start(post_id)
    return post


def _require_changed(session: Session, post_id: int, changed: int) -> None:
    if changed == 1:
        return
    if session.get(Post, post_id) is None:
        raise UserError(N_('This post no longer exists.'))
    raise UserError(NOT_WAITING)
