"""On PostgreSQL, a change made by one process reaches the pages and scheduler of every other process (NOTIFY in
the changing transaction, a LISTEN thread in each process)."""
import json
import os
import threading
from datetime import UTC, datetime

import psycopg
import pytest

from services.core import db, event_bus, events
from services.core.config import configure, load_settings
from services.core.models import Role
from services.notifications import inbox
from services.notifications.kinds import Kind
from services.posts import state
from services.team import users
from tests.conftest import empty_postgres, own_postgres
from tests.harness import draft, teammate

POSTGRES_URL = os.environ.get('TEST_POSTGRES_URL', '')
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason='TEST_POSTGRES_URL is not set')


@pytest.fixture
def heard(tmp_path):
    """This process on PostgreSQL, listening; what its listeners hear."""
    settings = configure(load_settings({'DATABASE_URL': empty_postgres(POSTGRES_URL), 'DATA_DIR': str(tmp_path),
                                        'SECRET_KEY': 's' * 40}, env_file=None))
    db.init_db(settings.database_url)
    users.forget_cached_state()
    got, arrived = [], threading.Event()

    def listener(event):
        got.append(event)
        arrived.set()

    stops = [events.subscribe(listener), events.subscribe_schedule(listener), events.subscribe_notifications(listener)]
    event_bus.start_listening(settings.database_url)
    assert event_bus.wait_listening()
    yield got, arrived
    for stop in stops:
        stop()
    event_bus.stop_listening()


def other_process_notifies(payloads: list[str]) -> None:
    with psycopg.connect(own_postgres(POSTGRES_URL), autocommit=True) as connection:
        for payload in payloads:
            connection.execute('SELECT pg_notify(%s, %s)', (event_bus.CHANNEL, payload))


def test_a_delivery_sent_by_another_process_is_heard_here(heard):
    got, arrived = heard
    sent = events.DeliveryChanged(post_id=7, delivery_id=9, platform='telegram', channel_id=3, status='published',
                                  post_status='published', author_id=1, remote_url='https://t.me/news/5')
    other_process_notifies(event_bus.encode([sent], origin='another-process'))
    assert arrived.wait(10)
    assert got == [sent]


def test_a_schedule_change_made_by_another_process_is_heard_here(heard):
    got, arrived = heard
    moved = events.PostScheduleChanged(4, 'scheduled', datetime(2026, 12, 24, 9, tzinfo=UTC))
    other_process_notifies(event_bus.encode([moved], origin='another-process'))
    assert arrived.wait(10)
    assert got == [moved]


def test_notifications_told_in_another_process_reach_the_bells_here(heard):
    got, arrived = heard
    told = events.NotificationsAdded((2, 5))
    other_process_notifies(event_bus.encode([told], origin='another-process'))
    assert arrived.wait(10)
    assert got == [told]


def test_this_processes_own_change_is_heard_once_and_a_rolled_back_one_not_at_all(heard):
    got, arrived = heard
    users.create_first_admin('author', 'a long password!', language='en', time_zone='UTC', ip='')
    post_id = draft('Heard once')
    got.clear()
    with pytest.raises(RuntimeError), state.transaction() as change:
        change.announce_post(post_id)
        raise RuntimeError('the change fails')
    with state.transaction() as change:
        change.announce_post(post_id)
    # a marker sent after it, from elsewhere
    with psycopg.connect(own_postgres(POSTGRES_URL), autocommit=True) as connection:
        connection.execute('SELECT pg_notify(%s, %s)', (event_bus.CHANNEL, json.dumps({'origin': 'marker', 'events': [
            {'kind': 'schedule', 'post_id': -1, 'status': None, 'scheduled_at': None}]})))
    assert _eventually(lambda: any(event.post_id == -1 for event in got))
    assert [event.post_id for event in got] == [post_id, -1]  # its own once (emitted here), the marker


def test_everyone_told_in_one_transaction_reaches_the_other_processes_in_one_notice(heard):
    got, _arrived = heard
    users.create_first_admin('admin', 'a long password!', language='en', time_zone='UTC', ip='')
    team = sorted([1, *(teammate(f'editor{n}', Role.EDITOR).id for n in range(3))])
    with psycopg.connect(own_postgres(POSTGRES_URL), autocommit=True) as other_process:
        other_process.execute(f'LISTEN {event_bus.CHANNEL}')
        with db.session() as session:
            assert inbox.tell(session, Kind.CHANNEL_NEEDS_RECONNECT) == 4
        other_process.execute('SELECT pg_notify(%s, %s)', (event_bus.CHANNEL, json.dumps({'origin': 'marker',
                                                                                             'events': []})))
        notices = []
        for notice in other_process.notifies(timeout=10):
            notices.append(json.loads(notice.payload))
            if notices[-1]['origin'] == 'marker':
                break
    assert [sent['events'] for sent in notices] == [[{'kind': 'notifications', 'user_ids': team}], []]
    assert [event for event in got if isinstance(event, events.NotificationsAdded)] == \
        [events.NotificationsAdded(tuple(team))]  # emitted here once, after the commit


def _eventually(check, seconds: float = 10.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True



def test_a_transaction_s_events_go_in_as_few_notices_as_fit_and_come_out_whole_and_in_order():
    failed = [events.DeliveryChanged(post_id=n, delivery_id=n, platform='telegram', channel_id=1, status='failed',
                                     post_status='failed', author_id=1, error='x' * 5000) for n in range(10)]
    payloads = event_bus.encode(failed, origin='another-process')
    assert 1 < len(payloads) < len(failed)
    assert all(len(payload.encode()) < 8000 for payload in payloads)
    heard = [event for payload in payloads for event in event_bus.decode(payload)]
    assert [event.delivery_id for event in heard] == list(range(10))
    assert all(event.error == 'x' * event_bus.MAX_ERROR for event in heard)
