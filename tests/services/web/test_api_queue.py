"""The API of the posting queues: posting times per channel, and "action": "queue" on create."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from nicegui.testing import User

from services.core.models import Role
from services.queue import queue
from tests.conftest import ADMIN
from tests.harness import own_password, teammate
from tests.harness.builders import telegram_chats
from tests.services.web.test_api import token_for

BERLIN = ZoneInfo('Europe/Berlin')


@pytest.fixture
async def api(user: User, admin):
    async with httpx.AsyncClient(transport=user.http_client._transport, base_url='http://test') as client:
        yield client


async def test_posting_times_are_set_by_an_admin_and_posts_queued_by_an_editor(api, admin):
    arabic, english = telegram_chats('Arabic', 'English')
    headers = await token_for(api, *ADMIN)
    for channel_id, hour in ((arabic, '09:00'), (english, '13:00')):
        response = await api.put(f'/api/v1/channels/{channel_id}/posting-times', headers=headers,
                                 json={'times': [{'time': hour, 'days': [0, 1, 2, 3, 4, 5, 6]}]})
        assert response.status_code == 200, response.text
    shown = response.json()
    assert (shown['time_zone'], shown['effective_time_zone'], shown['times'], shown['paused']) == (
        '', 'Europe/Berlin', [{'time': '13:00', 'days': [0, 1, 2, 3, 4, 5, 6]}], False)
    assert datetime.fromisoformat(shown['next_slot']).astimezone(BERLIN).strftime('%H:%M') == '13:00'

    teammate('eddie', Role.EDITOR)
    editor = await token_for(api, 'eddie', own_password('eddie'))
    refused = await api.put(f'/api/v1/channels/{arabic}/posting-times', headers=editor, json={'times': []})
    assert refused.status_code == 403
    created = await api.post('/api/v1/posts', headers=editor,
                             json={'text': 'Queued', 'channels': [arabic, english], 'action': 'queue',
                                   'versions': {str(english): {'text': 'Queued in English'}}})
    assert created.status_code == 201, created.text
    first, [second] = created.json(), created.json()['also_queued']
    assert (first['status'], first['queue_channel_id'], [d['channel_id'] for d in first['deliveries']]) == (
        'scheduled', arabic, [arabic])
    assert (second['text'], second['queue_channel_id'], [d['channel_id'] for d in second['deliveries']]) == (
        'Queued', english, [english])
    assert [datetime.fromisoformat(post['scheduled_at']).astimezone(BERLIN).strftime('%H:%M')
            for post in (first, second)] == ['09:00', '13:00']
    assert [item.text for item in queue.queue_of(english).posts] == ['Queued in English']


async def test_queueing_to_a_channel_without_posting_times_is_refused_with_the_reason(api, admin):
    [arabic] = telegram_chats('Arabic')
    headers = await token_for(api, *ADMIN)
    refused = await api.post('/api/v1/posts', headers=headers,
                             json={'text': 'Queued', 'channels': [arabic], 'action': 'queue'})
    assert refused.status_code == 422
    assert refused.json()['error'] == {'code': 'post_refused', 'message': 'Telegram · Arabic has no posting times '
                                       'yet. Give it some on the Channels page.'}
    bad = await api.put(f'/api/v1/channels/{arabic}/posting-times', headers=headers,
                        json={'time_zone': 'Mars/Olympus', 'times': []})
    assert bad.status_code == 422 and bad.json()['error']['code'] == 'posting_times_invalid'
