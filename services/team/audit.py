"""The audit log: who did what, when, from where."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from services.core import db
from services.core.models import AuditEvent, Delivery


class Action:
    SETUP_ADMIN = 'setup.admin_created'
    SETUP_CODE_REFUSED = 'setup.code_refused'
    LOGIN_SUCCEEDED = 'login.succeeded'
    LOGIN_FAILED = 'login.failed'
    LOGIN_LOCKED = 'login.locked'
    LOGOUT = 'logout'
    PASSWORD_CHANGED = 'user.password_changed'
    PASSWORD_RESET = 'user.password_reset'
    USER_CREATED = 'user.created'
    USER_ROLE_CHANGED = 'user.role_changed'
    USER_DEACTIVATED = 'user.deactivated'
    USER_REACTIVATED = 'user.reactivated'
    FORBIDDEN = 'forbidden'
    ACCOUNT_CONNECTED = 'account.connected'
    ACCOUNT_REMOVED = 'account.removed'  # a channel disconnected
    CHANNEL_RENAMED = 'channel.renamed'
    CHANNEL_POSTING_TIMES = 'channel.posting_times'
    QUEUE_PAUSED = 'channel.queue_paused'
    QUEUE_RESUMED = 'channel.queue_resumed'
    CHANNEL_GROUP_SAVED = 'channel_group.saved'
    CHANNEL_GROUP_DELETED = 'channel_group.deleted'
    POST_PUBLISHED = 'post.publish'
    POST_SCHEDULED = 'post.schedule'
    POST_RESCHEDULED = 'post.reschedule'
    POST_UNSCHEDULED = 'post.unschedule'
    POST_EDITED = 'post.edit'
    POST_RETRIED = 'post.retry'
    POST_CANCELLED = 'post.cancel'
    POST_DELETED = 'post.delete'
    POST_SUBMITTED = 'post.submit'
    POST_APPROVED = 'post.approve'
    POST_CHANGES_REQUESTED = 'post.request_changes'
    POST_REJECTED = 'post.reject'
    CHANNEL_NEEDS_APPROVAL = 'channel.needs_approval'
    MEDIA_DELETED = 'media.deleted'
    WEBHOOK_CREATED = 'webhook.created'
    WEBHOOK_EDITED = 'webhook.edited'
    WEBHOOK_DELETED = 'webhook.deleted'
    WEBHOOK_SENT_AGAIN = 'webhook.sent_again'


def record(db: Session, action: str, *, actor_id: int | None = None, target: str = '', ip: str = '',
           detail: str = '') -> AuditEvent:
    """Add an audit row to `db`'s transaction (it is written when that transaction commits)."""
    event = AuditEvent(action=action, actor_id=actor_id, target=target[:200], ip=ip[:64], detail=detail)
    db.add(event)
    return event


def failure_times(db: Session, *, since: datetime, target: str | None = None, ip: str | None = None,
                  action: str = Action.LOGIN_FAILED) -> list[datetime]:
    """Times of failed sign-ins (or other `action`s) since `since` for a username or a client address, newest first."""
    query = select(AuditEvent.created_at).where(AuditEvent.action == action,
                                                AuditEvent.created_at >= since)
    if target is not None:
        query = query.where(AuditEvent.target == target)
    if ip is not None:
        query = query.where(AuditEvent.ip == ip)
    return list(db.exec(query.order_by(AuditEvent.created_at.desc())))


def last_success(db: Session, target: str) -> datetime | None:
    return db.exec(select(sa.func.max(AuditEvent.created_at)).where(
        AuditEvent.action == Action.LOGIN_SUCCEEDED, AuditEvent.target == target)).one()


def list_events(*, before_id: int | None = None, limit: int = 50, action: str | None = None,
                actor_id: int | None = None, target: str | None = None,
                about_channels: tuple[Sequence[int], Sequence[str]] | None = None) -> list[AuditEvent]:
    """Newest first, `limit` at a time (keyset paging on the id: as fast on page 2,000 as on page 1).

    `about_channels` = (channel ids, the targets they were recorded under): only the rows about those channels and
    about posts going to them.
    """
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if target:
        query = query.where(AuditEvent.target == target)
    if about_channels is not None:
        channel_ids, targets = about_channels
        posts = select(sa.cast(Delivery.post_id, sa.String)).where(Delivery.channel_id.in_(list(channel_ids)))
        query = query.where(sa.or_(AuditEvent.target.in_(list(targets)),
                                   sa.and_(AuditEvent.action.startswith('post.'), AuditEvent.target.in_(posts))))
    with db.session() as session:
        return list(session.exec(query))


def actions() -> list[str]:
    return sorted(value for name, value in vars(Action).items() if not name.startswith('_'))
