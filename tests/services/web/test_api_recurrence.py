"""Recurrence on create and update through the API."""
from __future__ import annotations

import httpx
import pytest
from nicegui.testing import User

from tests.conftest import ADMIN
from tests.harness.builders import telegram_chats
from tests.services.web.test_api import token_for


@pytest.fixture
async def api(user: User, admin):
    async with httpx.AsyncClient(transport=user.http_client._transport, base_url='http://test') as client:
        yield client


async def test_a_post_scheduled_through_the_api_repeats_weekly_until_told_otherwise(api, admin):
    [chat] = telegram_chats('Arabic')
    headers = await token_for(api, *ADMIN)
    body = {'text': 'Every Monday and Thursday', 'channels': [chat], 'action': 'schedule',
            'scheduled_at': '2027-01-04T09:00:00+01:00',
            'recurrence': {'frequency': 'weekly', 'weekdays': [0, 3], 'count': 4, 'time_zone': 'Europe/Berlin'}}
    created = await api.post('/api/v1/posts', headers=headers, json=body)
    assert created.status_code == 201, created.text
    post = created.json()
    assert (post['recurrence'], post['series_id']) == (
        'DTSTART:20270104T090000\nRRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO,TH', post['id'])

    kept = await api.put(f'/api/v1/posts/{post["id"]}', headers=headers,
                         json={**body, 'text': 'Edited', 'recurrence': None})
    assert kept.json()['recurrence'] == post['recurrence']  # left out: as it was
    stopped = await api.put(f'/api/v1/posts/{post["id"]}', headers=headers,
                            json={**body, 'recurrence': {'frequency': 'never'}})
    assert stopped.json()['recurrence'] is None

    refused = await api.post('/api/v1/posts', headers=headers,
                             json={**body, 'recurrence': {'frequency': 'daily', 'time_zone': 'Mars/Olympus'}})
    assert refused.status_code == 422
    assert refused.json()['error']['message'] == 'Mars/Olympus is not a time zone this app knows.'


async def test_an_update_of_this_occurrence_only_takes_it_out_and_the_series_goes_on(api, admin):
    [chat] = telegram_chats('Arabic')
    headers = await token_for(api, *ADMIN)
    body = {'text': 'Every day', 'channels': [chat], 'action': 'schedule', 'scheduled_at': '2027-01-04T09:00:00+01:00',
            'recurrence': {'frequency': 'daily', 'count': 3, 'time_zone': 'Europe/Berlin'}}
    post = (await api.post('/api/v1/posts', headers=headers, json=body)).json()

    alone = await api.put(f'/api/v1/posts/{post["id"]}', headers=headers,
                          json={**body, 'text': 'Just this once', 'recurrence': None, 'applies_to': 'this'})
    assert alone.status_code == 200, alone.text
    assert (alone.json()['text'], alone.json()['recurrence']) == ('Just this once', None)
    following = (await api.get(f'/api/v1/posts/{post["id"] + 1}', headers=headers)).json()
    assert (following['text'], following['series_id'], following['scheduled_at']) == (
        'Every day', post['id'], '2027-01-05T08:00:00Z')
    assert following['recurrence'] == post['recurrence']
