"""Writing notifications (and the emails that go with them) in the transaction of the change they tell of, and each
user's list of them: unread count, the latest, marking them read, and their choices.

`tell` is called with the session of the change: a notification exists exactly when its change was committed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from services.core import db, event_bus, events
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    OutboxMessage,
    Post,
    PostStatus,
    User,
    utcnow,
)
from services.notifications.kinds import Choice, Kind, choice_of

EMAIL = 'email'
_TOLD = 'notifications told'  # Session.info key: the users told in the session's transaction
EMAIL_PATTERN = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')
TIME_PATTERN = re.compile(r'^([01]\d|2[0-3]):[0-5]\d$')
# A status move (from services/posts/state.py) that someone is told of, by what it moved to.
DELIVERY_KINDS = {DeliveryStatus.FAILED: Kind.DELIVERY_FAILED, DeliveryStatus.INTERRUPTED: Kind.POST_INTERRUPTED}
POST_KINDS = {PostStatus.MISSED: Kind.POST_MISSED, PostStatus.IN_REVIEW: Kind.POST_AWAITS_REVIEW}


class BadChoice(UserError):
    """An email address or digest time that cannot be used."""


def tell(session: Session, kind: str, *, post_id: int | None = None, channel_id: int | None = None,
         detail: str = '', key: str = '', only: Iterable[int] | None = None) -> int:
    """Notify everyone who hears of `kind` (see `kinds.choice_of`; the post's author counts as concerned), or only
    the users `only` names (the mentioned), in `session`'s transaction, with an outbox email for those who chose one
    at once. A non-empty `key` already told to a user is not told again. Returns how many users were told."""
    author_id = session.exec(select(Post.author_id).where(Post.id == post_id)).first() if post_id else None
    told = 0
    people = select(User).where(User.is_active)
    if only is not None:
        people = people.where(User.id.in_(list(only)))
    for user in session.exec(people):
        choice = choice_of(user, kind, is_author=user.id == author_id)
        if choice == Choice.NEVER or (key and _already_told(session, user.id, key)):
            continue
        in_digest = choice == Choice.DIGEST and bool(user.email)
        notification = Notification(user_id=user.id, kind=kind, post_id=post_id, channel_id=channel_id,
                                    detail=detail or '', key=key, in_digest=in_digest)
        session.add(notification)
        session.flush()
        if choice == Choice.EMAIL and user.email:
            session.add(OutboxMessage(kind=EMAIL, user_id=user.id, payload={'notifications': [notification.id]}))
        _announce(session, user.id)
        told += 1
    return told


def _announce(session: Session, user_id: int) -> None:
    """Say NotificationsAdded for `user_id` once `session` commits (nothing if it rolls back): one event for every
    user told in the transaction, sent to the other processes through the event bus in one NOTIFY just before the
    commit, and emitted in this process after it."""
    if not sa.event.contains(session, 'after_commit', _emit_told):
        sa.event.listen(session, 'before_commit', _send_told)
        sa.event.listen(session, 'after_commit', _emit_told)
        sa.event.listen(session, 'after_soft_rollback', _forget_told)
    session.info.setdefault(_TOLD, set()).add(user_id)


def _send_told(session: Session) -> None:
    told = session.info.get(_TOLD)
    if told:
        event_bus.notify(session, [events.NotificationsAdded(tuple(sorted(told)))])


def _forget_told(session: Session, _previous: object) -> None:
    session.info.pop(_TOLD, None)


def _emit_told(session: Session) -> None:
    told = session.info.pop(_TOLD, None)
    if told:
        events.emit(events.NotificationsAdded(tuple(sorted(told))))


def tell_of_moves(session: Session, moves: Iterable[tuple[str, int, str]]) -> None:
    """Notify of the status moves of one transaction that people hear of: (table 'post' or 'delivery', id, the
    status it moved to)."""
    for table, row_id, status in moves:
        if table == 'delivery' and status in DELIVERY_KINDS:
            row = session.exec(select(Delivery.post_id, Delivery.channel_id, Delivery.last_error)
                               .where(Delivery.id == row_id)).first()
            if row is not None:
                tell(session, DELIVERY_KINDS[status], post_id=row[0], channel_id=row[1], detail=row[2] or '')
        elif table == 'post' and status in POST_KINDS:
            tell(session, POST_KINDS[status], post_id=row_id)


def _already_told(session: Session, user_id: int, key: str) -> bool:
    return session.exec(select(Notification.id).where(Notification.user_id == user_id, Notification.key == key)
                        ).first() is not None


@dataclass(frozen=True)
class Entry:
    """A notification as the bell and the emails show it."""
    id: int
    kind: str
    created_at: datetime
    read: bool
    post_id: int | None
    post_text: str
    channel: Channel | None
    detail: str


def unread_count(user_id: int) -> int:
    with db.session() as session:
        return session.exec(select(sa.func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None))).one()


def latest(user_id: int, limit: int = 20) -> list[Entry]:
    """The user's newest notifications, newest first."""
    with db.session() as session:
        rows = session.exec(select(Notification).where(Notification.user_id == user_id)
                            .order_by(Notification.id.desc()).limit(limit)).all()
        return entries(session, rows)


def entries(session: Session, rows: Iterable[Notification]) -> list[Entry]:
    """`rows` with their post's text and their channel."""
    rows = list(rows)
    post_ids = {row.post_id for row in rows if row.post_id}
    channel_ids = {row.channel_id for row in rows if row.channel_id}
    texts = {row[0]: row[1] for row in session.exec(select(Post.id, Post.text).where(Post.id.in_(post_ids)))}
    found = {channel.id: channel for channel in session.exec(select(Channel).where(Channel.id.in_(channel_ids)))
             } if channel_ids else {}
    return [Entry(row.id, row.kind, row.created_at, row.read_at is not None, row.post_id,
                  texts.get(row.post_id, ''), found.get(row.channel_id), row.detail) for row in rows]


def mark_read(user_id: int, notification_id: int) -> None:
    with db.session() as session:
        session.exec(sa.update(Notification).where(Notification.id == notification_id,
                                                   Notification.user_id == user_id, Notification.read_at.is_(None))
                     .values(read_at=utcnow()))


def mark_all_read(user_id: int) -> int:
    """Returns how many were unread."""
    with db.session() as session:
        return session.exec(sa.update(Notification).where(Notification.user_id == user_id,
                                                          Notification.read_at.is_(None))
                            .values(read_at=utcnow())).rowcount


def save_choices(user_id: int, *, email: str, digest_time: str, choices: dict[str, str]) -> None:
    """Keep the user's email address ('' for none), digest time (HH:MM in their time zone) and choice per kind.
    Raises BadChoice for an address or time that cannot be used."""
    email = email.strip()
    if email and not EMAIL_PATTERN.match(email):
        raise BadChoice(N_('That does not look like an email address.'))
    if not TIME_PATTERN.match(digest_time or ''):
        raise BadChoice(N_('Choose the digest time as hours and minutes, e.g. 08:00.'))
    wanted = {kind: choice for kind, choice in choices.items() if kind in set(Kind) and choice in set(Choice)}
    with db.session() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.email, user.digest_time, user.notify_choices = email, digest_time, wanted
            session.add(user)
