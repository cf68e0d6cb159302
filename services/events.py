"""In-process publish/subscribe for live status: services emit, pages subscribe (and unsubscribe on disconnect)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryChanged:
    post_id: int
    delivery_id: int
    platform: str
    status: str
    post_status: str
    author_id: int
    error: str | None = None
    remote_url: str | None = None


Listener = Callable[[DeliveryChanged], None]
_listeners: set[Listener] = set()


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call `listener` on every change until the returned function is called. Listeners must be quick."""
    _listeners.add(listener)
    return lambda: _listeners.discard(listener)


def emit(event: DeliveryChanged) -> None:
    for listener in list(_listeners):
        try:
            listener(event)
        except Exception:  # noqa: BLE001 - one broken page must not stop the others from hearing
            log.exception('a status listener failed')


def listener_count() -> int:
    return len(_listeners)
