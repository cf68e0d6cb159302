"""In-process publish/subscribe for live status: services emit, pages subscribe (and unsubscribe on disconnect)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryChanged:
    post_id: int
    delivery_id: int
    platform: str
    channel_id: int
    status: str
    post_status: str
    author_id: int
    error: str | None = None
    remote_url: str | None = None


@dataclass(frozen=True)
class PostScheduleChanged:
    """A post was created, edited, rescheduled, cancelled or deleted; `status` is None once it is deleted."""

    post_id: int
    status: str | None
    scheduled_at: datetime | None


@dataclass(frozen=True)
class NotificationsAdded:
    """New notifications were committed for these users (services/notifications/inbox.py): their bells count again."""

    user_ids: tuple[int, ...]


Listener = Callable[[DeliveryChanged], None]
ScheduleListener = Callable[[PostScheduleChanged], None]
NotificationListener = Callable[[NotificationsAdded], None]
_listeners: set[Listener] = set()
_schedule_listeners: set[ScheduleListener] = set()
_notification_listeners: set[NotificationListener] = set()


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call `listener` on every change until the returned function is called. Listeners must be quick."""
    _listeners.add(listener)
    return lambda: _listeners.discard(listener)


def subscribe_schedule(listener: ScheduleListener) -> Callable[[], None]:
    """Call `listener` on every PostScheduleChanged until the returned function is called (it may run in a thread)."""
    _schedule_listeners.add(listener)
    return lambda: _schedule_listeners.discard(listener)


def subscribe_notifications(listener: NotificationListener) -> Callable[[], None]:
    """Call `listener` on every NotificationsAdded until the returned function is called (it may run in a thread)."""
    _notification_listeners.add(listener)
    return lambda: _notification_listeners.discard(listener)


def emit(event: DeliveryChanged | PostScheduleChanged | NotificationsAdded) -> None:
    if isinstance(event, NotificationsAdded):
        listeners = _notification_listeners
    else:
        listeners = _schedule_listeners if isinstance(event, PostScheduleChanged) else _listeners
    for listener in list(listeners):
        try:
            listener(event)
        except Exception:  # noqa: BLE001 - one broken page must not stop the others from hearing
            log.exception('a status listener failed')


def listener_count() -> int:
    return len(_listeners)
