"""What a user (or a script through the API) does to a post, each as one use case: save it (as a draft, scheduled,
or published now), retry a delivery, cancel, reschedule, publish a missed post now.

Each use case changes the state (through services.posts.state, so a post the scheduler or another tab picked up
meanwhile is never changed behind its back) and hands the work on: to the engine for what is published now, to
the due-post timer for what is scheduled (the timer hears the post's PostScheduleChanged). No caller has a second
half to remember. Call them from the event loop or from a worker thread alike.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import Delivery, DeliveryStatus, Post, PostStatus, User, utcnow
from services.posts import editing, state
from services.posts.checks import check_schedule
from services.posts.editing import PostInput, SaveAction
from services.publishing import engine
from services.team import audit, permissions

RESCHEDULABLE = (PostStatus.SCHEDULED, PostStatus.MISSED)
CANCELLABLE = (PostStatus.SCHEDULED, PostStatus.MISSED)
RETRYABLE = (DeliveryStatus.FAILED, DeliveryStatus.INTERRUPTED)
NOT_WAITING = N_('This post is no longer waiting to be published. Reload the page to see where it is.')


def save(author_id: int, data: PostInput, action: SaveAction, *, post_id: int | None = None,
         actor: User | None = None, ip: str = '', now: datetime | None = None) -> Post:
    """Save a post (new, or the editable post `post_id`) as the composer's and the API's buttons say: DRAFT keeps it
    as a draft; SCHEDULE schedules it for `data.scheduled_at`, and the due-post timer takes it from its
    PostScheduleChanged; PUBLISH queues it for now and hands it to the engine.

    Raises as `editing.save_post` does (PostRefused, PostLocked, UserError, permissions.Forbidden).
    """
    post = editing.save_post(author_id, data, action, post_id=post_id, now=now, actor=actor, ip=ip)
    if action == SaveAction.PUBLISH:
        engine.get_engine().start(post.id)
    return post


def retry(delivery_id: int, *, actor: User | None = None, ip: str = '') -> int | None:
    """Put a failed or interrupted delivery back in the queue and hand its post to the engine; returns the post's
    id, None when the delivery was not in such a state (already retried from another tab, say).

    Raises permissions.Forbidden when `actor` may not publish.
    """
    if actor is not None:
        permissions.require(actor, permissions.Action.PUBLISH, ip=ip)
    with state.transaction() as change:
        if not change.move_delivery(delivery_id, DeliveryStatus.PENDING, only_from=RETRYABLE):
            return None
        post_id = change.session.get(Delivery, delivery_id).post_id
        # a post still sending its other deliveries stays publishing; a settled one is publishing again
        change.move_post(post_id, PostStatus.PUBLISHING, only_from=[PostStatus.FAILED, PostStatus.PARTLY_PUBLISHED])
        audit.record(change.session, audit.Action.POST_RETRIED, actor_id=actor.id if actor else None,
                     target=str(post_id), ip=ip)
        change.announce_delivery(delivery_id)
    engine.get_engine().start(post_id)
    return post_id


def reschedule(post_id: int, when: datetime, *, actor: User | None = None, now: datetime | None = None,
               ip: str = '') -> Post:
    """Move a scheduled or missed post to `when` (aware); the due-post timer fires it then.

    `actor`, when given, must be allowed to write posts (callers that checked already may leave it out).
    Raises UserError when `when` is past or over a year ahead, or the post is gone or no longer waiting;
    permissions.Forbidden.
    """
    if actor is not None:
        permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    problem = check_schedule(when, now or utcnow())
    if problem:
        raise UserError(problem.message, **problem.params)
    with state.transaction() as change:
        moved = change.move_post(post_id, PostStatus.SCHEDULED, only_from=RESCHEDULABLE, scheduled_at=when)
        _require_moved(change.session, post_id, moved)
        audit.record(change.session, audit.Action.POST_RESCHEDULED, actor_id=actor.id if actor else None,
                     target=str(post_id), ip=ip, detail=when.isoformat())
        change.announce_post(post_id)
        post = change.session.get(Post, post_id)
    return post


def cancel(post_id: int, *, actor: User | None = None, ip: str = '') -> Post:
    """Cancel a scheduled or missed post: it and its waiting deliveries become cancelled (it stays editable), and
    the due-post timer drops it.

    Raises UserError when the post is gone or no longer waiting; permissions.Forbidden when `actor` may not.
    """
    if actor is not None:
        permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    with state.transaction() as change:
        _require_moved(change.session, post_id, change.move_post(post_id, PostStatus.CANCELLED, only_from=CANCELLABLE))
        change.move_deliveries(DeliveryStatus.CANCELLED, only_from=[DeliveryStatus.PENDING],
                               where=[Delivery.post_id == post_id])
        audit.record(change.session, audit.Action.POST_CANCELLED, actor_id=actor.id if actor else None,
                     target=str(post_id), ip=ip)
        change.announce_post(post_id)
        post = change.session.get(Post, post_id)
    return post


def publish_missed_now(post_id: int, *, actor: User | None = None, ip: str = '') -> Post:
    """Hand a missed post to the engine now.

    Raises UserError when it is gone or no longer missed; permissions.Forbidden when `actor` may not publish.
    """
    if actor is not None:
        permissions.require(actor, permissions.Action.PUBLISH, ip=ip)
    with state.transaction() as change:
        moved = change.move_post(post_id, PostStatus.PUBLISHING, only_from=[PostStatus.MISSED])
        _require_moved(change.session, post_id, moved)
        audit.record(change.session, audit.Action.POST_PUBLISHED, actor_id=actor.id if actor else None,
                     target=str(post_id), ip=ip)
        change.announce_post(post_id)
        post = change.session.get(Post, post_id)
    engine.get_engine().start(post_id)
    return post


def _require_moved(session: Session, post_id: int, moved: bool) -> None:
    if moved:
        return
    if session.get(Post, post_id) is None:
        raise UserError(N_('This post no longer exists.'))
    raise UserError(NOT_WAITING)
