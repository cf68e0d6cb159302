"""The daily digest: notifications a user chose to get once a day are gathered into one outbox email at their chosen
time in their time zone (what came after that time waits for the next day's)."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import select

from services.core import db
from services.core.models import Notification, OutboxMessage, User
from services.notifications.inbox import EMAIL


def latest_digest_moment(user: User, now: datetime) -> datetime:
    """The last time at or before `now` (aware) that the user's digest was due, in UTC."""
    zone = ZoneInfo(user.timezone)
    hours, minutes = (int(part) for part in user.digest_time.split(':'))
    local_day = now.astimezone(zone).date()
    moment = datetime.combine(local_day, time(hours, minutes), tzinfo=zone).astimezone(UTC)
    if moment > now:
        moment = datetime.combine(local_day - timedelta(days=1), time(hours, minutes), tzinfo=zone).astimezone(UTC)
    return moment


def queue_due(now: datetime | None = None) -> int:
    """Write one digest email to the outbox for each user whose digest time has come and who has notifications
    waiting from before it; those notifications leave the wait in the same transaction (so two processes never
    queue the same digest). Returns how many digests were queued."""
    now = now or db.database_now()
    with db.session() as session:
        waiting = list(session.exec(select(Notification.user_id, sa.func.min(Notification.created_at))
                                    .where(Notification.in_digest).group_by(Notification.user_id)))
    return sum(_queue_for(user_id, oldest, now) for user_id, oldest in waiting)


def _queue_for(user_id: int, oldest: datetime, now: datetime) -> int:
    with db.session() as session:
        user = session.get(User, user_id)
        if user is None:
            return 0
        moment = latest_digest_moment(user, now)
        if oldest >= moment:
            return 0
        candidates = list(session.exec(select(Notification.id).where(
            Notification.user_id == user_id, Notification.in_digest, Notification.created_at < moment)
            .with_for_update(skip_locked=True)))
        if not candidates:
            return 0
        taken = sorted(session.exec(sa.update(Notification).where(Notification.id.in_(candidates),
                                                                  Notification.in_digest)
                                    .values(in_digest=False).returning(Notification.id)).scalars())
        if not taken or not user.email or not user.is_active:
            return 0  # nobody to send them to: they stay in the bell
        session.add(OutboxMessage(kind=EMAIL, user_id=user_id, payload={'notifications': taken, 'digest': True}))
        return 1
