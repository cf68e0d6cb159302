"""Change events across processes on PostgreSQL.

Each event is sent with NOTIFY inside the transaction that made the change, so other processes get it when (and
only if) it commits; a listener thread hands the other processes' events to this process's listeners, as if they
had happened here. On SQLite the app is one process and events stay in it.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from services.core import events

log = logging.getLogger(__name__)
CHANNEL = 'app_events'
ORIGIN = uuid.uuid4().hex  # this process: its own events are already emitted here
MAX_PAYLOAD = 7000  # NOTIFY carries at most 8000 bytes
MAX_ERROR = 2000  # a platform's error can be longer than one payload
RECONNECT_S = 2.0

_listener: _Listener | None = None


Event = events.DeliveryChanged | events.PostScheduleChanged | events.NotificationsAdded


def notify(session: Session, announced: list[Event]) -> None:
    """Queue `announced` for the other processes in `session`'s transaction (PostgreSQL only): one NOTIFY per
    transaction, not one per event, unless they fill more than one payload."""
    if session.get_bind().dialect.name != 'postgresql' or not announced:
        return
    for payload in encode(announced):
        session.exec(sa.select(sa.func.pg_notify(CHANNEL, payload)))


def encode(announced: list[Event], origin: str = ORIGIN) -> list[str]:
    """The payloads that carry `announced`, each within NOTIFY's limit."""
    payloads, bodies, size = [], [], 0
    for event in announced:
        body = json.dumps(_body(event))
        if bodies and size + len(body) > MAX_PAYLOAD:
            payloads.append(_payload(bodies, origin))
            bodies, size = [], 0
        bodies.append(body)
        size += len(body) + 1
    return [*payloads, _payload(bodies, origin)] if bodies else payloads


def _payload(bodies: list[str], origin: str) -> str:
    return f'{{"origin": {json.dumps(origin)}, "events": [{",".join(bodies)}]}}'


def _body(event: Event) -> dict:
    if isinstance(event, events.NotificationsAdded):
        return {'kind': 'notifications', 'user_ids': list(event.user_ids)}
    if isinstance(event, events.PostScheduleChanged):
        return {'kind': 'schedule', 'post_id': event.post_id, 'status': event.status,
                'scheduled_at': event.scheduled_at.isoformat() if event.scheduled_at else None}
    body = {'kind': 'delivery', **{name: getattr(event, name) for name in events.DeliveryChanged.__annotations__}}
    body['error'] = (event.error or '')[:MAX_ERROR] or None
    return body


def decode(payload: str) -> list[Event]:
    """The events another process sent; none for this process's own, or for a payload it cannot read."""
    try:
        sent = json.loads(payload)
        if sent['origin'] == ORIGIN:
            return []
        return [_event(body) for body in sent['events']]
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning('events from another process could not be read: %.200s', payload)
        return []


def _event(body: dict) -> Event:
    kind = body.pop('kind')
    if kind == 'notifications':
        return events.NotificationsAdded(tuple(int(user_id) for user_id in body['user_ids']))
    if kind == 'schedule':
        when = body['scheduled_at']
        return events.PostScheduleChanged(body['post_id'], body['status'],
                                          datetime.fromisoformat(when) if when else None)
    return events.DeliveryChanged(**body)


def start_listening(database_url: str) -> None:
    """Hear the other processes' events from now on (PostgreSQL only; once per process)."""
    global _listener
    url = sa.engine.make_url(database_url)
    if not url.get_backend_name().startswith('postgresql') or _listener is not None:
        return
    _listener = _Listener(url.set(drivername='postgresql').render_as_string(hide_password=False))
    _listener.start()


def stop_listening() -> None:
    global _listener
    if _listener is not None:
        _listener.stop()
    _listener = None


class _Listener(threading.Thread):
    """LISTEN on a connection of its own; gone (the database restarted), it connects again."""

    def __init__(self, dsn: str) -> None:
        super().__init__(name='event listener', daemon=True)
        self._dsn = dsn
        self._stopping = threading.Event()
        self.ready = threading.Event()  # listening: events committed from now on are heard

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=5)

    def run(self) -> None:
        import psycopg

        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True) as connection:
                    connection.execute(f'LISTEN {CHANNEL}')
                    self.ready.set()
                    while not self._stopping.is_set():
                        for notice in connection.notifies(timeout=0.5):
                            for event in decode(notice.payload):
                                events.emit(event)
            except psycopg.Error as error:
                self.ready.clear()
                log.warning('not hearing other processes for now (%s); trying again', error)
                self._stopping.wait(RECONNECT_S)


def wait_listening(timeout: float = 10.0) -> bool:
    """Whether this process is listening (tests and start-up wait for it)."""
    return _listener is not None and _listener.ready.wait(timeout)
